#!/usr/bin/python3
"""The rule atlas, end to end: train, compare every rule, draw the map, print the table.

    /usr/bin/python3 examples/rule_atlas.py            # reduced (a few minutes on 2 cores)
    /usr/bin/python3 examples/rule_atlas.py --full     # the full version (docs/rule-atlas.md)

Run from anywhere; paths are relative to the repository. Steps (docs/rule-atlas.md):

1. examples/rule_atlas.toml (100-64-10 LIF network on data/spike_patterns.h5): `apical train`
   (surrogate-gradient backprop, Adam) writes checkpoints; `apical compare` runs every rule in
   measure mode at them -> OUT/rule_atlas-train.h5, OUT/rule_atlas.h5.
2. examples/rule_atlas_rate.toml (the same task with tanh rate units): `apical train` with
   method = "rule" (feedback alignment learns, checkpoints on its own trajectory), then
   `apical compare` (FA and backprop at those checkpoints) -> OUT/rule_atlas_rate{-train,}.h5.
2b. examples/rule_atlas_rmax.toml (10 escape-noise LIF hidden units): `apical compare` with
   reference = "rmax" (a many-trial likelihood-ratio reference; no surrogate gradient exists for
   escape noise): R-max and node perturbation -> OUT/rule_atlas_rmax.h5.
2c. examples/rule_atlas_microcircuit.toml (Sacramento et al.'s 30-20-10 dendritic microcircuit in
   its self-predicting state, random top-down weights, g_som 0.8) and its variant with symmetric
   top-down weights and weak nudging (g_som 0.05): `apical compare` with reference =
   "steady_state" (backprop through the circuit's steady-state rate network)
   -> OUT/rule_atlas_microcircuit.h5, OUT/rule_atlas_microcircuit_sym.h5. Then the paper's circuit
   learns the task with its own four rules (examples/dendritic_microcircuit.toml, `apical run`
   with weight snapshots), and `apical compare` measures it along that trajectory (checkpoints =
   the run's snapshots) -> OUT/microcircuit_learn.h5, OUT/rule_atlas_microcircuit_traj.h5.
3. RDD's own panel: examples/rdd_network_size.py (Lansdell & Kording's confounded-noise
   setting, N = 10 neurons, correlation c) -> OUT/rule_atlas_rdd.json.
4. Learning: the spiking network trained by rules in learn mode (e-prop symmetric, e-prop
   random, R-STDP; `apical train` method = "rule") beside backprop (step 1) and FA (step 2)
   -> OUT/learn_<rule>.h5, OUT/rule_atlas_training.png.
5. Figures OUT/rule_atlas_map.png (map, bias along training, RDD panel),
   OUT/rule_atlas_decomposition.png (Fig. 3), the table OUT/rule_atlas_table.txt (also printed).

The configs actually run are written to OUT (the examples with the reduced or full settings).
Needs numpy, h5py, matplotlib (scripts/deps) and the apical binary (build/apical by default).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from plot_alignment import attr, draw_split  # noqa: E402  (this directory)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Per mode: training epochs and checkpoints of the spiking network, compare checkpoints, R of the
# stochastic rules, bootstrap resamples, rate-network epochs/checkpoints, RDD panel, learning epochs.
SETTINGS = {
    "reduced": dict(epochs=10, checkpoints=[0, 3], compare=[0, 3],
                    R={"node_perturbation": 500, "node_perturbation_hidden": 300, "weight_perturbation": 1000,
                       "backprop_dataset": 500, "rdd": 500},
                    bootstrap=200, rate_epochs=10, rate_checkpoints=[0, 1, 3, 10],
                    rdd=["--N", "10", "--c", "0.01", "0.5", "0.99", "--seconds", "20", "--reps", "2"],
                    learn_epochs=5, rmax_trials=500, rmax_reference=5000, microcircuit_trials=200,
                    microcircuit_learn=[0, 100, 300], microcircuit_traj_trials=100),
    "full": dict(epochs=10, checkpoints=[0, 1, 3, 10], compare=[0, 1, 3, 10],
                 R={"node_perturbation": 2000, "node_perturbation_hidden": 1000, "weight_perturbation": 10000,
                    "backprop_dataset": 500, "rdd": 1000},
                 bootstrap=200, rate_epochs=10, rate_checkpoints=[0, 1, 3, 10],
                 rdd=["--N", "10", "46", "--c", "0.01", "0.25", "0.5", "0.75", "0.99", "--seconds", "100",
                      "--reps", "5"],
                 learn_epochs=15, rmax_trials=2000, rmax_reference=20000, microcircuit_trials=500,
                 microcircuit_learn=[0, 100, 500, 1500], microcircuit_traj_trials=200),
}

# Rules trained in learn mode (step 4): plasticity tables for w1 and w2, and objective baseline.
LEARN = {
    "eprop_symmetric": ('{ rule = "eprop", readout = "w2", feedback = "symmetric", surrogate_scale = 10.0, '
                        'eta = 0.002, schedule = "trial" }',
                        '{ rule = "eprop", eta = 0.002, schedule = "trial" }', "none"),
    "eprop_random": ('{ rule = "eprop", readout = "w2", feedback = "random", feedback_scale = 0.1, '
                     'surrogate_scale = 10.0, eta = 0.002, schedule = "trial" }',
                     '{ rule = "eprop", eta = 0.002, schedule = "trial" }', "none"),
    # R-STDP on the hidden layer, the readout by e-prop (R-STDP cannot drive a non-spiking
    # readout); the third factor is the reward minus its running mean (a prediction error).
    "rstdp": ('{ rule = "rstdp", eta = 2e-4, schedule = "trial" }',
              '{ rule = "eprop", eta = 0.002, schedule = "trial" }', "running_mean"),
    "superspike": ('{ rule = "superspike", readout = "w2", feedback = "symmetric", surrogate_scale = 10.0, '
                   'eta = 0.002, schedule = "trial" }',
                   '{ rule = "eprop", eta = 0.002, schedule = "trial" }', "none"),
    # The control for R-STDP: the readout alone learns, the hidden layer stays at its initial weights.
    "readout_only": (None, '{ rule = "eprop", eta = 0.002, schedule = "trial" }', "none"),
    # The same layer by node perturbation (paired trials: each sample twice): an unbiased estimate
    # of readout_only's exact update with Var_rel ~200, so a 20x smaller step is the stable one.
    "node_perturbation": (None, '{ rule = "node_perturbation", sigma = 1e-3, eta = 1e-4, schedule = "trial" }',
                          "none"),
}


def set_key(text, section, key, value):
    """Sets `key = value` in [section] of a TOML text (replacing the line, or adding it)."""
    lines = text.split("\n")
    start = next((i for i, l in enumerate(lines) if l.strip() == f"[{section}]"), None)
    if start is None:
        return text.rstrip("\n") + f"\n\n[{section}]\n{key} = {value}\n"
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    pat = re.compile(rf"^{re.escape(key)}\s*=")
    for i in range(start + 1, end):
        if pat.match(lines[i]):
            lines[i] = f"{key} = {value}"
            return "\n".join(lines)
    lines.insert(start + 1, f"{key} = {value}")
    return "\n".join(lines)


def drop_sections(text, prefix):
    """Removes every [prefix...] table (and its lines) from a TOML text."""
    out, skip = [], False
    for line in text.split("\n"):
        if line.startswith("["):
            name = line.strip().strip("[]")
            skip = name == prefix or name.startswith(prefix + ".")
        if not skip:
            out.append(line)
    return "\n".join(out)


def tlist(xs):
    return "[" + ", ".join(str(x) for x in xs) + "]"


def run(cmd, log):
    t0 = time.time()
    print("$", " ".join(cmd), flush=True)
    with open(log, "w") as f:
        p = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}); see {log}")
    dt = time.time() - t0
    print(f"  {dt:.1f} s", flush=True)
    return dt


def trained_config(name, s, out, epochs, checkpoints, compared):
    """examples/<name>.toml with its [training] length and checkpoints, and [compare] at the
    `compared` checkpoints of OUT/<name>-train.h5."""
    text = open(os.path.join(HERE, name + ".toml")).read()
    text = set_key(text, "training", "epochs", epochs)
    text = set_key(text, "training", "checkpoints", tlist(checkpoints))
    text = set_key(text, "compare", "bootstrap", s["bootstrap"])
    return set_key(text, "compare", "checkpoints", f'{{ file = "{out}/{name}-train.h5", epochs = {tlist(compared)} }}')


def spiking_config(s, out):
    text = trained_config("rule_atlas", s, out, s["epochs"], s["checkpoints"], s["compare"])
    for rule, R in s["R"].items():
        text = set_key(text, f"compare.rules.{rule}", "trials", R)
    return text


def rate_config(s, out):
    return trained_config("rule_atlas_rate", s, out, s["rate_epochs"], s["rate_checkpoints"], s["rate_checkpoints"])


def rmax_config(s):
    text = open(os.path.join(HERE, "rule_atlas_rmax.toml")).read()
    text = set_key(text, "compare", "bootstrap", s["bootstrap"])
    text = set_key(text, "compare", "trials", s["rmax_trials"])
    return set_key(text, "compare", "reference_trials", s["rmax_reference"])


def microcircuit_config(s, symmetric):
    """The paper's circuit (random top-down, g_som 0.8), or with symmetric top-down weights
    (W_down = W_21^T) and weak nudging of the output (g_som 0.05), where it approaches backprop."""
    text = open(os.path.join(HERE, "rule_atlas_microcircuit.toml")).read()
    text = set_key(text, "compare", "bootstrap", s["bootstrap"])
    text = set_key(text, "compare.rules.microcircuit_dataset", "trials", s["microcircuit_trials"])
    if symmetric:
        text = text.replace("examples/dendritic_microcircuit_selfpred_weights.h5",
                            "examples/rule_atlas_microcircuit_symmetric.h5")
        text = text.replace("apical = false, g_som = 0.8", "apical = false, g_som = 0.05")
    return text


# The microcircuit's learning run: 50 ms per sample, 500 samples; a weight snapshot every 50 trials.
MC_TRIAL_MS, MC_SAMPLES, MC_SNAPSHOT_MS = 50.0, 500, 2500.0


def microcircuit_learn_config(s):
    """examples/dendritic_microcircuit.toml (phase 2: all four rules learn with the teacher) for the
    last checkpoint's trials, reports dropped, weights snapshotted."""
    text = drop_sections(open(os.path.join(HERE, "dendritic_microcircuit.toml")).read(), "output")
    text = set_key(text, "trials", "count", s["microcircuit_learn"][-1])
    return text.rstrip("\n") + f"\n\n[output]\nweight_interval = {MC_SNAPSHOT_MS}\n"


