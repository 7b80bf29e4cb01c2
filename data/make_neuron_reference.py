#!/usr/bin/python3
"""NEURON reference traces for apical's multi-compartment neurons (model "cable").

Each case is simulated by NEURON (Debian's neuron / python3-neuron 8.2.2) with CVODE at
atol 1e-10 (rtol 1e-10), so that the reference is exact in time for NEURON's own spatial
discretisation (nseg stated per case); apical discretises space the same way, so the
comparison tests apical's time integration and its cable layout. `hh` uses the rate functions
themselves (usetable_hh = 0), not NEURON's interpolation table, as apical does.

Regenerate (from the repository root; needs `apt-get install neuron python3-neuron`, and
Debian's python3-h5py, hence /usr/bin/python3):

    /usr/bin/python3 data/make_neuron_reference.py

Writes data/reference/neuron/{ball_stick_passive, ball_stick_hh, two_compartment}.h5:
datasets t (ms), V_<compartment> (mV, sampled every 0.1 ms), spike_times (ms, hh case), and
every parameter as an attribute of the root group.

Cases:
  ball_stick_passive: soma L = diam = 20 um (nseg 1) + dendrite L 500 um, diam 2 um, nseg 51,
      Ra 100 ohm cm, cm 1 uF/cm^2, g_pas 1e-4 S/cm^2, e_pas -65 mV; IClamp 0.1 nA into soma(0.5)
      from 5 to 30 ms; 50 ms.
  ball_stick_hh: the same cell with NEURON's hh in the soma (defaults, celsius 6.3), 0.3 nA from
      5 to 45 ms; 50 ms; spike times at soma(0.5) crossing -20 mV upward (NetCon).
  two_compartment: soma (L = diam = 20 um, nseg 1) and one dendrite (L 100 um, diam 2 um, nseg
      1), passive, Ra 150; IClamp 0.05 nA into the dendrite from 2 to 20 ms; 30 ms. The lumped
      equivalent (C pF, g nS, coupling nS through the two half-section resistances in series) is
      stored as attributes, for apical's `compartments` form.
"""
import math
import os
import sys

import h5py
import numpy as np
from neuron import h

h.load_file("stdrun.hoc")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference", "neuron")
ATOL = 1e-10
SAMPLE = 0.1


def run(cell, tstop, record, netcon_sec=None):
    h.cvode.active(1)
    h.cvode.atol(ATOL)
    h.cvode.rtol(ATOL)
    t = h.Vector().record(h._ref_t, SAMPLE)
    vecs = {name: h.Vector().record(ref, SAMPLE) for name, ref in record.items()}
    spikes = h.Vector()
    nc = None
    if netcon_sec is not None:
        nc = h.NetCon(netcon_sec(0.5)._ref_v, None, sec=netcon_sec)
        nc.threshold = -20.0
        nc.record(spikes)
    h.finitialize(cell["v_init"])
    h.continuerun(tstop)
    out = {"t": np.array(t.to_python())}
    out.update({k: np.array(v.to_python()) for k, v in vecs.items()})
    return out, np.array(spikes.to_python())


def write(name, data, spikes, attrs):
    os.makedirs(OUT, exist_ok=True)
    with h5py.File(os.path.join(OUT, name + ".h5"), "w") as f:
        for k, v in data.items():
            f.create_dataset(k, data=v)
        if spikes is not None:
            f.create_dataset("spike_times", data=spikes)
        for k, v in attrs.items():
            f.attrs[k] = v
        f.attrs["neuron_version"] = h.nrnversion(5)
        f.attrs["cvode_atol"] = ATOL
        f.attrs["cvode_rtol"] = ATOL
        f.attrs["sample_interval_ms"] = SAMPLE
        f.attrs["generator"] = "data/make_neuron_reference.py"


