#include "sim/cable_population.hpp"

#include <algorithm>
#include <cmath>

#include "models/hines.hpp"

namespace apical {

CablePopulation::CablePopulation(std::string name, std::string model, std::size_t size, Grid grid,
                                 CableSpec spec, std::uint64_t seed, std::uint32_t index)
    : Population(std::move(name), std::move(model), size, grid), spec_(std::move(spec)), seed_(seed), index_(index) {
  N_ = spec_.nodes.size();
  R_ = spec_.receptors.size();
  q10_ = hh::q10(spec_.celsius);
  const double f = spec_.crank_nicolson ? 2.0 : 1.0;
  parent_.resize(N_);
  a_.assign(N_, 0.0);
  b_.assign(N_, 0.0);
  d0_.assign(N_, 0.0);
  rhs0_.assign(N_, 0.0);
  cdt_.assign(N_, 0.0);
  for (std::size_t k = 0; k < N_; ++k) {
    const CableNode& n = spec_.nodes[k];
    parent_[k] = n.parent;
    cdt_[k] = f * n.C / spec_.dt;
    d0_[k] += cdt_[k] + n.g_L;
    rhs0_[k] += n.g_L * n.E_L;
    if (n.parent >= 0) {
      auto p = static_cast<std::size_t>(n.parent);
      d0_[p] += n.g_c;
      b_[k] = -n.g_c;
      if (!n.one_way) {
        d0_[k] += n.g_c;
        a_[k] = -n.g_c;
      }
    }
  }
  for (std::size_t k = 0; k < N_; ++k) {
    const bool cn = spec_.crank_nicolson && cdt_[k] > 0.0;
    alpha_.push_back(cn ? 2.0 : 1.0);
    beta_.push_back(cn ? -1.0 : 0.0);
    if (spec_.nodes[k].hh) hh_nodes_.push_back(k);
    if (spec_.nodes[k].noise > 0.0) noise_nodes_.push_back(k);
  }
  bool conductance_inputs = false;
  for (auto& r : spec_.receptors) conductance_inputs = conductance_inputs || r.conductance;
  if (hh_nodes_.empty() && !conductance_inputs) {
    inv_.resize(N_);
    f_.resize(N_);
    hines_factor(parent_, a_, b_, d0_, inv_, f_);
  }
  for (auto& r : spec_.receptors) {
    decay_.push_back(r.tau > 0.0 ? std::exp(-spec_.dt / r.tau) : 0.0);
    // An exponential synapse acts in a sub-step with its mean over it, which keeps
    // Crank-Nicolson second order in the presence of fast synapses.
    mean_.push_back(r.tau > 0.0 ? -std::expm1(-spec_.dt / r.tau) * r.tau / spec_.dt : 1.0);
  }
  for (std::size_t i = 0; i < size; ++i) {
    spike_rng_.emplace_back(seed_, StreamKind::spiking, index_, static_cast<std::uint32_t>(i));
    noise_rng_.emplace_back(seed_, StreamKind::membrane_noise, index_, static_cast<std::uint32_t>(i));
  }
  reset(0);
}

std::vector<std::string> CablePopulation::receptors() const {
  std::vector<std::string> v;
  for (auto& r : spec_.receptors) v.push_back(r.name);
  return v;
}
std::vector<std::string> CablePopulation::observables() const {
  std::vector<std::string> v;
  for (auto& o : spec_.observables) v.push_back(o.name);
  return v;
}
std::vector<std::string> CablePopulation::observable_units() const {
  std::vector<std::string> v;
  for (auto& o : spec_.observables) v.push_back(o.unit);
  return v;
}

// Streams are not rewound at a reset: every trial gets fresh spikes and noise.
void CablePopulation::reset(Step) {
  const std::size_t n = size();
  V_.resize(n * N_);
  gates_.resize(n * N_);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < N_; ++k) {
      V_[i * N_ + k] = spec_.v_init_node[k];
      gates_[i * N_ + k] = spec_.nodes[k].hh ? hh::steady(spec_.v_init_node[k], q10_) : hh::Gates{};
    }
  syn_.assign(n * R_, 0.0);
  inst_.assign(n * R_, 0.0);
  Iinj_.assign(n * N_, 0.0);
  ref_left_.assign(n, 0.0);
  hazard_.assign(n, HazardClock{});
  for (std::size_t i = 0; i < n; ++i) hazard_[i].start(spike_rng_[i]);
}