def microcircuit_trajectory_config(s, out):
    """The paper's circuit measured at the learning run's snapshots, on sample 0 and over the data."""
    text = set_key(microcircuit_config(s, False), "compare.rules.microcircuit_dataset", "trials",
                   s["microcircuit_traj_trials"])
    times = tlist([n * MC_TRIAL_MS for n in s["microcircuit_learn"]])
    return set_key(text, "compare", "checkpoints", f'{{ file = "{out}/microcircuit_learn.h5", times = {times} }}')


def learn_config(rule, epochs):
    text = open(os.path.join(HERE, "rule_atlas.toml")).read()
    text = drop_sections(drop_sections(text, "compare"), "training")
    w1, w2, baseline = LEARN[rule]
    if w1:
        text = set_key(text, "projections.w1", "plasticity", w1)
    text = set_key(text, "projections.w2", "plasticity", w2)
    text = set_key(text, "trials.objective", "baseline", f'"{baseline}"')
    return text.rstrip("\n") + f'\n\n[training]\nmethod = "rule"\nepochs = {epochs}\ntest_fraction = 0.2\n'


# ---------------------------------------------------------------- reading and drawing


def read_points(path, network):
    """One row per (checkpoint, rule, projection): the projection's metrics."""
    rows = []
    with h5py.File(path, "r") as f:
        for ck in f["compare"]:
            g = f["compare"][ck]
            for rule in g["rules"]:
                r = g["rules"][rule]
                for proj in r:
                    if proj == "network":
                        continue
                    m = {k: attr(r[proj], k) for k in r[proj].attrs}
                    # A snapshot of a microcircuit run: epochs = presentations / samples.
                    t = attr(g, "time_ms", -1.0)
                    epoch = round(t / (MC_TRIAL_MS * MC_SAMPLES), 2) if t >= 0 else int(attr(g, "epoch", -1))
                    rows.append(dict(network=network, checkpoint=ck, epoch=epoch, rule=rule,
                                     proj=proj, inputs=attr(r, "inputs", ""), trials=int(attr(r, "trials", 0)), m=m))
    rows.sort(key=lambda x: (x["network"], x["epoch"], x["rule"], x["proj"]))
    return rows


