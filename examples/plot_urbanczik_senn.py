#!/usr/bin/python3
"""The Urbanczik-Senn single-neuron protocol (examples/urbanczik_senn.toml; SCIENCE.md 4.1).

    apical run examples/urbanczik_senn.toml -o urbanczik_senn.h5
    /usr/bin/python3 examples/plot_urbanczik_senn.py urbanczik_senn.h5 -o urbanczik_senn.png

Reads the cell's report (U, V_w_star at 1 ms), the teacher conductances from the data file
(examples/urbanczik_senn.h5), computes the matching potential U_M = (g_E E_E + g_I E_I)/(g_E + g_I)
(the conductances of step s act from step s + 1: the projections' delay is one step), and draws
V*_w and U against U_M in the first and the last pattern period, and the RMS error and correlation
of V*_w against U_M for every 200 ms period. Prints those numbers for the first and last periods.
Needs h5py, numpy, matplotlib.
"""
import argparse

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("result")
ap.add_argument("--data", default="examples/urbanczik_senn.h5")
ap.add_argument("-o", "--out", default="urbanczik_senn.png")
a = ap.parse_args()

E_E, E_I, period = 14.0 / 3.0, -1.0 / 3.0, 200  # period in 1 ms samples
with h5py.File(a.result) as f:
    U = f["report/cell/data"][:, 0]  # first variable of the report: U
    V = f["report/cell__V_w_star/data"][:, 0]
with h5py.File(a.data) as d:
    gE, gI = d["inputs/g_E"][0, :, 0], d["inputs/g_I"][0, :, 0]
steps = len(gE)
t = np.arange(len(V))  # ms
s = (t * 10 - 1) % steps  # the sample at t ms reads the conductances of step 10 t - 1
UM = (gE[s] * E_E + gI[s] * E_I) / (gE[s] + gI[s])
n = len(V) // period
rmse = np.array([np.sqrt(np.mean((V[k * period:(k + 1) * period] - UM[k * period:(k + 1) * period]) ** 2)) for k in range(n)])
corr = np.array([np.corrcoef(V[k * period:(k + 1) * period], UM[k * period:(k + 1) * period])[0, 1] for k in range(n)])
print("period  rmse(V*_w - U_M)  corr")
for k in sorted({0, 1, 4, 9, n // 2, n - 5, n - 1}):
    if 0 <= k < n:
        print(f"{k:6d}  {rmse[k]:16.3f}  {corr[k]:5.3f}")
print(f"last 10 periods: rmse {rmse[-10:].mean():.3f}, corr {corr[-10:].mean():.3f}")

fig, ax = plt.subplots(3, 1, figsize=(9, 9))
for axis, k, title in [(ax[0], 0, "first period"), (ax[1], n - 1, "last period")]:
    sl = slice(k * period, (k + 1) * period)
    axis.plot(t[sl] - t[sl][0], UM[sl], "r", label="$U_M$ (teacher)")
    axis.plot(t[sl] - t[sl][0], U[sl], color="darkblue", lw=0.8, label="$U$ (soma)")
    axis.plot(t[sl] - t[sl][0], V[sl], "b--", label="$V^*_w$ (dendritic prediction)")
    axis.set_title(f"{title} (pattern {k})")
    axis.set_xlabel("time in pattern (ms)")
    axis.set_ylabel("potential (dimensionless)")
    axis.legend(fontsize=8, loc="upper right")
ax[2].plot(rmse, label="rms($V^*_w - U_M$)")
ax[2].plot(corr, label="corr($V^*_w$, $U_M$)")
ax[2].set_xlabel("pattern repetition")
ax[2].legend()
fig.tight_layout()
fig.savefig(a.out, dpi=110)
print("wrote", a.out)
