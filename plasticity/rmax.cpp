#include "plasticity/rmax.hpp"

#include <algorithm>
#include <cmath>

namespace apical {

void Rmax::bind(const SynapseTable& s, const std::vector<std::string>& obs) {
  for (std::size_t k = 0; k < obs.size(); ++k) {
    if (obs[k] == "score") score_k_ = k;
    if (obs[k] == "psp_decay") beta_k_ = k;
  }
  history_.assign(s.n_post, {});
  arrivals_.assign(s.n_post, {});
  beta_.assign(s.n_post, 0.0);
  first_.assign(s.n_post, 0.0);
  e_.assign(s.size(), 0.0);
}

void Rmax::reset() {
  for (auto& h : history_) h.clear();
  for (auto& a : arrivals_) a.clear();
}

// Arrivals of step t come before that step's on_step, so the history's length is t's index.
void Rmax::on_pre(std::uint32_t syn, std::uint32_t post, Millis, PostState s, WeightUpdate&) {
  beta_[post] = s[beta_k_];  // a constant of the model, per neuron so that threads never share it
  arrivals_[post].push_back({syn, static_cast<std::uint32_t>(history_[post].size())});
}

void Rmax::on_step(std::uint32_t post, Millis t, const NeuronStep& step) {
  if (history_[post].empty()) first_[post] = t;
  history_[post].push_back(step.score);
}

// G(a) = sum_{t > a} score(t) w(t) beta^(t-a-1), w(t) = kappa^(n-1-t) the filter (1 without tau_e).
void Rmax::eligibility(std::uint32_t post, Millis T, std::vector<double>& e) const {
  const std::vector<double>& h = history_[post];
  const std::size_t n = h.size();
  // Step length from the history itself: the n steps span [first, T].
  const double kappa = p_.tau_e > 0.0 && n > 0 ? std::exp(-(T - first_[post]) / static_cast<double>(n) / p_.tau_e) : 1.0;
  g_.assign(n + 1, 0.0);  // g_[a] = G(a); G(n - 1) = G(n) = 0: an arrival in the last step acts after it
  double w = 1.0;  // w(n - 1): the last step ends at T
  for (std::size_t a = n; a-- > 1;) {
    g_[a - 1] = h[a] * w + beta_[post] * g_[a];
    w *= kappa;
  }
  for (const Arrival& ar : arrivals_[post]) e[ar.syn] += g_[std::min<std::size_t>(ar.step, n)];
}

void Rmax::on_third_factor(std::uint32_t post, Millis t, double value, std::span<const std::uint32_t> incoming,
                           PostState, WeightUpdate& out) {
  for (std::uint32_t syn : incoming) e_[syn] = 0.0;
  eligibility(post, t, e_);
  for (std::uint32_t syn : incoming)
    if (e_[syn] != 0.0) out.propose(syn, value * e_[syn]);
}

}  // namespace apical
