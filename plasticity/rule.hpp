// The plasticity contract (DESIGN.md "Plasticity" and "Measured update").
//
// A rule sees what biology lets it see: presynaptic spikes arriving at a synapse, the spikes of
// the postsynaptic neuron, the observables of that neuron, and third factors delivered to it.
// The engine calls its hooks from inside the target neuron's time-ordered loop (synapses are
// stored with their target), so a hook sees every earlier event of the same neuron, and two
// hooks of the same postsynaptic neuron never run at once. Hooks of different postsynaptic
// neurons do run in parallel: a rule may write per-synapse state of the synapses it is handed
// and per-neuron state of the postsynaptic neuron it is handed, nothing shared.
//
// A rule never changes a weight itself: it proposes raw updates (before learning rate, bounds and
// schedule) to a WeightUpdate, which applies them (learn mode) or adds them up (measure mode).
//
// Observables: every hook receives `post_state`, the values of all the postsynaptic model's
// observables at the hook's time (at an arrival: the state just before the inputs of that time
// act; at a postsynaptic spike: the state at threshold, before the reset), in the order of the
// names bind() was given. A rule finds the ones it needs() there once, in bind().
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/time.hpp"
#include "models/neuron_step.hpp"
#include "plasticity/source_traces.hpp"
#include "plasticity/weight_update.hpp"

namespace apical {

// The synapses of one projection as a rule sees them, indexed by synapse id. Synapses are stored
// by source: those of source i are row[i] .. row[i+1]-1. The source of a synapse is not stored
// (4 bytes per synapse); a rule that needs it builds a SourceIndex from `row`.
struct SynapseTable {
  std::size_t n_pre = 0, n_post = 0;
  std::span<const std::uint64_t> row;   // [n_pre + 1]
  std::span<const std::uint32_t> post;  // per synapse, its target
  std::span<const double> weight;       // current weights (read only: updates go through WeightUpdate)
  Step common_delay = 0;                // steps, if every synapse has this delay; 0 if delays differ
  std::size_t size() const { return post.size(); }
};

// What a rule learns at the start of every trial (the start of a run is trial 0's): enough to
// key its own random numbers so that they do not depend on thread count or event order.
struct TrialStart {
  std::uint64_t seed = 0;        // the network's seed
  std::uint32_t projection = 0;  // index of the rule's projection in the network
  std::int64_t trial = 0;        // 0, 1, ... (a run without [trials] is trial 0)
  Step start = 0;                // grid step at which the trial starts
};

// Time as the rules see it: ms since the start of the run (differences are what they use).
using Millis = double;
// The postsynaptic neuron's observables at a hook's time (see above).
using PostState = std::span<const double>;

// Gradient-derived rules (docs/eprop.md). At the end of a trial whose objective reads a trace,
// the objective's population turns dL/dtrace into dL/dx (Population::input_adjoint), x_s the
// summed input of each of its units in step s of the trial; rules that want_error() get it.
struct TrialError {
  std::size_t steps = 0, n = 0;   // steps of the trial, units of the objective's population
  std::int64_t first_step = 0;    // grid step of the trial's start
  std::span<const double> dinput;   // [steps, n] row-major, step 0 = the trial's first step
  // Objectives that read spikes (van_rossum): dL/ds of the objective's units instead, [steps, n];
  // dinput is then empty.
  std::span<const double> doutput;
};
// The projection that carries a hidden layer's spikes to the objective's population, by rows of
// its source neurons (Projection's layout); weights are read when the signal is computed.
struct ReadoutView {
  std::size_t n_out = 0;
  std::span<const std::uint64_t> row;
  std::span<const std::uint32_t> post;
  std::span<const double> weight;
  std::int64_t delay = 1;  // steps (uniform)
};
struct LearningLink {
  NeuronDynamics post;            // the target population's (model empty if it exports none)
  bool targets_objective = false;  // the projection feeds the objective's population itself
  bool objective_spikes = false;   // the objective reads spikes (TrialError::doutput)
  ReadoutView readout;             // set if the rule named one in readout()
  std::uint64_t seed = 0;
  std::uint32_t owner = 0;         // projection index (random streams)
  double h = 1.0;                  // grid step, ms (rules see times in ms)
};

class Rule {
 public:
  virtual ~Rule() = default;
  virtual std::string name() const = 0;
  // Observables of the postsynaptic model the rule reads (DESIGN.md "Observables"); a model
  // without one of them makes the config invalid, before anything runs.
  virtual std::vector<std::string> needs() const { return {}; }

  // Size per-synapse and per-neuron state for this projection; called once before a run.
  // `post_observables` names the values every hook's post_state holds.
  virtual void bind(const SynapseTable& synapses, const std::vector<std::string>& post_observables) = 0;
  // Back to the state at the start of a run or trial (traces to zero). Weights are not touched.
  virtual void reset() = 0;

  // After reset() at the start of every trial, on the scheduler's thread, before any hook of the
  // trial. `out` may set the trial's weight perturbation (WeightUpdate::perturbation). Default: nothing.
  virtual void begin_trial(const TrialStart& /*start*/, WeightUpdate& /*out*/) {}

