#include "sim/neuromodulator.hpp"

#include <algorithm>

namespace apical {

void Neuromodulator::start() {
  rng_ = RandomStream(seed_, StreamKind::reward, index_, 0);
  scheduled_ = 0;
  restart(0);
}

void Neuromodulator::restart(Step at) {
  pending_.clear();
  has_pre_ = false;
  for (const Time& t : times)
    if (Time{at, 0.0} <= t) schedule(t, amount);
}

void Neuromodulator::schedule(Time due, double value) {
  // Stable: pulses due at the same time keep the order in which they were scheduled.
  auto at = std::upper_bound(pending_.begin(), pending_.end(), due,
                             [](const Time& t, const Pending& p) { return t < p.due; });
  pending_.insert(at, Pending{due, value});
  ++scheduled_;
}

void Neuromodulator::observe(const std::vector<std::vector<Spike>>& spikes, const Grid& grid) {
  if (kind != Kind::reward_on_pairing) return;
  const auto& pre_s = spikes[pre];
  const auto& post_s = spikes[post];
  std::size_t k = 0;
  auto take_pre = [&](const Spike& s) {
    if (s.node != pre_node) return;
    has_pre_ = true;
    last_pre_ = Time{s.step, s.offset};
  };
  for (const Spike& b : post_s) {
    if (b.node != post_node) continue;
    const Time tb{b.step, b.offset};
    for (; k < pre_s.size() && Time{pre_s[k].step, pre_s[k].offset} < tb; ++k) take_pre(pre_s[k]);
    if (has_pre_ && grid.diff(last_pre_, tb) <= window) {
      has_pre_ = false;  // one pulse per presynaptic spike
      schedule(grid.add(tb, delay.draw(rng_)), amount);
    }
  }
  for (; k < pre_s.size(); ++k) take_pre(pre_s[k]);
}

std::vector<double> Neuromodulator::take_due(Step t1) {
  std::vector<double> due;
  std::size_t n = 0;
  while (n < pending_.size() && pending_[n].due <= Time{t1, 0.0}) due.push_back(pending_[n++].amount);
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
  return due;
}

}  // namespace apical
