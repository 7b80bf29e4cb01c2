#include "plasticity/perturbation.hpp"

#include <algorithm>

#include "core/rng.hpp"

namespace apical {

PerturbationParams PerturbationParams::parse(const ConfigNode& t) {
  PerturbationParams p;
  p.sigma = t.number("sigma", 1e-3, Check::positive());
  p.paired = t.choice("baseline", {"paired", "delivered"}, "paired") == "paired";
  return p;
}

void WeightPerturbation::begin_trial(const TrialStart& start, WeightUpdate& out) {
  perturbed_ = base_.perturbed(start.trial);
  std::span<double> xi = out.perturbation();
  const auto block = static_cast<std::uint32_t>(start.trial);
  for (std::size_t s = 0; s < xi.size(); ++s)
    xi[s] = perturbed_ ? base_.sigma() * RandomStream(start.seed, StreamKind::perturbation, start.projection,
                                                      static_cast<std::uint32_t>(s), block).normal()
                       : 0.0;
}

void WeightPerturbation::on_third_factor(std::uint32_t post, Millis, double value,
                                         std::span<const std::uint32_t> incoming, PostState, WeightUpdate& out) {
  double f = 0.0;
  if (!base_.factor(perturbed_, post, value, &f)) return;
  std::span<const double> xi = out.perturbation();
  for (std::uint32_t syn : incoming) out.propose(syn, f * xi[syn]);  // raw = (R - R_0) xi / sigma^2 = -u
}

void NodePerturbation::bind(const SynapseTable& s, const std::vector<std::string>&) {
  base_.bind(s.n_post);
  e_.assign(s.size(), 0.0);
  zeta_.assign(s.n_post, 0.0);
}

void NodePerturbation::reset() {
  std::fill(e_.begin(), e_.end(), 0.0);
  std::fill(zeta_.begin(), zeta_.end(), 0.0);
}

void NodePerturbation::begin_trial(const TrialStart& start, WeightUpdate&) {
  perturbed_ = base_.perturbed(start.trial);
  seed_ = start.seed;
  owner_ = start.projection;
}

double NodePerturbation::node_perturbation(std::uint32_t post, Step t) {
  zeta_[post] = perturbed_ ? base_.sigma() * RandomStream(seed_, StreamKind::perturbation, owner_, post,
                                                          static_cast<std::uint32_t>(t)).normal()
                           : 0.0;
  return zeta_[post];
}

void NodePerturbation::on_third_factor(std::uint32_t post, Millis, double value,
                                       std::span<const std::uint32_t> incoming, PostState, WeightUpdate& out) {
  double f = 0.0;
  if (!base_.factor(perturbed_, post, value, &f)) return;
  for (std::uint32_t syn : incoming) out.propose(syn, f * e_[syn]);  // raw = (R - R_0) e / sigma^2 = -u
}

}  // namespace apical
