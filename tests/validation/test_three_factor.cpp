// Three-factor plasticity: the rstdp rule through its hooks (exact sums), and the engine's
// delivery of the trial objective's reward as a third factor (measure mode against an
// eligibility computed independently from the recorded spikes, learn mode with the trial
// schedule, the running-mean baseline).
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "../support.hpp"
#include "core/error.hpp"
#include "plasticity/rstdp.hpp"

using namespace apical;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// One synapse, one postsynaptic neuron. Events (time, kind, value): kind 'e' pre arrival, 'o'
// post spike, 'd' third factor of the given value. Returns the summed raw update (= -measured).
struct Event {
  double t;
  char kind;
  double value = 0.0;
};
double raw_sum(Rstdp rule, const std::vector<Event>& events) {
  std::vector<double> w{0.0};
  std::vector<std::uint64_t> row{0, 1};
  std::vector<std::uint32_t> post{0}, incoming{0};
  rule.bind(SynapseTable{1, 1, row, post, w}, {"V_m"});
  WeightUpdate out(WeightUpdate::Settings{WeightUpdate::Mode::measure}, std::span<double>(w));
  const double v = -60.0;
  const PostState s(&v, 1);
  for (const Event& e : events) {
    if (e.kind == 'e') rule.on_pre(0, 0, e.t, s, out);
    else if (e.kind == 'o') rule.on_post(0, e.t, incoming, s, out);
    else rule.on_third_factor(0, e.t, e.value, incoming, s, out);
  }
  return -out.measured()[0];
}

}  // namespace

TEST_CASE("rstdp: the eligibility carries a pairing to a later third factor", "[validation][plasticity]") {
  Rstdp::Params p;
  p.stdp.tau_plus = 16.0;
  p.stdp.tau_minus = 25.0;
  p.stdp.A_plus = 0.8;
  p.stdp.A_minus = 0.6;
  p.tau_c = 300.0;
  const double d = -1.7, T = 400.0;
  for (double lag : {0.5, 3.0, 12.0, 40.0}) {
    INFO("lag " << lag);
    // pre (arrival) at 20, post at 20 + lag, reward at T
    const double t_post = 20.0 + lag;
    CHECK_THAT(raw_sum(Rstdp(p), {{20.0, 'e'}, {t_post, 'o'}, {T, 'd', d}}),
               WithinAbs(d * p.stdp.A_plus * std::exp(-lag / p.stdp.tau_plus) * std::exp(-(T - t_post) / p.tau_c), 1e-15));
    // post at 20, pre at 20 + lag: the negative analogue, decaying from the pre arrival
    const double t_pre = 20.0 + lag;
    CHECK_THAT(raw_sum(Rstdp(p), {{20.0, 'o'}, {t_pre, 'e'}, {T, 'd', d}}),
               WithinAbs(-d * p.stdp.A_minus * std::exp(-lag / p.stdp.tau_minus) * std::exp(-(T - t_pre) / p.tau_c), 1e-15));
    // no third factor: the pairings change nothing
    CHECK(raw_sum(Rstdp(p), {{20.0, 'e'}, {t_post, 'o'}, {t_post + 5.0, 'e'}}) == 0.0);
  }
  // Two third factors read the same eligibility (not consumed), each decayed to its own time.
  const double both = raw_sum(Rstdp(p), {{0.0, 'e'}, {10.0, 'o'}, {100.0, 'd', 1.0}, {200.0, 'd', 2.0}});
  const double c10 = p.stdp.A_plus * std::exp(-10.0 / p.stdp.tau_plus);
  CHECK_THAT(both, WithinAbs(c10 * (std::exp(-90.0 / p.tau_c) + 2.0 * std::exp(-190.0 / p.tau_c)), 1e-15));
}

