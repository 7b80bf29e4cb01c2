#!/usr/bin/python3
"""Reference files for SURROGATE.md: the discrete-time LIF network of the SpyTorch tutorials,
its two losses and its surrogate-gradient adjoint backward, in float64.

This is an independent NumPy implementation of SURROGATE.md sections 3 (forward), 4 (losses),
5 (surrogate derivative) and 6 (adjoint recursion), written from the specification and not
from apical's C++ code. It writes one HDF5 file per case in the layout of SURROGATE.md
section 8, with provenance attributes on the root group.

Regenerate (from the repository root; Debian's python3-numpy and python3-h5py, hence
/usr/bin/python3 rather than whatever python3 is first on PATH):

    /usr/bin/python3 data/make_surrogate_reference.py --check-torch

--check-torch (needs Debian's python3-torch) recomputes every gradient with torch autograd, a
custom autograd Function for the spike with the surrogate of section 5 and the reset detached,
and asserts agreement to 1e-9 + 1e-6 * max|ref| per tensor (the tolerance of section 8)
before anything is written. --dry-run prints the diagnostics without writing.

--large writes, instead of the four small cases, the LARGE case compactly (benchmark-sized,
about 3 MB): 700-256-20, recurrent, T = 100, B = 32, classification, surrogate scale 100,
with /inputs, /weights, /params, /reference/loss and /reference/grad/* only (no
/reference/mem, /out, /hidden_spikes, /debug) and every dataset but the scalar loss gzip
(+ shuffle) compressed:

    /usr/bin/python3 data/make_surrogate_reference.py --check-torch --large

`--large --only large_rec_class_200_128_10 --out DIR` writes a smaller case of the same kind
(200-128-10, B = 32) that bench/gradient_vs_torch.sh uses; it is not committed.

Each case draws its inputs and weights from numpy.random.default_rng(seed) (PCG64) in a fixed
order: input rates, input spikes, W1, V (recurrent cases), W2, then labels or target phases.
If a draw fails the robustness checks (a hidden neuron that never spikes, a membrane value
within 1e-6 of threshold, a classification maximum within 1e-6 of another time step), the
next seed is tried; the seed actually used is stored in /params@seed and printed.
"""

import argparse
import os
import sys
from dataclasses import dataclass

import h5py
import numpy as np

# SURROGATE.md section 2.
DT = 1.0
TAU_SYN = 5.0
TAU_MEM = 10.0
THETA = 1.0
ALPHA = float(np.exp(-DT / TAU_SYN))
BETA = float(np.exp(-DT / TAU_MEM))
assert ALPHA == 0.8187307530779818 and BETA == 0.9048374180359595

MAX_FILE_BYTES = 200 * 1024
ROBUST_MIN = 1e-6  # minimum accepted min_abs_v and argmax_margin


@dataclass
class Case:
    name: str
    n_in: int
    n_hid: int
    n_out: int
    T: int
    B: int
    loss: str               # "classification" or "regression"
    recurrent: bool
    surrogate_scale: float
    seed: int
    # Weights are Gaussian as in SpyTorch: W ~ N(mu, gain / sqrt(n_pre)).
    w1_gain: float
    w1_mu: float = 0.0
    w2_gain: float = 0.5
    w2_mu: float = 0.0
    v_gain: float = 0.0
    v_mu: float = 0.0
    rate_range_hz: tuple = (20.0, 100.0)  # per-input Bernoulli rate ~ U(lo, hi)
    target_amp: float = 0.0                # regression targets, see draw()
    # Labels b % n_out, then permuted (one rng.permutation draw instead of rng.integers), so
    # that every class occurs even when B is barely above n_out (the LARGE cases only).
    balanced_labels: bool = False
    # Written only when named with --only (the benchmark's extra case).
    on_request: bool = False


