// Dopamine as a concentration in rstdp (Izhikevich 2007's ds/dt = c d), Florian 2007's MSTDP and
// MSTDPET, the [[neuromodulators]] sources, and the distal-reward experiment in reduced form.
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

struct Event {
  double t;
  char kind;  // 'e' pre arrival, 'o' post spike, 'd' dopamine pulse, 'T' end of trial
  double value = 0.0;
};

// Drives one synapse through the rule's hooks; returns the summed raw update (= -measured).
double raw_sum(Rstdp rule, const std::vector<Event>& events) {
  std::vector<double> w{0.0};
  std::vector<std::uint64_t> row{0, 1};
  std::vector<std::uint32_t> post{0}, incoming{0};
  rule.bind(SynapseTable{1, 1, row, post, w}, {});
  WeightUpdate out(WeightUpdate::Settings{WeightUpdate::Mode::measure}, std::span<double>(w));
  for (const Event& e : events) {
    if (e.kind == 'e') rule.on_pre(0, 0, e.t, {}, out);
    else if (e.kind == 'o') rule.on_post(0, e.t, incoming, {}, out);
    else if (e.kind == 'd') rule.on_third_factor(0, e.t, e.value, incoming, {}, out);
    else rule.end_trial(e.t, out);
  }
  return -out.measured()[0];
}

// The STDP increments of all-to-all pair STDP, from the definition (every pair, no traces).
std::vector<std::pair<double, double>> increments(const Rstdp::Params& p, const std::vector<Event>& events) {
  std::vector<std::pair<double, double>> inc;
  for (const Event& x : events) {
    double v = 0.0;
    for (const Event& y : events) {
      if (y.t >= x.t) continue;
      if (x.kind == 'o' && y.kind == 'e') v += p.stdp.A_plus * std::exp(-(x.t - y.t) / p.stdp.tau_plus);
      if (x.kind == 'e' && y.kind == 'o') v -= p.stdp.A_minus * std::exp(-(x.t - y.t) / p.stdp.tau_minus);
    }
    if (x.kind == 'e' || x.kind == 'o') inc.push_back({x.t, v});
  }
  return inc;
}

double dopamine(const Rstdp::Params& p, const std::vector<Event>& events, double t) {
  double d = 0.0;
  for (const Event& e : events)
    if (e.kind == 'd' && e.t <= t) d += e.value * std::exp(-(t - e.t) / p.tau_d);
  return d;
}

// int_0^T c(t) d(t) dt by composite Simpson between consecutive events (c and d are smooth there).
double integral_c_d(const Rstdp::Params& p, const std::vector<Event>& events, double T) {
  auto inc = increments(p, events);
  auto f = [&](double t, double edge) {  // edge: evaluate just after the breakpoint at t
    double c = 0.0;
    for (auto [ti, v] : inc)
      if (ti < t || (ti == t && edge > 0)) c += v * std::exp(-(t - ti) / p.tau_c);
    double d = 0.0;
    for (const Event& e : events)
      if (e.kind == 'd' && (e.t < t || (e.t == t && edge > 0))) d += e.value * std::exp(-(t - e.t) / p.tau_d);
    return c * d;
  };
  std::vector<double> cuts{0.0};
  for (const Event& e : events) cuts.push_back(e.t);
  cuts.push_back(T);
  double total = 0.0;
  for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
    const double a = cuts[k], b = cuts[k + 1];
    if (b <= a) continue;
    const int n = 4000;
    const double h = (b - a) / n;
    double s = f(a, +1) + f(b, -1);
    for (int i = 1; i < n; ++i) s += (i % 2 ? 4.0 : 2.0) * f(a + i * h, 0);
    total += s * h / 3.0;
  }
  return total;
}

}  // namespace

