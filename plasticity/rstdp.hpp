// Reward-modulated STDP with an eligibility trace (Izhikevich 2007, Cerebral Cortex 17:2443; the
// three-factor form of Frémaux & Gerstner 2016; SCIENCE.md 7.1-7.2). Config name: "rstdp".
//
// Pair STDP (all-to-all, exactly as stdp_pair) does not change the weight: its pairing
// increments go into a per-synapse eligibility c, which decays with tau_c. The weight changes
// only when a third factor d (reward, reward-prediction error) reaches the postsynaptic neuron:
//
//   pre spike arrives at t:  c += -A_minus * y_post(t),  then x_pre += 1
//   post spike at t:         c += +A_plus  * x_pre(t),   then y_post += 1
//   between events:          dc/dt = -c / tau_c
//   third factor d at t:     raw update c(t) * d         (c decayed to t; c itself is kept)
//
// So one pre-before-post pairing at lag dt > 0 with the post spike at t_post, followed by a third
// factor d at T >= t_post, changes the weight by eta * d * A_plus exp(-dt/tau_plus)
// exp(-(T - t_post)/tau_c); post-before-pre gives the same with -A_minus, tau_minus and the
// arrival time of the pre spike in place of t_post. Without a third factor nothing changes.
//
// This is Izhikevich's ds/dt = c d with the dopamine d a delta pulse of area `value` (his d
// decays with tau_d = 200 ms; a pulse is the limit tau_d << tau_c, and what a reward computed
// once per trial is). Third factors come from the trial objective (its reward, or reward minus a
// running baseline, at the end of every trial: sim/simulator.cpp, [trials.objective] baseline)
// and from [[neuromodulators]] (pulses during a run, sim/neuromodulator.hpp). At a trial end the
// pairings happened up to a trial length earlier, and c is what bridges that delay, the
// "distal reward problem"; pairings long before the reward (>> tau_c) hardly count. reset()
// (every trial start) sets c and the STDP traces to zero, so a reward credits only the pairings
// of its own trial. c is not consumed by a third factor: a second one in the same trial would
// see the same (further decayed) eligibility, as in the continuous-time rule.
//
// Dopamine as a concentration (tau_d > 0; Izhikevich's d): every third factor is a pulse of
// dopamine, d += value at its time, and d decays with tau_d; the weight follows ds/dt = c d. Both c
// and d are exponentials between events, so the change since a synapse's last event is a closed
// form per pulse (k: pulses up to t, u = max(t_last, t_k), 1/tau' = 1/tau_c + 1/tau_d):
//   raw update  sum_k c(t_last) D_k e^-(u - t_last)/tau_c e^-(u - t_k)/tau_d tau' (1 - e^-(t - u)/tau')
// It is applied lazily, at the synapse's next event (an arrival at it, a spike of its postsynaptic
// neuron), before c changes, and for every synapse at the end of each trial (Rule::end_trial), so
// nothing runs per synapse per step; between a synapse's events its weight lags by the part not yet
// applied (weight snapshots taken mid-trial show that lag). Pulses are kept per postsynaptic neuron;
// those older than 40 tau_d before a synapse's last event contribute below 1e-17 and are skipped.
//
// Florian 2007 (SCIENCE.md 7.3), as variants of the same machinery:
//   variant = "mstdpet": dz/dt = -z/tau_z + zeta, dw/dt = gamma r z: exactly the above with c = z,
//     defaults tau_c (tau_z) 25 ms, A_plus 1, A_minus 1, tau_plus = tau_minus 20 ms [M].
//   variant = "mstdp":   dw/dt = gamma r(t) zeta(t), no eligibility trace: each STDP increment
//     zeta is multiplied at once by the dopamine concentration d at its time; needs tau_d > 0
//     (with reward pulses of zero width, r(t) at a spike time is zero). Defaults as mstdpet.
//   variant = "izhikevich" (default): the Izhikevich 2007 values below.
// r(t) is the dopamine concentration d, gamma is eta.
//
// Parameters (Izhikevich 2007 values): tau_plus 20 ms, tau_minus 20 ms, A_plus 1.0, A_minus 1.5
// (eligibility units per pairing; the weight changes by eta * c * d), tau_c 1000 ms, tau_d 0 ms
// (0: each third factor is a pulse that acts at once; Izhikevich's d uses 200 ms); pairing
// "all_to_all" (default) or "nearest", and presynaptic "auto" (default) or "per_synapse", as in
// stdp_pair. Izhikevich's weight cap [0, 4] mV is
// `bounds = "hard"`, w_min, w_max of the plasticity table (plasticity/weight_update.hpp).
#pragma once
#include <vector>

#include "plasticity/rule.hpp"
#include "plasticity/stdp.hpp"

namespace apical {

class Rstdp final : public Rule {
 public:
  enum class Variant { izhikevich, mstdpet, mstdp };
  struct Params {
    PairStdp::Params stdp{20.0, 20.0, 1.0, 1.5, false};  // Izhikevich's A_minus 1.5
    double tau_c = 1000.0;
    double tau_d = 0.0;  // 0: third factors are pulses acting at once
    Variant variant = Variant::izhikevich;
  };
  explicit Rstdp(Params p) : p_(p) { stdp_.p = p.stdp; }
  static Params parse(const ConfigNode& t);

  std::string name() const override { return "rstdp"; }
  void bind(const SynapseTable& s, const std::vector<std::string>& post_observables) override;
  void reset() override;
  void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState, WeightUpdate& out) override;
  void on_arrival(std::uint32_t syn, std::uint32_t post, Millis t, double, PostState s, WeightUpdate& out) override {
    Rstdp::on_pre(syn, post, t, s, out);  // one virtual call per arrival, not two
  }
  void on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState,
               WeightUpdate& out) override;
  void on_third_factor(std::uint32_t post, Millis t, double value, std::span<const std::uint32_t> incoming,
                       PostState, WeightUpdate& out) override;
  void end_trial(Millis t, WeightUpdate& out) override;
  bool wants_source_arrivals() const override { return stdp_.per_source; }
  void on_source_arrivals(std::span<const SourceArrival> a, Step next) override { stdp_.x_src.arrivals(a, next); }
  bool per_source() const { return stdp_.per_source; }  // presynaptic traces per source neuron

  // Eligibility of synapse syn decayed to t (for tests and diagnostics).
  double eligibility(std::uint32_t syn, Millis t) const { return c_[syn].at(t, p_.tau_c); }
  // Dopamine concentration at neuron post at time t (tau_d > 0).
  double dopamine(std::uint32_t post, Millis t) const;

 private:
  struct Pulse {
    Millis t;
    double amount;
  };
  bool concentration() const { return p_.tau_d > 0.0; }
  // Applies the weight change int c d accumulated since c's last update, up to t.
  void settle(std::uint32_t syn, std::uint32_t post, Millis t, WeightUpdate& out);
  // An STDP increment: into c (after settling), or (mstdp) straight to the weight times d(t).
  void tag(std::uint32_t syn, std::uint32_t post, Millis t, double increment, WeightUpdate& out);

  Params p_;
  PairStdp stdp_;
  std::vector<Trace> c_;                   // per synapse eligibility, tau_c
  std::vector<std::vector<Pulse>> pulses_;  // per postsynaptic neuron, in time order (tau_d > 0)
  std::span<const std::uint32_t> post_of_;  // per synapse: the projection's targets (not a copy)
};

}  // namespace apical
