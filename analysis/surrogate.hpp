// Surrogate-gradient BPTT of the discrete-time LIF network of SURROGATE.md, in float64.
//
// The network (section 3): inputs x -> hidden LIF layer (W1, optionally recurrent through V) ->
// non-spiking leaky readout (W2). The loss (section 4) is the batch mean of the per-trial
// objectives of objectives/objective.hpp (ClassificationMax or Regression), so that the gradient
// and `[trials.objective]` of a simulation evaluate the same function. The backward pass is the
// adjoint recursion of section 6 with the surrogate derivative of section 5 and the reset
// factors r_t detached.
//
// Smooth variant (section 7, for finite-difference checks of the adjoint code): the forward spike
// is s_t = sigmoid(k (mem_t - theta)) and the backward uses its exact derivative
// k s_t (1 - s_t); the reset factors r_t = 1 - s_t stay detached. The function whose gradient
// this is therefore has r_t frozen: SurrogateOptions::frozen_reset lets a forward pass take them
// as given, which is how finite differences of that function are taken.
//
// Threads: batch elements are independent; each computes its own loss and gradient buffers, and
// these are summed in batch order, so results are bit-identical for any thread count.
//
// Shapes: every array is row-major; weights are [n_pre, n_post] (W1 [n_in, n_hid],
// V [n_hid, n_hid], W2 [n_hid, n_out]); per-trial arrays are batch first, [B, T, n].
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace apical {

enum class SurrogateLoss { classification, regression };

struct SurrogateParams {
  double alpha = 0;            // exp(-dt/tau_syn)
  double beta = 0;             // exp(-dt/tau_mem)
  double threshold = 1.0;      // theta
  double surrogate_scale = 0;  // sigma_s of sigma'(v) = 1 / (sigma_s |v| + 1)^2
  SurrogateLoss loss = SurrogateLoss::classification;
  bool recurrent = false;
  std::size_t T = 0, B = 0, n_in = 0, n_hid = 0, n_out = 0;
};

struct SurrogateCase {
  SurrogateParams params;
  std::vector<std::uint8_t> x;       // [B, T, n_in] input spikes
  std::vector<std::int64_t> labels;  // [B] (classification only)
  std::vector<double> targets;       // [B, T, n_out] (regression only)
  std::vector<double> W1, V, W2;     // V only if recurrent
};

// Reads a case in the layout of SURROGATE.md section 8 (/params attributes, /inputs, /weights;
// /reference is not read). ConfigError naming the file and the dataset or attribute on anything
// missing, misshapen or out of range.
SurrogateCase read_surrogate_case(const std::string& path);

struct SurrogateOptions {
  bool smooth = false;    // the smooth variant of section 7
  double smooth_k = 5.0;  // its steepness k (1 / threshold units)
  // If not null: the reset factors r_t [B, T, n_hid] to use instead of 1 - s_t (section 7:
  // finite differences with the reset frozen at its unperturbed values).
  const std::vector<double>* frozen_reset = nullptr;
};

struct SurrogateResult {
  double loss = 0;                   // L of section 4
  std::vector<double> dW1, dV, dW2;  // dL/dW in the weights' shapes; dV empty if not recurrent
  std::vector<double> mem;           // [B, T, n_hid] mem_t, t = 0..T-1
  std::vector<double> out;           // [B, T, n_out] out_t, t = 0..T-1
  std::vector<double> spikes;        // [B, T, n_hid] s_t (0/1, or sigmoid values if smooth)
  std::vector<double> reset;         // [B, T, n_hid] r_t as used by the forward pass
};

// Forward, loss and backward (sections 3 to 6) with `threads` OpenMP threads (>= 1).
SurrogateResult surrogate_gradient(const SurrogateCase& c, int threads,
                                   const SurrogateOptions& options = {});

// Forward and loss only: the function surrogate_gradient differentiates (for finite differences).
double surrogate_loss(const SurrogateCase& c, int threads, const SurrogateOptions& options = {});

}  // namespace apical
