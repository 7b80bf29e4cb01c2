#!/usr/bin/python3
"""Helpers for the CUBA benchmarks: statistics of an apical run, /usr/bin/time -v parsing, tables.

    cuba_stats.py apical --h5 F --stdout S --time-v T --threads N --duration MS --json OUT
    cuba_stats.py compare RESULT.json ...      the apical-vs-Brian2 tables (markdown)
    cuba_stats.py scaling RESULT.json ...      the scaling table (markdown)
    cuba_stats.py paired --apical A1.h5 .. --brian B1.h5 .. --duration MS   same-network table
    cuba_stats.py ensemble --apical A.h5 .. --brian B.h5 .. --duration MS [--skip MS]
    cuba_stats.py config IN.toml [--no-reports] [--no-projections] [--neurons N --indegree KE KI]
                             [--edges-dir DIR] [--dump-weights]
    cuba_stats.py weights-to-edges RUN.h5 DIR  /weights/<projection> of a run as DIR/<projection>.h5
                                               a variant of the CUBA config, on stdout

Statistics are those of examples/plot_spikes.py (the same isi_cv function): the rate over all
neurons of a population and the whole run, and the mean ISI CV over neurons with >= 3 spikes.
"""
import argparse
import json
import os
import re
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
from plot_spikes import isi_cv  # noqa: E402,F401  (re-exported for cuba_brian2.py)


def parse_time_v(path):
    """Peak RSS (kB) and elapsed wall time (s) from the output of /usr/bin/time -v."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("Maximum resident set size"):
                out["peak_rss_kb"] = int(line.split(":")[-1])
            elif line.startswith("Elapsed (wall clock) time"):
                parts = [float(x) for x in line.split(": ", 1)[1].split(":")]
                s = 0.0
                for p in parts:
                    s = s * 60 + p
                out["wall_s"] = s
            elif line.startswith("Exit status"):
                out["exit_status"] = int(line.split(":")[-1])
    return out


def standalone(b2, directory, threads, make_jobs):
    """Brian2's C++ standalone device in `directory`: serial code for threads = 1, else OpenMP with
    `threads`; its binary runs under /usr/bin/time -v. Returns the file that time writes."""
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{make_jobs}"]
    time_file = os.path.join(os.path.abspath(directory), "time_v.txt")
    b2.prefs.devices.cpp_standalone.run_cmd_unix = ["/usr/bin/time", "-v", "-o", time_file, "./main"]
    return time_file


def build_and_time(b2, directory, time_file):
    """Generates, compiles and runs the standalone project set up by standalone(); its timings
    (code generation and compile, make, Brian's own simulation loop, the binary's wall time, s)
    and the binary's peak RSS (kB)."""
    t0 = time.time()
    b2.device.build(directory=directory, compile=True, run=True, with_output=False)
    total = time.time() - t0
    timers = b2.device.timers
    binary_s = timers.get("run_binary", float("nan"))
    return {
        "codegen_and_compile_s": total - binary_s,
        "make_s": sum(v for v in timers.get("compile", {}).values() if v),
        "run_s": float(b2.device._last_run_time),
        "process_wall_s": binary_s,
        "peak_rss_kb": parse_time_v(time_file).get("peak_rss_kb"),
    }


def apical(args):
    import h5py
    import tomllib

    with open(args.stdout) as f:
        text = f.read()
    m = re.search(r"simulated in ([0-9.]+) s .*?, (\d+) neurons, (\d+) synapses", text)
    if not m:
        sys.exit(f"cuba_stats: no summary line in {args.stdout}:\n{text}")
    tv = parse_time_v(args.time_v)
    result = {
        "simulator": "apical",
        "duration_ms": args.duration,
        "threads": args.threads,
        "neurons": int(m.group(2)),
        "synapses": int(m.group(3)),
        "run_s": float(m.group(1)),
        "process_wall_s": tv.get("wall_s"),
        "peak_rss_kb": tv.get("peak_rss_kb"),
        "populations": {},
    }
    if args.h5:
        with h5py.File(args.h5, "r") as f:
            config = tomllib.loads(f["run"]["config"][()].decode())
            for name, g in f["spikes"].items():
                t = g["timestamps"][()]
                ids = g["node_ids"][()].astype(np.int64)
                size = int(config["populations"][name]["size"])
                cv, n_cv = isi_cv(t, ids, size)
                result["populations"][name] = {
                    "size": size, "spikes": int(t.size),
                    "rate_hz": float(t.size / (size * args.duration / 1000.0)),
                    "isi_cv": cv, "cv_neurons": n_cv,
                }
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)


