#include "plasticity/stdp.hpp"

namespace apical {

StdpPair::Params StdpPair::parse(const ConfigNode& t) {
  Params p;
  p.tau_plus = t.number("tau_plus", p.tau_plus, Check::positive("ms"));
  p.tau_minus = t.number("tau_minus", p.tau_minus, Check::positive("ms"));
  p.A_plus = t.number("A_plus", p.A_plus, Check::non_negative());
  p.A_minus = t.number("A_minus", p.A_minus, Check::non_negative());
  return p;
}

void StdpPair::bind(const SynapseTable& s, const std::vector<std::string>&) {
  x_pre_.assign(s.pre.size(), Trace{});
  y_post_.assign(s.n_post, Trace{});
}

void StdpPair::reset() {
  for (auto& x : x_pre_) x = Trace{};
  for (auto& y : y_post_) y = Trace{};
}

void StdpPair::on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState, WeightUpdate& out) {
  out.propose(syn, -p_.A_minus * y_post_[post].at(t, p_.tau_minus));
  Trace& x = x_pre_[syn];
  x.value = x.at(t, p_.tau_plus) + 1.0;
  x.last = t;
}

void StdpPair::on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState,
                       WeightUpdate& out) {
  for (std::uint32_t syn : incoming) out.propose(syn, p_.A_plus * x_pre_[syn].at(t, p_.tau_plus));
  Trace& y = y_post_[post];
  y.value = y.at(t, p_.tau_minus) + 1.0;
  y.last = t;
}

}  // namespace apical
