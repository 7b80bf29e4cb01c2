#!/usr/bin/python3
"""How the clock-driven version of a network approaches its event-driven version as h shrinks.

    /usr/bin/python3 examples/discretisation.py [--apical build/apical] [-o discretisation.png]

The same small network twice: 50 fixed input spike trains (Poisson 20 Hz, off-grid times, the
same for every run) onto 20 LIF neurons, all-to-all, weights normal(90, 30) pA, delay 1 ms,
1000 ms.
  event-driven:  lif_psc_exp (C_m 250 pF, tau_m 10 ms, tau_syn_ex 5 ms, E_L = V_reset = -70 mV,
                 V_th = -55 mV, t_ref 2 ms), exact integration, exact spike times.
  clock-driven:  lif_discrete with the same time constants in units of the threshold distance:
                 V = (V_m - E_L) / (V_th - E_L), weights w kappa / (C_m (V_th - E_L)) with
                 kappa = (e^{-h/tau_syn} - e^{-h/tau_m}) / (1/tau_m - 1/tau_syn): then its update
                 V <- beta V + I, I <- alpha I + x is the exact propagator of the continuous
                 neuron for inputs on the grid. What remains is the grid itself: inputs act from
                 the step after they arrive, spikes are emitted at the step after the crossing,
                 the refractory clamp lasts t_ref + h.
Both run at h = 1, 0.5, 0.25, 0.1 ms (the event-driven result does not depend on h: its spike
times are exact; the script checks that). Measured per h: the mean |spike-time difference| of
matched spikes (each clock spike paired with the nearest event-driven spike of the same neuron),
the relative spike-count difference, and the RMS membrane difference on a 1 ms grid (mV).
Writes a two-panel figure and prints the table.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

N_IN, N, T_MS = 50, 20, 1000.0
C_M, TAU_M, TAU_S, E_L, V_TH, V_RESET, T_REF = 250.0, 10.0, 5.0, -70.0, -55.0, -70.0, 2.0
W_MEAN, W_STD, RATE = 90.0, 30.0, 20.0
HS = [1.0, 0.5, 0.25, 0.1]


def input_trains(path, seed=3):
    """Fixed off-grid Poisson trains as a SONATA spike file (the same for every run)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    ids, times = [], []
    for i in range(N_IN):
        t = np.cumsum(rng.exponential(1000.0 / RATE, size=int(3 * RATE * T_MS / 1000) + 10))
        t = t[t < T_MS - 5]
        ids.append(np.full(t.size, i, dtype=np.uint64))
        times.append(t)
    ids, times = np.concatenate(ids), np.concatenate(times)
    order = np.argsort(times, kind="stable")
    with h5py.File(path, "w") as f:
        g = f.create_group("spikes/inputs")
        g.create_dataset("timestamps", data=times[order])
        g.create_dataset("node_ids", data=ids[order])
        g["timestamps"].attrs["units"] = "ms"


def config(h, clock, spikes):
    kappa = (np.exp(-h / TAU_S) - np.exp(-h / TAU_M)) / (1.0 / TAU_M - 1.0 / TAU_S)
    scale = kappa / (C_M * (V_TH - E_L)) if clock else 1.0
    if clock:
        neuron = (f'model = "lif_discrete"\nsize = {N}\nparams = {{ tau_m = {TAU_M}, tau_syn = {TAU_S}, V_th = 1.0, '
                  f'V_reset = {(V_RESET - E_L) / (V_TH - E_L)}, t_ref = {T_REF} }}')
    else:
        neuron = (f'model = "lif_psc_exp"\nsize = {N}\nparams = {{ C_m = {C_M}, tau_m = {TAU_M}, tau_syn_ex = {TAU_S}, '
                  f'E_L = {E_L}, V_reset = {V_RESET}, V_th = {V_TH}, t_ref = {T_REF} }}')
    return f"""[simulation]
dt = {h}
duration = {T_MS}
seed = 1
[populations.inputs]
model = "spike_generator"
size = {N_IN}
params = {{ file = "{spikes}", population = "inputs" }}
[populations.lif]
{neuron}
[projections.in_lif]
source = "inputs"
target = "lif"
connectivity = {{ rule = "all_to_all" }}
weight = {{ distribution = "normal", mean = {float(W_MEAN * scale)!r}, std = {float(W_STD * scale)!r} }}
delay = 1.0
[output]
spikes = ["lif"]
[[output.reports]]
population = "lif"
variables = ["V_m"]
interval = 1.0
"""