CASES = [
    # Gains and means chosen so that hidden neurons fire moderately (about 50-100 Hz on
    # average) and, in the small case, one readout stays at its structural zeros (n_zero_max
    # = 1), which exercises the tie rule.
    Case("ff_class_5_3_2", 5, 3, 2, T=100, B=4, loss="classification", recurrent=False,
         surrogate_scale=100.0, seed=1000, w1_gain=0.6, w1_mu=0.03, w2_mu=0.1),
    Case("rec_class_20_10_3", 20, 10, 3, T=100, B=4, loss="classification", recurrent=True,
         surrogate_scale=100.0, seed=2000, w1_gain=0.5, w1_mu=0.01, w2_mu=0.05, v_gain=0.5),
    Case("ff_reg_20_10_3_s10", 20, 10, 3, T=100, B=4, loss="regression", recurrent=False,
         surrogate_scale=10.0, seed=3000, w1_gain=0.6, w2_mu=0.05, target_amp=2.0),
    Case("rec_reg_20_10_3", 20, 10, 3, T=100, B=4, loss="regression", recurrent=True,
         surrogate_scale=100.0, seed=4000, w1_gain=0.6, w2_mu=0.05, v_gain=0.5, target_amp=2.0),
]


# --large: written compactly (see write()); 200-128-10 only on request (bench/gradient_vs_torch.sh).
# Gains smaller and the input mean weight positive but small, so that with 700 (200) inputs at
# 20-100 Hz the hidden rates stay moderate and every hidden neuron spikes in some trial.
LARGE_CASES = [
    Case("large_rec_class_700_256_20", 700, 256, 20, T=100, B=32, loss="classification",
         recurrent=True, surrogate_scale=100.0, seed=5000, w1_gain=0.8, w1_mu=0.001,
         w2_gain=0.2, v_gain=0.5, balanced_labels=True),
    Case("large_rec_class_200_128_10", 200, 128, 10, T=100, B=32, loss="classification",
         recurrent=True, surrogate_scale=100.0, seed=6000, w1_gain=0.6, w1_mu=0.002,
         w2_gain=0.2, v_gain=0.5, balanced_labels=True, on_request=True),
]
MAX_LARGE_FILE_BYTES = 4 * 1024 * 1024


def draw(case, seed):
    """Inputs, weights and labels or targets of one case, in the documented draw order."""
    rng = np.random.default_rng(seed)
    lo, hi = case.rate_range_hz
    rates = rng.uniform(lo, hi, size=case.n_in)
    p = rates * DT * 1e-3  # Hz -> probability per 1 ms step
    x = (rng.random((case.B, case.T, case.n_in)) < p).astype(np.uint8)
    W1 = rng.normal(case.w1_mu, case.w1_gain / np.sqrt(case.n_in), (case.n_in, case.n_hid))
    V = (rng.normal(case.v_mu, case.v_gain / np.sqrt(case.n_hid), (case.n_hid, case.n_hid))
         if case.recurrent else None)
    W2 = rng.normal(case.w2_mu, case.w2_gain / np.sqrt(case.n_hid), (case.n_hid, case.n_out))
    d = dict(seed=seed, rates=rates, x=x, W1=W1, V=V, W2=W2)
    if case.loss == "classification" and case.balanced_labels:
        d["labels"] = rng.permutation(np.arange(case.B) % case.n_out).astype(np.int64)
    elif case.loss == "classification":
        d["labels"] = rng.integers(0, case.n_out, size=case.B).astype(np.int64)
    else:
        # Smooth targets on the scale of the readout: amp * sin(2 pi f t / T + phase).
        f = rng.uniform(0.5, 2.0, size=(case.B, 1, case.n_out))
        phase = rng.uniform(0.0, 2 * np.pi, size=(case.B, 1, case.n_out))
        t = np.arange(case.T, dtype=np.float64)[None, :, None]
        d["targets"] = case.target_amp * np.sin(2 * np.pi * f * t / case.T + phase)
    return d


