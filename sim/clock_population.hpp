// A population updated once per grid step (DESIGN.md "clock-driven"): lif_discrete, li_readout.
// Inputs arriving anywhere in step t are summed into that step's input x_t; spikes lie on the grid.
#pragma once
#include <cmath>

#include "sim/population.hpp"

namespace apical {

template <class M>
class ClockPopulation final : public Population {
 public:
  using State = typename M::State;
  using Params = typename M::Params;

  ClockPopulation(std::string name, std::size_t size, Grid grid, Params params,
                  std::vector<State> initial)
      : Population(std::move(name), M::name, size, grid), p_(params), initial_(std::move(initial)) {
    reset(0);
  }

  std::vector<std::string> receptors() const override { return {M::receptors.begin(), M::receptors.end()}; }
  std::vector<std::string> observables() const override { return {M::observables.begin(), M::observables.end()}; }
  std::vector<std::string> observable_units() const override {
    return {M::observable_units.begin(), M::observable_units.end()};
  }
  bool clock_driven() const override { return true; }
  const Params& params() const { return p_; }

  void reset(Step) override {
    state_ = initial_;
    I_ext_.assign(size(), 0.0);
  }
  double observable(std::size_t i, int k) const override { return M::observable(state_[i], k); }
  std::int64_t first_non_finite(std::size_t first, std::size_t last) const override {
    for (std::size_t i = first; i < last; ++i)
      for (std::size_t k = 0; k < M::observables.size(); ++k)
        if (!std::isfinite(M::observable(state_[i], static_cast<int>(k)))) return static_cast<std::int64_t>(i);
    return -1;
  }

  void advance(std::size_t first, std::size_t last, Step t0, Step t1,
               std::span<const InputEvent> events, std::vector<Spike>& spikes,
               std::span<Sampler*> samplers) override {
    std::size_t e = 0;
    for (std::size_t i = first; i < last; ++i) {
      for (Step t = t0; t < t1; ++t) {
        sample(i, t, samplers);
        double x = 0.0;
        for (; e < events.size() && events[e].target == i && events[e].step == t; ++e) {
          if (events[e].port == kCurrentPort) I_ext_[i] += events[e].weight;
          else x += arrive(events[e], Time{t, events[e].offset});
        }
        if (M::step(state_[i], p_, x + I_ext_[i])) {
          spikes.push_back({t, 0.0, static_cast<std::uint32_t>(i)});
          post_spike(static_cast<std::uint32_t>(i), Time{t, 0.0});
        }
      }
    }
  }

 private:
  void sample(std::size_t i, Step t, std::span<Sampler*> samplers) {
    for (Sampler* s : samplers) {
      if (!s->is_sample_step(t)) continue;
      auto it = std::lower_bound(s->nodes.begin(), s->nodes.end(), static_cast<std::uint32_t>(i));
      if (it == s->nodes.end() || *it != i) continue;
      std::size_t rank = static_cast<std::size_t>(it - s->nodes.begin());
      double* row = s->rows.data() + static_cast<std::size_t>(t - s->first_row_step) / s->interval * s->columns();
      for (std::size_t v = 0; v < s->variables.size(); ++v)
        row[rank * s->variables.size() + v] = M::observable(state_[i], s->variables[v]);
    }
  }

  Params p_;
  std::vector<State> initial_;
  std::vector<State> state_;
  std::vector<double> I_ext_;
};

}  // namespace apical
