#include "analysis/network_gradient.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <stdexcept>

#include "core/config.hpp"
#include "models/lif_discrete.hpp"
#include "models/rate_unit.hpp"
#include "sim/clock_population.hpp"
#include "sim/generators.hpp"

namespace apical {

namespace {

enum class Kind { generator, lif, readout, rate };

// What the gradient code needs to know of one population.
struct PopInfo {
  Kind kind = Kind::generator;
  std::size_t n = 0;
  const ClockPopulation<LifDiscrete>* lif = nullptr;
  const ClockPopulation<LiReadout>* readout = nullptr;
  const ClockPopulation<RateUnit>* rate = nullptr;
  bool differentiable() const { return kind != Kind::generator; }
  bool sends() const { return kind != Kind::readout; }  // has an output other neurons can read
};

struct Plan {
  std::vector<PopInfo> pops;
  std::size_t T = 0;      // steps per trial
  std::size_t obj = 0;    // objective population
  bool reads_trace = true;
  int variable = 0;       // observable traced
  std::size_t skip = 0;
};

Plan make_plan(const Network& net, const NetworkGradientOptions& o) {
  if (net.trials.count <= 0 || !net.trials.objective)
    throw std::invalid_argument("network_gradient: the network needs [trials] with an [trials.objective]");
  if (o.surrogate_scale < 0 || !std::isfinite(o.surrogate_scale))
    throw std::invalid_argument("network_gradient: surrogate_scale must be finite and >= 0");
  if (o.smooth && !(o.smooth_k > 0 && std::isfinite(o.smooth_k)))
    throw std::invalid_argument("network_gradient: smooth_k must be finite and > 0");
  Plan plan;
  plan.T = static_cast<std::size_t>(net.trials.length);
  for (const auto& up : net.populations) {
    const Population* p = up.get();
    PopInfo info;
    info.n = p->size();
    if (auto* l = dynamic_cast<const ClockPopulation<LifDiscrete>*>(p)) {
      info.kind = Kind::lif;
      info.lif = l;
      if (o.smooth && l->params().ref_steps > 0)
        throw std::invalid_argument("network_gradient: the smooth variant needs t_ref = 0 ('" + p->name() + "')");
    } else if (auto* r = dynamic_cast<const ClockPopulation<LiReadout>*>(p)) {
      info.kind = Kind::readout;
      info.readout = r;
    } else if (auto* u = dynamic_cast<const ClockPopulation<RateUnit>*>(p)) {
      info.kind = Kind::rate;
      info.rate = u;
    } else if (dynamic_cast<const Generator*>(p)) {
      info.kind = Kind::generator;
    } else {
      throw std::invalid_argument("network_gradient: population '" + p->name() + "' (" + p->model() +
                                  ") is not clock-driven; the gradient covers lif_discrete, li_readout, "
                                  "rate_unit and generators");
    }
    plan.pops.push_back(info);
  }
  plan.obj = net.trials.population;
  plan.reads_trace = net.trials.objective->reads() == "trace";
  plan.skip = static_cast<std::size_t>(net.trials.skip);
  const PopInfo& op = plan.pops[plan.obj];
  if (plan.reads_trace) {
    plan.variable = net.populations[plan.obj]->observable_index(net.trials.variable);
    if (op.kind == Kind::generator) throw std::invalid_argument("network_gradient: the objective traces a generator");
  } else if (op.kind != Kind::lif) {
    throw std::invalid_argument("network_gradient: spike-count objectives need a lif_discrete population");
  }
  return plan;
}

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// dphi/du of a rate unit.
double phi_derivative(const RateUnit::Params& p, double u, double phi) {
  switch (p.phi) {
    case RateUnit::Phi::linear: return 1.0;
    case RateUnit::Phi::relu: return u > 0.0 ? 1.0 : 0.0;
    case RateUnit::Phi::sigmoid: return phi * (1.0 - phi);
    case RateUnit::Phi::tanh: return 1.0 - phi * phi;
    case RateUnit::Phi::softplus: return sigmoid(u);
  }
  return 1.0;
}

// One trial's forward record, [T, n] per population.
struct TrialRecord {
  std::vector<std::vector<double>> out;   // output sent at step t (spike 0/1, sigmoid, phi(u), generator count)
  std::vector<std::vector<double>> reset; // lif: r_t
  std::vector<std::vector<double>> dsdv;  // lif: surrogate ds/dV; rate: phi'(u_t)
  std::vector<double> trace;              // objective population's traced variable [T, n]
  std::vector<double> counts;             // objective population's spike counts
};

// Forward pass of one trial. Inputs are summed in the order the simulator sums them (source
// step, then projection index, source node, synapse), so the states match `apical run`'s.
void forward(const Network& net, const Plan& plan, const NetworkGradientOptions& o,
             const std::vector<std::vector<TrialInputs::Event>>& spikes,
             const std::vector<std::vector<TrialInputs::Event>>& currents, const std::vector<double>* frozen,
             TrialRecord& rec) {
  const std::size_t T = plan.T, P = plan.pops.size();
  std::vector<std::vector<double>> x(P), I_ext(P);
  rec.out.assign(P, {});
  rec.reset.assign(P, {});
  rec.dsdv.assign(P, {});
  std::vector<std::vector<LifDiscrete::State>> lif(P);
  std::vector<std::vector<LiReadout::State>> ro(P);
  std::vector<std::vector<RateUnit::State>> ru(P);
  std::vector<std::size_t> cur_pos(P, 0), spk_pos(P, 0);
  for (std::size_t p = 0; p < P; ++p) {
    const PopInfo& pi = plan.pops[p];
    const std::size_t n = pi.n;
    rec.out[p].assign(T * n, 0.0);
    if (pi.differentiable()) {
      x[p].assign(T * n, 0.0);
      I_ext[p].assign(n, 0.0);
    }
    if (pi.kind == Kind::lif) {
      rec.reset[p].assign(T * n, 1.0);
      rec.dsdv[p].assign(T * n, 0.0);
      for (std::size_t i = 0; i < n; ++i) lif[p].push_back(pi.lif->initial_state(i));
    } else if (pi.kind == Kind::readout) {
      for (std::size_t i = 0; i < n; ++i) ro[p].push_back(pi.readout->initial_state(i));
    } else if (pi.kind == Kind::rate) {
      rec.dsdv[p].assign(T * n, 0.0);
      for (std::size_t i = 0; i < n; ++i) ru[p].push_back(pi.rate->initial_state(i));
    }
  }
  const std::size_t n_obj = plan.pops[plan.obj].n;
  rec.trace.assign(plan.reads_trace ? T * n_obj : 0, 0.0);
  rec.counts.assign(plan.reads_trace ? 0 : n_obj, 0.0);
  // Offsets into *frozen: the lif populations in order, [T, n] each.
  std::vector<std::size_t> frozen_at(P, 0);
  for (std::size_t p = 0, at = 0; p < P; ++p)
    if (plan.pops[p].kind == Kind::lif) {
      frozen_at[p] = at;
      at += T * plan.pops[p].n;
    }
  if (frozen) {
    std::size_t need = 0;
    for (const PopInfo& pi : plan.pops) need += pi.kind == Kind::lif ? T * pi.n : 0;
    if (frozen->size() != need) throw std::invalid_argument("network_gradient: frozen resets of the wrong size");
  }

  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t p = 0; p < P; ++p) {
      const PopInfo& pi = plan.pops[p];
      const std::size_t n = pi.n;
      double* out_t = rec.out[p].data() + t * n;
      if (pi.kind == Kind::generator) {
        for (auto& pos = spk_pos[p]; pos < spikes[p].size() && spikes[p][pos].step == static_cast<Step>(t); ++pos)
          out_t[spikes[p][pos].node] += spikes[p][pos].value;
        continue;
      }
      if (!currents.empty())
        for (auto& pos = cur_pos[p]; pos < currents[p].size() && currents[p][pos].step == static_cast<Step>(t); ++pos)
          I_ext[p][currents[p][pos].node] += currents[p][pos].value;
      const double* x_t = x[p].data() + t * n;
      if (plan.reads_trace && p == plan.obj) {
        double* tr = rec.trace.data() + t * n;
        for (std::size_t i = 0; i < n; ++i)
          tr[i] = pi.kind == Kind::lif ? LifDiscrete::observable(lif[p][i], plan.variable)
                  : pi.kind == Kind::readout ? LiReadout::observable(ro[p][i], plan.variable)
                                             : RateUnit::observable(ru[p][i], plan.variable);
      }
      if (pi.kind == Kind::lif) {
        const auto& pr = pi.lif->params();
        double* r_t = rec.reset[p].data() + t * n;
        double* d_t = rec.dsdv[p].data() + t * n;
        for (std::size_t i = 0; i < n; ++i) {
          auto& s = lif[p][i];
          const double v = s.V_m - pr.V_th;
          const double input = x_t[i] + I_ext[p][i];
          if (o.smooth) {
            const double sp = sigmoid(o.smooth_k * v);
            out_t[i] = sp;
            r_t[i] = frozen ? (*frozen)[frozen_at[p] + t * n + i] : 1.0 - sp;
            d_t[i] = o.smooth_k * sp * (1.0 - sp);
            s.V_m = r_t[i] * (pr.beta * s.V_m + s.I_syn) + (1.0 - r_t[i]) * pr.V_reset;
            s.I_syn = pr.alpha * s.I_syn + input;
          } else {
            const bool refractory = s.ref_left > 0;
            const double dd = o.surrogate_scale * std::fabs(v) + 1.0;
            d_t[i] = refractory ? 0.0 : 1.0 / (dd * dd);
            const bool spike = LifDiscrete::step(s, pr, input);  // the model's own update
            out_t[i] = spike ? 1.0 : 0.0;
            r_t[i] = (spike || refractory) ? 0.0 : 1.0;
          }
          if (!plan.reads_trace && p == plan.obj) rec.counts[i] += out_t[i];
        }
      } else if (pi.kind == Kind::readout) {
        const auto& pr = pi.readout->params();
        for (std::size_t i = 0; i < n; ++i) LiReadout::step(ro[p][i], pr, x_t[i] + I_ext[p][i]);
      } else {
        const auto& pr = pi.rate->params();
        double* d_t = rec.dsdv[p].data() + t * n;
        for (std::size_t i = 0; i < n; ++i) {
          auto& s = ru[p][i];
          out_t[i] = RateUnit::output(s, pr);
          d_t[i] = phi_derivative(pr, s.V_m, s.rate);
          RateUnit::step(s, pr, x_t[i] + I_ext[p][i]);
        }
      }
    }
    // Deliver this step's outputs to their arrival steps.
    for (std::size_t k = 0; k < net.projections.size(); ++k) {
      const Projection& proj = net.projections[k];
      const PopInfo& src = plan.pops[proj.source];
      if (!plan.pops[proj.target].differentiable() || !src.sends()) continue;
      double* xt = x[proj.target].data();
      const std::size_t n_post = plan.pops[proj.target].n;
      auto push = [&](std::uint32_t j, double value) {
        for (std::uint64_t syn = proj.row[j]; syn < proj.row[j + 1]; ++syn) {
          const auto arrival = t + static_cast<std::size_t>(proj.delay_of(syn));
          if (arrival < T) xt[arrival * n_post + proj.post[syn]] += proj.weight[syn] * value;
        }
      };
      if (src.kind == Kind::generator) {
        // Event by event, as the simulator delivers them (two spikes of one node in one step
        // are two additions).
        auto lo = std::lower_bound(spikes[proj.source].begin(), spikes[proj.source].end(), static_cast<Step>(t),
                                   [](const TrialInputs::Event& e, Step s) { return e.step < s; });
        for (; lo != spikes[proj.source].end() && lo->step == static_cast<Step>(t); ++lo) push(lo->node, lo->value);
      } else {
        const double* o_t = rec.out[proj.source].data() + t * src.n;
        for (std::size_t j = 0; j < src.n; ++j)
          if (o_t[j] != 0.0) push(static_cast<std::uint32_t>(j), o_t[j]);
      }
    }
  }
}

