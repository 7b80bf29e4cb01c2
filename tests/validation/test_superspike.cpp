// SuperSpike (Zenke & Ganguli 2018; SCIENCE.md 1.2) through apical: rule "superspike" on the
// projection into lif_discrete output neurons, objective "van_rossum" against a target spike train.
// (1) Its measured update on a small case equals the paper's online form recomputed here from the
// recorded traces: u_ki = -sum_t e_k[t] lambda_ki[t], e = kappa * (target - S),
// lambda = kappa * [sigma'(V_k - 1) (eps * S_i)], eps the neuron's PSP (no reset), kappa the
// van Rossum kernel (rise 5 ms, decay 10 ms). (2) Training reduces the van Rossum distance.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "../support.hpp"
#include "../temp_dir.hpp"
#include "sim/h5.hpp"

using namespace apical;

namespace {

constexpr std::size_t kIn = 20, kOut = 2, kT = 100;

struct SplitMix {
  std::uint64_t s;
  double uniform() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
  }
};

struct Case {
  std::vector<std::uint8_t> x;  // [T, n_in]
  std::vector<double> target;   // [T, n_out]
};

Case make_case(const test::TempDir& dir) {
  SplitMix rng{42};
  Case c;
  c.x.resize(kT * kIn);
  for (auto& v : c.x) v = rng.uniform() < 0.05 ? 1 : 0;
  c.target.assign(kT * kOut, 0.0);
  for (std::size_t t : {25, 55, 80}) c.target[t * kOut + 0] = 1.0;
  for (std::size_t t : {40, 70}) c.target[t * kOut + 1] = 1.0;
  h5::Handle f = h5::create_file(dir / "data.h5");
  h5::write_array<std::uint8_t>(f.get(), "/inputs/spikes", c.x, {1, kT, kIn});
  h5::write_array<double>(f.get(), "/inputs/targets", c.target, {1, kT, kOut});
  return c;
}

std::string config(const test::TempDir& dir, std::size_t trials, const std::string& plasticity, double high = 0.12) {
  std::ostringstream c;
  c << "[simulation]\ndt = 1.0\nseed = 5\n[trials]\ncount = " << trials << "\nlength = " << kT << ".0\n"
    << "[trials.objective]\nkind = \"van_rossum\"\npopulation = \"out\"\ndata = \"" << (dir / "data.h5") << "\"\n"
    << "[populations.in]\nmodel = \"raster_generator\"\nsize = " << kIn << "\nparams = { file = \"" << (dir / "data.h5") << "\" }\n"
    << "[populations.out]\nmodel = \"lif_discrete\"\nsize = " << kOut << "\n"
    << "[projections.w]\nsource = \"in\"\ntarget = \"out\"\nconnectivity = { rule = \"all_to_all\" }\n"
    << "weight = { distribution = \"uniform\", low = 0.0, high = " << high << " }\ndelay = 1.0\n"
    << "plasticity = " << plasticity << "\n"
    << "[[output.reports]]\npopulation = \"out\"\n";
  return c.str();
}

// Two-stage filter of the clock neurons and of kappa: a[t+1] = ca a[t] + x[t], y[t+1] = cy y[t] + a[t].
std::vector<double> filter(const std::vector<double>& x, double ca, double cy) {
  std::vector<double> y(x.size(), 0.0);
  double a = 0, v = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    y[t] = v;
    const double vn = cy * v + a;
    a = ca * a + x[t];
    v = vn;
  }
  return y;
}

}  // namespace

