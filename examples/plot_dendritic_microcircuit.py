#!/usr/bin/python3
"""The Sacramento et al. 2018 microcircuit examples (SCIENCE.md 4.2; docs/dendritic-error.md).

    apical run examples/dendritic_microcircuit_selfpred.toml -o selfpred.h5          # phase 1
    /usr/bin/python3 examples/plot_dendritic_microcircuit.py --extract selfpred.h5 --exact \
        examples/dendritic_microcircuit_selfpred_weights.h5                            # (committed)
    apical run examples/dendritic_microcircuit.toml -o microcircuit.h5                 # phase 2
    /usr/bin/python3 examples/plot_dendritic_microcircuit.py selfpred.h5 microcircuit.h5 -o microcircuit.png

Phase 1 (no teacher): RMS apical potential of the hidden layer per trial, and |W_PI + W_down| /
|W_down| from the weight snapshots. Phase 2 (teacher): the test loss 0.5 |v2 - u*|^2 of the
feedforward (self-predicting) form of the network at every weight snapshot,
    v1 = a1 W10^T x, r1 = phi(v1), v2 = a2 W21^T r1,  a1 = 1/1.9, a2 = 1/1.1 (g_lk 0.1, g_B 1, g_A 0.8),
the RMS apical potential, and, per trial k, the angle between the hidden layer's update
-(W10[k+1] - W10[k]) (snapshots at trial ends) and the backprop gradient of that network for trial
k's sample at W[k], of the loss whose output gradient is the output rule's own error,
dL/dv2 = phi'(v2)(v2 - u*); also the angle to the feedback-alignment direction (W_down in place of
W21^T). For comparison the same architecture is trained from the same weights by backprop (SGD on
0.5 |v2 - u*|^2, the same sample order; --lr) and by feedback alignment. Prints the numbers.
Needs h5py, numpy, matplotlib.
"""
import argparse
import sys

import h5py
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("selfpred", nargs="?")
ap.add_argument("result", nargs="?")
ap.add_argument("--data", default="examples/dendritic_microcircuit.h5")
ap.add_argument("--lr", type=float, default=0.05, help="backprop learning rate (per sample)")
ap.add_argument("--extract", nargs=2, metavar=("RESULT", "OUT"),
                help="write only the final /weights of a phase-1 result file to OUT (phase 2 reads them)")
ap.add_argument("--exact", action="store_true",
                help="with --extract: complete the self-predicting state exactly, W_PI = -W_down and "
                     "W_IP = W_21 (SCIENCE.md 4.2: [(g_B + g_lk)/(g_B + g_lk)] [(g_D + g_lk)/g_D] g_B/(g_lk + g_B) = 1)")
ap.add_argument("--symmetric", action="store_true",
                help="with --extract --exact: symmetric top-down weights, W_down = W_21^T (so W_PI = -W_21^T)")
ap.add_argument("-o", "--out", default="microcircuit.png")
a = ap.parse_args()

def dense(f, name, values=None):
    g = f["weights/" + name]
    s, t = g["source_node_id"][:].astype(int), g["target_node_id"][:].astype(int)
    M = np.zeros((s.max() + 1, t.max() + 1))
    M[s, t] = g["syn_weight"][:] if values is None else values
    return M



if a.symmetric and not (a.extract and a.exact):
    ap.error("--symmetric goes with --extract --exact")
if a.extract:
    with h5py.File(a.extract[0]) as src, h5py.File(a.extract[1], "w") as dst:
        for name, g in src["weights"].items():
            for k in ["source_node_id", "target_node_id", "syn_weight", "delay"]:
                data = g[k][:]
                s, t = g["source_node_id"][:].astype(int), g["target_node_id"][:].astype(int)
                if a.symmetric and k == "syn_weight" and name in ("W_down", "W_PI"):
                    W21 = dense(src, "W_21")  # [P1, P2]; W_down and W_PI run [P2 or I1, P1]
                    data = W21[t, s] if name == "W_down" else -W21[t, s]
                elif a.exact and k == "syn_weight" and name in ("W_PI", "W_IP"):
                    ref = src["weights/" + ("W_down" if name == "W_PI" else "W_21")]
                    M = dense(src, ref.name.split("/")[-1])  # [pre, post] of the reference
                    data = -M[s, t] if name == "W_PI" else M[s, t]
                dst.create_dataset(f"weights/{name}/{k}", data=data)
            for k, v in g.attrs.items():
                dst["weights/" + name].attrs[k] = v
    print("wrote", a.extract[1])
    sys.exit(0)