def fmt_ci(m, name, fmt):
    v = m[name]
    lo, hi = m.get(name + "_lo"), m.get(name + "_hi")
    s = fmt % v
    if lo is not None and hi is not None:
        s += " [" + fmt % lo + ", " + fmt % hi + "]"
    return s


def table(rows):
    head = (f"{'network':16} {'epoch':>5} {'rule':26} {'layer':5} {'inputs':7} {'R':>6}  {'theta_bias (deg)':24}"
            f" {'Var_rel':30} {'alpha*':24} {'mean cos':24} flags")
    lines = [head, "-" * len(head)]
    for r in rows:
        m = r["m"]
        lines.append(f"{r['network']:16} {r['epoch']:5g} {r['rule']:26} {r['proj']:5} {r['inputs']:7} {r['trials']:6d}  "
                     f"{fmt_ci(m, 'theta_bias_deg', '%.1f'):24} {fmt_ci(m, 'var_rel', '%.3g'):30} "
                     f"{fmt_ci(m, 'alpha_star', '%.3g'):24} {fmt_ci(m, 'mean_cos', '%.3f'):24} {m.get('flags', '')}")
    return "\n".join(lines)


# The rules' hidden-layer block is the one that tells them apart (every gradient rule's readout
# update is exact); perturbation rules are drawn on the layer they perturb.
NETWORK_NOTE = {"rate": " rate net", "escape": " escape-noise net vs R-max ref.",
                "microcircuit": " (random top-down, g_som 0.8)", "microcircuit_sym": " (symmetric top-down, g_som 0.05)"}


