// lif_cond_exp integrated between events by its closed form plus a quadrature (the default
// method, `integrator = { method = "exact" }`; models/lif_cond_exp.hpp has the equations,
// parameters and observables, and the dopri5 reference path). Runs in EventPopulation.
//
// Between two inputs (constant I = I_e + I_ext) the conductances decay exactly,
// g_ex(t) = g_ex0 x_e(t), x_e = exp(-t/tau_syn_ex) (likewise g_in), and V obeys the linear ODE
//   V' = -a(t) V + b(t),   a = (g_L + g_ex(t) + g_in(t)) / C_m,
//                          b = (g_L E_L + I + g_ex(t) E_ex + g_in(t) E_in) / C_m,
// whose integrating factor has a closed form,
//   A(t) = int_0^t a = (g_L t + g_ex0 tau_ex (1 - x_e(t)) + g_in0 tau_in (1 - x_i(t))) / C_m,
//   V(t) = exp(-A(t)) V0 + int_0^t b(s) exp(A(s) - A(t)) ds.
// The remaining integrand is smooth (entire in s), with derivatives growing like lambda^k,
//   lambda = g_L/C + (|g_ex0| + |g_in0|)/C + max(1/tau_ex, 1/tau_in)
// (|a| is at most the first two terms; b varies at the synaptic rates). It is integrated by
// 5-point Gauss-Legendre on m equal panels of length L with lambda L <= 3/2. The Gauss rule's
// error on a panel is L^11 (5!)^4 / (11 (10!)^3) |f^(10)| ~ 3.9e-13 (lambda L)^11 |f|
// <= 3.4e-11 |f| (an overestimate: lambda bounds the rates from above); against dopri5 at
// tolerance 1e-12 the voltages agree to about 1e-10 mV (tests). Cost per interval: 6 exp for the
// node abscissae of the synaptic decays, shared by all panels (e^{-rL/2}, e^{-r L d_k / 2} for
// both receptors), exp(-A(t)), and 5 exp per panel (exp(A(s) - A(t))); at COBA's conductances
// (lambda about 1.5/ms) and input rates (an input every 0.6 ms) mostly one panel.
//
// Threshold crossings (no crossing inside an interval can be missed). With D = V - V_th,
//   D' = -a(t) D + n(t),   n(t) = b(t) - a(t) V_th = n0 + n_e x_e(t) + n_i x_i(t)
//   (n0 = (g_L (E_L - V_th) + I)/C, n_e = g_ex0 (E_ex - V_th)/C, n_i = g_in0 (E_in - V_th)/C),
// so D(t) = exp(-A(t)) F(t) with F(t) = D0 + int_0^t n(s) exp(A(s)) ds: D has the sign of F, and
// F' = n exp(A) has the sign of n. n' = -(n_e/tau_ex) x_e - (n_i/tau_in) x_i has at most one
// zero (closed form, a log), so n has at most one zero on each side of it (safeguarded Newton),
// and F is monotone between consecutive points of {0, zeros of n, t}. Walking these points from
// 0, the first one where D >= 0 ends the piece on which F (hence D) changes sign exactly once; the
// crossing there is located by safeguarded Newton on D (D' from the ODE) to 1e-13 ms. A crossing
// that rises and falls back within one interval is a maximum of F at a downward zero of n, so it
// is one of the points checked.
// Hot path (advance_unless_crossing): if n has no downward zero inside (0, t) (n' has the same
// sign at both ends, and not n(0) > 0 > n(t)), F has no interior maximum, and D(t) < 0 alone
// proves that no crossing occurs: no extra exp beyond the propagation.
// Quiet neurons (safe_time): F(t) <= D0 + int_0^t n+ exp(a_max s) ds with n+ = sup_{s>=0} n(s)
// (n0, n(0), or n at the zero of n'), a_max = g_L/C + (g_ex0+ + g_in0+)/C >= A(s)/s. If n+ <= 0
// the neuron never fires without input; otherwise not before ln(1 + a_max |D0| / n+) / a_max,
// bounded below without a log by 2 |D0| / (2 n+ + a_max |D0|).
#pragma once
#include <array>
#include <cmath>

#include "models/lif_cond_exp.hpp"

namespace apical {

struct LifCondExpExact {
  static constexpr const char* name = "lif_cond_exp";
  static constexpr std::array<const char*, 2> receptors = LifCondExp::receptors;
  static constexpr std::array<const char*, 3> observables = LifCondExp::observables;
  static constexpr std::array<const char*, 3> observable_units = LifCondExp::observable_units;
  static constexpr bool voltage_jumps = false;

  struct Params : LifCondExp::Params {
    // Derived by derive(): rates in 1/ms.
    double inv_C = 0, k_L = 0, r_ex = 0, r_in = 0, b_L = 0, n_L = 0;
  };
  static Params derive(const LifCondExp::Params& base);
  static Params parse(const ConfigNode& c) { return derive(LifCondExp::parse(c)); }

  struct State {
    double V_m = -70.0, g_ex = 0.0, g_in = 0.0;
  };
  static State initial(const Params& p) { return State{p.E_L, 0.0, 0.0}; }

  struct Propagator {
    double dt = 0.0, e_ex = 1.0, e_in = 1.0;  // exp(-dt/tau_syn)
  };
  static Propagator propagator(const Params& p, double dt) {
    return {dt, std::exp(-dt * p.r_ex), std::exp(-dt * p.r_in)};
  }

  // V at time t after the state's time (x_e, x_i: the decays exp(-t/tau) at t).
  static double voltage(const State& s, const Params& p, double I_ext, double t, double x_e, double x_i);
  static void propagate(State& s, const Params& p, double I_ext, const Propagator& P) {
    s.V_m = voltage(s, p, I_ext, P.dt, P.e_ex, P.e_in);
    s.g_ex *= P.e_ex;
    s.g_in *= P.e_in;
  }
  static void propagate_refractory(State& s, const Params&, const Propagator& P) {
    s.g_ex *= P.e_ex;
    s.g_in *= P.e_in;
  }
  // First time in (0, P.dt] at which V reaches V_th, or -1.
  static double find_crossing(const State& s, const Params& p, double I_ext, const Propagator& P);
  // Advance by P.dt and return -1 if V stays below V_th; otherwise leave the state and return
  // the crossing time.
  static double advance_unless_crossing(State& s, const Params& p, double I_ext, const Propagator& P);
  static double safe_time(const State& s, const Params& p, double I_ext);

  static void receive(State& s, int receptor, double w) { (receptor == 0 ? s.g_ex : s.g_in) += w; }
  static void reset(State& s, const Params& p) { s.V_m = p.V_reset; }
  static bool above_threshold(const State& s, const Params& p) { return s.V_m >= p.V_th; }
  static double observable(const State& s, int k) { return k == 0 ? s.V_m : (k == 1 ? s.g_ex : s.g_in); }
  static void set_observable(State& s, int k, double v) { (k == 0 ? s.V_m : (k == 1 ? s.g_ex : s.g_in)) = v; }
};

}  // namespace apical
