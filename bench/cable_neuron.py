#!/usr/bin/python3
"""NEURON side of bench/cable_vs_neuron.sh: a passive cable of NSEG segments (one section,
L 2000 um, diam 2 um, Ra 100 ohm cm, cm 1 uF/cm^2, g_pas 1e-4 S/cm^2, e_pas -65 mV, v_init -65),
IClamp 0.2 nA into its first segment from 5 ms to TSTOP/2, sampled every 1 ms at segments
0, NSEG/2 and NSEG-1.

  cable_neuron.py cvode ATOL OUT.npz             reference (CVODE, atol = rtol = ATOL)
  cable_neuron.py fixed DT SECONDORDER OUT.npz   fixed step (secondorder 0: backward Euler,
                                                 1: Crank-Nicolson), best of REPEATS runs

Prints the wall time of the run call (h.finitialize + h.continuerun, no start-up) in seconds.
"""
import os
import sys
import time

import numpy as np
from neuron import h

NSEG = int(os.environ.get("NSEG", 1000))
TSTOP = float(os.environ.get("TSTOP", 1000))
REPEATS = int(os.environ.get("REPEATS", 3))

h.load_file("stdrun.hoc")
cab = h.Section(name="cable")
cab.L, cab.diam, cab.nseg, cab.Ra, cab.cm = 2000.0, 2.0, NSEG, 100.0, 1.0
cab.insert("pas")
for seg in cab:
    seg.pas.g, seg.pas.e = 1e-4, -65.0
stim = h.IClamp(cab((0.5) / NSEG))
stim.delay, stim.dur, stim.amp = 5.0, TSTOP / 2 - 5.0, 0.2
idx = [0, NSEG // 2, NSEG - 1]
recs = [h.Vector().record(cab((i + 0.5) / NSEG)._ref_v, 1.0) for i in idx]


def go():
    h.finitialize(-65.0)
    t0 = time.perf_counter()
    h.continuerun(TSTOP)
    return time.perf_counter() - t0


mode = sys.argv[1]
if mode == "cvode":
    h.cvode.active(1)
    h.cvode.atol(float(sys.argv[2]))
    h.cvode.rtol(float(sys.argv[2]))
    wall = go()
    out = sys.argv[3]
else:
    h.cvode.active(0)
    h.dt = float(sys.argv[2])
    h.steps_per_ms = 1.0 / h.dt
    h.secondorder = int(sys.argv[3])
    wall = min(go() for _ in range(REPEATS))
    out = sys.argv[4]
np.savez(out, V=np.array([r.to_python() for r in recs]))
print("%.4f" % wall)
