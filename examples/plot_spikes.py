#!/usr/bin/python3
"""Raster, population rates and (optionally) traces from any apical output file.

    /usr/bin/python3 examples/plot_spikes.py run.h5 -o run.png [--t-start MS] [--t-stop MS]
                                             [--bin MS] [--max-neurons N] [--traces [N]]

Reads the SONATA spikes (/spikes/<pop>/{timestamps, node_ids}) and, with --traces, the frame
reports (/report/<pop>/..., SONATA). Population sizes and the simulated duration come from
the config stored in /run/config (parsed with tomllib); without it, a population's size is its
largest spiking node id + 1 and the duration is the time of the last spike.

Prints, per population: mean rate (Hz, over all neurons of the population and the time window),
mean ISI CV (over neurons with at least 3 spikes in the window) and the number of spikes.
Needs h5py, numpy and matplotlib (Debian: python3-h5py python3-numpy python3-matplotlib).
"""
import argparse
import os
import sys

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

try:
    import tomllib  # Python >= 3.11
except ImportError:  # pragma: no cover
    tomllib = None

PALETTE = ["#1f5fa8", "#c8323c", "#2c9a4b", "#e08214", "#7b4fa6", "#8c564b", "#d45fa8", "#6b6b6b"]


def text(value):
    """An HDF5 string attribute or dataset as a str, whatever h5py returns for it."""
    if isinstance(value, np.ndarray):
        value = value.item() if value.shape == () else value[0]
    if isinstance(value, (bytes, np.bytes_)):
        value = value.decode("utf-8", "replace")
    return str(value).rstrip("\x00").strip()


def read_config(f):
    """The run's config as a dict, or {} if the file has none or it does not parse."""
    if tomllib is None or "run" not in f or "config" not in f["run"]:
        return {}
    try:
        return tomllib.loads(text(f["run"]["config"][()]))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError):
        return {}


def configured_duration(f, config):
    """The simulated time (ms) the file says the run was set up for, or None."""
    run = f.get("run")
    if run is not None:
        for key in ("duration_ms", "simulated_ms"):  # recorded by newer writers
            if key in run.attrs:
                return float(run.attrs[key])
    trials = config.get("trials")
    if isinstance(trials, dict) and "count" in trials and "length" in trials:
        return float(trials["count"]) * float(trials["length"])
    sim = config.get("simulation", {})
    if "duration" in sim:
        return float(sim["duration"])
    return None


def read_spikes(f):
    """{population: (times ms, node ids)} in the order of the config, else of the file."""
    out = {}
    if "spikes" not in f:
        return out
    for name, group in f["spikes"].items():
        if not isinstance(group, h5py.Group) or "timestamps" not in group:
            continue
        t = np.asarray(group["timestamps"][()], dtype=np.float64)
        if text(group["timestamps"].attrs.get("units", "ms")) == "s":
            t = t * 1000.0
        ids = np.asarray(group["node_ids"][()], dtype=np.int64)
        out[name] = (t, ids)
    return out


def isi_cv(times, ids, size):
    """Mean over neurons with >= 3 spikes of std(ISI)/mean(ISI); and how many such neurons."""
    if times.size < 3:
        return float("nan"), 0
    order = np.lexsort((times, ids))
    t, n = times[order], ids[order]
    same = n[1:] == n[:-1]
    isi, owner = np.diff(t)[same], n[1:][same]
    counts = np.bincount(owner, minlength=size)
    keep = counts >= 2  # >= 3 spikes
    if not keep.any():
        return float("nan"), 0
    mean = np.bincount(owner, weights=isi, minlength=size)
    mean[keep] /= counts[keep]
    var = np.bincount(owner, weights=(isi - mean[owner]) ** 2, minlength=size)
    var[keep] /= counts[keep]
    ok = keep & (mean > 0)
    cv = np.sqrt(var[ok]) / mean[ok]
    return float(cv.mean()), int(ok.sum())


def report_groups(f):
    """[(population, variable, group)] of every frame report in the file. apical writes the first
    variable of a population to /report/<pop>/ (variable in data's `variable` attribute) and any
    further one to /report/<pop>__<variable>/; /report/<pop>/<variable>/ is read too."""
    found = []
    if "report" not in f:
        return found
    for name, group in f["report"].items():
        if not isinstance(group, h5py.Group):
            continue
        if "data" in group:
            pop, _, var = name.partition("__")
            var = text(group["data"].attrs.get("variable", var or "?"))
            found.append((pop, var, group))
        else:
            for var, sub in group.items():
                if isinstance(sub, h5py.Group) and "data" in sub:
                    found.append((name, var, sub))
    return found