def load(paths):
    return [json.load(open(p)) for p in paths]


def mb(kb):
    return f"{kb / 1024:.0f}" if kb else "-"


def compare(args):
    rows = load(args.results)
    ap = {(r["duration_ms"], r["threads"]): r for r in rows if r["simulator"] == "apical"}
    b2 = {(r["duration_ms"], r["threads"]): r for r in rows if r["simulator"].startswith("brian2")}
    keys = sorted(set(ap) & set(b2))
    print("| simulated | threads | apical run s | Brian2 run s | Brian2/apical (run) "
          "| apical process s | Brian2 process s | Brian2/apical (process) "
          "| apical peak RSS MB | Brian2 peak RSS MB | Brian2 compile s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for k in keys:
        a, b = ap[k], b2[k]
        print(f"| {k[0] / 1000:g} s | {k[1]} | {a['run_s']:.2f} | {b['run_s']:.2f} | "
              f"{b['run_s'] / a['run_s']:.2f} | {a['process_wall_s']:.2f} | {b['process_wall_s']:.2f} | "
              f"{b['process_wall_s'] / a['process_wall_s']:.2f} | {mb(a['peak_rss_kb'])} | "
              f"{mb(b['peak_rss_kb'])} | {b['codegen_and_compile_s']:.0f} |")
    print()
    print("| simulated | threads | population | apical rate Hz | Brian2 rate Hz | apical ISI CV (neurons) "
          "| Brian2 ISI CV (neurons) | apical spikes | Brian2 spikes |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for k in keys:
        a, b = ap[k], b2[k]
        for pop in a["populations"]:
            pa, pb = a["populations"][pop], b["populations"].get(pop, {})
            print(f"| {k[0] / 1000:g} s | {k[1]} | {pop} | {pa['rate_hz']:.2f} | {pb.get('rate_hz', float('nan')):.2f} | "
                  f"{pa['isi_cv']:.3f} ({pa['cv_neurons']}) | {pb.get('isi_cv', float('nan')):.3f} "
                  f"({pb.get('cv_neurons', 0)}) | {pa['spikes']} | {pb.get('spikes', 0)} |")
    print()
    print("synapses: " + ", ".join(f"{r['simulator']} {r['synapses']}" for r in
                                   {r["simulator"]: r for r in rows}.values()))
    one = [r for r in rows if r["simulator"] == "apical" and r.get("peak_rss_kb")]
    if one:
        r = min(one, key=lambda r: r["peak_rss_kb"])
        print(f"apical peak RSS / synapses (upper bound on bytes per synapse): "
              f"{r['peak_rss_kb'] * 1024 / r['synapses']:.0f} bytes ({mb(r['peak_rss_kb'])} MB, "
              f"{r['synapses']} synapses)")


def scaling(args):
    rows = sorted(load(args.results), key=lambda r: r["neurons"])
    print("| neurons | synapses | threads | simulated | run s | process s | peak RSS MB "
          "| RSS bytes / synapse | exc rate Hz | inh rate Hz | exc ISI CV | inh ISI CV |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        p = r["populations"]
        print(f"| {r['neurons']} | {r['synapses']} | {r['threads']} | {r['duration_ms'] / 1000:g} s | "
              f"{r['run_s']:.2f} | {r['process_wall_s']:.2f} | {mb(r['peak_rss_kb'])} | "
              f"{r['peak_rss_kb'] * 1024 / max(r['synapses'], 1):.0f} | "
              f"{p['exc']['rate_hz']:.2f} | {p['inh']['rate_hz']:.2f} | "
              f"{p['exc']['isi_cv']:.3f} | {p['inh']['isi_cv']:.3f} |")


def spike_rates(path, duration_ms, sizes):
    """{pop: (per-neuron rates Hz, mean ISI CV, CV neurons, spikes)} from a SONATA spike file."""
    import h5py

    out = {}
    with h5py.File(path, "r") as f:
        for pop, n in sizes.items():
            t = f[f"spikes/{pop}/timestamps"][()]
            ids = f[f"spikes/{pop}/node_ids"][()].astype(np.int64)
            cv, n_cv = isi_cv(t, ids, n)
            out[pop] = (np.bincount(ids, minlength=n) / (duration_ms / 1000.0), cv, n_cv, t.size)
    return out


def paired(args):
    """One network (loaded by both simulators from SONATA edge files) run by both simulators from
    several independent initial states: population statistics side by side, and
    how well per-neuron rates agree across simulators compared with across initial states."""
    sizes = {"exc": 3200, "inh": 800}
    A = [spike_rates(p, args.duration, sizes) for p in args.apical]
    B = [spike_rates(p, args.duration, sizes) for p in args.brian]
    print("| population | apical rate Hz | Brian2 rate Hz | apical ISI CV | Brian2 ISI CV "
          "| per-neuron rate r, apical vs Brian2 | r, apical vs apical | r, Brian2 vs Brian2 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")

    def ms(values, fmt):
        v = np.asarray(values, dtype=float)
        return (fmt % v.mean()) + (" ± " + fmt % v.std(ddof=1) if v.size > 1 else "")

    def corr(xs, ys, pop, same):
        r = [np.corrcoef(x[pop][0], y[pop][0])[0, 1] for k, x in enumerate(xs)
             for m, y in enumerate(ys) if (k < m if same else k == m)]
        return f"{np.mean(r):.4f}" if r else "-"

    for pop in sizes:
        print(f"| {pop} | {ms([a[pop][0].mean() for a in A], '%.3f')} | "
              f"{ms([b[pop][0].mean() for b in B], '%.3f')} | {ms([a[pop][1] for a in A], '%.3f')} | "
              f"{ms([b[pop][1] for b in B], '%.3f')} | {corr(A, B, pop, False)} | "
              f"{corr(A, A, pop, True)} | {corr(B, B, pop, True)} |")


def ensemble(args):
    """Rates and ISI CV over many random networks of each simulator, from t_skip on: mean ± SE
    over networks, and Welch's t for the difference."""
    sizes = {"exc": 3200, "inh": 800}

    def window_stats(path):
        import h5py

        out = {}
        with h5py.File(path, "r") as f:
            for pop, n in sizes.items():
                t = f[f"spikes/{pop}/timestamps"][()]
                ids = f[f"spikes/{pop}/node_ids"][()].astype(np.int64)
                sel = t >= args.skip
                rate = sel.sum() / (n * (args.duration - args.skip) / 1000.0)
                out[pop] = (rate, isi_cv(t[sel], ids[sel], n)[0])
        return out

    A = [window_stats(p) for p in args.apical]
    B = [window_stats(p) for p in args.brian]
    print(f"{len(A)} apical and {len(B)} Brian2 networks, rates and ISI CV over "
          f"[{args.skip / 1000:g}, {args.duration / 1000:g}] s; mean ± standard error over networks")
    print()
    print("| population | quantity | apical | Brian2 | difference | Welch t |")
    print("|---|---|---:|---:|---:|---:|")
    for pop in sizes:
        for k, q in ((0, "rate Hz"), (1, "ISI CV")):
            a = np.array([x[pop][k] for x in A])
            b = np.array([x[pop][k] for x in B])
            sa, sb = a.std(ddof=1) / np.sqrt(a.size), b.std(ddof=1) / np.sqrt(b.size)
            d = a.mean() - b.mean()
            print(f"| {pop} | {q} | {a.mean():.3f} ± {sa:.3f} | {b.mean():.3f} ± {sb:.3f} | "
                  f"{d:+.3f} | {d / np.hypot(sa, sb):+.2f} |")


def write_edges(directory, name, source, target, source_pop, target_pop):
    """One SONATA edge file, DIR/<name>.h5 with /edges/<name>, as apical's rule = "file" reads it."""
    import h5py

    os.makedirs(directory, exist_ok=True)
    n = len(source)
    with h5py.File(os.path.join(directory, name + ".h5"), "w") as f:
        g = f.create_group("edges/" + name)
        g["source_node_id"] = np.asarray(source, dtype=np.uint64)
        g["target_node_id"] = np.asarray(target, dtype=np.uint64)
        g["source_node_id"].attrs["node_population"] = source_pop
        g["target_node_id"].attrs["node_population"] = target_pop
        g["edge_type_id"] = np.zeros(n, dtype=np.uint32)
        g["edge_group_id"] = np.zeros(n, dtype=np.uint32)
        g["edge_group_index"] = np.arange(n, dtype=np.uint64)
        g.create_group("0")


def read_edges(directory, name):
    """(source, target) node ids of DIR/<name>.h5."""
    import h5py

    with h5py.File(os.path.join(directory, name + ".h5"), "r") as f:
        g = f["edges/" + name]
        return g["source_node_id"][()].astype(np.int64), g["target_node_id"][()].astype(np.int64)


def weights_to_edges(args):
    import h5py

    with h5py.File(args.run, "r") as f:
        for name, g in f["weights"].items():
            write_edges(args.dir, name, g["source_node_id"][()], g["target_node_id"][()],
                        g["source_node_id"].attrs.get("node_population", ""),
                        g["target_node_id"].attrs.get("node_population", ""))


def sections(text):
    """The config as [(header, lines)], the first header being '' (the preamble)."""
    out = [("", [])]
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[ "):
            out.append((stripped.split("#")[0].strip(), [line]))
        else:
            out[-1][1].append(line)
    return out


def config(args):
    """Variants of examples/vogels_abbott_cuba.toml, by editing its text (there is no TOML
    writer in Debian's Python): drop the reports, drop the projections, or scale the network to N
    neurons (80 % excitatory) with fixed in-degrees instead of a connection probability."""
    with open(args.config) as f:
        text = f.read()
    out = []
    for header, lines in sections(text):
        if args.no_reports and header == "[[output.reports]]":
            continue
        if args.no_projections and header.startswith("[projections."):
            continue
        if args.neurons and header.startswith("[populations."):
            n_exc = int(round(0.8 * args.neurons))
            size = n_exc if header == "[populations.exc]" else args.neurons - n_exc
            lines = [re.sub(r"^size = \d+", f"size = {size}", ln) for ln in lines]
        if args.edges_dir and header.startswith("[projections."):
            name = header[len("[projections."):-1]
            path = os.path.join(os.path.abspath(args.edges_dir), name + ".h5")
            lines = [f'connectivity = {{ rule = "file", file = "{path}" }}'
                     if ln.startswith("connectivity") else ln for ln in lines]
        if args.dump_weights and header.startswith("[projections."):
            # A learning rule that never learns makes apical write /weights/<projection>.
            lines = lines + ['plasticity = { rule = "stdp_pair", eta = 0.0 }']
        if args.neurons and header.startswith("[projections."):
            source = next(re.search(r'"(\w+)"', ln).group(1) for ln in lines if ln.startswith("source"))
            k = args.indegree[0] if source == "exc" else args.indegree[1]
            same = header in ("[projections.exc_exc]", "[projections.inh_inh]")
            rule = (f'connectivity = {{ rule = "fixed_indegree", indegree = {k}'
                    + (", autapses = false" if same else "") + " }")
            lines = [rule if ln.startswith("connectivity") else ln for ln in lines]
        out.extend(lines)
    print("\n".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("apical")
    a.add_argument("--h5")
    a.add_argument("--stdout", required=True)
    a.add_argument("--time-v", required=True)
    a.add_argument("--threads", type=int, required=True)
    a.add_argument("--duration", type=float, required=True)
    a.add_argument("--json", required=True)
    c = sub.add_parser("compare")
    c.add_argument("results", nargs="+")
    s = sub.add_parser("scaling")
    s.add_argument("results", nargs="+")
    q = sub.add_parser("paired")
    q.add_argument("--apical", nargs="+", required=True, help="apical spike files, one per initial seed")
    q.add_argument("--brian", nargs="+", required=True, help="Brian2 spike files, same seeds, same order")
    q.add_argument("--duration", type=float, required=True)
    e = sub.add_parser("ensemble")
    e.add_argument("--apical", nargs="+", required=True)
    e.add_argument("--brian", nargs="+", required=True)
    e.add_argument("--duration", type=float, required=True)
    e.add_argument("--skip", type=float, default=1000.0, help="ms left out at the start")
    w = sub.add_parser("weights-to-edges")
    w.add_argument("run")
    w.add_argument("dir")
    g = sub.add_parser("config")
    g.add_argument("config")
    g.add_argument("--no-reports", action="store_true")
    g.add_argument("--no-projections", action="store_true")
    g.add_argument("--neurons", type=int)
    g.add_argument("--dump-weights", action="store_true",
                   help="make every projection plastic with eta = 0, so that the run writes its "
                        "connectivity to /weights (apical writes the weights of plastic projections)")
    g.add_argument("--edges-dir", help="connectivity from DIR/<projection>.h5 (cuba_brian2.py --export-edges)")
    g.add_argument("--indegree", type=int, nargs=2, default=[64, 16], metavar=("KE", "KI"))
    args = ap.parse_args()
    {"apical": apical, "compare": compare, "scaling": scaling, "config": config,
     "paired": paired, "ensemble": ensemble, "weights-to-edges": weights_to_edges}[args.cmd](args)


if __name__ == "__main__":
    main()
