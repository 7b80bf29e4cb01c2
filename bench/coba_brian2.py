#!/usr/bin/python3
"""The COBA benchmark (Brette et al. 2007, benchmark 1) in Brian2's C++ standalone mode.

    /usr/bin/python3 bench/coba_brian2.py --duration 1000 --threads 1 --dir /tmp/b2 --json out.json

Every number is that of examples/vogels_abbott_coba.toml, in the benchmark's formulation
(Brian's COBA script), where conductances are in units of the leak conductance g_L = 10 nS:

    dv/dt  = (ge (Ee - v) + gi (Ei - v) - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue,  dgi/dt = -gi / taui
    taum 20 ms, taue 5 ms, taui 10 ms, El = Vr = -60 mV, Vt = -50 mV, Ee 0 mV, Ei -80 mV,
    refractory 5 ms, we = 0.6 (6 nS), wi = 6.7 (67 nS)
    v = -65 + 5 randn mV, ge = 4 + 1.5 randn, gi = 20 + 12 randn (as apical's `initial`)

3200 excitatory and 800 inhibitory neurons, connection probability 0.02 (no autapses within a
population), delay 0.1 ms, dt 0.1 ms. Integration: --method (default "euler", what Brian picks
for these equations; "exponential_euler" is the other sensible choice). apical integrates the
same equations with dopri5 at its default tolerances (atol = rtol = 1e-6) and exact spike times.

The JSON has the layout of bench/cuba_brian2.py (compile time, Brian's own run time of the
simulation loop, wall time and peak RSS of the binary, rates and ISI CV per population).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuba_stats import build_and_time, isi_cv, standalone  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated time, ms")
    ap.add_argument("--threads", type=int, default=1,
                    help="1: Brian's serial code (no OpenMP); N > 1: openmp_threads = N")
    ap.add_argument("--seed", type=int, default=20070101)
    ap.add_argument("--dt", type=float, default=0.1, help="time step, ms")
    ap.add_argument("--method", default="euler")
    ap.add_argument("--dir", required=True, help="directory for the generated C++ project")
    ap.add_argument("--json", required=True, help="where to write the results")
    ap.add_argument("--make-jobs", type=int, default=2)
    args = ap.parse_args()

    import brian2 as b2
    from brian2 import ms, mV

    time_file = standalone(b2, args.dir, args.threads, args.make_jobs)
    b2.defaultclock.dt = args.dt * ms
    b2.seed(args.seed)

    n_exc, n_inh = 3200, 800
    taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
    Vt, Vr, El, Ee, Ei = -50 * mV, -60 * mV, -60 * mV, 0 * mV, -80 * mV
    eqs = """
    dv/dt  = (ge * (Ee - v) + gi * (Ei - v) - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue : 1
    dgi/dt = -gi / taui : 1
    """
    P = b2.NeuronGroup(n_exc + n_inh, eqs, threshold="v > Vt", reset="v = Vr",
                       refractory=5 * ms, method=args.method)
    P.v = "-65*mV + 5*mV*randn()"
    P.ge = "4 + 1.5*randn()"
    P.gi = "20 + 12*randn()"
    we, wi = 0.6, 6.7
    Ce = b2.Synapses(P, P, on_pre="ge += we", delay=0.1 * ms)
    Ci = b2.Synapses(P, P, on_pre="gi += wi", delay=0.1 * ms)
    Ce.connect("i < n_exc and i != j", p=0.02)
    Ci.connect("i >= n_exc and i != j", p=0.02)
    mon = b2.SpikeMonitor(P)

    b2.run(args.duration * ms)
    timing = build_and_time(b2, args.dir, time_file)

    t = np.asarray(mon.t / ms)
    i = np.asarray(mon.i, dtype=np.int64)
    result = {
        "simulator": "brian2 " + b2.__version__,
        "method": args.method,
        "duration_ms": args.duration,
        "threads": args.threads,
        "openmp_threads": b2.prefs.devices.cpp_standalone.openmp_threads,
        "seed": args.seed,
        "dt_ms": args.dt,
        "synapses": int(len(Ce) + len(Ci)),
        **timing,
        "populations": {},
    }
    for name, lo, hi in (("exc", 0, n_exc), ("inh", n_exc, n_exc + n_inh)):
        sel = (i >= lo) & (i < hi)
        cv, n_cv = isi_cv(t[sel], i[sel] - lo, hi - lo)
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
