// The regression-discontinuity rule rdd (plasticity/rdd.hpp) and the free drive populations keep
// for it: the exact maximum between events against dense sampling of an independent closed
// form; the window maximum of a spiking neuron against a twin that never spikes; the estimators
// against sums recomputed from recorded windows and against closed forms on synthetic windows;
// measure and learn mode; thread invariance; config errors; and a shortened network-size
// experiment of Lansdell & Kording 2023 (SCIENCE.md 5.1).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include "../support.hpp"
#include "../temp_dir.hpp"
#include "core/error.hpp"
#include "models/lif_psc_exp.hpp"
#include "plasticity/rdd.hpp"
#include "sim/h5.hpp"
#include "sim/input_files.hpp"

using namespace apical;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// V(t) of lif_psc_exp written out independently: with u = V - E_L, a = I/C,
//   u(t) = u0 e^{-t/tm} + u_inf (1 - e^{-t/tm}) + sum_syn a tm ts / (ts - tm) (e^{-t/ts} - e^{-t/tm}).
double v_closed(const LifPscExp::State& s, const LifPscExp::Params& p, double I_ext, double t) {
  const double tm = p.tau_m, em = std::exp(-t / tm);
  double u = (s.V_m - p.E_L) * em + (p.I_e + I_ext) * tm / p.C_m * (1.0 - em);
  auto syn = [&](double I, double ts) { return I / p.C_m * tm * ts / (ts - tm) * (std::exp(-t / ts) - em); };
  return p.E_L + u + syn(s.I_ex, p.tau_syn_ex) + syn(s.I_in, p.tau_syn_in);
}

// The windows of a run as the rule saw them: Z per neuron (the population's free-drive maximum
// at the window's end) and R, read when each trial ends.
struct Windows : test::Recorded {
  Network& net;
  std::size_t pop;
  std::vector<std::vector<double>> z;
  std::vector<double> reward;
  std::vector<std::vector<double>> measured;
  Windows(Network& n, std::size_t p) : Recorded(n), net(n), pop(p) {}
  void trial_done(std::int64_t, Step, const ObjectiveResult* r) override {
    auto m = net.populations[pop]->free_drive_max();
    z.emplace_back(m.begin(), m.end());
    reward.push_back(r ? r->reward : 0.0);
    for (auto& p : net.projections)
      if (p.plastic()) measured.emplace_back(p.update->measured().begin(), p.update->measured().end());
  }
};

const Rdd& rdd_of(const Network& net, std::size_t projection) {
  return dynamic_cast<const Rdd&>(*net.projections[projection].rule);
}

// N noise-driven LIF neurons, a poisson input carrying the rule, and R per 20 ms window from a
// count target on the neurons themselves (so no data file is needed).
std::string noise_network(int n, double c, int windows, const std::string& plasticity, int seed = 3,
                          double drive_weight = 0.0) {
  std::string targets = "[";
  for (int i = 0; i < n; ++i) targets += std::string(i ? ", " : "") + (i % 2 ? "0.0" : "1.0");
  targets += "]";
  return R"(
[simulation]
dt = 1.0
seed = )" + std::to_string(seed) + R"(
[trials]
count = )" + std::to_string(windows) + R"(
length = 20.0
reset = false
[trials.objective]
kind = "target_count"
population = "lif"
targets = )" + targets + R"(
[populations.lif]
model = "lif_psc_exp"
size = )" + std::to_string(n) + R"(
params = { tau_m = 20.0, t_ref = 3.0, V_th = -55.0, V_reset = -70.0, E_L = -70.0 }
[populations.in]
model = "poisson_generator"
size = )" + std::to_string(n) + R"(
params = { rate = 50.0 }
[inputs.noise]
kind = "noise"
target = "lif"
mean = 250.0
std = 375.0
correlation = )" + std::to_string(c) + R"(
[projections.drive]
source = "in"
target = "lif"
connectivity = { rule = "one_to_one" }
weight = )" + std::to_string(drive_weight) + R"(
delay = 1.0
plasticity = { rule = "rdd", )" + plasticity + R"( }
)";
}

}  // namespace