ObjectiveResult evaluate(const Network& net, const Plan& plan, const TrialRecord& rec, std::int64_t trial) {
  TrialObservation obs;
  obs.n = plan.pops[plan.obj].n;
  if (plan.reads_trace) {
    obs.T = plan.T - plan.skip;
    obs.trace.assign(rec.trace.begin() + static_cast<std::ptrdiff_t>(plan.skip * obs.n), rec.trace.end());
  } else {
    obs.counts = rec.counts;
  }
  return net.trials.objective->evaluate(obs, net.trials.target(trial));
}

// Backward pass of one trial (adjoint recursion; docs/gradients.md), accumulating dL/dw per
// synapse into sgrad. dtrace: dL/dtrace [T - skip, n] and dcounts: dL/dcounts, 1/B included.
void backward(const Network& net, const Plan& plan, const NetworkGradientOptions& o, const TrialRecord& rec,
              const std::vector<double>& dtrace, const std::vector<double>& dcounts,
              std::vector<std::vector<double>>& sgrad) {
  (void)o;
  const std::size_t T = plan.T, P = plan.pops.size();
  std::vector<std::vector<double>> lam_x(P), lam_a(P), lam_b(P), lam_o(P);  // a: V or u, b: I
  for (std::size_t p = 0; p < P; ++p) {
    const PopInfo& pi = plan.pops[p];
    if (!pi.differentiable()) continue;
    lam_x[p].assign(T * pi.n, 0.0);
    lam_a[p].assign(pi.n, 0.0);
    lam_b[p].assign(pi.n, 0.0);
    lam_o[p].assign(pi.n, 0.0);
  }
  const std::size_t n_obj = plan.pops[plan.obj].n;
  for (std::size_t t = T; t-- > 0;) {
    // dL/dx_t: x_t enters only the state at t+1.
    for (std::size_t p = 0; p < P; ++p) {
      const PopInfo& pi = plan.pops[p];
      if (!pi.differentiable()) continue;
      double* lx = lam_x[p].data() + t * pi.n;
      if (pi.kind == Kind::rate) {
        const double a = pi.rate->params().a;
        for (std::size_t i = 0; i < pi.n; ++i) lx[i] = (1.0 - a) * lam_a[p][i];
      } else {
        for (std::size_t i = 0; i < pi.n; ++i) lx[i] = lam_b[p][i];
      }
      if (pi.sends()) {
        if (!plan.reads_trace && p == plan.obj) std::copy(dcounts.begin(), dcounts.end(), lam_o[p].begin());
        else std::fill(lam_o[p].begin(), lam_o[p].end(), 0.0);
      }
    }
    // dL/doutput_t and dL/dw through the arrivals at t + d (already known).
    for (std::size_t k = 0; k < net.projections.size(); ++k) {
      const Projection& proj = net.projections[k];
      const PopInfo& src = plan.pops[proj.source];
      if (!plan.pops[proj.target].differentiable() || !src.sends()) continue;
      const std::size_t n_post = plan.pops[proj.target].n;
      const double* lx = lam_x[proj.target].data();
      const double* o_t = rec.out[proj.source].data() + t * src.n;
      double* lo = src.differentiable() ? lam_o[proj.source].data() : nullptr;
      double* g = sgrad[k].data();
      for (std::size_t j = 0; j < src.n; ++j) {
        if (!lo && o_t[j] == 0.0) continue;
        double acc = 0.0;
        for (std::uint64_t syn = proj.row[j]; syn < proj.row[j + 1]; ++syn) {
          const auto arrival = t + static_cast<std::size_t>(proj.delay_of(syn));
          if (arrival >= T) continue;
          const double l = lx[arrival * n_post + proj.post[syn]];
          acc += proj.weight[syn] * l;
          g[syn] += o_t[j] * l;
        }
        if (lo) lo[j] += acc;
      }
    }
    // State adjoints at t from those at t+1.
    for (std::size_t p = 0; p < P; ++p) {
      const PopInfo& pi = plan.pops[p];
      if (!pi.differentiable()) continue;
      const std::size_t n = pi.n;
      const double* g = nullptr;  // dL/dtrace_t of this population, if it is traced at t
      if (plan.reads_trace && p == plan.obj && t >= plan.skip) g = dtrace.data() + (t - plan.skip) * n_obj;
      auto& la = lam_a[p];
      auto& lb = lam_b[p];
      if (pi.kind == Kind::lif) {
        const auto& pr = pi.lif->params();
        const double* r = rec.reset[p].data() + t * n;
        const double* d = rec.dsdv[p].data() + t * n;
        for (std::size_t i = 0; i < n; ++i) {
          double lv = pr.beta * r[i] * la[i] + d[i] * lam_o[p][i];
          double li = pr.alpha * lb[i] + r[i] * la[i];
          if (g) (plan.variable == 0 ? lv : li) += g[i];
          la[i] = lv;
          lb[i] = li;
        }
      } else if (pi.kind == Kind::readout) {
        const auto& pr = pi.readout->params();
        for (std::size_t i = 0; i < n; ++i) {
          double lv = pr.beta * la[i];
          double li = pr.alpha * lb[i] + la[i];
          if (g) (plan.variable == 0 ? lv : li) += g[i];
          la[i] = lv;
          lb[i] = li;
        }
      } else {
        const auto& pr = pi.rate->params();
        const double* d = rec.dsdv[p].data() + t * n;
        for (std::size_t i = 0; i < n; ++i) {
          double lu = pr.a * la[i] + d[i] * lam_o[p][i];
          if (g) lu += plan.variable == 0 ? g[i] : d[i] * g[i];
          la[i] = lu;
        }
      }
    }
  }
}

}  // namespace

