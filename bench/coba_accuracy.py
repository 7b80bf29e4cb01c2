#!/usr/bin/python3
"""Accuracy of COBA (examples/vogels_abbott_coba.toml) for apical and Brian2 on the same network.

    /usr/bin/python3 bench/coba_accuracy.py --work /tmp/coba-acc [--duration 100] [--dts 0.1 0.01 0.001]

One network and initial state, drawn by apical (seed 20070101), integrated over `--duration` ms by
  - apical dopri5 at atol = rtol = 1e-12: the reference,
  - apical dopri5 at atol = rtol = 1e-10 (how much a tolerance 100 times looser changes),
  - apical "exact" (closed form plus Gauss-Legendre, the default) and dopri5 at 1e-6,
  - Brian2 (C++ standalone, forward Euler as Brian picks for these equations, or --method) at each
    dt in --dts, with apical's connectivity (/weights) and initial state (a report at t = 0,
    stored as float32 by apical's SONATA writer: a rounding of at most 4e-6 mV and 1e-5 nS).
Errors against the reference: the RMS of V over the first `--duration` ms and all excitatory
neurons (sampled every 0.1 ms, left limits in apical, Brian's StateMonitor at
the start of each step), and per window [0, T] (T = 10, 25, 100 ms): the fraction of neurons
whose spike count differs from the reference, and the mean |spike time difference| over the
neurons with equal counts (spikes paired in order). The network is chaotic, so any difference
grows with time; the short windows show the integration error before it is amplified.
Brian2's spike times are its monitor's (the start of the step in which v passed V_t).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
N_EXC, N_INH = 3200, 800
PROJ = ("exc_exc", "exc_inh", "inh_exc", "inh_inh")


def apical_config(integrator, duration):
    text = subprocess.run([sys.executable, os.path.join(HERE, "cuba_stats.py"), "config",
                           os.path.join(ROOT, "examples/vogels_abbott_coba.toml"), "--no-reports"],
                          check=True, capture_output=True, text=True).stdout
    if integrator:
        text = re.sub(r'^model = "lif_cond_exp"$', f'model = "lif_cond_exp"\nintegrator = {integrator}', text,
                      flags=re.M)
    text = re.sub(r'^spikes = \["exc", "inh"\]$',
                  'spikes = ["exc", "inh"]\nweights = ["' + '", "'.join(PROJ) + '"]', text, flags=re.M)
    # V of every excitatory neuron every 0.1 ms; the rest of the initial state: one sample at t = 0.
    text += '\n[[output.reports]]\npopulation = "exc"\nvariables = ["V_m"]\ninterval = 0.1\n'
    text += f'\n[[output.reports]]\npopulation = "exc"\nvariables = ["g_ex", "g_in"]\ninterval = {duration}\n'
    text += f'\n[[output.reports]]\npopulation = "inh"\nvariables = ["V_m", "g_ex", "g_in"]\ninterval = {duration}\n'
    return text


def run_apical(build, work, tag, integrator, duration):
    cfg = os.path.join(work, tag + ".toml")
    with open(cfg, "w") as f:
        f.write(apical_config(integrator, duration))
    h5 = os.path.join(work, tag + ".h5")
    t0 = time.time()
    subprocess.run([os.path.join(build, "apical"), "run", cfg, "-o", h5, "--duration", str(duration), "-q",
                    "--threads", "1"], check=True, capture_output=True)
    wall = time.time() - t0
    with h5py.File(h5, "r") as f:
        spikes = {}
        for pop in ("exc", "inh"):
            g = f["spikes"][pop]
            spikes[pop] = (np.asarray(g["timestamps"]), np.asarray(g["node_ids"]))
        v = None
        for name in f["report"]:
            d = f["report"][name]["data"]
            if d.shape[0] > 1 and d.shape[1] == N_EXC:
                v = np.asarray(d, dtype=float)
    return {"h5": h5, "spikes": spikes, "v": v, "wall": wall}


def run_brian(ref_h5, work, dt, duration, method):
    import brian2 as b2
    from brian2 import ms, mV
    directory = os.path.join(work, f"brian_{dt}")
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.defaultclock.dt = dt * ms
    taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
    Vt, Vr, El, Ee, Ei = -50 * mV, -60 * mV, -60 * mV, 0 * mV, -80 * mV
    eqs = """
    dv/dt  = (ge * (Ee - v) + gi * (Ei - v) - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue : 1
    dgi/dt = -gi / taui : 1
    """
    P = b2.NeuronGroup(N_EXC + N_INH, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms,
                       method=method)
    ini = read_initial(ref_h5)
    P.v = ini["V_m"] * mV
    P.ge = ini["g_ex"] / 10.0  # in units of g_L = 10 nS
    P.gi = ini["g_in"] / 10.0
    we, wi = 0.6, 6.7
    Ce = b2.Synapses(P, P, on_pre="ge += we", delay=0.1 * ms)
    Ci = b2.Synapses(P, P, on_pre="gi += wi", delay=0.1 * ms)
    ie, je, ii, ji = [], [], [], []
    with h5py.File(ref_h5, "r") as f:
        for name in PROJ:
            g = f["weights"][name]
            src, tgt = name.split("_")
            i = np.asarray(g["source_node_id"], dtype=np.int64) + (N_EXC if src == "inh" else 0)
            j = np.asarray(g["target_node_id"], dtype=np.int64) + (N_EXC if tgt == "inh" else 0)
            (ie if src == "exc" else ii).append(i)
            (je if src == "exc" else ji).append(j)
    Ce.connect(i=np.concatenate(ie), j=np.concatenate(je))
    Ci.connect(i=np.concatenate(ii), j=np.concatenate(ji))
    mon = b2.SpikeMonitor(P)
    vmon = b2.StateMonitor(P, "v", record=range(N_EXC), dt=0.1 * ms)
    b2.run(duration * ms)
    b2.device.build(directory=directory, compile=True, run=True, with_output=False)
    t = np.asarray(mon.t / ms)
    i = np.asarray(mon.i, dtype=np.int64)
    spikes = {"exc": (t[i < N_EXC], i[i < N_EXC]), "inh": (t[i >= N_EXC], i[i >= N_EXC] - N_EXC)}
    v = np.asarray(vmon.v / mV).T
    return {"spikes": spikes, "v": v, "run_s": float(b2.device._last_run_time)}


def run_brian_subprocess(ref_h5, work, dt, duration, method):
    """Each Brian2 standalone build in its own process (one device per process)."""
    out = os.path.join(work, f"brian_{dt}.npz")
    subprocess.run([sys.executable, os.path.abspath(__file__), "--work", work, "--duration", str(duration),
                    "--method", method, "--brian-one", str(dt), "--ref", ref_h5, "--out", out],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    z = np.load(out)
    return {"spikes": {"exc": (z["te"], z["ie"]), "inh": (z["ti"], z["ii"])}, "v": z["v"], "run_s": float(z["run_s"])}


def read_initial(h5):
    vals = {}
    with h5py.File(h5, "r") as f:
        for pop, off, n in (("exc", 0, N_EXC), ("inh", N_EXC, N_INH)):
            for name in f["report"]:
                d = f["report"][name]["data"]
                if d.shape[1] != n:
                    continue
                var = d.attrs["variable"]
                var = var.decode() if isinstance(var, bytes) else var
                ids = np.asarray(f["report"][name]["mapping"]["node_ids"], dtype=np.int64)
                arr = vals.setdefault(var, np.zeros(N_EXC + N_INH))
                arr[off + ids] = np.asarray(d[0], dtype=float)
    return vals


def per_neuron(spikes, n, t_max):
    t, i = spikes
    sel = t < t_max
    out = [[] for _ in range(n)]
    for tt, ii in zip(t[sel], i[sel]):
        out[int(ii)].append(float(tt))
    return [np.sort(np.asarray(x)) for x in out]


def compare(run, ref, windows):
    res = {}
    for T in windows:
        mism, diffs, total = 0, [], 0
        for pop, n in (("exc", N_EXC), ("inh", N_INH)):
            a, b = per_neuron(run["spikes"][pop], n, T), per_neuron(ref["spikes"][pop], n, T)
            for x, y in zip(a, b):
                total += 1
                if len(x) != len(y):
                    mism += 1
                elif len(x):
                    diffs.extend(np.abs(x - y))
        res[f"{T:g}"] = {"count_mismatch_frac": mism / total,
                         "mean_abs_dt_ms": float(np.mean(diffs)) if diffs else float("nan"),
                         "max_abs_dt_ms": float(np.max(diffs)) if diffs else float("nan"),
                         "paired_spikes": len(diffs)}
    k = min(run["v"].shape[0], ref["v"].shape[0])
    res["v_rms_mV"] = float(np.sqrt(np.mean((run["v"][:k] - ref["v"][:k]) ** 2)))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--duration", type=float, default=100.0)
    ap.add_argument("--dts", type=float, nargs="*", default=[0.1, 0.01, 0.001])
    ap.add_argument("--method", default="euler")
    ap.add_argument("--json")
    ap.add_argument("--brian-one", type=float, help=argparse.SUPPRESS)
    ap.add_argument("--ref", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if args.brian_one:
        r = run_brian(args.ref, args.work, args.brian_one, args.duration, args.method)
        np.savez(args.out, te=r["spikes"]["exc"][0], ie=r["spikes"]["exc"][1], ti=r["spikes"]["inh"][0],
                 ii=r["spikes"]["inh"][1], v=r["v"], run_s=r["run_s"])
        return 0
    windows = [w for w in (10.0, 25.0, 100.0) if w <= args.duration]
    d = args.duration
    ref = run_apical(args.build, args.work, "ref", '{ method = "dopri5", atol = 1e-12, rtol = 1e-12 }', d)
    runs = {
        "apical dopri5 1e-10": run_apical(args.build, args.work, "d10", '{ method = "dopri5", atol = 1e-10, rtol = 1e-10 }', d),
        "apical exact (default)": run_apical(args.build, args.work, "exact", "", d),
        "apical dopri5 1e-6": run_apical(args.build, args.work, "d6", '{ method = "dopri5" }', d),
    }
    for dt in args.dts:
        runs[f"Brian2 {args.method} dt {dt:g} ms"] = run_brian_subprocess(ref["h5"], args.work, dt, d, args.method)
    table = {name: compare(r, ref, windows) for name, r in runs.items()}
    n_ref = sum(len(ref["spikes"][p][0]) for p in ("exc", "inh"))
    print(f"reference: apical dopri5 atol = rtol = 1e-12, {d:g} ms, {n_ref} spikes; V RMS over all exc neurons")
    head = "| run | V RMS mV | " + " | ".join(
        f"[0, {w:g}] ms: neurons with other count | mean abs dt ms" for w in windows) + " |"
    print(head)
    print("|---|---:|" + "---:|---:|" * len(windows))
    for name, r in table.items():
        cells = [f"{r['v_rms_mV']:.3g}"]
        for w in windows:
            x = r[f"{w:g}"]
            cells += [f"{x['count_mismatch_frac']:.3%}", f"{x['mean_abs_dt_ms']:.3g}"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(table, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
