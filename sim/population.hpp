// The population: the one virtual boundary of the engine (STYLE.md). Inside a population the
// model is concrete and its state is kept as arrays; the scheduler only sees this interface.
#pragma once
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "sim/projection.hpp"

namespace apical {

// Port of an input event that changes the external current instead of a synaptic state.
inline constexpr std::int32_t kCurrentPort = -1;

// One input for one neuron of a block: a synaptic event (port = receptor index, weight in the
// receptor's unit) or a change of external current (port = kCurrentPort, weight = change in pA).
struct InputEvent {
  Step step;
  double offset;
  std::uint32_t target;  // neuron index within the population
  std::int32_t port;
  double weight;
  // >= 0: a plastic synapse, whose weight is read at arrival; `weight` then holds the
  // presynaptic value (1 for a spike, the output of a rate unit) that the weight multiplies.
  std::int32_t projection = -1;
  std::uint32_t synapse = 0;
};

// A spike, or the graded output of a rate unit (value: what the synapse's weight multiplies).
struct Spike {
  Step step;
  double offset;
  std::uint32_t node;
  double value = 1.0;
};

// Samples of one report (one population, some variables, some neurons) on a grid.
// Rows are shared by all blocks of the population; each block writes only its own columns.
struct Sampler {
  Step start = 0, stop = std::numeric_limits<Step>::max(), interval = 1;
  std::vector<int> variables;                   // observable indices
  std::vector<std::uint32_t> nodes;             // recorded neurons, sorted; column = rank*nvars+v
  std::size_t columns() const { return nodes.size() * variables.size(); }
  // Filled by the scheduler for the current epoch:
  Step first_row_step = 0;                      // grid step of rows[0]
  std::size_t n_rows = 0;
  std::vector<double> rows;                     // [n_rows, columns()]

  bool is_sample_step(Step s) const { return s >= start && s < stop && (s - start) % interval == 0; }
  // First sample step >= s.
  Step next_sample(Step s) const {
    if (s <= start) return start;
    Step k = (s - start + interval - 1) / interval;
    return start + k * interval;
  }
};

// Sampling state of one neuron for one sampler during one epoch.
struct SampleCursor {
  Sampler* sampler;
  std::size_t rank;  // position of the neuron in sampler->nodes
  Step next;         // next sample step not yet taken
};

class Population {
 public:
  Population(std::string name, std::string model, std::size_t size, Grid grid)
      : grid_(grid), name_(std::move(name)), model_(std::move(model)), size_(size) {}
  virtual ~Population() = default;

  const std::string& name() const { return name_; }
  const std::string& model() const { return model_; }
  std::size_t size() const { return size_; }

  // Receptor names an incoming projection can target (empty: the population takes no input).
  virtual std::vector<std::string> receptors() const = 0;
  // Observables: named state variables that recorders and plasticity rules can read.
  virtual std::vector<std::string> observables() const = 0;
  virtual std::vector<std::string> observable_units() const = 0;
  // True for populations that send graded outputs every step instead of spikes.
  virtual bool graded() const { return false; }

  // Advance neurons [first, last) from t0 to t1 (grid steps). `events` holds the inputs of
  // those neurons with times in [t0, t1), sorted by (target, time) with ties in arrival order.
  // Spikes go to `spikes` in (neuron, time) order; samples to the samplers' rows. Returns the
  // first neuron whose state became non-finite, or -1 (checked here, where the state is in
  // cache, rather than in a pass of its own).
  virtual std::int64_t advance(std::size_t first, std::size_t last, Step t0, Step t1,
                       std::span<const InputEvent> events, std::vector<Spike>& spikes,
                       std::span<Sampler*> samplers) = 0;
  // Back to the initial state at grid step `at` (start of a run or of a trial); weights are not
  // touched. Generators restart their trains at `at`.
  virtual void reset(Step at) = 0;
  // Current value of an observable (state at the last epoch boundary).
  virtual double observable(std::size_t neuron, int k) const = 0;
  // Called on the scheduler's thread after every epoch, with its end.
  virtual void epoch_end(Step /*t1*/) {}

  int observable_index(const std::string& name) const {
    auto obs = observables();
    for (std::size_t i = 0; i < obs.size(); ++i) if (obs[i] == name) return static_cast<int>(i);
    return -1;
  }
  // The network's projections and the indices of the plastic ones that target this population;
  // set by the scheduler before a run.
  void attach_plasticity(std::vector<Projection>* all, std::vector<std::size_t> plastic_in) {
    projections_ = all;
    plastic_in_ = std::move(plastic_in);
    step_in_.clear();
    for (std::size_t k : plastic_in_)
      if ((*all)[k].rule->wants_steps()) step_in_.push_back(k);
  }

  int receptor_index(const std::string& name) const {
    auto rec = receptors();
    for (std::size_t i = 0; i < rec.size(); ++i) if (rec[i] == name) return static_cast<int>(i);
    return -1;
  }

 protected:
  // A plastic input arrives at its neuron at time t, whose observables are then `post_state`:
  // the rule sees the arrival, and the weight is read now. Returns the weight to apply.
  double arrive_plastic(const InputEvent& ev, const Time& t, PostState post_state) {
    Projection& p = (*projections_)[static_cast<std::size_t>(ev.projection)];
    p.rule->on_pre(ev.synapse, ev.target, grid_.ms(t), post_state, *p.update);
    return p.weight[ev.synapse] * ev.weight;
  }
  bool has_plastic_input() const { return !plastic_in_.empty(); }
  // Neuron i spikes at t: every plastic projection into it sees the spike.
  void post_spike(std::uint32_t i, const Time& t, PostState post_state) {
    for (std::size_t k : plastic_in_) {
      Projection& p = (*projections_)[k];
      p.rule->on_post(i, grid_.ms(t), p.incoming(i), post_state, *p.update);
    }
  }

  // Neuron i finished grid step t; its observables are now `post_state` (after the update).
  bool has_step_rules() const { return !step_in_.empty(); }
  void step_done(std::uint32_t i, Step t, PostState post_state) {
    for (std::size_t k : step_in_) (*projections_)[k].rule->on_step(i, grid_.ms(t), post_state);
  }

  Grid grid_;
  std::vector<Projection>* projections_ = nullptr;
  std::vector<std::size_t> plastic_in_;
  std::vector<std::size_t> step_in_;  // plastic projections whose rule wants on_step

 private:
  std::string name_, model_;
  std::size_t size_;
};

}  // namespace apical
