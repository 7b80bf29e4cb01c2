#!/usr/bin/python3
"""The CUBA benchmark (Brette et al. 2007, benchmark 2) in Brian2's C++ standalone mode.

    /usr/bin/python3 bench/cuba_brian2.py --duration 1000 --threads 1 --dir /tmp/b2 --json out.json

Every number is that of examples/vogels_abbott_cuba.toml, in Brian2's own formulation of the
benchmark (brian2/examples/CUBA.py), where synapses are voltage jumps of exponential PSCs:

    dv/dt  = (ge + gi - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue,  dgi/dt = -gi / taui
    we = 1.62 mV, wi = -9 mV  (apical: J = w C_m / tau_m = 16.2 pA and -90 pA with C_m = 200 pF)

3200 excitatory and 800 inhibitory neurons, connection probability 0.02 without autapses (as
the apical config), delay 0.1 ms, dt 0.1 ms, initial v uniform in [V_reset, V_th).

The compiled binary is run under /usr/bin/time -v; the JSON holds the compile time (code
generation + make), Brian's own measurement of the network run (device._last_run_time: the
simulation loop only, no synapse creation, no result writing), the wall time of the whole binary,
its peak RSS, and per population the rate (Hz), the mean ISI CV (neurons with >= 3 spikes) and
the spike count. Statistics are over the whole run, as examples/plot_spikes.py computes them.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuba_stats import build_and_time, isi_cv, read_edges, standalone, write_edges  # noqa: E402


def export_edges(directory, Ce, Ci, n_exc):
    """Brian's synapses as four SONATA edge files, one per apical projection."""
    for syn, src_lo, src in ((Ce, 0, "exc"), (Ci, n_exc, "inh")):
        i, j = np.asarray(syn.i[:], dtype=np.int64), np.asarray(syn.j[:], dtype=np.int64)
        for tgt, lo, hi in (("exc", 0, n_exc), ("inh", n_exc, None)):
            sel = (j >= lo) & ((j < hi) if hi is not None else True)
            write_edges(directory, f"{src}_{tgt}", i[sel] - src_lo, j[sel] - lo, src, tgt)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated time, ms")
    ap.add_argument("--threads", type=int, default=1,
                    help="1: Brian's serial code (no OpenMP); N > 1: openmp_threads = N")
    ap.add_argument("--seed", type=int, default=20070101)
    ap.add_argument("--dt", type=float, default=0.1, help="time step, ms (default 0.1, as apical's)")
    ap.add_argument("--dir", required=True, help="directory for the generated C++ project")
    ap.add_argument("--json", required=True, help="where to write the results")
    ap.add_argument("--init-seed", type=int,
                    help="seed of the initial membrane potentials (NumPy), so that one network "
                         "(--seed) can be run from several initial states; default: drawn by Brian")
    ap.add_argument("--export-edges", metavar="DIR",
                    help="write the connectivity as SONATA edge files DIR/{exc_exc,exc_inh,inh_exc,"
                         "inh_inh}.h5 (node ids local to each population), for apical's rule = \"file\"")
    ap.add_argument("--import-edges", metavar="DIR",
                    help="take the connectivity from DIR/{exc_exc,exc_inh,inh_exc,inh_inh}.h5 (the "
                         "format of --export-edges; cuba_stats.py weights-to-edges makes it from an "
                         "apical run)")
    ap.add_argument("--save-spikes", metavar="FILE",
                    help="write the spikes in apical's SONATA layout (/spikes/{exc,inh}/...)")
    ap.add_argument("--make-jobs", type=int, default=2, help="parallel make jobs (default 2)")
    args = ap.parse_args()

    import brian2 as b2
    from brian2 import ms, mV

    time_file = standalone(b2, args.dir, args.threads, args.make_jobs)
    b2.defaultclock.dt = args.dt * ms
    b2.seed(args.seed)

    # Brian resolves the names in equations and statements from this function's locals.
    n_exc, n_inh = 3200, 800
    taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
    Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
    eqs = """
    dv/dt  = (ge + gi - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue : volt
    dgi/dt = -gi / taui : volt
    """
    P = b2.NeuronGroup(n_exc + n_inh, eqs, threshold="v > Vt", reset="v = Vr",
                       refractory=5 * ms, method="exact")
    if args.init_seed is None:
        P.v = "Vr + rand() * (Vt - Vr)"
    else:
        rng = np.random.default_rng(args.init_seed)
        P.v = (-60.0 + 10.0 * rng.random(n_exc + n_inh)) * mV
    P.ge = 0 * mV
    P.gi = 0 * mV
    we = 1.62 * mV
    wi = -9.0 * mV
    Ce = b2.Synapses(P, P, on_pre="ge += we", delay=0.1 * ms)
    Ci = b2.Synapses(P, P, on_pre="gi += wi", delay=0.1 * ms)
    if args.import_edges:
        for syn, parts in ((Ce, (("exc_exc", 0, 0), ("exc_inh", 0, n_exc))),
                           (Ci, (("inh_exc", n_exc, 0), ("inh_inh", n_exc, n_exc)))):
            ij = [read_edges(args.import_edges, name) for name, _, _ in parts]
            syn.connect(i=np.concatenate([e[0] + lo for e, (_, lo, _) in zip(ij, parts)]),
                        j=np.concatenate([e[1] + lo for e, (_, _, lo) in zip(ij, parts)]))
    else:
        # No autapses within a population, as the apical config (autapses = false).
        Ce.connect("i < n_exc and i != j", p=0.02)
        Ci.connect("i >= n_exc and i != j", p=0.02)
    mon = b2.SpikeMonitor(P)

    b2.run(args.duration * ms)
    timing = build_and_time(b2, args.dir, time_file)

    if args.export_edges:
        export_edges(args.export_edges, Ce, Ci, n_exc)
    t = np.asarray(mon.t / ms)
    i = np.asarray(mon.i, dtype=np.int64)
    result = {
        "simulator": "brian2 " + b2.__version__,
        "duration_ms": args.duration,
        "threads": args.threads,
        "openmp_threads": b2.prefs.devices.cpp_standalone.openmp_threads,
        "seed": args.seed,
        "dt_ms": args.dt,
        "synapses": int(len(Ce) + len(Ci)),
        **timing,
        "populations": {},
    }
    if args.save_spikes:
        import h5py
        with h5py.File(args.save_spikes, "w") as f:
            f.attrs["status"] = "complete"
            for name, lo, hi in (("exc", 0, n_exc), ("inh", n_exc, n_exc + n_inh)):
                sel = (i >= lo) & (i < hi)
                g = f.create_group("spikes/" + name)
                g.attrs["sorting"] = "by_time"
                g["timestamps"] = t[sel]
                g["timestamps"].attrs["units"] = "ms"
                g["node_ids"] = (i[sel] - lo).astype(np.uint64)
    for name, lo, hi in (("exc", 0, n_exc), ("inh", n_exc, n_exc + n_inh)):
        sel = (i >= lo) & (i < hi)
        ids, times = i[sel] - lo, t[sel]
        cv, n_cv = isi_cv(times, ids, hi - lo)
        result["populations"][name] = {
            "size": hi - lo, "spikes": int(sel.sum()),
            "rate_hz": float(sel.sum() / ((hi - lo) * args.duration / 1000.0)),
            "isi_cv": cv, "cv_neurons": n_cv,
        }
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
