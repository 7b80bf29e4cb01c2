// Objective functions: pure functions of what one population did in one trial, each returning
// its value (a loss, to be minimised, and the matching reward) and its derivative with respect
// to the quantities it reads (a readout trace or spike counts).
//
// Config names and keys (a TOML table, read by make_objective):
//
//   kind                   key      default  meaning
//   "classification_max"   -        -        cross-entropy of softmax over each unit's maximum
//                                            over time of the trace (SURROGATE.md section 4)
//   "classification_count" scale    1.0      cross-entropy of softmax over scale * spike counts;
//                                            scale > 0 (an inverse temperature, per spike)
//   "regression"           -        -        0.5 * sum_{t,k} (trace - target)^2
//   "target_count"         targets  (none)   0.5 * sum_k (count_k - target_k)^2; targets >= 0,
//                                            one per unit, in the config or given by each trial
//   "van_rossum"           tau_rise  5 ms    0.5 * sum_{t,k} e_k[t]^2, e = kappa * (target - S),
//                          tau_decay 10 ms   S the spike raster, target a spike train [T, n]
//                                            from each trial (SCIENCE.md 1.2, SuperSpike)
//
// One call evaluates ONE trial (one batch element). Batch normalisation is the caller's job:
// SURROGATE.md's L is (1/B) * sum_b evaluate(obs_b, target_b).loss, and its dL/dout is
// dloss_dtrace / B. Keeping 1/B out of here lets the same objective serve a single trial of a
// plasticity run (no batch) and a minibatch of surrogate-gradient training.
//
// Reward: every objective here defines reward = -loss; the field exists so that an objective
// with its own reward (e.g. +1/-1 for correct/incorrect) needs no new interface.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace apical {

// What an objective reads from one trial of one population.
struct TrialObservation {
  std::size_t T = 0, n = 0;    // time steps, units
  std::vector<double> trace;   // [T, n] row-major readout trace (e.g. out_t of a leaky readout),
                               // or the spike raster (0/1) for objectives that read "spikes"
  std::vector<double> counts;  // [n] spike counts
};

// label: class index for classification (-1: none). values: targets [T, n] for regression,
// [n] for target_count (empty: take the config's targets).
struct TrialTarget {
  std::int64_t label = -1;
  std::vector<double> values;
};

struct ObjectiveResult {
  double loss = 0;                    // to be minimised
  double reward = 0;                  // for reward-based rules
  std::vector<double> dloss_dtrace;   // shape of trace; empty if the objective does not read it
  std::vector<double> dloss_dcounts;  // shape of counts; empty if not read
  // Classification: the label's score is strictly the largest. A tie is never correct, so that a
  // silent network (all scores equal) does not score for class 0.
  bool correct = false;
};

// evaluate() checks shapes, labels and finiteness of what it reads and throws
// std::invalid_argument naming the objective and the mismatch; it never reads the other field.
class Objective {
 public:
  virtual ~Objective() = default;
  virtual std::string name() const = 0;   // the config kind
  virtual std::string reads() const = 0;  // "trace", "counts" or "spikes" (a raster in `trace`)
  virtual ObjectiveResult evaluate(const TrialObservation&, const TrialTarget&) const = 0;
};

// SURROGATE.md section 4 for one batch element: t*_k = first t with trace[t,k] = max_t
// trace[t,k], m_k = trace[t*_k, k], loss = logsumexp(m) - m[label]. The gradient
// (softmax(m) - onehot(label)) flows only into trace[t*_k, k]: first occurrence on ties.
class ClassificationMax final : public Objective {
 public:
  std::string name() const override { return "classification_max"; }
  std::string reads() const override { return "trace"; }
  ObjectiveResult evaluate(const TrialObservation&, const TrialTarget&) const override;
};

// loss = logsumexp(scale * c) - scale * c[label], c the spike counts; gradient
// scale * (softmax(scale * c) - onehot(label)). Counts are integers, so ties are common;
// `correct` is strict (see ObjectiveResult).
class ClassificationCount final : public Objective {
 public:
  explicit ClassificationCount(double scale = 1.0);  // scale > 0
  std::string name() const override { return "classification_count"; }
  std::string reads() const override { return "counts"; }
  ObjectiveResult evaluate(const TrialObservation&, const TrialTarget&) const override;
  double scale() const { return scale_; }

 private:
  double scale_;
};

// loss = 0.5 * sum_{t,k} (trace[t,k] - target[t,k])^2, gradient trace - target. The targets
// [T, n] come with each trial.
class Regression final : public Objective {
 public:
  std::string name() const override { return "regression"; }
  std::string reads() const override { return "trace"; }
  ObjectiveResult evaluate(const TrialObservation&, const TrialTarget&) const override;
};

// loss = 0.5 * sum_k (counts[k] - target[k])^2, gradient counts - target, reward = -loss.
// The targets are the config's (fixed for every trial) or, if the config gives none, each
// trial's `values`; giving both is an error, so that it is never ambiguous which one applied.
class TargetCount final : public Objective {
 public:
  explicit TargetCount(std::vector<double> targets = {});  // empty: per-trial targets
  std::string name() const override { return "target_count"; }
  std::string reads() const override { return "counts"; }
  ObjectiveResult evaluate(const TrialObservation&, const TrialTarget&) const override;
  const std::vector<double>& targets() const { return targets_; }

 private:
  std::vector<double> targets_;
};

// The van Rossum distance of SuperSpike (Zenke & Ganguli 2018; SCIENCE.md 1.2) on the step grid:
// e = kappa * (target - S) per unit, with kappa the two-stage filter of the clock neurons
//   a[t+1] = c_r a[t] + x[t],  e[t+1] = c_d e[t] + a[t],   c = exp(-h / tau)  (rise, decay)
// from zero at the window's start; loss = 0.5 sum_{t,k} e_k[t]^2, reward = -loss. Reads the spike
// raster [T, n] of its population (in obs.trace); targets [T, n] (spike trains, 0/1) come with each
// trial. dloss/dS[t] = -(kappa^T e)[t], by the adjoint of the filter.
class VanRossum final : public Objective {
 public:
  VanRossum(double tau_rise, double tau_decay, double h);
  std::string name() const override { return "van_rossum"; }
  std::string reads() const override { return "spikes"; }
  ObjectiveResult evaluate(const TrialObservation&, const TrialTarget&) const override;
  // e = kappa * x for a [T, n] raster (exposed for tests).
  std::vector<double> filter(const std::vector<double>& x, std::size_t T, std::size_t n) const;

 private:
  double c_rise_, c_decay_;
};

// Build an objective from its config table (schema above). Unknown kinds and keys are
// ConfigErrors with a did-you-mean hint.
// h: the grid step in ms (objectives with time constants).
std::unique_ptr<Objective> make_objective(const ConfigNode& table, double h = 1.0);

// Helpers, shared with the analysis layer and tested on their own.

// log(sum_k exp(x_k)), computed as max + log(sum exp(x - max)) so that it neither overflows
// nor underflows. Requires a non-empty, finite x.
double logsumexp(const std::vector<double>& x);

// softmax(x)_k = exp(x_k - logsumexp(x)).
std::vector<double> softmax(const std::vector<double>& x);

// For each unit k of a [T, n] row-major trace, the first t at which the trace reaches its
// maximum over t (the tie rule of SURROGATE.md section 4). Requires T >= 1.
std::vector<std::size_t> first_argmax_over_time(const std::vector<double>& trace, std::size_t T,
                                                std::size_t n);

}  // namespace apical
