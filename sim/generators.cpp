#include "sim/generators.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/units.hpp"

namespace apical {

PoissonGenerator::PoissonGenerator(std::string name, std::size_t size, Grid grid,
                                   std::vector<double> times_ms, std::vector<double> rates_hz,
                                   std::uint64_t seed, std::uint32_t stream_owner)
    : Generator(std::move(name), "poisson_generator", size, grid), times_ms_(std::move(times_ms)) {
  for (double r : rates_hz) rates_per_ms_.push_back(r * units::hz_to_per_ms);
  rng_.reserve(size);
  for (std::size_t i = 0; i < size; ++i)
    rng_.emplace_back(seed, StreamKind::poisson, stream_owner, static_cast<std::uint32_t>(i));
  next_ms_.assign(size, 0.0);
  reset(0);
}

double PoissonGenerator::time_after(double t, double mass) const {
  // Segment k holds rate k on [times[k], times[k+1]); the last segment extends forever.
  std::size_t k = static_cast<std::size_t>(
      std::upper_bound(times_ms_.begin(), times_ms_.end(), t) - times_ms_.begin() - 1);
  for (; k < times_ms_.size(); ++k) {
    double end = k + 1 < times_ms_.size() ? times_ms_[k + 1] : std::numeric_limits<double>::infinity();
    double rate = rates_per_ms_[k];
    if (rate > 0.0) {
      double dt = mass / rate;
      if (t + dt < end) return t + dt;
      mass -= rate * (end - t);
    }
    t = end;
  }
  return std::numeric_limits<double>::infinity();
}

void PoissonGenerator::reset(Step at) {
  double t0 = grid_.ms(at);
  for (std::size_t i = 0; i < size(); ++i) next_ms_[i] = time_after(t0, -std::log(rng_[i].uniform()));
}

std::int64_t PoissonGenerator::advance(std::size_t first, std::size_t last, Step, Step t1,
                               std::span<const InputEvent>, std::vector<Spike>& spikes,
                               std::span<Sampler*>) {
  const double end_ms = grid_.ms(t1);
  for (std::size_t i = first; i < last; ++i) {
    while (next_ms_[i] < end_ms) {
      Time t = grid_.from_ms(next_ms_[i]);
      if (t.step >= t1) break;  // rounding put it on the next epoch's first step
      spikes.push_back({t.step, t.offset, static_cast<std::uint32_t>(i)});
      next_ms_[i] = time_after(next_ms_[i], -std::log(rng_[i].uniform()));
    }
  }
  return -1;
}

SpikeGenerator::SpikeGenerator(std::string name, std::size_t size, Grid grid,
                               const std::vector<std::uint64_t>& node_ids,
                               const std::vector<double>& times_ms)
    : Generator(std::move(name), "spike_generator", size, grid), trains_(size), cursor_(size, 0) {
  for (std::size_t k = 0; k < node_ids.size(); ++k) trains_[node_ids[k]].push_back(grid.from_ms(times_ms[k]));
  for (auto& tr : trains_) std::sort(tr.begin(), tr.end());
}

void SpikeGenerator::reset(Step at) {
  for (std::size_t i = 0; i < size(); ++i)
    cursor_[i] = static_cast<std::size_t>(
        std::lower_bound(trains_[i].begin(), trains_[i].end(), Time{at, 0.0}) - trains_[i].begin());
}

std::int64_t SpikeGenerator::advance(std::size_t first, std::size_t last, Step, Step t1,
                             std::span<const InputEvent>, std::vector<Spike>& spikes,
                             std::span<Sampler*>) {
  for (std::size_t i = first; i < last; ++i)
    for (auto& c = cursor_[i]; c < trains_[i].size() && trains_[i][c].step < t1; ++c)
      spikes.push_back({trains_[i][c].step, trains_[i][c].offset, static_cast<std::uint32_t>(i)});
  return -1;
}

RasterGenerator::RasterGenerator(std::string name, std::size_t size, Grid grid, std::size_t samples,
                                 std::size_t steps, const std::vector<std::uint8_t>& raster, Step trial_length)
    : Generator(std::move(name), "raster_generator", size, grid),
      samples_(samples),
      trial_length_(trial_length),
      steps_(samples, std::vector<std::vector<Step>>(size)),
      cursor_(size, 0) {
  for (std::size_t b = 0; b < samples; ++b)
    for (std::size_t t = 0; t < steps; ++t)
      for (std::size_t i = 0; i < size; ++i)
        if (raster[(b * steps + t) * size + i]) steps_[b][i].push_back(static_cast<Step>(t));
  reset(0);
}

void RasterGenerator::reset(Step at) {
  origin_ = at;
  const auto trial = trial_length_ > 0 ? static_cast<std::size_t>(at / trial_length_) : 0;
  sample_ = sample_of_trial(trial);
  std::fill(cursor_.begin(), cursor_.end(), 0);
}

std::int64_t RasterGenerator::advance(std::size_t first, std::size_t last, Step t0, Step t1,
                              std::span<const InputEvent>, std::vector<Spike>& spikes, std::span<Sampler*>) {
  for (std::size_t i = first; i < last; ++i) {
    const auto& train = steps_[sample_][i];
    for (auto& c = cursor_[i]; c < train.size() && origin_ + train[c] < t1; ++c)
      if (origin_ + train[c] >= t0) spikes.push_back({origin_ + train[c], 0.0, static_cast<std::uint32_t>(i)});
  }
  return -1;
}

ValueGenerator::ValueGenerator(std::string name, std::size_t size, Grid grid, std::size_t samples,
                               std::size_t steps, std::vector<double> values, Step trial_length)
    : Generator(std::move(name), "value_generator", size, grid),
      samples_(samples),
      steps_(steps),
      values_(std::move(values)),
      trial_length_(trial_length) {}

std::int64_t ValueGenerator::advance(std::size_t first, std::size_t last, Step t0, Step t1,
                                     std::span<const InputEvent>, std::vector<Spike>& spikes, std::span<Sampler*>) {
  for (std::size_t i = first; i < last; ++i)
    for (Step t = t0; t < t1; ++t) {
      const auto k = trial_length_ > 0 ? sample_of_trial(static_cast<std::size_t>(t / trial_length_)) : 0;
      const double v = value(k, static_cast<std::size_t>(trial_length_ > 0 ? t % trial_length_ : t), i);
      if (v != 0.0) spikes.push_back({t, 0.0, static_cast<std::uint32_t>(i), v});
    }
  return -1;
}

}  // namespace apical
