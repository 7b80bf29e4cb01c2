// analysis/network_gradient: the surrogate gradient of a clock-driven network built from a config.
//
//  - On SURROGATE.md's network shape written as a config (1-step delays, skip = 2), loss and
//    gradient equal analysis/surrogate's (itself checked against PyTorch) for both losses, with
//    and without recurrence, hard and smooth.
//  - The forward pass reproduces `apical run`'s per-trial objective values (the Simulator's
//    trial_done), for delays > 1, refractoriness, a reset value, Poisson and raster inputs, a
//    dc current, and every objective kind.
//  - Finite differences (independent of the adjoint code) of the smooth variant with the resets
//    frozen, on a 2-hidden-layer network with delays > 1 and a recurrent projection, and of the
//    exact loss of a rate network (rate_unit layers, regression).
//  - Bit-identical results for 1 and 2 threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <sstream>

#include "../support.hpp"
#include "../temp_dir.hpp"
#include "analysis/network_gradient.hpp"
#include "analysis/surrogate.hpp"
#include "sim/h5.hpp"
#include "sim/input_files.hpp"

using namespace apical;

namespace {

using test::max_abs;
using test::max_abs_diff;

EdgeList dense_edges(const std::vector<double>& W, std::size_t n_pre, std::size_t n_post, double delay) {
  EdgeList e;
  for (std::size_t i = 0; i < n_pre; ++i)
    for (std::size_t j = 0; j < n_post; ++j) {
      e.source.push_back(i);
      e.target.push_back(j);
      e.weight.push_back(W[i * n_post + j]);
      e.delay_ms.push_back(delay);
    }
  return e;
}

std::vector<std::int64_t> range(std::int64_t n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

// The per-trial objective values of `apical run` (the Simulator's trial_done).
std::vector<double> run_losses(Network& net, int threads = 1) {
  struct Losses : RunObserver {
    std::vector<double> loss;
    void trial_done(std::int64_t, Step, const ObjectiveResult* res) override { loss.push_back(res->loss); }
  } rec;
  Simulator(net, threads).run(rec);
  return rec.loss;
}

void compare_with_surrogate(const std::string& name, bool smooth) {
  const std::string path = std::string(APICAL_SOURCE_DIR) + "/data/reference/surrogate/" + name;
  SurrogateCase c = read_surrogate_case(path);
  const SurrogateParams& p = c.params;
  test::TempDir dir;
  const double dt = 1.0;
  write_edge_file(dir / "w1.h5", "w1", dense_edges(c.W1, p.n_in, p.n_hid, dt), "in", "hid");
  write_edge_file(dir / "w2.h5", "w2", dense_edges(c.W2, p.n_hid, p.n_out, dt), "hid", "out");
  if (p.recurrent) write_edge_file(dir / "v.h5", "v", dense_edges(c.V, p.n_hid, p.n_hid, dt), "hid", "hid");
  h5::Handle f = h5::open_file(path);
  h5::Handle params = h5::open(f.get(), "params");
  auto attr = [&](const char* k) { return h5::read_attr<double>(params.get(), k); };
  std::ostringstream cfg;
  cfg.precision(17);
  cfg << "[simulation]\ndt = " << dt << "\n[trials]\ncount = " << p.B << "\nlength = " << static_cast<double>(p.T + 2)
      << "\n[trials.objective]\nkind = \"" << (p.loss == SurrogateLoss::classification ? "classification_max" : "regression")
      << "\"\npopulation = \"out\"\nskip = 2\ndata = \"" << path << "\"\n"
      << "[populations.in]\nmodel = \"raster_generator\"\nsize = " << p.n_in << "\nparams = { file = \"" << path << "\" }\n"
      << "[populations.hid]\nmodel = \"lif_discrete\"\nsize = " << p.n_hid << "\nparams = { tau_m = " << attr("tau_mem")
      << ", tau_syn = " << attr("tau_syn") << ", V_th = " << p.threshold << " }\n"
      << "[populations.out]\nmodel = \"li_readout\"\nsize = " << p.n_out << "\nparams = { tau_m = " << attr("tau_mem")
      << ", tau_syn = " << attr("tau_syn") << " }\n"
      << "[projections.w1]\nsource = \"in\"\ntarget = \"hid\"\nconnectivity = { rule = \"file\", file = \"" << (dir / "w1.h5") << "\" }\n"
      << "[projections.w2]\nsource = \"hid\"\ntarget = \"out\"\nconnectivity = { rule = \"file\", file = \"" << (dir / "w2.h5") << "\" }\n";
  if (p.recurrent)
    cfg << "[projections.v]\nsource = \"hid\"\ntarget = \"hid\"\nconnectivity = { rule = \"file\", file = \"" << (dir / "v.h5") << "\" }\n";
  Network net = test::network(cfg.str());

  SurrogateOptions so;
  so.smooth = smooth;
  SurrogateResult ref = surrogate_gradient(c, 1, so);
  NetworkGradientOptions o;
  o.surrogate_scale = p.surrogate_scale;
  o.smooth = smooth;
  auto trials = range(static_cast<std::int64_t>(p.B));
  NetworkGradient g = network_gradient(net, trials, 1, o);

  INFO(name << (smooth ? " smooth" : " hard") << ": loss " << g.loss << " vs " << ref.loss);
  CHECK(std::fabs(g.loss - ref.loss) <= 1e-12 * std::fabs(ref.loss));
  REQUIRE(g.grad.size() == (p.recurrent ? 3u : 2u));
  auto grad_of = [&](const char* proj) -> const std::vector<double>& {
    for (std::size_t k = 0; k < net.projections.size(); ++k)
      if (net.projections[k].name == proj) return g.grad[k];
    FAIL("no projection " << proj);
    return g.grad[0];
  };
  auto check = [&](const std::vector<double>& mine, const std::vector<double>& theirs, const char* what) {
    const double d = max_abs_diff(mine, theirs), scale = max_abs(theirs);
    INFO(what << ": max |diff| = " << d << ", max |ref| = " << scale);
    CHECK(scale > 0);
    CHECK(d <= 1e-12 * scale);
  };
  check(grad_of("w1"), ref.dW1, "W1");
  check(grad_of("w2"), ref.dW2, "W2");
  if (p.recurrent) check(grad_of("v"), ref.dV, "V");

  // The hard forward is the simulator's: the same per-trial losses as a run.
  if (!smooth) {
    auto losses = run_losses(net);
    REQUIRE(losses.size() == p.B);
    for (std::size_t b = 0; b < p.B; ++b) CHECK(losses[b] == g.trial_loss[b]);
  }
}

// A network with everything the forward must reproduce: raster and Poisson inputs, two LIF
// layers with delays 2 and 3, a recurrent projection with mixed delays, refractoriness, a reset
// value, a dc current, and a readout. `objective` is the [trials.objective] table body.
std::string deep_config(const std::string& data, const std::string& objective, int trials, double t_ref = 2.0,
                        double v_reset = -0.2, const char* out_weight = "{ distribution = \"normal\", mean = 0.2, std = 0.5 }",
                        double shift = 0.0) {
  std::ostringstream c;
  c << "[simulation]\ndt = 1.0\nseed = 7\n[trials]\ncount = " << trials << "\nlength = 104.0\n"
    << "[trials.objective]\n" << objective << "\n"
    << "[populations.in]\nmodel = \"raster_generator\"\nsize = 20\nparams = { file = \"" << data << "\" }\n"
    << "[populations.noise]\nmodel = \"poisson_generator\"\nsize = 5\nparams = { rate = 80.0 }\n"
    << "[populations.h1]\nmodel = \"lif_discrete\"\nsize = 12\nparams = { t_ref = " << t_ref << ", V_reset = " << v_reset << " }\n"
    << "[populations.h2]\nmodel = \"lif_discrete\"\nsize = 8\nparams = { tau_m = 8.0, tau_syn = 4.0 }\n"
    << "[populations.out]\nmodel = \"li_readout\"\nsize = 3\n"
    << "[projections.in_h1]\nsource = \"in\"\ntarget = \"h1\"\nconnectivity = { rule = \"all_to_all\" }\n"
    << "weight = { distribution = \"normal\", mean = 0.3, std = 0.4 }\ndelay = " << 2.0 + shift << "\n"
    << "[projections.noise_h1]\nsource = \"noise\"\ntarget = \"h1\"\nconnectivity = { rule = \"fixed_probability\", p = 0.5 }\n"
    << "weight = 0.5\ndelay = " << 1.0 + shift << "\n"
    << "[projections.h1_h2]\nsource = \"h1\"\ntarget = \"h2\"\nconnectivity = { rule = \"fixed_indegree\", indegree = 8 }\n"
    << "weight = { distribution = \"normal\", mean = 0.5, std = 0.5 }\ndelay = " << 3.0 + shift << "\n"
    << "[projections.h2_h2]\nsource = \"h2\"\ntarget = \"h2\"\nconnectivity = { rule = \"fixed_probability\", p = 0.4 }\n"
    << "weight = { distribution = \"normal\", mean = 0.0, std = 0.3 }\ndelay = { distribution = \"uniform\", low = " << 1.0 + shift << ", high = " << 3.0 + shift << " }\n"
    << "[projections.h2_out]\nsource = \"h2\"\ntarget = \"out\"\nconnectivity = { rule = \"all_to_all\" }\n"
    << "weight = " << out_weight << "\ndelay = " << 1.0 + shift << "\n"
    << "[inputs.bias]\nkind = \"dc\"\ntarget = \"h2\"\namplitude = 0.05\n";
  return c.str();
}

const std::string kData = std::string(APICAL_SOURCE_DIR) + "/data/reference/surrogate/rec_class_20_10_3.h5";

}  // namespace

TEST_CASE("network gradient equals the SURROGATE.md gradient on its network shape", "[validation][network_gradient]") {
  for (const char* name : {"ff_class_5_3_2.h5", "rec_class_20_10_3.h5", "ff_reg_20_10_3_s10.h5", "rec_reg_20_10_3.h5"}) {
    SECTION(name) { compare_with_surrogate(name, false); }
  }
}

TEST_CASE("network gradient's forward pass reproduces apical run's trial losses", "[validation][network_gradient]") {
  const std::vector<std::string> objectives = {
      "kind = \"classification_max\"\npopulation = \"out\"\nskip = 4\ndata = \"" + kData + "\"",
      "kind = \"classification_count\"\npopulation = \"h2\"\nscale = 0.5\ndata = \"" + kData + "\"",
      "kind = \"target_count\"\npopulation = \"h1\"\ntargets = [1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 4]",
  };
  // shift 1: every delay >= 2 steps, so the simulator exchanges spikes every 2 steps (its epoch).
  for (double shift : {0.0, 1.0})
  for (const auto& obj : objectives) {
    Network net = test::network(deep_config(kData, obj, 6, 2.0, -0.2, "{ distribution = \"normal\", mean = 0.2, std = 0.5 }", shift));
    INFO("delays shifted by " << shift << " ms, epoch " << net.epoch << " steps");
    const auto trials = range(6);
    NetworkGradient g = network_gradient(net, trials, 1);
    auto losses = run_losses(net);
    REQUIRE(losses.size() == 6);
    INFO(obj);
    for (std::size_t b = 0; b < 6; ++b) CHECK(losses[b] == g.trial_loss[b]);
    // A subset, out of order: the replay gives each trial its own input.
    std::vector<std::int64_t> some = {4, 1};
    NetworkGradient h = network_gradient(net, some, 2);
    CHECK(h.trial_loss[0] == losses[4]);
    CHECK(h.trial_loss[1] == losses[1]);
    // Thread count changes nothing.
    NetworkGradient g2 = network_gradient(net, trials, 2);
    CHECK(g2.loss == g.loss);
    for (std::size_t k = 0; k < g.grad.size(); ++k) CHECK(g2.grad[k] == g.grad[k]);
    CHECK(max_abs(g.grad[net.projections.size() - 1]) > 0);  // some gradient reaches the last projection
    // Per-trial gradients average to the batch gradient, whatever the thread count.
    TrialInputs in = record_inputs(net, trials);
    auto per = trial_gradients(net, in, trials, 2);
    CHECK(per == trial_gradients(net, in, trials, 1));
    for (std::size_t k = 0; k < net.projections.size(); ++k) {
      std::vector<double> mean(g.synapse_grad[k].size(), 0.0);
      for (auto& trial : per)
        for (std::size_t s = 0; s < mean.size(); ++s) mean[s] += trial[k][s] / 6.0;
      CHECK(max_abs_diff(mean, g.synapse_grad[k]) <= 1e-12 * (1e-300 + max_abs(g.synapse_grad[k])));
    }
  }
}

TEST_CASE("smooth network gradient matches finite differences (2 hidden layers, delays, recurrence)",
          "[validation][network_gradient]") {
  const std::string obj = "kind = \"classification_max\"\npopulation = \"out\"\nskip = 4\ndata = \"" + kData + "\"";
  Network net = test::network(deep_config(kData, obj, 4, 0.0, -0.2, "{ distribution = \"normal\", mean = 0.0, std = 0.1 }"));
  const auto trials = range(4);
  TrialInputs in = record_inputs(net, trials);
  NetworkGradientOptions o;
  o.smooth = true;
  o.smooth_k = 4.0;
  std::vector<std::vector<double>> resets;
  NetworkGradient g = network_gradient(net, in, trials, 1, o, true, &resets, false);
  auto loss_at = [&](std::size_t k, std::size_t s, double w) {
    double keep = net.projections[k].weight[s];
    net.projections[k].weight[s] = w;
    double l = network_gradient(net, in, trials, 1, o, false, &resets, true).loss;
    net.projections[k].weight[s] = keep;
    return l;
  };
  // eps 1e-5: truncation error (eps^2) and rounding error (1e-16 / eps) both far below the test's
  // tolerance, judged against the projection's largest gradient entry for entries near zero.
  const double eps = 1e-5;
  double worst = 0;
  std::size_t checked = 0;
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    const auto& proj = net.projections[k];
    const double scale = max_abs(g.synapse_grad[k]);
    for (std::size_t s = 0; s < proj.size(); s += std::max<std::size_t>(1, proj.size() / 6)) {
      const double w = proj.weight[s];
      const double fd = (loss_at(k, s, w + eps) - loss_at(k, s, w - eps)) / (2 * eps);
      const double an = g.synapse_grad[k][s];
      // Rounding of the central difference: about |L| * 1e-16 / eps per evaluation; allowed 100x.
      const double noise = 1e-14 * std::fabs(g.loss) / eps;
      const double err = std::fabs(fd - an) / (1e-4 * std::fabs(an) + noise);
      INFO(proj.name << "[" << s << "]: finite difference " << fd << ", adjoint " << an << ", max |grad| " << scale);
      CHECK(err < 1.0);
      worst = std::max(worst, err);
      ++checked;
    }
  }
  CHECK(checked > 20);
  CHECK(max_abs(g.synapse_grad[3]) > 1e-6);  // the recurrent projection carries gradient
  WARN("smooth FD: " << checked << " weights, worst |fd - adjoint| / (1e-4 |adjoint| + rounding bound) = " << worst);
}

