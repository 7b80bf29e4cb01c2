#include "plasticity/stdp.hpp"

namespace apical {

PairStdp::Params PairStdp::parse(const ConfigNode& t, Params p) {
  p.tau_plus = t.number("tau_plus", p.tau_plus, Check::positive("ms"));
  p.tau_minus = t.number("tau_minus", p.tau_minus, Check::positive("ms"));
  p.A_plus = t.number("A_plus", p.A_plus, Check::non_negative());
  p.A_minus = t.number("A_minus", p.A_minus, Check::non_negative());
  p.nearest = t.choice("pairing", {"all_to_all", "nearest"}, "all_to_all") == "nearest";
  p.per_synapse = t.choice("presynaptic", {"auto", "per_synapse"}, "auto") == "per_synapse";
  return p;
}

void StdpPair::bind(const SynapseTable& s, const std::vector<std::string>&) { stdp_.bind(s); }

void StdpPair::reset() { stdp_.reset(); }

void StdpPair::on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState,
                       WeightUpdate& out) {
  stdp_.post(post, t, incoming, [&](std::uint32_t syn, double increment) { out.propose(syn, increment); });
}

StdpTriplet::Params StdpTriplet::parse(const ConfigNode& t) {
  Params p;
  p.tau_plus = t.number("tau_plus", p.tau_plus, Check::positive("ms"));
  p.tau_minus = t.number("tau_minus", p.tau_minus, Check::positive("ms"));
  p.tau_x = t.number("tau_x", p.tau_x, Check::positive("ms"));
  p.tau_y = t.number("tau_y", p.tau_y, Check::positive("ms"));
  p.A2_plus = t.number("A2_plus", p.A2_plus, Check::non_negative());
  p.A3_plus = t.number("A3_plus", p.A3_plus, Check::non_negative());
  p.A2_minus = t.number("A2_minus", p.A2_minus, Check::non_negative());
  p.A3_minus = t.number("A3_minus", p.A3_minus, Check::non_negative());
  return p;
}

void StdpTriplet::bind(const SynapseTable& s, const std::vector<std::string>&) {
  r1_.assign(s.size(), Trace{});
  r2_.assign(s.size(), Trace{});
  o1_.assign(s.n_post, Trace{});
  o2_.assign(s.n_post, Trace{});
}

void StdpTriplet::reset() {
  for (auto* v : {&r1_, &r2_, &o1_, &o2_})
    for (auto& tr : *v) tr = Trace{};
}

void StdpTriplet::on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState, WeightUpdate& out) {
  out.propose(syn, -o1_[post].at(t, p_.tau_minus) * (p_.A2_minus + p_.A3_minus * r2_[syn].at(t, p_.tau_x)));
  r1_[syn].bump(t, p_.tau_plus);
  r2_[syn].bump(t, p_.tau_x);
}

void StdpTriplet::on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState,
                          WeightUpdate& out) {
  const double o2 = o2_[post].at(t, p_.tau_y);  // before this spike's own increment
  for (std::uint32_t syn : incoming) out.propose(syn, r1_[syn].at(t, p_.tau_plus) * (p_.A2_plus + p_.A3_plus * o2));
  o1_[post].bump(t, p_.tau_minus);
  o2_[post].bump(t, p_.tau_y);
}

}  // namespace apical
