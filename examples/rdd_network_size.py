#!/usr/bin/python3
"""The network-size experiment of Lansdell & Kording 2023 (SCIENCE.md 5.1) with apical's rule rdd.

N LIF neurons (lif_psc_exp; tau_m 20 ms, t_ref 3 ms, 15 mV from reset to threshold) are driven
by white noise currents (mean 150 pA, below threshold; std 375 pA, a new value every 1 ms step)
whose correlation between any two neurons is c. Their spikes, weighted by fixed V_i ~ N(0, 5^2) (times a filter normalisation),
drive one leaky readout whose synaptic current is the exponentially filtered sum
y = sum_i V_i s_i (tau_s = 20 ms). Time is cut into windows of T = 20 ms (the trials of a
continuous run, [trials] reset = false); the reward of a window is R = -0.5 (y(T) - 1)^2,
apical's regression objective on the readout's I_syn at the window's last step. The target 1
(the paper: |y - 0.1|) keeps R nearly linear in y (|y| is about 0.1): with the square and target
0.1 a spike's effect, -(y - 0.1) dy, depends strongly on what the others do, so the local effect
at a neuron's threshold that RDD measures drifts away from the average effect as c grows
(docs/rdd.md). The naive estimator's bias lies along sum_k V_k, so how large it is depends on the
draw of V (--seed).

Each neuron's rule rdd estimates its causal effect on R, by RDD (constant estimator, margin p)
and by the naive observed dependence. The "true" causal effect is computed as the paper does,
independently of the rule: from a run with nearly independent noise (c = 0.001), where nothing
confounds, as mean(R | neuron spiked in the window) - mean(R | it did not), over all windows,
read from the recorded spikes and per-window rewards (not from the rule's statistics).
The score is the angle between the estimated and the true effect vectors, folded to [0, 90].

Unit mapping (docs/rdd.md): the paper's dimensionless LIF (threshold 1, reset 0, dt = 1 ms,
per-step noise increment of the drive with std W sigma dt / sqrt(tau) = 0.1 threshold units) is
apical's lif_psc_exp with V_th - V_reset = 15 mV and a per-step white current of std
sigma_I = 0.1 * 15 mV * C_m / h = 375 pA (C_m 250 pF, h = 1 ms); p = 0.1 threshold units is
1.5 mV. apical's LIF has no floor at the reset value (lif.py clips v at 0), so a 1 s membrane
would drift far below threshold; tau_m = 20 ms with a subthreshold mean keeps the neurons
noise-driven (about 15-20 Hz) instead, with the drive's maximum anywhere in the window.

    /usr/bin/python3 examples/rdd_network_size.py --apical build/apical -o rdd_network_size.png
    /usr/bin/python3 examples/rdd_network_size.py --N 10 --c 0.5 --seconds 200 --reps 3
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

WINDOW_MS = 20.0
TARGET = 1.0
FILTER = 1.0 / 40.0  # the paper's normalised kernel: 1 / sum_k exp(-k 0.5 ms / 20 ms)


def write_inputs(directory, n, seed):
    """Edge file with the readout weights V_i * FILTER, and the regression target file."""
    rng = np.random.default_rng(seed)
    v = rng.normal(0.0, 5.0, n)
    edges = os.path.join(directory, f"readout_{n}.h5")
    with h5py.File(edges, "w") as f:
        g = f.create_group("/edges/readout")
        g["source_node_id"] = np.arange(n, dtype=np.uint64)
        g["target_node_id"] = np.zeros(n, dtype=np.uint64)
        g["0/syn_weight"] = v * FILTER
    target = os.path.join(directory, "target.h5")
    with h5py.File(target, "w") as f:
        f["/inputs/spikes"] = np.zeros((1, 1, 1), dtype=np.uint8)
        f["/inputs/targets"] = np.full((1, 1, 1), TARGET)
    return edges, target


def config(n, c, seed, windows, p, edges, target, tau_m, mean, std):
    steps = int(WINDOW_MS)
    return f"""
[simulation]
dt = 1.0
seed = {seed}

[trials]
count = {windows}
length = {WINDOW_MS}
reset = false

[trials.objective]
kind = "regression"
population = "readout"
variable = "I_syn"
skip = {steps - 1}
data = "{target}"

[output]
spikes = ["lif"]

[populations.lif]
model = "lif_psc_exp"
size = {n}
params = {{ C_m = 250.0, tau_m = {tau_m}, t_ref = 3.0, E_L = -70.0, V_reset = -70.0, V_th = -55.0 }}

[populations.readout]
model = "li_readout"
size = 1
params = {{ tau_syn = 20.0, tau_m = 10.0 }}

[populations.clock]
model = "poisson_generator"
size = {n}
params = {{ rate = 5.0 }}

[inputs.noise]
kind = "noise"
target = "lif"
mean = {mean}
std = {std}
correlation = {c}

# The rule lives on the neurons' input; weight 0 and measure mode: the neurons only estimate.
[projections.drive]
source = "clock"
target = "lif"
connectivity = {{ rule = "one_to_one" }}
weight = 0.0
delay = 1.0
plasticity = {{ rule = "rdd", p = {p}, mode = "measure" }}

