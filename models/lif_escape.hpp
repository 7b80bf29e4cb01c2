// lif_escape: a leaky integrate-and-fire neuron with escape noise (stochastic spiking), clock-driven
// on the grid h. The neuron of R-max (Frémaux, Sprekeler & Gerstner 2010; SCIENCE.md 7.4) and of
// node perturbation with spike noise. NEST's nearest relative is pp_psc_delta (which uses
// c1 u + c2 exp(c3 u) and resets V); no exact equivalent.
//
//   membrane (delta synapses, weights in mV; exact for inputs at grid times and constant current):
//     V_{t+1} = E_L + (V_t - E_L) beta + (1 - beta) (tau_m / C_m) (I_e + I_ext) + x_t - reset_jump s_t
//     beta = exp(-h / tau_m),  x_t = sum of the weights of inputs arriving in step t
//   escape rate (Hz), evaluated at V_t (the left limit, as every clock-driven model):
//     rho_t = rho_0 exp((V_t - V_th) / delta_u),  rho_t = 0 while refractory
//   spiking: in step t the neuron spikes with probability p_t = 1 - exp(-rho_t h)
//
// Reset is subtractive (V drops by reset_jump, the SRM reset kernel -reset_jump beta^k), not a
// jump to a fixed value, so V is linear in the weights given the spike train: dV_t/dw_j is exactly
// the sum over arrivals a < t of synapse j of beta^(t-a-1), the "EPSP" trace that R-max uses, and
// the score below is the exact gradient of the log-likelihood of the simulated spike train.
//
// Why clock-driven: with stochastic spiking there is no threshold crossing to locate, and the
// hazard of a step depends on V over it; on the grid the spike probability of a step is exact for
// a hazard held at its left-limit value, and the score function (below) is the exact derivative
// of the discrete model's log-likelihood, which is what a policy-gradient rule must estimate.
//
// Random numbers (counter-based, StreamKind::spiking, one stream per neuron keyed by (seed,
// population, neuron)): time rescaling. The neuron draws a threshold E ~ Exp(1) and sums the
// hazard Lambda += rho_t h over steps; it spikes in the step where Lambda reaches E, then draws a
// new E and restarts Lambda at 0. This gives exactly P(spike in step t | none since) = p_t with one
// draw per spike, and it is independent of thread count. Trial resets draw a fresh E; the streams
// continue (every trial gets fresh noise).
//
// Observables:
//   V_m         mV   membrane potential (sampled at t: before the update of step t)
//   rho         Hz   the escape rate of step t (sampled at t: the hazard that step t uses)
//   score       1/mV d log P(s_t | V_t) / dV_t of the step just taken: with lambda = rho_t h,
//                    s_t = 1: lambda e^-lambda / (1 - e^-lambda) / delta_u;  s_t = 0: -lambda / delta_u;
//                    0 while refractory (the step's outcome does not depend on V). As h -> 0 this is
//                    (S(t) - rho(t)) dt / delta_u, the (S - rho) g'/g of SCIENCE.md 7.4.
//   psp_decay   1    beta: the per-step decay of the EPSP trace (constant; rules read it so that
//                    their kernel is the model's)
//
// Parameters (defaults): C_m 250 pF, tau_m 10 ms, E_L -70 mV, V_th -54 mV (16 mV above rest),
// delta_u 5 mV, rho_0 60 Hz, reset_jump 10 mV, t_ref 2 ms (whole steps), I_e 0 pA. The escape
// parameters follow the SRM neurons of Frémaux et al. 2010 / Pfister et al. 2006 [M: not
// re-checked against the papers]. Receptors "ex" and "in" (both add w; the sign decides).
#pragma once
#include <array>
#include <cmath>

#include "core/config.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "models/neuron_step.hpp"

namespace apical {

struct LifEscape {
  static constexpr const char* name = "lif_escape";
  static constexpr std::array<const char*, 2> receptors = {"ex", "in"};
  static constexpr std::array<const char*, 4> observables = {"V_m", "rho", "score", "psp_decay"};
  static constexpr std::array<const char*, 4> observable_units = {"mV", "Hz", "1/mV", "1"};
  static constexpr bool spiking = true;

  struct Params {
    double C_m = 250.0, tau_m = 10.0, E_L = -70.0, V_th = -54.0, delta_u = 5.0, rho_0 = 60.0;
    double reset_jump = 10.0, t_ref = 2.0, I_e = 0.0;
    // Derived for a given h, in parse() only.
    double h = 0.1, beta = 0.0, drive = 0.0;  // drive: (1 - beta) tau_m / C_m, mV per pA
    std::int64_t ref_steps = 0;
  };
  struct State {
    double V_m = -70.0;
    double rho = 0.0;     // hazard of the next step (Hz), kept consistent with V_m and ref_left
    double score = 0.0;   // of the last step
    double beta = 0.0;    // psp_decay, a copy of the parameter so that observables need no params
    double Lambda = 0.0;  // hazard summed since the last spike (or reset)
    double E = 1.0;       // the Exp(1) threshold of Lambda
    std::int64_t ref_left = 0;
  };