def ball_stick(hh):
    p = dict(soma_L=20.0, soma_diam=20.0, dend_L=500.0, dend_diam=2.0, dend_nseg=51, Ra=100.0, cm=1.0,
             g_pas=1e-4, e_pas=-65.0, v_init=-65.0, celsius=6.3,
             stim_amp_nA=0.3 if hh else 0.1, stim_del=5.0, stim_dur=40.0 if hh else 25.0, tstop=50.0)
    soma = h.Section(name="soma")
    dend = h.Section(name="dend")
    dend.connect(soma(1), 0)
    soma.L, soma.diam, soma.nseg = p["soma_L"], p["soma_diam"], 1
    dend.L, dend.diam, dend.nseg = p["dend_L"], p["dend_diam"], p["dend_nseg"]
    for s in (soma, dend):
        s.Ra, s.cm = p["Ra"], p["cm"]
        s.insert("pas")
        for seg in s:
            seg.pas.g, seg.pas.e = p["g_pas"], p["e_pas"]
    if hh:
        soma.insert("hh")
        h.usetable_hh = 0
    h.celsius = p["celsius"]
    stim = h.IClamp(soma(0.5))
    stim.delay, stim.dur, stim.amp = p["stim_del"], p["stim_dur"], p["stim_amp_nA"]
    n = p["dend_nseg"]
    rec = {"V_soma": soma(0.5)._ref_v}
    for i in (0, n // 2, n - 1):
        rec["V_dend[%d]" % i] = dend((i + 0.5) / n)._ref_v
    data, spikes = run(p, p["tstop"], rec, soma if hh else None)
    if hh:
        p.update(gnabar=0.12, gkbar=0.036, gl=0.0003, el=-54.3, ena=50.0, ek=-77.0)
    return data, (spikes if hh else None), p


def two_compartment():
    p = dict(soma_L=20.0, soma_diam=20.0, dend_L=100.0, dend_diam=2.0, Ra=150.0, cm=1.0, g_pas=2e-4,
             e_pas=-70.0, v_init=-70.0, stim_amp_nA=0.05, stim_del=2.0, stim_dur=18.0, tstop=30.0)
    soma = h.Section(name="soma2")
    dend = h.Section(name="dend2")
    dend.connect(soma(1), 0)
    soma.L, soma.diam = p["soma_L"], p["soma_diam"]
    dend.L, dend.diam = p["dend_L"], p["dend_diam"]
    for s in (soma, dend):
        s.nseg, s.Ra, s.cm = 1, p["Ra"], p["cm"]
        s.insert("pas")
        s(0.5).pas.g, s(0.5).pas.e = p["g_pas"], p["e_pas"]
    stim = h.IClamp(dend(0.5))
    stim.delay, stim.dur, stim.amp = p["stim_del"], p["stim_dur"], p["stim_amp_nA"]
    data, _ = run(p, p["tstop"], {"V_soma": soma(0.5)._ref_v, "V_dend": dend(0.5)._ref_v})
    # Lumped equivalent in apical's units (pF, nS).
    for name, L, d in (("soma", p["soma_L"], p["soma_diam"]), ("dend", p["dend_L"], p["dend_diam"])):
        area = math.pi * d * L
        p["C_" + name] = 0.01 * p["cm"] * area
        p["gL_" + name] = 10.0 * p["g_pas"] * area
    r = lambda L, d: p["Ra"] * (L / 2 * 1e-4) / (math.pi * (d / 2 * 1e-4) ** 2)  # ohm, half section
    p["g_c"] = 1e9 / (r(p["soma_L"], p["soma_diam"]) + r(p["dend_L"], p["dend_diam"]))
    return data, None, p


def main():
    for name, make in (("ball_stick_passive", lambda: ball_stick(False)),
                       ("ball_stick_hh", lambda: ball_stick(True)),
                       ("two_compartment", two_compartment)):
        data, spikes, p = make()
        write(name, data, spikes, p)
        print(name, {k: v.shape for k, v in data.items()},
              "spikes: %s" % (np.round(spikes, 3).tolist() if spikes is not None else "-"))
        h("forall delete_section()")


if __name__ == "__main__":
    sys.exit(main())
