#!/usr/bin/python3
"""Reference spike times and voltage of one hh_cond_exp_traub neuron, integrated independently of
apical (SciPy's DOP853 at rtol = atol = 1e-12), for tests/validation/test_ode_models.cpp.

    /usr/bin/python3 data/make_hh_traub_reference.py   # writes data/reference/ode/hh_traub.h5

The equations are NEST's hh_cond_exp_traub (Brette et al. 2007 benchmark 3), written here from
the published formulas: models/hh_cond_exp_traub.hpp states them. The neuron starts at E_L with
m, h, n at their steady state, receives a constant current I_e and conductance jumps at the
arrival times stored as attributes (ms; weights in nS), and spikes at upward crossings of
V_spike = V_T + 30 mV outside a refractory period of t_ref (none come close to it here).
Output: /spike_times (ms), /t and /V_m (every 0.1 ms, left limits), all parameters as attributes.
"""
import os

import h5py
import numpy as np
from scipy.integrate import solve_ivp

P = dict(C_m=200.0, g_Na=20000.0, g_K=6000.0, g_L=10.0, E_Na=50.0, E_K=-90.0, E_L=-60.0,
         V_T=-63.0, E_ex=0.0, E_in=-80.0, tau_syn_ex=5.0, tau_syn_in=10.0, t_ref=2.0, I_e=150.0)
P["V_spike"] = P["V_T"] + 30.0
DURATION = 200.0
EX_TIMES = [20.1, 20.6, 95.3, 140.2]   # arrival times of excitatory inputs, ms
EX_W = 30.0                            # nS
IN_TIMES = [60.4, 150.0]
IN_W = 80.0                            # nS
TOL = 1e-12


def vtrap(x, k):
    y = x / k
    return k * (1.0 - 0.5 * y) if abs(y) < 1e-7 else x / np.expm1(y)


def rates(V):
    u = V - P["V_T"]
    return (0.32 * vtrap(13.0 - u, 4.0), 0.28 * vtrap(u - 40.0, 5.0),
            0.128 * np.exp((17.0 - u) / 18.0), 4.0 / (1.0 + np.exp((40.0 - u) / 5.0)),
            0.032 * vtrap(15.0 - u, 5.0), 0.5 * np.exp((10.0 - u) / 40.0))


def rhs(_t, y):
    V, m, h, n, ge, gi = y
    am, bm, ah, bh, an, bn = rates(V)
    I = (-P["g_Na"] * m ** 3 * h * (V - P["E_Na"]) - P["g_K"] * n ** 4 * (V - P["E_K"])
         - P["g_L"] * (V - P["E_L"]) - ge * (V - P["E_ex"]) - gi * (V - P["E_in"]) + P["I_e"])
    return [I / P["C_m"], am * (1 - m) - bm * m, ah * (1 - h) - bh * h, an * (1 - n) - bn * n,
            -ge / P["tau_syn_ex"], -gi / P["tau_syn_in"]]


def main():
    am, bm, ah, bh, an, bn = rates(P["E_L"])
    y = np.array([P["E_L"], am / (am + bm), ah / (ah + bh), an / (an + bn), 0.0, 0.0])
    events = sorted([(t, 4, EX_W) for t in EX_TIMES] + [(t, 5, IN_W) for t in IN_TIMES])
    grid = np.round(np.arange(0.0, DURATION, 0.1), 10)
    V_out = np.full(grid.size, np.nan)
    spikes = []
    t0 = 0.0
    for t_end, idx, w in events + [(DURATION, None, 0.0)]:
        def crossing(_t, yy):
            return yy[0] - P["V_spike"]
        crossing.direction = 1.0
        sol = solve_ivp(rhs, (t0, t_end), y, method="DOP853", rtol=TOL, atol=TOL, dense_output=True,
                        events=crossing)
        for ts in sol.t_events[0]:
            if not spikes or ts >= spikes[-1] + P["t_ref"]:
                spikes.append(ts)
        # left limits: grid times in [t0, t_end) from this piece (the input at t_end comes after)
        sel = (grid >= t0) & (grid < t_end)
        if sel.any():
            V_out[sel] = sol.sol(grid[sel])[0]
        y = sol.y[:, -1].copy()
        if idx is not None:
            y[idx] += w
        t0 = t_end
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference", "ode", "hh_traub.h5")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with h5py.File(out, "w") as f:
        f["spike_times"] = np.array(spikes)
        f["t"] = grid
        f["V_m"] = V_out
        for k, v in P.items():
            f.attrs[k] = v
        f.attrs["duration"] = DURATION
        f.attrs["ex_times"] = EX_TIMES
        f.attrs["ex_weight"] = EX_W
        f.attrs["in_times"] = IN_TIMES
        f.attrs["in_weight"] = IN_W
        f.attrs["integrator"] = "scipy.integrate.solve_ivp DOP853, rtol = atol = %g" % TOL
        f.attrs["scipy"] = __import__("scipy").__version__
    print(out, len(spikes), "spikes:", np.round(spikes, 4))


if __name__ == "__main__":
    main()
