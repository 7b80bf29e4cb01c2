// A projection: the synapses from one population onto another, one receptor.
//
// Storage: compressed rows by source neuron, each row sorted by target, so that a spike finds its
// synapses in one contiguous range and each block of target neurons finds its part of that range
// by binary search: the synapses are read only by the block that owns their target, inside its
// time-ordered loop (DESIGN.md "stored with their target"). Per synapse: target (uint32) and
// weight (double), 12 bytes; a per-synapse delay (uint16 steps) only when delays differ.
// Plastic projections add the post-major index (uint32, 4 bytes) that postsynaptic hooks walk,
// and whatever per-synapse state their rule keeps. The source of a synapse is not stored: the
// rows give it (sources(); rules that need it at run time use plasticity/source_index.hpp).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "plasticity/rule.hpp"

namespace apical {

struct Projection {
  std::string name;
  std::size_t source = 0, target = 0;  // population indices
  int receptor = 0;                    // receptor index of the target's model
  std::vector<std::uint64_t> row;      // [n_source + 1] offsets into post/weight/delay
  std::vector<std::uint32_t> post;
  std::vector<double> weight;
  std::vector<std::uint16_t> delay;    // steps; empty when every synapse has `common_delay`
  Step common_delay = 1;
  Step min_delay = 1, max_delay = 1;

  // Plasticity (empty for static projections). Plastic synapses are read at arrival, not at
  // delivery, so that a weight changed in between is the one used.
  std::unique_ptr<Rule> rule;
  std::unique_ptr<WeightUpdate> update;
  std::vector<std::uint64_t> in_row;    // [n_target + 1]: post-major index of the synapses...
  std::vector<std::uint32_t> in_syn;    // ...of each target neuron, for postsynaptic hooks

  bool plastic() const { return rule != nullptr; }
  std::span<const std::uint32_t> incoming(std::uint32_t neuron) const {
    return {in_syn.data() + in_row[neuron], in_syn.data() + in_row[neuron + 1]};
  }
  std::size_t size() const { return post.size(); }
  // The source neuron of every synapse, computed from the rows (not stored).
  std::vector<std::uint32_t> sources() const;
  Step delay_of(std::size_t k) const { return delay.empty() ? common_delay : delay[k]; }
};

// A synapse before it is put in rows: what the connectivity rules and edge files produce.
struct SynapseSpec {
  std::uint32_t pre, post;
  double weight;
  Step delay;
};

// Sort by (pre, post, order produced) and fill the rows. Delays are stored per synapse only if
// they differ.
void assemble(Projection& p, std::size_t n_source, std::vector<SynapseSpec> synapses);
// Give a projection its rule: builds the indices plasticity needs and binds the rule.
void make_plastic(Projection& p, std::size_t n_target, const std::vector<std::string>& target_observables,
                  std::unique_ptr<Rule> rule, WeightUpdate::Settings s);

}  // namespace apical