TEST_CASE("rstdp: reset clears the eligibility", "[validation][plasticity]") {
  Rstdp rule(Rstdp::Params{});
  std::vector<double> w{0.0};
  std::vector<std::uint64_t> row{0, 1};
  std::vector<std::uint32_t> post{0}, incoming{0};
  rule.bind(SynapseTable{1, 1, row, post, w}, {});
  WeightUpdate out(WeightUpdate::Settings{WeightUpdate::Mode::measure}, std::span<double>(w));
  rule.on_pre(0, 0, 1.0, {}, out);
  rule.on_post(0, 3.0, incoming, {}, out);
  CHECK(rule.eligibility(0, 3.0) > 0.0);
  rule.reset();
  rule.on_third_factor(0, 5.0, 1.0, incoming, {}, out);
  CHECK(rule.eligibility(0, 5.0) == 0.0);
  CHECK(out.measured()[0] == 0.0);
}

namespace {

// Poisson input onto a small LIF output population, rstdp on the feed-forward synapses, and a
// target_count objective on the output.
std::string reward_network(const std::string& plasticity, const std::string& objective_extra = "",
                           const std::string& targets = "[3.0, 1.0, 4.0, 1.0, 5.0]", int trials = 3) {
  std::ostringstream os;
  os << R"(
[simulation]
dt = 0.1
seed = 7
[trials]
count = )" << trials << R"(
length = 100.0
[populations.in]
model = "poisson_generator"
size = 20
params = { rate = 30.0 }
[populations.out]
model = "lif_psc_exp"
size = 5
params = { tau_syn_ex = 5.0 }
[projections.ff]
source = "in"
target = "out"
connectivity = { rule = "all_to_all" }
weight = { distribution = "uniform", low = 100.0, high = 300.0 }
delay = { distribution = "uniform", low = 0.5, high = 3.0 }
plasticity = { rule = "rstdp", tau_plus = 15.0, tau_minus = 25.0, A_plus = 1.0, A_minus = 1.2, tau_c = 200.0, )"
     << plasticity << R"( }
[trials.objective]
kind = "target_count"
population = "out"
targets = )" << targets << "\n"
     << objective_extra;
  return os.str();
}

// What a run reports per trial: the measured update, the reward, the delivered third factor.
struct TrialLog : test::Recorded {
  Network& net;
  std::vector<std::vector<double>> measured;
  std::vector<double> reward, delivered;
  explicit TrialLog(Network& n) : Recorded(n), net(n) {}
  void third_factor(std::int64_t, Step, double value) override { delivered.push_back(value); }
  void trial_done(std::int64_t, Step, const ObjectiveResult* r) override {
    auto m = net.projections[0].update->measured();
    measured.emplace_back(m.begin(), m.end());
    reward.push_back(r->reward);
  }
};

// The eligibility c(T) of every synapse at the end of trial k, from the recorded spikes alone:
// all-to-all pairs of (arrival, post spike) within the trial, each decayed from its later member
// to the trial end. Arrivals are presynaptic spikes of the trial plus the delay; those that would
// arrive after the trial's end are dropped by the reset, as in the engine.
std::vector<double> eligibility_at_trial_end(const Network& net, const std::vector<std::vector<Spike>>& spikes,
                                             std::int64_t k, std::size_t* ties) {
  const double tau_plus = 15.0, tau_minus = 25.0, A_plus = 1.0, A_minus = 1.2, tau_c = 200.0;
  const Projection& p = net.projections[0];
  const auto pre = p.sources();
  const Step t0 = k * net.trials.length, t1 = t0 + net.trials.length;
  const double T = net.grid.ms(t1);
  std::vector<double> c(p.size(), 0.0);
  for (std::size_t syn = 0; syn < p.size(); ++syn) {
    std::vector<double> arrivals, posts;
    for (const Spike& s : spikes[p.source])
      if (s.node == pre[syn] && s.step >= t0 && s.step + p.delay_of(syn) < t1)
        arrivals.push_back(net.grid.ms(Time{s.step + p.delay_of(syn), s.offset}));
    for (const Spike& s : spikes[p.target])
      if (s.node == p.post[syn] && s.step >= t0 && s.step < t1) posts.push_back(net.grid.ms(Time{s.step, s.offset}));
    for (double a : arrivals)
      for (double o : posts) {
        if (o > a) c[syn] += A_plus * std::exp(-(o - a) / tau_plus) * std::exp(-(T - o) / tau_c);
        else if (a > o) c[syn] -= A_minus * std::exp(-(a - o) / tau_minus) * std::exp(-(T - a) / tau_c);
        else ++*ties;
      }
  }
  return c;
}

