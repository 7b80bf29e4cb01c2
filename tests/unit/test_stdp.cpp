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
  std::vector<std::uint64_t> row{0, 1};
  std::vector<std::uint32_t> post{0}, incoming{0};
  rule.bind(SynapseTable{1, 1, row, post, w}, {"V_m"});
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

namespace {

// The minimal all-to-all triplet model (A2_plus = A3_minus = 0) summed in closed form for n
// periodic pairings at `hz`, post `lag` ms after the pre spike (lag < 0: before), written from the
// model's definition (Pfister & Gerstner 2006, eqs. 3-4) with geometric series instead of traces:
// pairing k's post spike potentiates by A3_plus * (sum over earlier pre spikes of
// exp(-dt/tau_plus)) * (sum over earlier post spikes of exp(-dt/tau_y)); pairing k's pre spike
// depresses by A2_minus * (sum over earlier post spikes of exp(-dt/tau_minus)).
double minimal_triplet_closed_form(const StdpTriplet::Params& p, int n, double hz, double lag) {
  const double P = 1000.0 / hz, d = std::fabs(lag);
  const double qp = std::exp(-P / p.tau_plus), qm = std::exp(-P / p.tau_minus), qy = std::exp(-P / p.tau_y);
  auto geo = [](double q, int terms) { return (1.0 - std::pow(q, terms)) / (1.0 - q); };  // 1 + q + ... q^(terms-1)
  double dw = 0.0;
  for (int k = 0; k < n; ++k) {
    const double o2 = qy * geo(qy, k);  // post spikes of pairings 0..k-1, all P apart in steps of P
    double r1, o1;
    if (lag > 0) {
      r1 = std::exp(-d / p.tau_plus) * geo(qp, k + 1);  // pre spikes of pairings 0..k
      o1 = std::exp(d / p.tau_minus) * qm * geo(qm, k);  // post spikes of pairings 0..k-1
    } else {
      r1 = std::exp(d / p.tau_plus) * qp * geo(qp, k);     // pre spikes of pairings 0..k-1
      o1 = std::exp(-d / p.tau_minus) * geo(qm, k + 1);  // post spikes of pairings 0..k
    }
    dw += p.A3_plus * r1 * o2 - p.A2_minus * o1;
  }
  return dw;
}

}  // namespace

TEST_CASE("stdp_triplet: defaults are Pfister & Gerstner's minimal all-to-all visual-cortex fit", "[unit][plasticity]") {
  StdpTriplet::Params p;
  CHECK(p.A2_plus == 0.0);
  CHECK(p.A3_plus == 6.5e-3);
  CHECK(p.A2_minus == 7.1e-3);
  CHECK(p.A3_minus == 0.0);
  CHECK(p.tau_plus == 16.8);
  CHECK(p.tau_minus == 33.7);
  CHECK(p.tau_y == 114.0);
}

TEST_CASE("stdp_triplet: Sjöström protocol against the minimal model's closed form", "[unit][plasticity]") {
  // Sjöström, Turrigiano & Nelson 2001: 60 pairings at 0.1-50 Hz, +10 ms and -10 ms. The rule,
  // run spike by spike through its hooks, must give the model curve of Pfister & Gerstner 2006
  // (their Fig. 6 model line) exactly; the curve must have the data's shape.
  StdpTriplet::Params p;
  const std::vector<double> freqs = {0.1, 10.0, 20.0, 30.0, 40.0, 50.0};
  std::vector<double> plus, minus;
  for (double hz : freqs) {
    for (double lag : {10.0, -10.0}) {
      INFO(hz << " Hz, lag " << lag << " ms");
      const double rule = raw_sum(StdpTriplet(p), pairings(60, hz, lag));
      const double closed = minimal_triplet_closed_form(p, 60, hz, lag);
      CHECK_THAT(rule, Catch::Matchers::WithinRel(closed, 1e-12));
      (lag > 0 ? plus : minus).push_back(closed);
    }
  }
  // The data's shape: +10 ms potentiates more the higher the frequency and hardly changes at
  // 0.1 Hz; -10 ms depresses at low frequencies and potentiates at 50 Hz.
  for (std::size_t k = 1; k < freqs.size(); ++k) CHECK(plus[k] > plus[k - 1]);
  CHECK(std::fabs(plus[0]) < 0.01 * std::fabs(minus[0]));
  CHECK(minus[0] < 0.0);
  CHECK(minus[1] < 0.0);
  CHECK(minus[2] < 0.0);
  CHECK(minus[4] > 0.0);  // the crossing lies between 20 and 40 Hz
  CHECK(minus[5] > 0.0);
  // Magnitude at 50 Hz, +10 ms: per pairing A3_plus r1 o2 - A2_minus o1 with the traces at their
  // periodic steady state (r1 = e^{-10/16.8}/(1 - e^{-20/16.8}) = 0.79, o2 = 1/(e^{20/114} - 1)
  // = 5.2, o1 = e^{10/33.7}/(e^{20/33.7} - 1) = 1.66): 0.0150, times 60 pairings = 0.90, less the
  // build-up of o2 over the first ~6 pairings.
  CHECK(plus[5] > 0.6);
  CHECK(plus[5] < 0.9);
}
