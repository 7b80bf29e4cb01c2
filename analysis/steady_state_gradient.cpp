#include "analysis/steady_state_gradient.hpp"

#include <cmath>

#include "core/error.hpp"
#include "sim/cable_population.hpp"
#include "sim/generators.hpp"

namespace apical {

namespace {

constexpr const char* kPyramidal = "sacramento_2018_pyramidal";

struct Layer {
  std::size_t population = 0;
  double gain = 0;                   // a of v = a W^T r
  const SigmoidRate* phi = nullptr;
  std::vector<std::size_t> basal;    // projections into basal.syn
  std::vector<std::size_t> teacher;  // value_generator projections into soma.nudge
};

std::string receptor_name(const Network& net, const Projection& p) {
  return net.populations[p.target]->receptors()[static_cast<std::size_t>(p.receptor)];
}

[[noreturn]] void refuse(const Network& net, const std::string& what) {
  throw ConfigError(net.config_path + ": steady-state reference: " + what);
}

// int phi(s) ds for phi(s) = phi_max / (1 + k e^{beta (theta - s)}): (phi_max / beta) ln(e^z + k),
// z = beta (s - theta), written so that it neither overflows nor loses digits for large |z|.
double phi_integral(const SigmoidRate& f, double s) {
  const double z = f.beta * (s - f.theta);
  const double log_sum = z > 0 ? z + std::log1p(f.k * std::exp(-z)) : std::log(f.k) + std::log1p(std::exp(z) / f.k);
  return f.phi_max / f.beta * log_sum;
}

double dphi(const SigmoidRate& f, double v) { return f(v) * f.log_slope(v); }

// The pyramidal layers in an order in which every basal source comes first.
std::vector<Layer> layers_of(const Network& net) {
  std::vector<Layer> found;
  std::vector<std::size_t> layer_of(net.populations.size(), SIZE_MAX);
  for (std::size_t i = 0; i < net.populations.size(); ++i) {
    const auto* cable = dynamic_cast<const CablePopulation*>(net.populations[i].get());
    if (!cable || cable->model() != kPyramidal) continue;
    if (cable->spec().output != CableSpec::Output::rate)
      refuse(net, "'" + cable->name() + "' spikes (output = \"hazard\"); the steady state is that of rate outputs");
    if (cable->spec().phi.beta == 0.0) refuse(net, "'" + cable->name() + "' has beta = 0: phi is constant");
    Layer l;
    l.population = i;
    l.phi = &cable->spec().phi;
    for (const auto& o : cable->spec().observables)
      if (o.name == "v_B_hat") l.gain = o.terms.at(0).second;
    layer_of[i] = found.size();
    found.push_back(l);
  }
  for (std::size_t k = 0; k < net.projections.size(); ++k) {
    const Projection& p = net.projections[k];
    if (layer_of[p.target] == SIZE_MAX) continue;
    const std::string rec = receptor_name(net, p);
    const auto& src = *net.populations[p.source];
    const bool from_values = dynamic_cast<const ValueGenerator*>(&src) != nullptr;
    if (rec == "basal.syn") {
      if (!from_values && layer_of[p.source] == SIZE_MAX)
        refuse(net, "projection '" + p.name + "' reaches basal.syn from '" + src.name() + "' (" + src.model() +
                        "); the steady state is defined for value_generator and " + kPyramidal + " sources");
      found[layer_of[p.target]].basal.push_back(k);
    } else if (rec == "soma.nudge" && from_values) {
      found[layer_of[p.target]].teacher.push_back(k);
    }
  }
  // Topological order (Kahn's algorithm over the basal projections between pyramidal layers).
  std::vector<Layer> ordered;
  std::vector<bool> placed(found.size(), false);
  while (ordered.size() < found.size()) {
    bool progress = false;
    for (std::size_t l = 0; l < found.size(); ++l) {
      if (placed[l]) continue;
      bool ready = true;
      for (auto k : found[l].basal) {
        const auto s = layer_of[net.projections[k].source];
        ready = ready && (s == SIZE_MAX || placed[s]);
      }
      if (!ready) continue;
      placed[l] = true;
      ordered.push_back(found[l]);
      progress = true;
    }
    if (!progress) refuse(net, "the basal projections between pyramidal populations form a loop");
  }
  bool teacher = false;
  for (const auto& l : ordered) teacher = teacher || !l.teacher.empty();
  if (!teacher)
    refuse(net, std::string("no value_generator nudges a ") + kPyramidal +
                    " population (soma.nudge): there is no target to differentiate");
  return ordered;
}

// What population `pop` presents in a trial of `sample`: a value_generator's values.
std::vector<double> presented(const Network& net, std::size_t pop, std::size_t sample) {
  const auto& g = dynamic_cast<const ValueGenerator&>(*net.populations[pop]);
  if (g.steps() != 1) refuse(net, "'" + g.name() + "' presents a time series, which has no steady state");
  std::vector<double> x(g.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = g.value(sample % g.samples(), 0, i);
  return x;
}

// Adds the gradient of one sample's loss (scaled by `weight`) into `out` and returns the loss.
double one_sample(const Network& net, const std::vector<Layer>& layers, std::size_t sample, double weight,
                NetworkGradient& out) {
  const std::size_t P = net.populations.size();
  std::vector<std::vector<double>> r(P), v(P), delta(P);
  auto rate_of = [&](std::size_t pop) -> const std::vector<double>& {
    if (r[pop].empty()) r[pop] = presented(net, pop, sample);
    return r[pop];
  };
  for (const auto& l : layers) {
    auto& vl = v[l.population];
    vl.assign(net.populations[l.population]->size(), 0.0);
    for (auto k : l.basal) {
      const Projection& p = net.projections[k];
      const auto& rs = rate_of(p.source);
      for (std::size_t i = 0; i + 1 < p.row.size(); ++i)
        for (auto s = p.row[i]; s < p.row[i + 1]; ++s) vl[p.post[s]] += p.weight[s] * rs[i];
    }
    for (auto& x : vl) x *= l.gain;
    r[l.population].resize(vl.size());
    for (std::size_t j = 0; j < vl.size(); ++j) r[l.population][j] = (*l.phi)(vl[j]);
  }
  // Outputs: the teacher's targets, the loss and dL/dv.
  double loss = 0;
  for (const auto& l : layers) {
    const auto& vl = v[l.population];
    delta[l.population].assign(vl.size(), 0.0);
    if (l.teacher.empty()) continue;
    std::vector<double> x(vl.size(), 0.0);
    for (auto k : l.teacher) {
      const Projection& p = net.projections[k];
      const auto& xs = rate_of(p.source);
      for (std::size_t i = 0; i + 1 < p.row.size(); ++i)
        for (auto s = p.row[i]; s < p.row[i + 1]; ++s) x[p.post[s]] += p.weight[s] * xs[i];
    }
    const SigmoidRate& f = *l.phi;
    for (std::size_t j = 0; j < vl.size(); ++j) {
      if (x[j] == 0.0) continue;  // no input, no nudging (as soma.nudge)
      const double target = f.inverse(x[j]);
      loss += f(vl[j]) * (vl[j] - target) - (phi_integral(f, vl[j]) - phi_integral(f, target));
      delta[l.population][j] = dphi(f, vl[j]) * (vl[j] - target);
    }
  }
  // Backward, last layer first: by then every layer a layer feeds has added its dL/dr.
  std::vector<std::vector<double>> dr(P);
  for (auto l = layers.rbegin(); l != layers.rend(); ++l) {
    auto& d = delta[l->population];
    if (!dr[l->population].empty())
      for (std::size_t j = 0; j < d.size(); ++j) d[j] += dphi(*l->phi, v[l->population][j]) * dr[l->population][j];
    for (auto k : l->basal) {
      const Projection& p = net.projections[k];
      const auto& rs = r[p.source];
      const std::size_t n_post = d.size();
      const bool hidden = !v[p.source].empty();  // a pyramidal source: its dL/dr
      if (hidden && dr[p.source].empty()) dr[p.source].assign(rs.size(), 0.0);
      auto& g = out.grad[k];
      for (std::size_t i = 0; i + 1 < p.row.size(); ++i)
        for (auto s = p.row[i]; s < p.row[i + 1]; ++s) {
          g[i * n_post + p.post[s]] += weight * l->gain * rs[i] * d[p.post[s]];
          if (hidden) dr[p.source][i] += l->gain * p.weight[s] * d[p.post[s]];
        }
    }
  }
  return loss;
}

}  // namespace

NetworkGradient steady_state_gradient(const Network& net, std::span<const std::int64_t> trials) {
  const std::vector<Layer> layers = layers_of(net);
  NetworkGradient out;
  out.grad.resize(net.projections.size());
  for (const auto& l : layers)
    for (auto k : l.basal) {
      const Projection& p = net.projections[k];
      out.grad[k].assign((p.row.size() - 1) * net.populations[p.target]->size(), 0.0);
    }
  if (trials.empty()) return out;
  const double weight = 1.0 / static_cast<double>(trials.size());
  for (auto t : trials) {
    out.trial_loss.push_back(one_sample(net, layers, net.trials.sample_of(t), weight, out));
    out.loss += weight * out.trial_loss.back();
  }
  return out;
}

}  // namespace apical
