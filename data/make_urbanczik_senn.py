#!/usr/bin/python3
"""Inputs of the Urbanczik-Senn single-neuron protocol (SCIENCE.md 4.1; examples/urbanczik_senn.toml).

One 200 ms pattern on the 0.1 ms grid, read by two value_generator populations that repeat it:
  /inputs/pattern  [1, 2000, 200]: 1 where input i spikes in step s (200 Poisson trains at 10 Hz,
                   frozen; at most one spike per step)
  /inputs/g_E, /inputs/g_I  [1, 2000, 1]: the somatic conductances held per step (receptors
                   soma.g_E_step, soma.g_I_step). As in the NEST example (unitless block), a
                   sinusoid of two periods per pattern: g_E = G (0.016 sin(2 pi t 2/200) + 0.018),
                   g_I = G 0.06, with G = 1/(1 - exp(-0.1/3)) turning NEST's per-step increments of
                   a tau = 3 ms conductance into its steady level.
Usage: data/make_urbanczik_senn.py [out.h5] [seed]
"""
import sys

import h5py
import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else "examples/urbanczik_senn.h5"
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
dt, T, n, rate = 0.1, 200.0, 200, 10.0  # ms, ms, inputs, Hz
steps = int(round(T / dt))
rng = np.random.default_rng(seed)
pattern = (rng.random((steps, n)) < rate * dt * 1e-3).astype(np.float64)
t = np.arange(steps) * dt
G = 1.0 / (1.0 - np.exp(-dt / 3.0))
g_E = G * (0.016 * np.sin(2 * np.pi * t * 2.0 / T) + 0.018)
g_I = np.full(steps, G * 0.06)
with h5py.File(out, "w") as f:
    f.create_dataset("inputs/pattern", data=pattern[None], compression="gzip", compression_opts=9)
    f.create_dataset("inputs/g_E", data=g_E[None, :, None], compression="gzip", compression_opts=9)
    f.create_dataset("inputs/g_I", data=g_I[None, :, None], compression="gzip", compression_opts=9)
    f.attrs["seed"] = seed
print(out, "spikes", int(pattern.sum()))
