#!/usr/bin/python3
"""Draw the results of `apical compare` from its HDF5 file alone.

  /usr/bin/python3 examples/plot_alignment.py RESULTS.h5 [MORE.h5 ...] [--prefix OUT] [--checkpoint NAME]

Several files (e.g. the networks of the rule atlas) go into one map; their rules are then
labelled "<file stem>: <rule>".

Writes OUT_map.png, the bias/variance map (Richards et al. 2019 Fig. 2 made quantitative:
x = Var_rel on a log axis, y = theta_bias in degrees, one point per rule and checkpoint with its
bootstrap interval), and OUT_decomposition.png (Fig. 3: the mean update split into its part
along the gradient, alpha* ||g||, and the orthogonal part ||mu_perp||, per rule). OUT defaults to
the file's name without .h5. Needs numpy, h5py and matplotlib (Debian: python3-numpy,
python3-h5py, python3-matplotlib).

Rules with Var_rel = 0 (deterministic rules at fixed input) are drawn at the left edge of the
log axis, marked with an open symbol. Flags of the alignment metrics (e.g. gain_nonpositive)
are printed beside the point.
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def attr(g, name, default=np.nan):
    v = g.attrs.get(name, default)
    return v.decode() if isinstance(v, bytes) else v


def read(path):
    """[(checkpoint, epoch, rule, {metric: value})] for the whole-network metrics."""
    rows = []
    with h5py.File(path, "r") as f:
        if "compare" not in f:
            sys.exit(f"{path}: no /compare group (not written by apical compare?)")
        for ck in f["compare"]:
            g = f["compare"][ck]
            for rule in g["rules"]:
                r = g["rules"][rule]
                m = {k: attr(r, k) for k in r.attrs}
                rows.append((ck, attr(g, "epoch", -1), rule, m))
    rows.sort(key=lambda x: (x[1], x[2]))
    return rows


def draw_map(rows, out):
    fig, ax = plt.subplots(figsize=(7, 5))
    positive = [m["var_rel"] for _, _, _, m in rows if 0 < m["var_rel"] < 1e300]
    floor = min(positive) / 10 if positive else 1e-3
    rules = sorted({r for _, _, r, _ in rows})
    colors = {r: plt.cm.tab10(i % 10) for i, r in enumerate(rules)}
    checkpoints = sorted({(e, c) for c, e, _, _ in rows})
    markers = {c: "osD^vP*X"[i % 8] for i, (_, c) in enumerate(checkpoints)}
    for ck, _, rule, m in rows:
        x, y = m["var_rel"], m["theta_bias_deg"]
        zero = not (x > 0)
        x = max(min(x, 1e300), floor)
        xerr = yerr = None
        if "var_rel_lo" in m:
            xerr = [[max(x - max(m["var_rel_lo"], floor), 0)], [max(min(m["var_rel_hi"], 1e300) - x, 0)]]
            yerr = [[max(y - m["theta_bias_deg_lo"], 0)], [max(m["theta_bias_deg_hi"] - y, 0)]]
        ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt=markers[ck], color=colors[rule],
                    mfc="none" if zero else colors[rule], capsize=3,
                    label=f"{rule} ({ck})" if len(checkpoints) > 1 else rule)
        if m.get("flags"):
            ax.annotate(m["flags"], (x, y), fontsize=6, xytext=(4, 4), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("relative variance Var_rel = tr Cov(u) / ||alpha* g||^2")
    ax.set_ylabel("bias angle theta_bias (degrees)")
    ax.set_ylim(bottom=min(0, ax.get_ylim()[0]))
    ax.axhline(90, color="0.7", lw=0.8, ls="--")
    ax.set_title("Where each rule sits relative to the surrogate gradient")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(out, dpi=130)
    plt.close(fig)


def draw_split(labels, metrics, title, out, width=7.0):
    """Fig. 3 as bars: each rule's mean update split into its part along g (alpha* ||g||, signed
    by alpha*) and its orthogonal part ||mu_perp||, as fractions of ||ubar|| so that rules of any
    gain share one axis. `metrics`: one dict of compare's attributes per label."""
    fig, ax = plt.subplots(figsize=(width, 0.5 + 0.45 * len(labels)))
    par, perp = [], []
    for m in metrics:
        norm = np.hypot(m["mu_parallel_norm"], m["mu_perp_norm"]) or 1.0
        sign = 1.0 if m["alpha_star"] >= 0 else -1.0
        par.append(sign * m["mu_parallel_norm"] / norm)
        perp.append(m["mu_perp_norm"] / norm)
    y = np.arange(len(labels))
    ax.barh(y - 0.2, par, height=0.4, label="along g: alpha* ||g|| (sign of alpha*)")
    ax.barh(y + 0.2, perp, height=0.4, label="orthogonal: ||mu_perp||")
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("component of the mean update, relative to its norm")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=130)
    plt.close(fig)


def draw_decomposition(rows, out):
    draw_split([f"{rule} ({ck})" for ck, _, rule, _ in rows], [m for _, _, _, m in rows],
               "Mean update split into gradient and orthogonal parts (Fig. 3)", out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+")
    ap.add_argument("--prefix")
    ap.add_argument("--checkpoint", help="only this checkpoint (default: all)")
    a = ap.parse_args()
    rows = []
    for path in a.results:
        stem = path.rsplit("/", 1)[-1].removesuffix(".h5")
        rows += [(c, e, f"{stem}: {r}" if len(a.results) > 1 else r, m) for c, e, r, m in read(path)]
    if a.checkpoint:
        rows = [r for r in rows if r[0] == a.checkpoint]
    if not rows:
        sys.exit("nothing to plot")
    prefix = a.prefix or a.results[0].removesuffix(".h5")
    draw_map(rows, prefix + "_map.png")
    draw_decomposition(rows, prefix + "_decomposition.png")
    print(f"wrote {prefix}_map.png and {prefix}_decomposition.png")


if __name__ == "__main__":
    main()