std::vector<double> counts_in_trial(const Network& net, const std::vector<Spike>& spikes, std::int64_t k) {
  std::vector<double> n(net.populations[net.trials.population]->size(), 0.0);
  for (const Spike& s : spikes)
    if (s.step / net.trials.length == k) n[s.node] += 1.0;
  return n;
}

}  // namespace

TEST_CASE("third factor: the trial reward times the eligibility, in measure and learn mode",
          "[validation][plasticity]") {
  Network net = test::network(reward_network("mode = \"measure\""));
  const std::vector<double> w0 = net.projections[0].weight;
  TrialLog log(net);
  Simulator(net, 1).run(log);
  CHECK(net.projections[0].weight == w0);  // measure mode: frozen
  REQUIRE(log.measured.size() == 3);
  REQUIRE(log.delivered == log.reward);  // no baseline: the reward itself
  const std::vector<double> targets = {3.0, 1.0, 4.0, 1.0, 5.0};
  for (std::int64_t k = 0; k < 3; ++k) {
    INFO("trial " << k);
    auto counts = counts_in_trial(net, log.spike_lists[net.trials.population], k);
    double R = 0;
    for (std::size_t j = 0; j < counts.size(); ++j) R -= 0.5 * (counts[j] - targets[j]) * (counts[j] - targets[j]);
    CHECK(log.reward[static_cast<std::size_t>(k)] == R);
    REQUIRE(R != 0.0);
    std::size_t ties = 0;
    auto c = eligibility_at_trial_end(net, log.spike_lists, k, &ties);
    REQUIRE(ties == 0);
    std::size_t nonzero = 0;
    for (std::size_t syn = 0; syn < c.size(); ++syn) {
      const double u = log.measured[static_cast<std::size_t>(k)][syn];
      CHECK_THAT(u, WithinAbs(-c[syn] * R, 1e-10 * std::abs(R)));
      nonzero += u != 0.0;
    }
    CHECK(nonzero > c.size() / 2);  // the check above is not vacuous
  }

  // Other targets: same spikes (weights frozen), another reward, the same eligibility.
  Network other = test::network(reward_network("mode = \"measure\"", "", "[0.0, 0.0, 0.0, 0.0, 0.0]"));
  TrialLog other_log(other);
  Simulator(other, 1).run(other_log);
  REQUIRE(other_log.spike_lists[1].size() == log.spike_lists[1].size());
  const double ratio = other_log.reward[0] / log.reward[0];
  for (std::size_t syn = 0; syn < w0.size(); ++syn)
    CHECK_THAT(other_log.measured[0][syn], WithinAbs(ratio * log.measured[0][syn], 1e-12 * std::abs(other_log.reward[0])));

  // Learning with the trial schedule: after the first trial the weights are exactly w0 - eta u.
  Network learn = test::network(reward_network("eta = 0.5, schedule = \"trial\""));
  learn.duration = learn.trials.length;
  test::run(learn);
  const auto& w1 = learn.projections[0].weight;
  for (std::size_t syn = 0; syn < w0.size(); ++syn) {
    const double expected = w0[syn] - 0.5 * log.measured[0][syn];
    if (w1[syn] != expected) FAIL("synapse " << syn << ": " << w1[syn] << " != " << expected);
  }
  CHECK(w1 != w0);
}

