// Weight and node perturbation (SCIENCE.md 6.1): zeroth-order gradient estimators, the
// high-variance, unbiased baselines of the bias/variance map. Config names "weight_perturbation"
// and "node_perturbation". Both need a trial objective ([trials.objective]): the loss L of a
// trial reaches them as the third factor at the trial end (Rule::on_third_factor, value = R =
// -L, or R - Rbar with baseline = "running_mean").
//
// Weight perturbation (WP), on any target population (event-driven or clock-driven):
//   at the start of a perturbed trial every synapse gets xi ~ N(0, sigma^2), and the network sees
//   w + xi at every arrival for the whole trial (WeightUpdate::perturbation; the weight itself is
//   never written). At the trial end
//     u = [L(w + xi) - L_0] xi / sigma^2          (raw update = -u = (R - R_0) xi / sigma^2)
//   perturbation dimension P = number of synapses; E[u] = g + O(sigma^2), tr Cov u = (P + 1)|g|^2.
//
// Node perturbation (NP), on clock-driven targets (rate_unit, lif_discrete, li_readout): in a
// perturbed trial, at every grid step t, zeta_{j,t} ~ N(0, sigma^2) is added to neuron j's summed
// input x_{j,t} = sum_i w_ij v_{i,t} (v: the presynaptic value arriving at t, 1 for a spike,
// the output of a rate unit), i.e. to its pre-activation, exactly where the weighted inputs
// enter. With e_ij = sum_t zeta_{j,t} v_{i,t} (accumulated at arrivals, one multiply-add per
// arrival) the trial-end update is
//     u_ij = [L(h + zeta) - L_0] e_ij / sigma^2
//   perturbation dimension N * T (all steps of the trial are perturbed; steps that cannot affect
//   the loss add variance, SCIENCE.md 6.1 "N * T_eff"). Since dL/dw_ij = sum_t dL/dx_{j,t} v_{i,t}
//   holds for any neuron dynamics downstream of x, the estimator is unbiased to O(sigma^2) on
//   spiking (lif_discrete) targets too, where L is smooth in x.
//
// Baseline L_0 (key `baseline`):
//   "paired" (default): trials come in pairs, trial 2k unperturbed and trial 2k+1 perturbed;
//     L_0 is the loss of trial 2k, so u is exactly the estimator above. The two trials must present
//     the same input: a data set of one sample, or one in which every sample appears twice in a
//     row (trial k presents sample k mod samples). Unperturbed trials propose nothing (their
//     measured update is 0). Use [trials.objective] baseline = "none" with it.
//   "delivered": every trial is perturbed and L_0 is whatever the third factor subtracts: the
//     running mean of [trials.objective] baseline = "running_mean" (or nothing, with "none": then
//     u is unbiased but its variance carries L^2).
//
// Random numbers: stream kind `perturbation`, owner = projection index; WP's xi of synapse s in
// trial k is the first normal of entity s at block k, NP's zeta of neuron j at grid step t the
// normal of entity j at block t (mod 2^32). Both are pure functions of (seed, projection, entity,
// trial or step): independent of thread count and event order.
//
// Parameters: sigma (> 0, in the weight's unit for WP and the input's unit for NP; default 1e-3),
// baseline ("paired"). Observables needed: none. Memory: WP 8 bytes per synapse (the
// perturbation), NP 8 bytes per synapse (e) plus 16 per target neuron.
#pragma once
#include <vector>

#include "plasticity/rule.hpp"

namespace apical {

struct PerturbationParams {
  double sigma = 1e-3;
  bool paired = true;
  static PerturbationParams parse(const ConfigNode& t);
};

// The baseline bookkeeping both estimators share: which trials are perturbed, and the factor
// (R - R_0) / sigma^2 at the trial end.
class PerturbationBaseline {
 public:
  explicit PerturbationBaseline(PerturbationParams p) : p_(p) {}
  void bind(std::size_t n_post) { r0_.assign(n_post, 0.0); }
  bool perturbed(std::int64_t trial) const { return !p_.paired || trial % 2 == 1; }
  // At the end of a trial: false for an unperturbed trial (its value is kept as R_0 of `post`);
  // otherwise true and *factor = (value - R_0) / sigma^2.
  bool factor(bool perturbed, std::uint32_t post, double value, double* factor) {
    if (!perturbed) {
      r0_[post] = value;
      return false;
    }
    *factor = (value - (p_.paired ? r0_[post] : 0.0)) / (p_.sigma * p_.sigma);
    return true;
  }
  double sigma() const { return p_.sigma; }
  int trials_per_update() const { return p_.paired ? 2 : 1; }

 private:
  PerturbationParams p_;
  std::vector<double> r0_;  // per target neuron (the value is global, kept per neuron by contract)
};

class WeightPerturbation final : public Rule {
 public:
  explicit WeightPerturbation(PerturbationParams p) : base_(p) {}
  std::string name() const override { return "weight_perturbation"; }
  void bind(const SynapseTable& s, const std::vector<std::string>&) override { base_.bind(s.n_post); }
  void reset() override {}
  void begin_trial(const TrialStart& start, WeightUpdate& out) override;
  int trials_per_update() const override { return base_.trials_per_update(); }
  void on_pre(std::uint32_t, std::uint32_t, Millis, PostState, WeightUpdate&) override {}
  void on_post(std::uint32_t, Millis, std::span<const std::uint32_t>, PostState, WeightUpdate&) override {}
  void on_third_factor(std::uint32_t post, Millis t, double value, std::span<const std::uint32_t> incoming,
                       PostState, WeightUpdate& out) override;

 private:
  PerturbationBaseline base_;
  bool perturbed_ = false;
};

class NodePerturbation final : public Rule {
 public:
  explicit NodePerturbation(PerturbationParams p) : base_(p) {}
  std::string name() const override { return "node_perturbation"; }
  void bind(const SynapseTable& s, const std::vector<std::string>&) override;
  void reset() override;
  void begin_trial(const TrialStart& start, WeightUpdate& out) override;
  int trials_per_update() const override { return base_.trials_per_update(); }
  void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState s, WeightUpdate& out) override {
    on_arrival(syn, post, t, 1.0, s, out);
  }
  void on_arrival(std::uint32_t syn, std::uint32_t post, Millis, double value, PostState, WeightUpdate&) override {
    e_[syn] += zeta_[post] * value;
  }
  void on_post(std::uint32_t, Millis, std::span<const std::uint32_t>, PostState, WeightUpdate&) override {}
  void on_third_factor(std::uint32_t post, Millis t, double value, std::span<const std::uint32_t> incoming,
                       PostState, WeightUpdate& out) override;
  bool perturbs_nodes() const override { return true; }
  double node_perturbation(std::uint32_t post, Step t) override;

  // e_ij = sum_t zeta_{j,t} v_{i,t} of synapse syn so far in this trial (tests, diagnostics).
  double eligibility(std::uint32_t syn) const { return e_[syn]; }

 private:
  PerturbationBaseline base_;
  bool perturbed_ = false;
  std::uint64_t seed_ = 0;
  std::uint32_t owner_ = 0;
  std::vector<double> e_;     // per synapse
  std::vector<double> zeta_;  // per target neuron: its perturbation at the current step
};

}  // namespace apical
