#include "analysis/compare.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "core/error.hpp"
#include "analysis/steady_state_gradient.hpp"
#include "analysis/training.hpp"
#include "sim/detail/build.hpp"
#include "sim/simulator.hpp"

namespace apical {

namespace {

// Weights of checkpoint `epoch` of an `apical train` file, or (time_ms >= 0) of the snapshot at
// time_ms of an `apical run` file, read (and checked synapse by synapse) into the network, taken
// out, and the network's own weights put back.
CheckpointSpec read_checkpoint(const ConfigNode& c, const std::string& file, std::int64_t epoch, double time_ms,
                               Network& net) {
  CheckpointSpec ck{time_ms >= 0 ? std::string("time_") + format_number(time_ms) + "ms" : "epoch_" + std::to_string(epoch), epoch,
                    time_ms, {}};
  std::vector<std::vector<double>> own;
  for (const auto& p : net.projections) own.push_back(p.weight);
  try {
    if (time_ms >= 0)
      load_weight_snapshot(net, file, time_ms);
    else
      load_checkpoint(net, file, epoch);
  } catch (const ConfigError& e) {
    c.fail("checkpoints", e.what());
  }
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    ck.weights.push_back(net.projections[k].weight);
    std::copy(own[k].begin(), own[k].end(), net.projections[k].weight.begin());
  }
  return ck;
}

// Projections whose gradient network_gradient computes for this network.
std::vector<std::size_t> differentiable(const Network& net, const NetworkGradient& g) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < net.projections.size() && k < g.grad.size(); ++k)
    if (!g.grad[k].empty()) out.push_back(k);
  return out;
}

// The trial index network_gradient differentiates for each compared trial: the trial itself
// (it presents sample r mod S, as in a run), or with a fixed input the trial index whose sample
// that is (inputs are then assumed to depend on the sample only, as a raster_generator's do).
std::vector<std::int64_t> trial_indices(std::int64_t trials, bool fixed_input, std::size_t sample) {
  std::vector<std::int64_t> t(static_cast<std::size_t>(trials));
  for (std::size_t r = 0; r < t.size(); ++r)
    t[r] = fixed_input ? static_cast<std::int64_t>(sample) : static_cast<std::int64_t>(r);
  return t;
}

// inputs and sample of [compare] or of one rule's table (defaults from `base`).
void read_inputs(const ConfigNode& c, const Network& net, bool& fixed, std::size_t& sample, bool base_fixed,
                 std::size_t base_sample) {
  fixed = c.choice("inputs", {"dataset", "fixed"}, base_fixed ? "fixed" : "dataset") == "fixed";
  sample = base_sample;
  if (fixed) {
    std::int64_t s = c.integer("sample", static_cast<std::int64_t>(base_sample), 0);
    if (net.trials.samples > 0 && static_cast<std::size_t>(s) >= net.trials.samples)
      c.fail("sample", "the data set has " + std::to_string(net.trials.samples) + " samples");
    sample = static_cast<std::size_t>(s);
  } else if (c.has("sample")) {
    c.fail("sample", "is only used with inputs = \"fixed\"");
  }
}

// Collects every measured projection's update at each trial's end.
class MeasuredUpdates final : public RunObserver {
 public:
  MeasuredUpdates(const Network& net, std::vector<BlockResult>& blocks, std::size_t store_limit,
                  std::int64_t trials, int per_update, std::function<void(std::int64_t)> done)
      : net_(net), blocks_(blocks), per_update_(per_update), done_(std::move(done)) {
    for (auto& b : blocks_) store_ = store_ && b.n_pre * b.n_post * static_cast<std::size_t>(trials) <= store_limit;
  }
  std::vector<UpdateTrials> all;  // per block, every trial (kept for the metrics)
  double loss_sum = 0;
  std::int64_t loss_count = 0;

