#include "sim/current_source.hpp"

#include <algorithm>
#include <cmath>

namespace apical {

CurrentSource CurrentSource::piecewise(std::string name, std::size_t target,
                                       std::vector<std::uint32_t> nodes,
                                       std::vector<std::pair<Step, double>> changes, Kind kind) {
  CurrentSource s;
  s.name_ = std::move(name);
  s.target_ = target;
  s.kind_ = kind;
  s.nodes_ = std::move(nodes);
  s.changes_ = std::move(changes);
  s.reset(0);
  return s;
}

CurrentSource CurrentSource::noise(std::string name, std::size_t target, std::vector<std::uint32_t> nodes,
                                   Step start, Step stop, double mean, double std, double tau_ms,
                                   double correlation, double h, std::uint64_t seed, std::uint32_t owner) {
  CurrentSource s;
  s.name_ = std::move(name);
  s.target_ = target;
  s.kind_ = Kind::noise;
  s.nodes_ = std::move(nodes);
  s.start_ = start;
  s.stop_ = stop;
  s.mean_ = mean;
  s.std_ = std;
  s.decay_ = tau_ms > 0.0 ? std::exp(-h / tau_ms) : 0.0;
  s.kick_ = tau_ms > 0.0 ? std * std::sqrt(-std::expm1(-2.0 * h / tau_ms)) : std;
  s.own_ = std::sqrt(1.0 - correlation);
  s.shared_ = std::sqrt(correlation);
  s.seed_ = seed;
  s.owner_ = owner;
  for (auto n : s.nodes_) s.rng_.emplace_back(seed, StreamKind::noise, owner, n);
  s.reset(0);
  return s;
}

// Times are relative to the origin (the start of the run or of the trial). Streams are not
// rewound: every trial gets fresh noise.
void CurrentSource::reset(Step origin) {
  origin_ = origin;
  value_.assign(nodes_.size(), 0.0);
}

// The next value of node `rank` at step t (called once per step, in step order).
double CurrentSource::noise_value(std::size_t rank, Step t) {
  // The shared part is a pure function of (seed, source, step): every block draws the same number.
  double xi_shared = shared_ > 0.0
      ? RandomStream(seed_, StreamKind::noise_shared, owner_, static_cast<std::uint32_t>(t)).normal()
      : 0.0;
  double xi = own_ * rng_[rank].normal() + shared_ * xi_shared;
  if (decay_ == 0.0 || t == origin_ + start_) {
    // White noise, or the first value of an OU process drawn from its stationary law.
    return mean_ + std_ * xi;
  }
  return mean_ + (value_[rank] - mean_) * decay_ + kick_ * xi;
}

void CurrentSource::events(std::size_t first, std::size_t last, Step t0, Step t1,
                           std::vector<InputEvent>& out) {
  auto lo = std::lower_bound(nodes_.begin(), nodes_.end(), static_cast<std::uint32_t>(first));
  auto hi = std::lower_bound(nodes_.begin(), nodes_.end(), static_cast<std::uint32_t>(last));
  for (auto it = lo; it != hi; ++it) {
    std::size_t rank = static_cast<std::size_t>(it - nodes_.begin());
    auto push = [&](Step t, double amplitude) {
      double change = amplitude - value_[rank];
      value_[rank] = amplitude;
      if (change != 0.0) out.push_back({t, 0.0, *it, port_, change});
    };
    if (kind_ == Kind::noise) {
      Step start = origin_ + start_, stop = origin_ + stop_;
      for (Step t = std::max(t0, start); t < std::min(t1, stop); ++t) push(t, noise_value(rank, t));
      if (stop >= t0 && stop < t1) push(stop, 0.0);
    } else {
      for (auto& [t, a] : changes_)
        if (origin_ + t >= t0 && origin_ + t < t1) push(origin_ + t, a);
    }
  }
}

}  // namespace apical
