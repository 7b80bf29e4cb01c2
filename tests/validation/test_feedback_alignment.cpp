// Feedback alignment (Lillicrap et al. 2016; SCIENCE.md 6.2) through apical: the 30-20-10 linear
// task with rate_unit populations and rule "feedback_alignment" in learn mode. The angle between
// the FA hidden signal B e and the backprop one W^T e, computed here from the objective's error
// e and the readout weights W recorded before each update, starts near 90 degrees and falls to
// about 30 degrees within tens of updates.
//
// Network: in (30 linear units, driven by white N(0, 1) noise currents, so x ~ N(0, I) anew every
// step) -> hid (20) -> out (10), plus a fixed "teacher" projection in -> out with weights -T and
// the same total delay, so that out = W W0 x - T x = y - T x and the regression objective with
// zero targets is 0.5 |y - T x|^2 per sample, with error e = y - T x. A trial is a batch of 100
// samples (steps 0..99 of the noise; out sees them at steps 5..104, skip = 5); the trial schedule
// applies eta * (summed gradient), eta = 0.01 / 100 (lr 0.01 on the batch mean).
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "../support.hpp"
#include "../temp_dir.hpp"
#include "plasticity/eprop.hpp"
#include "sim/h5.hpp"
#include "sim/input_files.hpp"

using namespace apical;