def run(apical, h, clock, spikes, tmp):
    name = f"{'clock' if clock else 'event'}_{h}"
    cfg = os.path.join(tmp, name + ".toml")
    out = os.path.join(tmp, name + ".h5")
    with open(cfg, "w") as f:
        f.write(config(h, clock, spikes))
    subprocess.run([apical, "run", cfg, "-o", out, "-q"], check=True, stdout=subprocess.DEVNULL)
    with h5py.File(out, "r") as f:
        t = f["spikes/lif/timestamps"][()]
        ids = f["spikes/lif/node_ids"][()]
        v = f["report/lif/data"][()].astype(np.float64)
    if clock:
        v = E_L + v * (V_TH - E_L)
    return [np.sort(t[ids == i]) for i in range(N)], v


def compare(ref, other):
    (rs, rv), (cs, cv) = ref, other
    dts = []
    for a, b in zip(rs, cs):
        if a.size and b.size:
            dts.extend(np.min(np.abs(b[:, None] - a[None, :]), axis=1))
    n_ref = sum(a.size for a in rs)
    n = sum(b.size for b in cs)
    rms = float(np.sqrt(np.mean((rv - cv) ** 2)))
    return float(np.mean(dts)) if dts else float("nan"), (n - n_ref) / n_ref, rms, n_ref, n


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--apical", default=os.path.join(os.path.dirname(__file__), "..", "build", "apical"))
    ap.add_argument("-o", "--output", default="discretisation.png")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        spikes = os.path.join(tmp, "inputs.h5")
        input_trains(spikes)
        event = {h: run(a.apical, h, False, spikes, tmp) for h in HS}
        ref = event[HS[-1]]
        for h in HS:  # exact spike times: the event-driven run is the same at every h
            assert all(np.allclose(x, y, atol=1e-9) for x, y in zip(event[h][0], ref[0])), h
        rows = [(h,) + compare(ref, run(a.apical, h, True, spikes, tmp)) for h in HS]
    print(f"{'h (ms)':>7} {'mean |dt| (ms)':>15} {'count diff':>11} {'RMS dV (mV)':>12} {'spikes event/clock':>19}")
    for h, dt, dn, rms, n_ref, n in rows:
        print(f"{h:7.2f} {dt:15.4f} {100 * dn:10.2f}% {rms:12.4f} {n_ref:9d}/{n:<9d}")
    hs = np.array([r[0] for r in rows])
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
    ax[0].loglog(hs, [r[1] for r in rows], "o-", label="mean |spike-time difference|")
    ax[0].loglog(hs, hs * rows[0][1] / hs[0], "k:", label="∝ h")
    ax[0].set_xlabel("h (ms)")
    ax[0].set_ylabel("ms")
    ax[0].legend(fontsize=8)
    ax[1].loglog(hs, [r[3] for r in rows], "s-", label="RMS membrane difference")
    ax[1].loglog(hs, [abs(r[2]) * 100 for r in rows], "^-", label="|spike-count difference| (%)")
    ax[1].set_xlabel("h (ms)")
    ax[1].set_ylabel("mV  |  %")
    ax[1].legend(fontsize=8)
    fig.suptitle("clock-driven lif_discrete vs event-driven lif_psc_exp (20 neurons, 50 inputs, 1 s)", fontsize=9)
    fig.tight_layout()
    fig.savefig(a.output, dpi=120)
    print("wrote", a.output)


if __name__ == "__main__":
    main(sys.argv[1:])
