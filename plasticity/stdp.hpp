// Spike-timing-dependent plasticity, pair-based, additive (Song, Miller & Abbott 2000; the
// classic baseline). Config name: "stdp_pair". NEST equivalent: stdp_synapse (all-to-all).
//
//   pre spike arrives at t:  raw update -A_minus * y_post(t),  then x_pre += 1
//   post spike at t:         raw update +A_plus  * x_pre(t),   then y_post += 1
//   x_pre decays with tau_plus (one trace per synapse: it counts arrivals, delays included),
//   y_post with tau_minus (one trace per postsynaptic neuron).
//
// All-to-all pairing: every earlier spike of the other side contributes. Weight change of one
// pre-before-post pair at lag dt > 0: +eta A_plus exp(-dt/tau_plus); post-before-pre at lag
// dt > 0: -eta A_minus exp(-dt/tau_minus) (the window the pairing test measures).
//
// Parameters: tau_plus 20 ms, tau_minus 20 ms, A_plus 1.0, A_minus 1.05 (in weight units per
// pairing; eta scales them).
#pragma once
#include <cmath>
#include <vector>

#include "plasticity/rule.hpp"

namespace apical {

class StdpPair final : public Rule {
 public:
  struct Params {
    double tau_plus = 20.0, tau_minus = 20.0, A_plus = 1.0, A_minus = 1.05;
  };
  explicit StdpPair(Params p) : p_(p) {}
  static Params parse(const ConfigNode& t);

  std::string name() const override { return "stdp_pair"; }
  void bind(const SynapseTable& s, const std::vector<std::string>& post_observables) override;
  void reset() override;
  void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState, WeightUpdate& out) override;
  void on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState,
               WeightUpdate& out) override;

 private:
  // An exponentially decaying trace, updated lazily at the events that read it.
  struct Trace {
    double value = 0.0;
    Millis last = 0.0;
    double at(Millis t, double tau) const { return value * std::exp(-(t - last) / tau); }
  };

  Params p_;
  std::vector<Trace> x_pre_;   // per synapse
  std::vector<Trace> y_post_;  // per postsynaptic neuron
};

}  // namespace apical