TEST_CASE("rdd free drive: the exact maximum between events equals dense sampling of the closed form",
          "[validation][rdd]") {
  LifPscExp::Params p;
  p.tau_m = 10.0;
  p.tau_syn_ex = 2.0;
  p.tau_syn_in = 6.0;
  LifPscExp::derive(p);
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> V(-80.0, -50.0), Iex(0.0, 1500.0), Iin(-1500.0, 0.0), Iext(-300.0, 600.0),
      dt(0.2, 30.0);
  int interior = 0;
  for (int trial = 0; trial < 300; ++trial) {
    LifPscExp::State s{V(gen), Iex(gen), Iin(gen)};
    const double I = Iext(gen), h = dt(gen);
    const double m = LifPscExp::maximum(s, p, I, LifPscExp::propagator(p, h));
    double sampled = -1e300;
    const int n = 20000;
    for (int k = 0; k <= n; ++k) sampled = std::max(sampled, v_closed(s, p, I, h * k / n));
    INFO("trial " << trial << " V " << s.V_m << " I_ex " << s.I_ex << " I_in " << s.I_in << " I_ext " << I << " dt " << h);
    CHECK(m >= sampled - 1e-9);  // never below a sample of the trajectory
    // Sampling misses the peak by at most max|V''| (h/n)^2 / 8; 1e-6 mV is far above that here.
    CHECK(m - sampled < 1e-6);
    if (m > std::max(s.V_m, v_closed(s, p, I, h)) + 1e-3) ++interior;
  }
  CHECK(interior > 30);  // many cases have their maximum inside the interval, not at an end
}

