// Presynaptic traces kept per source neuron instead of per synapse (issue 4's memory goal).
//
// A presynaptic trace counts the spikes that have arrived at a synapse: x -> x e^-dt/tau between
// arrivals, x += 1 (or x = 1, nearest pairing) at each. When every synapse of a projection has
// the same delay d, the spikes of source i arrive at all of its synapses at the same times
// t_k + d, so all those synapses would keep the same trace: one per source neuron is exact,
// 16 bytes per source instead of 16 per synapse. Projections whose delays differ keep the trace
// per synapse (plasticity/stdp.hpp, `presynaptic`).
//
// What a synapse "has seen" is still per synapse: at a spike of its target neuron, the arrivals
// that neuron has processed. A neuron processes its inputs in time order, all inputs of one time
// together (sim/*_population.hpp), so those are exactly the arrivals with time <= the time of the
// last arrival of this projection the neuron processed (`seen`, kept per postsynaptic neuron; a
// postsynaptic spike at the same time as an arrival may come before or after it, depending on
// the model's event loop, and `seen` tells which).
//
// Threads: hooks of different target neurons run in parallel, and all of them read the traces of
// shared sources, so the traces change only between epochs, on the scheduler's thread
// (Rule::on_source_arrivals): every arrival before the next epoch is folded into its source's
// trace, in time order; arrivals at or after it wait in a short list per source (spikes of the
// last delay's worth of epochs), which hooks fold into a copy when `seen` covers them. The
// trace's value is therefore computed by the same operations, in the same order, as a per-synapse
// trace: results are bit-identical (tests/validation/test_source_traces.cpp).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "core/time.hpp"
#include "plasticity/source_index.hpp"

namespace apical {

// Time as the rules see it: ms since the start of the run.
using Millis = double;

// An exponentially decaying trace, updated lazily at the events that read it.
struct Trace {
  double value = 0.0;
  Millis last = 0.0;
  double at(Millis t, double tau) const { return value * std::exp(-(t - last) / tau); }
  // A spike of the trace's own side at t: +1 (all-to-all), or back to 1 (nearest).
  void bump(Millis t, double tau, bool nearest = false) {
    value = nearest ? 1.0 : at(t, tau) + 1.0;
    last = t;
  }
};

// The arrival of one spike of source neuron `source` at all of its synapses (one common delay).
struct SourceArrival {
  std::uint32_t source;
  Step step;  // arrival's grid step
  Millis t;   // arrival time, exactly as the target's hooks see it
};

class SourceTraces {
 public:
  void bind(std::span<const std::uint64_t> row, std::size_t n_post, double tau, bool nearest) {
    source_of_.build(row);
    tau_ = tau;
    nearest_ = nearest;
    src_.assign(row.empty() ? 0 : row.size() - 1, Source{});
    seen_.assign(n_post, kNever);
    pending_.clear();
    active_.clear();
  }
  void reset() {
    std::fill(src_.begin(), src_.end(), Source{});
    std::fill(seen_.begin(), seen_.end(), kNever);
    pending_.clear();
    active_.clear();
  }

  // Scheduler's thread, between epochs: the arrivals of the epoch's source spikes (in time order)
  // join the waiting ones; every arrival before step `next` (the next epoch's start, whose inputs
  // all targets have processed) is folded into its source's trace.
  void arrivals(std::span<const SourceArrival> fresh, Step next) {
    if (fresh.empty() && active_.empty()) return;
    scratch_.clear();
    for (std::uint32_t i : active_) {
      Source& s = src_[i];
      for (std::uint32_t k = s.first; k < s.first + s.count; ++k) scratch_.push_back({i, pending_[k].step, pending_[k].t});
      s.count = 0;
    }
    scratch_.insert(scratch_.end(), fresh.begin(), fresh.end());
    // Grouped by source; within a source, time order (waiting arrivals are older than fresh ones).
    std::stable_sort(scratch_.begin(), scratch_.end(),
                     [](const SourceArrival& a, const SourceArrival& b) { return a.source < b.source; });
    pending_.clear();
    active_.clear();
    for (const SourceArrival& a : scratch_) {
      Source& s = src_[a.source];
      if (a.step < next && s.count == 0) {
        s.trace.bump(a.t, tau_, nearest_);
        continue;
      }
      if (s.count == 0) {
        s.first = static_cast<std::uint32_t>(pending_.size());
        active_.push_back(a.source);
      }
      pending_.push_back({a.step, a.t});
      ++s.count;
    }
  }

  // Target neuron `post` processes an arrival of this projection at t.
  void saw(std::uint32_t post, Millis t) { seen_[post] = t; }
  Millis seen(std::uint32_t post) const { return seen_[post]; }
  std::uint32_t source(std::uint64_t syn) const { return source_of_(syn); }

  // The trace of synapse `syn` at t, as a target that has processed the arrivals up to `seen`
  // sees it.
  double at(std::uint64_t syn, Millis seen, Millis t) const {
    const Source& s = src_[source_of_(syn)];
    if (s.count == 0 || pending_[s.first].t > seen) return s.trace.at(t, tau_);
    Trace tr = s.trace;
    for (std::uint32_t k = s.first; k < s.first + s.count && pending_[k].t <= seen; ++k) tr.bump(pending_[k].t, tau_, nearest_);
    return tr.at(t, tau_);
  }

  std::size_t bytes() const {
    return src_.size() * sizeof(Source) + seen_.size() * sizeof(Millis) + source_of_.bytes();
  }

 private:
  static constexpr Millis kNever = -std::numeric_limits<double>::infinity();
  struct Source {
    Trace trace;                        // every arrival before the current epoch
    std::uint32_t first = 0, count = 0;  // its waiting arrivals: pending_[first, first + count)
  };
  struct Waiting {
    Step step;
    Millis t;
  };
  SourceIndex source_of_;
  double tau_ = 1.0;
  bool nearest_ = false;
  std::vector<Source> src_;
  std::vector<Millis> seen_;        // per postsynaptic neuron
  std::vector<Waiting> pending_;    // grouped by source
  std::vector<std::uint32_t> active_;  // sources with waiting arrivals
  std::vector<SourceArrival> scratch_;
};

}  // namespace apical
