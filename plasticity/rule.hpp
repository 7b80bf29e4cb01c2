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
#include "plasticity/weight_update.hpp"

namespace apical {

// The synapses of one projection as a rule sees them, indexed by synapse id.
struct SynapseTable {
  std::size_t n_pre = 0, n_post = 0;
  std::span<const std::uint32_t> pre, post;  // per synapse
  std::span<const double> weight;            // current weights (read only: updates go through WeightUpdate)
};

// Time as the rules see it: ms since the start of the run (differences are what they use).
using Millis = double;
// The postsynaptic neuron's observables at a hook's time (see above).
using PostState = std::span<const double>;

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

  // A presynaptic spike arrives at synapse `syn` (postsynaptic neuron `post`) at time t.
  virtual void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState post_state, WeightUpdate& out) = 0;
  // The postsynaptic neuron `post` spikes at time t; `incoming` lists its synapses in this projection.
  virtual void on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming,
                       PostState post_state, WeightUpdate& out) = 0;
  // Rules that integrate over the postsynaptic neuron's history on the clock grid (R-max) return
  // true and get on_step once per neuron and grid step from clock-driven targets, after the step's
  // update (post_state: observables after it). Per neuron, not per synapse. Default: not called.
  virtual bool wants_steps() const { return false; }
  virtual void on_step(std::uint32_t /*post*/, Millis /*t*/, PostState /*post_state*/) {}
  // A third factor (reward, learning signal) reaches neuron `post` at time t. Default: ignored.
  virtual void on_third_factor(std::uint32_t /*post*/, Millis /*t*/, double /*value*/,
                               std::span<const std::uint32_t> /*incoming*/, PostState /*post_state*/,
                               WeightUpdate& /*out*/) {}
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
