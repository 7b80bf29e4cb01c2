#!/usr/bin/python3
"""The distal-reward experiment (examples/distal_reward.toml): the rewarded synapse's weight
against the distribution of all the others, over time, from the weight snapshots.

    /usr/bin/python3 examples/plot_distal_reward.py distal_reward.h5 -o distal_reward.png
                                                    [--projection ff] [--pre 0] [--post 0]

Reads /weights/<projection>/snapshots/{times, values} and the synapses' source and target ids
(/weights/<projection>/{source_node_id, target_node_id}). Left: the rewarded synapse (pre -> post)
and the others' median, 25-75 % and 1-99 % bands; right: the final histogram of the others with
the rewarded weight marked. Prints the final rewarded weight, the others' median and 99th
percentile, and the time the rewarded weight first reached 95 % of its final value.
Needs h5py, numpy and matplotlib (Debian: python3-h5py python3-numpy python3-matplotlib).
"""
import argparse

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("-o", "--output", default="distal_reward.png")
    ap.add_argument("--projection", default="ff")
    ap.add_argument("--pre", type=int, default=0)
    ap.add_argument("--post", type=int, default=0)
    a = ap.parse_args()
    with h5py.File(a.file, "r") as f:
        g = f["weights"][a.projection]
        src, tgt = g["source_node_id"][:], g["target_node_id"][:]
        times = g["snapshots/times"][:] / 1000.0  # s
        values = g["snapshots/values"][:]
    hit = np.where((src == a.pre) & (tgt == a.post))[0]
    if len(hit) == 0:
        raise SystemExit(f"no synapse {a.pre} -> {a.post} in projection {a.projection}")
    k = hit[0]
    rewarded = values[:, k]
    others = np.delete(values, k, axis=1)
    pct = np.percentile(others, [1, 25, 50, 75, 99], axis=1)

    fig, (ax, axh) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 1]})
    ax.fill_between(times, pct[0], pct[4], color="0.85", label="others, 1-99 %")
    ax.fill_between(times, pct[1], pct[3], color="0.6", label="others, 25-75 %")
    ax.plot(times, pct[2], color="k", lw=1, label="others, median")
    ax.plot(times, rewarded, color="C3", lw=2, label=f"rewarded {a.pre} -> {a.post}")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("weight")
    ax.set_title("distal reward: rewarded synapse vs the others")
    ax.legend(loc="upper left", fontsize=8)
    axh.hist(others[-1], bins=30, orientation="horizontal", color="0.5")
    axh.axhline(rewarded[-1], color="C3", lw=2)
    axh.set_xlabel("synapses (final)")
    axh.set_ylim(ax.get_ylim())
    fig.tight_layout()
    fig.savefig(a.output, dpi=120)
    reached = times[np.argmax(rewarded >= 0.95 * rewarded[-1])]
    print(f"final: rewarded {rewarded[-1]:.3f}, others median {pct[2][-1]:.3f}, 99th percentile {pct[4][-1]:.3f}; "
          f"rewarded reached 95 % of its final value at {reached:.0f} s -> {a.output}")


if __name__ == "__main__":
    main()
