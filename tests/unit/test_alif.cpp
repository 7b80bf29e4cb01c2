// alif_discrete (models/alif_discrete.hpp): with beta_a = 0 it is lif_discrete step for step; with
// adaptation the threshold rises by beta_a per spike and decays by rho per step, and its
// neuron_step reports the distance to that threshold.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/config.hpp"
#include "models/alif_discrete.hpp"
#include "models/lif_discrete.hpp"

using namespace apical;

TEST_CASE("alif_discrete is lif_discrete without adaptation and adapts its threshold", "[unit][alif]") {
  const Grid grid{1.0};
  auto parse_alif = [&](const std::string& t) {
    ConfigNode root = ConfigNode::parse("[p]\n" + t, "alif.toml");
    return AlifDiscrete::parse(root.table("p"), grid);
  };
  ConfigNode lroot = ConfigNode::parse("[p]\nt_ref = 2.0\n", "lif.toml");
  const LifDiscrete::Params lp = LifDiscrete::parse(lroot.table("p"), grid);
  const AlifDiscrete::Params a0 = parse_alif("beta_a = 0.0\nt_ref = 2.0\n");
  const AlifDiscrete::Params a1 = parse_alif("beta_a = 0.5\ntau_a = 20.0\nt_ref = 2.0\n");
  CHECK(a1.rho == std::exp(-1.0 / 20.0));
  LifDiscrete::State ls;
  AlifDiscrete::State s0, s1;
  int spikes0 = 0, spikes1 = 0;
  double a_expected = 0;
  for (int t = 0; t < 400; ++t) {
    const double x = 0.4 + 0.3 * std::sin(0.1 * t);
    const auto step1 = AlifDiscrete::neuron_step(s1, a1, false);
    CHECK(step1.v == s1.V_m - (1.0 + 0.5 * s1.a));
    CHECK(s1.a == Approx(a_expected).margin(1e-12));
    const bool l = LifDiscrete::step(ls, lp, x), z0 = AlifDiscrete::step(s0, a0, x), z1 = AlifDiscrete::step(s1, a1, x);
    REQUIRE(l == z0);
    REQUIRE(ls.V_m == s0.V_m);
    spikes0 += z0, spikes1 += z1;
    a_expected = a1.rho * a_expected + (z1 ? 1.0 : 0.0);
  }
  CHECK(spikes0 > 10);
  CHECK(spikes1 > 0);
  CHECK(spikes1 < spikes0);  // adaptation slows it down (same input and refractoriness)
}
