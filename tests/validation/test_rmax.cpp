// lif_escape (escape-noise LIF) and R-max: the spike statistics of the escape noise against the
// hazard, thread invariance, and R-max's measured update against eligibilities recomputed here
// from the recorded spikes and the recorded escape-rate trace (the rule never sees those records).
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "../support.hpp"
#include "core/error.hpp"
#include "sim/h5.hpp"
#include "../temp_dir.hpp"

using namespace apical;
using Catch::Matchers::WithinAbs;

TEST_CASE("lif_escape: spike counts follow the hazard, identical for 1 and 2 threads", "[validation][rmax]") {
  // Constant V (no input, no reset jump, no refractoriness, V at E_L): every step spikes with
  // probability p = 1 - exp(-rho h), independently, so the count over n steps is Binomial(n, p).
  const std::string cfg = R"(
[simulation]
dt = 0.1
duration = 1000.0
seed = 3
[populations.n]
model = "lif_escape"
size = 600
params = { E_L = -60.0, V_th = -55.0, delta_u = 4.0, rho_0 = 50.0, reset_jump = 0.0, t_ref = 0.0 }
)";
  auto one = test::run(cfg, 1), two = test::run(cfg, 2);
  REQUIRE(one.spikes[0].size() == two.spikes[0].size());
  for (std::size_t k = 0; k < one.spikes[0].size(); ++k) {
    CHECK(one.spikes[0][k].step == two.spikes[0][k].step);
    CHECK(one.spikes[0][k].node == two.spikes[0][k].node);
  }
  const double rho = 50.0 * std::exp(-5.0 / 4.0), p = -std::expm1(-rho * 0.1e-3), n = 10000.0 * 600.0;
  const double mean = n * p, sd = std::sqrt(n * p * (1 - p));
  CHECK(std::fabs(static_cast<double>(one.spikes[0].size()) - mean) < 4.0 * sd);
  // t_ref: no two spikes of a neuron closer than the refractory period plus one step.
  auto r = test::run(R"(
[simulation]
dt = 0.1
duration = 1000.0
[populations.n]
model = "lif_escape"
size = 20
params = { E_L = -50.0, V_th = -55.0, rho_0 = 100.0, t_ref = 3.0 }
)");
  std::vector<Step> last(20, -1000);
  for (const Spike& s : r.spikes[0]) {
    CHECK(s.step - last[s.node] > 30);
    last[s.node] = s.step;
  }
  CHECK(r.spikes[0].size() > 1000);
  CHECK_THROWS_AS(test::run("[simulation]\ndt = 0.1\nduration = 1.0\n[populations.n]\nmodel = \"lif_escape\"\nsize = 1\n"
                            "params = { t_ref = 0.25 }\n"),
                  ConfigError);
}

namespace {

std::string rmax_network(const std::string& plasticity, int trials = 3) {
  std::ostringstream os;
  os << R"(
[simulation]
dt = 0.1
seed = 11
[trials]
count = )" << trials << R"(
length = 100.0
[populations.in]
model = "poisson_generator"
size = 20
params = { rate = 30.0 }
[populations.out]
model = "lif_escape"
size = 5
[projections.ff]
source = "in"
target = "out"
receptor = "ex"
connectivity = { rule = "all_to_all" }
weight = { distribution = "uniform", low = 0.5, high = 3.0 }
delay = { distribution = "uniform", low = 0.5, high = 3.0 }
plasticity = { rule = "rmax", )"
     << plasticity << R"( }
[trials.objective]
kind = "target_count"
population = "out"
targets = [3.0, 1.0, 4.0, 1.0, 5.0]
[[output.reports]]
population = "out"
variables = ["rho"]
)";
  return os.str();
}

struct TrialLog : test::Recorded {
  Network& net;
  std::vector<std::vector<double>> measured;
  std::vector<double> delivered;
  explicit TrialLog(Network& n) : Recorded(n), net(n) {}
  void third_factor(std::int64_t, Step, double value) override { delivered.push_back(value); }
  void trial_done(std::int64_t, Step, const ObjectiveResult*) override {
    auto m = net.projections[0].update->measured();
    measured.emplace_back(m.begin(), m.end());
  }
};

