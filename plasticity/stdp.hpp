// Spike-timing-dependent plasticity, pair-based, additive (Song, Miller & Abbott 2000; the
// classic baseline). Config name: "stdp_pair". NEST equivalent: stdp_synapse (all-to-all).
//
//   pre spike arrives at t:  raw update -A_minus * y_post(t),  then x_pre += 1
//   post spike at t:         raw update +A_plus  * x_pre(t),   then y_post += 1
//   x_pre decays with tau_plus (it counts the arrivals at the synapse, delays included),
//   y_post with tau_minus (one trace per postsynaptic neuron).
//
// Where x_pre lives (`presynaptic`): "auto" (default) keeps it per source neuron when every
// synapse of the projection has the same delay, which is exact (plasticity/source_traces.hpp;
// 16 bytes per source neuron instead of per synapse), and per synapse otherwise; "per_synapse"
// always per synapse (for comparison). Per plastic synapse stdp_pair then stores only the
// projection's target 4 + weight 8 and the post-major index 4 (sim/projection.hpp): 16 bytes.
//
// All-to-all pairing: every earlier spike of the other side contributes. Weight change of one
// pre-before-post pair at lag dt > 0: +eta A_plus exp(-dt/tau_plus); post-before-pre at lag
// dt > 0: -eta A_minus exp(-dt/tau_minus) (the window the pairing test measures).
//
// Parameters: tau_plus 20 ms, tau_minus 20 ms, A_plus 1.0, A_minus 1.05 (in weight units per
// pairing; eta scales them); pairing "all_to_all" (default) or "nearest": a trace is set to 1 at
// its own side's spike instead of incremented, so only the nearest earlier spike of the other
// side counts (symmetric nearest-neighbour, Morrison et al. 2008); presynaptic "auto" (default)
// or "per_synapse" (above).
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "plasticity/rule.hpp"
#include "plasticity/source_traces.hpp"

namespace apical {

// The pair-STDP machinery stdp_pair and rstdp share: traces, pairing, and the increment each
// spike produces. `pre` and `post` return/emit the increments; the rule decides where they go
// (the weight for stdp_pair, an eligibility for rstdp).
struct PairStdp {
  struct Params {
    double tau_plus = 20.0, tau_minus = 20.0, A_plus = 1.0, A_minus = 1.05;
    bool nearest = false;
    bool per_synapse = false;  // presynaptic = "per_synapse": never per source neuron
  };
  // Reads tau_plus, tau_minus, A_plus, A_minus, pairing, presynaptic; defaults from `defaults`.
  static Params parse(const ConfigNode& t, Params defaults);

  Params p;
  bool per_source = false;    // x_pre per source neuron (x_src) rather than per synapse (x_pre)
  std::vector<Trace> x_pre;   // per synapse, tau_plus
  SourceTraces x_src;         // per source neuron, tau_plus
  std::vector<Trace> y_post;  // per postsynaptic neuron, tau_minus
  const double* weight = nullptr;  // the projection's weights, only to prefetch them

  void bind(const SynapseTable& s) {
    weight = s.weight.data();
    per_source = !p.per_synapse && s.common_delay > 0 && s.row.size() == s.n_pre + 1 && s.n_pre > 0;
    x_pre.assign(per_source ? 0 : s.size(), Trace{});
    if (per_source) x_src.bind(s.row, s.n_post, p.tau_plus, p.nearest);
    y_post.assign(s.n_post, Trace{});
  }
  void reset() {
    std::fill(x_pre.begin(), x_pre.end(), Trace{});
    x_src.reset();
    std::fill(y_post.begin(), y_post.end(), Trace{});
  }
  // A presynaptic arrival at synapse syn: its depression increment.
  double pre(std::uint32_t syn, std::uint32_t post, Millis t) {
    double increment = -p.A_minus * y_post[post].at(t, p.tau_minus);
    if (per_source) x_src.saw(post, t);  // the source's trace itself moves between epochs
    else x_pre[syn].bump(t, p.tau_plus, p.nearest);
    return increment;
  }
  // A postsynaptic spike: emit(syn, potentiation increment) for each incoming synapse.
  template <class Emit>
  void post(std::uint32_t post_id, Millis t, std::span<const std::uint32_t> incoming, Emit emit) {
    // A neuron's incoming synapses lie scattered in source order: their weights (and per-synapse
    // traces) are fetched a few synapses ahead, so that the cache misses overlap.
    constexpr std::size_t ahead = 8;
    const std::size_t n = incoming.size();
    auto fetch = [&](std::size_t k) {
      __builtin_prefetch(weight + incoming[k], 1);
      if (!per_source) __builtin_prefetch(x_pre.data() + incoming[k], 0);
    };
    for (std::size_t k = 0; k < std::min(ahead, n); ++k) fetch(k);
    if (per_source) {
      const Millis seen = x_src.seen(post_id);
      for (std::size_t k = 0; k < n; ++k) {
        if (k + ahead < n) fetch(k + ahead);
        emit(incoming[k], p.A_plus * x_src.at(incoming[k], seen, t));
      }
    } else {
      for (std::size_t k = 0; k < n; ++k) {
        if (k + ahead < n) fetch(k + ahead);
        emit(incoming[k], p.A_plus * x_pre[incoming[k]].at(t, p.tau_plus));
      }
    }
    y_post[post_id].bump(t, p.tau_minus, p.nearest);
  }
};

class StdpPair final : public Rule {
 public:
  using Params = PairStdp::Params;
  explicit StdpPair(Params p) { stdp_.p = p; }
  static Params parse(const ConfigNode& t) { return PairStdp::parse(t, Params{}); }

