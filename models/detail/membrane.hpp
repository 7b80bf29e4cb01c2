// The membrane parameters every LIF model shares, read and checked in one place.
#pragma once
#include "core/config.hpp"

namespace apical::detail {

// Reads C_m, the leak (tau_m, or g_L for models parametrised by conductance), t_ref, E_L, V_reset,
// V_th, I_e into p (defaults: p's values).
template <class P>
void parse_membrane(const ConfigNode& c, P& p) {
  p.C_m = c.number("C_m", p.C_m, Check::positive("pF"));
  if constexpr (requires { p.tau_m; })
    p.tau_m = c.number("tau_m", p.tau_m, Check::positive("ms"));
  else
    p.g_L = c.number("g_L", p.g_L, Check::positive("nS"));
  p.t_ref = c.number("t_ref", p.t_ref, Check::non_negative("ms"));
  p.E_L = c.number("E_L", p.E_L, Check::finite("mV"));
  p.V_reset = c.number("V_reset", p.V_reset, Check::finite("mV"));
  p.V_th = c.number("V_th", p.V_th, Check::finite("mV"));
  p.I_e = c.number("I_e", p.I_e, Check::finite("pA"));
  // E_L above V_th is allowed (the CUBA benchmark's intrinsic drive); a reset at or above
  // threshold is not.
  if (!(p.V_reset < p.V_th)) c.fail(c.has("V_reset") ? "V_reset" : "V_th", "V_reset must be below V_th");
}

// Reads the conductance synapses' E_ex, E_in, tau_syn_ex, tau_syn_in into p.
template <class P>
void parse_conductance_synapses(const ConfigNode& c, P& p) {
  p.E_ex = c.number("E_ex", p.E_ex, Check::finite("mV"));
  p.E_in = c.number("E_in", p.E_in, Check::finite("mV"));
  p.tau_syn_ex = c.number("tau_syn_ex", p.tau_syn_ex, Check::positive("ms"));
  p.tau_syn_in = c.number("tau_syn_in", p.tau_syn_in, Check::positive("ms"));
}

}  // namespace apical::detail
