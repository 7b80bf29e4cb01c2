// Gradient-derived rules with per-neuron learning signals (SCIENCE.md 2 and 6.2; docs/eprop.md):
//
//   eprop               e-prop (Bellec et al. 2020) for lif_discrete and alif_discrete targets
//   superspike          SuperSpike (Zenke & Ganguli 2018): the same with the reset and adaptation
//                       ignored in the eligibility (eps^V = the neuron's PSP), normally with the
//                       van_rossum objective (dL/dS = -kappa^T e; see docs/eprop.md)
//   feedback_alignment  feedback alignment (Lillicrap et al. 2016) for rate_unit targets
//
// Objectives that read spikes (van_rossum) give dL/ds of the objective's spiking units instead of
// dL/dx; a projection into them then uses L = dL/ds with the kernel below, and hidden layers get
// L_j[t] = sum_k B_jk dL/ds_k[t + d] (SuperSpike's feedback, output sigma' not back-propagated).
//
// Both compute, at the end of every trial with an objective, the measured update
//   u_ji = sum_t L_j[t] e_ji[t]          (loss-gradient sign; proposed as raw = -u per arrival)
// with the learning signal of neuron j, the derivative of the loss with respect to its output s_j[t]
// as the feedback sees it,
//   L_j[t] = sum_k B_jk dL/dx_k[t + d]  (x_k: input of objective unit k, d: the readout's delay)
// where dL/dx is the objective's error passed back through the readout's own leaky filters
// (Population::input_adjoint; Bellec et al. filter the eligibility forward with the readout's
// kappa instead, the same sum by the adjoint identity), and B is
//   feedback = "symmetric"  B = W_out^T, the readout projection's weights read at delivery;
//              "random"     fixed, drawn once per hidden neuron (feedback_init "normal": N(0, s^2),
//                           "uniform": U(-s, s); s = feedback_scale, default 1);
//              "adaptive"   starts as "random" and follows W_out^T's gradient with weight decay
//                           (Bellec's adaptive feedback): B_jk -= feedback_eta (sum_t s_j[t]
//                           dL/dx_k[t + d] + feedback_decay B_jk) after each delivery in learn
//                           mode (measure mode changes nothing, B included).
// A projection into the objective's population itself needs no feedback: L = dL/dx of its
// target and e_ji[t] = x_i[t] (presynaptic value at arrival step t), which is the readout's exact
// gradient.
//
// Eligibility: for the SURROGATE.md neuron (lif_discrete; alif_discrete with adaptation) with the
// reset factor r_t detached, e_ji[t] = psi_j[t] (eps^V_ji[t] - beta_a eps^a_ji[t]), where
//   eps^I[t+1] = alpha eps^I[t] + x_i[t]
//   eps^V[t+1] = r_j[t] (beta eps^V[t] + eps^I[t])
//   eps^a[t+1] = psi_j[t] eps^V[t] + (rho - psi_j[t] beta_a) eps^a[t]
// all zero at the trial start. Per synapse this would run every step; instead, since u_ji is
// linear in the presynaptic inputs x_i, u_ji = sum_s x_i[s] K_j[s] with a per-neuron kernel K_j
// from one backward pass over neuron j's history (the adjoint of the recursion above):
//   lam^V[t] = L[t] psi[t] + beta r[t] lam^V[t+1] + psi[t] lam^a[t+1]
//   lam^a[t] = -beta_a L[t] psi[t] + (rho - psi[t] beta_a) lam^a[t+1]
//   lam^I[t] = r[t] lam^V[t+1] + alpha lam^I[t+1],          K[s] = lam^I[s+1],  lam[T] = 0.
// psi_j[t]: surrogate = "fast_sigmoid" 1/(surrogate_scale |v| + 1)^2 (SURROGATE.md 5, default,
// surrogate_scale 100), or "triangle" (gamma / V_th) max(0, 1 - |v / V_th|) (Bellec, gamma 0.3),
// v = V_t - A_t; 0 while refractory. For rate units (feedback_alignment): u_{t+1} = a u_t +
// (1 - a) x_t, output phi(u), so lam[t] = a lam[t+1] + phi'(u_t) L[t], K[s] = (1 - a) lam[s+1].
//
// With symmetric feedback in a feedforward network this is exactly the surrogate-gradient BPTT of
// SURROGATE.md (tests/validation/test_eprop.cpp); in a recurrent one it drops the credit carried by
// recurrent spikes (e-prop's approximation), and with the exact dL/ds it is BPTT again.
// Costs: per neuron and step one record (psi, r, s), per arrival one record; per trial one backward
// pass per neuron and one multiply-add per arrival. Nothing runs per synapse per step.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "plasticity/rule.hpp"

