// The source neuron of a synapse, found from the projection's rows instead of stored per synapse.
//
// Synapses are stored by source (rows: synapses of source i are row[i] .. row[i+1]-1), so the
// source of synapse k is the i with row[i] <= k < row[i+1]. A coarse table gives, for every
// bucket of 2^shift consecutive synapses, the source of its first synapse; the source of k is then
// found by bisection of `row` between the sources of its bucket's first synapse and the next
// bucket's, usually 1-3 entries. The table costs 4 bytes per bucket, with buckets of two to four
// mean rows (shift = floor(log2(synapses per source)) + 2): 0.02-0.13 bytes per synapse, against
// 4 for a stored source index. Rules that need the source at a postsynaptic spike (presynaptic
// traces kept per source neuron, plasticity/source_traces.hpp) build one; the others pay nothing.
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace apical {

class SourceIndex {
 public:
  SourceIndex() = default;
  explicit SourceIndex(std::span<const std::uint64_t> row) { build(row); }

  void build(std::span<const std::uint64_t> row) {
    row_ = row;
    bucket_.clear();
    const std::size_t n_pre = row.empty() ? 0 : row.size() - 1;
    const std::uint64_t n_syn = row.empty() ? 0 : row.back();
    if (n_pre == 0 || n_syn == 0) return;
    shift_ = 2;
    for (std::uint64_t per = n_syn / n_pre; per > 1; per >>= 1) ++shift_;
    const std::uint64_t buckets = ((n_syn - 1) >> shift_) + 1;
    bucket_.resize(buckets + 1);
    std::size_t i = 0;
    for (std::uint64_t b = 0; b < buckets; ++b) {
      const std::uint64_t k = b << shift_;
      while (row[i + 1] <= k) ++i;  // the source of synapse k: row[i] <= k < row[i+1]
      bucket_[b] = static_cast<std::uint32_t>(i);
    }
    bucket_[buckets] = static_cast<std::uint32_t>(n_pre - 1);  // sentinel: the last source
  }

  // The source neuron of synapse k (k < number of synapses).
  std::uint32_t operator()(std::uint64_t k) const {
    const std::uint64_t b = k >> shift_;
    // The answer lies in [bucket_[b], bucket_[b+1]]: the first i with row[i] > k is in
    // (bucket_[b], bucket_[b+1] + 1].
    auto lo = row_.begin() + bucket_[b] + 1, hi = row_.begin() + bucket_[b + 1] + 2;
    return static_cast<std::uint32_t>(std::upper_bound(lo, hi, k) - row_.begin() - 1);
  }
  std::size_t bytes() const { return bucket_.size() * sizeof(std::uint32_t); }

 private:
  std::span<const std::uint64_t> row_;
  std::vector<std::uint32_t> bucket_;
  unsigned shift_ = 0;
};

}  // namespace apical
