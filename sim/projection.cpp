#include "sim/projection.hpp"

#include <algorithm>

namespace apical {

void assemble(Projection& p, std::size_t n_source, std::vector<SynapseSpec> syn) {
  std::stable_sort(syn.begin(), syn.end(), [](const SynapseSpec& a, const SynapseSpec& b) {
    return a.pre != b.pre ? a.pre < b.pre : a.post < b.post;
  });
  p.row.assign(n_source + 1, 0);
  p.post.resize(syn.size());
  p.weight.resize(syn.size());
  p.delay.clear();
  bool uniform = true;
  for (std::size_t k = 0; k < syn.size(); ++k) {
    ++p.row[syn[k].pre + 1];
    p.post[k] = syn[k].post;
    p.weight[k] = syn[k].weight;
    uniform = uniform && syn[k].delay == syn[0].delay;
  }
  for (std::size_t i = 0; i < n_source; ++i) p.row[i + 1] += p.row[i];
  p.min_delay = p.max_delay = p.common_delay = syn.empty() ? 1 : syn[0].delay;
  if (!uniform) {
    p.delay.resize(syn.size());
    for (std::size_t k = 0; k < syn.size(); ++k) {
      p.delay[k] = static_cast<std::uint16_t>(syn[k].delay);
      p.min_delay = std::min(p.min_delay, syn[k].delay);
      p.max_delay = std::max(p.max_delay, syn[k].delay);
    }
  }
}

void make_plastic(Projection& p, std::size_t n_target, const std::vector<std::string>& target_observables,
                  std::unique_ptr<Rule> rule, WeightUpdate::Settings s) {
  const std::size_t n_source = p.row.size() - 1;
  // Post-major index by counting sort: each target's synapses in ascending synapse order.
  p.in_row.assign(n_target + 1, 0);
  for (auto t : p.post) ++p.in_row[t + 1];
  for (std::size_t j = 0; j < n_target; ++j) p.in_row[j + 1] += p.in_row[j];
  p.in_syn.resize(p.size());
  std::vector<std::uint64_t> fill(p.in_row.begin(), p.in_row.end() - 1);
  for (std::size_t k = 0; k < p.size(); ++k) p.in_syn[fill[p.post[k]]++] = static_cast<std::uint32_t>(k);
  p.rule = std::move(rule);
  p.update = std::make_unique<WeightUpdate>(s, std::span<double>(p.weight));
  p.rule->bind(SynapseTable{n_source, n_target, p.row, p.post, p.weight, p.delay.empty() ? p.common_delay : 0},
               target_observables);
}

std::vector<std::uint32_t> Projection::sources() const {
  std::vector<std::uint32_t> s(size());
  for (std::size_t i = 0; i + 1 < row.size(); ++i)
    for (std::uint64_t k = row[i]; k < row[i + 1]; ++k) s[k] = static_cast<std::uint32_t>(i);
  return s;
}

}  // namespace apical
