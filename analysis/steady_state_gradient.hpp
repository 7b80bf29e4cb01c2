// The reference gradient of Sacramento et al.'s (2018) dendritic microcircuit: backprop through
// the steady-state rate network its basal pathway computes in the self-predicting state
// (SCIENCE.md 4.2; docs/dendritic-error.md), the comparison the paper itself makes.
//
// Layers are value_generator inputs and sacramento_2018_pyramidal populations, joined by the
// projections onto basal.syn (acyclic). Without apical input or nudging a pyramidal population
// settles at
//   v = a sum_{projections into basal.syn} W^T r_source,  a = g_B / (g_lk + g_B + g_A)
//   (the attenuation of its v_B_hat observable), r = phi(v) of a pyramidal source, the presented
//   values of a value_generator.
// Outputs are the pyramidal populations a value_generator nudges (soma.nudge: the teacher); the
// nudging input x of neuron k gives its target potential u*_k = phi^{-1}(x). The loss of a sample
// is the one whose output gradient the output layer's basal rule follows to first order in the
// nudging:
//   L = sum_k int_{u*_k}^{v_k} phi'(s) (s - u*_k) ds,  dL/dv_k = phi'(v_k) (v_k - u*_k),
// and every basal projection's gradient is backprop through the forward weights:
//   dL/dW[i, j] = a_post r_pre,i delta_post,j,  delta = dL/dv (hidden: phi'(v) sum a W delta).
#pragma once
#include <cstdint>
#include <span>

#include "analysis/network_gradient.hpp"
#include "sim/network.hpp"

namespace apical {

// Mean loss over the given trial indices (trial k presents sample net.trials.sample_of(k)) and its
// gradient, dense [n_pre, n_post] per basal projection (empty for every other projection).
// Throws ConfigError naming the config when the network has no such pathway.
NetworkGradient steady_state_gradient(const Network& net, std::span<const std::int64_t> trials);

}  // namespace apical