def read_reports(f, t0, t1, n_traces):
    """[(population, variable, units, node ids, times, data [T, n])] for the first n_traces nodes."""
    reports = []
    for pop, var, rgroup in report_groups(f):
        data = rgroup["data"]
        if data.shape[0] == 0:
            continue
        start, _, dt = (float(x) for x in rgroup["mapping"]["time"][()])
        i0 = max(0, int(np.floor((t0 - start) / dt + 1e-9)))
        i1 = min(data.shape[0], int(np.ceil((t1 - start) / dt - 1e-9)) + 1)
        if i1 <= i0:
            continue
        cols = min(n_traces, data.shape[1])
        values = np.asarray(data[i0:i1, :cols], dtype=np.float64)
        times = start + dt * np.arange(i0, i1)
        nodes = rgroup["mapping"]["node_ids"][:cols]
        units = text(data.attrs.get("units", ""))
        reports.append((pop, var, units, nodes, times, values))
    return reports


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", help="an apical output file (HDF5)")
    ap.add_argument("-o", "--output", help="the PNG to write (default: FILE with .png)")
    ap.add_argument("--t-start", type=float, default=0.0, help="start of the window, ms (default 0)")
    ap.add_argument("--t-stop", type=float, help="end of the window, ms (default: the run's end)")
    ap.add_argument("--bin", type=float, default=5.0, help="rate histogram bin, ms (default 5)")
    ap.add_argument("--max-neurons", type=int, default=500,
                    help="at most this many neurons per population in the raster (default 500)")
    ap.add_argument("--traces", type=int, nargs="?", const=5, default=0, metavar="N",
                    help="add a panel with the first N traces of each report (default N: 5)")
    ap.add_argument("--dpi", type=int, default=150)
    args = ap.parse_args(argv)
    if args.bin <= 0:
        ap.error("--bin must be > 0")
    out_png = args.output or os.path.splitext(args.file)[0] + ".png"

    with h5py.File(args.file, "r") as f:
        status = text(f.attrs["status"]) if "status" in f.attrs else "unknown"
        config = read_config(f)
        run_attrs = {k: f["run"].attrs[k] for k in f["run"].attrs} if "run" in f else {}
        spikes = read_spikes(f)
        duration = configured_duration(f, config)

        # The window. The config's duration can be stale: --duration overrides it and an
        # interrupted run stops early; the data then decide.
        last = max((t.max() for t, _ in spikes.values() if t.size), default=0.0)
        for _, _, rgroup in report_groups(f):
            start, _, dt = (float(x) for x in rgroup["mapping"]["time"][()])
            last = max(last, start + dt * rgroup["data"].shape[0])
        t_end = duration
        note = ""
        if t_end is None:
            t_end, note = last, " (no duration in the file: up to the last event)"
        elif last > t_end + 1e-9:
            t_end, note = last, " (data run past the configured duration: --duration override?)"
        elif status == "interrupted":
            t_end, note = last, " (interrupted run: up to the last event)"
        t0 = args.t_start
        t1 = args.t_stop if args.t_stop is not None else t_end
        if not t1 > t0:
            sys.exit(f"plot_spikes: empty window [{t0}, {t1}] ms")
        reports = read_reports(f, t0, t1, args.traces) if args.traces > 0 else []

    pops_cfg = config.get("populations", {}) if isinstance(config.get("populations"), dict) else {}
    names = [p for p in pops_cfg if p in spikes] + [p for p in spikes if p not in pops_cfg]

    # Statistics.
    T_s = (t1 - t0) / 1000.0
    stats = []
    print(f"{args.file}: status {status}, window [{t0:g}, {t1:g}] ms{note}")
    print(f"  {'population':<14}{'size':>8}{'rate (Hz)':>11}{'ISI CV':>9}{'(neurons)':>11}{'spikes':>10}")
    for name in names:
        t, ids = spikes[name]
        size_cfg = pops_cfg.get(name, {}).get("size") if isinstance(pops_cfg.get(name), dict) else None
        size = int(size_cfg) if size_cfg else (int(ids.max()) + 1 if ids.size else 0)
        inside = (t >= t0) & (t < t1)
        t, ids = t[inside], ids[inside]
        rate = t.size / (size * T_s) if size > 0 else float("nan")
        cv, n_cv = isi_cv(t, ids, max(size, int(ids.max()) + 1 if ids.size else 0))
        stats.append((name, size, t, ids, rate, cv))
        cv_text = f"{cv:9.3f}" if n_cv else f"{'-':>9}"
        print(f"  {name:<14}{size:>8}{rate:>11.2f}{cv_text}{n_cv:>11}{t.size:>10}")

    # Figure.
    n_panels = 2 + len(reports)
    ratios = [3.0, 1.2] + [1.2] * len(reports)
    fig, axes = plt.subplots(n_panels, 1, sharex=True, figsize=(10, 2.2 + 1.6 * sum(ratios)),
                             gridspec_kw={"height_ratios": ratios, "hspace": 0.18})
    ax_raster, ax_rate = axes[0], axes[1]

    offset, ticks, labels = 0, [], []
    chosen_ids = []
    for name, size, t, ids, rate, cv in stats:
        shown = min(size, args.max_neurons)
        chosen_ids.append(np.unique(np.round(np.linspace(0, size - 1, shown)).astype(np.int64))
                          if shown > 0 else np.zeros(0, dtype=np.int64))
    dots = sum(np.count_nonzero(np.isin(s[3], c)) for s, c in zip(stats, chosen_ids))
    marker_size = float(np.clip(20000.0 / max(dots, 1), 0.6, 8.0))
    for k, (name, size, t, ids, rate, cv) in enumerate(stats):
        colour = PALETTE[k % len(PALETTE)]
        chosen = chosen_ids[k]
        if chosen.size == 0:
            continue
        row = np.full(max(size, int(ids.max()) + 1 if ids.size else size), -1, dtype=np.int64)
        row[chosen] = np.arange(chosen.size)
        r = row[ids]
        sel = r >= 0
        ax_raster.scatter(t[sel], offset + r[sel], s=marker_size, c=colour, marker=".",
                          linewidths=0, rasterized=True)
        ticks.append(offset + chosen.size / 2.0)
        labels.append(f"{name}\n{chosen.size} of {size}" if chosen.size < size else f"{name}\n{size}")
        if k > 0:
            ax_raster.axhline(offset - 0.5, color="0.75", lw=0.6)
        offset += chosen.size

        edges = np.arange(t0, t1 + args.bin * 0.5, args.bin)
        if edges[-1] < t1:
            edges = np.append(edges, t1)
        counts, _ = np.histogram(t, bins=edges)
        hz = counts / (size * np.diff(edges) / 1000.0)
        label = f"{name}: {rate:.2f} Hz" + (f", CV {cv:.2f}" if np.isfinite(cv) else "")
        ax_rate.stairs(hz, edges, color=colour, lw=1.0, label=label, baseline=None)

    ax_raster.set_ylim(-0.5, max(offset, 1) - 0.5)
    ax_raster.set_yticks(ticks)
    ax_raster.set_yticklabels(labels)
    ax_raster.invert_yaxis()
    ax_raster.set_ylabel("neurons")
    if not stats:
        ax_raster.text(0.5, 0.5, "no spikes recorded", transform=ax_raster.transAxes,
                       ha="center", va="center", color="0.4")
    ax_rate.set_ylabel(f"rate (Hz)\n{args.bin:g} ms bins")
    ax_rate.set_ylim(bottom=0)
    if stats:
        ax_rate.legend(loc="lower right", bbox_to_anchor=(1.0, 0.98), fontsize=8, frameon=False,
                       ncol=min(len(stats), 4), borderaxespad=0.0)

    thresholds = {name: p.get("params", {}).get("V_th") for name, p in pops_cfg.items()
                  if isinstance(p, dict)}
    for ax, (pop, var, units, nodes, times, values) in zip(axes[2:], reports):
        for j in range(values.shape[1]):
            ax.plot(times, values[:, j], lw=0.7, label=f"{pop}[{int(nodes[j])}]")
        if var == "V_m" and thresholds.get(pop) is not None:
            ax.axhline(float(thresholds[pop]), color="0.5", ls="--", lw=0.7, label="V_th")
        ax.set_ylabel(f"{pop} {var}" + (f" ({units})" if units else ""))
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 0.98), fontsize=7, frameon=False,
                  ncol=min(values.shape[1] + 1, 7), borderaxespad=0.0, handlelength=1.5)

    axes[-1].set_xlabel("time (ms)")
    axes[-1].set_xlim(t0, t1)
    for ax in axes:
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)
    title = os.path.basename(args.file)
    extra = []
    if "seed" in run_attrs:
        extra.append(f"seed {int(run_attrs['seed'])}")
    if "threads" in run_attrs:
        n = int(run_attrs["threads"])
        extra.append(f"{n} thread" + ("s" if n != 1 else ""))
    if "apical_version" in run_attrs:
        extra.append(f"apical {text(run_attrs['apical_version'])}")
    if status not in ("complete", "unknown"):
        extra.append(f"status: {status}")
    ax_raster.set_title(title + ("  (" + ", ".join(extra) + ")" if extra else ""), fontsize=10, loc="left")
    fig.savefig(out_png, dpi=args.dpi, bbox_inches="tight")
    print(f"  plot: {out_png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