TEST_CASE("rdd free drive: the window maximum of a spiking neuron is that of a twin without threshold",
          "[validation][rdd]") {
  // Two identical neurons with identical inputs; b cannot reach its threshold, so its V_m is the
  // free drive of a (reset to the same initial state at every trial start). a spikes.
  for (const std::string model : {"lif_psc_exp", "lif_discrete"}) {
    INFO(model);
    const bool exact = model == "lif_psc_exp";
    const std::string params_a = exact ? "{ tau_m = 10.0, tau_syn_ex = 3.0, tau_syn_in = 5.0, t_ref = 2.0 }"
                                       : "{ tau_m = 10.0, tau_syn = 3.0, t_ref = 2.0, V_th = 1.0 }";
    const std::string params_b = exact ? "{ tau_m = 10.0, tau_syn_ex = 3.0, tau_syn_in = 5.0, t_ref = 2.0, V_th = 1e9 }"
                                       : "{ tau_m = 10.0, tau_syn = 3.0, t_ref = 2.0, V_th = 1e9 }";
    const std::string w_ex = exact ? "900.0" : "0.00015", w_in = exact ? "-700.0" : "-0.0001";
    const std::string receptor_ex = exact ? "ex" : "syn", receptor_in = exact ? "in" : "syn";
    const std::string cfg = R"(
[simulation]
dt = 0.01
seed = 2
[trials]
count = 3
length = 40.0
[trials.objective]
kind = "target_count"
population = "a"
targets = [1.0]
[output]
[[output.reports]]
population = "b"
variables = ["V_m"]
interval = 0.01
[populations.a]
model = ")" + model + R"("
size = 1
params = )" + params_a + R"(
[populations.b]
model = ")" + model + R"("
size = 1
params = )" + params_b + R"(
[populations.ex]
model = "poisson_generator"
size = 20
params = { rate = 150.0 }
[populations.inh]
model = "poisson_generator"
size = 10
params = { rate = 100.0 }
[projections.ex_a]
source = "ex"
target = "a"
receptor = ")" + receptor_ex + R"("
weight = )" + w_ex + R"(
connectivity = { rule = "all_to_all" }
delay = 0.37
plasticity = { rule = "rdd", mode = "measure" }
[projections.ex_b]
source = "ex"
target = "b"
receptor = ")" + receptor_ex + R"("
weight = )" + w_ex + R"(
connectivity = { rule = "all_to_all" }
delay = 0.37
[projections.in_a]
source = "inh"
target = "a"
receptor = ")" + receptor_in + R"("
weight = )" + w_in + R"(
connectivity = { rule = "all_to_all" }
delay = 0.52
[projections.in_b]
source = "inh"
target = "b"
receptor = ")" + receptor_in + R"("
weight = )" + w_in + R"(
connectivity = { rule = "all_to_all" }
delay = 0.52
)";
    Network net = test::network(cfg);
    Windows w(net, 0);
    Simulator(net, 1).run(w);
    REQUIRE(w.spike_lists[0].size() >= 3);  // a spikes, so its own V_m is not its free drive
    CHECK(w.spike_lists[1].empty());
    const auto& v = w.sample_rows[0];
    const std::size_t per_window = v.size() / 3;
    REQUIRE(per_window == 4000);
    for (std::size_t k = 0; k < 3; ++k) {
      INFO("window " << k);
      double sampled = -1e300, step_rise = 0;
      for (std::size_t s = k * per_window; s < (k + 1) * per_window; ++s) {
        sampled = std::max(sampled, v[s]);
        if (s > k * per_window) step_rise = std::max(step_rise, v[s] - v[s - 1]);
      }
      const double z = w.z[k][0];
      if (exact) {
        // Samples are at grid points of [t0, t1) (left limits), the maximum is over [t0, t1]:
        // Z is never below a sample, and above the highest one by at most about a step's rise
        // (V is continuous; its slope changes at input times, which lie on the grid here).
        CHECK(z >= sampled - 1e-9);
        CHECK(z - sampled <= 1.5 * step_rise + 1e-9);
      } else {
        CHECK(z == sampled);  // on the grid the maximum over the window's steps is exact
      }
      CHECK(z > net.populations[0]->free_drive_threshold());
    }
  }
}

TEST_CASE("rdd estimators: closed forms on synthetic windows", "[validation][rdd]") {
  // R = r0 + beta H + s d: windows with d on a symmetric grid inside the margin, and far ones.
  // Within the margin the grid has mean d = +p/2 above and -p/2 below, so the constant estimator
  // is beta + s p (its O(p) bias), the linear one beta exactly; the naive one, over all windows,
  // is beta + s (mean d above - mean d below) over every window.
  const double p = 0.4, r0 = -2.0, beta = 0.75, s = 1.3;
  Rdd::Params params;
  params.p = p;
  Rdd rule(params);
  std::vector<double> w{0.0};
  std::vector<std::uint64_t> row{0, 1};
  std::vector<std::uint32_t> post{0}, incoming{0};
  rule.bind(SynapseTable{1, 1, row, post, w}, {"V_m"});
  const double theta = -55.0;
  std::vector<double> z(1);
  rule.attach_free_drive(z, theta);
  WeightUpdate out(WeightUpdate::Settings{WeightUpdate::Mode::measure}, std::span<double>(w));
  const int K = 10;
  std::vector<double> ds;
  for (int k = 0; k < K; ++k) {
    ds.push_back((k + 0.5) * p / K);
    ds.push_back(-(k + 0.5) * p / K);
  }
  for (double far : {0.9, 2.0, -1.5, -3.0, -0.7}) ds.push_back(far);
  double sum_above = 0, n_above = 0, sum_below = 0, n_below = 0;
  for (double d : ds) {
    z[0] = theta + d;
    const double R = r0 + beta * (d >= 0) + s * d;
    (d >= 0 ? sum_above : sum_below) += R;
    (d >= 0 ? n_above : n_below) += 1;
    rule.on_third_factor(0, 0.0, R, incoming, {}, out);
  }
  CHECK_THAT(rule.beta_constant(0), WithinAbs(beta + s * p, 1e-12));
  CHECK_THAT(rule.beta_linear(0), WithinAbs(beta, 1e-12));
  CHECK_THAT(rule.naive(0), WithinAbs(sum_above / n_above - sum_below / n_below, 1e-12));
  CHECK(rule.windows(0) == 2 * K);
  CHECK(rule.beta(0) == rule.beta_constant(0));  // the default estimator

  Rdd fresh(params);
  fresh.bind(SynapseTable{1, 1, row, post, w}, {"V_m"});
  fresh.attach_free_drive(z, theta);
  CHECK(std::isnan(fresh.beta_constant(0)));  // undefined before both sides have a window
  CHECK(std::isnan(fresh.beta_linear(0)));
}