double CablePopulation::obs(const double* V, std::size_t k) const {
  const CableObservable& o = spec_.observables[k];
  double x = 0.0;
  for (auto& [node, c] : o.terms) x += c * V[node];
  switch (o.fn) {
    case CableObservable::Fn::linear: return x;
    case CableObservable::Fn::phi: return spec_.phi(x);
    case CableObservable::Fn::log_slope: return spec_.phi.log_slope(x);
  }
  return x;
}

double CablePopulation::observable(std::size_t i, int k) const {
  return obs(V_.data() + i * N_, static_cast<std::size_t>(k));
}

// One sub-step of neuron i: assemble, solve, update gates and synapses. The loops over all
// nodes touch only flat arrays; channels and noise loop over the nodes that have them.
void CablePopulation::substep(std::size_t i, double* d, double* rhs) {
  double* V = V_.data() + i * N_;
  hh::Gates* G = gates_.data() + i * N_;
  const double* I = Iinj_.data() + i * N_;
  for (std::size_t k = 0; k < N_; ++k) rhs[k] = rhs0_[k] + cdt_[k] * V[k] + I[k];
  if (inv_.empty()) std::copy(d0_.begin(), d0_.end(), d);
  for (std::size_t k : hh_nodes_) {
    const CableNode& n = spec_.nodes[k];
    const hh::Gates& g = G[k];
    double gna = n.gna * g.m * g.m * g.m * g.h, gk = n.gk * g.n * g.n * g.n * g.n;
    d[k] += gna + gk + n.ghl;
    rhs[k] += gna * n.hh_rev.ena + gk * n.hh_rev.ek + n.ghl * n.hh_rev.el;
  }
  for (std::size_t k : noise_nodes_) rhs[k] += spec_.nodes[k].noise * noise_rng_[i].normal() / std::sqrt(spec_.dt);
  for (std::size_t r = 0; r < R_; ++r) {
    const CableReceptor& rc = spec_.receptors[r];
    double x = syn_[i * R_ + r] * mean_[r] + inst_[i * R_ + r];
    auto k = static_cast<std::size_t>(rc.node);
    if (rc.g_nudge > 0.0) {  // nudging toward the potential whose rate arrived (conductance = true)
      if (x != 0.0) {
        d[k] += rc.g_nudge;
        rhs[k] += rc.g_nudge * spec_.phi.inverse(x);
      }
    } else if (rc.conductance) {
      d[k] += x;
      rhs[k] += x * rc.E;
    } else {
      rhs[k] += x;
    }
    syn_[i * R_ + r] *= decay_[r];
  }
  if (inv_.empty()) hines_solve(parent_, a_, b_, std::span<double>(d, N_), std::span<double>(rhs, N_));
  else hines_solve_factored(parent_, a_, inv_, f_, std::span<double>(rhs, N_));
  // Backward Euler: V = W. Crank-Nicolson: V = 2W - V on nodes with capacitance, W elsewhere.
  for (std::size_t k = 0; k < N_; ++k) V[k] = alpha_[k] * rhs[k] + beta_[k] * V[k];
  for (std::size_t k : hh_nodes_) hh::advance(G[k], V[k], q10_, spec_.dt);
}