TEST_CASE("rstdp with tau_d: the weight follows ds/dt = c d, applied at events and trial ends", "[validation][plasticity][reward]") {
  Rstdp::Params p;
  p.tau_d = 200.0;
  p.stdp.A_minus = 1.5;
  const std::vector<Event> events = {{0.0, 'e'},    {10.0, 'o'},  {400.0, 'd', 0.5}, {700.0, 'o'},
                                     {705.0, 'e'},  {900.0, 'd', 0.8}, {1500.0, 'e'}, {1510.0, 'o'},
                                     {2100.0, 'd', 0.5}, {4000.0, 'T'}};
  const double rule = raw_sum(Rstdp(p), events);
  const double reference = integral_c_d(p, events, 4000.0);
  REQUIRE(std::fabs(reference) > 1.0);
  CHECK_THAT(rule, WithinRel(reference, 1e-9));
  // Without the trial end the part after the last synapse event is not applied yet.
  std::vector<Event> open(events.begin(), events.end() - 1);
  CHECK(std::fabs(raw_sum(Rstdp(p), open) - reference) > 1e-3 * std::fabs(reference));

  // MSTDPET (Florian 2007): the same with z = c, tau_z = 25 ms, A_plus = A_minus = 1.
  ConfigNode cfg = ConfigNode::parse("variant = \"mstdpet\"\ntau_d = 50.0\n", "t.toml");
  Rstdp::Params f = Rstdp::parse(cfg);
  CHECK(f.tau_c == 25.0);
  CHECK(f.stdp.A_minus == 1.0);
  const std::vector<Event> close = {{0.0, 'e'}, {5.0, 'o'}, {20.0, 'd', 1.0}, {30.0, 'e'}, {32.0, 'o'}, {300.0, 'T'}};
  CHECK_THAT(raw_sum(Rstdp(f), close), WithinRel(integral_c_d(f, close, 300.0), 1e-9));

  // MSTDP: no eligibility; each increment times the dopamine concentration at its time.
  Rstdp::Params m = Rstdp::parse(ConfigNode::parse("variant = \"mstdp\"\ntau_d = 50.0\n", "t.toml"));
  const std::vector<Event> mev = {{0.0, 'd', 1.0}, {3.0, 'e'}, {8.0, 'o'}, {60.0, 'd', 0.5}, {70.0, 'o'}, {71.0, 'e'}, {500.0, 'T'}};
  double expected = 0.0;
  for (auto [t, v] : increments(m, mev)) expected += v * dopamine(m, mev, t);
  REQUIRE(expected != 0.0);
  CHECK_THAT(raw_sum(Rstdp(m), mev), WithinRel(expected, 1e-12));
  CHECK_THROWS_AS(Rstdp::parse(ConfigNode::parse("variant = \"mstdp\"\n", "t.toml")), ConfigError);
  CHECK_THROWS_AS(Rstdp::parse(ConfigNode::parse("variant = \"mstdp\"\ntau_d = 5.0\ntau_c = 9.0\n", "t.toml")), ConfigError);
}

namespace {

struct PulseLog : test::Recorded {
  Network& net;
  std::vector<std::pair<Step, double>> pulses;
  std::vector<std::vector<double>> measured;
  explicit PulseLog(Network& n) : Recorded(n), net(n) {}
  void neuromodulator(std::size_t, Step t1, double amount) override { pulses.push_back({t1, amount}); }
  void trial_done(std::int64_t, Step, const ObjectiveResult*) override {
    if (net.projections.empty() || !net.projections[0].plastic()) return;
    auto m = net.projections[0].update->measured();
    measured.emplace_back(m.begin(), m.end());
  }
};

std::string pulse_network(const std::string& plasticity) {
  return R"(
[simulation]
dt = 0.1
seed = 5
[trials]
count = 2
length = 1000.0
[populations.in]
model = "poisson_generator"
size = 20
params = { rate = 20.0 }
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
plasticity = { )" + plasticity + R"( }
[[neuromodulators]]
kind = "times"
times = [300.0, 650.05, 1400.0]
amount = 0.7
)";
}

}  // namespace