def forward(x, W1, V, W2):
    """SURROGATE.md section 3, all batch elements at once. Records the state *before* the
    update of step t (mem_t, syn_t, out_t, flt_t) for t = 0..T-1."""
    B, T, _ = x.shape
    n_hid, n_out = W2.shape
    mem = np.zeros((B, n_hid))
    syn = np.zeros((B, n_hid))
    s_prev = np.zeros((B, n_hid))
    rec = {k: np.zeros((B, T, n_hid)) for k in ("mem", "syn", "s")}
    for t in range(T):
        rec["mem"][:, t] = mem
        rec["syn"][:, t] = syn
        s = (mem - THETA > 0).astype(np.float64)  # H(0) = 0
        I = x[:, t].astype(np.float64) @ W1
        if V is not None:
            I = I + s_prev @ V
        r = 1.0 - s
        # Simultaneous update: mem_{t+1} uses syn_t, not syn_{t+1}.
        mem, syn = (BETA * mem + syn) * r, ALPHA * syn + I
        rec["s"][:, t] = s
        s_prev = s
    out = np.zeros((B, n_out))
    flt = np.zeros((B, n_out))
    rec["out"] = np.zeros((B, T, n_out))
    rec["flt"] = np.zeros((B, T, n_out))
    for t in range(T):
        rec["out"][:, t] = out
        rec["flt"][:, t] = flt
        J = rec["s"][:, t] @ W2
        out, flt = BETA * out + flt, ALPHA * flt + J  # out_{t+1} uses flt_t
    return rec


def first_argmax_t(out):
    """t*[b,k]: np.argmax returns the first occurrence of the maximum (documented)."""
    return np.argmax(out, axis=1)


def loss_and_dout(case, out, d):
    """SURROGATE.md section 4 and 6.1: the loss L and g = dL/dout (1/B included)."""
    B = out.shape[0]
    if case.loss == "regression":
        diff = out - d["targets"]
        return 0.5 / B * np.sum(diff * diff), diff / B, None
    tstar = first_argmax_t(out)                                   # [B, n_out]
    m = np.take_along_axis(out, tstar[:, None, :], axis=1)[:, 0]  # [B, n_out]
    mx = m.max(axis=1, keepdims=True)
    lse = mx[:, 0] + np.log(np.exp(m - mx).sum(axis=1))
    y = d["labels"]
    L = np.mean(lse - m[np.arange(B), y])
    soft = np.exp(m - lse[:, None])
    soft[np.arange(B), y] -= 1.0
    g = np.zeros_like(out)
    np.put_along_axis(g, tstar[:, None, :], (soft / B)[:, None, :], axis=1)
    return L, g, tstar


def backward(case, x, W1, V, W2, fw, g):
    """SURROGATE.md section 6: the adjoint recursion, vectorised over the batch, with the
    reset factors r_t = 1 - s_t held constant (detached)."""
    B, T, _ = x.shape
    n_hid, n_out = W2.shape
    s, mem = fw["s"], fw["mem"]
    dW1 = np.zeros_like(W1)
    dW2 = np.zeros_like(W2)
    dV = np.zeros_like(V) if V is not None else None
    lam_mem = np.zeros((B, n_hid))
    lam_syn = np.zeros((B, n_hid))
    lam_I_next = np.zeros((B, n_hid))
    lam_out = np.zeros((B, n_out))
    lam_flt = np.zeros((B, n_out))
    dbg = {k: np.zeros((B, T, n_out)) for k in ("dL_dJ",)}
    dbg.update({k: np.zeros((B, T, n_hid)) for k in ("dL_dI", "dL_ds", "dL_dmem",
                                                      "surrogate_dsdv")})
    for t in range(T - 1, -1, -1):
        # Readout adjoint (6.2): dJ_t = lam_flt_{t+1}.
        dJ = lam_flt
        lam_flt = ALPHA * lam_flt + lam_out
        lam_out = BETA * lam_out + g[:, t]
        dW2 += s[:, t].T @ dJ
        # Hidden adjoint (6.3): dL/dI_t = lam_syn_{t+1}.
        lam_I = lam_syn
        dW1 += x[:, t].astype(np.float64).T @ lam_I
        if V is not None and t >= 1:
            dV += s[:, t - 1].T @ lam_I
        lam_s = dJ @ W2.T
        if V is not None:
            lam_s = lam_s + lam_I_next @ V.T
        dsdv = 1.0 / (case.surrogate_scale * np.abs(mem[:, t] - THETA) + 1.0) ** 2
        r = 1.0 - s[:, t]
        lam_mem, lam_syn = BETA * r * lam_mem + dsdv * lam_s, ALPHA * lam_syn + r * lam_mem
        lam_I_next = lam_I
        dbg["dL_dJ"][:, t] = dJ
        dbg["dL_dI"][:, t] = lam_I
        dbg["dL_ds"][:, t] = lam_s
        dbg["dL_dmem"][:, t] = lam_mem
        dbg["surrogate_dsdv"][:, t] = dsdv
    return dict(W1=dW1, V=dV, W2=dW2), dbg