TEST_CASE("rate network backprop matches finite differences of the exact loss", "[validation][network_gradient]") {
  test::TempDir dir;
  // Inputs: 6 raster inputs, 12 steps; targets for 2 readout units over 12 steps (skip 3).
  const std::size_t B = 3, S = 12, n_in = 6, n_out = 2;
  std::vector<std::uint8_t> spikes(B * S * n_in);
  std::vector<double> targets(B * S * n_out);
  for (std::size_t i = 0; i < spikes.size(); ++i) spikes[i] = (i * 7 + i / 5) % 4 == 0;
  for (std::size_t i = 0; i < targets.size(); ++i) targets[i] = 0.3 * std::sin(0.37 * static_cast<double>(i));
  {
    h5::Handle f = h5::create_file(dir / "set.h5");
    h5::write_array(f.get(), "inputs/spikes", spikes, {B, S, n_in});
    h5::write_array(f.get(), "inputs/targets", targets, {B, S, n_out});
  }
  std::ostringstream c;
  c << "[simulation]\ndt = 1.0\nseed = 3\n[trials]\ncount = 3\nlength = 15.0\n"
    << "[trials.objective]\nkind = \"regression\"\npopulation = \"out\"\nvariable = \"rate\"\nskip = 3\ndata = \"" << (dir / "set.h5") << "\"\n"
    << "[populations.in]\nmodel = \"raster_generator\"\nsize = 6\nparams = { file = \"" << (dir / "set.h5") << "\" }\n"
    << "[populations.a]\nmodel = \"rate_unit\"\nsize = 5\nparams = { tau = 3.0, phi = \"tanh\" }\n"
    << "[populations.b]\nmodel = \"rate_unit\"\nsize = 4\nparams = { phi = \"softplus\" }\n"
    << "[populations.out]\nmodel = \"rate_unit\"\nsize = 2\nparams = { tau = 2.0, phi = \"linear\" }\n"
    << "[projections.in_a]\nsource = \"in\"\ntarget = \"a\"\nconnectivity = { rule = \"all_to_all\" }\n"
    << "weight = { distribution = \"normal\", mean = 0.2, std = 0.5 }\ndelay = 1.0\n"
    << "[projections.a_b]\nsource = \"a\"\ntarget = \"b\"\nconnectivity = { rule = \"all_to_all\" }\n"
    << "weight = { distribution = \"normal\", mean = 0.0, std = 0.6 }\ndelay = 2.0\n"
    << "[projections.b_b]\nsource = \"b\"\ntarget = \"b\"\nconnectivity = { rule = \"all_to_all\" }\n"
    << "weight = { distribution = \"normal\", mean = 0.0, std = 0.2 }\ndelay = 1.0\n"
    << "[projections.b_out]\nsource = \"b\"\ntarget = \"out\"\nconnectivity = { rule = \"all_to_all\" }\n"
    << "weight = { distribution = \"normal\", mean = 0.0, std = 0.6 }\ndelay = 1.0\n";
  Network net = test::network(c.str());
  const auto trials = range(3);
  TrialInputs in = record_inputs(net, trials);
  NetworkGradient g = network_gradient(net, in, trials, 1, {});
  auto losses = run_losses(net);
  for (std::size_t b = 0; b < 3; ++b) CHECK(losses[b] == g.trial_loss[b]);
  const double eps = 1e-6;
  std::size_t checked = 0;
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    auto& proj = net.projections[k];
    for (std::size_t s = 0; s < proj.size(); s += 3) {
      const double w = proj.weight[s];
      proj.weight[s] = w + eps;
      const double up = network_gradient(net, in, trials, 1, {}, false).loss;
      proj.weight[s] = w - eps;
      const double down = network_gradient(net, in, trials, 1, {}, false).loss;
      proj.weight[s] = w;
      const double fd = (up - down) / (2 * eps), an = g.synapse_grad[k][s];
      INFO(proj.name << "[" << s << "]: finite difference " << fd << ", backprop " << an);
      CHECK(std::fabs(fd - an) <= 1e-6 * (1e-4 + std::fabs(an)));
      ++checked;
    }
  }
  CHECK(checked > 20);
}