  // A presynaptic spike arrives at synapse `syn` (postsynaptic neuron `post`) at time t.
  virtual void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState post_state, WeightUpdate& out) = 0;
  // The engine calls this for every arrival: the same event with the presynaptic value that the
  // weight multiplies (1 for a spike, the output of a rate unit). Default: on_pre, ignoring it.
  virtual void on_arrival(std::uint32_t syn, std::uint32_t post, Millis t, double /*value*/, PostState post_state,
                          WeightUpdate& out) {
    on_pre(syn, post, t, post_state, out);
  }
  // Presynaptic state per source neuron (plasticity/source_traces.hpp): a rule for which
  // wants_source_arrivals() is true (asked after bind; only projections with a common delay) gets,
  // at the end of every epoch, on the scheduler's thread, the arrivals at its synapses of that
  // epoch's source spikes, in time order, and `next`, the first step of the next epoch. Called
  // before the end-of-trial hooks and reset() of that time.
  virtual bool wants_source_arrivals() const { return false; }
  virtual void on_source_arrivals(std::span<const SourceArrival> /*arrivals*/, Step /*next*/) {}
  // The postsynaptic neuron `post` spikes at time t; `incoming` lists its synapses in this projection.
  virtual void on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming,
                       PostState post_state, WeightUpdate& out) = 0;
  // A third factor (reward, learning signal) reaches neuron `post` at time t. Default: ignored.
  virtual void on_third_factor(std::uint32_t /*post*/, Millis /*t*/, double /*value*/,
                               std::span<const std::uint32_t> /*incoming*/, PostState /*post_state*/,
                               WeightUpdate& /*out*/) {}

  // Node perturbation: rules for which perturbs_nodes() is true add node_perturbation(post, t) to
  // the summed input of neuron `post` of a clock-driven target at grid step t. The engine calls it
  // once per neuron and step, from the neuron's own loop, before that step's arrivals.
  virtual bool perturbs_nodes() const { return false; }
  virtual double node_perturbation(std::uint32_t /*post*/, Step /*t*/) { return 0.0; }
  // Rules that integrate over the postsynaptic neuron's history on the clock grid (e-prop,
  // SuperSpike, R-max): wants_steps() true, and on_step gets every step of every target neuron of
  // a clock-driven population whose model exports neuron_step (models/neuron_step.hpp), after that
  // step's on_pre calls; t is the step's start. Per neuron, not per synapse.
  virtual bool wants_steps() const { return false; }
  virtual void on_step(std::uint32_t /*post*/, Millis /*t*/, const NeuronStep& /*step*/) {}
  // Rules whose integrand is continuous in time (plasticity/dendritic.hpp): wants_state_steps()
  // makes multi-compartment (cable) populations call on_state_step at the end of every grid step
  // of every target neuron, at time t = the next step's start, with the neuron's observables then
  // and its incoming synapses in this projection (after that step's arrivals and spikes).
  virtual bool wants_state_steps() const { return false; }
  virtual void on_state_step(std::uint32_t /*post*/, Millis /*t*/, std::span<const std::uint32_t> /*incoming*/,
                             PostState /*post_state*/, WeightUpdate& /*out*/) {}
  // wants_error(): on_trial_error at every trial end with an objective, after the third factor.
  virtual bool wants_error() const { return false; }
  virtual std::string readout() const { return ""; }  // the projection name the rule's feedback reads
  // Called once after the network is built; returns an error message, empty if the link is valid.
  virtual std::string link(const LearningLink& /*link*/) { return ""; }
  virtual void on_trial_error(const TrialError& /*error*/, WeightUpdate& /*out*/) {}

  // The free drive (Lansdell & Kording 2023; plasticity/rdd.hpp): a rule that needs it returns
  // true, and before the run is given, per postsynaptic neuron, the maximum over the current
  // window of the membrane drive integrated without the neuron's own reset (windows = trials),
  // and the threshold that drive is compared with. The population keeps it (sim/population.hpp).
  virtual bool needs_free_drive() const { return false; }
  virtual void attach_free_drive(std::span<const double> /*window_max*/, double /*threshold*/) {}

  // Per-neuron (or per-synapse) results a rule wants in the output file, written at the end of a
  // run as /<rule name>/<projection>/<name>. Default: none.
  struct Record {
    std::string name, units;
    std::vector<double> values;
  };
  virtual std::vector<Record> records() const { return {}; }

  // How many consecutive trials make one update (paired perturbation: an unperturbed trial, then
  // a perturbed one on the same sample). The update belongs to the last trial of each group;
  // apical compare presents each sample that many times and keeps only those trials.
  virtual int trials_per_update() const { return 1; }

  // End of a trial (or of a run without trials) at t, on the scheduler's thread, after any third
  // factor of that time and before the trial schedule applies its sums: rules that apply updates
  // lazily bring every synapse up to t here. Default: nothing.
  virtual void end_trial(Millis /*t*/, WeightUpdate& /*out*/) {}
};

// Rule names a config may use, and the factory that reads a rule's own parameters from
// `projections.<name>.plasticity` (the keys of WeightUpdate's schema are read elsewhere).
const std::vector<std::string>& rule_names();
std::unique_ptr<Rule> make_rule(const std::string& name, const ConfigNode& table);

}  // namespace apical