TEST_CASE("neuromodulators: pulses at epoch boundaries; measure, trial schedule and threads with every variant",
          "[validation][plasticity][reward]") {
  for (std::string rule : {"rule = \"rstdp\", tau_d = 200.0", "rule = \"rstdp\", variant = \"mstdpet\", tau_d = 100.0",
                           "rule = \"rstdp\", variant = \"mstdp\", tau_d = 100.0", "rule = \"rstdp\""}) {
    INFO(rule);
    Network net = test::network(pulse_network(rule + ", mode = \"measure\""));
    const std::vector<double> w0 = net.projections[0].weight;
    PulseLog log(net);
    Simulator(net, 1).run(log);
    CHECK(net.projections[0].weight == w0);
    // The epoch is the smallest delay (0.5 ms): 650.05 ms is delivered at 650.5 ms.
    REQUIRE(log.pulses.size() == 3);
    CHECK(log.pulses[0] == std::pair<Step, double>{3000, 0.7});
    CHECK(log.pulses[1].first == 6505);
    CHECK(log.pulses[2].first == 14000);
    std::size_t nonzero = 0;
    for (const auto& m : log.measured)
      for (double u : m) nonzero += u != 0.0;
    CHECK(nonzero > w0.size());

    // Trial schedule, no bounds: after the first trial exactly w0 - eta u.
    Network learn = test::network(pulse_network(rule + ", eta = 0.25, schedule = \"trial\""));
    learn.duration = learn.trials.length;
    test::run(learn);
    for (std::size_t syn = 0; syn < w0.size(); ++syn) {
      const double expected = w0[syn] - 0.25 * log.measured[0][syn];
      if (learn.projections[0].weight[syn] != expected)
        FAIL("synapse " << syn << ": " << learn.projections[0].weight[syn] << " != " << expected);
    }
    // Online learning: 1 and 2 threads give identical weights.
    Network a = test::network(pulse_network(rule + ", eta = 0.25")), b = test::network(pulse_network(rule + ", eta = 0.25"));
    test::run(a, 1);
    test::run(b, 2);
    CHECK(a.projections[0].weight == b.projections[0].weight);
    CHECK(a.projections[0].weight != w0);
  }
}

TEST_CASE("neuromodulators: reward_on_pairing schedules a delayed pulse per pre-before-post pairing", "[validation][reward]") {
  const std::string cfg = R"(
[simulation]
dt = 0.1
duration = 2000.0
[populations.a]
model = "spike_generator"
size = 2
params = { node_ids = [1, 0, 0, 0, 0], times = [5.0, 10.0, 100.0, 200.0, 300.0] }
[populations.b]
model = "spike_generator"
size = 2
params = { node_ids = [1, 1, 1, 1, 1, 0], times = [15.0, 150.0, 205.0, 207.0, 300.0, 301.0] }
[[neuromodulators]]
kind = "reward_on_pairing"
pre = "a"
pre_node = 0
post = "b"
post_node = 1
window = 10.0
delay = 1000.0
amount = 2.0
)";
  Network net = test::network(cfg);
  PulseLog log(net);
  Simulator(net, 1).run(log);
  // Pairings: 10 -> 15 and 200 -> 205 (207 reuses the same pre spike; 150 is 50 ms late; 300 is
  // simultaneous; node 1 of a and node 0 of b are not the pair). Pulses 1 s after the post spike,
  // delivered at the end of the 1 ms epoch containing them (no projections: epoch 1 ms).
  REQUIRE(log.pulses.size() == 2);
  CHECK(log.pulses[0] == std::pair<Step, double>{10150, 2.0});
  CHECK(log.pulses[1] == std::pair<Step, double>{12050, 2.0});
  CHECK_THROWS_AS(test::network(cfg + "\n[[neuromodulators]]\nkind = \"reward_on_pairing\"\npre = \"a\"\npre_node = 2\n"
                                      "post = \"b\"\npost_node = 0\ndelay = 1.0\n"),
                  ConfigError);
  CHECK_THROWS_AS(test::network(cfg + "\n[[neuromodulators]]\nkind = \"times\"\ntimes = [1.0]\nprojections = [\"x\"]\n"),
                  ConfigError);
}