if not (a.selfpred and a.result):
    ap.error("give the phase-1 and phase-2 result files")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

a1, a2 = 1.0 / 1.9, 1.0 / 1.1
phi = lambda u: 1.0 / (1.0 + np.exp(-u))
dphi = lambda u: phi(u) * (1.0 - phi(u))


def snapshots(f, name):
    g = f["weights/" + name]
    s, t = g["source_node_id"][:].astype(int), g["target_node_id"][:].astype(int)
    rows = f[f"weights/{name}/snapshots/values"][:]
    out = np.zeros((len(rows), s.max() + 1, t.max() + 1))
    out[:, s, t] = rows
    return out


def trial_length_ms(f):
    cfg = f["run/config"][()]
    cfg = cfg.decode() if isinstance(cfg, bytes) else str(cfg)
    for line in cfg.splitlines():
        if line.strip().startswith("length"):
            return float(line.split("=")[1].split("#")[0])
    raise SystemExit("no [trials] length in the run's config")


def rms_per_trial(v, T):
    n = len(v) // T
    return np.sqrt((v[: n * T].reshape(n, T, -1) ** 2).mean(axis=(1, 2)))


with h5py.File(a.data) as d:
    X, U = d["train/x"][:], d["train/u_target"][:]
    Xt, Ut = d["test/x"][:], d["test/u_target"][:]


def loss(W10, W21, x, u):
    return 0.5 * np.mean(np.sum((a2 * phi(a1 * x @ W10) @ W21 - u) ** 2, axis=1))


# Phase 1
with h5py.File(a.selfpred) as f:
    T1 = int(round(trial_length_ms(f)))
    vA1 = rms_per_trial(f["report/P1/data"][:], T1)
    Wd = dense(f, "W_down")
    pi = snapshots(f, "W_PI")
    sp_err = np.linalg.norm(pi + Wd, axis=(1, 2)) / np.linalg.norm(Wd)
    sp_t = np.linspace(0, len(vA1), len(pi))
print(f"phase 1: rms v_A first trial {vA1[0]:.4f}, last 10% {vA1[-len(vA1) // 10:].mean():.4f}; "
      f"|W_PI + W_down|/|W_down| {sp_err[0]:.3f} -> {sp_err[-1]:.3f}")

# Phase 2
with h5py.File(a.result) as f:
    T2 = int(round(trial_length_ms(f)))
    vA2 = rms_per_trial(f["report/P1/data"][:], T2)
    W10s, W21s = snapshots(f, "W_10"), snapshots(f, "W_21")
    Wd2 = dense(f, "W_down") if "weights/W_down" in f else Wd
trials = len(W10s) - 1
ang_bp, ang_fa, ang_out = [], [], []
for k in range(trials):
    x, u = X[k % len(X)], U[k % len(X)]
    W10, W21 = W10s[k], W21s[k]
    v1 = a1 * x @ W10
    r1 = phi(v1)
    v2 = a2 * r1 @ W21
    d2 = dphi(v2) * (v2 - u)
    g21 = a2 * np.outer(r1, d2)
    g10 = a1 * np.outer(x, a2 * (W21 @ d2) * dphi(v1))
    f10 = a1 * np.outer(x, a2 * (Wd2.T @ d2) * dphi(v1))
    up10, up21 = -(W10s[k + 1] - W10), -(W21s[k + 1] - W21)
    cos = lambda p, q: np.sum(p * q) / (np.linalg.norm(p) * np.linalg.norm(q))
    ang_bp.append(np.degrees(np.arccos(np.clip(cos(up10, g10), -1, 1))))
    ang_fa.append(np.degrees(np.arccos(np.clip(cos(up10, f10), -1, 1))))
    ang_out.append(np.degrees(np.arccos(np.clip(cos(up21, g21), -1, 1))))
