#!/usr/bin/python3
"""PyTorch CPU side of bench/gradient_vs_torch.sh: forward + loss + backward of SURROGATE.md's
network (the SpyTorch network, surrogate gradient, reset detached) for one case file, float64.

    /usr/bin/python3 bench/gradient_torch.py CASE.h5 --threads N [--repeats 5] [--json OUT]

Written the way the SpyTorch tutorial writes it (the input and readout matrix products over all
time steps at once, a Python loop over time for the hidden layer, a custom autograd Function for
the spike), so it is the fast form of the PyTorch model rather than a step-by-step transcription.
Reading the file and building the tensors are not timed; each repetition times forward, loss and
L.backward() (with the gradients zeroed before). One warm-up run, then the best of --repeats.
The result is checked against the case file's /reference/loss and /reference/grad/* (SURROGATE.md
section 8 tolerance) and, with --apical OUT.h5, against apical's gradient output.
"""

import argparse
import json
import sys
import time

import h5py
import numpy as np
import torch


def load(path):
    with h5py.File(path, "r") as f:
        p = {k: (v.item() if np.ndim(v) == 0 and hasattr(v, "item") else v)
             for k, v in f["params"].attrs.items()}
        d = dict(x=f["inputs/spikes"][()], W1=f["weights/W1"][()], W2=f["weights/W2"][()],
                 V=f["weights/V"][()] if "V" in f["weights"] else None)
        if p["loss"] == "classification":
            d["labels"] = f["inputs/labels"][()]
        else:
            d["targets"] = f["inputs/targets"][()]
        ref = None
        if "reference" in f:
            ref = dict(loss=f["reference/loss"][()],
                       **{k: f["reference/grad"][k][()] for k in f["reference/grad"]})
    return p, d, ref


def make_step(p, d):
    f64 = torch.float64
    alpha, beta, theta, scale = p["alpha"], p["beta"], p["threshold"], p["surrogate_scale"]

    class Spike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, v):
            ctx.save_for_backward(v)
            return (v > 0).to(v.dtype)

        @staticmethod
        def backward(ctx, grad):
            (v,) = ctx.saved_tensors
            return grad / (scale * v.abs() + 1.0) ** 2

    x = torch.tensor(d["x"], dtype=f64)
    W1 = torch.tensor(d["W1"], dtype=f64, requires_grad=True)
    W2 = torch.tensor(d["W2"], dtype=f64, requires_grad=True)
    V = torch.tensor(d["V"], dtype=f64, requires_grad=True) if d["V"] is not None else None
    params = [W1, W2] + ([V] if V is not None else [])
    labels = torch.tensor(d["labels"]) if p["loss"] == "classification" else None
    targets = torch.tensor(d["targets"], dtype=f64) if p["loss"] != "classification" else None
    B, T, n_hid, n_out = p["B"], p["T"], p["n_hid"], p["n_out"]

    def step():
        for w in params:
            w.grad = None
        h1 = torch.einsum("btc,cd->btd", x, W1)  # x_t @ W1 for every t at once
        mem = torch.zeros(B, n_hid, dtype=f64)
        syn = torch.zeros(B, n_hid, dtype=f64)
        s = torch.zeros(B, n_hid, dtype=f64)
        spikes = []
        for t in range(T):
            s_prev = s
            s = Spike.apply(mem - theta)
            I = h1[:, t] if V is None else h1[:, t] + s_prev @ V
            r = 1.0 - s.detach()
            mem, syn = (beta * mem + syn) * r, alpha * syn + I
            spikes.append(s)
        h2 = torch.einsum("btj,jk->btk", torch.stack(spikes, 1), W2)
        out = torch.zeros(B, n_out, dtype=f64)
        flt = torch.zeros(B, n_out, dtype=f64)
        outs = []
        for t in range(T):
            outs.append(out)
            out, flt = beta * out + flt, alpha * flt + h2[:, t]
        out = torch.stack(outs, 1)
        if labels is not None:
            # First-occurrence argmax (SURROGATE.md section 4), then the max's value by gather.
            idx = torch.from_numpy(np.argmax(out.detach().numpy(), axis=1))
            m = out.gather(1, idx[:, None, :])[:, 0]
            L = torch.nn.functional.cross_entropy(m, labels)
        else:
            L = 0.5 / B * ((out - targets) ** 2).sum()
        L.backward()
        return L.item(), {"W1": W1.grad, "W2": W2.grad, **({"V": V.grad} if V is not None else {})}

    return step


def worst_ratio(loss, grads, ref):
    """max over tensors of max|got - ref| / (1e-9 + 1e-6 max|ref|): <= 1 agrees."""
    pairs = [(np.array(loss), np.array(ref["loss"]))] + [
        (grads[k].numpy(), ref[k]) for k in grads]
    return max(float(np.max(np.abs(a - b)) / (1e-9 + 1e-6 * np.max(np.abs(b)))) for a, b in pairs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--apical", help="apical gradient output to compare with")
    ap.add_argument("--json", help="write the result here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    p, d, ref = load(args.case)
    step = make_step(p, d)
    step()  # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        loss, grads = step()
        times.append(time.perf_counter() - t0)
    res = dict(case=args.case, threads=torch.get_num_threads(), best_s=min(times),
               times_s=times, loss=loss, torch_version=torch.__version__)
    if ref is not None:
        res["ratio_vs_reference"] = worst_ratio(loss, grads, ref)
    if args.apical:
        with h5py.File(args.apical, "r") as f:
            a = dict(loss=f["loss"][()], **{k: f["grad"][k][()] for k in f["grad"]})
        res["ratio_vs_apical"] = worst_ratio(loss, grads, a)
    for k in ("ratio_vs_reference", "ratio_vs_apical"):
        if k in res and not res[k] <= 1.0:
            sys.exit(f"gradient_torch.py: {k} = {res[k]:.3g} > 1: torch disagrees")
    print(f"torch {torch.__version__}, {res['threads']} thread(s): forward+backward best "
          f"{res['best_s']:.4f} s of {args.repeats} (all: "
          f"{', '.join(f'{t:.4f}' for t in times)}), loss {loss:.17g}"
          + "".join(f", {k} {res[k]:.2g}" for k in ("ratio_vs_reference", "ratio_vs_apical")
                    if k in res))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f)


if __name__ == "__main__":
    main()