TEST_CASE("distal reward (Izhikevich 2007, reduced): the rewarded synapse grows to its bound", "[validation][reward]") {
  // 20 Poisson inputs at 1 Hz onto 2 noise-driven LIF neurons (~4 Hz); input 0 -> output 0 is
  // rewarded 1-3 s after each pre-before-post pairing (window 10 ms); rstdp with Izhikevich's
  // values, dopamine tau_d 200 ms. The same setting as examples/distal_reward.toml, smaller and
  // with a larger eta, for 800 s of simulated time.
  auto config = [](double duration) {
    std::ostringstream os;
    os << R"(
[simulation]
dt = 0.1
duration = )" << duration << R"(
seed = 2007
[populations.in]
model = "poisson_generator"
size = 20
params = { rate = 1.0 }
[populations.out]
model = "lif_psc_delta"
size = 2
params = { tau_m = 10.0, E_L = -70.0, V_th = -50.0, V_reset = -70.0, t_ref = 2.0 }
[populations.bg_ex]
model = "poisson_generator"
size = 2
params = { rate = 2800.0 }
[populations.bg_in]
model = "poisson_generator"
size = 2
params = { rate = 2000.0 }
[projections.background_ex]
source = "bg_ex"
target = "out"
receptor = "ex"
connectivity = { rule = "one_to_one" }
weight = 1.0
delay = 1.0
[projections.background_in]
source = "bg_in"
target = "out"
receptor = "in"
connectivity = { rule = "one_to_one" }
weight = -1.0
delay = 1.0
[projections.ff]
source = "in"
target = "out"
receptor = "ex"
connectivity = { rule = "all_to_all" }
weight = 1.0
delay = 1.0
plasticity = { rule = "rstdp", tau_d = 200.0, eta = 0.004, bounds = "hard", w_min = 0.0, w_max = 4.0 }
[[neuromodulators]]
kind = "reward_on_pairing"
pre = "in"
pre_node = 0
post = "out"
post_node = 0
window = 10.0
delay = { distribution = "uniform", low = 1000.0, high = 3000.0 }
amount = 0.5
)";
    return os.str();
  };
  Network net = test::network(config(800000.0));
  PulseLog log(net);
  Simulator(net, 1).run(log);
  const Projection& p = net.projections[2];
  REQUIRE(p.name == "ff");
  const auto pre = p.sources();
  double rewarded = 0.0;
  std::vector<double> others;
  for (std::size_t k = 0; k < p.size(); ++k) {
    if (pre[k] == 0 && p.post[k] == 0) rewarded = p.weight[k];
    else others.push_back(p.weight[k]);
  }
  std::sort(others.begin(), others.end());
  const double p99 = others[static_cast<std::size_t>(0.99 * static_cast<double>(others.size() - 1))];
  INFO("rewarded " << rewarded << ", others' 99th percentile " << p99 << ", pulses " << log.pulses.size());
  CHECK(log.pulses.size() > 50);
  CHECK(rewarded > 3.5);          // near its bound of 4 mV
  CHECK(rewarded > p99 + 1.0);    // clearly above the others
  double mean = 0.0;
  for (double w : others) mean += w / static_cast<double>(others.size());
  CHECK(mean < 1.2);  // the others did not grow on average

  // Thread invariance with the pairing source on.
  Network a = test::network(config(60000.0)), b = test::network(config(60000.0));
  test::run(a, 1);
  test::run(b, 2);
  CHECK(a.projections[2].weight == b.projections[2].weight);
}
