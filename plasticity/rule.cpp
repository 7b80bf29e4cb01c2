// The rule registry: an explicit list from config names to rules.
#include "plasticity/rule.hpp"

#include "plasticity/dendritic.hpp"
#include "plasticity/perturbation.hpp"
#include "plasticity/eprop.hpp"
#include "plasticity/rdd.hpp"
#include "plasticity/rmax.hpp"
#include "plasticity/rstdp.hpp"
#include "plasticity/stdp.hpp"

namespace apical {

const std::vector<std::string>& rule_names() {
  static const std::vector<std::string> names = {"stdp_pair", "stdp_triplet", "rstdp",
                                                 "weight_perturbation", "node_perturbation", "eprop",
                                                 "feedback_alignment", "superspike", "rdd", "rmax",
                                                 "urbanczik_senn_2014", "sacramento_2018_basal",
                                                 "sacramento_2018_interneuron", "sacramento_2018_apical"};
  return names;
}

std::unique_ptr<Rule> make_rule(const std::string& name, const ConfigNode& table) {
  if (name == "stdp_pair") return std::make_unique<StdpPair>(StdpPair::parse(table));
  if (name == "stdp_triplet") return std::make_unique<StdpTriplet>(StdpTriplet::parse(table));
  if (name == "rstdp") return std::make_unique<Rstdp>(Rstdp::parse(table));
  if (name == "weight_perturbation") return std::make_unique<WeightPerturbation>(PerturbationParams::parse(table));
  if (name == "node_perturbation") return std::make_unique<NodePerturbation>(PerturbationParams::parse(table));
  if (name == "eprop" || name == "feedback_alignment" || name == "superspike")
    return std::make_unique<GradientRule>(GradientRule::parse(table, name));
  if (name == "rdd") return std::make_unique<Rdd>(Rdd::parse(table));
  if (name == "rmax") return std::make_unique<Rmax>(Rmax::parse(table));
  if (name == "urbanczik_senn_2014") return std::make_unique<UrbanczikSenn>(UrbanczikSenn::parse(table));
  if (name == "sacramento_2018_basal" || name == "sacramento_2018_interneuron" || name == "sacramento_2018_apical")
    return std::make_unique<SacramentoRule>(SacramentoRule::parse(table, name));
  return nullptr;  // the caller checked the name against rule_names()
}

}  // namespace apical