  void trial_done(std::int64_t trial, Step, const ObjectiveResult* result) override {
    if (result) {
      loss_sum += result->loss;
      ++loss_count;
    }
    if ((trial + 1) % per_update_ != 0) return;  // an update's earlier trials (baselines)
    all.resize(blocks_.size());
    for (std::size_t b = 0; b < blocks_.size(); ++b) {
      const Projection& p = net_.projections[blocks_[b].projection];
      auto u = p.update->dense_measured(p.sources(), p.post, blocks_[b].n_pre, blocks_[b].n_post);
      all[b].push_back(u);
      if (store_) blocks_[b].updates.push_back(std::move(u));
    }
    if (done_) done_((trial + 1) / per_update_);
  }

 private:
  const Network& net_;
  std::vector<BlockResult>& blocks_;
  int per_update_;
  std::function<void(std::int64_t)> done_;
  bool store_ = true;
};

// In place: plastic rules hold spans of the weights.
void set_weights(Network& net, const std::vector<std::vector<double>>& w) {
  for (std::size_t k = 0; k < w.size() && k < net.projections.size(); ++k)
    if (!w[k].empty()) std::copy(w[k].begin(), w[k].end(), net.projections[k].weight.begin());
}

void make_static(Network& net) {
  for (auto& p : net.projections) {
    p.rule.reset();
    p.update.reset();
  }
}

NetworkAlignment metrics(const std::vector<BlockResult>& blocks, const std::vector<UpdateTrials>& u,
                         const AlignmentOptions& opt) {
  std::vector<AlignmentBlock> in;
  for (std::size_t b = 0; b < blocks.size(); ++b)
    in.push_back(AlignmentBlock{std::to_string(blocks[b].projection), u[b], blocks[b].gradient, {}});
  return network_alignment(in, opt);
}

}  // namespace

