// The scheduler: advances a network epoch by epoch (DESIGN.md "Scheduler and determinism").
//
// Work is split into fixed-size blocks of neurons whatever the thread count. In each epoch every
// block, independently and in parallel: takes the spikes of the previous epoch whose synapses
// target it and files them by arrival step, gathers the inputs due in this epoch, and advances its
// neurons. Then, on the calling thread, each population's spikes are concatenated in block order
// and sorted by (time, node), which fixes the order in which the next epoch delivers them. Nothing
// depends on which thread ran which block, so output is bit-identical for any thread count.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "sim/network.hpp"

namespace apical {

// Receives what a run produces, on the calling thread, after every epoch.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void spikes(std::size_t /*population*/, std::span<const Spike>) {}
  virtual void samples(std::size_t /*report*/, const Sampler&) {}
  virtual void epoch_done(Step /*t1*/) {}
  // A trial ended at t1 (a run without [trials] is one trial). Measured updates of the trial are
  // readable here; the next trial starts from zero. `result`: the objective's evaluation of the
  // trial, or nullptr without an objective.
  // At the end of a trial with an objective, just before trial_done: the third factor delivered
  // to the plastic projections (the reward, or reward minus its running baseline).
  virtual void third_factor(std::int64_t /*trial*/, Step /*t1*/, double /*value*/) {}
  virtual void trial_done(std::int64_t /*trial*/, Step /*t1*/, const ObjectiveResult* /*result*/) {}
  // A pulse of neuromodulator `index` ([[neuromodulators]]) was delivered at t1.
  virtual void neuromodulator(std::size_t /*index*/, Step /*t1*/, double /*amount*/) {}
};

struct RunResult {
  Step reached = 0;                      // steps simulated
  bool interrupted = false;
  std::vector<std::uint64_t> spike_counts;  // per population
};

class Simulator {
 public:
  static constexpr std::size_t kBlockSize = 256;

  Simulator(Network& net, int threads);
  // Runs to net.duration, or until *stop becomes true (checked once per epoch).
  RunResult run(RunObserver& observer, const std::atomic<bool>* stop = nullptr);
  const Network& network() const { return net_; }

 private:
  struct Block {
    std::size_t pop = 0, first = 0, last = 0;
    std::vector<std::size_t> incoming;  // projection indices
    std::vector<std::size_t> sources;   // current source indices
    std::vector<std::vector<InputEvent>> ring;  // by arrival step modulo ring size
    std::vector<InputEvent> arrived, due;  // this epoch's inputs as filed, and sorted
    std::vector<std::size_t> offsets;      // counting-sort scratch
    std::vector<Spike> spikes;
    std::int64_t non_finite = -1;
  };

  void advance_block(Block& b, Step t0, Step t1);
  static void sort_by_neuron_and_time(Block& b);
  bool finish_epoch(RunObserver& observer, Step t1, RunResult& result);
  void check_finite(Step t1) const;
  void deliver(std::size_t lo, std::size_t hi);
  void restart(Step at);  // state to initial values, nothing in flight
  void prepare_samplers(Step t0, Step t1);
  void observe_trial();  // collect what the objective reads, once per epoch
  ObjectiveResult evaluate_trial(std::int64_t trial);
  void deliver_trial_error(Step t1, Step length, const ObjectiveResult& r);
  double deliver_third_factor(Step t1, double reward, std::int64_t trial);  // returns the value delivered
  void deliver_to_rules(Step t1, double value, const std::vector<std::size_t>* projections);
  void deliver_neuromodulators(RunObserver& observer, Step t1);

  Network& net_;
  int threads_;
  Step ring_size_ = 1;
  std::vector<Block> blocks_;
  std::vector<std::vector<Spike>> last_spikes_;  // per population, previous epoch, sorted
  std::vector<SourceArrival> arrivals_;          // scratch: one projection's arrivals (Rule::on_source_arrivals)
  std::vector<Sampler> samplers_;                // one per report
  std::vector<std::vector<Sampler*>> pop_samplers_;
  // The objective's view of the current trial: V_m of its population on every step, or counts.
  Sampler objective_sampler_;
  std::vector<double> trial_trace_, trial_counts_;
  std::vector<double> reward_baseline_;  // Rbar of [trials.objective] baseline (one per sample with "per_sample")
};

}  // namespace apical
