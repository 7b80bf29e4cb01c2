// Regression discontinuity (spike-discontinuity learning; Lansdell & Kording 2023, PLOS Comput
// Biol 19:e1011005; SCIENCE.md 5.1, 5.3). Config name: "rdd".
//
// A neuron estimates the causal effect of its own spike on the reward R from the windows in which
// its drive only just reached, or only just missed, threshold. Time is cut into windows, which
// are the trials of the run ([trials] length = the window T; use [trials] reset = false for
// windows of one continuous run, as in the paper). In each window, for each postsynaptic neuron i:
//
//   Z_i  = max over the window of the free drive: the membrane potential integrated with every
//          input but without the neuron's own reset (and refractory clamp), set to the neuron's
//          membrane potential at the window start. Kept by the population (track_free_drive):
//          the exact maximum between events for lif_psc_exp / lif_psc_delta, the maximum over
//          the grid for lif_discrete.
//   H_i  = [Z_i >= theta]   (theta: the model's V_th)
//   R    = the trial objective's reward for the window, delivered as the third factor at the
//          window's end (use [trials.objective] baseline = "none": R itself)
//   d_i  = Z_i - theta
//
// Estimators, updated online from sufficient statistics (no window is stored):
//
//   naive (observed dependence, every window):  b_OD = mean(R | H = 1) - mean(R | H = 0)
//   near-threshold windows |d| < p only, per side (+: d >= 0, -: d < 0), sums
//     n, sum d, sum d^2, sum R, sum d R:
//   constant:  b_c = mean_+(R) - mean_-(R)
//   linear:    least-squares lines R = c + s d on each side; b_l = c_+ - c_- (the jump at d = 0)
//
// An estimator that is not defined yet (a side with no window; for the linear one, fewer than
// two distinct d on a side) is NaN in the records and 0 as a learning signal.
//
// Learning (the paper's update): in each window in which neuron i was near threshold, after the
// statistics are updated, every incoming synapse gets the raw update  b_i * x_ij , with b_i the
// chosen estimate and x_ij the number of presynaptic spikes that arrived at the synapse in the
// window (the sensitivity of H_i to w_ij is carried by the input it passed on). R is a reward,
// so the raw update ascends it; measure mode records u = -b_i x_ij (loss-gradient sign), and
// learn mode applies eta * b_i * x_ij.
//
// Parameters: p (margin, in the drive's unit: mV for lif_psc_exp; > 0; default 1.0),
// estimator ("constant" (default), "linear" or "naive"): the one that drives learning and is
// recorded as `beta`.
// Records (/rdd/<projection>/..., per postsynaptic neuron): beta, beta_constant, beta_linear,
// naive, windows (near-threshold windows used), windows_above, windows_below, windows_total,
// windows_spiked (H = 1). reset() (trial start) clears the input counts x only: the statistics
// are what the rule has learned and persist across windows, like weights.
#pragma once
#include <array>
#include <vector>

#include "plasticity/rule.hpp"

namespace apical {

class Rdd final : public Rule {
 public:
  enum class Estimator { constant, linear, naive };
  struct Params {
    double p = 1.0;
    Estimator estimator = Estimator::constant;
  };
  // Sufficient statistics of one side of the threshold.
  struct Side {
    double n = 0, sd = 0, sdd = 0, sr = 0, sdr = 0;
    void add(double d, double r) {
      n += 1;
      sd += d;
      sdd += d * d;
      sr += r;
      sdr += d * r;
    }
    double mean() const;       // NaN when empty
    double intercept() const;  // of the least-squares line at d = 0; NaN when undetermined
  };

  explicit Rdd(Params p) : p_(p) {}
  static Params parse(const ConfigNode& t);

  std::string name() const override { return "rdd"; }
  void bind(const SynapseTable& s, const std::vector<std::string>& post_observables) override;
  void reset() override;
  void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState, WeightUpdate& out) override;
  void on_post(std::uint32_t, Millis, std::span<const std::uint32_t>, PostState, WeightUpdate&) override {}
  void on_third_factor(std::uint32_t post, Millis t, double value, std::span<const std::uint32_t> incoming,
                       PostState, WeightUpdate& out) override;
  bool needs_free_drive() const override { return true; }
  void attach_free_drive(std::span<const double> window_max, double threshold) override {
    z_ = window_max;
    theta_ = threshold;
  }
  std::vector<Record> records() const override;

  // Per postsynaptic neuron (tests, observers).
  double beta_constant(std::uint32_t j) const { return above_[j].mean() - below_[j].mean(); }
  double beta_linear(std::uint32_t j) const { return above_[j].intercept() - below_[j].intercept(); }
  double naive(std::uint32_t j) const { return spiked_[j].mean() - silent_[j].mean(); }
  double beta(std::uint32_t j) const;  // the configured estimator
  double windows(std::uint32_t j) const { return above_[j].n + below_[j].n; }
  const Params& params() const { return p_; }

 private:
  Params p_;
  std::span<const double> z_;  // free-drive maximum of the window, per postsynaptic neuron
  double theta_ = 0.0;
  std::vector<Side> above_, below_;    // near-threshold windows, by side
  std::vector<Side> spiked_, silent_;  // every window, by H (only n and sr used)
  std::vector<double> x_;              // per synapse: presynaptic spikes in the current window
};

}  // namespace apical