ang_bp, ang_fa, ang_out = map(np.array, (ang_bp, ang_fa, ang_out))
every = max(1, trials // 100)
ks = np.arange(0, trials + 1, every)
mc_loss = np.array([loss(W10s[k], W21s[k], Xt, Ut) for k in ks])

# Backprop and feedback alignment on the same architecture, from the same weights, same order.
def sgd(feedback):
    W10, W21 = W10s[0].copy(), W21s[0].copy()
    curve = []
    for k in range(trials + 1):
        if k % every == 0:
            curve.append(loss(W10, W21, Xt, Ut))
        if k == trials:
            break
        x, u = X[k % len(X)], U[k % len(X)]
        v1 = a1 * x @ W10
        r1 = phi(v1)
        e = a2 * r1 @ W21 - u
        B = W21.T if feedback == "bp" else Wd2
        g10 = a1 * np.outer(x, a2 * (B.T @ e) * dphi(v1))
        W21 -= a.lr * a2 * np.outer(r1, e)
        W10 -= a.lr * g10
    return np.array(curve)


bp, fa = sgd("bp"), sgd("fa")
q = max(1, trials // 10)
print(f"phase 2 ({trials} trials of {T2} ms): test loss microcircuit {mc_loss[0]:.4f} -> {mc_loss[-1]:.4f}; "
      f"backprop (lr {a.lr}) -> {bp[-1]:.4f}; feedback alignment -> {fa[-1]:.4f}")
print(f"  rms v_A first 10% {vA2[:q].mean():.4f}, last 10% {vA2[-q:].mean():.4f}")
print(f"  angle of the hidden update to backprop: first 10% {ang_bp[:q].mean():.1f} deg, last 10% "
      f"{ang_bp[-q:].mean():.1f} deg; to the FA direction {ang_fa[:q].mean():.1f} -> {ang_fa[-q:].mean():.1f} deg; "
      f"output layer to its gradient {ang_out[:q].mean():.1f} -> {ang_out[-q:].mean():.1f} deg")

fig, ax = plt.subplots(2, 2, figsize=(11, 7.5))
ax[0, 0].semilogy(vA1, label="phase 1 (no teacher)")
ax[0, 0].semilogy(len(vA1) + np.arange(len(vA2)), vA2, label="phase 2 (teacher)")
ax[0, 0].set_xlabel("trial")
ax[0, 0].set_ylabel("rms apical potential $v_A$ (hidden)")
ax[0, 0].legend()
ax[0, 1].plot(sp_t, sp_err)
ax[0, 1].set_xlabel("trial (phase 1)")
ax[0, 1].set_ylabel("$|W_{PI} + W_{down}| / |W_{down}|$")
ax[1, 0].semilogy(ks, mc_loss, label="microcircuit")
ax[1, 0].semilogy(ks, bp, label=f"backprop (lr {a.lr})")
ax[1, 0].semilogy(ks, fa, label=f"feedback alignment (lr {a.lr})")
ax[1, 0].set_xlabel("trial (phase 2)")
ax[1, 0].set_ylabel("test loss $0.5|v_2 - u^*|^2$")
ax[1, 0].legend()
w = max(1, trials // 50)
smooth = lambda y: np.convolve(y, np.ones(w) / w, mode="valid")
ax[1, 1].plot(smooth(ang_bp), label="hidden update vs backprop")
ax[1, 1].plot(smooth(ang_fa), label="hidden update vs FA direction")
ax[1, 1].plot(smooth(ang_out), label="output update vs its gradient")
ax[1, 1].set_xlabel("trial (phase 2)")
ax[1, 1].set_ylabel(f"angle (deg, mean over {w} trials)")
ax[1, 1].legend()
fig.tight_layout()
fig.savefig(a.out, dpi=110)
print("wrote", a.out)