// e_syn of trial k from the records alone: the arrival steps of each synapse (presynaptic spike
// step + delay, within the trial), the output spikes, and rho per step (the report samples rho at
// step t before the update of step t: the hazard of step t). score(t) is the derivative of the log
// of the step's Bernoulli probability p = 1 - exp(-rho h) with respect to V, with
// d rho / dV = rho / delta_u; y(t) = sum over arrivals a < t of beta^(t-a-1).
std::vector<double> eligibility(const Network& net, const TrialLog& log, std::int64_t k, std::size_t* terms,
                                double tau_e = 0.0) {
  const Projection& p = net.projections[0];
  const Step L = net.trials.length, t0 = k * L;
  const double h = net.grid.h, delta_u = 5.0, beta = std::exp(-h / 10.0);
  const std::size_t n_out = 5;
  const auto& rho = log.sample_rows[0];  // [steps, 5]
  std::vector<std::vector<double>> score(n_out, std::vector<double>(static_cast<std::size_t>(L)));
  std::vector<std::vector<bool>> spiked(n_out, std::vector<bool>(static_cast<std::size_t>(L), false));
  for (const Spike& s : log.spike_lists[1])
    if (s.step >= t0 && s.step < t0 + L) spiked[s.node][static_cast<std::size_t>(s.step - t0)] = true;
  for (std::size_t j = 0; j < n_out; ++j)
    for (Step t = 0; t < L; ++t) {
      const double lambda = rho[static_cast<std::size_t>(t0 + t) * n_out + j] * h * 1e-3;
      const auto ti = static_cast<std::size_t>(t);
      const double dp_dV = std::exp(-lambda) * lambda / delta_u;  // p = 1 - e^-lambda
      score[j][ti] = spiked[j][ti] ? dp_dV / (1.0 - std::exp(-lambda)) : -dp_dV / std::exp(-lambda);
    }
  std::vector<double> e(p.size(), 0.0);
  const auto pre = p.sources();
  for (std::size_t syn = 0; syn < p.size(); ++syn) {
    const std::uint32_t j = p.post[syn];
    std::vector<Step> arrivals;
    for (const Spike& s : log.spike_lists[0])
      if (s.node == pre[syn] && s.step + p.delay_of(syn) >= t0 && s.step + p.delay_of(syn) < t0 + L)
        arrivals.push_back(s.step + p.delay_of(syn) - t0);
    for (Step t = 0; t < L; ++t) {
      double y = 0.0;
      for (Step a : arrivals)
        if (a < t) y += std::pow(beta, static_cast<double>(t - a - 1));
      // tau_e: step t's term decays from the end of the step, (t + 1) h, to the trial end L h.
      const double filter = tau_e > 0.0 ? std::exp(-static_cast<double>(L - t - 1) * h / tau_e) : 1.0;
      e[syn] += score[j][static_cast<std::size_t>(t)] * y * filter;
      *terms += y != 0.0 && spiked[j][static_cast<std::size_t>(t)];
    }
  }
  return e;
}

}  // namespace

TEST_CASE("rmax: the measured update is -(R - Rbar) times the eligibility of the recorded trial", "[validation][rmax]") {
  Network net = test::network(rmax_network("mode = \"measure\""));
  const std::vector<double> w0 = net.projections[0].weight;
  TrialLog log(net);
  Simulator(net, 1).run(log);
  CHECK(net.projections[0].weight == w0);  // measure mode: frozen
  REQUIRE(log.measured.size() == 3);
  REQUIRE(log.sample_rows[0].size() == 3000 * 5);
  std::size_t spike_terms = 0;
  for (std::int64_t k = 0; k < 3; ++k) {
    INFO("trial " << k);
    const double d = log.delivered[static_cast<std::size_t>(k)];
    REQUIRE(d != 0.0);
    auto e = eligibility(net, log, k, &spike_terms);
    double scale = 0.0;
    for (double v : e) scale = std::max(scale, std::fabs(v));
    std::size_t nonzero = 0;
    for (std::size_t syn = 0; syn < e.size(); ++syn) {
      const double u = log.measured[static_cast<std::size_t>(k)][syn];
      CHECK_THAT(u, WithinAbs(-d * e[syn], 1e-9 * std::fabs(d) * scale));
      nonzero += u != 0.0;
    }
    CHECK(nonzero > e.size() * 3 / 4);  // synapses without an arrival in the trial have e = 0
  }
  CHECK(spike_terms > 50);  // the spike term of the score is exercised, not only the rho integral

  // The filtered form: the same run (same spikes: weights frozen), tau_e = 30 ms.
  Network filtered = test::network(rmax_network("mode = \"measure\", tau_e = 30.0"));
  TrialLog flog(filtered);
  Simulator(filtered, 1).run(flog);
  REQUIRE(flog.spike_lists[1].size() == log.spike_lists[1].size());
  for (std::int64_t k = 0; k < 3; ++k) {
    std::size_t unused = 0;
    auto e = eligibility(filtered, flog, k, &unused, 30.0);
    auto e0 = eligibility(filtered, flog, k, &unused);
    double scale = 0.0, changed = 0.0;
    for (std::size_t syn = 0; syn < e.size(); ++syn) {
      scale = std::max(scale, std::fabs(e[syn]));
      changed = std::max(changed, std::fabs(e[syn] - e0[syn]));
    }
    CHECK(changed > 0.1 * scale);  // the filter matters
    const double d = flog.delivered[static_cast<std::size_t>(k)];
    for (std::size_t syn = 0; syn < e.size(); ++syn)
      CHECK_THAT(flog.measured[static_cast<std::size_t>(k)][syn], WithinAbs(-d * e[syn], 1e-9 * std::fabs(d) * scale));
  }

  // Learning with the trial schedule and no bounds: after one trial w = w0 - eta u exactly.
  Network learn = test::network(rmax_network("eta = 0.3, schedule = \"trial\""));
  learn.duration = learn.trials.length;
  test::run(learn);
  const auto& w1 = learn.projections[0].weight;
  for (std::size_t syn = 0; syn < w0.size(); ++syn) {
    const double expected = w0[syn] - 0.3 * log.measured[0][syn];
    if (w1[syn] != expected) FAIL("synapse " << syn << ": " << w1[syn] << " != " << expected);
  }
  CHECK(w1 != w0);

  // Learning online over several trials with a baseline: 1 and 2 threads give identical weights.
  Network a = test::network(rmax_network("eta = 0.3", 6)), b = test::network(rmax_network("eta = 0.3", 6));
  test::run(a, 1);
  test::run(b, 2);
  CHECK(a.projections[0].weight == b.projections[0].weight);
  CHECK(a.projections[0].weight != w0);

  // A target without score and psp_decay is a config error.
  std::string bad = rmax_network("mode = \"measure\"");
  bad.replace(bad.find("\"lif_escape\""), 12, "\"lif_psc_delta\"");
  CHECK_THROWS_AS(test::network(bad), ConfigError);
}

