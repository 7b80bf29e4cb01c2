#include "plasticity/rstdp.hpp"

namespace apical {

Rstdp::Params Rstdp::parse(const ConfigNode& t) {
  Params p;
  p.stdp = PairStdp::parse(t, p.stdp);
  p.tau_c = t.number("tau_c", p.tau_c, Check::positive("ms"));
  return p;
}

void Rstdp::bind(const SynapseTable& s, const std::vector<std::string>&) {
  stdp_.bind(s.pre.size(), s.n_post);
  c_.assign(s.pre.size(), Trace{});
}

void Rstdp::reset() {
  stdp_.reset();
  c_.assign(c_.size(), Trace{});
}

void Rstdp::on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState, WeightUpdate&) {
  tag(syn, t, stdp_.pre(syn, post, t));
}

void Rstdp::on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState,
                    WeightUpdate&) {
  stdp_.post(post, t, incoming, [&](std::uint32_t syn, double increment) { tag(syn, t, increment); });
}

void Rstdp::on_third_factor(std::uint32_t, Millis t, double value, std::span<const std::uint32_t> incoming,
                            PostState, WeightUpdate& out) {
  for (std::uint32_t syn : incoming) out.propose(syn, c_[syn].at(t, tau_c_) * value);
}

}  // namespace apical
