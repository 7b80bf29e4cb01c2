// lif_psc_delta: leaky integrate-and-fire neuron with delta current synapses: an arriving spike
// moves V by its weight in mV at once. NEST equivalent: iaf_psc_delta (precise: iaf_psc_delta_ps).
//
//   C_m dV/dt = -(C_m/tau_m) (V - E_L) + I_e + I_ext;   spike with weight w [mV]:  V += w
//
// Between events V relaxes monotonically towards E_L + (I_e + I_ext) tau_m / C_m, so a crossing
// exists only if that level is at or above V_th and is located in closed form:
//   t* = tau_m ln((u0 - u_inf) / (theta - u_inf)),   u = V - E_L.
// A jump that takes V to or above V_th emits a spike at the jump's time (after every input of that
// same time has been added). Inputs arriving while refractory are discarded (NEST's default).
//
// Parameters: C_m 250 pF, tau_m 10 ms, t_ref 2 ms, E_L -70 mV, V_reset -70 mV, V_th -55 mV,
// I_e 0 pA. Receptors: "ex" and "in" (both add w; the sign of w decides). Observable: V_m (mV).
#pragma once
#include <algorithm>
#include <array>
#include <limits>
#include <cmath>

#include "core/config.hpp"

namespace apical {

struct LifPscDelta {
  static constexpr const char* name = "lif_psc_delta";
  static constexpr std::array<const char*, 2> receptors = {"ex", "in"};
  static constexpr std::array<const char*, 1> observables = {"V_m"};
  static constexpr std::array<const char*, 1> observable_units = {"mV"};
  static constexpr bool voltage_jumps = true;

  struct Params {
    double C_m = 250.0, tau_m = 10.0, t_ref = 2.0;
    double E_L = -70.0, V_reset = -70.0, V_th = -55.0, I_e = 0.0;
  };
  struct State {
    double V_m = -70.0;
  };

  static Params parse(const ConfigNode& params);
  static State initial(const Params& p) { return State{p.E_L}; }
  struct Propagator {
    double dt = 0.0, e_m = 1.0, one_minus_e_m = 0.0;
  };
  static Propagator propagator(const Params& p, double dt) {
    return {dt, std::exp(-dt / p.tau_m), -std::expm1(-dt / p.tau_m)};
  }
  static void propagate(State& s, const Params& p, double I_ext, const Propagator& P) {
    double u_inf = (p.I_e + I_ext) * p.tau_m / p.C_m;
    s.V_m = p.E_L + ((s.V_m - p.E_L) * P.e_m + u_inf * P.one_minus_e_m);
  }
  static void propagate_refractory(State&, const Params&, const Propagator&) {}
  // Between events V relaxes monotonically towards its fixed point: the maximum over [0, dt]
  // is at one end (the free drive of plasticity/rdd.hpp).
  static double maximum(const State& s, const Params& p, double I_ext, const Propagator& P) {
    State end = s;
    propagate(end, p, I_ext, P);
    return std::max(s.V_m, end.V_m);
  }
  static double find_crossing(const State& s, const Params& p, double I_ext, const Propagator& P);
  // A lower bound on the time to reach V_th without input (see LifPscExp::safe_time, with A = 0).
  static double safe_time(const State& s, const Params& p, double I_ext) {
    const double u0 = s.V_m - p.E_L, theta = p.V_th - p.E_L;
    if (!(u0 < theta)) return 0.0;
    const double u_inf = (p.I_e + I_ext) * p.tau_m / p.C_m;
    if (!std::isfinite(u_inf)) return 0.0;  // an overflowing drive: keep integrating, so it is seen
    if (u_inf <= theta) return std::numeric_limits<double>::infinity();
    return 0.999999 * (theta - u0) * p.tau_m / (u_inf - u0);
  }
  static void receive(State& s, int, double w) { s.V_m += w; }
  static void reset(State& s, const Params& p) { s.V_m = p.V_reset; }
  static bool above_threshold(const State& s, const Params& p) { return s.V_m >= p.V_th; }
  static double observable(const State& s, int) { return s.V_m; }
  static void set_observable(State& s, int, double v) { s.V_m = v; }
};

}  // namespace apical