TrialInputs record_inputs(const Network& net, std::span<const std::int64_t> trials) {
  if (net.trials.count <= 0) throw std::invalid_argument("record_inputs: the network has no [trials]");
  TrialInputs in;
  in.trials.assign(trials.begin(), trials.end());
  const std::size_t P = net.populations.size();
  in.spikes.assign(trials.size(), std::vector<std::vector<TrialInputs::Event>>(P));
  in.currents.assign(trials.size(), std::vector<std::vector<TrialInputs::Event>>(P));
  if (trials.empty()) return in;
  std::int64_t last = 0;
  for (auto k : trials) {
    if (k < 0) throw std::invalid_argument("record_inputs: trial indices must be >= 0");
    last = std::max(last, k);
  }
  bool any_input = !net.sources.empty();
  for (auto& p : net.populations) any_input = any_input || dynamic_cast<const Generator*>(p.get());
  if (!any_input) return in;
  if (net.config_text.empty()) throw std::invalid_argument("record_inputs: the network has no config text to replay");
  // A fresh copy: generators and noise sources draw from streams that advance trial by trial,
  // so trial k's input is what a run draws after trials 0..k-1.
  Network fresh = build_network(ConfigNode::parse(net.config_text, net.config_path), BuildOverrides{net.seed, {}});
  std::multimap<std::int64_t, std::size_t> wanted;
  for (std::size_t e = 0; e < trials.size(); ++e) wanted.emplace(trials[e], e);
  const Step L = net.trials.length;
  std::vector<Spike> spikes;
  std::vector<InputEvent> events;
  for (std::int64_t k = 0; k <= last; ++k) {
    const Step t0 = k * L, t1 = t0 + L;
    auto range = wanted.equal_range(k);
    for (std::size_t p = 0; p < P; ++p) {
      auto* g = dynamic_cast<Generator*>(fresh.populations[p].get());
      if (!g) continue;
      g->reset(t0);
      spikes.clear();
      g->advance(0, g->size(), t0, t1, {}, spikes, {});
      std::sort(spikes.begin(), spikes.end(), [](const Spike& a, const Spike& b) {
        if (a.step != b.step) return a.step < b.step;
        if (a.offset != b.offset) return a.offset < b.offset;
        return a.node < b.node;
      });
      for (auto it = range.first; it != range.second; ++it)
        for (const Spike& s : spikes) in.spikes[it->second][p].push_back({s.step - t0, s.node, s.value});
    }
    for (auto& src : fresh.sources) {
      src.reset(t0);
      events.clear();
      src.events(0, fresh.populations[src.target()]->size(), t0, t1, events);
      for (auto it = range.first; it != range.second; ++it)
        for (const InputEvent& ev : events) in.currents[it->second][src.target()].push_back({ev.step - t0, ev.target, ev.weight});
    }
  }
  // Current changes by step; within a step, sources in index order (as a block applies them).
  for (auto& trial : in.currents)
    for (auto& list : trial)
      std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
  return in;
}