namespace {

struct SplitMix {
  std::uint64_t s;
  double uniform(double lo, double hi) {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return lo + (hi - lo) * (static_cast<double>(z >> 11) * 0x1.0p-53);
  }
};

EdgeList dense(const std::vector<double>& W, std::size_t n_pre, std::size_t n_post, double delay) {
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

constexpr std::size_t kIn = 30, kHid = 20, kOut = 10, kBatch = 100;

std::string fa_config(const test::TempDir& dir, std::uint64_t seed, std::size_t trials, const std::string& feedback) {
  SplitMix rng{seed};
  std::vector<double> T(kIn * kOut), W0(kIn * kHid), W(kHid * kOut);  // [pre, post]
  for (double& v : T) v = -rng.uniform(-1.0, 1.0);  // the teacher projection carries -T
  for (double& v : W0) v = rng.uniform(-0.01, 0.01);
  for (double& v : W) v = rng.uniform(-0.01, 0.01);
  write_edge_file(dir / "teacher.h5", "teacher", dense(T, kIn, kOut, 3.0), "in", "out");
  write_edge_file(dir / "w0.h5", "w0", dense(W0, kIn, kHid, 1.0), "in", "hid");
  write_edge_file(dir / "w.h5", "w", dense(W, kHid, kOut, 1.0), "hid", "out");
  {
    h5::Handle f = h5::create_file(dir / "targets.h5");
    h5::write_array<std::uint8_t>(f.get(), "/inputs/spikes", std::vector<std::uint8_t>(kBatch, 0), {1, kBatch, 1});
    h5::write_array<double>(f.get(), "/inputs/targets", std::vector<double>(kBatch * kOut, 0.0), {1, kBatch, kOut});
  }
  std::ostringstream c;
  c << "[simulation]\ndt = 1.0\nseed = " << seed << "\n[trials]\ncount = " << trials << "\nlength = " << kBatch + 5 << ".0\n"
    << "[trials.objective]\nkind = \"regression\"\npopulation = \"out\"\nskip = 5\ndata = \"" << (dir / "targets.h5") << "\"\n"
    << "[populations.in]\nmodel = \"rate_unit\"\nsize = " << kIn << "\n"
    << "[populations.hid]\nmodel = \"rate_unit\"\nsize = " << kHid << "\n"
    << "[populations.out]\nmodel = \"rate_unit\"\nsize = " << kOut << "\n"
    << "[inputs.x]\nkind = \"noise\"\ntarget = \"in\"\nmean = 0.0\nstd = 1.0\n"
    << "[projections.teacher]\nsource = \"in\"\ntarget = \"out\"\nconnectivity = { rule = \"file\", file = \"" << (dir / "teacher.h5") << "\" }\n"
    << "[projections.w0]\nsource = \"in\"\ntarget = \"hid\"\nconnectivity = { rule = \"file\", file = \"" << (dir / "w0.h5") << "\" }\n"
    << "plasticity = { rule = \"feedback_alignment\", readout = \"w\", feedback = \"" << feedback
    << "\", feedback_init = \"uniform\", feedback_scale = 0.5, eta = 1e-4, schedule = \"trial\" }\n"
    << "[projections.w]\nsource = \"hid\"\ntarget = \"out\"\nconnectivity = { rule = \"file\", file = \"" << (dir / "w.h5") << "\" }\n"
    << "plasticity = { rule = \"feedback_alignment\", eta = 1e-4, schedule = \"trial\" }\n";
  return c.str();
}

// Per trial: the angle (degrees) between B e and W^T e over the batch, and the loss (batch mean).
struct Angles : RunObserver {
  Network& net;
  const GradientRule* rule;
  std::vector<double> W, angle, loss;  // W: [n_hid, n_out], the readout before this trial's update
  Angles(Network& n) : net(n) {
    const Projection& w = net.projections[static_cast<std::size_t>(index("w"))];
    rule = dynamic_cast<const GradientRule*>(net.projections[static_cast<std::size_t>(index("w0"))].rule.get());
    W = dense_weights(w);
  }
  int index(const std::string& name) const {
    for (std::size_t k = 0; k < net.projections.size(); ++k)
      if (net.projections[k].name == name) return static_cast<int>(k);
    return -1;
  }
  static std::vector<double> dense_weights(const Projection& p) {
    std::vector<double> d(kHid * kOut, 0.0);
    for (std::size_t i = 0; i < kHid; ++i)
      for (std::uint64_t q = p.row[i]; q < p.row[i + 1]; ++q) d[i * kOut + p.post[q]] += p.weight[q];
    return d;
  }
  void trial_done(std::int64_t, Step, const ObjectiveResult* r) override {
    const auto& e = r->dloss_dtrace;  // [100, 10]: y - T x
    const auto& B = rule->feedback();
    double ab = 0, aa = 0, bb = 0, l = 0;
    for (std::size_t s = 0; s < kBatch; ++s)
      for (std::size_t j = 0; j < kHid; ++j) {
        double fa = 0, bp = 0;
        for (std::size_t k = 0; k < kOut; ++k) {
          fa += B[j * kOut + k] * e[s * kOut + k];
          bp += W[j * kOut + k] * e[s * kOut + k];
        }
        ab += fa * bp, aa += fa * fa, bb += bp * bp;
      }
    angle.push_back(std::acos(ab / std::sqrt(aa * bb)) * 180.0 / M_PI);
    l = r->loss / static_cast<double>(kBatch);
    loss.push_back(l);
    W = dense_weights(net.projections[static_cast<std::size_t>(index("w"))]);
  }
};

}  // namespace

TEST_CASE("feedback alignment: the FA hidden signal aligns with backprop's on the 30-20-10 linear task",
          "[validation][eprop][fa]") {
  const std::vector<std::uint64_t> seeds = {1, 2, 3, 4, 5};
  const std::size_t trials = 51;
  double start = 0, after = 0, loss0 = 0, loss50 = 0;
  for (std::uint64_t seed : seeds) {
    test::TempDir dir;
    Network net = test::network(fa_config(dir, seed, trials, "random"));
    Angles a(net);
    Simulator(net, 1).run(a);
    REQUIRE(a.angle.size() == trials);
    start += a.angle[0] / static_cast<double>(seeds.size());
    after += a.angle[50] / static_cast<double>(seeds.size());
    loss0 += a.loss[0] / static_cast<double>(seeds.size());
    loss50 += a.loss[50] / static_cast<double>(seeds.size());
    std::ostringstream tr;
    for (std::size_t k : {0, 5, 10, 20, 30, 50}) tr << " " << k << ":" << a.angle[k];
    UNSCOPED_INFO("seed " << seed << " angles (update: degrees)" << tr.str());
  }
  INFO("mean angle at the start " << start << " deg, after 50 updates " << after << " deg; loss " << loss0 << " -> "
                                  << loss50);
  CHECK(start > 70.0);
  CHECK(after < 45.0);
  CHECK(loss50 < 0.5 * loss0);
}

// With symmetric feedback the rule is backprop: B is W^T read at delivery, angle 0.
TEST_CASE("feedback_alignment with symmetric feedback is backprop", "[validation][eprop][fa]") {
  test::TempDir dir;
  Network net = test::network(fa_config(dir, 7, 5, "symmetric"));
  Angles a(net);
  Simulator(net, 1).run(a);
  for (double x : a.angle) CHECK(x < 1e-3);
  CHECK(a.loss[4] < a.loss[0]);
}

// The measured-update contract for feedback_alignment: measure mode leaves weights untouched; the
// trial schedule without bounds applies exactly w -= eta u; 1 and 2 threads are bit-identical.
TEST_CASE("feedback_alignment: measure mode, trial schedule and thread invariance", "[validation][eprop][fa][contract]") {
  auto config = [](const test::TempDir& dir, std::size_t trials, const std::string& mode) {
    std::string c = fa_config(dir, 11, trials, "random");
    const std::string key = "schedule = \"trial\"";
    for (std::size_t at = c.find(key); at != std::string::npos; at = c.find(key, at + mode.size() + 2 + key.size()))
      c.insert(at, mode + ", ");
    return c;
  };
  test::TempDir dir;
  Network measure = test::network(config(dir, 1, "mode = \"measure\""));
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
  test::TempDir dir2;
  Network learn = test::network(config(dir2, 1, "mode = \"learn\""));
  test::run(learn);
  for (std::size_t p = 0; p < measure.projections.size(); ++p) {
    CHECK(measure.projections[p].weight == w0[p]);
    if (!measure.projections[p].plastic()) continue;
    double umax = 0;
    std::size_t exact = 0;
    for (std::size_t q = 0; q < w0[p].size(); ++q) {
      exact += learn.projections[p].weight[q] == w0[p][q] - 1e-4 * u[p][q];
      umax = std::max(umax, std::fabs(u[p][q]));
    }
    CHECK(umax > 0);
    CHECK(exact == w0[p].size());
  }
  std::vector<std::vector<double>> weights[2];
  for (int threads : {1, 2}) {
    test::TempDir d;
    Network net = test::network(config(d, 3, "mode = \"learn\""));
    test::run(net, threads);
    for (auto& p : net.projections) weights[threads - 1].push_back(p.weight);
  }
  CHECK(weights[0] == weights[1]);
}
