#include "models/lif_psc_delta.hpp"

#include <cmath>

#include "models/detail/membrane.hpp"

namespace apical {

LifPscDelta::Params LifPscDelta::parse(const ConfigNode& c) {
  Params p;
  detail::parse_membrane(c, p);
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
