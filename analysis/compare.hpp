// apical compare: several plasticity rules, run in measure mode on one network at the same
// weights, against the surrogate gradient of exactly that network (SCIENCE.md 8.2).
//
// The config is an ordinary network config (clock-driven, with [trials] and [trials.objective])
// plus a [compare] table:
//
//   [compare]
//   trials = 200                  # R: trials per rule and checkpoint
//   inputs = "dataset"            # "dataset": trial r presents sample r mod S (Var_total);
//                                 # "fixed": every trial presents `sample` (Var_noise)
//   sample = 0                    # with inputs = "fixed"
//   surrogate_scale = 10          # of the reference gradient (SURROGATE.md section 5)
//   bootstrap = 1000              # resamples for the confidence intervals (0: none)
//   ci_level = 0.95
//   store_updates = 10000000      # store every trial's update if R * P is at most this
//   checkpoints = { file = "train.h5", epochs = [0, 5, 20] }   # optional: weights of
//                                 # `apical train` checkpoints; default: the config's weights;
//                                 # or { file = "run.h5", times = [0.0, 5000.0] }: the weight
//                                 # snapshots (ms) of an `apical run` whose rules learned
//                                 # ([output] weight_interval), along that run's own trajectory
//
//   [compare.rules.backprop]      # one table per rule; the name labels its results
//   kind = "gradient"             # the per-trial surrogate gradient itself (the reference rule)
//   projections = ["hidden", "out"]   # measured projections (default: all differentiable)
//
//   [compare.rules.eprop_symmetric]
//   trials = 2                    # optional per rule: R, inputs and sample of this rule only
//   inputs = "fixed"              # (default: the [compare] values); its reference g is then
//                                 # computed over this rule's own trials
//   presentations = 1             # optional: each sample k times in a row, only the last
//                                 # presentation measured (with [trials] reset = false: a
//                                 # circuit that settles to a steady state, docs/dendritic-error.md)
//   [compare.rules.eprop_symmetric.projections.hidden]   # a plasticity table per projection,
//   rule = "eprop"                                     # exactly as in [projections.X.plasticity];
//   feedback = "symmetric"                             # mode is forced to "measure"
//
// reference = "<rule label>" (with reference_trials = N, default 10 x that rule's trials) replaces
// the surrogate gradient, for stochastic networks that have none (e.g. lif_escape): at each
// checkpoint the named rule first runs N trials whose mean update is g (SCIENCE.md 8.2 reference
// (ii): a likelihood-ratio estimate with many trials), with noise independent of the measured
// runs (perturbation streams keyed by seed + 1; a stochastic neuron's streams continue). Then
// every rule, the named one included, is measured against it; kind = "gradient" is then refused.
//
// reference = "steady_state" (dendritic microcircuits of sacramento_2018_* neurons, which have no
// surrogate gradient): g is backprop through the steady-state rate network of the basal pathway
// (analysis/steady_state_gradient.hpp), the comparison Sacramento et al. make; [trials.objective]
// is then optional (the loss is the steady state's) and kind = "gradient" is refused.
//
// The reference g of a checkpoint is the surrogate gradient of the mean trial loss over the
// samples the trials present (each trial from the initial state), so that with inputs =
// "dataset" it is the exact gradient over the same finite data distribution the updates sample.
// A rule's update of trial r is u_r = -(sum of its raw updates over the trial), per synapse,
// laid out dense [n_pre, n_post] like the gradient.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "analysis/alignment.hpp"
#include "analysis/network_gradient.hpp"
#include "core/config.hpp"
#include "sim/network.hpp"

namespace apical {

struct CompareRuleSpec {
  std::string label;
  bool is_gradient = false;                 // kind = "gradient"
  std::vector<std::size_t> projections;     // measured, in network order
  std::vector<ConfigNode> plasticity;       // per measured projection (rules only)
  std::int64_t trials = 0;                  // R of this rule ([compare] trials unless set)
  bool fixed_input = false;                 // inputs of this rule ([compare] inputs unless set)
  std::size_t sample = 0;
  int presentations = 1;                    // each sample k times, the last one measured
};

struct CheckpointSpec {
  std::string label;                         // "initial", "epoch_<k>" or "time_<t>ms" (t as 200.0)
  std::int64_t epoch = -1;                   // -1: the weights the config builds (or a snapshot)
  double time_ms = -1;                       // >= 0: a weight snapshot of an `apical run` file
  std::vector<std::vector<double>> weights;  // per projection; empty: as built
};

struct CompareSpec {
  std::int64_t trials = 0;
  bool fixed_input = false;
  std::size_t sample = 0;
  NetworkGradientOptions gradient;
  AlignmentOptions alignment;
  std::size_t store_limit = 10'000'000;
  std::vector<CheckpointSpec> checkpoints;
  std::vector<CompareRuleSpec> rules;
  bool steady_state = false;               // reference = "steady_state"
  std::string reference_rule;              // empty: the surrogate gradient (or the steady state)
  std::int64_t reference_trials = 0;
};

// Reads [compare] (ConfigError naming file, line and key on anything wrong), including the
// checkpoint weights (the network's weights are unchanged when it returns).
CompareSpec read_compare_spec(const ConfigNode& root, Network& net);

struct BlockResult {
  std::size_t projection = 0;
  std::size_t n_pre = 0, n_post = 0;
  std::vector<double> gradient;        // g, [n_pre, n_post]
  UpdateTrials updates;                // u per trial (empty if larger than store_limit)
  bool own_reference = false;          // g is over this rule's trials, not the checkpoint's
  std::vector<double> mean_update;     // ubar
};

struct RuleResult {
  std::string label;
  std::vector<BlockResult> blocks;
  NetworkAlignment alignment;
  double seconds = 0;
  std::int64_t trials = 0;     // R, inputs, sample and presentations this rule ran with
  bool fixed_input = false;
  std::size_t sample = 0;
  int presentations = 1;
};

struct CheckpointResult {
  CheckpointSpec spec;
  double loss = 0;                    // the mean trial loss g differentiates
  std::vector<std::vector<double>> gradient;  // g per projection over [compare]'s trials
  std::vector<RuleResult> rules;
};

// Progress: (checkpoint, rule label, trials done, trials total).
using CompareProgress = std::function<void(std::size_t, const std::string&, std::int64_t, std::int64_t)>;

// Runs every rule at every checkpoint. The network's weights are those of the config again
// when it returns. Bit-identical for any thread count.
std::vector<CheckpointResult> run_compare(Network& net, const CompareSpec& spec, int threads,
                                          const CompareProgress& progress = {});

}  // namespace apical
