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
// Observables: V_m (mV), I_ex (pA), I_in (pA).
#pragma once
#include <array>

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
  // The hot path: advance by P.dt and return -1 if V stays below V_th; otherwise leave the state
  // as it was and return the crossing time. Decides most intervals without any exp or log.
  static double advance_unless_crossing(State& s, const Params& p, double I_ext, const Propagator& P);
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
