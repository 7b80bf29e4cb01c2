// lif_cond_exp: leaky integrate-and-fire neuron with exponentially decaying conductances, the
// COBA neuron of Brette et al. 2007 (benchmark 1). NEST equivalent: iaf_cond_exp (same
// equations, parameter names and defaults). By default integrated in closed form plus quadrature
// between events (integrator method "exact": models/lif_cond_exp_exact.hpp, EventPopulation); with
// `integrator = { method = "dopri5", ... }` by OdePopulation (sim/ode_population.hpp), the reference.
//
//   C_m dV/dt   = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_ext
//   dg_ex/dt    = -g_ex / tau_syn_ex,        dg_in/dt = -g_in / tau_syn_in
//   spike arriving on receptor ex (in) with weight w [nS]:  g_ex += w  (g_in += w)
//
// Spike: V reaches V_th (located on the dense output). Then V := V_reset, clamped there for t_ref
// (dV/dt = 0) while the conductances decay and keep receiving input, as in NEST. Weights are
// conductance increments in nS on both receptors (positive; NEST instead flips negative weights
// to the inhibitory conductance).
//
// Parameters (key, default, unit):
//   C_m 250 pF, g_L 16.6667 nS, E_L -70 mV, V_th -55 mV, V_reset -60 mV, t_ref 2 ms,
//   E_ex 0 mV, E_in -85 mV, tau_syn_ex 0.2 ms, tau_syn_in 2 ms, I_e 0 pA.
// Initial state: V_m (default E_L), g_ex, g_in (0 nS).
// Observables: V_m (mV), g_ex (nS), g_in (nS).
#pragma once
#include <array>

#include "core/config.hpp"
#include "models/detail/membrane.hpp"

namespace apical {

struct LifCondExp {
  static constexpr const char* name = "lif_cond_exp";
  static constexpr std::array<const char*, 2> receptors = {"ex", "in"};
  static constexpr std::array<const char*, 3> observables = {"V_m", "g_ex", "g_in"};
  static constexpr std::array<const char*, 3> observable_units = {"mV", "nS", "nS"};
  static constexpr bool resets = true, clamp_refractory = true, voltage_jumps = false;

  struct Params {
    double C_m = 250.0, g_L = 16.6667, E_L = -70.0, V_th = -55.0, V_reset = -60.0, t_ref = 2.0;
    double E_ex = 0.0, E_in = -85.0, tau_syn_ex = 0.2, tau_syn_in = 2.0, I_e = 0.0;
  };
  using State = std::array<double, 3>;  // V_m, g_ex, g_in

  static Params parse(const ConfigNode& c) {
    Params p;
    detail::parse_membrane(c, p);
    detail::parse_conductance_synapses(c, p);
    return p;
  }
  static State initial(const Params& p) { return {p.E_L, 0.0, 0.0}; }

  static void rhs(const State& x, State& dx, const Params& p, double I_ext, bool refractory) {
    const double V = x[0];
    dx[0] = refractory ? 0.0
                       : (-p.g_L * (V - p.E_L) - x[1] * (V - p.E_ex) - x[2] * (V - p.E_in) + p.I_e + I_ext) / p.C_m;
    dx[1] = -x[1] / p.tau_syn_ex;
    dx[2] = -x[2] / p.tau_syn_in;
  }
  static double spike_fn(const State& x, const Params& p) { return x[0] - p.V_th; }
  static void reset(State& x, const Params& p) { x[0] = p.V_reset; }
  static void receive(State& x, int receptor, double w, const Params&) { x[receptor == 0 ? 1 : 2] += w; }
  static double observable(const State& x, int k) { return x[static_cast<std::size_t>(k)]; }
  static void set_observable(State& x, int k, double v) { x[static_cast<std::size_t>(k)] = v; }
};

}  // namespace apical
