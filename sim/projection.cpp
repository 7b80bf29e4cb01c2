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

}  // namespace apical
