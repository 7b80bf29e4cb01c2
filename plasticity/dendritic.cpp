#include "plasticity/dendritic.hpp"

#include <algorithm>
#include <cmath>

namespace apical {

namespace {

int index_of(const std::vector<std::string>& names, const std::string& name) {
  auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

}  // namespace

UrbanczikSenn::Params UrbanczikSenn::parse(const ConfigNode& t) {
  Params p;
  p.tau_L = t.number("tau_L", p.tau_L, Check::positive("ms"));
  p.tau_s = t.number("tau_s", p.tau_s, Check::positive("ms"));
  p.tau_Delta = t.number("tau_Delta", p.tau_Delta, Check::non_negative("ms"));
  if (p.tau_L == p.tau_s) t.fail("tau_s", "must differ from tau_L (the PSP kernel is a difference of exponentials)");
  return p;
}

void UrbanczikSenn::bind(const SynapseTable& s, const std::vector<std::string>& obs) {
  phi_ = index_of(obs, "phi_V_w_star");
  h_ = index_of(obs, "h_V_w_star");
  c_ = p_.tau_L * p_.tau_s / (p_.tau_L - p_.tau_s);
  xL_.assign(s.size(), 0.0);
  xs_.assign(s.size(), 0.0);
  G_.assign(s.size(), 0.0);
  D_.assign(s.size(), 0.0);
  last_.assign(s.n_post, 0.0);
}

void UrbanczikSenn::reset() {
  std::fill(xL_.begin(), xL_.end(), 0.0);
  std::fill(xs_.begin(), xs_.end(), 0.0);
  std::fill(G_.begin(), G_.end(), 0.0);
  std::fill(D_.begin(), D_.end(), 0.0);
  std::fill(last_.begin(), last_.end(), 0.0);
}

// An arrival at time t (after the neuron's last state step at last_): its kernel components are
// stored as they would be at last_, so that the next state step's decay brings them to its time.
void UrbanczikSenn::on_arrival(std::uint32_t syn, std::uint32_t post, Millis t, double value, PostState,
                               WeightUpdate&) {
  const double a = t - last_[post];
  xL_[syn] += value * std::exp(a / p_.tau_L);
  xs_[syn] += value * std::exp(a / p_.tau_s);
}

// A somatic spike: S(t) h(V*) PSP_i(t), exact at the spike time.
void UrbanczikSenn::on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState s,
                            WeightUpdate&) {
  const double a = t - last_[post];
  const double fL = c_ * s[static_cast<std::size_t>(h_)] * std::exp(-a / p_.tau_L);
  const double fs = c_ * s[static_cast<std::size_t>(h_)] * std::exp(-a / p_.tau_s);
  for (std::uint32_t syn : incoming) G_[syn] += fL * xL_[syn] - fs * xs_[syn];
}

// The end of a grid step: the rate term -phi(V*) h(V*) PSP_i dt, then the tau_Delta filter.
void UrbanczikSenn::on_state_step(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming,
                                  PostState s, WeightUpdate& out) {
  const double dt = t - last_[post];
  last_[post] = t;
  const double dL = std::exp(-dt / p_.tau_L), ds = std::exp(-dt / p_.tau_s);
  const double rate = -dt * s[static_cast<std::size_t>(phi_)] * s[static_cast<std::size_t>(h_)] * c_;
  const double d = p_.tau_Delta > 0.0 ? std::exp(-dt / p_.tau_Delta) : 0.0;
  for (std::uint32_t syn : incoming) {
    xL_[syn] *= dL;
    xs_[syn] *= ds;
    const double g = G_[syn] + rate * (xL_[syn] - xs_[syn]);
    G_[syn] = 0.0;
    if (d == 0.0) {
      if (g != 0.0) out.propose(syn, g);
      continue;
    }
    D_[syn] = d * D_[syn] + g;
    if (D_[syn] != 0.0) out.propose(syn, (1.0 - d) * D_[syn]);
  }
}

SacramentoRule::Params SacramentoRule::parse(const ConfigNode& t, const std::string& name) {
  Params p;
  p.kind = name == "sacramento_2018_basal" ? Kind::basal
           : name == "sacramento_2018_interneuron" ? Kind::interneuron
                                                   : Kind::apical;
  p.spikes = t.choice("presynaptic", {"rate", "spikes"}, "rate") == "spikes";
  if (p.kind == Kind::apical) p.v_rest = t.number("v_rest", 0.0, Check::finite());
  return p;
}

std::string SacramentoRule::name() const {
  switch (p_.kind) {
    case Kind::basal: return "sacramento_2018_basal";
    case Kind::interneuron: return "sacramento_2018_interneuron";
    case Kind::apical: return "sacramento_2018_apical";
  }
  return "";
}

std::vector<std::string> SacramentoRule::needs() const {
  switch (p_.kind) {
    case Kind::basal: return {"phi", "phi_v_B_hat"};
    case Kind::interneuron: return {"phi", "phi_v_hat"};
    case Kind::apical: return {"v_A"};
  }
  return {};
}

void SacramentoRule::bind(const SynapseTable&, const std::vector<std::string>& obs) {
  auto n = needs();
  a_ = index_of(obs, n[0]);
  b_ = n.size() > 1 ? index_of(obs, n[1]) : -1;
}

void SacramentoRule::on_arrival(std::uint32_t syn, std::uint32_t, Millis, double value, PostState s,
                                WeightUpdate& out) {
  const double x = s[static_cast<std::size_t>(a_)];
  const double err = b_ >= 0 ? x - s[static_cast<std::size_t>(b_)] : p_.v_rest - x;
  out.propose(syn, (p_.spikes ? 1.0 : p_.h) * err * value);
}

}  // namespace apical
