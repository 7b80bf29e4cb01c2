// build_network: the config schema's top level. Sections: simulation, populations, projections,
// inputs, output, trials. Each table rejects keys it does not know.
#include "sim/network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/detail/build.hpp"
#include "sim/generators.hpp"
#include "sim/detail/distribution.hpp"
#include "sim/input_files.hpp"

namespace apical {

std::size_t Network::population_index(const std::string& name) const {
  for (std::size_t i = 0; i < populations.size(); ++i)
    if (populations[i]->name() == name) return i;
  return populations.size();
}

std::size_t TrialSpec::sample_of(std::int64_t trial) const {
  const auto k = static_cast<std::size_t>(trial);
  if (!sample_order.empty()) return sample_order[k % sample_order.size()];
  return samples == 0 ? 0 : k % samples;
}

void Network::present_samples(const std::vector<std::size_t>& order) {
  trials.sample_order = order;
  for (auto& p : populations)
    if (auto* g = dynamic_cast<Generator*>(p.get())) g->present(order);
}

TrialTarget TrialSpec::target(std::int64_t trial) const {
  TrialTarget t;
  if (samples == 0) return t;
  auto b = sample_of(trial) % samples;
  if (!labels.empty()) t.label = labels[b];
  if (!targets.empty()) {
    std::size_t per = targets.size() / samples;
    t.values.assign(targets.begin() + static_cast<std::ptrdiff_t>(b * per),
                    targets.begin() + static_cast<std::ptrdiff_t>((b + 1) * per));
  }
  return t;
}

std::size_t Network::synapse_count() const {
  std::size_t n = 0;
  for (auto& p : projections) n += p.size();
  return n;
}

namespace {

// A time in ms that must lie on the grid.
Step grid_steps(const ConfigNode& t, const std::string& key, double ms, const Grid& grid) {
  Step s = grid.steps_exact(ms);
  if (s < 0) t.fail(key, "must be a whole number of steps of h = " + format_number(grid.h) + " ms");
  return s;
}

}  // namespace

std::size_t detail::projection_of(const Network& net, const ConfigNode& t, const std::string& key,
                                  const std::string& name) {
  std::vector<std::string> names;
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    if (net.projections[k].name == name) return k;
    names.push_back(net.projections[k].name);
  }
  std::string hint = nearest(name, names);
  t.fail(key, "no projection named '" + name + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
}

std::size_t detail::population_of(const Network& net, const ConfigNode& t, const std::string& key) {
  std::string name = t.string(key);
  std::size_t k = net.population_index(name);
  if (k == net.populations.size()) {
    std::vector<std::string> names;
    for (auto& p : net.populations) names.push_back(p->name());
    std::string hint = nearest(name, names);
    t.fail(key, "no population of that name" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
  }
  return k;
}

namespace {

using detail::population_of;

// `nodes = [...]` or all nodes of the population.
std::vector<std::uint32_t> node_list(const ConfigNode& t, std::size_t size) {
  std::vector<std::uint32_t> nodes;
  if (!t.has("nodes")) {
    for (std::size_t i = 0; i < size; ++i) nodes.push_back(static_cast<std::uint32_t>(i));
    return nodes;
  }
  for (auto v : t.integers("nodes")) {
    if (v < 0 || static_cast<std::size_t>(v) >= size)
      t.fail("nodes", "node id " + std::to_string(v) + " is out of range for a population of size " +
                          std::to_string(size));
    nodes.push_back(static_cast<std::uint32_t>(v));
  }
  std::sort(nodes.begin(), nodes.end());
  if (std::adjacent_find(nodes.begin(), nodes.end()) != nodes.end()) t.fail("nodes", "lists a node twice");
  return nodes;
}

void read_simulation(Network& net, const ConfigNode& root, const BuildOverrides& o) {
  ConfigNode s = root.table("simulation");
  net.grid.h = s.number("dt", 0.1, Check::positive("ms"));
  std::int64_t seed = s.integer("seed", 12345, 0);
  net.seed = o.seed ? *o.seed : static_cast<std::uint64_t>(seed);
  if (root.has("trials")) {
    ConfigNode t = root.table("trials");
    net.trials.count = t.integer("count", {}, 1);
    t.allow("objective");  // read after the populations, by read_trial_objective
    net.trials.length = grid_steps(t, "length", t.number("length", Check::positive("ms")), net.grid);
    if (net.trials.length == 0) t.fail("length", "must be at least one step");
    net.trials.reset = t.boolean("reset", true);
    t.finish();
    net.duration = net.trials.count * net.trials.length;
    if (s.has("duration")) s.fail("duration", "is set by [trials] (count * length); remove it");
    // --duration cuts a run of trials short (a partial last trial ends without its trial end).
    if (o.duration_ms) {
      const Step d = net.grid.steps_exact(*o.duration_ms);
      if (!(*o.duration_ms > 0.0) || d <= 0)
        throw ConfigError("--duration: must be a positive whole number of steps of h = " + format_number(net.grid.h) +
                          " ms (got " + format_number(*o.duration_ms) + ")");
      net.duration = std::min(net.duration, d);
    }
  } else {
    // At most 2^52 steps, so that every step count is exact in a double.
    const double max_ms = 0x1p52 * net.grid.h;
    if (o.duration_ms) {
      double d = *o.duration_ms;
      if (!(d > 0.0 && d <= max_ms))
        throw ConfigError("--duration: must be > 0 ms and at most " + format_number(max_ms) + " ms (got " + format_number(d) + ")");
      net.duration = net.grid.steps_exact(d);
      if (net.duration <= 0)
        throw ConfigError("--duration: must be a whole number of steps of h = " + format_number(net.grid.h) + " ms (got " + format_number(d) + ")");
      s.allow("duration");
    } else {
      double d = s.number("duration", Check::positive("ms"));
      if (d > max_ms) s.fail("duration", "must be at most " + format_number(max_ms) + " ms (2^52 steps)");
      net.duration = grid_steps(s, "duration", d, net.grid);
      if (net.duration == 0) s.fail("duration", "must be at least one step h = " + format_number(net.grid.h) + " ms");
    }
  }
  if (s.has("epoch")) net.epoch = grid_steps(s, "epoch", s.number("epoch", Check::positive("ms")), net.grid);
  s.finish();
}

void read_populations(Network& net, const ConfigNode& root) {
  ConfigNode pops = root.table("populations");
  std::uint32_t index = 0;
  for (const auto& name : pops.keys()) {
    if (!pops.is_table(name)) pops.fail(name, "each population must be a table");
    ConfigNode t = pops.table(name);
    std::string model = t.choice("model", detail::model_names());
    std::int64_t size = t.integer("size", {}, 1, std::numeric_limits<std::uint32_t>::max());
    detail::PopulationContext ctx{name, static_cast<std::size_t>(size), index++, net.grid, net.seed,
                                  net.trials.count > 0 ? net.trials.length : 0, t};
    // params may be absent: every parameter has a default.
    ConfigNode params = t.has("params") ? t.table("params") : ConfigNode::parse("", t.file() + " (no params)");
    net.populations.push_back(detail::make_population(ctx, model, params));
    t.finish();
  }
  if (net.populations.empty()) pops.fail_table("defines no population");
}

void read_projections(Network& net, const ConfigNode& root) {
  if (!root.has("projections")) return;
  ConfigNode projs = root.table("projections");
  std::uint32_t index = 0;
  for (const auto& name : projs.keys()) {
    if (!projs.is_table(name)) projs.fail(name, "each projection must be a table");
    net.projections.push_back(detail::make_projection(net, projs.table(name), name, index++));
  }
}

void read_inputs(Network& net, const ConfigNode& root) {
  if (!root.has("inputs")) return;
  ConfigNode inputs = root.table("inputs");
  std::uint32_t index = 0;
  for (const auto& name : inputs.keys()) {
    if (!inputs.is_table(name)) inputs.fail(name, "each input must be a table");
    ConfigNode t = inputs.table(name);
    std::string kind = t.choice("kind", {"dc", "step", "noise"});
    std::size_t target = population_of(net, t, "target");
    const Population& pop = *net.populations[target];
    if ((pop.receptors().empty() && pop.compartments().empty()) || pop.model() == "li_readout")
      t.fail("target", "population '" + pop.name() + "' (" + pop.model() + ") takes no current input");
    auto nodes = node_list(t, pop.size());
    Step start = grid_steps(t, "start", t.number("start", 0.0, Check::non_negative("ms")), net.grid);
    Step stop = CurrentSource::kNever;
    if (t.has("stop")) stop = grid_steps(t, "stop", t.number("stop", Check::non_negative("ms")), net.grid);
    if (stop <= start) t.fail("stop", "must be after start");
    if (kind == "dc") {
      double a = t.number("amplitude", Check::finite("pA"));
      std::vector<std::pair<Step, double>> ch{{start, a}};
      if (stop != CurrentSource::kNever) ch.push_back({stop, 0.0});
      net.sources.push_back(CurrentSource::piecewise(name, target, nodes, ch, CurrentSource::Kind::dc));
    } else if (kind == "step") {
      auto times = t.numbers("times", Check::non_negative("ms"));
      auto amps = t.numbers("amplitudes", Check::finite("pA"));
      if (times.size() != amps.size()) t.fail("amplitudes", "must have as many values as times");
      std::vector<std::pair<Step, double>> ch;
      Step last = -1;
      for (std::size_t k = 0; k < times.size(); ++k) {
        Step s = grid_steps(t, "times", times[k], net.grid);
        if (s <= last) t.fail("times", "must be strictly increasing");
        last = s;
        // An amplitude set before `start` is the one in force when the source switches on.
        Step at = std::max(s, start);
        if (at >= stop) break;
        if (!ch.empty() && ch.back().first == at) ch.back().second = amps[k];
        else ch.push_back({at, amps[k]});
      }
      if (stop != CurrentSource::kNever) ch.push_back({stop, 0.0});
      net.sources.push_back(CurrentSource::piecewise(name, target, nodes, ch, CurrentSource::Kind::step));
    } else {
      double mean = t.number("mean", 0.0, Check::finite("pA"));
      double sd = t.number("std", Check::non_negative("pA"));
      double tau = t.number("tau", 0.0, Check::non_negative("ms"));
      double c = t.number("correlation", 0.0, Check::probability());
      net.sources.push_back(CurrentSource::noise(name, target, nodes, start, stop, mean, sd, tau, c,
                                                 net.grid.h, net.seed, index));
    }
    if (t.has("compartment")) {  // multi-compartment targets: which compartment gets the current
      std::string c = t.string("compartment");
      auto comps = pop.compartments();
      auto it = std::find(comps.begin(), comps.end(), c);
      if (comps.empty()) t.fail("compartment", "population '" + pop.name() + "' (" + pop.model() + ") has no compartments");
      if (it == comps.end()) {
        std::string hint = nearest(c, comps);
        t.fail("compartment", "population '" + pop.name() + "' has no compartment '" + c + "'" +
                                  (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      }
      net.sources.back().set_port(kCurrentPort - static_cast<std::int32_t>(it - comps.begin()));
    }
    ++index;
    t.finish();
  }
}

void read_output(Network& net, const ConfigNode& root) {
  OutputSpec& out = net.output;
  // By default every population that spikes; rate units send a value every step, which belongs
  // in a report (variable "rate"), not in /spikes.
  auto all_spiking = [&] {
    for (std::size_t i = 0; i < net.populations.size(); ++i)
      if (!net.populations[i]->graded()) out.spike_populations.push_back(i);
  };
  if (!root.has("output")) {
    all_spiking();
    return;
  }
  ConfigNode o = root.table("output");
  out.file = o.string("file", "");
  out.flush_interval_s = o.number("flush_interval", 10.0, Check::positive("s"));
  if (o.has("spikes")) {
    ConfigNode& t = o;
    for (const auto& name : t.strings("spikes")) {
      std::size_t k = net.population_index(name);
      if (k == net.populations.size()) t.fail("spikes", "no population named '" + name + "'");
      out.spike_populations.push_back(k);
    }
  } else {
    all_spiking();
  }
  if (o.has("weights")) {
    for (const auto& name : o.strings("weights")) {
      const std::size_t k = detail::projection_of(net, o, "weights", name);
      out.weight_projections.push_back(k);
    }
  }
  if (o.has("weight_interval"))
    out.weight_interval = grid_steps(o, "weight_interval", o.number("weight_interval", Check::positive("ms")), net.grid);
  if (o.has("reports")) {
    for (const ConfigNode& r : o.tables("reports")) {
      ReportSpec rep;
      rep.population = population_of(net, r, "population");
      const Population& pop = *net.populations[rep.population];
      rep.variables = r.has("variables") ? r.strings("variables") : std::vector<std::string>{"V_m"};
      for (auto& v : rep.variables) {
        int k = pop.observable_index(v);
        if (k < 0) {
          std::string hint = nearest(v, pop.observables());
          r.fail("variables", "'" + v + "' is not an observable of " + pop.model() +
                                  (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
        }
        rep.variable_index.push_back(k);
      }
      rep.nodes = node_list(r, pop.size());
      rep.interval = grid_steps(r, "interval", r.number("interval", net.grid.h, Check::positive("ms")), net.grid);
      rep.start = grid_steps(r, "start", r.number("start", 0.0, Check::non_negative("ms")), net.grid);
      rep.stop = r.has("stop") ? grid_steps(r, "stop", r.number("stop", Check::positive("ms")), net.grid)
                               : net.duration;
      if (rep.stop <= rep.start) r.fail(r.has("stop") ? "stop" : "start", "the report must stop after it starts");
      rep.stop = std::min(rep.stop, net.duration);
      for (auto& other : out.reports)
        if (other.population == rep.population)
          for (auto& v : rep.variables)
            if (std::find(other.variables.begin(), other.variables.end(), v) != other.variables.end())
              r.fail("variables", "'" + v + "' of population '" + pop.name() + "' is recorded twice");
      r.finish();
      out.reports.push_back(std::move(rep));
    }
  }
  o.finish();
}

void read_trial_objective(Network& net, const ConfigNode& root) {
  if (!root.has("trials") || !root.table("trials").has("objective")) return;
  ConfigNode o = root.table("trials").table("objective");
  TrialSpec& tr = net.trials;
  tr.population = population_of(net, o, "population");
  const Population& pop = *net.populations[tr.population];
  tr.skip = o.integer("skip", 0, 0);
  tr.variable = o.string("variable", "V_m");
  if (tr.skip >= tr.length) o.fail("skip", "must be shorter than the trial (" + std::to_string(tr.length) + " steps)");
  std::string data = o.string("data", "");
  const std::string baseline = o.choice("baseline", {"none", "running_mean", "per_sample"}, "none");
  tr.baseline_per_sample = baseline == "per_sample";
  if (tr.baseline_per_sample && data.empty())
    o.fail("baseline", "\"per_sample\" keeps one mean per sample of a data set: give 'data'");
  if (baseline != "none")
    tr.baseline_tau = o.number("baseline_tau", 10.0, Check::at_least(1.0, "trials"));
  else if (o.has("baseline_tau"))
    o.fail("baseline_tau", "is read only with baseline = \"running_mean\"");
  tr.objective = make_objective(o, net.grid.h);  // reads kind and its own keys, then rejects unknown ones
  if (tr.objective->reads() == "trace" && pop.observable_index(tr.variable) < 0)
    o.fail(o.has("variable") ? "variable" : "population",
           "'" + pop.name() + "' (" + pop.model() + ") has no observable '" + tr.variable + "' to trace for " +
               tr.objective->name());
  const std::string kind = tr.objective->name();
  const bool needs_labels = kind.rfind("classification", 0) == 0, needs_targets = kind == "regression" || kind == "van_rossum";
  if (data.empty()) {
    if (needs_labels || needs_targets)
      o.fail("kind", kind + " needs " + (needs_labels ? "labels" : "targets") + " from a data set: give 'data'");
    return;
  }
  Raster r;
  try {
    r = read_raster(data);
  } catch (const ConfigError& e) {
    o.fail("data", e.what());
  }
  tr.samples = r.batch;
  tr.labels = std::move(r.labels);
  tr.targets = std::move(r.targets);
  const auto n = static_cast<std::size_t>(pop.size());
  if (!tr.targets.empty() && (r.outputs != n || static_cast<Step>(r.steps) != tr.length - tr.skip))
    o.fail("data", "targets are [" + std::to_string(r.steps) + " steps, " + std::to_string(r.outputs) +
                       " units]; the objective sees [" + std::to_string(tr.length - tr.skip) + ", " +
                       std::to_string(n) + "] (trial length minus skip, population size)");
  if (needs_labels && tr.labels.empty()) o.fail("data", "the data set has no /inputs/labels for " + kind);
  if (needs_targets && tr.targets.empty()) o.fail("data", "the data set has no /inputs/targets for " + kind);
  for (auto label : tr.labels)
    if (label < 0 || static_cast<std::size_t>(label) >= n)
      o.fail("data", "label " + std::to_string(label) + " is not a unit of '" + pop.name() + "'");
}

}  // namespace

// Rules with per-neuron learning signals (docs/eprop.md) are linked once everything is built:
// they need the trial objective, the dynamics of their target population and, for hidden layers,
// the readout projection their feedback reads; rules that read the free drive need trials with an
// objective. Errors name the projection's plasticity table `pl`.
void detail::link_rule(Network& net, std::size_t pi, const ConfigNode& pl) {
  Projection& p = net.projections[pi];
  if (!p.plastic()) return;
  if (p.rule->needs_free_drive() && !net.trials.objective)  // R per window is the trial objective's reward
    pl.fail("rule", "rule '" + p.rule->name() + "' needs [trials] with an [trials.objective]: its windows are the trials and R is their reward");
  if (!p.rule->wants_error()) {  // rules without a learning signal learn only the grid step and seed
    LearningLink link;
    link.post = net.populations[p.target]->dynamics().value_or(NeuronDynamics{});
    link.seed = net.seed;
    link.owner = static_cast<std::uint32_t>(pi);
    link.h = net.grid.h;
    if (std::string err = p.rule->link(link); !err.empty()) pl.fail("rule", err);
    return;
  }
  const TrialSpec& tr = net.trials;
  if (!tr.objective || tr.objective->reads() == "counts")
    pl.fail("rule", "rule '" + p.rule->name() + "' needs a [trials.objective] that reads a trace or spikes (its error is the learning signal)");
  const Population& out = *net.populations[tr.population];
  const bool spikes = tr.objective->reads() == "spikes";
  std::vector<double> probe(out.size(), 0.0), dx;
  if (!spikes && !out.input_adjoint(out.observable_index(tr.variable), probe, dx))
    pl.fail("rule", "the objective's population '" + out.name() + "' (" + out.model() + ", variable " + tr.variable +
                        ") is not a linear readout; learning signals need li_readout or a linear rate_unit");
  LearningLink link;
  link.post = net.populations[p.target]->dynamics().value_or(NeuronDynamics{});
  link.targets_objective = p.target == tr.population;
  link.objective_spikes = spikes;
  link.seed = net.seed;
  link.owner = static_cast<std::uint32_t>(pi);
  link.h = net.grid.h;
  if (const std::string name = p.rule->readout(); !name.empty()) {
    auto it = std::find_if(net.projections.begin(), net.projections.end(), [&](const Projection& q) { return q.name == name; });
    if (it == net.projections.end()) pl.fail("readout", "there is no projection '" + name + "'");
    if (it->source != p.target || it->target != tr.population)
      pl.fail("readout", "'" + name + "' must run from this projection's target '" + net.populations[p.target]->name() +
                             "' to the objective's population '" + out.name() + "'");
    if (it->min_delay != it->max_delay) pl.fail("readout", "'" + name + "' must have one delay for all synapses");
    link.readout = ReadoutView{out.size(), it->row, it->post, it->weight, it->min_delay};
  }
  if (std::string err = p.rule->link(link); !err.empty()) pl.fail("rule", err);
}

namespace {

void read_neuromodulators(Network& net, const ConfigNode& root) {
  if (!root.has("neuromodulators")) return;
  std::uint32_t index = 0;
  for (const ConfigNode& t : root.tables("neuromodulators")) {
    Neuromodulator m(net.seed, index);
    m.name = "neuromodulators[" + std::to_string(index++) + "]";
    const std::string kind = t.choice("kind", {"reward_on_pairing", "times"});
    m.amount = t.number("amount", 1.0, Check::finite());
    if (t.has("projections")) {
      for (const auto& name : t.strings("projections")) {
        const std::size_t k = detail::projection_of(net, t, "projections", name);
        if (!net.projections[k].plastic()) t.fail("projections", "projection '" + name + "' is not plastic");
        m.projections.push_back(k);
      }
    } else {
      for (std::size_t k = 0; k < net.projections.size(); ++k)
        if (net.projections[k].plastic()) m.projections.push_back(k);
    }
    if (kind == "times") {
      m.kind = Neuromodulator::Kind::times;
      for (double ms : t.numbers("times", Check::non_negative("ms"))) m.times.push_back(net.grid.from_ms(ms));
    } else {
      m.kind = Neuromodulator::Kind::reward_on_pairing;
      auto node = [&](const char* pop_key, const char* node_key, std::size_t& pop, std::uint32_t& n) {
        pop = population_of(net, t, pop_key);
        const auto size = static_cast<std::int64_t>(net.populations[pop]->size());
        n = static_cast<std::uint32_t>(t.integer(node_key, {}, 0, size - 1));
      };
      node("pre", "pre_node", m.pre, m.pre_node);
      node("post", "post_node", m.post, m.post_node);
      m.window = t.number("window", 10.0, Check::positive("ms"));
      m.delay = detail::Distribution::parse(t, "delay", Check::non_negative("ms"));
      if (m.delay.lowest() < 0.0) t.fail("delay", "a normal distribution can draw negative delays; use uniform");
    }
    t.finish();
    net.neuromodulators.push_back(std::move(m));
  }
}

// The epoch: at most the smallest delay, so that every spike reaches its targets in a later epoch.
void choose_epoch(Network& net, const ConfigNode& root) {
  Step min_delay = std::numeric_limits<Step>::max();
  const Projection* shortest = nullptr;
  for (auto& p : net.projections)
    if (p.size() > 0 && p.min_delay < min_delay) { min_delay = p.min_delay; shortest = &p; }
  ConfigNode s = root.table("simulation");
  if (s.has("epoch")) {
    if (shortest && net.epoch > min_delay)
      s.fail("epoch", "is longer than the smallest delay (" + format_number(net.grid.ms(min_delay)) +
                          " ms, projection '" + shortest->name + "'): every delay must be at least the epoch");
  } else {
    // Without projections nothing is exchanged; a 1 ms epoch keeps the loop's overhead small.
    net.epoch = shortest ? min_delay : std::max<Step>(1, std::llround(1.0 / net.grid.h));
  }
}

}  // namespace

Network build_network(const ConfigNode& root, const BuildOverrides& overrides) {
  Network net;
  net.config_path = root.file();
  net.config_text = root.text();
  read_simulation(net, root, overrides);
  read_populations(net, root);
  read_projections(net, root);
  read_inputs(net, root);
  read_output(net, root);
  read_trial_objective(net, root);
  // Without the objective's data set, trials cycle through the inputs' own, which compare's
  // "dataset" inputs and training's samples then count: the one size shared by every data-set
  // generator of more than one sample (one-sample generators are constant inputs). Generators
  // of different sizes leave it 0 (each cycles on its own, trial k = sample k).
  if (net.trials.samples == 0) {
    std::size_t size = 0;
    bool shared = true;
    for (const auto& p : net.populations)
      if (const auto* g = dynamic_cast<const Generator*>(p.get()); g && g->samples() > 1) {
        shared = shared && (size == 0 || size == g->samples());
        size = g->samples();
      }
    if (shared) net.trials.samples = size;
  }
  for (std::size_t k = 0; k < net.projections.size(); ++k)
    if (net.projections[k].plastic())
      detail::link_rule(net, k, root.table("projections").table(net.projections[k].name).table("plasticity"));
  read_neuromodulators(net, root);
  choose_epoch(net, root);
  // Tables of the other commands (apical train, apical compare): one file describes the network
  // and what to do with it, so `apical run` accepts them and leaves them to their commands.
  root.allow("training");
  root.allow("compare");
  root.finish();
  return net;
}

}  // namespace apical