std::int64_t CablePopulation::advance(std::size_t first, std::size_t last, Step t0, Step t1,
                                      std::span<const InputEvent> events, std::vector<Spike>& spikes,
                                      std::span<Sampler*> samplers) {
  std::vector<double> d(N_), rhs(N_), post(spec_.observables.size());
  const double dt = spec_.dt, h = grid_.h;
  const auto out = static_cast<std::size_t>(spec_.out_node);
  auto post_state = [&](std::size_t i) {
    for (std::size_t k = 0; k < post.size(); ++k) post[k] = obs(V_.data() + i * N_, k);
    return PostState(post);
  };
  std::size_t e = 0;
  std::int64_t bad = -1;
  for (std::size_t i = first; i < last; ++i) {
    double* V = V_.data() + i * N_;
    for (Step t = t0; t < t1; ++t) {
      for (Sampler* s : samplers) {
        if (!s->is_sample_step(t)) continue;
        auto it = std::lower_bound(s->nodes.begin(), s->nodes.end(), static_cast<std::uint32_t>(i));
        if (it == s->nodes.end() || *it != i) continue;
        auto rank = static_cast<std::size_t>(it - s->nodes.begin());
        double* row = s->rows.data() + static_cast<std::size_t>(t - s->first_row_step) / s->interval * s->columns();
        for (std::size_t v = 0; v < s->variables.size(); ++v)
          row[rank * s->variables.size() + v] = obs(V, static_cast<std::size_t>(s->variables[v]));
      }
      if (spec_.output == CableSpec::Output::rate) {
        double r = spec_.phi(V[out]);
        if (r != 0.0) spikes.push_back({t, 0.0, static_cast<std::uint32_t>(i), r});
      }
      for (int j = 0; j < spec_.substeps; ++j) {
        // Inputs whose offset lies in this sub-step (the last one takes everything left of step t).
        for (; e < events.size() && events[e].target == i && events[e].step == t &&
               (j + 1 == spec_.substeps || events[e].offset < (j + 1) * dt);
             ++e) {
          const InputEvent& ev = events[e];
          if (ev.port < 0) {
            std::size_t c = static_cast<std::size_t>(kCurrentPort - ev.port);
            Iinj_[i * N_ + static_cast<std::size_t>(spec_.compartment_node[c])] += ev.weight;
            continue;
          }
          double w = ev.projection < 0 ? ev.weight
                                       : this->arrive_plastic(ev, Time{t, ev.offset}, post_state(i));
          auto r = static_cast<std::size_t>(ev.port);
          (spec_.receptors[r].tau > 0.0 ? syn_ : inst_)[i * R_ + r] += w;
        }
        const double v0 = V[out];
        substep(i, d.data(), rhs.data());
        const double v1 = V[out];
        const double start = j * dt;
        auto emit = [&](double at) {  // at: ms into the sub-step, in (0, dt]
          double off = std::min(start + at, std::nextafter(h, 0.0));
          spikes.push_back({t, off, static_cast<std::uint32_t>(i)});
          if (this->has_plastic_input())
            this->post_spike(static_cast<std::uint32_t>(i), Time{t, off}, post_state(i));
        };
        if (spec_.output == CableSpec::Output::threshold) {
          if (v0 < spec_.threshold && v1 >= spec_.threshold) emit(dt * (spec_.threshold - v0) / (v1 - v0));
        } else if (spec_.output == CableSpec::Output::hazard) {
          const double r0 = spec_.phi(v0), r1 = spec_.phi(v1);
          double ref_end = ref_left_[i];
          double pos = std::min(ref_end, dt);
          while (pos < dt) {
            double ra = r0 + (r1 - r0) * pos / dt;
            double s = hazard_[i].advance(ra, r1, dt - pos);
            if (s < 0.0) break;
            double ts = pos + s * (dt - pos);
            emit(ts);
            hazard_[i].start(spike_rng_[i]);
            ref_end = ts + spec_.t_ref;
            pos = ref_end > ts ? std::min(ref_end, dt) : ts;
            if (s == 1.0 && spec_.t_ref == 0.0) break;
          }
          ref_left_[i] = std::max(ref_end - dt, 0.0);
        }
      }
      if (this->has_state_step_rules()) this->post_state_step(static_cast<std::uint32_t>(i), Time{t + 1, 0.0}, post_state(i));
      std::fill(inst_.begin() + static_cast<std::ptrdiff_t>(i * R_),
                inst_.begin() + static_cast<std::ptrdiff_t>((i + 1) * R_), 0.0);
    }
    if (bad < 0)
      for (std::size_t k = 0; k < N_; ++k)
        if (!std::isfinite(V[k])) {
          bad = static_cast<std::int64_t>(i);
          break;
        }
  }
  return bad;
}

}  // namespace apical