  std::string name() const override { return "stdp_pair"; }
  void bind(const SynapseTable& s, const std::vector<std::string>& post_observables) override;
  void reset() override;
  void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState, WeightUpdate& out) override {
    out.propose(syn, stdp_.pre(syn, post, t));
  }
  // Every arrival comes here: one virtual call, not two (the default forwards to on_pre).
  void on_arrival(std::uint32_t syn, std::uint32_t post, Millis t, double, PostState, WeightUpdate& out) override {
    out.propose(syn, stdp_.pre(syn, post, t));
  }
  void on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState,
               WeightUpdate& out) override;
  bool wants_source_arrivals() const override { return stdp_.per_source; }
  void on_source_arrivals(std::span<const SourceArrival> a, Step next) override { stdp_.x_src.arrivals(a, next); }

  bool per_source() const { return stdp_.per_source; }

 private:
  PairStdp stdp_;
};

// Triplet STDP, minimal all-to-all model of Pfister & Gerstner 2006 (J. Neurosci. 26:9673).
// Config name: "stdp_triplet". NEST equivalent: stdp_triplet_synapse.
//
//   pre spike at t:   raw update -o1(t) [A2_minus + A3_minus r2(t-)],  then r1 += 1, r2 += 1
//   post spike at t:  raw update +r1(t) [A2_plus  + A3_plus  o2(t-)],  then o1 += 1, o2 += 1
//   r1, r2: presynaptic traces (tau_plus, tau_x), per synapse; o1, o2: postsynaptic traces
//   (tau_minus, tau_y), per neuron. "t-": the value just before this spike's own increment.
//
// Defaults: the visual-cortex, all-to-all, minimal-model values of Pfister & Gerstner 2006
// (J. Neurosci. 26:9673, Table 3, "Visual cortex", All-to-All, Min.): A2_plus 0, A3_plus 6.5e-3,
// A2_minus 7.1e-3, A3_minus 0, tau_y 114 ms; tau_plus 16.8 ms and tau_minus 33.7 ms are fixed in the
// paper (from Bi & Poo); tau_x is blank in that row (unused with A3_minus = 0): 101 ms, the full
// model's value. Weight units per spike interaction; eta scales them. (The full all-to-all model
// of the same table: A2_plus 5e-10, A3_plus 6.2e-3, A2_minus 7e-3, A3_minus 2.3e-4, tau_x 101 ms,
// tau_y 125 ms; set them explicitly.) tests/unit/test_stdp.cpp checks the frequency dependence of
// the Sjöström et al. 2001 protocol against the closed form of this minimal model.
class StdpTriplet final : public Rule {
 public:
  struct Params {
    double tau_plus = 16.8, tau_minus = 33.7, tau_x = 101.0, tau_y = 114.0;
    double A2_plus = 0.0, A3_plus = 6.5e-3, A2_minus = 7.1e-3, A3_minus = 0.0;
  };
  explicit StdpTriplet(Params p) : p_(p) {}
  static Params parse(const ConfigNode& t);

  std::string name() const override { return "stdp_triplet"; }
  void bind(const SynapseTable& s, const std::vector<std::string>& post_observables) override;
  void reset() override;
  void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState, WeightUpdate& out) override;
  void on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState,
               WeightUpdate& out) override;

 private:
  Params p_;
  std::vector<Trace> r1_, r2_;  // per synapse
  std::vector<Trace> o1_, o2_;  // per postsynaptic neuron
};

}  // namespace apical