TEST_CASE("rdd estimators equal sums recomputed from the recorded windows", "[validation][rdd]") {
  for (const std::string est : {"constant", "linear", "naive"}) {
    INFO(est);
    Network net = test::network(noise_network(4, 0.5, 1500, "p = 2.0, mode = \"measure\", estimator = \"" + est + "\""));
    const std::size_t lif = net.population_index("lif");
    Windows w(net, lif);
    Simulator(net, 1).run(w);
    REQUIRE(w.z.size() == 1500);
    const Rdd& rule = rdd_of(net, 0);
    const double theta = net.populations[lif]->free_drive_threshold(), p = 2.0;
    for (std::uint32_t i = 0; i < 4; ++i) {
      INFO("neuron " << i);
      // Direct: constant, naive, and the two least-squares lines from the stored windows.
      double sa = 0, na = 0, sb = 0, nb = 0, s1 = 0, n1 = 0, s0 = 0, n0 = 0;
      std::vector<double> da, ra, db, rb;
      for (std::size_t k = 0; k < w.z.size(); ++k) {
        const double d = w.z[k][i] - theta, R = w.reward[k];
        (d >= 0 ? s1 : s0) += R;
        (d >= 0 ? n1 : n0) += 1;
        if (std::fabs(d) >= p) continue;
        if (d >= 0) { sa += R; na += 1; da.push_back(d); ra.push_back(R); }
        else { sb += R; nb += 1; db.push_back(d); rb.push_back(R); }
      }
      REQUIRE(na > 30);
      REQUIRE(nb > 30);
      auto intercept = [](const std::vector<double>& x, const std::vector<double>& y) {
        double mx = 0, my = 0;
        for (std::size_t k = 0; k < x.size(); ++k) { mx += x[k]; my += y[k]; }
        mx /= static_cast<double>(x.size());
        my /= static_cast<double>(y.size());
        double sxy = 0, sxx = 0;
        for (std::size_t k = 0; k < x.size(); ++k) { sxy += (x[k] - mx) * (y[k] - my); sxx += (x[k] - mx) * (x[k] - mx); }
        return my - sxy / sxx * mx;
      };
      CHECK_THAT(rule.beta_constant(i), WithinAbs(sa / na - sb / nb, 1e-9));
      CHECK_THAT(rule.beta_linear(i), WithinAbs(intercept(da, ra) - intercept(db, rb), 1e-7));
      CHECK_THAT(rule.naive(i), WithinAbs(s1 / n1 - s0 / n0, 1e-9));
      CHECK(rule.windows(i) == na + nb);
      const double chosen = est == "linear" ? rule.beta_linear(i) : (est == "naive" ? rule.naive(i) : rule.beta_constant(i));
      CHECK(rule.beta(i) == chosen);
    }
  }
}

