// lif_discrete: the clock-driven, dimensionless LIF neuron of SURROGATE.md section 3 (the SpyTorch
// network), generalised to any reset value and a refractory count. Updated once per step h:
//
//   s_t       = H(V_t - V_th)            H(0) = 0: a spike needs V strictly above threshold
//   I_syn     : alpha = exp(-h/tau_syn),  beta = exp(-h/tau_m)
//   I_{t+1}   = alpha I_t + x_t           x_t: sum of the weights of inputs arriving in step t
//   V_{t+1}   = V_reset                   if s_t = 1 (or while refractory)
//             = beta V_t + I_t            otherwise (uses I_t, not I_{t+1})
//
// With V_reset = 0 this is exactly mem_{t+1} = (beta mem_t + syn_t)(1 - s_t). Sampled at step t,
// V_m is the value before the update of step t (SURROGATE's mem_t), the value thresholded into s_t.
// Units: dimensionless (weights add to I_syn; V_th 1 by default). Observables: V_m, I_syn.
// Parameters: tau_m 10 ms, tau_syn 5 ms, V_th 1, V_reset 0, t_ref 0 ms (whole steps).
// Receptor: "syn". No NEST equivalent (NEST has no discrete-time LIF of this form).
// For gradient-derived rules (models/neuron_step.hpp): r_t = 0 on a spike or while refractory.
#pragma once
#include <array>
#include <cmath>
#include <vector>

#include "core/config.hpp"
#include "core/time.hpp"
#include "models/neuron_step.hpp"

namespace apical {

struct LifDiscrete {
  static constexpr const char* name = "lif_discrete";
  static constexpr std::array<const char*, 1> receptors = {"syn"};
  static constexpr std::array<const char*, 2> observables = {"V_m", "I_syn"};
  static constexpr std::array<const char*, 2> observable_units = {"1", "1"};
  static constexpr bool spiking = true;

  struct Params {
    double tau_m = 10.0, tau_syn = 5.0, V_th = 1.0, V_reset = 0.0, t_ref = 0.0;
    // Derived for a given h, in derive() only.
    double alpha = 0.0, beta = 0.0;
    std::int64_t ref_steps = 0;
  };
  struct State {
    double V_m = 0.0, I_syn = 0.0;
    std::int64_t ref_left = 0;
  };

  static Params parse(const ConfigNode& c, const Grid& grid) {
    Params p;
    p.tau_m = c.number("tau_m", p.tau_m, Check::positive("ms"));
    p.tau_syn = c.number("tau_syn", p.tau_syn, Check::positive("ms"));
    p.V_th = c.number("V_th", p.V_th);
    p.V_reset = c.number("V_reset", p.V_reset);
    p.t_ref = c.number("t_ref", p.t_ref, Check::non_negative("ms"));
    if (!(p.V_reset < p.V_th)) c.fail("V_reset", "V_reset must be below V_th");
    p.ref_steps = grid.steps_exact(p.t_ref);
    if (p.ref_steps < 0) c.fail("t_ref", "must be a whole number of steps of h = " + format_number(grid.h) + " ms");
    p.alpha = std::exp(-grid.h / p.tau_syn);
    p.beta = std::exp(-grid.h / p.tau_m);
    return p;
  }
  static State initial(const Params&) { return State{}; }

  // One step; returns whether the neuron spiked at this step.
  static bool step(State& s, const Params& p, double x) {
    bool spike = s.ref_left == 0 && s.V_m - p.V_th > 0.0;
    double V_next = (spike || s.ref_left > 0) ? p.V_reset : p.beta * s.V_m + s.I_syn;
    if (s.ref_left > 0) --s.ref_left;
    if (spike) s.ref_left = p.ref_steps;
    s.I_syn = p.alpha * s.I_syn + x;
    s.V_m = V_next;
    return spike;
  }
  // The same step without threshold, reset or refractoriness: the free drive of
  // plasticity/rdd.hpp (Lansdell & Kording's no-reset drive on the grid).
  static void step_free(State& s, const Params& p, double x) {
    double V_next = p.beta * s.V_m + s.I_syn;
    s.I_syn = p.alpha * s.I_syn + x;
    s.V_m = V_next;
  }
  static double observable(const State& s, int k) { return k == 0 ? s.V_m : s.I_syn; }
  static void set_observable(State& s, int k, double v) { (k == 0 ? s.V_m : s.I_syn) = v; }

