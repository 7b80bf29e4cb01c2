// lif_psc_exp: leaky integrate-and-fire neuron with exponentially decaying current synapses,
// integrated exactly between events. NEST equivalent: iaf_psc_exp (precise: iaf_psc_exp_ps).
//
//   C_m dV/dt   = -(C_m/tau_m) (V - E_L) + I_ex + I_in + I_e + I_ext
//   dI_ex/dt    = -I_ex / tau_syn_ex,        dI_in/dt = -I_in / tau_syn_in
//   spike arriving on receptor ex (in) with weight w [pA]:  I_ex += w  (I_in += w)
//
// Threshold and reset: a spike is emitted at the first time V reaches V_th (V >= V_th). The time
// is found exactly: between two events V(t) is a sum of at most three exponentials, so V' has at
// most two zeros; they are bracketed analytically (see find_crossing in the .cpp), V is monotone
// between them, and the crossing is located on the monotone piece by safeguarded Newton to about
// 1e-13 ms. No crossing between events can be missed, including one where V rises above V_th and
// falls back before the next event. After a spike V is clamped to V_reset for t_ref; synaptic
// currents keep decaying and keep receiving input while refractory (as NEST).
// I_ext is the sum of current sources (dc, step, noise), piecewise constant on the grid.
//
// Parameters (key, default, unit):
//   C_m 250 pF, tau_m 10 ms, tau_syn_ex 2 ms, tau_syn_in 2 ms, t_ref 2 ms, E_L -70 mV,
//   V_reset -70 mV, V_th -55 mV, I_e 0 pA.   Initial state: V_m (default E_L), I_ex, I_in (0 pA).
// Observables: V_m (mV), I_ex (pA), I_in (pA). Free drive (plasticity/rdd.hpp): exact maximum
// between events (maximum()).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "core/config.hpp"

namespace apical {

struct LifPscExp {
  static constexpr const char* name = "lif_psc_exp";
  static constexpr std::array<const char*, 2> receptors = {"ex", "in"};
  static constexpr std::array<const char*, 3> observables = {"V_m", "I_ex", "I_in"};
  static constexpr std::array<const char*, 3> observable_units = {"mV", "pA", "pA"};
  static constexpr bool voltage_jumps = false;  // inputs never move V discontinuously

  struct Params {
    double C_m = 250.0, tau_m = 10.0, tau_syn_ex = 2.0, tau_syn_in = 2.0, t_ref = 2.0;
    double E_L = -70.0, V_reset = -70.0, V_th = -55.0, I_e = 0.0;
    // Derived by derive() only, so that the hot loop has no division.
    double inv_C = 0, inv_tau_m = 0, R = 0, inv_tau_ex = 0, inv_tau_in = 0, k_ex = 0, k_in = 0;
    double theta = 0;  // V_th - E_L
  };
  static void derive(Params& p);
  struct State {
    double V_m = -70.0, I_ex = 0.0, I_in = 0.0;
  };

  static Params parse(const ConfigNode& params);  // validates; throws ConfigError
  static State initial(const Params& p) { return State{p.E_L, 0.0, 0.0}; }

  // Everything about an interval of length dt that does not depend on the state: computed once
  // per interval, or once per run for the common interval of a whole epoch.
  struct Propagator {
    double dt = 0.0;
    double e_m = 1.0, one_minus_e_m = 0.0;  // exp(-dt/tau_m), 1 - exp(-dt/tau_m)
    double e_ex = 1.0, e_in = 1.0;          // exp(-dt/tau_syn)
    double phi_ex = 0.0, phi_in = 0.0;      // decay_integral(k_syn, dt)
    double ek_ex = 1.0, ek_in = 1.0;        // exp(-k_syn dt)
  };
  static Propagator propagator(const Params& p, double dt);

