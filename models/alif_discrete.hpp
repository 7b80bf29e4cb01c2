// alif_discrete: lif_discrete with an adaptive threshold (the ALIF neuron of Bellec et al. 2020,
// SCIENCE.md 2.2), clock-driven and dimensionless, with lif_discrete's conventions (multiplicative
// reset to V_reset, H(0) = 0, I_t entering V_{t+1}). Updated once per step h:
//
//   A_t       = V_th + beta_a a_t             adaptive threshold
//   s_t       = H(V_t - A_t)                  (0 while refractory)
//   I_{t+1}   = alpha I_t + x_t               alpha = exp(-h/tau_syn)
//   V_{t+1}   = V_reset                       if s_t = 1 or refractory
//             = beta V_t + I_t                otherwise, beta = exp(-h/tau_m)
//   a_{t+1}   = rho a_t + s_t                 rho = exp(-h/tau_a)
//
// Sampled at step t, the observables are the values before the update of step t. With beta_a = 0
// it is lif_discrete. Observables: V_m, I_syn, a (dimensionless). Receptor "syn".
// Parameters: tau_m 10 ms, tau_syn 5 ms, V_th 1, V_reset 0, t_ref 0 ms (whole steps), tau_a
// 2000 ms and beta_a 1.6 (Bellec's evidence-accumulation defaults, SCIENCE.md 2.4).
// For gradient-derived rules (models/neuron_step.hpp): v = V_t - A_t, r_t = 0 on a spike or while
// refractory, and the adaptation constants rho, beta_a (e-prop's eligibility eps^a).
#pragma once
#include <array>
#include <cmath>

#include "core/config.hpp"
#include "core/time.hpp"
#include "models/neuron_step.hpp"

namespace apical {

struct AlifDiscrete {
  static constexpr const char* name = "alif_discrete";
  static constexpr std::array<const char*, 1> receptors = {"syn"};
  static constexpr std::array<const char*, 3> observables = {"V_m", "I_syn", "a"};
  static constexpr std::array<const char*, 3> observable_units = {"1", "1", "1"};
  static constexpr bool spiking = true;

  struct Params {
    double tau_m = 10.0, tau_syn = 5.0, V_th = 1.0, V_reset = 0.0, t_ref = 0.0, tau_a = 2000.0, beta_a = 1.6;
    double alpha = 0.0, beta = 0.0, rho = 0.0;  // derived for a given h
    std::int64_t ref_steps = 0;
  };
  struct State {
    double V_m = 0.0, I_syn = 0.0, a = 0.0;
    std::int64_t ref_left = 0;
  };

  static Params parse(const ConfigNode& c, const Grid& grid) {
    Params p;
    p.tau_m = c.number("tau_m", p.tau_m, Check::positive("ms"));
    p.tau_syn = c.number("tau_syn", p.tau_syn, Check::positive("ms"));
    p.V_th = c.number("V_th", p.V_th);
    p.V_reset = c.number("V_reset", p.V_reset);
    p.t_ref = c.number("t_ref", p.t_ref, Check::non_negative("ms"));
    p.tau_a = c.number("tau_a", p.tau_a, Check::positive("ms"));
    p.beta_a = c.number("beta_a", p.beta_a, Check::non_negative());
    if (!(p.V_reset < p.V_th)) c.fail("V_reset", "V_reset must be below V_th");
    p.ref_steps = grid.steps_exact(p.t_ref);
    if (p.ref_steps < 0) c.fail("t_ref", "must be a whole number of steps of h = " + format_number(grid.h) + " ms");
    p.alpha = std::exp(-grid.h / p.tau_syn);
    p.beta = std::exp(-grid.h / p.tau_m);
    p.rho = std::exp(-grid.h / p.tau_a);
    return p;
  }
  static State initial(const Params&) { return State{}; }

  static double threshold(const State& s, const Params& p) { return p.V_th + p.beta_a * s.a; }
  static bool step(State& s, const Params& p, double x) {
    const bool spike = s.ref_left == 0 && s.V_m - threshold(s, p) > 0.0;
    const double V_next = (spike || s.ref_left > 0) ? p.V_reset : p.beta * s.V_m + s.I_syn;
    if (s.ref_left > 0) --s.ref_left;
    if (spike) s.ref_left = p.ref_steps;
    s.I_syn = p.alpha * s.I_syn + x;
    s.V_m = V_next;
    s.a = p.rho * s.a + (spike ? 1.0 : 0.0);
    return spike;
  }
  static double observable(const State& s, int k) { return k == 0 ? s.V_m : k == 1 ? s.I_syn : s.a; }
  static void set_observable(State& s, int k, double v) { (k == 0 ? s.V_m : k == 1 ? s.I_syn : s.a) = v; }

  static NeuronDynamics dynamics(const Params& p) {
    NeuronDynamics d;
    d.model = name;
    d.alpha = p.alpha;
    d.beta = p.beta;
    d.V_th = p.V_th;
    d.rho = p.rho;
    d.beta_a = p.beta_a;
    return d;
  }
  static NeuronStep neuron_step(const State& before, const Params& p, bool spiked) {
    NeuronStep n;
    n.v = before.V_m - threshold(before, p);
    n.spiked = spiked;
    n.output = spiked ? 1.0 : 0.0;
    n.refractory = before.ref_left > 0;
    n.reset = (spiked || n.refractory) ? 0.0 : 1.0;
    return n;
  }
};

}  // namespace apical
