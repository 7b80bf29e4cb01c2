#include "plasticity/rstdp.hpp"

namespace apical {

Rstdp::Params Rstdp::parse(const ConfigNode& t) {
  Params p;
  p.tau_plus = t.number("tau_plus", p.tau_plus, Check::positive("ms"));
  p.tau_minus = t.number("tau_minus", p.tau_minus, Check::positive("ms"));
  p.A_plus = t.number("A_plus", p.A_plus, Check::non_negative());
  p.A_minus = t.number("A_minus", p.A_minus, Check::non_negative());
  p.tau_c = t.number("tau_c", p.tau_c, Check::positive("ms"));
  p.nearest = t.choice("pairing", {"all_to_all", "nearest"}, "all_to_all") == "nearest";
  return p;
}

void Rstdp::bind(const SynapseTable& s, const std::vector<std::string>&) {
  x_pre_.assign(s.pre.size(), Trace{});
  c_.assign(s.pre.size(), Trace{});
  y_post_.assign(s.n_post, Trace{});
}

void Rstdp::reset() {
  for (auto* v : {&x_pre_, &c_, &y_post_})
    for (auto& tr : *v) tr = Trace{};
}

void Rstdp::on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState, WeightUpdate&) {
  tag(syn, t, -p_.A_minus * y_post_[post].at(t, p_.tau_minus));
  x_pre_[syn].bump(t, p_.tau_plus, p_.nearest);
}

void Rstdp::on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState,
                    WeightUpdate&) {
  for (std::uint32_t syn : incoming) tag(syn, t, p_.A_plus * x_pre_[syn].at(t, p_.tau_plus));
  y_post_[post].bump(t, p_.tau_minus, p_.nearest);
}

void Rstdp::on_third_factor(std::uint32_t, Millis t, double value, std::span<const std::uint32_t> incoming,
                            PostState, WeightUpdate& out) {
  for (std::uint32_t syn : incoming) out.propose(syn, c_[syn].at(t, p_.tau_c) * value);
}

}  // namespace apical
