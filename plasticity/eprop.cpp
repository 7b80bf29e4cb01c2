#include "plasticity/eprop.hpp"

#include <cmath>

#include "core/rng.hpp"

namespace apical {

GradientRuleParams GradientRule::parse(const ConfigNode& t, const std::string& name) {
  GradientRuleParams p;
  p.name = name;
  const bool fa = name == "feedback_alignment";
  const std::string fb = t.choice("feedback", {"symmetric", "random", "adaptive"}, fa ? "random" : "symmetric");
  p.feedback = fb == "symmetric" ? FeedbackKind::symmetric : fb == "random" ? FeedbackKind::random : FeedbackKind::adaptive;
  p.readout = t.string("readout", "");
  p.uniform_init = t.choice("feedback_init", {"normal", "uniform"}, "normal") == "uniform";
  p.feedback_scale = t.number("feedback_scale", 1.0, Check::positive());
  if (p.feedback == FeedbackKind::adaptive) {
    p.feedback_eta = t.number("feedback_eta", p.feedback_eta, Check::non_negative());
    p.feedback_decay = t.number("feedback_decay", p.feedback_decay, Check::non_negative());
  }
  if (!fa) {
    p.surrogate = t.choice("surrogate", {"fast_sigmoid", "triangle"}, "fast_sigmoid") == "fast_sigmoid"
                      ? Surrogate::fast_sigmoid : Surrogate::triangle;
    if (p.surrogate == Surrogate::fast_sigmoid)
      p.surrogate_scale = t.number("surrogate_scale", p.surrogate_scale, Check::positive());
    else
      p.gamma = t.number("gamma", p.gamma, Check::positive());
  }
  return p;
}

double pseudo_derivative(const GradientRuleParams& p, const NeuronDynamics& d, const NeuronStep& s) {
  if (!d.spiking) return s.slope;
  if (s.refractory) return 0.0;
  if (p.surrogate == Surrogate::fast_sigmoid) {
    const double q = p.surrogate_scale * std::fabs(s.v) + 1.0;
    return 1.0 / (q * q);
  }
  return p.gamma / d.V_th * std::max(0.0, 1.0 - std::fabs(s.v / d.V_th));
}

// The adjoint of the eligibility recursion (derivation in eprop.hpp and docs/eprop.md).
void eligibility_kernel(const NeuronDynamics& d, std::span<const StepRecord> h, std::span<const double> L,
                        std::vector<double>& K) {
  const std::size_t T = h.size();
  K.assign(T, 0.0);
  if (!d.spiking) {
    double lam = 0.0;  // lam^u[t+1]
    for (std::size_t t = T; t-- > 0;) {
      K[t] = d.input_gain * lam;
      lam = d.beta * lam + h[t].psi * L[t];
    }
    return;
  }
  double lamV = 0.0, lamA = 0.0, lamI = 0.0;  // at t+1
  for (std::size_t t = T; t-- > 0;) {
    K[t] = lamI;
    const double Lp = L[t] * h[t].psi;
    const double nV = Lp + d.beta * h[t].r * lamV + h[t].psi * lamA;
    const double nA = -d.beta_a * Lp + (d.rho - h[t].psi * d.beta_a) * lamA;
    lamI = h[t].r * lamV + d.alpha * lamI;
    lamV = nV;
    lamA = nA;
  }
}

void GradientRule::bind(const SynapseTable& s, const std::vector<std::string>&) {
  n_post_ = s.n_post;
  history_.assign(n_post_, {});
  arrivals_.assign(n_post_, {});
}

void GradientRule::reset() {
  for (auto& h : history_) h.clear();
  for (auto& a : arrivals_) a.clear();
}

std::string GradientRule::link(const LearningLink& l) {
  output_layer_ = l.targets_objective;
  spiking_output_ = l.objective_spikes;
  dyn_ = l.post;
  readout_ = l.readout;
  h_ = l.h;
  if (p_.name == "superspike") dyn_.beta_a = 0.0;  // SuperSpike's eligibility ignores adaptation and reset
  if (p_.name == "feedback_alignment" && spiking_output_) return "rule 'feedback_alignment' needs an objective that reads a trace";
  if (output_layer_) {
    if (!p_.readout.empty()) return "this projection feeds the objective's population: it needs no 'readout'";
    if (spiking_output_ && (dyn_.model.empty() || !dyn_.spiking))
      return "with an objective that reads spikes, the objective's population must be clock-driven and spiking";
    return "";
  }
  if (p_.readout.empty())
    return "a projection into a hidden population needs 'readout', the projection from it to the objective's population";
  if (dyn_.model.empty()) return "rule '" + p_.name + "' needs a clock-driven target population that exports its dynamics";
  if (p_.name != "feedback_alignment" && !dyn_.spiking)
    return "rule '" + p_.name + "' is for spiking clock-driven neurons (lif_discrete, alif_discrete)";
  if (p_.name == "feedback_alignment" && dyn_.spiking) return "rule 'feedback_alignment' is for rate_unit populations";
  const std::size_t n_out = readout_.n_out;
  B_.assign(n_post_ * n_out, 0.0);
  if (p_.feedback != FeedbackKind::symmetric)
    for (std::size_t j = 0; j < n_post_; ++j) {
      RandomStream rng(l.seed, StreamKind::feedback, l.owner, static_cast<std::uint32_t>(j));
      for (std::size_t k = 0; k < n_out; ++k)
        B_[j * n_out + k] = p_.uniform_init ? rng.uniform(-p_.feedback_scale, p_.feedback_scale)
                                            : rng.normal(0.0, p_.feedback_scale);
    }
  return "";
}

void GradientRule::on_arrival(std::uint32_t syn, std::uint32_t post, Millis t, double value, PostState,
                                WeightUpdate&) {
  const auto step = static_cast<std::int64_t>(std::floor(t / h_ + 1e-9));
  arrivals_[post].push_back({syn, step, value});
}

void GradientRule::on_step(std::uint32_t post, Millis, const NeuronStep& s) {
  history_[post].push_back({pseudo_derivative(p_, dyn_, s), p_.name == "superspike" ? 1.0 : s.reset, s.output});
}

void GradientRule::on_trial_error(const TrialError& e, WeightUpdate& out) {
  const std::size_t n_out = e.n, T = e.steps;
  // The error at the objective's units: dL/dx of a linear readout's input, or dL/ds of spiking units.
  const std::span<const double> E = spiking_output_ ? e.doutput : e.dinput;
  auto dx = [&](std::size_t t, std::size_t k) { return E[t * n_out + k]; };
  std::vector<double> K;
  L_.assign(n_post_, std::vector<double>(T, 0.0));
  for (std::size_t j = 0; j < n_post_; ++j) {
    if (output_layer_ && !spiking_output_) {
      K.resize(T);
      for (std::size_t t = 0; t < T; ++t) K[t] = dx(t, j);
    } else if (output_layer_) {
      std::vector<double>& L = L_[j];
      for (std::size_t t = 0; t < T; ++t) L[t] = dx(t, j);
      const auto& h = history_[j];
      eligibility_kernel(dyn_, std::span<const StepRecord>(h.data(), std::min(h.size(), T)), L, K);
    } else {
      std::vector<double>& L = L_[j];
      const auto d = static_cast<std::size_t>(readout_.delay);
      if (p_.feedback == FeedbackKind::symmetric) {
        for (std::size_t k = 0; k < n_out; ++k) B_[j * n_out + k] = 0.0;
        for (std::uint64_t q = readout_.row[j]; q < readout_.row[j + 1]; ++q) B_[j * n_out + readout_.post[q]] += readout_.weight[q];
      }
      for (std::size_t t = 0; t + d < T; ++t) {
        double sum = 0.0;
        for (std::size_t k = 0; k < n_out; ++k) sum += B_[j * n_out + k] * dx(t + d, k);
        L[t] = sum;
      }
      const auto& h = history_[j];
      eligibility_kernel(dyn_, std::span<const StepRecord>(h.data(), std::min(h.size(), T)), L, K);
      if (p_.feedback == FeedbackKind::adaptive && out.settings().mode == WeightUpdate::Mode::learn) {
        // B follows the gradient of W_out^T (the hidden neuron's outputs times the readout's error).
        for (std::size_t k = 0; k < n_out; ++k) {
          double g = 0.0;
          for (std::size_t t = 0; t + d < T && t < h.size(); ++t)
            g += h[t].output * dx(t + d, k);
          B_[j * n_out + k] -= p_.feedback_eta * (g + p_.feedback_decay * B_[j * n_out + k]);
        }
      }
    }
    for (const Arrival& a : arrivals_[j]) {
      const std::int64_t s = a.step - e.first_step;
      if (s < 0 || s >= static_cast<std::int64_t>(K.size())) continue;
      const double g = a.value * K[static_cast<std::size_t>(s)];
      if (g != 0.0) out.propose(a.syn, -g);
    }
  }
}

}  // namespace apical
