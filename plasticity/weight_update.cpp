#include "plasticity/weight_update.hpp"

#include <algorithm>

namespace apical {

WeightUpdate::Settings WeightUpdate::parse(const ConfigNode& t) {
  Settings s;
  s.mode = t.choice("mode", {"learn", "measure"}, "learn") == "learn" ? Mode::learn : Mode::measure;
  s.schedule = t.choice("schedule", {"online", "trial"}, "online") == "online" ? Schedule::online : Schedule::trial;
  s.eta = t.number("eta", 1.0, Check::non_negative());
  std::string b = t.choice("bounds", {"none", "hard", "soft"}, "none");
  s.bounds = b == "none" ? Bounds::none : (b == "hard" ? Bounds::hard : Bounds::soft);
  if (s.bounds != Bounds::none) {
    s.w_min = t.number("w_min", Check::finite());
    s.w_max = t.number("w_max", Check::finite());
    if (!(s.w_min < s.w_max)) t.fail("w_max", "must be greater than w_min");
  }
  return s;
}

WeightUpdate::WeightUpdate(Settings s, std::span<double> weights)
    : s_(s), weights_(weights) {
  // Only what the mode and schedule use: 8 bytes per synapse each (bench/RESULTS.md, memory per
  // plastic synapse).
  if (s_.mode == Mode::measure) measured_.assign(weights.size(), 0.0);
  else if (s_.schedule == Schedule::trial) pending_.assign(weights.size(), 0.0);
}

void WeightUpdate::end_trial() {
  if (s_.mode != Mode::learn || s_.schedule != Schedule::trial) return;
  for (std::size_t k = 0; k < weights_.size(); ++k) {
    if (pending_[k] != 0.0) weights_[k] = bounded(weights_[k], s_.eta * pending_[k]);
    pending_[k] = 0.0;
  }
}

void WeightUpdate::clear_measured() { std::fill(measured_.begin(), measured_.end(), 0.0); }

std::vector<double> WeightUpdate::dense_measured(std::span<const std::uint32_t> pre,
                                                 std::span<const std::uint32_t> post, std::size_t n_pre,
                                                 std::size_t n_post) const {
  std::vector<double> dense(n_pre * n_post, 0.0);
  for (std::size_t k = 0; k < measured_.size(); ++k) dense[pre[k] * n_post + post[k]] += measured_[k];
  return dense;
}

}  // namespace apical
