#include "plasticity/rstdp.hpp"

#include <algorithm>
#include <cmath>

namespace apical {

Rstdp::Params Rstdp::parse(const ConfigNode& t) {
  Params p;
  const std::string v = t.choice("variant", {"izhikevich", "mstdpet", "mstdp"}, "izhikevich");
  if (v != "izhikevich") {  // Florian 2007's defaults [M]
    p.variant = v == "mstdpet" ? Variant::mstdpet : Variant::mstdp;
    p.stdp = PairStdp::Params{20.0, 20.0, 1.0, 1.0, false};
    p.tau_c = 25.0;
  }
  p.stdp = PairStdp::parse(t, p.stdp);
  if (p.variant == Variant::mstdp) {
    if (t.has("tau_c")) t.fail("tau_c", "mstdp has no eligibility trace (use variant = \"mstdpet\")");
  } else {
    p.tau_c = t.number("tau_c", p.tau_c, Check::positive("ms"));
  }
  p.tau_d = t.number("tau_d", 0.0, Check::non_negative("ms"));
  if (p.variant == Variant::mstdp && p.tau_d == 0.0)
    t.fail(t.has("tau_d") ? "tau_d" : "variant",
           "mstdp multiplies each STDP increment by the dopamine concentration at its time: needs tau_d > 0 (ms)");
  return p;
}

void Rstdp::bind(const SynapseTable& s, const std::vector<std::string>&) {
  stdp_.bind(s);
  c_.assign(s.size(), Trace{});
  pulses_.assign(s.n_post, {});
  post_of_ = s.post;
}

void Rstdp::reset() {
  stdp_.reset();
  c_.assign(c_.size(), Trace{});
  for (auto& p : pulses_) p.clear();
}

double Rstdp::dopamine(std::uint32_t post, Millis t) const {
  double d = 0.0;
  const auto& pulses = pulses_[post];
  for (std::size_t k = pulses.size(); k-- > 0;) {
    if (t - pulses[k].t > 40.0 * p_.tau_d) break;
    if (pulses[k].t <= t) d += pulses[k].amount * std::exp(-(t - pulses[k].t) / p_.tau_d);
  }
  return d;
}

void Rstdp::settle(std::uint32_t syn, std::uint32_t post, Millis t, WeightUpdate& out) {
  Trace& c = c_[syn];
  if (c.value == 0.0 || t <= c.last) return;
  const double tau = 1.0 / (1.0 / p_.tau_c + 1.0 / p_.tau_d);
  const auto& pulses = pulses_[post];
  double raw = 0.0;
  for (std::size_t k = pulses.size(); k-- > 0;) {
    const Pulse& pk = pulses[k];
    if (pk.t >= t) continue;
    if (c.last - pk.t > 40.0 * p_.tau_d) break;  // e^-40: below rounding of what came later
    const double u = std::max(c.last, pk.t);
    raw += pk.amount * std::exp(-(u - c.last) / p_.tau_c - (u - pk.t) / p_.tau_d) * tau * -std::expm1(-(t - u) / tau);
  }
  if (raw != 0.0) out.propose(syn, c.value * raw);
  c.value = c.at(t, p_.tau_c);
  c.last = t;
}

void Rstdp::tag(std::uint32_t syn, std::uint32_t post, Millis t, double increment, WeightUpdate& out) {
  if (p_.variant == Variant::mstdp) {
    const double d = dopamine(post, t);
    if (d != 0.0) out.propose(syn, increment * d);
    return;
  }
  if (concentration()) settle(syn, post, t, out);
  Trace& c = c_[syn];
  c.value = c.at(t, p_.tau_c) + increment;
  c.last = t;
}

void Rstdp::on_pre(std::uint32_t syn, std::uint32_t post, Millis t, PostState, WeightUpdate& out) {
  tag(syn, post, t, stdp_.pre(syn, post, t), out);
}

void Rstdp::on_post(std::uint32_t post, Millis t, std::span<const std::uint32_t> incoming, PostState,
                    WeightUpdate& out) {
  stdp_.post(post, t, incoming, [&](std::uint32_t syn, double increment) { tag(syn, post, t, increment, out); });
}

void Rstdp::on_third_factor(std::uint32_t post, Millis t, double value, std::span<const std::uint32_t> incoming,
                            PostState, WeightUpdate& out) {
  if (concentration()) {
    // A pulse of dopamine: it acts from t on, through settle(); nothing changes at t itself.
    pulses_[post].push_back({t, value});
    return;
  }
  for (std::uint32_t syn : incoming) out.propose(syn, c_[syn].at(t, p_.tau_c) * value);
}

void Rstdp::end_trial(Millis t, WeightUpdate& out) {
  if (!concentration() || p_.variant == Variant::mstdp) return;
  for (std::uint32_t syn = 0; syn < c_.size(); ++syn) settle(syn, post_of_[syn], t, out);
}

}  // namespace apical
