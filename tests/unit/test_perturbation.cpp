// plasticity/perturbation: the rules' hooks called directly (perturbation per trial, paired and
// delivered baselines, NP's eligibility), their config errors, and the block-start stream.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "plasticity/perturbation.hpp"

using namespace apical;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("RandomStream: the block-start constructor is the plain stream skipped ahead", "[unit][perturbation]") {
  RandomStream plain(42, StreamKind::perturbation, 3, 7);
  for (int k = 0; k < 4 * 5; ++k) plain.next_u32();
  RandomStream at(42, StreamKind::perturbation, 3, 7, 5);
  for (int k = 0; k < 8; ++k) CHECK(at.next_u32() == plain.next_u32());
}

TEST_CASE("weight_perturbation: odd trials perturbed, raw = (R - R_0) xi / sigma^2", "[unit][perturbation]") {
  PerturbationParams p;
  p.sigma = 0.1;
  WeightPerturbation rule(p);
  std::vector<double> w{0.5, -0.2, 0.3};
  std::vector<std::uint64_t> row{0, 2, 3};  // the rule reads only the synapse count
  std::vector<std::uint32_t> post{0, 0, 1}, in0{0, 1}, in1{2};
  rule.bind(SynapseTable{2, 2, row, post, w}, {});
  WeightUpdate out(WeightUpdate::Settings{WeightUpdate::Mode::measure}, std::span<double>(w));
  auto xi = [&](std::uint32_t s, std::uint32_t trial) {
    return 0.1 * RandomStream(9, StreamKind::perturbation, 4, s, trial).normal();
  };
  rule.begin_trial(TrialStart{9, 4, 0, 0}, out);
  for (std::uint32_t s = 0; s < 3; ++s) CHECK(out.seen_weight(s) == w[s]);  // trial 0: unperturbed
  rule.on_third_factor(0, 1.0, -2.0, in0, {}, out);
  rule.on_third_factor(1, 1.0, -2.0, in1, {}, out);
  CHECK(out.measured()[0] == 0.0);
  rule.begin_trial(TrialStart{9, 4, 1, 10}, out);
  for (std::uint32_t s = 0; s < 3; ++s) CHECK(out.seen_weight(s) == w[s] + xi(s, 1));
  CHECK(w == std::vector<double>{0.5, -0.2, 0.3});  // the weights themselves never change
  rule.on_third_factor(0, 2.0, -2.5, in0, {}, out);
  rule.on_third_factor(1, 2.0, -2.5, in1, {}, out);
  // u = -raw = (L - L_0) xi / sigma^2 = (2.5 - 2.0) xi / 0.01
  for (std::uint32_t s = 0; s < 3; ++s) CHECK_THAT(out.measured()[s], WithinRel(0.5 * xi(s, 1) / 0.01, 1e-12));

  // "delivered": every trial perturbed, the delivered value taken as R - R_0.
  p.paired = false;
  WeightPerturbation every(p);
  every.bind(SynapseTable{2, 2, row, post, w}, {});
  WeightUpdate out2(WeightUpdate::Settings{WeightUpdate::Mode::measure}, std::span<double>(w));
  every.begin_trial(TrialStart{9, 4, 0, 0}, out2);
  CHECK(out2.seen_weight(1) == w[1] + xi(1, 0));
  every.on_third_factor(0, 1.0, 0.3, in0, {}, out2);
  CHECK_THAT(out2.measured()[1], WithinRel(-0.3 * xi(1, 0) / 0.01, 1e-12));
}

TEST_CASE("node_perturbation: per-step noise, eligibility sum_t zeta v, update at the third factor",
          "[unit][perturbation]") {
  PerturbationParams p;
  p.sigma = 0.2;
  NodePerturbation rule(p);
  CHECK(rule.perturbs_nodes());
  std::vector<double> w{1.0, 1.0};
  std::vector<std::uint64_t> row{0, 1, 2};
  std::vector<std::uint32_t> post{0, 0}, in0{0, 1};
  rule.bind(SynapseTable{2, 1, row, post, w}, {});
  WeightUpdate out(WeightUpdate::Settings{WeightUpdate::Mode::measure}, std::span<double>(w));
  auto zeta = [](std::uint32_t j, std::uint32_t t) {
    return 0.2 * RandomStream(3, StreamKind::perturbation, 0, j, t).normal();
  };
  rule.begin_trial(TrialStart{3, 0, 0, 0}, out);
  CHECK(rule.node_perturbation(0, 0) == 0.0);  // unperturbed half
  rule.on_arrival(0, 0, 0.0, 0.7, {}, out);
  CHECK(rule.eligibility(0) == 0.0);
  rule.on_third_factor(0, 1.0, -1.0, in0, {}, out);
  rule.reset();
  rule.begin_trial(TrialStart{3, 0, 1, 5}, out);
  double e0 = 0.0, e1 = 0.0;
  for (std::uint32_t t = 5; t < 8; ++t) {
    const double z = rule.node_perturbation(0, t);
    CHECK(z == zeta(0, t));
    rule.on_arrival(0, 0, t, 0.7, {}, out);  // a rate unit's value
    e0 += z * 0.7;
    if (t == 6) {
      rule.on_pre(1, 0, t, {}, out);  // a spike: value 1
      e1 += z;
    }
  }
  CHECK_THAT(rule.eligibility(0), WithinRel(e0, 1e-14));
  CHECK_THAT(rule.eligibility(1), WithinRel(e1, 1e-14));
  rule.on_third_factor(0, 2.0, -1.5, in0, {}, out);
  CHECK_THAT(out.measured()[0], WithinRel(0.5 * e0 / 0.04, 1e-12));
  CHECK_THAT(out.measured()[1], WithinRel(0.5 * e1 / 0.04, 1e-12));
  rule.reset();
  CHECK(rule.eligibility(0) == 0.0);
}

TEST_CASE("perturbation rules: config errors", "[unit][perturbation]") {
  CHECK_THROWS_WITH(PerturbationParams::parse(ConfigNode::parse("sigma = 0.0", "p.toml")), Contains("sigma"));
  CHECK_THROWS_WITH(PerturbationParams::parse(ConfigNode::parse("baseline = \"running\"", "p.toml")),
                    Contains("baseline"));
  const auto p = PerturbationParams::parse(ConfigNode::parse("sigma = 0.5\nbaseline = \"delivered\"", "p.toml"));
  CHECK(p.sigma == 0.5);
  CHECK(!p.paired);
}