CompareSpec read_compare_spec(const ConfigNode& root, Network& net) {
  ConfigNode c = root.table("compare");
  CompareSpec spec;
  const std::string reference = c.string("reference", "gradient");
  spec.steady_state = reference == "steady_state";
  if (net.trials.count == 0)
    c.fail_table("needs [trials]: rules are measured per trial");
  if (!net.trials.objective && !spec.steady_state)
    c.fail_table("needs [trials.objective]: the reference gradient is that of the trial objective");
  spec.trials = c.integer("trials", {}, 2, 100'000'000);
  read_inputs(c, net, spec.fixed_input, spec.sample, false, 0);
  spec.gradient.surrogate_scale = c.number("surrogate_scale", 10.0, Check::positive());
  spec.alignment.bootstrap_resamples = static_cast<std::size_t>(c.integer("bootstrap", 1000, 0, 1'000'000));
  spec.alignment.ci_level = c.number("ci_level", 0.95, Check::range(0.5, 0.999));
  spec.alignment.seed = net.seed;
  spec.store_limit = static_cast<std::size_t>(c.integer("store_updates", 10'000'000, 0));

  if (c.has("checkpoints")) {
    ConfigNode ck = c.table("checkpoints");
    std::string file = ck.string("file");
    if (ck.has("epochs") == ck.has("times"))
      ck.fail_table("needs epochs (of an `apical train` file) or times (ms, weight snapshots of an `apical run` file)");
    if (ck.has("epochs")) {
      for (auto e : ck.integers("epochs")) {
        if (e < 0) ck.fail("epochs", "epochs are >= 0");
        spec.checkpoints.push_back(read_checkpoint(ck, file, e, -1.0, net));
      }
    } else {
      for (double t : ck.numbers("times")) {
        if (!(t >= 0)) ck.fail("times", "times are >= 0 ms");
        spec.checkpoints.push_back(read_checkpoint(ck, file, -1, t, net));
      }
    }
    const std::string key = ck.has("epochs") ? "epochs" : "times";
    if (spec.checkpoints.empty()) ck.fail(key, "lists no checkpoint");
    for (std::size_t i = 0; i < spec.checkpoints.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (spec.checkpoints[i].label == spec.checkpoints[j].label) ck.fail(key, "lists " + spec.checkpoints[i].label + " twice");
    ck.finish();
  } else {
    spec.checkpoints.push_back(CheckpointSpec{"initial", -1, -1.0, {}});
  }

  ConfigNode rules = c.table("rules");
  for (const auto& label : rules.keys()) {
    if (!rules.is_table(label)) rules.fail(label, "each rule must be a table");
    ConfigNode r = rules.table(label);
    CompareRuleSpec rule;
    rule.label = label;
    rule.is_gradient = r.choice("kind", {"gradient", "rule"}, "rule") == "gradient";
    rule.trials = r.integer("trials", spec.trials, 2, 100'000'000);
    read_inputs(r, net, rule.fixed_input, rule.sample, spec.fixed_input, spec.sample);
    rule.presentations = static_cast<int>(r.integer("presentations", 1, 1, 100));
    if (rule.presentations > 1 && rule.is_gradient) r.fail("presentations", "applies to plasticity rules");
    if (rule.presentations > 1 && net.trials.reset)
      r.fail("presentations", "repeats a sample so that the circuit settles: needs [trials] reset = false");
    if (rule.is_gradient) {
      if (r.has("projections"))
        for (const auto& name : r.strings("projections")) rule.projections.push_back(detail::projection_of(net, r, "projections", name));
    } else {
      ConfigNode pr = r.table("projections");
      for (const auto& name : pr.keys()) {
        std::size_t k = detail::projection_of(net, pr, name, name);
        if (!pr.is_table(name)) pr.fail(name, "must be a plasticity table (rule = \"...\", ...)");
        rule.projections.push_back(k);
        rule.plasticity.push_back(pr.table(name));
      }
      if (rule.projections.empty()) pr.fail_table("names no projection");
      // Sorted into network order, tables alongside.
      std::vector<std::size_t> order(rule.projections.size());
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](auto a, auto b) { return rule.projections[a] < rule.projections[b]; });
      CompareRuleSpec sorted{rule.label, false, {}, {}, rule.trials, rule.fixed_input, rule.sample, rule.presentations};
      for (auto i : order) {
        sorted.projections.push_back(rule.projections[i]);
        sorted.plasticity.push_back(rule.plasticity[i]);
      }
      rule = std::move(sorted);
      pr.finish();
    }
    r.finish();
    spec.rules.push_back(std::move(rule));
  }
  if (spec.rules.empty()) rules.fail_table("lists no rule");
  // The reference: the surrogate gradient, the steady-state gradient (microcircuits), or
  // (stochastic networks, which have neither) the mean update of one of the listed rules over
  // reference_trials independent trials.
  if (spec.steady_state) {
    for (const auto& r : spec.rules)
      if (r.is_gradient) c.fail("reference", "\"steady_state\" leaves no surrogate gradient for rule '" + r.label + "'");
    if (c.has("surrogate_scale")) c.fail("surrogate_scale", "is not used with reference = \"steady_state\"");
    if (c.has("reference_trials")) c.fail("reference_trials", "is only used with reference = \"<rule>\"");
  } else if (reference != "gradient") {
    auto it = std::find_if(spec.rules.begin(), spec.rules.end(), [&](const auto& r) { return r.label == reference; });
    if (it == spec.rules.end())
      c.fail("reference", "is \"gradient\", \"steady_state\" or the label of a rule in [compare.rules]");
    if (it->is_gradient) c.fail("reference", "names a kind = \"gradient\" rule; use reference = \"gradient\"");
    for (const auto& r : spec.rules)
      if (r.is_gradient) c.fail("reference", "a rule reference leaves no surrogate gradient for rule '" + r.label + "'");
    spec.reference_rule = reference;
    spec.reference_trials = c.integer("reference_trials", 10 * it->trials, 2, 100'000'000);
  } else if (c.has("reference_trials")) {
    c.fail("reference_trials", "is only used with reference = \"<rule>\"");
  }
  c.finish();
  return spec;
}

