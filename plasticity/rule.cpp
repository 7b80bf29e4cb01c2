// The rule registry: an explicit list from config names to rules.
#include "plasticity/rule.hpp"

#include "plasticity/rmax.hpp"
#include "plasticity/rstdp.hpp"
#include "plasticity/stdp.hpp"

namespace apical {

const std::vector<std::string>& rule_names() {
  static const std::vector<std::string> names = {"stdp_pair", "stdp_triplet", "rstdp", "rmax"};
  return names;
}

std::unique_ptr<Rule> make_rule(const std::string& name, const ConfigNode& table) {
  if (name == "stdp_pair") return std::make_unique<StdpPair>(StdpPair::parse(table));
  if (name == "stdp_triplet") return std::make_unique<StdpTriplet>(StdpTriplet::parse(table));
  if (name == "rstdp") return std::make_unique<Rstdp>(Rstdp::parse(table));
  if (name == "rmax") return std::make_unique<Rmax>(Rmax::parse(table));
  return nullptr;  // the caller checked the name against rule_names()
}

}  // namespace apical
