#!/usr/bin/python3
"""Somatic and dendritic voltages of examples/dendritic_integration.toml.

    apical run examples/dendritic_integration.toml -o dendritic.h5
    /usr/bin/python3 examples/plot_dendritic_integration.py dendritic.h5 -o dendritic.png

Reads every report of population "cell" (/report/cell/data holds the first variable,
/report/cell__<variable>/data each further one; times from the mapping's start/stop/step) and the
cell's spikes, and draws one panel per recorded compartment, the soma first, with the spike
times marked and the apical input episode shaded. Prints the somatic rate before, during and after
the episode. Needs h5py, numpy and matplotlib (Debian: python3-h5py python3-numpy
python3-matplotlib).
"""
import argparse

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def text(value):
    if isinstance(value, np.ndarray):
        value = value.item() if value.shape == () else value[0]
    return value.decode() if isinstance(value, bytes) else str(value)


def traces(f, pop):
    out = []
    for group in f["report"]:
        if group != pop and not group.startswith(pop + "__"):
            continue
        data = f["report"][group]["data"]
        name = text(data.attrs["variable"]) if "variable" in data.attrs else group.split("__")[-1]
        start, stop, step = f["report"][group]["mapping/time"][:]
        t = start + step * np.arange(data.shape[0])
        out.append((name, t, data[:, 0].astype(float)))
    def order(item):  # soma first, then by section name and segment index
        name = item[0]
        sec, _, idx = name.partition("[")
        return (name != "V_soma", sec, int(idx.rstrip("]")) if idx else -1)
    out.sort(key=order)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("-o", "--output", default="dendritic_integration.png")
    ap.add_argument("--population", default="cell")
    ap.add_argument("--episode", type=float, nargs=2, default=[400.0, 600.0], help="apical episode (ms)")
    args = ap.parse_args()
    with h5py.File(args.file, "r") as f:
        tr = traces(f, args.population)
        spikes = f["spikes"][args.population]["timestamps"][:] if "spikes" in f and args.population in f["spikes"] else np.array([])
    if not tr:
        raise SystemExit("no report of population '%s' in %s" % (args.population, args.file))
    fig, axes = plt.subplots(len(tr), 1, figsize=(9, 1.9 * len(tr) + 0.6), sharex=True)
    axes = np.atleast_1d(axes)
    colours = ["#222222", "#1f5fa8", "#c8323c", "#e08214", "#2c9a4b"]
    for ax, (name, t, v), c in zip(axes, tr, colours * 3):
        ax.axvspan(*args.episode, color="#f2e6c9", zorder=0)
        ax.plot(t, v, lw=0.7, color=c)
        ax.set_ylabel(name + "\n(mV)")
        for s in spikes:
            ax.axvline(s, color="#999999", lw=0.4, zorder=0)
    axes[0].set_title("%d somatic spikes; shaded: apical input episode" % len(spikes))
    axes[-1].set_xlabel("time (ms)")
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    t_end = tr[0][1][-1]
    a, b = args.episode
    for label, lo, hi in (("before", 0.0, a), ("during", a, b), ("after", b, t_end)):
        n = np.count_nonzero((spikes >= lo) & (spikes < hi))
        print("%s the episode: %d spikes, %.1f Hz" % (label, n, 1000.0 * n / max(hi - lo, 1e-9)))
    print("wrote", args.output)


if __name__ == "__main__":
    main()