def diagnostics(case, fw, tstar):
    """min_abs_v, argmax_margin, n_zero_max of SURROGATE.md sections 4, 5 and 8.

    argmax_margin: over every (b, k), the gap between out's maximum over t and the largest
    value at any other time step, excluding outputs whose maximum is exactly 0 (tied at the
    structural zeros out_0..out_3, harmless: their max carries no weight gradient); those are
    counted in n_zero_max. Regression has no argmax: argmax_margin = inf, n_zero_max = 0."""
    min_abs_v = float(np.min(np.abs(fw["mem"] - THETA)))
    if tstar is None:
        return min_abs_v, float("inf"), 0
    out = fw["out"]
    B, T, n_out = out.shape
    margin, n_zero = float("inf"), 0
    for b in range(B):
        for k in range(n_out):
            col = out[b, :, k]
            top = col[tstar[b, k]]
            if top == 0.0:
                n_zero += 1
                continue
            margin = min(margin, float(top - np.max(np.delete(col, tstar[b, k]))))
    return min_abs_v, margin, n_zero


def check_structure(fw, W2):
    """Structural consequences listed in SURROGATE.md section 3."""
    assert not fw["s"][:, :2].any(), "s_0 and s_1 must be 0"
    assert not fw["out"][:, :4].any(), "out_0..out_3 must be exactly 0"
    assert np.array_equal(fw["out"][:, 4], fw["s"][:, 2] @ W2), "out_4 must be s_2 @ W2"


def compute(case, seed):
    d = draw(case, seed)
    fw = forward(d["x"], d["W1"], d["V"], d["W2"])
    check_structure(fw, d["W2"])
    L, g, tstar = loss_and_dout(case, fw["out"], d)
    grads, dbg = backward(case, d["x"], d["W1"], d["V"], d["W2"], fw, g)
    dbg.update(syn=fw["syn"], flt=fw["flt"], dL_dout=g)
    counts = fw["s"].sum(axis=1).astype(np.int64)  # [B, n_hid]
    min_abs_v, margin, n_zero = diagnostics(case, fw, tstar)
    return dict(d=d, fw=fw, L=L, g=g, tstar=tstar, grads=grads, dbg=dbg, counts=counts,
                min_abs_v=min_abs_v, argmax_margin=margin, n_zero_max=n_zero)


def acceptable(case, res):
    """Why a draw is rejected, or "" if it is fine."""
    counts = res["counts"]
    if (counts.sum(axis=0) == 0).any():
        return "a hidden neuron never spikes"
    # Spikes at t >= T-2 cannot reach the loss: every trial needs earlier ones.
    if (res["fw"]["s"][:, : case.T - 2].sum(axis=(1, 2)) == 0).any():
        return "a trial without hidden spikes that reach the loss"
    if case.loss == "classification":
        if len(set(res["d"]["labels"].tolist())) < min(case.B, case.n_out):
            return "the labels do not cover the classes"
    if res["min_abs_v"] < ROBUST_MIN:
        return f"min_abs_v = {res['min_abs_v']:.3g}"
    if res["argmax_margin"] < ROBUST_MIN:
        return f"argmax_margin = {res['argmax_margin']:.3g}"
    return ""


