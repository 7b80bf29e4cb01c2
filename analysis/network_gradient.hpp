// The surrogate gradient of a clock-driven network built from a config (docs/gradients.md): the
// same network `apical run` simulates, with its delays, and the same per-trial objective
// ([trials.objective]), differentiated by backpropagation through time.
//
// What is differentiated, per trial (each from the initial state, weights fixed):
//   lif_discrete  s_t = H(V_t - V_th) (not while refractory); V_{t+1} = r_t (beta V_t + I_t)
//                 + (1 - r_t) V_reset, r_t = 0 on a spike or while refractory, else 1;
//                 I_{t+1} = alpha I_t + x_t. Backward: ds_t/dV_t = 1 / (scale |V_t - V_th| + 1)^2
//                 (SURROGATE.md section 5; 0 while refractory), r_t detached (section 5).
//   li_readout    V_{t+1} = beta V_t + I_t, I_{t+1} = alpha I_t + x_t (exact).
//   rate_unit     u_{t+1} = a u_t + (1 - a) x_t, output phi(u_t) (exact: phi' of each phi).
//   x_t of a population = sum over its incoming synapses (pre j, weight w, delay d) of
//                 w * output_{t-d}[j] (+ the current sources' I_ext), the output being a spike
//                 (0/1), a rate unit's phi(u), or a generator's input spike.
// Generators (raster_generator, spike_generator, poisson_generator) and current sources are
// fixed inputs: their trains for trial k are replayed from a fresh build of the config text
// (trials 0..k in order, as `apical run` draws them), so a trial sees exactly what it sees in a
// run. The loss of trial k is the config's objective on the traced variable (steps skip..T-1)
// or on the spike counts, with the target of data sample k mod samples; the forward pass
// reproduces `apical run`'s /trials/loss (tests/validation/test_network_gradient.cpp).
//
// Smooth variant (SURROGATE.md section 7, for finite-difference checks): s_t =
// sigmoid(k (V_t - V_th)), r_t = 1 - s_t detached (frozen at the forward values), backward with
// the exact derivative k s (1 - s). Needs t_ref = 0. network_loss with frozen resets is the
// function whose gradient the smooth variant computes.
//
// Threads: trials run in parallel (OpenMP) into buffers of their own; losses and gradients are
// summed in trial order, so results are bit-identical for any thread count.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/time.hpp"
#include "sim/network.hpp"

namespace apical {

struct NetworkGradientOptions {
  double surrogate_scale = 10;
  bool smooth = false;
  double smooth_k = 5;
};

struct NetworkGradient {
  double loss = 0;  // mean over the given trials
  // Per projection index of net.projections: dL/dW dense [n_pre, n_post] row-major (multapses
  // summed); empty for projections into populations that are not differentiable.
  std::vector<std::vector<double>> grad;
  std::vector<double> trial_loss;  // per given trial
  // Additions beyond the lead's API (same order as above):
  std::vector<std::vector<double>> synapse_grad;  // per projection, per synapse (storage order)
  std::vector<std::uint8_t> trial_correct;        // the objective's `correct`, per given trial
};

// Mean loss over the given trial indices (trial k presents data sample k mod samples, exactly as
// apical run), at the network's current weights, and its gradient. Throws std::invalid_argument
// for networks it cannot differentiate (event-driven neurons, no [trials.objective]).
NetworkGradient network_gradient(const Network& net, std::span<const std::int64_t> trials, int threads,
                                 const NetworkGradientOptions& = {});

// The fixed inputs of some trials (generator spikes, current-source changes), replayed once.
// Recording is the expensive part for long replays; a trainer records every sample once.
struct TrialInputs {
  struct Event {
    Step step;         // within the trial
    std::uint32_t node;
    double value;      // spike: 1; current source: change of I_ext
  };
  // [trial][population] -> events sorted by (step, offset, node) for generators, by
  // (node, step) as the source emitted them for current sources.
  std::vector<std::vector<std::vector<Event>>> spikes, currents;
  std::vector<std::int64_t> trials;  // the trial index of each entry
};
TrialInputs record_inputs(const Network& net, std::span<const std::int64_t> trials);

// As above with inputs recorded before: `inputs` must hold every trial listed in `trials`.
// want_gradient = false: forward and loss only (grad and synapse_grad stay empty).
// frozen_reset (smooth variant only): per trial of `trials`, the r_t values of every lif_discrete
// neuron as a previous call produced them (forward_resets), for finite differences.
NetworkGradient network_gradient(const Network& net, const TrialInputs& inputs,
                                 std::span<const std::int64_t> trials, int threads,
                                 const NetworkGradientOptions& options, bool want_gradient = true,
                                 std::vector<std::vector<double>>* reset_io = nullptr,
                                 bool reset_frozen = false);

}  // namespace apical
