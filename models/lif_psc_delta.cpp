#include "models/lif_psc_delta.hpp"

#include <cmath>

namespace apical {

LifPscDelta::Params LifPscDelta::parse(const ConfigNode& c) {
  Params p;
  p.C_m = c.number("C_m", p.C_m, Check::positive("pF"));
  p.tau_m = c.number("tau_m", p.tau_m, Check::positive("ms"));
  p.t_ref = c.number("t_ref", p.t_ref, Check::non_negative("ms"));
  p.E_L = c.number("E_L", p.E_L, Check::finite("mV"));
  p.V_reset = c.number("V_reset", p.V_reset, Check::finite("mV"));
  p.V_th = c.number("V_th", p.V_th, Check::finite("mV"));
  p.I_e = c.number("I_e", p.I_e, Check::finite("pA"));
  if (!(p.V_reset < p.V_th)) c.fail(c.has("V_reset") ? "V_reset" : "V_th", "V_reset must be below V_th");
  return p;
}

double LifPscDelta::find_crossing(const State& s, const Params& p, double I_ext, const Propagator& P) {
  double u0 = s.V_m - p.E_L;
  double u_inf = (p.I_e + I_ext) * p.tau_m / p.C_m;
  double theta = p.V_th - p.E_L;
  if (u_inf < theta || u0 >= theta) return u0 >= theta ? 0.0 : -1.0;
  if (u_inf == theta) return -1.0;  // approached, never reached
  double t = p.tau_m * std::log((u0 - u_inf) / (theta - u_inf));
  return t <= P.dt ? t : -1.0;
}

}  // namespace apical
