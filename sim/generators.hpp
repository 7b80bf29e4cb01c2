// Populations that emit spikes without receiving any: Poisson sources and given spike trains.
// They sit in the network like neurons, so projections from them carry delays and weights.
#pragma once
#include <cstdint>
#include <vector>

#include "core/rng.hpp"
#include "sim/population.hpp"

namespace apical {

// A population that only emits spikes: no inputs, no state anyone reads.
class Generator : public Population {
 public:
  using Population::Population;
  std::vector<std::string> receptors() const override { return {}; }
  std::vector<std::string> observables() const override { return {}; }
  std::vector<std::string> observable_units() const override { return {}; }
  double observable(std::size_t, int) const override { return 0.0; }
  // Generators of a data set (raster, value): samples in it (0: none), and the order of
  // presentation: trial k presents sample order[k mod order.size()] (empty: k mod samples).
  virtual std::size_t samples() const { return 0; }
  void present(std::vector<std::size_t> order) { order_ = std::move(order); }

 protected:
  std::size_t sample_of_trial(std::size_t trial) const {
    return (order_.empty() ? trial : order_[trial % order_.size()]) % samples();
  }

 private:
  std::vector<std::size_t> order_;
};

// poisson_generator: each node emits an independent Poisson train (exact, off-grid times) with
// a rate that is constant or piecewise constant in time (a table of (time, rate) steps; the train
// is drawn by time rescaling of a unit-rate process). Parameters: rate [Hz], or times [ms] with
// rates [Hz] (rate k holds from times[k] to times[k+1]; times[0] must be 0).
class PoissonGenerator final : public Generator {
 public:
  PoissonGenerator(std::string name, std::size_t size, Grid grid, std::vector<double> times_ms,
                   std::vector<double> rates_hz, std::uint64_t seed, std::uint32_t stream_owner);
  std::int64_t advance(std::size_t first, std::size_t last, Step t0, Step t1, std::span<const InputEvent>,
               std::vector<Spike>& spikes, std::span<Sampler*>) override;
  void reset(Step at) override;

 private:
  // Time (ms) at which the integrated rate, starting from t_from, has grown by `mass`; or +inf.
  double time_after(double t_from, double mass) const;

  std::vector<double> times_ms_, rates_per_ms_;
  std::vector<RandomStream> rng_;
  // Next spike of each node, in ms. Summing exponential intervals in double is fine here: the
  // train is random, so a rounding error of 1e-16 relative changes its law by nothing measurable.
  std::vector<double> next_ms_;
};

// spike_generator: each node emits the spike times it is given (ms, off-grid allowed), from the
// config (node_ids, times) or from a SONATA spike file.
class SpikeGenerator final : public Generator {
 public:
  SpikeGenerator(std::string name, std::size_t size, Grid grid,
                 const std::vector<std::uint64_t>& node_ids, const std::vector<double>& times_ms);
  std::int64_t advance(std::size_t first, std::size_t last, Step t0, Step t1, std::span<const InputEvent>,
               std::vector<Spike>& spikes, std::span<Sampler*>) override;
  void reset(Step at) override;

 private:
  std::vector<std::vector<Time>> trains_;
  std::vector<std::size_t> cursor_;
};

// raster_generator: presents one sample of a data set of spike rasters per trial (DESIGN.md
// "Trials and tasks"). The file holds /inputs/spikes, uint8 [samples, steps, inputs] (the layout
// of SURROGATE.md section 8); trial k presents sample k mod samples: a 1 at (step t, input i)
// is a spike of node i at grid step t of the trial. Without [trials], sample 0 from step 0.
// Parameters: file (path).
class RasterGenerator final : public Generator {
 public:
  RasterGenerator(std::string name, std::size_t size, Grid grid, std::size_t samples, std::size_t steps,
                  const std::vector<std::uint8_t>& raster, Step trial_length);
  std::int64_t advance(std::size_t first, std::size_t last, Step t0, Step t1, std::span<const InputEvent>,
               std::vector<Spike>& spikes, std::span<Sampler*>) override;
  void reset(Step at) override;
  std::size_t samples() const override { return samples_; }

 private:
  std::size_t samples_;
  Step trial_length_;
  std::vector<std::vector<std::vector<Step>>> steps_;  // [sample][node] -> steps with a spike
  Step origin_ = 0;                                    // start of the current trial
  std::size_t sample_ = 0;
  std::vector<std::size_t> cursor_;
};

// value_generator: presents one sample of a data set of values per trial, as graded outputs (like
// a rate unit's): the file holds a float64 dataset [samples, nodes] (default /inputs/values) or
// [samples, steps, nodes] (a time series). During trial k (from its grid steps, so also for
// trials without reset) node i sends values[k mod samples, i], or values[k mod samples, s mod
// steps, i] at step s of the trial (the series repeats), every grid step (zeros are not sent).
// Without [trials], sample 0 for the whole run. Parameters: file (path), dataset (its path).
class ValueGenerator final : public Generator {
 public:
  ValueGenerator(std::string name, std::size_t size, Grid grid, std::size_t samples, std::size_t steps,
                 std::vector<double> values, Step trial_length);
  bool graded() const override { return true; }
  std::int64_t advance(std::size_t first, std::size_t last, Step t0, Step t1, std::span<const InputEvent>,
                       std::vector<Spike>& spikes, std::span<Sampler*>) override;
  void reset(Step) override {}
  std::size_t samples() const override { return samples_; }
  std::size_t steps() const { return steps_; }
  // What node i sends at step s of a trial presenting `sample`.
  double value(std::size_t sample, std::size_t step, std::size_t i) const {
    return values_[(sample * steps_ + step % steps_) * size() + i];
  }

 private:
  std::size_t samples_, steps_;
  std::vector<double> values_;  // [samples, steps, size]
  Step trial_length_;
};

}  // namespace apical