[projections.readout]
source = "lif"
target = "readout"
receptor = "syn"
connectivity = {{ rule = "file", file = "{edges}", edges = "readout" }}
delay = 1.0
"""


def run(apical, text, directory, name):
    cfg = os.path.join(directory, name + ".toml")
    out = os.path.join(directory, name + ".h5")
    with open(cfg, "w") as f:
        f.write(text)
    subprocess.run([apical, "run", cfg, "-o", out, "-q", "--threads", "1"], check=True)
    return out


def true_effect(path, n):
    """Observed dependence over all windows, from the recorded spikes and rewards only."""
    with h5py.File(path, "r") as f:
        reward = f["/trials/reward"][()]
        t = f["/spikes/lif/timestamps"][()]
        ids = f["/spikes/lif/node_ids"][()]
    w = np.floor(t / WINDOW_MS).astype(np.int64)
    spiked = np.zeros((n, reward.size), dtype=bool)
    keep = w < reward.size
    spiked[ids[keep], w[keep]] = True
    return np.array([reward[s].mean() - reward[~s].mean() for s in spiked])


def estimates(path):
    with h5py.File(path, "r") as f:
        g = f["/rdd/drive"]
        return {k: g[k][()] for k in ("beta_constant", "beta_linear", "naive", "windows")}


def angle(a, b):
    """Degrees between two vectors, folded to [0, 90] (line alignment, as the paper)."""
    cos = np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b))
    deg = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return min(deg, 180.0 - deg)


def experiment(apical, n, cs, seconds, reps, p, directory, seed=1, tau_m=20.0, mean=150.0, std=375.0,
               true_seconds=None):
    windows = int(seconds * 1000 / WINDOW_MS)
    edges, target = write_inputs(directory, n, seed)
    true_windows = int((true_seconds or 4 * seconds) * 1000 / WINDOW_MS)
    path = run(apical, config(n, 0.001, seed + 1000, true_windows, p, edges, target, tau_m, mean, std),
               directory, f"true_{n}")
    beta_true = true_effect(path, n)
    rows = []
    for c in cs:
        for r in range(reps):
            path = run(apical, config(n, c, seed + 1 + r, windows, p, edges, target, tau_m, mean, std),
                       directory, f"n{n}_c{c}_r{r}")
            e = estimates(path)
            rows.append({"N": n, "c": c, "rep": r,
                         "rdd": angle(np.nan_to_num(e["beta_constant"]), beta_true),
                         "rdd_linear": angle(np.nan_to_num(e["beta_linear"]), beta_true),
                         "naive": angle(np.nan_to_num(e["naive"]), beta_true),
                         "windows": float(np.mean(e["windows"])), "total": windows})
    return rows


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--apical", default=os.path.join(here, "..", "build", "apical"))
    ap.add_argument("--N", type=int, nargs="+", default=[10, 46, 215])
    ap.add_argument("--c", type=float, nargs="+", default=[0.01, 0.25, 0.5, 0.75, 0.99])
    ap.add_argument("--seconds", type=float, default=100.0, help="simulated seconds per run (paper: 100)")
    ap.add_argument("--reps", type=int, default=5, help="runs per (N, c) (paper: 100)")
    ap.add_argument("--p", type=float, default=1.5, help="margin in mV (paper: 0.1 threshold units = 1.5 mV)")
    ap.add_argument("--seed", type=int, default=1, help="draw of V and noise seeds")
    ap.add_argument("-o", "--output", default="rdd_network_size.png")
    ap.add_argument("--json", default="", help="also write the per-run angles here")
    args = ap.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as d:
        for n in args.N:
            rows += experiment(args.apical, n, args.c, args.seconds, args.reps, args.p, d, seed=args.seed)
            for c in args.c:
                sel = [r for r in rows if r["N"] == n and r["c"] == c]
                print(f"N = {n:4d}  c = {c:.2f}  angle RDD {np.mean([r['rdd'] for r in sel]):5.1f} deg"
                      f"  (linear {np.mean([r['rdd_linear'] for r in sel]):5.1f})"
                      f"  naive {np.mean([r['naive'] for r in sel]):5.1f} deg"
                      f"  near-threshold windows {np.mean([r['windows'] for r in sel]):.0f} of {sel[0]['total']}",
                      flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, key, title in ((axes[0], "rdd", "RDD (constant, p = %.2g mV)" % args.p), (axes[1], "naive", "observed dependence")):
        for n in args.N:
            m = [np.mean([r[key] for r in rows if r["N"] == n and r["c"] == c]) for c in args.c]
            s = [np.std([r[key] for r in rows if r["N"] == n and r["c"] == c]) for c in args.c]
            ax.errorbar(args.c, m, yerr=s, marker="o", capsize=3, label=f"N = {n}")
        ax.set_title(title)
        ax.set_xlabel("noise correlation c")
        ax.set_ylim(0, 90)
    axes[0].set_ylabel("angle to the true causal effect (deg)")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print("wrote", args.output)


if __name__ == "__main__":
    sys.exit(main())
