// R-max: reward-maximising plasticity for neurons with escape noise (Frémaux, Sprekeler & Gerstner
// 2010, J. Neurosci. 30:13326; Xie & Seung 2004; Pfister et al. 2006; SCIENCE.md 7.4). Config
// name: "rmax". Needs a clock-driven escape-noise target (lif_escape: observables "score" and
// "psp_decay").
//
//   eligibility of synapse j -> i over a trial (steps t of the grid):
//     e_ij = sum_t score_i(t) y_j(t),    y_j(t) = sum over arrivals a < t at synapse j of beta^(t-a-1)
//   score_i(t) = d log P(s_i(t) | V_i(t)) / dV_i(t), the model's, -> (S_i - rho_i) g'/g dt as h -> 0
//   third factor d at time T (the trial's reward R, or R - Rbar with [trials.objective] baseline =
//   "running_mean"):   raw update d * e_ij(T)    (so Delta w = eta (R - Rbar) e)
//
// y_j is exactly dV_i(t)/dw_ij of lif_escape (delta synapses, subtractive reset), so e_ij is the
// gradient of the log-likelihood of the trial's output spike train with respect to w_ij and
// d * e_ij with d = R - Rbar is the REINFORCE estimate of dE[R]/dw_ij: unbiased when Rbar does not
// depend on the trial's own noise (SCIENCE.md 7.4). With tau_e = 0 (default) this is the episodic
// form: the eligibility is the plain sum over the trial, for a reward given once per trial. With
// tau_e > 0 it is Frémaux et al.'s filtered form, tau_e dE/dt = -E + score y: step t's term is
// weighted by exp(-(T - t_end)/tau_e), t_end the end of step t, T the third factor's time (then
// the estimate favours the steps just before the reward). reset() at every trial start clears it.
//
// Work at events, not per synapse per step. The spike term and the rho integral of e are both in
// score(t), which is per neuron: on_step appends it to the neuron's history of the trial (one double
// per neuron and step). on_pre appends (synapse, step) to the neuron's arrivals. At a third factor
// the history is filtered backwards once per neuron,
//     G(a) = sum_{t > a} score(t) beta^(t-a-1)  =  score(a+1) + beta G(a+1),
// and e_ij = sum over j's arrivals a of G(a): O(steps) per neuron plus O(arrivals), numerically
// stable (every term decays). Memory: the trial's history and arrivals.
//
// Use: with [trials] and a [trials.objective] (the reward at each trial end; without a third
// factor the history only grows). Inputs are taken as spikes (a graded input of a rate unit would
// scale y_j by its value; not handled).
//
// Parameters: tau_e 0 ms (0: no decay within the trial). The kernel beta is the model's
// psp_decay; eta, mode, schedule and bounds as every rule (plasticity/weight_update.hpp).
#pragma once
#include <vector>

#include "plasticity/rule.hpp"

namespace apical {

class Rmax final : public Rule {
 public:
  struct Params {
    double tau_e = 0.0;  // ms; 0: the plain sum over the trial
  };
  Rmax() = default;
  explicit Rmax(Params p) : p_(p) {}
  static Params parse(const ConfigNode& t) {
    Params p;
    p.tau_e = t.number("tau_e", 0.0, Check::non_negative("ms"));
    return p;
  }
  std::string name() const override { return "rmax"; }
  std::vector<std::string> needs() const override { return {"score", "psp_decay"}; }
  bool wants_steps() const override { return true; }
  void bind(const SynapseTable& s, const std::vector<std::string>& post_observables) override;
  void reset() override;
  void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState, WeightUpdate& out) override;
  void on_post(std::uint32_t, Millis, std::span<const std::uint32_t>, PostState, WeightUpdate&) override {}
  void on_step(std::uint32_t post, Millis t, const NeuronStep& step) override;
  void on_third_factor(std::uint32_t post, Millis t, double value, std::span<const std::uint32_t> incoming,
                       PostState, WeightUpdate& out) override;

  // Eligibility at time T (the end of the last step seen) of the synapses of neuron `post`, added
  // to e[syn] (for tests and diagnostics; `e` has one entry per synapse of the projection).
  void eligibility(std::uint32_t post, Millis T, std::vector<double>& e) const;

 private:
  struct Arrival {
    std::uint32_t syn, step;  // step: index within the trial
  };
  Params p_;
  std::size_t score_k_ = 0, beta_k_ = 0;
  std::vector<Millis> first_;                  // per neuron: start of the trial's first step
  std::vector<double> beta_;                  // per neuron: the model's psp_decay
  std::vector<std::vector<double>> history_;   // per neuron: score of each step of the trial
  std::vector<std::vector<Arrival>> arrivals_;  // per neuron
  mutable std::vector<double> g_;              // scratch, used on the scheduler's thread only
  std::vector<double> e_;                      // scratch per synapse
};

}  // namespace apical