namespace apical {

enum class Surrogate { fast_sigmoid, triangle };
enum class FeedbackKind { symmetric, random, adaptive };

struct GradientRuleParams {
  std::string name = "eprop";
  FeedbackKind feedback = FeedbackKind::symmetric;
  std::string readout;
  bool uniform_init = false;
  double feedback_scale = 1.0, feedback_eta = 1e-3, feedback_decay = 1e-2;
  Surrogate surrogate = Surrogate::fast_sigmoid;
  double surrogate_scale = 100.0, gamma = 0.3;
};

// One step of a neuron's history as the kernel reads it.
struct StepRecord {
  double psi = 0.0;  // pseudo-derivative (spiking) or phi'(u) (rate)
  double r = 1.0;    // reset factor
  double output = 0.0;  // what the neuron sent: s_t (spiking) or phi(u_t) (rate)
};

// K[s], s = 0..T-1, from the history of one neuron and its learning signal L (both length T).
// Spiking dynamics: the e-prop adjoint above; rate dynamics: the leaky-unit adjoint.
void eligibility_kernel(const NeuronDynamics& d, std::span<const StepRecord> history, std::span<const double> L,
                        std::vector<double>& K);
double pseudo_derivative(const GradientRuleParams& p, const NeuronDynamics& d, const NeuronStep& s);

class GradientRule final : public Rule {
 public:
  explicit GradientRule(GradientRuleParams p) : p_(std::move(p)) {}
  static GradientRuleParams parse(const ConfigNode& table, const std::string& name);

  std::string name() const override { return p_.name; }
  void bind(const SynapseTable& synapses, const std::vector<std::string>& post_observables) override;
  void reset() override;
  void on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState s, WeightUpdate& out) override {
    on_arrival(syn, post, t, 1.0, s, out);
  }
  void on_arrival(std::uint32_t syn, std::uint32_t post, Millis t, double value, PostState post_state,
                    WeightUpdate& out) override;
  void on_post(std::uint32_t, Millis, std::span<const std::uint32_t>, PostState, WeightUpdate&) override {}

  bool wants_steps() const override { return !output_layer_ || spiking_output_; }
  void on_step(std::uint32_t post, Millis t, const NeuronStep& step) override;
  bool wants_error() const override { return true; }
  std::string readout() const override { return p_.readout; }
  std::string link(const LearningLink& link) override;
  void on_trial_error(const TrialError& error, WeightUpdate& out) override;

  // The feedback matrix B [n_post, n_out] as used at the last delivery (symmetric: W_out^T).
  const std::vector<double>& feedback() const { return B_; }
  // The learning signals L [n_post][T] of the last delivery (hidden layers).
  const std::vector<std::vector<double>>& learning_signals() const { return L_; }

 private:
  struct Arrival {
    std::uint32_t syn;
    std::int64_t step;
    double value;
  };
  GradientRuleParams p_;
  std::size_t n_post_ = 0;
  bool output_layer_ = false, spiking_output_ = false;
  NeuronDynamics dyn_;
  double h_ = 1.0;
  ReadoutView readout_;
  std::vector<double> B_;  // [n_post, n_out]
  std::vector<std::vector<StepRecord>> history_;
  std::vector<std::vector<Arrival>> arrivals_;
  std::vector<std::vector<double>> L_;
};

}  // namespace apical
