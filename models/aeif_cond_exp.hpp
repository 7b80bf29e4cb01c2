// aeif_cond_exp: adaptive exponential integrate-and-fire neuron (AdEx; Brette & Gerstner 2005)
// with exponentially decaying conductances. NEST equivalent: aeif_cond_exp (same equations,
// parameter names and defaults). Integrated by OdePopulation (sim/ode_population.hpp).
//
//   C_m dV/dt  = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T) - g_ex (V - E_ex)
//                - g_in (V - E_in) - w + I_e + I_ext
//   tau_w dw/dt = a (V - E_L) - w
//   dg_ex/dt = -g_ex / tau_syn_ex,  dg_in/dt = -g_in / tau_syn_in;  input w [nS]: g += w
//
// Spike: V reaches V_peak (the exponential's blow-up is cut there; as NEST, V is bounded by V_peak
// inside the right-hand side so the exponential cannot overflow on a trial step). Then
// V := V_reset, w := w + b, and for t_ref V is clamped at V_reset while w follows
// tau_w dw/dt = a (V_reset - E_L) - w (NEST's refractory dynamics).
//
// Parameters (key, default, unit):
//   C_m 281 pF, g_L 30 nS, E_L -70.6 mV, V_th -50.4 mV, Delta_T 2 mV, V_peak 0 mV,
//   V_reset -60 mV, t_ref 0 ms, a 4 nS, b 80.5 pA, tau_w 144 ms, E_ex 0 mV, E_in -85 mV,
//   tau_syn_ex 0.2 ms, tau_syn_in 2 ms, I_e 0 pA.
// Initial state: V_m (default E_L), w (0 pA), g_ex, g_in (0 nS).
// Observables: V_m (mV), w (pA), g_ex (nS), g_in (nS).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>

#include "core/config.hpp"
#include "models/detail/membrane.hpp"

namespace apical {

struct AeifCondExp {
  static constexpr const char* name = "aeif_cond_exp";
  static constexpr std::array<const char*, 2> receptors = {"ex", "in"};
  static constexpr std::array<const char*, 4> observables = {"V_m", "w", "g_ex", "g_in"};
  static constexpr std::array<const char*, 4> observable_units = {"mV", "pA", "nS", "nS"};
  static constexpr bool resets = true, clamp_refractory = true, voltage_jumps = false;

  struct Params {
    double C_m = 281.0, g_L = 30.0, E_L = -70.6, V_th = -50.4, Delta_T = 2.0, V_peak = 0.0;
    double V_reset = -60.0, t_ref = 0.0, a = 4.0, b = 80.5, tau_w = 144.0;
    double E_ex = 0.0, E_in = -85.0, tau_syn_ex = 0.2, tau_syn_in = 2.0, I_e = 0.0;
  };
  using State = std::array<double, 4>;  // V_m, w, g_ex, g_in

  static Params parse(const ConfigNode& c) {
    Params p;
    p.C_m = c.number("C_m", p.C_m, Check::positive("pF"));
    p.g_L = c.number("g_L", p.g_L, Check::positive("nS"));
    p.E_L = c.number("E_L", p.E_L, Check::finite("mV"));
    p.V_th = c.number("V_th", p.V_th, Check::finite("mV"));
    p.Delta_T = c.number("Delta_T", p.Delta_T, Check::positive("mV"));
    p.V_peak = c.number("V_peak", p.V_peak, Check::finite("mV"));
    p.V_reset = c.number("V_reset", p.V_reset, Check::finite("mV"));
    p.t_ref = c.number("t_ref", p.t_ref, Check::non_negative("ms"));
    p.a = c.number("a", p.a, Check::finite("nS"));
    p.b = c.number("b", p.b, Check::finite("pA"));
    p.tau_w = c.number("tau_w", p.tau_w, Check::positive("ms"));
    detail::parse_conductance_synapses(c, p);
    p.I_e = c.number("I_e", p.I_e, Check::finite("pA"));
    if (!(p.V_peak > p.V_th)) c.fail(c.has("V_peak") ? "V_peak" : "V_th", "V_peak must be above V_th");
    if (!(p.V_reset < p.V_peak)) c.fail("V_reset", "V_reset must be below V_peak");
    return p;
  }
  static State initial(const Params& p) { return {p.E_L, 0.0, 0.0, 0.0}; }

  static void rhs(const State& x, State& dx, const Params& p, double I_ext, bool refractory) {
    const double V = refractory ? p.V_reset : std::min(x[0], p.V_peak);
    const double spike = p.g_L * p.Delta_T * std::exp((V - p.V_th) / p.Delta_T);
    dx[0] = refractory ? 0.0
                       : (-p.g_L * (V - p.E_L) + spike - x[2] * (V - p.E_ex) - x[3] * (V - p.E_in) - x[1] + p.I_e +
                          I_ext) / p.C_m;
    dx[1] = (p.a * (V - p.E_L) - x[1]) / p.tau_w;
    dx[2] = -x[2] / p.tau_syn_ex;
    dx[3] = -x[3] / p.tau_syn_in;
  }
  static double spike_fn(const State& x, const Params& p) { return x[0] - p.V_peak; }
  static void reset(State& x, const Params& p) {
    x[0] = p.V_reset;
    x[1] += p.b;
  }
  static void receive(State& x, int receptor, double w, const Params&) { x[receptor == 0 ? 2 : 3] += w; }
  static double observable(const State& x, int k) { return x[static_cast<std::size_t>(k)]; }
  static void set_observable(State& x, int k, double v) { x[static_cast<std::size_t>(k)] = v; }
};

}  // namespace apical