  static NeuronDynamics dynamics(const Params& p) {
    NeuronDynamics d;
    d.model = name;
    d.alpha = p.alpha;
    d.beta = p.beta;
    d.V_th = p.V_th;
    return d;
  }
  static NeuronStep neuron_step(const State& before, const Params& p, bool spiked) {
    NeuronStep n;
    n.v = before.V_m - p.V_th;
    n.spiked = spiked;
    n.output = spiked ? 1.0 : 0.0;
    n.refractory = before.ref_left > 0;
    n.reset = (spiked || n.refractory) ? 0.0 : 1.0;
    return n;
  }
};

// li_readout: the non-spiking leaky-integrator readout of SURROGATE.md section 3:
//   I_{t+1} = alpha I_t + x_t,   V_{t+1} = beta V_t + I_t   (V: SURROGATE's out, I: its flt)
// Dimensionless; parameters tau_m 10 ms, tau_syn 5 ms. Receptor "syn". Observables V_m, I_syn.
struct LiReadout {
  static constexpr const char* name = "li_readout";
  static constexpr std::array<const char*, 1> receptors = {"syn"};
  static constexpr std::array<const char*, 2> observables = {"V_m", "I_syn"};
  static constexpr std::array<const char*, 2> observable_units = {"1", "1"};
  static constexpr bool spiking = false;

  struct Params {
    double tau_m = 10.0, tau_syn = 5.0;
    double alpha = 0.0, beta = 0.0;
  };
  struct State {
    double V_m = 0.0, I_syn = 0.0;
  };

  static Params parse(const ConfigNode& c, const Grid& grid) {
    Params p;
    p.tau_m = c.number("tau_m", p.tau_m, Check::positive("ms"));
    p.tau_syn = c.number("tau_syn", p.tau_syn, Check::positive("ms"));
    p.alpha = std::exp(-grid.h / p.tau_syn);
    p.beta = std::exp(-grid.h / p.tau_m);
    return p;
  }
  static State initial(const Params&) { return State{}; }
  static bool step(State& s, const Params& p, double x) {
    double V_next = p.beta * s.V_m + s.I_syn;
    s.I_syn = p.alpha * s.I_syn + x;
    s.V_m = V_next;
    return false;
  }
  static double observable(const State& s, int k) { return k == 0 ? s.V_m : s.I_syn; }
  static void set_observable(State& s, int k, double v) { (k == 0 ? s.V_m : s.I_syn) = v; }

  // dL/dx for a function L of the trace of V_m, g = dL/dV_s ([steps, n] row-major): the adjoint
  // of the two leaky stages, lam_V_s = beta lam_V_{s+1} + g_s, lam_I_s = alpha lam_I_{s+1} +
  // lam_V_{s+1}, dL/dx_s = lam_I_{s+1} (SURROGATE.md 6.2). Only V_m has one (false otherwise).
  static bool input_adjoint(const Params& p, int observable, const std::vector<double>& g, std::size_t n,
                            std::vector<double>& dx) {
    if (observable != 0) return false;
    const std::size_t steps = n ? g.size() / n : 0;
    dx.assign(g.size(), 0.0);
    for (std::size_t k = 0; k < n; ++k) {
      double lam_V = 0.0, lam_I = 0.0;
      for (std::size_t s = steps; s-- > 0;) {
        dx[s * n + k] = lam_I;
        const double I_new = p.alpha * lam_I + lam_V;
        lam_V = p.beta * lam_V + g[s * n + k];
        lam_I = I_new;
      }
    }
    return true;
  }
};

}  // namespace apical
