// STDP rules through the Rule interface directly: exact sums for small spike patterns, and the
// frequency dependence of the triplet rule under a Sjöström-style pairing protocol.
#include <catch2/catch.hpp>

#include <cmath>

#include "plasticity/stdp.hpp"

using namespace apical;
using Catch::Matchers::WithinAbs;

namespace {

// One synapse, one postsynaptic neuron; spikes given as (time, is_post). Returns the summed raw
// update (= -measured).
template <class R>
double raw_sum(R rule, const std::vector<std::pair<double, bool>>& spikes) {
  std::vector<double> w{0.0};
  std::vector<std::uint32_t> pre{0}, post{0}, incoming{0};
  rule.bind(SynapseTable{1, 1, pre, post, w}, {"V_m"});
  WeightUpdate out(WeightUpdate::Settings{WeightUpdate::Mode::measure}, std::span<double>(w));
  const double v = -60.0;
  for (auto [t, is_post] : spikes) {
    if (is_post) rule.on_post(0, t, incoming, PostState(&v, 1), out);
    else rule.on_pre(0, 0, t, PostState(&v, 1), out);
  }
  return -out.measured()[0];
}

// n pairings at `hz`, pre at k/hz, post at k/hz + dt (dt < 0: post first).
std::vector<std::pair<double, bool>> pairings(int n, double hz, double dt) {
  std::vector<std::pair<double, bool>> s;
  for (int k = 0; k < n; ++k) {
    double t = 100.0 + 1000.0 * k / hz;
    if (dt > 0) { s.push_back({t, false}); s.push_back({t + dt, true}); }
    else { s.push_back({t + dt, true}); s.push_back({t, false}); }
  }
  return s;
}

}  // namespace

TEST_CASE("stdp_pair: all-to-all and nearest-neighbour pairing", "[unit][plasticity]") {
  StdpPair::Params p;
  p.tau_plus = 20.0;
  p.tau_minus = 30.0;
  p.A_plus = 1.0;
  p.A_minus = 0.5;
  const std::vector<std::pair<double, bool>> spikes = {{0.0, false}, {5.0, false}, {10.0, true}, {12.0, false}};
  // Post at 10 sees pre at 0 and 5 (all-to-all) or only 5 (nearest); pre at 12 sees post at 10.
  double all = raw_sum(StdpPair(p), spikes);
  CHECK_THAT(all, WithinAbs(std::exp(-10.0 / 20) + std::exp(-5.0 / 20) - 0.5 * std::exp(-2.0 / 30), 1e-15));
  p.nearest = true;
  double nearest = raw_sum(StdpPair(p), spikes);
  CHECK_THAT(nearest, WithinAbs(std::exp(-5.0 / 20) - 0.5 * std::exp(-2.0 / 30), 1e-15));
}

TEST_CASE("stdp_triplet: pair and triplet terms", "[unit][plasticity]") {
  StdpTriplet::Params p;  // minimal model: A2_plus = A3_minus = 0
  // pre 0, post 10: no potentiation without an earlier post spike (A2_plus = 0).
  CHECK(raw_sum(StdpTriplet(p), {{0.0, false}, {10.0, true}}) == 0.0);
  // pre 0, post 10, post 20: the second post sees o2 of the first.
  double expected = std::exp(-20.0 / p.tau_plus) * p.A3_plus * std::exp(-10.0 / p.tau_y);
  CHECK_THAT(raw_sum(StdpTriplet(p), {{0.0, false}, {10.0, true}, {20.0, true}}), WithinAbs(expected, 1e-15));
  // post 0, pre 10: pair depression.
  CHECK_THAT(raw_sum(StdpTriplet(p), {{0.0, true}, {10.0, false}}),
             WithinAbs(-p.A2_minus * std::exp(-10.0 / p.tau_minus), 1e-15));
}

TEST_CASE("stdp_triplet: frequency dependence of a pairing protocol (Sjöström et al. 2001)",
          "[unit][plasticity]") {
  // 60 pairings at +10 ms (pre first) and -10 ms (post first). Pfister & Gerstner's point: pair
  // STDP cannot make both timings potentiate at high frequency; the triplet term does, while at
  // low frequency post-first pairings depress and pre-first ones barely change.
  StdpTriplet::Params p;
  auto dw = [&](double hz, double dt) { return raw_sum(StdpTriplet(p), pairings(60, hz, dt)); };
  CHECK(dw(0.1, -10.0) < 0.0);
  CHECK(std::fabs(dw(0.1, +10.0)) < 0.05 * std::fabs(dw(0.1, -10.0)));
  CHECK(dw(50.0, +10.0) > 0.0);
  CHECK(dw(50.0, -10.0) > 0.0);
  CHECK(dw(10.0, +10.0) < dw(20.0, +10.0));
  CHECK(dw(20.0, +10.0) < dw(40.0, +10.0));
  // Pair STDP, for contrast (A_minus > A_plus, equal time constants): at 50 Hz the two timings
  // are nearly the same alternating train, and both depress.
  StdpPair::Params pp;
  CHECK(raw_sum(StdpPair(pp), pairings(60, 50.0, -10.0)) < 0.0);
  CHECK(raw_sum(StdpPair(pp), pairings(60, 50.0, +10.0)) < 0.0);
}