  // Advance a non-refractory neuron by P.dt under constant I_ext.
  static void propagate(State& s, const Params& p, double I_ext, const Propagator& P);
  // While refractory V is clamped; only the currents decay.
  static void propagate_refractory(State& s, const Params&, const Propagator& P) {
    s.I_ex *= P.e_ex;
    s.I_in *= P.e_in;
  }
  // First time in (0, P.dt] at which V reaches V_th, or a negative value if it does not.
  static double find_crossing(const State& s, const Params& p, double I_ext, const Propagator& P);
  // The maximum of V over [0, P.dt] under constant I_ext, with no threshold (the free drive of
  // plasticity/rdd.hpp): V at both ends and at every critical point inside, the zeros of g
  // located as in find_crossing (at most two, since g' has at most one zero).
  static double maximum(const State& s, const Params& p, double I_ext, const Propagator& P);
  // The hot path: advance by P.dt and return -1 if V stays below V_th; otherwise leave the state
  // as it was and return the crossing time. Decides most intervals without any exp or log.
  // Inline: it runs once per neuron and epoch.
  static double advance_unless_crossing(State& s, const Params& p, double I_ext, const Propagator& P) {
    const double u0 = s.V_m - p.E_L, u_inf = (p.I_e + I_ext) * p.R;
    const double a_ex = s.I_ex * p.inv_C, a_in = s.I_in * p.inv_C;
    // Term for term the expression of propagate(), so that both agree to the last bit.
    const double u = u0 * P.e_m + u_inf * P.one_minus_e_m + P.e_m * (a_ex * P.phi_ex + a_in * P.phi_in);
    if (u < p.theta && no_interior_maximum(u0, u_inf, a_ex, a_in, p, P)) {
      s.V_m = p.E_L + u;
      s.I_ex *= P.e_ex;
      s.I_in *= P.e_in;
      return -1.0;
    }
    return advance_or_locate(s, p, I_ext, P);
  }
  // V(t) - E_L = u has no maximum inside (0, dt), so V(dt) alone decides whether V_th is reached.
  // u' = e^{-t/tau_m} g(t), and g' = -(a_ex/tau_ex) e^{-k_ex t} - (a_in/tau_in) e^{-k_in t} has at
  // most one zero: if g' has the same sign at both ends, g is monotone on [0, dt], and u has an
  // interior maximum only if g goes from positive to negative. No transcendental function here.
  static bool no_interior_maximum(double u0, double u_inf, double a_ex, double a_in, const Params& p,
                                  const Propagator& P) {
    const double c_ex = a_ex * p.inv_tau_ex, c_in = a_in * p.inv_tau_in;
    const double dg0 = -(c_ex + c_in), dg1 = -(c_ex * P.ek_ex + c_in * P.ek_in);
    if ((dg0 >= 0.0) != (dg1 >= 0.0)) return false;
    const double lead = -(u0 - u_inf) * p.inv_tau_m;
    const double g0 = lead + a_ex + a_in;
    const double g1 = lead + a_ex * (P.ek_ex - P.phi_ex * p.inv_tau_m) + a_in * (P.ek_in - P.phi_in * p.inv_tau_m);
    return !(g0 > 0.0 && g1 < 0.0);
  }
  // The rest of advance_unless_crossing: the general crossing search, then the advance.
  static double advance_or_locate(State& s, const Params& p, double I_ext, const Propagator& P);
  // A lower bound on the time V needs to reach V_th without new input (ms; +inf if it never can),
  // so that the scheduler can leave a quiet neuron alone. With a = I/C,
  //   u' = -(u - u_inf)/tau_m + a_ex e^{-t/tau_ex} + a_in e^{-t/tau_in} <= -(u - u_inf)/tau_m + A,
  // A the sum of the positive parts of a_ex and a_in. By comparison u(t) <= w(t), where
  // w' = -(w - u_inf)/tau_m + A, w(0) = u0, rises concavely to w_inf = u_inf + A tau_m, so
  // w(t) <= u0 + t (w_inf - u0) / tau_m. The factor below 1 covers rounding.
  static double safe_time(const State& s, const Params& p, double I_ext) {
    const double u0 = s.V_m - p.E_L;
    if (!(u0 < p.theta)) return 0.0;
    const double w_inf = (p.I_e + I_ext) * p.R + (std::max(s.I_ex, 0.0) + std::max(s.I_in, 0.0)) * p.inv_C * p.tau_m;
    if (!std::isfinite(w_inf)) return 0.0;  // an overflowing drive: keep integrating, so it is seen
    if (w_inf <= p.theta) return std::numeric_limits<double>::infinity();
    return 0.999999 * (p.theta - u0) * p.tau_m / (w_inf - u0);
  }
  static void receive(State& s, int receptor, double w) { (receptor == 0 ? s.I_ex : s.I_in) += w; }
  static void reset(State& s, const Params& p) { s.V_m = p.V_reset; }
  static bool above_threshold(const State& s, const Params& p) { return s.V_m >= p.V_th; }
  static double observable(const State& s, int k) {
    return k == 0 ? s.V_m : (k == 1 ? s.I_ex : s.I_in);
  }
  static void set_observable(State& s, int k, double v) {
    (k == 0 ? s.V_m : (k == 1 ? s.I_ex : s.I_in)) = v;
  }
};

}  // namespace apical