def torch_check(case, res):
    """Recompute loss and gradients with torch autograd; assert the section 8 tolerance."""
    import torch
    torch.set_num_threads(1)
    scale = case.surrogate_scale

    class Spike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, v):
            ctx.save_for_backward(v)
            return (v > 0).to(v.dtype)

        @staticmethod
        def backward(ctx, grad):
            (v,) = ctx.saved_tensors
            return grad / (scale * v.abs() + 1.0) ** 2

    d = res["d"]
    f64 = dict(dtype=torch.float64)
    x = torch.tensor(d["x"], **f64)
    W1 = torch.tensor(d["W1"], **f64, requires_grad=True)
    W2 = torch.tensor(d["W2"], **f64, requires_grad=True)
    V = torch.tensor(d["V"], **f64, requires_grad=True) if case.recurrent else None
    B, T = case.B, case.T
    mem = torch.zeros(B, case.n_hid, **f64)
    syn = torch.zeros(B, case.n_hid, **f64)
    s_prev = torch.zeros(B, case.n_hid, **f64)
    mems, spikes = [], []
    for t in range(T):
        mems.append(mem)
        s = Spike.apply(mem - THETA)
        I = x[:, t] @ W1
        if V is not None:
            I = I + s_prev @ V
        r = 1.0 - s.detach()
        mem, syn = (BETA * mem + syn) * r, ALPHA * syn + I
        spikes.append(s)
        s_prev = s
    out = torch.zeros(B, case.n_out, **f64)
    flt = torch.zeros(B, case.n_out, **f64)
    outs = []
    for t in range(T):
        outs.append(out)
        out, flt = BETA * out + flt, ALPHA * flt + spikes[t] @ W2
    out = torch.stack(outs, dim=1)
    if case.loss == "regression":
        L = 0.5 / B * ((out - torch.tensor(d["targets"], **f64)) ** 2).sum()
    else:
        # Same tie rule, chosen explicitly: torch.max does not promise the first occurrence.
        idx = torch.tensor(first_argmax_t(out.detach().numpy()))
        m = out.gather(1, idx[:, None, :])[:, 0]
        L = torch.nn.functional.cross_entropy(m, torch.tensor(d["labels"]))  # mean over b
    L.backward()

    assert np.array_equal(torch.stack(spikes, 1).detach().numpy(), res["fw"]["s"]), "spikes differ"
    pairs = [("loss", L.item(), res["L"]), ("mem", torch.stack(mems, 1).detach().numpy(),
             res["fw"]["mem"]), ("out", out.detach().numpy(), res["fw"]["out"]),
             ("W1", W1.grad.numpy(), res["grads"]["W1"]), ("W2", W2.grad.numpy(),
             res["grads"]["W2"])]
    if V is not None:
        pairs.append(("V", V.grad.numpy(), res["grads"]["V"]))
    worst = 0.0
    for name, got, ref in pairs:
        got, ref = np.asarray(got), np.asarray(ref)
        err, tol = np.max(np.abs(got - ref)), 1e-9 + 1e-6 * np.max(np.abs(ref))
        assert err <= tol, f"{case.name}: torch and NumPy disagree on {name}: {err:.3g} > {tol:.3g}"
        worst = max(worst, err / max(np.max(np.abs(ref)), 1e-300))
    return torch.__version__, worst