TEST_CASE("rmax: learning raises the reward of a target spike count", "[validation][rmax]") {
  // 20 Poisson inputs onto one escape-noise neuron that fires ~0.5 spikes per 100 ms trial; the
  // reward is -(count - 8)^2 / 2 with a running-mean baseline. R-max climbs the expected reward
  // (about -30 at first) to near the floor the count's own variance sets (-Var/2, about -4 for a
  // Poisson count of mean 8).
  const std::string cfg = R"(
[simulation]
dt = 0.1
seed = 4
[trials]
count = 300
length = 100.0
[populations.in]
model = "poisson_generator"
size = 20
params = { rate = 20.0 }
[populations.out]
model = "lif_escape"
size = 1
[projections.ff]
source = "in"
target = "out"
receptor = "ex"
connectivity = { rule = "all_to_all" }
weight = 1.0
delay = 1.0
plasticity = { rule = "rmax", eta = 0.1 }
[trials.objective]
kind = "target_count"
population = "out"
targets = [8.0]
baseline = "running_mean"
baseline_tau = 10.0
)";
  struct Rewards : test::Recorded {
    std::vector<double> r;
    using Recorded::Recorded;
    void trial_done(std::int64_t, Step, const ObjectiveResult* res) override { r.push_back(res->reward); }
  };
  Network net = test::network(cfg);
  Rewards log(net);
  Simulator(net, 2).run(log);
  REQUIRE(log.r.size() == 300);
  double first = 0.0, last = 0.0;
  for (std::size_t k = 0; k < 50; ++k) {
    first += log.r[k] / 50.0;
    last += log.r[250 + k] / 50.0;
  }
  INFO("mean reward, first 50 trials " << first << ", last 50 " << last);
  CHECK(first < -20.0);
  CHECK(last > -8.0);
}

TEST_CASE("third factor: a per-sample baseline keeps one running mean per stimulus", "[validation][rmax]") {
  // Two samples (a data set of two one-step rasters, used only for its sample count) alternate
  // over 6 trials; sample k mod 2 has its own mean: delivered_k = R_k - Rbar_{k mod 2}.
  test::TempDir dir;
  const std::string data = dir.path + "/two.h5";
  {
    h5::Handle f = h5::create_file(data);
    h5::write_array<std::uint8_t>(f.get(), "/inputs/spikes", std::vector<std::uint8_t>{0, 0}, {2, 1, 1});
  }
  std::string cfg = rmax_network("mode = \"measure\"", 6);
  cfg.replace(cfg.find("targets = [3.0"), 0, "data = \"" + data + "\"\nbaseline = \"per_sample\"\nbaseline_tau = 2.0\n");
  Network net = test::network(cfg);
  REQUIRE(net.trials.samples == 2);
  struct WithRewards : TrialLog {
    std::vector<double> reward;
    using TrialLog::TrialLog;
    void trial_done(std::int64_t k, Step t, const ObjectiveResult* r) override {
      TrialLog::trial_done(k, t, r);
      reward.push_back(r->reward);
    }
  } rec(net);
  Simulator(net, 1).run(rec);
  REQUIRE(rec.delivered.size() == 6);
  double mean[2] = {0.0, 0.0}, global = 0.0;
  std::size_t differs = 0;  // from what one global mean would have delivered
  for (std::size_t k = 0; k < 6; ++k) {
    CHECK(rec.delivered[k] == rec.reward[k] - mean[k % 2]);
    differs += rec.delivered[k] != rec.reward[k] - global;
    mean[k % 2] += (rec.reward[k] - mean[k % 2]) / 2.0;
    global += (rec.reward[k] - global) / 2.0;
  }
  CHECK(differs >= 4);
  // Without a data set there are no samples to keep means for.
  std::string bad = rmax_network("mode = \"measure\"");
  bad.replace(bad.find("targets = [3.0"), 0, "baseline = \"per_sample\"\n");
  CHECK_THROWS_AS(test::network(bad), ConfigError);
}