TEST_CASE("rdd: measure mode freezes weights; the trial schedule applies exactly -eta u", "[validation][rdd]") {
  Network measure = test::network(noise_network(3, 0.3, 300, "p = 2.0, mode = \"measure\"", 4, 10.0));
  const std::vector<double> w0 = measure.projections[0].weight;
  Windows mw(measure, measure.population_index("lif"));
  Simulator(measure, 1).run(mw);
  CHECK(measure.projections[0].weight == w0);
  REQUIRE(mw.measured.size() == 300);
  // Before both sides of a neuron have a window its estimate is undefined and its update zero;
  // the first window with an update is reached with the initial weights in learn mode too.
  std::size_t first = 0;
  auto nonzero = [](const std::vector<double>& u) {
    for (double x : u) if (x != 0.0) return true;
    return false;
  };
  while (first < mw.measured.size() && !nonzero(mw.measured[first])) ++first;
  REQUIRE(first < 300);
  // u = -beta x for near-threshold windows: check one against the rule's formula at the end is
  // not possible (beta moves), but its sign and support are: only synapses that carried spikes.
  Network learn = test::network(noise_network(3, 0.3, 300, "p = 2.0, eta = 0.5, schedule = \"trial\"", 4, 10.0));
  learn.duration = static_cast<Step>(first + 1) * learn.trials.length;
  test::run(learn);
  for (std::size_t k = 0; k < w0.size(); ++k) {
    const double expected = w0[k] - 0.5 * mw.measured[first][k];
    if (learn.projections[0].weight[k] != expected)
      FAIL("synapse " << k << ": " << learn.projections[0].weight[k] << " != " << expected);
  }
  CHECK(learn.projections[0].weight != w0);
}

TEST_CASE("rdd: thread-count invariant with learning on", "[validation][rdd][determinism]") {
  const std::string cfg = noise_network(300, 0.5, 100, "p = 2.0, eta = 0.01, estimator = \"linear\"", 9, 5.0);
  Network a = test::network(cfg), b = test::network(cfg);
  auto ra = test::run(a, 1);
  auto rb = test::run(b, 2);
  const std::size_t lif = a.population_index("lif");
  REQUIRE(ra.spikes[lif].size() > 1000);
  CHECK(ra.spikes[lif].size() == rb.spikes[lif].size());
  const auto& wa = a.projections[0].weight;
  const auto& wb = b.projections[0].weight;
  CHECK(std::memcmp(wa.data(), wb.data(), wa.size() * sizeof(double)) == 0);
  CHECK(wa != test::network(cfg).projections[0].weight);  // it did learn
  const auto recs_a = rdd_of(a, 0).records(), recs_b = rdd_of(b, 0).records();
  REQUIRE(recs_a.size() == recs_b.size());
  for (std::size_t k = 0; k < recs_a.size(); ++k) {
    INFO(recs_a[k].name);
    CHECK(std::memcmp(recs_a[k].values.data(), recs_b[k].values.data(), recs_a[k].values.size() * sizeof(double)) == 0);
  }
}

TEST_CASE("rdd: config errors name the key", "[validation][rdd]") {
  const std::string base = noise_network(2, 0.5, 10, "p = 2.0");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  CHECK_THROWS_WITH(test::network(with("p = 2.0", "p = -1.0")), Contains("p") && Contains("> 0"));
  CHECK_THROWS_WITH(test::network(with("p = 2.0", "p = 2.0, estimator = \"cubic\"")), Contains("estimator"));
  CHECK_THROWS_WITH(test::network(with("p = 2.0", "p = 2.0, margin = 1.0")), Contains("margin"));
  CHECK_THROWS_WITH(test::network(with("reset = false", "reset = 3")), Contains("reset"));
  // Windows are trials and R their reward: without an objective the rule has nothing to estimate.
  const auto obj = base.find("[trials.objective]"), pops = base.find("[populations.lif]");
  std::string no_objective = base;
  no_objective.erase(obj, pops - obj);
  CHECK_THROWS_WITH(test::network(no_objective), Contains("plasticity") && Contains("rule") && Contains("trials.objective"));
  // A model that keeps no free drive.
  std::string readout = with("model = \"lif_psc_exp\"", "model = \"li_readout\"");
  const auto at = readout.find("params = { tau_m = 20.0, t_ref");
  readout.replace(at, readout.find('\n', at) - at, "params = { tau_m = 20.0 }");
  CHECK_THROWS_WITH(test::network(readout), Contains("rule") && Contains("free drive"));
}