NetworkGradient network_gradient(const Network& net, const TrialInputs& inputs, std::span<const std::int64_t> trials,
                                 int threads, const NetworkGradientOptions& options, bool want_gradient,
                                 std::vector<std::vector<double>>* reset_io, bool reset_frozen) {
  if (threads < 1) throw std::invalid_argument("network_gradient: threads must be >= 1");
  if (trials.empty()) throw std::invalid_argument("network_gradient: no trials given");
  const Plan plan = make_plan(net, options);
  if (reset_frozen && (!options.smooth || !reset_io || reset_io->size() != trials.size()))
    throw std::invalid_argument("network_gradient: frozen resets need the smooth variant and one entry per trial");
  std::map<std::int64_t, std::size_t> where;
  for (std::size_t e = 0; e < inputs.trials.size(); ++e) where.emplace(inputs.trials[e], e);
  std::vector<std::size_t> entry(trials.size());
  for (std::size_t b = 0; b < trials.size(); ++b) {
    auto it = where.find(trials[b]);
    if (it == where.end()) throw std::invalid_argument("network_gradient: trial " + std::to_string(trials[b]) + " was not recorded");
    entry[b] = it->second;
  }
  if (reset_io && !reset_frozen) reset_io->assign(trials.size(), {});

  const std::size_t B = trials.size(), K = net.projections.size();
  NetworkGradient res;
  res.trial_loss.assign(B, 0.0);
  res.trial_correct.assign(B, 0);
  std::vector<std::vector<double>> total(K);
  for (std::size_t k = 0; k < K; ++k)
    if (want_gradient && plan.pops[net.projections[k].target].differentiable())
      total[k].assign(net.projections[k].size(), 0.0);
  std::vector<std::exception_ptr> errors(B);
  constexpr std::size_t block = 16;  // bounds the per-trial gradient buffers held at once
  std::vector<std::vector<std::vector<double>>> part(want_gradient ? std::min(block, B) : 0, total);
  for (std::size_t b0 = 0; b0 < B; b0 += block) {
    const auto n = static_cast<std::ptrdiff_t>(std::min(block, B - b0));
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::ptrdiff_t e = 0; e < n; ++e) {
      try {  // exceptions must not leave an OpenMP region
        const std::size_t b = b0 + static_cast<std::size_t>(e);
        TrialRecord rec;
        std::vector<double> flat;
        if (reset_frozen) flat = (*reset_io)[b];
        forward(net, plan, options, inputs.spikes[entry[b]], inputs.currents[entry[b]], reset_frozen ? &flat : nullptr, rec);
        if (reset_io && !reset_frozen) {
          auto& r = (*reset_io)[b];
          for (std::size_t p = 0; p < plan.pops.size(); ++p)
            if (plan.pops[p].kind == Kind::lif) r.insert(r.end(), rec.reset[p].begin(), rec.reset[p].end());
        }
        ObjectiveResult obj = evaluate(net, plan, rec, trials[b]);
        res.trial_loss[b] = obj.loss;
        res.trial_correct[b] = obj.correct ? 1 : 0;
        if (!want_gradient) continue;
        for (double& d : obj.dloss_dtrace) d /= static_cast<double>(B);
        for (double& d : obj.dloss_dcounts) d /= static_cast<double>(B);
        auto& grad = part[static_cast<std::size_t>(e)];
        for (auto& g : grad) std::fill(g.begin(), g.end(), 0.0);
        backward(net, plan, options, rec, obj.dloss_dtrace, obj.dloss_dcounts, grad);
      } catch (...) {
        errors[b0 + static_cast<std::size_t>(e)] = std::current_exception();
      }
    }
    for (std::size_t e = 0; e < static_cast<std::size_t>(n); ++e) {
      if (errors[b0 + e]) std::rethrow_exception(errors[b0 + e]);
      if (!want_gradient) continue;
      for (std::size_t k = 0; k < K; ++k)
        for (std::size_t s = 0; s < total[k].size(); ++s) total[k][s] += part[e][k][s];
    }
  }
  double sum = 0.0;
  for (double l : res.trial_loss) sum += l;
  res.loss = sum / static_cast<double>(B);
  if (!want_gradient) return res;
  res.grad.resize(K);
  for (std::size_t k = 0; k < K; ++k) {
    if (total[k].empty() && !plan.pops[net.projections[k].target].differentiable()) continue;
    const Projection& proj = net.projections[k];
    const std::size_t n_pre = net.populations[proj.source]->size(), n_post = net.populations[proj.target]->size();
    res.grad[k].assign(n_pre * n_post, 0.0);
    for (std::size_t j = 0; j < n_pre; ++j)
      for (std::uint64_t s = proj.row[j]; s < proj.row[j + 1]; ++s) res.grad[k][j * n_post + proj.post[s]] += total[k][s];
  }
  res.synapse_grad = std::move(total);
  return res;
}

NetworkGradient network_gradient(const Network& net, std::span<const std::int64_t> trials, int threads,
                                 const NetworkGradientOptions& options) {
  TrialInputs in = record_inputs(net, trials);
  return network_gradient(net, in, trials, threads, options);
}

}  // namespace apical