namespace {

// Runs a plasticity rule in measure mode for `trials` updates at the network's current weights
// and returns every block's update per trial; `loss` gets the mean trial loss. The network is
// static again afterwards.
std::vector<UpdateTrials> simulate_rule(Network& net, const CompareRuleSpec& rule, std::int64_t trials,
                                        std::vector<BlockResult>& blocks, std::size_t store_limit, int threads,
                                        const std::function<void(std::int64_t)>& done, double& loss) {
  const std::int64_t count = net.trials.count;
  const Step duration = net.duration;
  for (std::size_t i = 0; i < rule.projections.size(); ++i) {
    Projection& p = net.projections[rule.projections[i]];
    detail::attach_rule(p, net, *net.populations[p.target], rule.plasticity[i], true);
  }
  for (std::size_t i = 0; i < rule.projections.size(); ++i) detail::link_rule(net, rule.projections[i], rule.plasticity[i]);
  // A rule whose update takes k trials (paired perturbation), or that is given k presentations,
  // sees each sample k times; the last presentation's update is measured.
  int k = rule.presentations;
  for (std::size_t i : rule.projections) {
    const int per = net.projections[i].rule->trials_per_update();
    if (per > 1 && rule.presentations > 1)
      throw ConfigError(net.config_path + ": [compare.rules." + rule.label + "]: presentations: the rule of '" +
                        net.projections[i].name + "' already takes " + std::to_string(per) +
                        " trials per update (paired baseline); leave presentations at 1");
    k = std::max(k, per);
  }
  net.trials.count = trials * k;
  net.duration = net.trials.count * net.trials.length;
  std::vector<std::size_t> order;
  for (std::int64_t r = 0; r < net.trials.count; ++r)
    order.push_back(rule.fixed_input ? rule.sample : net.trials.sample_of(r / k));
  net.present_samples(order);
  MeasuredUpdates observer(net, blocks, store_limit, trials, k, done);
  Simulator sim(net, threads);
  sim.run(observer);
  net.present_samples({});
  net.trials.count = count;
  net.duration = duration;
  make_static(net);
  loss = observer.loss_sum / static_cast<double>(std::max<std::int64_t>(observer.loss_count, 1));
  return std::move(observer.all);
}

std::vector<double> mean_of(const UpdateTrials& u, std::size_t n) {
  std::vector<double> mean(n, 0.0);
  for (const auto& row : u)
    for (std::size_t i = 0; i < n; ++i) mean[i] += row[i];
  for (auto& m : mean) m /= static_cast<double>(std::max<std::size_t>(u.size(), 1));
  return mean;
}

BlockResult block_of(const Network& net, std::size_t k) {
  const Projection& p = net.projections[k];
  BlockResult b;
  b.projection = k;
  b.n_pre = p.row.size() - 1;
  b.n_post = net.populations[p.target]->size();
  return b;
}

}  // namespace

