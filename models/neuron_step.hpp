// What gradient-derived plasticity rules read of a clock-driven neuron (docs/eprop.md): the
// constants of its dynamics, once, and one record per step. A clock model exports them through
//   static NeuronDynamics dynamics(const Params&);
//   static NeuronStep neuron_step(const State& before, const Params&, bool spiked);
// so that rules need no model parameters of their own. Plain data, no dependencies.
#pragma once
#include <string>

namespace apical {

// The linear part of a clock model's update, per step h (dimensionless).
//   spiking (lif_discrete, alif_discrete): I_{t+1} = alpha I_t + x_t,
//     V_{t+1} = r_t (beta V_t + I_t),  a_{t+1} = rho a_t + s_t,  threshold A_t = V_th + beta_a a_t
//   rate_unit: u_{t+1} = beta u_t + input_gain x_t (alpha unused)
struct NeuronDynamics {
  std::string model;
  bool spiking = true;
  double alpha = 0.0, beta = 0.0;  // synaptic and membrane decay per step
  double V_th = 1.0;               // threshold (the scale of the triangle pseudo-derivative)
  double rho = 0.0, beta_a = 0.0;  // adaptation decay and strength (0 without adaptation)
  double input_gain = 1.0;         // rate units: 1 - beta
};

// One neuron's step t, taken from the state before the update (the state thresholded at t).
struct NeuronStep {
  double v = 0.0;         // spiking: V_t - A_t (distance to the threshold); rate units: u_t
  double reset = 1.0;     // r_t: 0 if V_{t+1} is set by a reset (spike or refractory), else 1
  bool spiked = false;    // s_t
  bool refractory = false;  // no spike possible at t (pseudo-derivative 0)
  double slope = 0.0;     // rate units: phi'(u_t)
  double output = 0.0;    // what the neuron sends at t: s_t (spiking) or phi(u_t) (rate)
  double score = 0.0;     // stochastic neurons: d log P(s_t | V_t) / dV_t (lif_escape; R-max)
};

}  // namespace apical
