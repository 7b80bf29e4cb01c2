// Pieces of build_network shared between its source files.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "sim/network.hpp"

namespace apical::detail {

struct PopulationContext {
  std::string name;
  std::size_t size;
  std::uint32_t index;  // position in the network, the owner of its random streams
  Grid grid;
  std::uint64_t seed;
  Step trial_length;        // 0 without [trials]
  const ConfigNode& table;  // the population's table (for `initial`)
};

const std::vector<std::string>& model_names();
// The population a key names, or a ConfigError with a did-you-mean hint.
std::size_t population_of(const Network& net, const ConfigNode& t, const std::string& key);
// The projection called `name` (given by key `key` of t), or a ConfigError with a did-you-mean hint.
std::size_t projection_of(const Network& net, const ConfigNode& t, const std::string& key, const std::string& name);
std::unique_ptr<Population> make_population(const PopulationContext& ctx, const std::string& model,
                                            const ConfigNode& params);
// Gives a projection the rule its plasticity table describes, checked against the target's
// observables. measure: force measure mode (apical compare). Once the whole network is built,
// link_rule connects the rule to what it reads beyond its synapses (objective, readout).
void attach_rule(Projection& proj, const Network& net, Population& post, const ConfigNode& plasticity,
                 bool measure = false);
void link_rule(Network& net, std::size_t projection, const ConfigNode& plasticity);
Projection make_projection(const Network& net, const ConfigNode& table, const std::string& name,
                           std::uint32_t index);

}  // namespace apical::detail
