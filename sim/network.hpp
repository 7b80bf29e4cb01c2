// The network described by a config: populations, projections, current sources, what to record,
// and the run's clock. Built and validated completely before anything runs.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/time.hpp"
#include "objectives/objective.hpp"
#include "sim/current_source.hpp"
#include "sim/neuromodulator.hpp"
#include "sim/population.hpp"
#include "sim/projection.hpp"

namespace apical {

struct ReportSpec {
  std::size_t population = 0;
  std::vector<std::string> variables;
  std::vector<int> variable_index;
  std::vector<std::uint32_t> nodes;
  Step start = 0, stop = 0, interval = 1;
};

struct OutputSpec {
  std::string file;                          // "" if the config names none
  std::vector<std::size_t> spike_populations;
  std::vector<ReportSpec> reports;
  std::vector<std::size_t> weight_projections;  // written to /weights at the end (plastic ones always)
  Step weight_interval = 0;                      // > 0: weight snapshots of those every so many steps
  double flush_interval_s = 10.0;
};

// A run organised as repeated trials: neuron state is reset at every trial start, weights persist,
// and an objective (optional) is evaluated on one population at every trial's end.
//
//   [trials]
//   count = 100
//   length = 102.0               # ms
//   reset = true                 # false: nothing is reset between trials (neurons, spikes in
//                                # flight, rule traces, generators, current sources): trials are
//                                # then windows of one continuous run, each with its objective value
//   [trials.objective]
//   kind = "classification_max"  # objectives/objective.hpp
//   population = "out"           # whose trace (V_m on every step) or spike counts it reads
//   skip = 2                     # trace steps dropped at the trial's start (delays), default 0
//   variable = "V_m"             # the observable traced (default V_m; "rate" for rate units)
//   data = "set.h5"              # labels / targets: trial k uses sample k mod samples
//   baseline = "none"            # or "running_mean": deliver reward minus a running mean;
//                                # "per_sample": one running mean per sample of `data` (a
//                                # critic per stimulus, SCIENCE.md 7.4)
//   baseline_tau = 10.0          # trials (>= 1) of the mean (per sample: trials of that sample)
//
// Third factor: at every trial's end the objective's reward R reaches every plastic projection
// (Rule::on_third_factor, every target neuron), as R or, with a running-mean baseline, as the
// reward-prediction error R - Rbar (sim/simulator.cpp deliver_third_factor).
struct TrialSpec {
  std::int64_t count = 0;  // 0: one continuous run
  Step length = 0;
  bool reset = true;  // false: neuron state, in-flight spikes and rule traces carry over
  std::shared_ptr<const Objective> objective;
  std::size_t population = 0;
  Step skip = 0;
  std::string variable = "V_m";
  double baseline_tau = 0;            // trials; 0: no baseline (the reward itself is delivered)
  bool baseline_per_sample = false;   // one running mean per sample (k mod samples)
  std::vector<std::int64_t> labels;   // per sample
  std::vector<double> targets;        // per sample, [steps, units]
  std::size_t samples = 0;            // in the objective's data set, else the inputs' (0: none)
  // Which data sample trial k presents: sample_order[k mod size], or k mod samples if empty.
  // Set through Network::present_samples (apical compare: every trial on one fixed sample).
  std::vector<std::size_t> sample_order;

  std::size_t sample_of(std::int64_t trial) const;
  TrialTarget target(std::int64_t trial) const;
};

struct Network {
  Grid grid;
  std::uint64_t seed = 0;
  Step duration = 0;  // steps
  Step epoch = 1;     // steps between spike exchanges; at most the smallest delay
  std::vector<std::unique_ptr<Population>> populations;
  std::vector<Projection> projections;
  std::vector<CurrentSource> sources;
  OutputSpec output;
  TrialSpec trials;
  std::vector<Neuromodulator> neuromodulators;  // [[neuromodulators]] (sim/neuromodulator.hpp)
  std::string config_path, config_text;

  std::size_t population_index(const std::string& name) const;  // size() if absent
  // Trial k presents data sample order[k mod order.size()] (raster inputs and objective
  // targets alike); an empty order restores k mod samples.
  void present_samples(const std::vector<std::size_t>& order);
  std::size_t synapse_count() const;
};

struct BuildOverrides {
  std::optional<std::uint64_t> seed;
  std::optional<double> duration_ms;
};

// Reads the whole config, checks it, and builds the network. Throws ConfigError.
Network build_network(const ConfigNode& root, const BuildOverrides& overrides = {});

}  // namespace apical
