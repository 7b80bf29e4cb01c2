// The rule registry: an explicit list from config names to rules.
#include "plasticity/rule.hpp"

#include "plasticity/perturbation.hpp"
#include "plasticity/rstdp.hpp"
#include "plasticity/stdp.hpp"

namespace apical {

const std::vector<std::string>& rule_names() {
  static const std::vector<std::string> names = {"stdp_pair", "stdp_triplet", "rstdp",
                                                 "weight_perturbation", "node_perturbation"};
  return names;
}

std::unique_ptr<Rule> make_rule(const std::string& name, const ConfigNode& table) {
  if (name == "stdp_pair") return std::make_unique<StdpPair>(StdpPair::parse(table));
  if (name == "stdp_triplet") return std::make_unique<StdpTriplet>(StdpTriplet::parse(table));
  if (name == "rstdp") return std::make_unique<Rstdp>(Rstdp::parse(table));
  if (name == "weight_perturbation") return std::make_unique<WeightPerturbation>(PerturbationParams::parse(table));
  if (name == "node_perturbation") return std::make_unique<NodePerturbation>(PerturbationParams::parse(table));
  return nullptr;  // the caller checked the name against rule_names()
}

}  // namespace apical
