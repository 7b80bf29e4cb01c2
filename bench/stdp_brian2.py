#!/usr/bin/python3
"""The CUBA benchmark with pair STDP on the excitatory synapses, in Brian2's C++ standalone mode.

    /usr/bin/python3 bench/stdp_brian2.py --duration 1000 --threads 1 --dir /tmp/b2 --json out.json
                                          [--synapses stdp|static|none]

The network is bench/cuba_brian2.py's (examples/vogels_abbott_cuba.toml in Brian2's formulation:
voltage jumps we = 1.62 mV, wi = -9 mV of exponential PSCs, 3200 + 800 neurons, p = 0.02 without
autapses, delay 0.1 ms, dt 0.1 ms). The excitatory synapses (onto both populations) carry
additive all-to-all pair STDP, as apical's stdp_pair with the settings bench/stdp_vs_brian2.sh
gives it: tau_plus = tau_minus = 20 ms, each pre-before-post pair adds 1 % of we, each
post-before-pre pair removes 1.05 %, weights clipped to [0, 2 we]:

    on_pre:  ge += w;  apre += dApre;  w = clip(w + apost, 0, wmax)      (at arrival, after the delay)
    on_post: apost += dApost;  w = clip(w + apre, 0, wmax)
    apre, apost: per synapse, event-driven (decayed lazily at the synapse's events)

(apical reads the weight after the arrival's own update; Brian adds it to ge before: a difference
of one pairing increment in one PSC, immaterial for timing.) --synapses static drops the STDP,
none drops every synapse (to measure the memory synapses take). The JSON holds compile time,
Brian's own run time of the simulation loop (device._last_run_time), the wall time and peak RSS
of the binary (/usr/bin/time -v), the synapse count, the rates and the mean excitatory weight at
the end.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuba_stats import build_and_time, standalone  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated time, ms")
    ap.add_argument("--threads", type=int, default=1, help="1: serial code; N > 1: openmp_threads = N")
    ap.add_argument("--seed", type=int, default=20070101)
    ap.add_argument("--synapses", choices=["stdp", "static", "none"], default="stdp")
    ap.add_argument("--dir", required=True, help="directory for the generated C++ project")
    ap.add_argument("--json", required=True)
    ap.add_argument("--make-jobs", type=int, default=2)
    args = ap.parse_args()

    import brian2 as b2
    from brian2 import ms, mV

    time_file = standalone(b2, args.dir, args.threads, args.make_jobs)
    b2.defaultclock.dt = 0.1 * ms
    b2.seed(args.seed)

    n_exc, n_inh = 3200, 800
    taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
    Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
    eqs = """
    dv/dt  = (ge + gi - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue : volt
    dgi/dt = -gi / taui : volt
    """
    P = b2.NeuronGroup(n_exc + n_inh, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method="exact")
    P.v = "Vr + rand() * (Vt - Vr)"
    we, wi = 1.62 * mV, -9.0 * mV
    wmax = 2 * we
    taupre = taupost = 20 * ms
    dApre = 0.01 * we
    dApost = -1.05 * dApre
    syns = []
    if args.synapses == "stdp":
        Ce = b2.Synapses(P, P, """w : volt
                                  dapre/dt = -apre / taupre : volt (event-driven)
                                  dapost/dt = -apost / taupost : volt (event-driven)""",
                         on_pre="""ge += w
                                   apre += dApre
                                   w = clip(w + apost, 0 * mV, wmax)""",
                         on_post="""apost += dApost
                                    w = clip(w + apre, 0 * mV, wmax)""", delay=0.1 * ms)
    elif args.synapses == "static":
        Ce = b2.Synapses(P, P, "w : volt", on_pre="ge += w", delay=0.1 * ms)
    if args.synapses != "none":
        Ci = b2.Synapses(P, P, on_pre="gi += wi", delay=0.1 * ms)
        Ce.connect("i < n_exc and i != j", p=0.02)
        Ci.connect("i >= n_exc and i != j", p=0.02)
        Ce.w = we
        syns = [Ce, Ci]
    mon = b2.SpikeMonitor(P)

    b2.run(args.duration * ms)
    timing = build_and_time(b2, args.dir, time_file)
    i = np.asarray(mon.i, dtype=np.int64)
    result = {
        "simulator": "brian2 " + b2.__version__,
        "synapse_kind": args.synapses,
        "duration_ms": args.duration,
        "threads": args.threads,
        "synapses": int(sum(len(s) for s in syns)),
        "plastic_synapses": int(len(syns[0])) if args.synapses == "stdp" else 0,
        **timing,
        "rate_exc_hz": float((i < n_exc).sum() / (n_exc * args.duration / 1000.0)),
        "rate_inh_hz": float((i >= n_exc).sum() / (n_inh * args.duration / 1000.0)),
    }
    if args.synapses != "none":
        result["mean_exc_weight_mV"] = float(np.mean(np.asarray(syns[0].w[:] / mV)))
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