def write(case, res, path, debug, torch_note, command, compact=False):
    """compact (--large): gzip + shuffle on every dataset (HDF5 cannot chunk, hence compress,
    the scalar /reference/loss), and of /reference only loss, grad/* and the attributes."""
    d = res["d"]
    with h5py.File(path, "w") as f:
        def put(group, name, data):
            if compact and np.ndim(data) > 0:
                return group.create_dataset(name, data=data, compression="gzip",
                                            compression_opts=9, shuffle=True)
            return group.create_dataset(name, data=data)

        f.attrs["generator"] = "data/make_surrogate_reference.py"
        f.attrs["command"] = command
        f.attrs["description"] = "independent NumPy implementation of SURROGATE.md"
        f.attrs["specification"] = "SURROGATE.md sections 3 (forward), 4 (losses), " \
                                   "5 (surrogate), 6 (adjoint backward), 8 (layout)"
        f.attrs["numpy_version"] = np.__version__
        f.attrs["h5py_version"] = h5py.__version__
        f.attrs["python_version"] = sys.version.split()[0]
        f.attrs["torch_check"] = torch_note

        gi = f.create_group("inputs")
        put(gi, "spikes", d["x"].astype(np.uint8))
        if case.loss == "classification":
            put(gi, "labels", d["labels"].astype(np.int64))
        else:
            put(gi, "targets", d["targets"].astype(np.float64))
        put(gi, "rates_hz", d["rates"].astype(np.float64))

        gw = f.create_group("weights")
        put(gw, "W1", d["W1"])
        if case.recurrent:
            put(gw, "V", d["V"])
        put(gw, "W2", d["W2"])

        p = f.create_group("params").attrs
        for k, v in dict(dt=DT, tau_syn=TAU_SYN, tau_mem=TAU_MEM, alpha=ALPHA, beta=BETA,
                         threshold=THETA, surrogate_scale=case.surrogate_scale,
                         w1_gain=case.w1_gain, w1_mu=case.w1_mu, w2_gain=case.w2_gain,
                         w2_mu=case.w2_mu).items():
            p[k] = np.float64(v)
        if case.recurrent:
            p["v_gain"] = np.float64(case.v_gain)
            p["v_mu"] = np.float64(case.v_mu)
        p["input_rate_range_hz"] = np.array(case.rate_range_hz, dtype=np.float64)
        p["loss"] = case.loss
        p["recurrent"] = np.int64(case.recurrent)
        for k, v in dict(T=case.T, B=case.B, n_in=case.n_in, n_hid=case.n_hid,
                         n_out=case.n_out, seed=d["seed"]).items():
            p[k] = np.int64(v)
        p["surrogate"] = ("SuperSpike fast sigmoid, unnormalised: ds/dmem = "
                          "1 / (surrogate_scale * |mem - threshold| + 1)^2")
        p["spike_forward"] = "s = H(mem - threshold), H(v) = 1 if v > 0 else 0 (H(0) = 0)"
        p["reset"] = ("mem_{t+1} = (beta * mem_t + syn_t) * (1 - s_t); "
                      "reset factor detached (no gradient)")
        p["argmax_tie_rule"] = ("first occurrence: t* = smallest t with out[b,t,k] = "
                                "max_t out[b,t,k]; the max's gradient flows only into t*")
        p["weight_init"] = "W ~ N(mu, gain / sqrt(n_pre)); rng numpy.random.default_rng(seed)"
        if case.loss == "regression":
            p["target_amp"] = np.float64(case.target_amp)
            p["targets_formula"] = ("target[b,t,k] = target_amp * sin(2 pi f[b,k] t / T + "
                                    "phase[b,k]), f ~ U(0.5, 2), phase ~ U(0, 2 pi)")

        gr = f.create_group("reference")
        put(gr, "loss", np.float64(res["L"]))
        gg = gr.create_group("grad")
        put(gg, "W1", res["grads"]["W1"])
        if case.recurrent:
            put(gg, "V", res["grads"]["V"])
        put(gg, "W2", res["grads"]["W2"])
        if not compact:
            put(gr, "mem", res["fw"]["mem"])
            put(gr, "out", res["fw"]["out"])
            put(gr, "hidden_spikes", res["fw"]["s"].astype(np.uint8))
            put(gr, "hidden_spike_count", res["counts"])
            if res["tstar"] is not None:
                put(gr, "argmax_t", res["tstar"].astype(np.int64))
        gr.attrs["min_abs_v"] = np.float64(res["min_abs_v"])
        gr.attrs["argmax_margin"] = np.float64(res["argmax_margin"])
        gr.attrs["n_zero_max"] = np.int64(res["n_zero_max"])
        gr.attrs["diagnostics"] = (
            "min_abs_v = min |mem - threshold|; argmax_margin = min over (b,k) of max_t out "
            "minus the best other t, outputs whose max is exactly 0 excluded and counted in "
            "n_zero_max; inf for regression (no argmax in the loss)")

        if debug:
            # Compressed: adjoints are for locating a disagreement, not for the test itself.
            gd = f.create_group("debug")
            for k in ("syn", "flt", "surrogate_dsdv", "dL_dout", "dL_dJ", "dL_dI", "dL_ds",
                      "dL_dmem"):
                gd.create_dataset(k, data=res["dbg"][k], compression="gzip", shuffle=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "reference", "surrogate"))
    ap.add_argument("--check-torch", action="store_true",
                    help="verify every gradient against torch autograd before writing")
    ap.add_argument("--dry-run", action="store_true", help="print diagnostics, write nothing")
    ap.add_argument("--only", nargs="*", help="case names (default: all)")
    ap.add_argument("--large", action="store_true",
                    help="the LARGE cases instead, written compactly (no /reference/mem, /out, "
                         "/debug; gzip on every dataset)")
    args = ap.parse_args()
    command = "/usr/bin/python3 data/make_surrogate_reference.py" + (
        " --check-torch" if args.check_torch else "") + (" --large" if args.large else "")
    if args.large and args.only:
        command += " --only " + " ".join(args.only)
    os.makedirs(args.out, exist_ok=True)

    for case in (LARGE_CASES if args.large else CASES):
        if args.only and case.name not in args.only:
            continue
        if not args.only and case.on_request:
            continue
        for attempt in range(100):
            res = compute(case, case.seed + attempt)
            why = acceptable(case, res)
            if not why:
                break
            print(f"{case.name}: seed {case.seed + attempt} rejected: {why}")
        else:
            sys.exit(f"{case.name}: no acceptable draw in 100 seeds")

        c = res["counts"]
        print(f"{case.name}: seed {res['d']['seed']}, loss {res['L']:.6g}")
        if args.large:
            print(f"  silent (trial, neuron) pairs {int((c == 0).sum())} of {c.size}, "
                  f"hidden spikes per trial {c.sum(axis=1).min()}..{c.sum(axis=1).max()}")
        else:
            print(f"  hidden spike counts per trial (rows b): {c.tolist()}")
        print(f"  mean hidden rate {c.mean() / (case.T * DT) * 1e3:.1f} Hz, "
              f"min_abs_v {res['min_abs_v']:.3g}, argmax_margin {res['argmax_margin']:.3g}, "
              f"n_zero_max {res['n_zero_max']}")
        out = res["fw"]["out"]
        print(f"  out: rms {np.sqrt(np.mean(out ** 2)):.3g}, "
              f"range [{out.min():.3g}, {out.max():.3g}]")
        if case.loss == "classification" and not args.large:
            print(f"  labels {res['d']['labels'].tolist()}, argmax_t {res['tstar'].tolist()}")
        for k, v in res["grads"].items():
            if v is not None:
                print(f"  max|dL/d{k}| = {np.max(np.abs(v)):.3g}")

        torch_note = "not run"
        if args.check_torch:
            version, worst = torch_check(case, res)
            torch_note = (f"passed: torch {version} autograd (custom spike Function, reset "
                          f"detached) agrees to 1e-9 + 1e-6 max|ref| per tensor; worst "
                          f"max|diff| / max|ref| = {worst:.2g}")
            print(f"  torch {version}: agreement, worst max|diff|/max|ref| = {worst:.2g}")
        if args.dry_run:
            continue

        path = os.path.join(args.out, case.name + ".h5")
        if args.large:
            write(case, res, path, False, torch_note, command, compact=True)
            size = os.path.getsize(path)
            assert size <= MAX_LARGE_FILE_BYTES, f"{path}: {size} bytes"
            print(f"  wrote {path} ({size} bytes, {size / 2**20:.2f} MiB, compact)")
            continue
        write(case, res, path, True, torch_note, command)
        if os.path.getsize(path) > MAX_FILE_BYTES:
            write(case, res, path, False, torch_note, command)  # the debug group does not fit
        size = os.path.getsize(path)
        assert size <= MAX_FILE_BYTES, f"{path}: {size} bytes"
        with h5py.File(path, "r") as f:
            has_debug = "debug" in f
        print(f"  wrote {path} ({size / 1024:.1f} KiB{', with /debug' if has_debug else ''})")


if __name__ == "__main__":
    main()
