#!/usr/bin/python3
"""SCIENCE.md 6.1's table through `apical run`: weight and node perturbation on linear layers.

For each layer (50 x 20 and 20 x 10) and rule (weight_perturbation, node_perturbation), runs
examples/perturbation_variance.toml (with the sizes, rule and data file substituted) in measure
mode with paired trials at sigma = 1e-3, reads the measured update of every perturbed trial from
/measured/w/values, computes the exact gradient g = x (W^T x - y)^T of the regression loss from
the weights in /weights/w and the data, and prints SCIENCE.md 8.2's estimators: relative variance
Var_rel = tr Cov u / |alpha* g|^2 (theory P + 1 and N + 1), bias angle, gain alpha*, and the mean
single-trial cosine (theory sqrt(2 / (pi d))). The estimators are computed here in NumPy, from
their definitions, independently of apical's analysis/alignment.cpp.

Trials run in chunks (one run per chunk, `--seed` differing, so every chunk draws new
perturbations; the weights come from the data file and do not depend on the seed), and the
statistics are accumulated over chunks, so no file holds more than one chunk.

    /usr/bin/python3 examples/perturbation_variance.py [--apical build/apical] [--trials 20000]
    /usr/bin/python3 examples/perturbation_variance.py --write-example-data   # the committed 20x10 file
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = os.path.join(ROOT, "examples", "perturbation_variance.toml")
EXAMPLE_DATA = os.path.join(ROOT, "examples", "perturbation_layer_20x10.h5")


def make_layer(n_in, n_out, seed):
    """Binary input x, target y, weights W [n_in, n_out] (std 1/sqrt(n_in))."""
    rng = np.random.default_rng(seed)
    x = (rng.random(n_in) < 0.6).astype(np.uint8)
    x[:2] = 1
    y = rng.normal(0.0, 1.0, n_out)
    w = rng.normal(0.0, 1.0 / math.sqrt(n_in), (n_in, n_out))
    return x, y, w


def write_layer(path, x, y, w):
    """One sample (/inputs: spikes [1, 1, n_in], targets [1, 1, n_out]) and the edges /edges/w
    (SONATA layout, all to all, weights in group 0) in one file."""
    n_in, n_out = w.shape
    with h5py.File(path, "w") as f:
        f["inputs/spikes"] = x.reshape(1, 1, n_in)
        f["inputs/targets"] = y.reshape(1, 1, n_out)
        src, dst = np.meshgrid(np.arange(n_in), np.arange(n_out), indexing="ij")
        e = f.create_group("edges/w")
        e["source_node_id"] = src.ravel().astype(np.uint64)
        e["target_node_id"] = dst.ravel().astype(np.uint64)
        e["source_node_id"].attrs["node_population"] = "in"
        e["target_node_id"].attrs["node_population"] = "out"
        e["edge_type_id"] = np.zeros(n_in * n_out, np.int64)
        e["edge_group_id"] = np.zeros(n_in * n_out, np.int64)
        e["edge_group_index"] = np.arange(n_in * n_out, dtype=np.uint64)
        e["0/syn_weight"] = w.ravel()


def variant(n_in, n_out, rule, data, trials):
    text = open(BASE).read()
    subs = [("size = 20\n", "size = %d\n" % n_in), ("size = 10\n", "size = %d\n" % n_out),
            ("examples/perturbation_layer_20x10.h5", data), ('rule = "weight_perturbation"', 'rule = "%s"' % rule),
            ("count = 2000 ", "count = %d " % (2 * trials))]
    for old, new in subs:
        assert old in text, old
        text = text.replace(old, new)
    return text


class Stats:
    """Streaming SCIENCE.md 8.2 estimators against an exact g."""

    def __init__(self, g):
        self.g = g
        self.R = 0
        self.S = np.zeros_like(g)
        self.sum_sq = 0.0
        self.sum_cos = 0.0

    def add(self, u):  # u: [r, P]
        self.R += u.shape[0]
        self.S += u.sum(axis=0)
        sq = np.einsum("ij,ij->i", u, u)
        self.sum_sq += sq.sum()
        self.sum_cos += (u @ self.g / (np.sqrt(sq) * np.linalg.norm(self.g))).sum()

    def result(self):
        R, g = self.R, self.g
        ubar = self.S / R
        g2 = g @ g
        tr_cov = (self.sum_sq - R * (ubar @ ubar)) / (R - 1)
        mu2 = (self.S @ self.S - self.sum_sq) / (R * (R - 1))
        ug = ubar @ g
        alpha = ug / g2
        perp2 = mu2 - ug * ug / g2
        theta = math.degrees(math.atan2(math.sqrt(max(perp2, 0.0)), ug / math.sqrt(g2)))
        return dict(R=R, var_rel=tr_cov / (alpha * alpha * g2), theta=theta, alpha=alpha,
                    cos=self.sum_cos / R, perp_resolved=perp2 > 0)


def measure(apical, n_in, n_out, rule, trials, chunk, workdir, seed):
    x, y, w = make_layer(n_in, n_out, seed)
    data = os.path.join(workdir, "layer_%dx%d.h5" % (n_in, n_out))
    write_layer(data, x, y, w)
    g = None
    stats = None
    done, k = 0, 0
    while done < trials:
        r = min(chunk, trials - done)
        cfg = os.path.join(workdir, "run.toml")
        with open(cfg, "w") as f:
            f.write(variant(n_in, n_out, rule, data, r))
        out = os.path.join(workdir, "run.h5")
        run = subprocess.run([apical, "run", cfg, "-o", out, "-q", "--seed", str(1000 + k)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit("apical run failed:\n" + run.stderr)
        with h5py.File(out, "r") as f:
            pre = f["weights/w/source_node_id"][:]
            post = f["weights/w/target_node_id"][:]
            wf = f["weights/w/syn_weight"][:]
            if g is None:  # exact gradient at the file's weights, in synapse order
                W = np.zeros((n_in, n_out))
                W[pre, post] = wf
                delta = W.T @ x - y
                g = x[pre] * delta[post]
                stats = Stats(g)
            values = f["measured/w/values"]
            assert not np.any(values[0::2]), "paired baseline: unperturbed trials propose nothing"
            stats.add(values[1::2])
        os.remove(out)
        done += r
        k += 1
    return stats.result()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--apical", default=os.path.join(ROOT, "build", "apical"))
    ap.add_argument("--trials", type=int, default=20000, help="perturbed trials per case (R)")
    ap.add_argument("--chunk", type=int, default=5000, help="perturbed trials per run")
    ap.add_argument("--write-example-data", action="store_true",
                    help="write examples/perturbation_layer_20x10.h5 (the base config's data) and stop")
    args = ap.parse_args()
    if args.write_example_data:
        write_layer(EXAMPLE_DATA, *make_layer(20, 10, 2))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n_in, n_out, seed in [(50, 20, 1), (20, 10, 2)]:
            for rule, d in [("weight_perturbation", n_in * n_out), ("node_perturbation", n_out)]:
                r = measure(args.apical, n_in, n_out, rule, args.trials, args.chunk, tmp, seed)
                rows.append((n_in, n_out, rule, d, r))
                print("%d x %d %s: done" % (n_in, n_out, rule), file=sys.stderr)
    print("| layer | rule | d | Var_rel | theory d + 1 | theta_bias (deg) | alpha* | E[cos] | sqrt(2/(pi d)) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n_in, n_out, rule, d, r in rows:
        # Unresolved: the U-statistic of |mu_perp|^2 is below zero, so the bias is below the
        # noise floor of the mean, about atan(sqrt(Var_rel / R)).
        floor = math.degrees(math.atan(math.sqrt(r["var_rel"] / r["R"])))
        theta = ("%.2f" % r["theta"]) if r["perp_resolved"] else "unresolved (floor %.1f)" % floor
        print("| %d x %d | %s | %d | %.1f | %d | %s | %.3f | %.4f | %.4f |" % (
            n_in, n_out, "WP" if rule.startswith("weight") else "NP", d, r["var_rel"], d + 1, theta,
            r["alpha"], r["cos"], math.sqrt(2 / (math.pi * d))))
    print("R = %d perturbed trials per row, sigma = 1e-3, paired baseline." % args.trials)
    return 0


if __name__ == "__main__":
    sys.exit(main())