TEST_CASE("rdd: RDD aligns better than the naive estimator under correlated noise (Lansdell & Kording)",
          "[validation][rdd]") {
  // A shortened examples/rdd_network_size.py: N = 10, c = 0.5, 150 s of 20 ms windows; the true
  // effect from 300 s with c = 0.001 as the observed dependence over all windows, computed here
  // from the recorded spikes and rewards. R = -0.5 (y - 1)^2, y the readout's filtered current
  // of sum_i V_i s_i (V_i ~ N(0, 5^2) / 40) at each window's last step.
  test::TempDir dir;
  const int n = 10;
  std::mt19937_64 gen(1);
  std::normal_distribution<double> normal(0.0, 5.0);
  EdgeList edges;
  for (int i = 0; i < n; ++i) {
    edges.source.push_back(static_cast<std::uint64_t>(i));
    edges.target.push_back(0);
    edges.weight.push_back(normal(gen) / 40.0);
  }
  write_edge_file(dir / "readout.h5", "readout", edges, "lif", "readout");
  {
    h5::Handle f = h5::create_file(dir / "target.h5");
    h5::write_array(f.get(), "/inputs/spikes", std::vector<std::uint8_t>{0}, {1, 1, 1});
    h5::write_array(f.get(), "/inputs/targets", std::vector<double>{1.0}, {1, 1, 1});
  }
  auto config = [&](double c, int windows, int seed) {
    return R"(
[simulation]
dt = 1.0
seed = )" + std::to_string(seed) + R"(
[trials]
count = )" + std::to_string(windows) + R"(
length = 20.0
reset = false
[trials.objective]
kind = "regression"
population = "readout"
variable = "I_syn"
skip = 19
data = ")" + dir / "target.h5" + R"("
[populations.lif]
model = "lif_psc_exp"
size = 10
params = { C_m = 250.0, tau_m = 20.0, t_ref = 3.0, E_L = -70.0, V_reset = -70.0, V_th = -55.0 }
[populations.readout]
model = "li_readout"
size = 1
params = { tau_syn = 20.0 }
[populations.clock]
model = "poisson_generator"
size = 10
params = { rate = 5.0 }
[inputs.noise]
kind = "noise"
target = "lif"
mean = 150.0
std = 375.0
correlation = )" + std::to_string(c) + R"(
[projections.drive]
source = "clock"
target = "lif"
connectivity = { rule = "one_to_one" }
weight = 0.0
delay = 1.0
plasticity = { rule = "rdd", p = 1.5, mode = "measure" }
[projections.readout]
source = "lif"
target = "readout"
receptor = "syn"
connectivity = { rule = "file", file = ")" + dir / "readout.h5" + R"(", edges = "readout" }
delay = 1.0
)";
  };
  auto angle = [](const std::vector<double>& a, const std::vector<double>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t k = 0; k < a.size(); ++k) { ab += a[k] * b[k]; aa += a[k] * a[k]; bb += b[k] * b[k]; }
    const double deg = std::acos(std::clamp(ab / std::sqrt(aa * bb), -1.0, 1.0)) * 180.0 / M_PI;
    return std::min(deg, 180.0 - deg);
  };
  // True effect: independent noise, every window, from spikes and rewards.
  Network truth = test::network(config(0.001, 15000, 1001));
  const std::size_t lif = truth.population_index("lif");
  Windows tw(truth, lif);
  Simulator(truth, 1).run(tw);
  std::vector<double> beta_true(n);
  {
    const std::size_t W = tw.reward.size();
    std::vector<std::vector<char>> spiked(n, std::vector<char>(W, 0));
    for (const Spike& s : tw.spike_lists[lif]) {
      const auto k = static_cast<std::size_t>(s.step / truth.trials.length);
      if (k < W) spiked[s.node][k] = 1;
    }
    for (int i = 0; i < n; ++i) {
      double s1 = 0, n1 = 0, s0 = 0, n0 = 0;
      for (std::size_t k = 0; k < W; ++k) {
        (spiked[i][k] ? s1 : s0) += tw.reward[k];
        (spiked[i][k] ? n1 : n0) += 1;
      }
      beta_true[static_cast<std::size_t>(i)] = s1 / n1 - s0 / n0;
    }
  }
  Network est = test::network(config(0.5, 7500, 8));
  test::run(est, 1);
  const Rdd& rule = rdd_of(est, 0);
  std::vector<double> rdd(n), naive(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    rdd[i] = rule.beta_constant(i);
    naive[i] = rule.naive(i);
    REQUIRE(rule.windows(i) > 300);
  }
  const double a_rdd = angle(rdd, beta_true), a_naive = angle(naive, beta_true);
  INFO("angle RDD " << a_rdd << " deg, naive " << a_naive << " deg (published ~15 vs ~22 at N = 10)");
  // The naive estimator is confounded by the neurons' correlated noise; RDD is not. A margin of
  // 10 degrees is well outside the run-to-run spread of either angle (measured 7.3 vs 27.0 here,
  // 7.1 vs 29.2 with another noise seed). The naive estimator's bias lies along sum_k V_k, so it
  // depends on the draw of V (docs/rdd.md); this draw is fixed.
  CHECK(a_rdd + 10.0 < a_naive);
  CHECK(a_rdd < 30.0);
}

