#!/usr/bin/python3
"""Spike-pattern classification data sets for apical (the raster layout of SURROGATE.md section 8).

Two commands:

  patterns   A SpyTorch-style task: `classes` frozen random spike patterns over `inputs` input
             neurons and `steps` time steps; every sample is its class's pattern with each spike
             jittered (Gaussian, `jitter` steps, rounded), deleted with probability `drop`, and
             uniform background spikes added at `noise` spikes per input per sample. Each pattern
             gives every input a spike with probability `active` at a uniform random time in
             [0, steps - margin), so a class is identified by *when* which inputs fire.

             /usr/bin/python3 data/make_spike_patterns.py patterns -o data/spike_patterns.h5

  encode     Spike rasters from dense inputs in [0, 1] (an HDF5 file with /x float [N, features]
             and /labels int [N]) by a latency code (one spike per feature at step
             round((1 - x) * (steps - 1)) if x > threshold: larger values fire earlier) or a rate
             code (a Bernoulli spike each step with probability x * max_prob).

             /usr/bin/python3 data/make_spike_patterns.py encode dense.h5 --code latency -o set.h5

Output layout (what apical's raster_generator and [trials.objective] data read):
  /inputs/spikes  uint8 [samples, steps, inputs]   gzip
  /inputs/labels  int64 [samples]
  /params         attributes: every generation parameter and the seed
Samples are stored class-interleaved (sample k has class k mod classes for `patterns`), so any
contiguous range of samples is balanced; `apical train` splits train/test by a seeded shuffle.
Deterministic: the same arguments give the same file (numpy's PCG64 from the seed).
"""
import argparse
import sys

import h5py
import numpy as np


def make_patterns(classes, inputs, steps, samples_per_class, active, jitter, drop, noise, margin, seed):
    rng = np.random.Generator(np.random.PCG64(seed))
    # Frozen patterns: per class and input, a spike time or -1 (silent).
    times = rng.integers(0, steps - margin, size=(classes, inputs))
    on = rng.random((classes, inputs)) < active
    patterns = np.where(on, times, -1)
    n = classes * samples_per_class
    x = np.zeros((n, steps, inputs), dtype=np.uint8)
    labels = np.arange(n, dtype=np.int64) % classes
    for k in range(n):
        c = labels[k]
        idx = np.nonzero(patterns[c] >= 0)[0]
        keep = rng.random(idx.size) >= drop
        idx = idx[keep]
        t = patterns[c, idx] + np.rint(rng.normal(0.0, jitter, idx.size)).astype(np.int64)
        ok = (t >= 0) & (t < steps)
        x[k, t[ok], idx[ok]] = 1
        n_noise = rng.poisson(noise * inputs)
        x[k, rng.integers(0, steps, n_noise), rng.integers(0, inputs, n_noise)] = 1
    return x, labels


def encode(values, code, steps, threshold, max_prob, seed):
    values = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    n, features = values.shape
    x = np.zeros((n, steps, features), dtype=np.uint8)
    if code == "latency":
        t = np.rint((1.0 - values) * (steps - 1)).astype(np.int64)
        b, i = np.nonzero(values > threshold)
        x[b, t[b, i], i] = 1
    else:
        rng = np.random.Generator(np.random.PCG64(seed))
        x[:] = rng.random((n, steps, features)) < (values * max_prob)[:, None, :]
    return x


def write(path, x, labels, params):
    with h5py.File(path, "w") as f:
        f.create_dataset("inputs/spikes", data=x, compression="gzip", compression_opts=9, shuffle=True,
                         chunks=(1,) + x.shape[1:])
        f.create_dataset("inputs/labels", data=labels.astype(np.int64))
        g = f.create_group("params")
        for k, v in params.items():
            g.attrs[k] = v


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("patterns", help="frozen random spike patterns with jitter")
    p.add_argument("-o", "--output", default="spike_patterns.h5")
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--inputs", type=int, default=100)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--samples-per-class", type=int, default=50)
    p.add_argument("--active", type=float, default=0.5, help="fraction of inputs that fire in a pattern")
    p.add_argument("--jitter", type=float, default=3.0, help="spike-time jitter, std in steps")
    p.add_argument("--drop", type=float, default=0.15, help="probability that a pattern spike is missing")
    p.add_argument("--noise", type=float, default=1.0, help="background spikes per input per sample")
    p.add_argument("--margin", type=int, default=20, help="pattern spikes lie in [0, steps - margin)")
    p.add_argument("--seed", type=int, default=1)
    e = sub.add_parser("encode", help="latency or rate code of dense inputs")
    e.add_argument("dense", help="HDF5 with /x [N, features] in [0, 1] and /labels [N]")
    e.add_argument("-o", "--output", required=True)
    e.add_argument("--code", choices=["latency", "rate"], default="latency")
    e.add_argument("--steps", type=int, default=100)
    e.add_argument("--threshold", type=float, default=0.2, help="latency: values at or below do not fire")
    e.add_argument("--max-prob", type=float, default=0.2, help="rate: spike probability per step at x = 1")
    e.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    if a.command == "patterns":
        x, labels = make_patterns(a.classes, a.inputs, a.steps, a.samples_per_class, a.active, a.jitter,
                                  a.drop, a.noise, a.margin, a.seed)
        params = {k: getattr(a, k) for k in ("classes", "inputs", "steps", "samples_per_class", "active",
                                              "jitter", "drop", "noise", "margin", "seed")}
        params["generator"] = "data/make_spike_patterns.py patterns"
    else:
        with h5py.File(a.dense, "r") as f:
            values = f["x"][()]
            labels = f["labels"][()]
        x = encode(values, a.code, a.steps, a.threshold, a.max_prob, a.seed)
        params = {"code": a.code, "steps": a.steps, "threshold": a.threshold, "max_prob": a.max_prob,
                  "seed": a.seed, "source": a.dense, "generator": "data/make_spike_patterns.py encode"}
    write(a.output, x, labels, params)
    print(f"{a.output}: {x.shape[0]} samples, {x.shape[1]} steps, {x.shape[2]} inputs, "
          f"{int(x.sum())} spikes ({x.sum() / x.shape[0]:.1f} per sample)")


if __name__ == "__main__":
    main(sys.argv[1:])
