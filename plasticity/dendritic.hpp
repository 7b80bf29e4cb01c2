// Dendritic error rules (SCIENCE.md 4.1, 4.2; docs/dendritic-error.md). The error lives in a
// dendrite: each rule compares the soma with the dendrite's prediction of it, both read as
// observables of the postsynaptic multi-compartment neuron (models/dendritic_presets.hpp).
//
// urbanczik_senn_2014 (Urbanczik & Senn 2014), spiking form, on the urbanczik_senn_2014 neuron:
//   tau_Delta dDelta_i/dt = -Delta_i + (S(t) - phi(V*_w)) h(V*_w) PSP_i(t),   dw_i/dt = eta Delta_i
//   PSP_i(t) = sum_{s in spikes of i} value_s kappa(t - s),
//   kappa(t) = tau_L tau_s/(tau_L - tau_s) (e^{-t/tau_L} - e^{-t/tau_s})
//   (the dendrite's own response to a weight-1 input, so V_w = sum_i w_i PSP_i exactly when
//   tau_L = 1/g_L and tau_s = tau_syn of the neuron). S(t): the neuron's own (hazard) spikes;
//   phi(V*_w), h(V*_w): observables phi_V_w_star and h_V_w_star.
//   Discretisation on the grid h: per synapse the impulse of step n is
//     G_i[n] = sum_{spikes in the step} h(V*) PSP_i(t_spike) - h phi(V*) h(V*) PSP_i(t_{n+1})
//   (the spike term exact at the spike time, the rate term a right-endpoint rectangle), filtered
//   by D_i[n+1] = d D_i[n] + G_i[n], d = exp(-h/tau_Delta), and the raw update of the step is
//   (1 - d) D_i[n+1] (each impulse adds up to exactly G in total, as the continuous filter's
//   integral). tau_Delta = 0: no filter, raw = G.
//   Parameters: tau_L 10 ms, tau_s 3 ms, tau_Delta 100 ms.
//   Cost: the rate term is continuous in time and the PSP is per synapse, so this rule does
//   O(1) work per synapse per grid step (on_state_step): two multiplications for the PSP, one for
//   the filter, one proposal. The spike term is per synapse per postsynaptic spike.
//
// Sacramento et al. 2018 microcircuit rules, on sacramento_2018_pyramidal/_interneuron targets:
//   sacramento_2018_basal        dW/dt = (phi(u) - phi(v_B_hat)) r_pre    (bottom-up W^PP, all layers)
//   sacramento_2018_interneuron  dW/dt = (phi(u) - phi(v_hat)) r_pre      (W^IP: pyramidal -> interneuron)
//   sacramento_2018_apical       dW/dt = (v_rest - v_A) r_pre            (W^PI: interneuron -> apical)
//   (times eta). r_pre is the presynaptic value at each arrival: with `presynaptic = "rate"`
//   (default; graded sources send phi every step) the raw update per arrival is h err value
//   (h = grid step, ms: the rectangle rule of the integral); with "spikes" (hazard-spiking
//   sources) it is err per spike, the same integral with r_pre dt replaced by the spike train.
//   err is read from the postsynaptic observables at the arrival (the left limit of the step).
//   Parameter: v_rest 0 (apical). Cost: per arrival, which for graded sources is already per
//   synapse per step (the delivery itself). Weight changes are not low-pass filtered.
//
// All rules propose raw updates (WeightUpdate: learn or measure mode, online or trial schedule).
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "plasticity/rule.hpp"

namespace apical {

class UrbanczikSenn final : public Rule {
 public:
  struct Params {
    double tau_L = 10.0, tau_s = 3.0, tau_Delta = 100.0;  // ms
  };
  explicit UrbanczikSenn(Params p) : p_(p) {}
  static Params parse(const ConfigNode& table);

  std::string name() const override { return "urbanczik_senn_2014"; }
  std::vector<std::string> needs() const override { return {"phi_V_w_star", "h_V_w_star"}; }
  void bind(const SynapseTable& synapses, const std::vector<std::string>& post_observables) override;
  void reset() override;
  void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState s, WeightUpdate& out) override {
    on_arrival(syn, post, t, 1.0, s, out);
  }
  void on_arrival(std::uint32_t syn, std::uint32_t post, Millis t, double value, PostState post_state,
                  WeightUpdate& out) override;
  void on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState post_state,
               WeightUpdate& out) override;
  bool wants_state_steps() const override { return true; }
  void on_state_step(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState post_state,
                     WeightUpdate& out) override;
  std::string link(const LearningLink& link) override {
    h_step_ = link.h;
    return "";
  }
  // The state steps of a trial count from its start.
  void begin_trial(const TrialStart& start, WeightUpdate&) override {
    std::fill(last_.begin(), last_.end(), static_cast<double>(start.start) * h_step_);
  }

  // PSP_i at the last state step (for tests).
  double psp(std::uint32_t syn) const { return c_ * (xL_[syn] - xs_[syn]); }

 private:
  Params p_;
  double h_step_ = 0.1;  // grid step, ms
  double c_ = 0.0;  // kappa's amplitude tau_L tau_s / (tau_L - tau_s)
  int phi_ = -1, h_ = -1;
  // Per synapse: the two exponential components of the PSP at the neuron's last state step
  // (arrivals since then are added scaled back to it), the step's impulse G, the filter D.
  std::vector<double> xL_, xs_, G_, D_;
  std::vector<double> last_;  // per neuron: time of its last state step, ms
};

class SacramentoRule final : public Rule {
 public:
  enum class Kind { basal, interneuron, apical };
  struct Params {
    Kind kind = Kind::basal;
    bool spikes = false;  // presynaptic = "spikes"
    double v_rest = 0.0;
    double h = 0.1;       // grid step, ms (set in link)
  };
  explicit SacramentoRule(Params p) : p_(p) {}
  static Params parse(const ConfigNode& table, const std::string& name);

  std::string name() const override;
  std::vector<std::string> needs() const override;
  void bind(const SynapseTable& synapses, const std::vector<std::string>& post_observables) override;
  void reset() override {}
  std::string link(const LearningLink& link) override {
    p_.h = link.h;
    return "";
  }
  void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState s, WeightUpdate& out) override {
    on_arrival(syn, post, t, 1.0, s, out);
  }
  void on_arrival(std::uint32_t syn, std::uint32_t post, Millis t, double value, PostState post_state,
                  WeightUpdate& out) override;
  void on_post(std::uint32_t, Millis, std::span<const std::uint32_t>, PostState, WeightUpdate&) override {}

 private:
  Params p_;
  int a_ = -1, b_ = -1;  // observables: err = obs[a] - obs[b] (apical: v_rest - obs[a])
};

}  // namespace apical