  static Params parse(const ConfigNode& c, const Grid& grid) {
    Params p;
    p.C_m = c.number("C_m", p.C_m, Check::positive("pF"));
    p.tau_m = c.number("tau_m", p.tau_m, Check::positive("ms"));
    p.E_L = c.number("E_L", p.E_L, Check::finite("mV"));
    p.V_th = c.number("V_th", p.V_th, Check::finite("mV"));
    p.delta_u = c.number("delta_u", p.delta_u, Check::positive("mV"));
    p.rho_0 = c.number("rho_0", p.rho_0, Check::non_negative("Hz"));
    p.reset_jump = c.number("reset_jump", p.reset_jump, Check::non_negative("mV"));
    p.t_ref = c.number("t_ref", p.t_ref, Check::non_negative("ms"));
    p.I_e = c.number("I_e", p.I_e, Check::finite("pA"));
    p.ref_steps = grid.steps_exact(p.t_ref);
    if (p.ref_steps < 0) c.fail("t_ref", "must be a whole number of steps of h = " + format_number(grid.h) + " ms");
    p.h = grid.h;
    p.beta = std::exp(-grid.h / p.tau_m);
    p.drive = (1.0 - p.beta) * p.tau_m / p.C_m;
    return p;
  }
  static double rate(const Params& p, double V) { return p.rho_0 * std::exp((V - p.V_th) / p.delta_u); }
  static State initial(const Params& p) {
    State s;
    s.V_m = p.E_L;
    s.beta = p.beta;
    s.rho = rate(p, s.V_m);
    return s;
  }
  // After an initial V_m was set: make rho agree with it.
  static void settle(State& s, const Params& p) { s.rho = s.ref_left > 0 ? 0.0 : rate(p, s.V_m); }
  // At the start of a run or trial: a fresh threshold for the hazard integral.
  static void redraw(State& s, RandomStream& rng) {
    s.Lambda = 0.0;
    s.E = rng.exponential(1.0);
  }

  // d log P(s_t | V_t) / dV_t of a step from its state before the update and its outcome:
  // d/dV log p = lambda e^-lambda / (1 - e^-lambda) / delta_u, d/dV log(1 - p) = -lambda / delta_u,
  // lambda = rho_t h; 0 while refractory.
  static double score_of(const State& before, const Params& p, bool spiked) {
    if (before.ref_left > 0) return 0.0;
    const double lambda = before.rho * p.h * 1e-3;  // rho in Hz, h in ms
    return (spiked ? lambda / std::expm1(lambda) : -lambda) / p.delta_u;
  }

  // What rules that follow the neuron step by step read (models/neuron_step.hpp; R-max reads score).
  static NeuronStep neuron_step(const State& before, const Params& p, bool spiked) {
    NeuronStep n;
    n.v = before.V_m - p.V_th;
    n.spiked = spiked;
    n.refractory = before.ref_left > 0;
    n.output = spiked ? 1.0 : 0.0;
    n.score = score_of(before, p, spiked);
    return n;
  }

  // One step with input x (mV) and external current I (pA); returns whether the neuron spiked.
  static bool step(State& s, const Params& p, double x, double I, RandomStream& rng) {
    const double lambda = s.rho * p.h * 1e-3;  // rho in Hz, h in ms
    bool spike = false;
    if (s.ref_left > 0) {
      --s.ref_left;
      s.score = 0.0;
    } else {
      s.Lambda += lambda;
      spike = s.Lambda >= s.E;
      s.score = score_of(s, p, spike);  // ref_left is 0 here, rho unchanged: the state before
      if (spike) {
        redraw(s, rng);
        s.ref_left = p.ref_steps;
      }
    }
    s.V_m = p.E_L + (s.V_m - p.E_L) * p.beta + p.drive * (p.I_e + I) + x - (spike ? p.reset_jump : 0.0);
    s.rho = s.ref_left > 0 ? 0.0 : rate(p, s.V_m);
    return spike;
  }
  static double observable(const State& s, int k) {
    switch (k) {
      case 0: return s.V_m;
      case 1: return s.rho;
      case 2: return s.score;
      default: return s.beta;
    }
  }
  static void set_observable(State& s, int k, double v) {
    if (k == 0) s.V_m = v;
    else if (k == 1) s.rho = v;
    else if (k == 2) s.score = v;
  }
};

}  // namespace apical