TEST_CASE("superspike: the measured update is the paper's filtered product", "[validation][superspike]") {
  test::TempDir dir;
  const Case c = make_case(dir);
  Network net = test::network(config(dir, 1, "{ rule = \"superspike\", mode = \"measure\" }"));
  const std::vector<double> w0 = net.projections[0].weight;
  struct Obs : test::Recorded {
    Network& net;
    std::vector<double> u, loss;
    explicit Obs(Network& n) : Recorded(n), net(n) {}
    void trial_done(std::int64_t, Step, const ObjectiveResult* r) override {
      const Projection& p = net.projections[0];
      u = p.update->dense_measured(p.sources(), p.post, kIn, kOut);
      loss.push_back(r->loss);
    }
  } obs(net);
  Simulator(net, 1).run(obs);
  CHECK(net.projections[0].weight == w0);  // measure mode

  const double alpha = std::exp(-1.0 / 5.0), beta = std::exp(-1.0 / 10.0);
  const auto& V = obs.sample_rows[0];  // [T, n_out], V_m before each step's update
  REQUIRE(V.size() == kT * kOut);
  std::vector<std::vector<double>> S(kOut, std::vector<double>(kT, 0.0));
  std::size_t n_spikes = 0;
  for (const Spike& s : obs.spike_lists[net.population_index("out")]) S[s.node][static_cast<std::size_t>(s.step)] = 1.0, ++n_spikes;
  REQUIRE(n_spikes > 0);
  std::vector<double> u(kIn * kOut, 0.0);
  double loss = 0;
  for (std::size_t k = 0; k < kOut; ++k) {
    std::vector<double> diff(kT), sig(kT);
    for (std::size_t t = 0; t < kT; ++t) {
      diff[t] = c.target[t * kOut + k] - S[k][t];
      const double q = 100.0 * std::fabs(V[t * kOut + k] - 1.0) + 1.0;
      sig[t] = 1.0 / (q * q);
    }
    const auto e = filter(diff, alpha, beta);
    for (double v : e) loss += 0.5 * v * v;
    for (std::size_t i = 0; i < kIn; ++i) {
      std::vector<double> z(kT, 0.0);  // arrivals: the raster's step t arrives at t + 1
      for (std::size_t t = 0; t + 1 < kT; ++t) z[t + 1] = c.x[t * kIn + i];
      auto psp = filter(z, alpha, beta);
      for (std::size_t t = 0; t < kT; ++t) psp[t] *= sig[t];
      const auto lambda = filter(psp, alpha, beta);
      double sum = 0;
      for (std::size_t t = 0; t < kT; ++t) sum -= e[t] * lambda[t];
      u[i * kOut + k] = sum;
    }
  }
  double worst = 0, scale = 0;
  for (std::size_t q = 0; q < u.size(); ++q) worst = std::max(worst, std::fabs(u[q] - obs.u[q])), scale = std::max(scale, std::fabs(u[q]));
  INFO("max |u - online SuperSpike| / max|u| = " << worst / scale << ", output spikes " << n_spikes << ", loss " << loss);
  CHECK(scale > 0);
  CHECK(worst <= 1e-9 * scale);
  CHECK(std::fabs(obs.loss[0] - loss) <= 1e-12 * loss);
}

TEST_CASE("superspike reduces the van Rossum distance to a target spike train", "[validation][superspike]") {
  test::TempDir dir;
  const std::size_t trials = 150;
  const Case c = make_case(dir);
  Network net = test::network(config(dir, trials, "{ rule = \"superspike\", surrogate_scale = 10.0, schedule = \"trial\", eta = 1e-6 }", 0.06));
  struct Obs : RunObserver {
    std::vector<double> loss;
    void trial_done(std::int64_t, Step, const ObjectiveResult* r) override { loss.push_back(r->loss); }
  } obs;
  Simulator(net, 1).run(obs);
  REQUIRE(obs.loss.size() == trials);
  double first = obs.loss[0], last = 0;
  for (std::size_t k = trials - 10; k < trials; ++k) last += obs.loss[k] / 10.0;
  // The loss of a silent output: what training would reach by silencing the neurons.
  const double alpha = std::exp(-1.0 / 5.0), beta = std::exp(-1.0 / 10.0);
  double silent = 0;
  for (std::size_t k = 0; k < kOut; ++k) {
    std::vector<double> tk(kT);
    for (std::size_t t = 0; t < kT; ++t) tk[t] = c.target[t * kOut + k];
    for (double v : filter(tk, alpha, beta)) silent += 0.5 * v * v;
  }
  INFO("van Rossum loss: first trial " << first << ", mean of the last 10 " << last << " (trial 50: " << obs.loss[50] << ")");
  UNSCOPED_INFO("silent output: " << silent);
  CHECK(last < 0.1 * first);
  CHECK(last < 0.5 * silent);  // it learned to place spikes, not just to stop spiking
}