TEST_CASE("third factor: a running-mean baseline delivers the reward-prediction error", "[validation][plasticity]") {
  const int trials = 5;
  Network net = test::network(
      reward_network("mode = \"measure\"", "baseline = \"running_mean\"\nbaseline_tau = 2.5\n", "[3.0, 1.0, 4.0, 1.0, 5.0]", trials));
  TrialLog log(net);
  Simulator(net, 1).run(log);
  REQUIRE(log.delivered.size() == static_cast<std::size_t>(trials));
  double mean = 0.0;  // Rbar_{-1} = 0
  for (std::size_t k = 0; k < log.delivered.size(); ++k) {
    INFO("trial " << k);
    CHECK(log.delivered[k] == log.reward[k] - mean);
    mean += (log.reward[k] - mean) / 2.5;
    // The rule got the delivered value, not the reward.
    std::size_t ties = 0;
    auto c = eligibility_at_trial_end(net, log.spike_lists, static_cast<std::int64_t>(k), &ties);
    REQUIRE(ties == 0);
    for (std::size_t syn = 0; syn < c.size(); ++syn)
      CHECK_THAT(log.measured[k][syn], WithinAbs(-c[syn] * log.delivered[k], 1e-10 * std::abs(log.reward[k]) + 1e-12));
  }
  // The rewards vary, so the baseline made a difference after the first trial.
  CHECK(log.delivered[1] != log.reward[1]);

  // baseline_tau belongs to the running mean; below one trial it would overshoot.
  CHECK_THROWS_AS(test::network(reward_network("mode = \"measure\"", "baseline_tau = 3.0\n")), ConfigError);
  CHECK_THROWS_AS(test::network(reward_network("mode = \"measure\"", "baseline = \"running_mean\"\nbaseline_tau = 0.5\n")),
                  ConfigError);
}

namespace {

// Records what the third-factor hook is handed.
struct ThirdFactorProbe final : Rule {
  struct Seen {
    std::uint32_t post;
    double t, value, v_m;
    std::size_t incoming;
  };
  int v_index = -1;
  std::vector<Seen> seen;
  std::string name() const override { return "probe"; }
  void bind(const SynapseTable&, const std::vector<std::string>& obs) override {
    for (std::size_t k = 0; k < obs.size(); ++k)
      if (obs[k] == "V_m") v_index = static_cast<int>(k);
  }
  void reset() override {}
  void on_pre(std::uint32_t, std::uint32_t, Millis, PostState, WeightUpdate&) override {}
  void on_post(std::uint32_t, Millis, std::span<const std::uint32_t>, PostState, WeightUpdate&) override {}
  void on_third_factor(std::uint32_t post, Millis t, double value, std::span<const std::uint32_t> incoming,
                       PostState s, WeightUpdate&) override {
    seen.push_back({post, t, value, s[static_cast<std::size_t>(v_index)], incoming.size()});
  }
};

}  // namespace

TEST_CASE("third factor: every target neuron, at the trial end, with its observables", "[validation][plasticity]") {
  Network net = test::network(reward_network("mode = \"measure\""));
  auto owner = std::make_unique<ThirdFactorProbe>();
  ThirdFactorProbe* probe = owner.get();
  make_plastic(net.projections[0], 5, net.populations[1]->observables(), std::move(owner),
               WeightUpdate::Settings{WeightUpdate::Mode::measure});
  TrialLog log(net);
  Simulator(net, 1).run(log);
  REQUIRE(probe->seen.size() == 3 * 5);
  for (std::size_t k = 0; k < probe->seen.size(); ++k) {
    const auto& s = probe->seen[k];
    CHECK(s.post == k % 5);
    CHECK(s.t == 100.0 * static_cast<double>(k / 5 + 1));
    CHECK(s.value == log.reward[k / 5]);
    CHECK(s.incoming == 20);
    CHECK(s.v_m < -55.0);  // a membrane potential below threshold, not a default zero
    CHECK(s.v_m >= -75.0);
  }
}
