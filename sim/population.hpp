// The population: the one virtual boundary of the engine (STYLE.md). Inside a population the
// model is concrete and its state is kept as arrays; the scheduler only sees this interface.
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "models/neuron_step.hpp"
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
  // Compartments a current source can target (`compartment` of an input): its port is then
  // kCurrentPort - k for compartment k. Empty: the population has one compartment.
  virtual std::vector<std::string> compartments() const { return {}; }
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
  // Gradient-derived rules (docs/eprop.md). Clock models that export their dynamics give them
  // here; rules that want_steps() then get every neuron's NeuronStep on every step.
  virtual std::optional<NeuronDynamics> dynamics() const { return std::nullopt; }
  // For a loss of this population's trace of observable k, g = dL/dtrace [steps, size()]
  // row-major from the trial's start: dL/dx [steps, size()], x_s the summed input of step s.
  // False if the population is not linear in its input (then no learning signal reaches it).
  virtual bool input_adjoint(int /*k*/, const std::vector<double>& /*g*/, std::vector<double>& /*dx*/) const {
    return false;
  }

  // The free drive of Lansdell & Kording (plasticity/rdd.hpp): per neuron, the membrane drive
  // integrated with every input but without the neuron's own reset and refractory clamp, set to
  // the membrane state at the start of every window of `window` steps (a grid from step 0), and
  // its maximum over the window so far. Returns false if the model cannot keep one.
  virtual bool track_free_drive(Step /*window*/) { return false; }
  // Per neuron, the maximum of the free drive over the current window (valid at epoch ends).
  virtual std::span<const double> free_drive_max() const { return {}; }
  // The threshold the free drive is compared with (the model's V_th).
  virtual double free_drive_threshold() const { return 0.0; }

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
    perturbing_in_.clear();
    for (std::size_t k : plastic_in_)
      if ((*all)[k].rule->perturbs_nodes()) perturbing_in_.push_back(k);
    step_rules_.clear();
    for (std::size_t k : plastic_in_)
      if ((*all)[k].rule->wants_steps()) step_rules_.push_back(k);
    state_step_rules_.clear();
    for (std::size_t k : plastic_in_)
      if ((*all)[k].rule->wants_state_steps()) state_step_rules_.push_back(k);
  }
  // Whether rules may add a perturbation to this population's summed input every step (only
  // clock-driven populations have such a per-step input).
  virtual bool takes_node_perturbation() const { return false; }

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
    p.rule->on_arrival(ev.synapse, ev.target, grid_.ms(t), ev.weight, post_state, *p.update);
    return p.update->seen_weight(ev.synapse) * ev.weight;  // the weight plus a weight perturbation
  }
  bool has_plastic_input() const { return !plastic_in_.empty(); }
  // Node perturbation: the sum of what the rules of plastic projections into this population add
  // to neuron i's summed input at step t (clock-driven populations call it once per neuron and
  // step, before that step's arrivals; plasticity/perturbation.hpp).
  bool has_node_perturbation() const { return !perturbing_in_.empty(); }
  double node_perturbation(std::uint32_t i, Step t) {
    double z = 0.0;
    for (std::size_t k : perturbing_in_) z += (*projections_)[k].rule->node_perturbation(i, t);
    return z;
  }
  // Neuron i spikes at t: every plastic projection into it sees the spike.
  void post_spike(std::uint32_t i, const Time& t, PostState post_state) {
    for (std::size_t k : plastic_in_) {
      Projection& p = (*projections_)[k];
      p.rule->on_post(i, grid_.ms(t), p.incoming(i), post_state, *p.update);
    }
  }

  bool has_step_rules() const { return !step_rules_.empty(); }
  // Neuron i's step t (clock-driven populations, rules that want_steps()).
  void post_step(std::uint32_t i, Step t, const NeuronStep& step) {
    for (std::size_t k : step_rules_) (*projections_)[k].rule->on_step(i, grid_.ms(Time{t, 0.0}), step);
  }

  // The end of neuron i's grid step (at time t, the next step's start), with its observables
  // then (multi-compartment populations, rules that want_state_steps()).
  bool has_state_step_rules() const { return !state_step_rules_.empty(); }
  void post_state_step(std::uint32_t i, const Time& t, PostState post_state) {
    for (std::size_t k : state_step_rules_) {
      Projection& p = (*projections_)[k];
      p.rule->on_state_step(i, grid_.ms(t), p.incoming(i), post_state, *p.update);
    }
  }

  Grid grid_;
  std::vector<Projection>* projections_ = nullptr;
  std::vector<std::size_t> state_step_rules_;
  std::vector<std::size_t> plastic_in_, step_rules_;
  std::vector<std::size_t> perturbing_in_;  // plastic projections whose rule perturbs nodes

 private:
  std::string name_, model_;
  std::size_t size_;
};

}  // namespace apical
