// hh_cond_exp_traub: the Hodgkin-Huxley neuron of Brette et al. 2007 benchmark 3 (COBAHH), with
// the Traub & Miles (1991) sodium and potassium channels as modified by Destexhe et al. (2001),
// and exponentially decaying conductances. NEST equivalent: hh_cond_exp_traub (same equations,
// parameter names and defaults).
//
//   C_m dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L)
//               - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_ext
//   dx/dt = alpha_x (1 - x) - beta_x x   for x = m, h, n, with u = V - V_T (mV, rates 1/ms):
//     alpha_m = 0.32 (13 - u) / (exp((13 - u)/4) - 1),   beta_m = 0.28 (u - 40) / (exp((u - 40)/5) - 1)
//     alpha_h = 0.128 exp((17 - u)/18),                  beta_h = 4 / (1 + exp((40 - u)/5))
//     alpha_n = 0.032 (15 - u) / (exp((15 - u)/5) - 1),  beta_n = 0.5 exp((10 - u)/40)
//   (the removable singularities x/(e^{x/k} - 1) are evaluated with expm1 and their limit k)
//   dg_ex/dt = -g_ex / tau_syn_ex,  dg_in/dt = -g_in / tau_syn_in;  input w [nS]: g += w
//
// Spike: an upward crossing of V_spike (default V_T + 30 mV, NEST's detection level), outside the
// refractory period t_ref; no reset (the channels repolarise the membrane), and a crossing counts
// only after V has been below V_spike again. (NEST reports the spike at the step after the peak
// above that level; apical at the crossing itself, located on the dense output.)
//
// Parameters (key, default, unit): C_m 200 pF, g_Na 20000 nS, g_K 6000 nS, g_L 10 nS,
//   E_Na 50 mV, E_K -90 mV, E_L -60 mV, V_T -63 mV, V_spike V_T + 30 mV, E_ex 0 mV,
//   E_in -80 mV, tau_syn_ex 5 ms, tau_syn_in 10 ms, t_ref 2 ms, I_e 0 pA.
// Initial state: V_m (default E_L); m, h, n at their steady state at the initial V_m (values given
// for them in `initial` are replaced by it); g_ex, g_in 0 nS.
// Observables: V_m (mV), m, h, n (1), g_ex (nS), g_in (nS).
#pragma once
#include <array>
#include <cmath>

#include "core/config.hpp"
#include "models/detail/membrane.hpp"

namespace apical {

struct HhCondExpTraub {
  static constexpr const char* name = "hh_cond_exp_traub";
  static constexpr std::array<const char*, 2> receptors = {"ex", "in"};
  static constexpr std::array<const char*, 6> observables = {"V_m", "m", "h", "n", "g_ex", "g_in"};
  static constexpr std::array<const char*, 6> observable_units = {"mV", "1", "1", "1", "nS", "nS"};
  static constexpr bool resets = false, clamp_refractory = false, voltage_jumps = false;

  struct Params {
    double C_m = 200.0, g_Na = 20000.0, g_K = 6000.0, g_L = 10.0;
    double E_Na = 50.0, E_K = -90.0, E_L = -60.0, V_T = -63.0, V_spike = -33.0;
    double E_ex = 0.0, E_in = -80.0, tau_syn_ex = 5.0, tau_syn_in = 10.0, t_ref = 2.0, I_e = 0.0;
  };
  using State = std::array<double, 6>;  // V_m, m, h, n, g_ex, g_in

  static Params parse(const ConfigNode& c) {
    Params p;
    p.C_m = c.number("C_m", p.C_m, Check::positive("pF"));
    p.g_Na = c.number("g_Na", p.g_Na, Check::non_negative("nS"));
    p.g_K = c.number("g_K", p.g_K, Check::non_negative("nS"));
    p.g_L = c.number("g_L", p.g_L, Check::non_negative("nS"));
    p.E_Na = c.number("E_Na", p.E_Na, Check::finite("mV"));
    p.E_K = c.number("E_K", p.E_K, Check::finite("mV"));
    p.E_L = c.number("E_L", p.E_L, Check::finite("mV"));
    p.V_T = c.number("V_T", p.V_T, Check::finite("mV"));
    p.V_spike = c.number("V_spike", p.V_T + 30.0, Check::finite("mV"));
    detail::parse_conductance_synapses(c, p);
    p.t_ref = c.number("t_ref", p.t_ref, Check::non_negative("ms"));
    p.I_e = c.number("I_e", p.I_e, Check::finite("pA"));
    return p;
  }

  // x / (exp(x/k) - 1), continuous at x = 0 (limit k).
  static double vtrap(double x, double k) {
    const double y = x / k;
    return std::fabs(y) < 1e-7 ? k * (1.0 - 0.5 * y) : x / std::expm1(y);
  }
  struct Rates {
    double am, bm, ah, bh, an, bn;
  };
  static Rates rates(double V, const Params& p) {
    const double u = V - p.V_T;
    return {0.32 * vtrap(13.0 - u, 4.0), 0.28 * vtrap(u - 40.0, 5.0),
            0.128 * std::exp((17.0 - u) / 18.0), 4.0 / (1.0 + std::exp((40.0 - u) / 5.0)),
            0.032 * vtrap(15.0 - u, 5.0), 0.5 * std::exp((10.0 - u) / 40.0)};
  }
  static State initial(const Params& p) {
    State x{p.E_L, 0.0, 0.0, 0.0, 0.0, 0.0};
    settle_gates(x, p);
    return x;
  }
  static void settle(State& x, const Params& p) { settle_gates(x, p); }
  static void settle_gates(State& x, const Params& p) {
    const Rates r = rates(x[0], p);
    x[1] = r.am / (r.am + r.bm);
    x[2] = r.ah / (r.ah + r.bh);
    x[3] = r.an / (r.an + r.bn);
  }

  static void rhs(const State& x, State& dx, const Params& p, double I_ext, bool) {
    const double V = x[0], m = x[1], h = x[2], n = x[3];
    const Rates r = rates(V, p);
    const double m3 = m * m * m, n2 = n * n;
    const double I = -p.g_Na * m3 * h * (V - p.E_Na) - p.g_K * n2 * n2 * (V - p.E_K) - p.g_L * (V - p.E_L) -
                     x[4] * (V - p.E_ex) - x[5] * (V - p.E_in) + p.I_e + I_ext;
    dx[0] = I / p.C_m;
    dx[1] = r.am * (1.0 - m) - r.bm * m;
    dx[2] = r.ah * (1.0 - h) - r.bh * h;
    dx[3] = r.an * (1.0 - n) - r.bn * n;
    dx[4] = -x[4] / p.tau_syn_ex;
    dx[5] = -x[5] / p.tau_syn_in;
  }
  static double spike_fn(const State& x, const Params& p) { return x[0] - p.V_spike; }
  static void reset(State&, const Params&) {}
  static void receive(State& x, int receptor, double w, const Params&) { x[receptor == 0 ? 4 : 5] += w; }
  static double observable(const State& x, int k) { return x[static_cast<std::size_t>(k)]; }
  static void set_observable(State& x, int k, double v) { x[static_cast<std::size_t>(k)] = v; }
};

}  // namespace apical
