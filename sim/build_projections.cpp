// Projections from the config: connectivity rules, weights, delays, receptor.
//
//   [projections.ee]
//   source = "exc"; target = "exc"; receptor = "ex"
//   connectivity = { rule = "fixed_probability", p = 0.02, autapses = false }
//   weight = 16.2                       # or { distribution = "normal", mean = .., std = .. }
//   delay = 0.1                         # ms, or a distribution; rounded to whole steps
//
// Rules: all_to_all, one_to_one, fixed_probability (p), fixed_indegree (indegree),
// fixed_outdegree (outdegree), file (a SONATA edge file: file, edges). `autapses` (default true)
// applies when source and target are the same population; `multapses` (default true) to the
// fixed-degree rules. Random choices use the connectivity stream of (projection, neuron), weights
// and delays the weight/delay streams of (projection, source neuron), drawn in row order: the
// network is the same whatever the thread count.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/rng.hpp"
#include "sim/detail/build.hpp"
#include "sim/detail/distribution.hpp"
#include "sim/input_files.hpp"

namespace apical::detail {

namespace {

struct Rule {
  std::string kind;
  double p = 0.0;
  std::int64_t degree = 0;
  bool autapses = true, multapses = true;
};

// `count` distinct or repeated draws from [0, n), skipping `excluded` (if < n).
std::vector<std::uint32_t> draw_partners(RandomStream& rng, std::size_t n, std::size_t count,
                                         std::size_t excluded, bool multapses) {
  std::vector<std::uint32_t> out;
  out.reserve(count);
  std::vector<bool> taken(multapses ? 0 : n, false);
  while (out.size() < count) {
    std::uint32_t j = rng.below(static_cast<std::uint32_t>(n));
    if (j == excluded) continue;
    if (!multapses) {
      if (taken[j]) continue;
      taken[j] = true;
    }
    out.push_back(j);
  }
  return out;
}

std::vector<SynapseSpec> connect(const Rule& r, std::size_t n_pre, std::size_t n_post, bool same,
                                 std::uint64_t seed, std::uint32_t index) {
  std::vector<SynapseSpec> syn;
  auto allowed = [&](std::size_t i, std::size_t j) { return r.autapses || !same || i != j; };
  auto add = [&](std::size_t i, std::size_t j) {
    syn.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j), 0.0, 0});
  };
  if (r.kind == "all_to_all") {
    syn.reserve(n_pre * n_post);
    for (std::size_t i = 0; i < n_pre; ++i)
      for (std::size_t j = 0; j < n_post; ++j)
        if (allowed(i, j)) add(i, j);
  } else if (r.kind == "one_to_one") {
    for (std::size_t i = 0; i < n_pre; ++i) add(i, i);
  } else if (r.kind == "fixed_probability") {
    syn.reserve(static_cast<std::size_t>(1.1 * r.p * n_pre * n_post) + 16);
    for (std::size_t i = 0; i < n_pre; ++i) {
      RandomStream rng(seed, StreamKind::connectivity, index, static_cast<std::uint32_t>(i));
      if (r.p <= 0.0) continue;
      // Geometric gaps between successes: O(synapses) draws rather than O(n_pre n_post).
      for (std::uint64_t j = rng.geometric(r.p, n_post); j < n_post; j += 1 + rng.geometric(r.p, n_post))
        if (allowed(i, j)) add(i, j);
    }
  } else if (r.kind == "fixed_indegree") {
    for (std::size_t j = 0; j < n_post; ++j) {
      RandomStream rng(seed, StreamKind::connectivity, index, static_cast<std::uint32_t>(j));
      for (auto i : draw_partners(rng, n_pre, r.degree, (same && !r.autapses) ? j : n_pre, r.multapses))
        add(i, j);
    }
  } else if (r.kind == "fixed_outdegree") {
    for (std::size_t i = 0; i < n_pre; ++i) {
      RandomStream rng(seed, StreamKind::connectivity, index, static_cast<std::uint32_t>(i));
      for (auto j : draw_partners(rng, n_post, r.degree, (same && !r.autapses) ? i : n_post, r.multapses))
        add(i, j);
    }
  }
  return syn;
}

// A delay in whole steps (rounded to the nearest, as NEST does), at least one step.
Step delay_steps(const ConfigNode& where, const std::string& key, double delay_ms, double h) {
  double steps = std::round(delay_ms / h);
  if (!(steps >= 1.0))
    where.fail(key, "delays must be at least one step h = " + format_number(h) + " ms (got " +
                        format_number(delay_ms) + " ms)");
  if (steps > 65535.0) where.fail(key, "delays must be at most 65535 steps");
  return static_cast<Step>(steps);
}

}  // namespace

