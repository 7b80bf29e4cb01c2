// The membrane parameters every LIF model shares, read and checked in one place.
#pragma once
#include "core/config.hpp"

namespace apical::detail {

// Reads C_m, tau_m, t_ref, E_L, V_reset, V_th, I_e into p (defaults: p's values).
template <class P>
void parse_membrane(const ConfigNode& c, P& p) {
  p.C_m = c.number("C_m", p.C_m, Check::positive("pF"));
  p.tau_m = c.number("tau_m", p.tau_m, Check::positive("ms"));
  p.t_ref = c.number("t_ref", p.t_ref, Check::non_negative("ms"));
  p.E_L = c.number("E_L", p.E_L, Check::finite("mV"));
  p.V_reset = c.number("V_reset", p.V_reset, Check::finite("mV"));
  p.V_th = c.number("V_th", p.V_th, Check::finite("mV"));
  p.I_e = c.number("I_e", p.I_e, Check::finite("pA"));
  // E_L above V_th is allowed (the CUBA benchmark's intrinsic drive); a reset at or above
  // threshold is not.
  if (!(p.V_reset < p.V_th)) c.fail(c.has("V_reset") ? "V_reset" : "V_th", "V_reset must be below V_th");
}

}  // namespace apical::detail