std::vector<CheckpointResult> run_compare(Network& net, const CompareSpec& spec, int threads,
                                          const CompareProgress& progress) {
  using Clock = std::chrono::steady_clock;
  std::vector<std::vector<double>> built;
  for (auto& p : net.projections) built.push_back(p.weight);
  const bool gradient_reference = spec.reference_rule.empty() && !spec.steady_state;
  const bool computed_reference = spec.reference_rule.empty();  // surrogate or steady state
  // Every trial index any rule presents, recorded once (the same at every checkpoint).
  auto samples_of = [&](const CompareRuleSpec& r) { return trial_indices(r.trials, r.fixed_input, r.sample); };
  const std::vector<std::int64_t> samples = trial_indices(spec.trials, spec.fixed_input, spec.sample);
  std::vector<std::int64_t> distinct = samples;
  for (const auto& rule : spec.rules) {
    auto s = samples_of(rule);
    distinct.insert(distinct.end(), s.begin(), s.end());
  }
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  const TrialInputs inputs = gradient_reference ? record_inputs(net, distinct) : TrialInputs{};
  auto reference_over = [&](std::span<const std::int64_t> trials) {
    return spec.steady_state ? steady_state_gradient(net, trials) : network_gradient(net, inputs, trials, threads, spec.gradient);
  };
  std::vector<CheckpointResult> results;

  for (std::size_t c = 0; c < spec.checkpoints.size(); ++c) {
    const CheckpointSpec& ck = spec.checkpoints[c];
    set_weights(net, built);
    set_weights(net, ck.weights);
    make_static(net);
    CheckpointResult res;
    res.spec = ck;
    NetworkGradient g;
    if (computed_reference) {
      g = reference_over(samples);
    } else {
      // The reference is a rule's mean update over reference_trials trials with noise independent
      // of the measured runs: its perturbation streams are keyed by seed + 1, and intrinsic noise
      // (escape-noise streams) continues where the previous run left it.
      const CompareRuleSpec& rr = *std::find_if(spec.rules.begin(), spec.rules.end(),
                                               [&](const auto& r) { return r.label == spec.reference_rule; });
      std::vector<BlockResult> blocks;
      for (std::size_t k : rr.projections) blocks.push_back(block_of(net, k));
      const std::uint64_t seed = net.seed;
      net.seed = seed + 1;
      auto u = simulate_rule(net, rr, spec.reference_trials, blocks, 0, threads, [&](std::int64_t done) {
        if (progress) progress(c, "reference " + rr.label, done, spec.reference_trials);
      }, g.loss);
      net.seed = seed;
      g.grad.assign(net.projections.size(), {});
      for (std::size_t b = 0; b < blocks.size(); ++b)
        g.grad[blocks[b].projection] = mean_of(u[b], blocks[b].n_pre * blocks[b].n_post);
    }
    res.loss = g.loss;
    res.gradient = g.grad;
    const std::vector<std::size_t> all_blocks = differentiable(net, g);

    for (const CompareRuleSpec& rule : spec.rules) {
      auto t0 = Clock::now();
      RuleResult rr;
      rr.label = rule.label;
      rr.trials = rule.trials;
      rr.fixed_input = rule.fixed_input;
      rr.sample = rule.sample;
      rr.presentations = rule.presentations;
      // A rule with its own trials or inputs is compared with the gradient over its own trials.
      const std::vector<std::int64_t> rule_samples = samples_of(rule);
      const bool own = computed_reference && rule_samples != samples;
      const NetworkGradient own_g = own ? reference_over(rule_samples) : NetworkGradient{};
      const NetworkGradient& ref = own ? own_g : g;
      const auto& blocks = rule.projections.empty() ? all_blocks : rule.projections;
      for (std::size_t k : blocks) {
        if (k >= g.grad.size() || g.grad[k].empty())
          throw ConfigError(net.config_path + ": [compare.rules." + rule.label + "]: projection '" +
                            net.projections[k].name +
                            (gradient_reference ? "' has no surrogate gradient (its source does not spike on the clock grid?)"
                             : spec.steady_state ? "' is not a basal projection of the steady-state network"
                                                 : "' is not measured by the reference rule '" + spec.reference_rule + "'"));
        BlockResult b = block_of(net, k);
        b.gradient = ref.grad[k];
        b.own_reference = own;
        rr.blocks.push_back(std::move(b));
      }
      std::vector<UpdateTrials> u(rr.blocks.size());
      if (rule.is_gradient) {
        // The reference rule: trial r's update is the gradient of trial r's own loss.
        for (std::int64_t r = 0; r < rule.trials; ++r) {
          const std::int64_t one = rule_samples[static_cast<std::size_t>(r)];
          NetworkGradient gr = network_gradient(net, inputs, std::span<const std::int64_t>(&one, 1), threads, spec.gradient);
          for (std::size_t b = 0; b < rr.blocks.size(); ++b) u[b].push_back(gr.grad[rr.blocks[b].projection]);
          if (progress) progress(c, rule.label, r + 1, rule.trials);
        }
        for (std::size_t b = 0; b < rr.blocks.size(); ++b)
          if (rr.blocks[b].gradient.size() * static_cast<std::size_t>(rule.trials) <= spec.store_limit) rr.blocks[b].updates = u[b];
      } else {
        double loss = 0;
        u = simulate_rule(net, rule, rule.trials, rr.blocks, spec.store_limit, threads, [&](std::int64_t done) {
          if (progress) progress(c, rule.label, done, rule.trials);
        }, loss);
      }
      for (std::size_t b = 0; b < rr.blocks.size(); ++b) rr.blocks[b].mean_update = mean_of(u[b], rr.blocks[b].gradient.size());
      rr.alignment = metrics(rr.blocks, u, spec.alignment);
      rr.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      res.rules.push_back(std::move(rr));
    }
    results.push_back(std::move(res));
  }
  set_weights(net, built);
  return results;
}

}  // namespace apical