Projection make_projection(const Network& net, const ConfigNode& t, const std::string& name,
                           std::uint32_t index) {
  Projection proj;
  proj.name = name;
  proj.source = population_of(net, t, "source");
  proj.target = population_of(net, t, "target");
  const Population& pre = *net.populations[proj.source];
  Population& post = *net.populations[proj.target];
  auto receptors = post.receptors();
  if (receptors.empty())
    t.fail("target", "population '" + post.name() + "' (" + post.model() + ") takes no input");
  proj.receptor = post.receptor_index(t.choice("receptor", receptors, receptors[0]));

  ConfigNode c = t.table("connectivity");
  Rule r;
  r.kind = c.choice("rule", {"all_to_all", "one_to_one", "fixed_probability", "fixed_indegree",
                             "fixed_outdegree", "file"});
  bool same = proj.source == proj.target;
  std::vector<SynapseSpec> syn;
  bool file_weights = false, file_delays = false;
  if (r.kind == "file") {
    EdgeList edges;
    try {
      edges = read_edge_file(c.string("file"), c.string("edges", ""));
    } catch (const ConfigError& e) {
      c.fail("file", e.what());
    }
    for (std::size_t k = 0; k < edges.source.size(); ++k) {
      if ((!edges.weight.empty() && !std::isfinite(edges.weight[k])) ||
          (!edges.delay_ms.empty() && !std::isfinite(edges.delay_ms[k])))
        c.fail("file", "edge " + std::to_string(k) + " has a non-finite weight or delay");
      if (edges.source[k] >= pre.size() || edges.target[k] >= post.size())
        c.fail("file", "edge " + std::to_string(k) + " (" + std::to_string(edges.source[k]) + " -> " +
                           std::to_string(edges.target[k]) + ") is out of range for populations of size " +
                           std::to_string(pre.size()) + " and " + std::to_string(post.size()));
      double w = edges.weight.empty() ? 0.0 : edges.weight[k];
      Step d = edges.delay_ms.empty() ? 0 : delay_steps(c, "file", edges.delay_ms[k], net.grid.h);
      syn.push_back({static_cast<std::uint32_t>(edges.source[k]), static_cast<std::uint32_t>(edges.target[k]), w, d});
    }
    file_weights = !edges.weight.empty() && !t.has("weight");
    file_delays = !edges.delay_ms.empty() && !t.has("delay");
  } else {
    if (r.kind == "fixed_probability") r.p = c.number("p", Check::probability());
    if (r.kind == "fixed_indegree" || r.kind == "fixed_outdegree") {
      std::string key = r.kind == "fixed_indegree" ? "indegree" : "outdegree";
      r.degree = c.integer(key, {}, 0);
      r.multapses = c.boolean("multapses", true);
    }
    if (r.kind != "one_to_one") r.autapses = c.boolean("autapses", true);
    if (r.kind == "one_to_one" && pre.size() != post.size())
      c.fail("rule", "one_to_one needs populations of equal size (" + std::to_string(pre.size()) +
                         " and " + std::to_string(post.size()) + ")");
    std::size_t partners = r.kind == "fixed_indegree" ? pre.size() : post.size();
    std::size_t available = partners - ((same && !r.autapses) ? 1 : 0);
    const char* degree_key = r.kind == "fixed_indegree" ? "indegree" : "outdegree";
    if (r.degree > 0 && available == 0)
      c.fail(degree_key, "there is no partner to connect to (autapses excluded)");
    if (!r.multapses && static_cast<std::size_t>(r.degree) > available)
      c.fail(degree_key, "exceeds the " + std::to_string(available) + " distinct partners available without multapses");
    syn = connect(r, pre.size(), post.size(), same, net.seed, index);
  }
  c.finish();

  // Weights and delays in row order, from per-source streams.
  std::stable_sort(syn.begin(), syn.end(), [](const SynapseSpec& a, const SynapseSpec& b) {
    return a.pre != b.pre ? a.pre < b.pre : a.post < b.post;
  });
  // Values given in the config take precedence over those in an edge file.
  Distribution w = file_weights ? Distribution{} : Distribution::parse(t, "weight", Check::finite());
  Distribution d = file_delays ? Distribution{} : Distribution::parse(t, "delay", Check::positive("ms"));
  std::uint32_t current = UINT32_MAX;
  RandomStream wr(0, StreamKind::weight, 0, 0), dr(0, StreamKind::delay, 0, 0);
  for (auto& s : syn) {
    if (s.pre != current) {
      current = s.pre;
      wr = RandomStream(net.seed, StreamKind::weight, index, s.pre);
      dr = RandomStream(net.seed, StreamKind::delay, index, s.pre);
    }
    if (!file_weights) s.weight = w.draw(wr);
    if (!file_delays) s.delay = delay_steps(t, "delay", d.draw(dr), net.grid.h);
  }
  assemble(proj, pre.size(), std::move(syn));
  if (t.has("plasticity")) attach_rule(proj, net, post, t.table("plasticity"));
  t.finish();
  return proj;
}

void attach_rule(Projection& proj, const Network& net, Population& post, const ConfigNode& pl, bool measure) {
  std::string rule = pl.choice("rule", rule_names());
  auto settings = WeightUpdate::parse(pl);
  if (measure) {
    if (pl.has("mode") && settings.mode != WeightUpdate::Mode::measure)
      pl.fail("mode", "rules compared by apical compare run in measure mode; remove 'mode'");
    settings.mode = WeightUpdate::Mode::measure;
  }
  auto made = make_rule(rule, pl);
  for (const auto& need : made->needs())
    if (post.observable_index(need) < 0)
      pl.fail("rule", "rule '" + rule + "' reads '" + need + "', which " + post.model() + " does not export");
  if (made->perturbs_nodes() && !post.takes_node_perturbation())
    pl.fail("rule", "rule '" + rule + "' adds noise to the summed input of clock-driven neurons every step; " +
                        post.model() + " is event-driven (weight_perturbation works on any target)");
  if (made->needs_free_drive()) {  // windows are the trials (plasticity/rdd.hpp)
    if (!post.track_free_drive(net.trials.count > 0 ? net.trials.length : std::numeric_limits<Step>::max() / 2))
      pl.fail("rule", "rule '" + rule + "' reads the free drive, which " + post.model() + " does not keep");
    made->attach_free_drive(post.free_drive_max(), post.free_drive_threshold());
  }
  pl.finish();
  make_plastic(proj, post.size(), post.observables(), std::move(made), settings);
}

}  // namespace apical::detail