def map_rows(rows, epoch):
    """The map's points: the spiking network's rules at `epoch`, on their hidden layer where they
    have one; FA on the rate network at its last checkpoint (its bias along training is panel b);
    the escape-noise network and the microcircuits at their only (initial) weights."""
    out = []
    for r in rows:
        if r["network"] == "rate":
            if r["rule"] != "feedback_alignment" or r["epoch"] != max_epoch(rows, "rate"):
                continue
        elif r["network"] in ("escape", "microcircuit", "microcircuit_sym"):
            pass  # initial weights only
        elif r["network"] == "microcircuit_traj":
            continue  # panel b
        elif r["epoch"] != epoch:
            continue
        hidden, output = ("W_10", "W_21") if r["network"].startswith("microcircuit") else ("w1", "w2")
        if r["proj"] == output and any(q["rule"] == r["rule"] and q["network"] == r["network"] and q["proj"] == hidden
                                       for q in rows):
            continue  # the hidden layer shown instead
        out.append(r)
    return out


def max_epoch(rows, network):
    return max(r["epoch"] for r in rows if r["network"] == network)


def markdown(rows, epoch):
    """The map's points (and FA's trajectory) as a Markdown table, for docs/rule-atlas.md."""
    pts = map_rows(rows, epoch) + [r for r in rows if r["network"] == "rate" and r["rule"] == "feedback_alignment"
                                   and r["proj"] == "w1" and r["epoch"] != max_epoch(rows, "rate")] + \
        [r for r in rows if r["network"] == "microcircuit_traj" and r["proj"] == "W_10"]
    out = ["| rule | network, layer | epoch | inputs | R | theta_bias (deg) | Var_rel | alpha* | mean cos | flags |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in pts:
        m = r["m"]
        out.append(f"| {r['rule']} | {r['network']}, {r['proj']} | {r['epoch'] if r['epoch'] >= 0 else 'initial'} | "
                   f"{r['inputs']} | {r['trials']} | {fmt_ci(m, 'theta_bias_deg', '%.1f')} | "
                   f"{fmt_ci(m, 'var_rel', '%.3g')} | {fmt_ci(m, 'alpha_star', '%.3g')} | "
                   f"{fmt_ci(m, 'mean_cos', '%.3f')} | {m.get('flags', '')} |")
    return "\n".join(out) + "\n"


COLORS = [plt.cm.tab10(i) for i in range(10)] + [plt.cm.Dark2(i) for i in (0, 2, 3, 5, 6)]


def label_points(ax, points):
    """Text right of each point, moved up or down in steps of a line until it overlaps no earlier
    label (boxes estimated from the character count at font size 7)."""
    scale = ax.figure.dpi / 72.0
    bottom = ax.get_window_extent().y0
    boxes = []
    for x, y, c, names in sorted(points, key=lambda p: (p[0], p[1])):
        text = " = ".join(names)
        px, py = ax.transData.transform((x, y))
        w, h = len(text) * 3.9 * scale, 8.0 * scale
        for k in range(40):
            dy = -3 + (k + 1) // 2 * 9 * (1 if k % 2 else -1)
            box = (px + 6 * scale, py + dy * scale, w, h)
            overlaps = any(box[0] < b[0] + b[2] and b[0] < box[0] + box[2] and box[1] < b[1] + b[3] and
                           b[1] < box[1] + box[3] for b in boxes)
            if box[1] >= bottom and not overlaps:
                break
        boxes.append(box)
        ax.annotate(text, (x, y), fontsize=7, color=c, xytext=(6, dy), textcoords="offset points")


def draw(rows, rdd_rows, epoch, out):
    fig = plt.figure(figsize=(17, 7.2))
    ax = fig.add_subplot(1, 3, (1, 1))
    pts = map_rows(rows, epoch)
    pos = [r["m"]["var_rel"] for r in pts if r["m"]["var_rel"] > 0]
    floor = min(pos) / 30 if pos else 1e-3
    placed = {}
    for i, r in enumerate(pts):
        m = r["m"]
        x, y = max(m["var_rel"], floor), m["theta_bias_deg"]
        zero = not m["var_rel"] > 0
        xerr = [[max(x - max(m.get("var_rel_lo", x), floor), 0)], [max(m.get("var_rel_hi", x) - x, 0)]]
        yerr = [[max(y - m.get("theta_bias_deg_lo", y), 0)], [max(m.get("theta_bias_deg_hi", y) - y, 0)]]
        c = COLORS[i % len(COLORS)]
        name = f"{r['rule']} [{r['proj']}]" + NETWORK_NOTE.get(r["network"], "") + \
            (", epoch %d" % r["epoch"] if r["network"] == "rate" else "") + (" (dataset)" if r["inputs"] == "dataset" else "")
        ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="osD^v<>pP*"[i % 10], color=c, mfc="none" if zero else c,
                    capsize=3, ms=7, label=name)
        # Text beside the point; points at the same place share one label.
        key = (round(np.log10(x), 1), round(y / 3))
        short = {"escape": " (esc.)", "microcircuit_sym": " (sym.)"}.get(r["network"], "")
        placed.setdefault(key, [x, y, c, []])[3].append(r["rule"] + short)
    ax.set_xscale("log")
    ax.set_ylim(-5, 130)
    map_ax = ax
    ax.axvline(floor * 1.5, color="0.85", lw=0.8)
    ax.axhline(90, color="0.7", lw=0.8, ls="--")
    ax.set_xlabel("Var_rel = tr Cov(u) / ||alpha* g||^2   (open: 0, drawn at the edge)")
    ax.set_ylabel("theta_bias (degrees)")
    ax.set_title(f"(a) bias/variance map, spiking net at epoch {epoch}")
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)

    ax = fig.add_subplot(1, 3, 2)
    for (net, rule, proj, style) in [("rate", "feedback_alignment", "w1", "s-"),
                                     ("microcircuit_traj", "microcircuit_dataset", "W_10", "P-"),
                                     ("spiking", "eprop_random", "w1", "o-"),
                                     ("spiking", "superspike", "w1", "^-"),
                                     ("spiking", "rstdp", "w1", "v-"),
                                     ("spiking", "eprop_symmetric", "w1", "D-")]:
        sel = sorted((r["epoch"], r["m"]["theta_bias_deg"]) for r in rows
                     if r["network"] == net and r["rule"] == rule and r["proj"] == proj)
        if sel:
            e, t = zip(*sel)
            own = net in ("rate", "microcircuit_traj")
            ax.plot(e, t, style, label=f"{rule} [{proj}]" + (" (own trajectory)" if own else " (backprop's)"))
    ax.set_xlabel("training epoch of the checkpoint (microcircuit: presentations / 500 samples)")
    ax.set_ylabel("theta_bias (degrees)")
    ax.set_ylim(-5, 130)
    ax.axhline(90, color="0.7", lw=0.8, ls="--")
    ax.set_title("(b) bias along training")
    ax.legend(fontsize=7)

    ax = fig.add_subplot(1, 3, 3)
    if rdd_rows:
        for n in sorted({r["N"] for r in rdd_rows}):
            cs = sorted({r["c"] for r in rdd_rows if r["N"] == n})
            for key, style in (("rdd", "o-"), ("naive", "x--")):
                mean = [np.mean([r[key] for r in rdd_rows if r["N"] == n and r["c"] == c]) for c in cs]
                ax.plot(cs, mean, style, label=f"{'RDD' if key == 'rdd' else 'naive'}, N = {n}")
        ax.set_xlabel("noise correlation c (confounding)")
        ax.set_ylabel("angle to the true causal effect (deg, folded)")
        ax.set_title("(c) RDD vs the naive estimator (Lansdell & Kording)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    label_points(map_ax, list(placed.values()))  # after the layout: it needs the final axes
    fig.savefig(out, dpi=130)
    plt.close(fig)


def draw_decomposition(rows, epoch, out):
    pts = map_rows(rows, epoch)
    labels = [f"{r['rule']} [{r['proj']}]" + (f" ({r['network']} net)" if r["network"] != "spiking" else "")
              for r in pts]
    draw_split(labels, [r["m"] for r in pts],
               f"Mean update = gradient part + orthogonal part (Fig. 3), spiking net at epoch {epoch}", out, width=9.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="the full version (see docs/rule-atlas.md for its runtime)")
    ap.add_argument("--apical", default=os.path.join(ROOT, "build", "apical"))
    ap.add_argument("--out", default="out", help="output directory (relative to the repository)")
    ap.add_argument("--threads", type=int, default=1, help="1 is fastest for these small networks")
    ap.add_argument("--no-learning", action="store_true", help="skip step 4")
    ap.add_argument("--plot-only", action="store_true", help="only redraw from existing files")
    a = ap.parse_args()
    s = SETTINGS["full" if a.full else "reduced"]
    out = a.out.rstrip("/")
    os.makedirs(os.path.join(ROOT, out), exist_ok=True)
    apical = os.path.abspath(a.apical)
    t = lambda *p: ["-t", str(a.threads), *p]  # noqa: E731
    P = lambda name: os.path.join(out, name)  # noqa: E731
    times = {}
    t0 = time.time()

    if not a.plot_only:
        open(os.path.join(ROOT, P("rule_atlas.toml")), "w").write(spiking_config(s, out))
        open(os.path.join(ROOT, P("rule_atlas_rate.toml")), "w").write(rate_config(s, out))
        times["spiking train"] = run([apical, "train", P("rule_atlas.toml"), "-o", P("rule_atlas-train.h5"), *t()],
                                     os.path.join(ROOT, P("rule_atlas-train.log")))
        times["spiking compare"] = run([apical, "compare", P("rule_atlas.toml"), "-o", P("rule_atlas.h5"), *t()],
                                       os.path.join(ROOT, P("rule_atlas.log")))
        times["rate train (FA)"] = run([apical, "train", P("rule_atlas_rate.toml"), "-o", P("rule_atlas_rate-train.h5"),
                                        *t()], os.path.join(ROOT, P("rule_atlas_rate-train.log")))
        times["rate compare"] = run([apical, "compare", P("rule_atlas_rate.toml"), "-o", P("rule_atlas_rate.h5"), *t()],
                                    os.path.join(ROOT, P("rule_atlas_rate.log")))
        open(os.path.join(ROOT, P("rule_atlas_rmax.toml")), "w").write(rmax_config(s))
        times["escape-noise compare (R-max)"] = run(
            [apical, "compare", P("rule_atlas_rmax.toml"), "-o", P("rule_atlas_rmax.h5"), *t()],
            os.path.join(ROOT, P("rule_atlas_rmax.log")))
        for name, symmetric in (("microcircuit", False), ("microcircuit_sym", True)):
            open(os.path.join(ROOT, P(f"rule_atlas_{name}.toml")), "w").write(microcircuit_config(s, symmetric))
            times[name + " compare"] = run(
                [apical, "compare", P(f"rule_atlas_{name}.toml"), "-o", P(f"rule_atlas_{name}.h5"), *t()],
                os.path.join(ROOT, P(f"rule_atlas_{name}.log")))
        open(os.path.join(ROOT, P("microcircuit_learn.toml")), "w").write(microcircuit_learn_config(s))
        times["microcircuit learning run"] = run(
            [apical, "run", P("microcircuit_learn.toml"), "-o", P("microcircuit_learn.h5"), *t()],
            os.path.join(ROOT, P("microcircuit_learn.log")))
        open(os.path.join(ROOT, P("rule_atlas_microcircuit_traj.toml")), "w").write(microcircuit_trajectory_config(s, out))
        times["microcircuit trajectory compare"] = run(
            [apical, "compare", P("rule_atlas_microcircuit_traj.toml"), "-o", P("rule_atlas_microcircuit_traj.h5"), *t()],
            os.path.join(ROOT, P("rule_atlas_microcircuit_traj.log")))
        times["RDD panel"] = run(["/usr/bin/python3", os.path.join(HERE, "rdd_network_size.py"), "--apical", apical,
                                  *s["rdd"], "--json", P("rule_atlas_rdd.json"), "-o", P("rule_atlas_rdd.png")],
                                 os.path.join(ROOT, P("rule_atlas_rdd.log")))
        if not a.no_learning:
            t1 = time.time()
            for rule in LEARN:
                open(os.path.join(ROOT, P(f"learn_{rule}.toml")), "w").write(learn_config(rule, s["learn_epochs"]))
                run([apical, "train", P(f"learn_{rule}.toml"), "-o", P(f"learn_{rule}.h5"), *t()],
                    os.path.join(ROOT, P(f"learn_{rule}.log")))
            times["learning runs"] = time.time() - t1
    if not a.no_learning and os.path.exists(os.path.join(ROOT, P("learn_rstdp.h5"))):
        runs = [P("rule_atlas-train.h5")] + [P(f"learn_{r}.h5") for r in LEARN] + [P("rule_atlas_rate-train.h5")]
        labels = ["backprop (Adam)"] + [f"{r} (SGD)" for r in LEARN] + ["FA rate net (SGD)"]
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "plot_training.py"), *runs, "-o",
                        P("rule_atlas_training.png"), "--labels", ",".join(labels)], cwd=ROOT, check=True)

    rows = read_points(os.path.join(ROOT, P("rule_atlas.h5")), "spiking") + \
        read_points(os.path.join(ROOT, P("rule_atlas_rate.h5")), "rate")
    if os.path.exists(os.path.join(ROOT, P("rule_atlas_rmax.h5"))):
        rows += read_points(os.path.join(ROOT, P("rule_atlas_rmax.h5")), "escape")
    for name in ("microcircuit", "microcircuit_sym", "microcircuit_traj"):
        if os.path.exists(os.path.join(ROOT, P(f"rule_atlas_{name}.h5"))):
            rows += read_points(os.path.join(ROOT, P(f"rule_atlas_{name}.h5")), name)
    rdd_json = os.path.join(ROOT, P("rule_atlas_rdd.json"))
    rdd_rows = json.load(open(rdd_json)) if os.path.exists(rdd_json) else []
    epoch = 3  # a checkpoint of both versions: mid-training (at 10 the training loss is ~0.02)
    draw(rows, rdd_rows, epoch, os.path.join(ROOT, P("rule_atlas_map.png")))
    draw_decomposition(rows, epoch, os.path.join(ROOT, P("rule_atlas_decomposition.png")))
    text = table(rows)
    if rdd_rows:
        text += "\n\nRDD panel (angle to the true causal effect, degrees, mean over runs):\n"
        for n in sorted({r["N"] for r in rdd_rows}):
            for c in sorted({r["c"] for r in rdd_rows if r["N"] == n}):
                sel = [r for r in rdd_rows if r["N"] == n and r["c"] == c]
                text += (f"  N = {n:3d}  c = {c:4.2f}  RDD {np.mean([r['rdd'] for r in sel]):5.1f}"
                         f"  naive {np.mean([r['naive'] for r in sel]):5.1f}  ({len(sel)} runs)\n")
    if times:
        text += "\nwall times (s): " + ", ".join(f"{k} {v:.1f}" for k, v in times.items()) + \
            f", total {time.time() - t0:.1f}\n"
    open(os.path.join(ROOT, P("rule_atlas_table.txt")), "w").write(text + "\n")
    open(os.path.join(ROOT, P("rule_atlas_table.md")), "w").write(markdown(rows, epoch))
    print()
    print(text)
    print(f"\nfiles in {os.path.join(ROOT, out)}: rule_atlas.h5, rule_atlas-train.h5, rule_atlas_rate.h5, "
          "rule_atlas_rate-train.h5, rule_atlas_rmax.h5, rule_atlas_microcircuit{,_sym}.h5, rule_atlas_map.png, rule_atlas_decomposition.png, rule_atlas_training.png, "
          "rule_atlas_table.txt")


if __name__ == "__main__":
    main()