// The measured-update contract with a hidden layer (learning signal through symmetric feedback):
// measure mode leaves weights untouched, the trial schedule applies exactly w -= eta u, and 1 and 2
// threads are bit-identical.
TEST_CASE("superspike: measure mode, trial schedule and thread invariance", "[validation][superspike][contract]") {
  test::TempDir dir;
  make_case(dir);
  auto cfg = [&](std::size_t trials, const std::string& mode) {
    std::string c = config(dir, trials, "{ rule = \"superspike\", surrogate_scale = 10.0, schedule = \"trial\", eta = 1e-6, " + mode + " }", 0.06);
    c += "[populations.hid]\nmodel = \"lif_discrete\"\nsize = 10\n"
         "[projections.v]\nsource = \"in\"\ntarget = \"hid\"\nconnectivity = { rule = \"all_to_all\" }\n"
         "weight = { distribution = \"uniform\", low = 0.0, high = 0.15 }\ndelay = 1.0\n"
         "plasticity = { rule = \"superspike\", readout = \"w2\", surrogate_scale = 10.0, schedule = \"trial\", eta = 1e-6, " + mode + " }\n"
         "[projections.w2]\nsource = \"hid\"\ntarget = \"out\"\nconnectivity = { rule = \"all_to_all\" }\n"
         "weight = { distribution = \"uniform\", low = -0.1, high = 0.3 }\ndelay = 1.0\n";
    return c;
  };
  Network measure = test::network(cfg(1, "mode = \"measure\""));
  std::vector<std::vector<double>> w0, u;
  for (auto& p : measure.projections) w0.push_back(p.weight);
  struct PerSynapse : RunObserver {
    Network& net;
    std::vector<std::vector<double>>& u;
    PerSynapse(Network& n, std::vector<std::vector<double>>& uu) : net(n), u(uu) {}
    void trial_done(std::int64_t, Step, const ObjectiveResult*) override {
      for (auto& p : net.projections)
        u.push_back(p.plastic() ? std::vector<double>(p.update->measured().begin(), p.update->measured().end()) : std::vector<double>{});
    }
  } obs(measure, u);
  Simulator(measure, 1).run(obs);
  Network learn = test::network(cfg(1, "mode = \"learn\""));
  test::run(learn);
  std::size_t plastic = 0;
  for (std::size_t p = 0; p < measure.projections.size(); ++p) {
    CHECK(measure.projections[p].weight == w0[p]);
    if (!measure.projections[p].plastic()) continue;
    ++plastic;
    double umax = 0;
    std::size_t exact = 0;
    for (std::size_t q = 0; q < w0[p].size(); ++q) {
      exact += learn.projections[p].weight[q] == w0[p][q] - 1e-6 * u[p][q];
      umax = std::max(umax, std::fabs(u[p][q]));
    }
    INFO("projection " << measure.projections[p].name);
    CHECK(umax > 0);
    CHECK(exact == w0[p].size());
  }
  CHECK(plastic == 2);
  std::vector<std::vector<double>> weights[2];
  for (int threads : {1, 2}) {
    Network net = test::network(cfg(5, "mode = \"learn\""));
    test::run(net, threads);
    for (auto& p : net.projections) weights[threads - 1].push_back(p.weight);
  }
  CHECK(weights[0] == weights[1]);
}