TEST_CASE("trials without reset are windows of one continuous run", "[validation][rdd]") {
  // The same network as one run of 300 ms and as 20 trials of 15 ms with reset = false: the
  // spikes agree (epochs split differently at trial ends, so times agree to rounding, not bits).
  const std::string body = R"(
[populations.in]
model = "poisson_generator"
size = 40
params = { rate = 80.0 }
[populations.n]
model = "lif_psc_exp"
size = 30
params = { tau_syn_ex = 4.0 }
[inputs.noise]
kind = "noise"
target = "n"
mean = 300.0
std = 200.0
correlation = 0.3
[projections.drive]
source = "in"
target = "n"
connectivity = { rule = "fixed_indegree", indegree = 10 }
weight = 200.0
delay = 2.0
)";
  auto one = test::run("[simulation]\ndt = 0.1\nseed = 4\nduration = 300.0\n" + body);
  auto windows = test::run("[simulation]\ndt = 0.1\nseed = 4\n[trials]\ncount = 20\nlength = 15.0\nreset = false\n" + body);
  auto reset = test::run("[simulation]\ndt = 0.1\nseed = 4\n[trials]\ncount = 20\nlength = 15.0\n" + body);
  const std::size_t n = 1;  // populations sorted by name: in, n
  REQUIRE(one.spikes[n].size() > 100);
  REQUIRE(windows.spikes[n].size() == one.spikes[n].size());
  for (std::size_t k = 0; k < one.spikes[n].size(); ++k) {
    CHECK(windows.spikes[n][k].node == one.spikes[n][k].node);
    CHECK_THAT(one.grid.ms(Time{windows.spikes[n][k].step, windows.spikes[n][k].offset}),
               WithinAbs(one.grid.ms(Time{one.spikes[n][k].step, one.spikes[n][k].offset}), 1e-9));
  }
  CHECK(reset.spikes[n].size() != one.spikes[n].size());  // with the reset, trials restart from rest
}