TEST_CASE("network gradient refuses what it cannot differentiate", "[validation][network_gradient]") {
  using Catch::Matchers::Contains;
  const std::string base = "[simulation]\ndt = 1.0\n[trials]\ncount = 2\nlength = 20.0\n";
  const std::string pops =
      "[populations.in]\nmodel = \"poisson_generator\"\nsize = 3\nparams = { rate = 100.0 }\n"
      "[projections.p]\nsource = \"in\"\ntarget = \"n\"\nconnectivity = { rule = \"all_to_all\" }\nweight = 1.0\ndelay = 1.0\n";
  const std::vector<std::int64_t> trials = {0, 1};
  {  // an event-driven neuron
    Network net = test::network(base + "[trials.objective]\nkind = \"target_count\"\npopulation = \"n\"\ntargets = [1, 1]\n" + pops +
                                "[populations.n]\nmodel = \"lif_psc_exp\"\nsize = 2\n");
    CHECK_THROWS_WITH(network_gradient(net, trials, 1), Contains("'n' (lif_psc_exp) is not clock-driven"));
  }
  {  // no objective
    Network net = test::network(base + pops + "[populations.n]\nmodel = \"lif_discrete\"\nsize = 2\n");
    CHECK_THROWS_WITH(network_gradient(net, trials, 1), Contains("[trials.objective]"));
  }
  {  // a refractory period in the smooth variant
    Network net = test::network(base + "[trials.objective]\nkind = \"target_count\"\npopulation = \"n\"\ntargets = [1, 1]\n" + pops +
                                "[populations.n]\nmodel = \"lif_discrete\"\nsize = 2\nparams = { t_ref = 2.0 }\n");
    NetworkGradientOptions o;
    o.smooth = true;
    CHECK_THROWS_WITH(network_gradient(net, trials, 1, o), Contains("t_ref = 0"));
    CHECK_NOTHROW(network_gradient(net, trials, 1));
  }
}
