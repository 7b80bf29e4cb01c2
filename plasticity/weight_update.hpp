// What happens to the raw updates a rule proposes: learning rate, bounds, schedule, and the
// measured update of DESIGN.md's contract.
//
//   [projections.<name>.plasticity]
//   rule = "stdp_pair"        # see plasticity/rule.hpp rule_names()
//   mode = "learn"            # "learn": weights change; "measure": weights frozen, updates summed
//   schedule = "online"       # "online": applied at once; "trial": summed, applied at trial end
//   eta = 1.0                 # learning rate
//   bounds = "hard"           # "none", "hard" (clip to [w_min, w_max]) or "soft" (multiplicative)
//   w_min = 0.0
//   w_max = 100.0
//
// Measure mode: for each synapse, u = -(sum over one trial of the raw updates), the update in
// loss-gradient sign before learning rate, bounds and schedule. dense_measured() lays it out as
// [n_pre, n_post] (multapses summed), the orientation of a gradient. Learning mode with the
// "trial" schedule and no bounds applies exactly w -= eta * u at the end of the trial.
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace apical {

class WeightUpdate {
 public:
  enum class Mode { learn, measure };
  enum class Schedule { online, trial };
  enum class Bounds { none, hard, soft };

  struct Settings {
    Mode mode = Mode::learn;
    Schedule schedule = Schedule::online;
    Bounds bounds = Bounds::none;
    double eta = 1.0, w_min = 0.0, w_max = 0.0;
  };
  // Reads mode, schedule, eta, bounds, w_min, w_max from the plasticity table.
  static Settings parse(const ConfigNode& table);

  WeightUpdate(Settings s, std::span<double> weights);

  // A rule proposes a raw change of synapse syn's weight (before eta, bounds, schedule).
  void propose(std::uint32_t syn, double raw) {
    switch (s_.mode == Mode::measure ? 0 : (s_.schedule == Schedule::online ? 1 : 2)) {
      case 0: measured_[syn] -= raw; break;
      case 1: weights_[syn] = bounded(weights_[syn], s_.eta * raw); break;
      default: pending_[syn] += raw; break;
    }
  }
  // End of a trial: the trial schedule applies what it summed; measure mode keeps its sums
  // (read them with measured(), then clear_measured()).
  void end_trial();

  // Weight perturbation (plasticity/perturbation.hpp): an offset per synapse that the network sees
  // on top of the weight (at every plastic arrival) without the weight changing. A rule sets it at
  // the start of a trial; perturbation() allocates it (zeros) on first use.
  std::span<double> perturbation() {
    if (perturbation_.empty()) perturbation_.assign(weights_.size(), 0.0);
    return perturbation_;
  }
  double seen_weight(std::uint32_t syn) const {
    return perturbation_.empty() ? weights_[syn] : weights_[syn] + perturbation_[syn];
  }

  const Settings& settings() const { return s_; }
  std::span<const double> measured() const { return measured_; }  // empty unless mode is measure
  void clear_measured();
  // The measured update as a dense [n_pre, n_post] matrix, multapses summed.
  std::vector<double> dense_measured(std::span<const std::uint32_t> pre, std::span<const std::uint32_t> post,
                                     std::size_t n_pre, std::size_t n_post) const;

 private:
  // Inline: it runs once per synapse at every event of an online rule.
  double bounded(double w, double dw) const {
    switch (s_.bounds) {
      case Bounds::none: return w + dw;
      case Bounds::hard: return std::clamp(w + dw, s_.w_min, s_.w_max);
      case Bounds::soft:
        // Soft bounds: potentiation scales with the room left above, depression with the room below.
        return w + (dw > 0 ? dw * (s_.w_max - w) : dw * (w - s_.w_min)) / (s_.w_max - s_.w_min);
    }
    return w + dw;
  }

  Settings s_;
  std::span<double> weights_;
  std::vector<double> measured_, pending_, perturbation_;
};

}  // namespace apical
