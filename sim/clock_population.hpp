// A population updated once per grid step (DESIGN.md "clock-driven"): lif_discrete, li_readout.
// Inputs arriving anywhere in step t are summed into that step's input x_t; spikes lie on the grid.
#pragma once
#include <cmath>

#include "core/rng.hpp"
#include "sim/model_population.hpp"

namespace apical {

template <class M>
class ClockPopulation final : public ModelPopulation<M> {
  using Base = ModelPopulation<M>;
  using Base::I_ext_, Base::p_, Base::state_;

 public:
  using typename Base::Params, typename Base::State;

  // Models that spike stochastically (a step(state, params, x, I, rng), e.g. lif_escape) get one
  // counter-based stream per neuron, keyed by (seed, StreamKind::spiking, owner, neuron).
  static constexpr bool stochastic = requires(State& st, const Params& pp, RandomStream& r) { M::step(st, pp, 0.0, 0.0, r); };

  ClockPopulation(std::string name, std::size_t size, Grid grid, Params params, std::vector<State> initial,
                  std::uint64_t seed = 0, std::uint32_t owner = 0)
      : Base(std::move(name), size, grid, params, std::move(initial)) {
    if constexpr (stochastic) {
      for (std::size_t i = 0; i < size; ++i) rng_.emplace_back(seed, StreamKind::spiking, owner, static_cast<std::uint32_t>(i));
      redraw();
    }
  }

  bool graded() const override { return requires(const State& st, const Params& pp) { M::output(st, pp); }; }
  void reset(Step) override {
    Base::reset_state();
    if constexpr (stochastic) redraw();  // the streams continue: every trial gets fresh noise
  }

  std::int64_t advance(std::size_t first, std::size_t last, Step t0, Step t1,
               std::span<const InputEvent> events, std::vector<Spike>& spikes,
               std::span<Sampler*> samplers) override {
    std::size_t e = 0;
    std::int64_t bad = -1;
    for (std::size_t i = first; i < last; ++i) {
      for (Step t = t0; t < t1; ++t) {
        sample(i, t, samplers);
        double x = 0.0;
        for (; e < events.size() && events[e].target == i && events[e].step == t; ++e) {
          if (events[e].port == kCurrentPort) I_ext_[i] += events[e].weight;
          else if (events[e].projection < 0) x += events[e].weight;
          else x += this->arrive_plastic(events[e], Time{t, events[e].offset}, Base::observables_of(state_[i]));
        }
        if constexpr (requires(const State& st) { M::output(st, p_); }) {  // a rate unit
          double out = M::output(state_[i], p_);
          if (out != 0.0) spikes.push_back({t, 0.0, static_cast<std::uint32_t>(i), out});
        }
        const State before = state_[i];  // the state thresholded at step t
        bool spiked;
        if constexpr (stochastic) spiked = M::step(state_[i], p_, x, I_ext_[i], rng_[i]);
        else spiked = M::step(state_[i], p_, x + I_ext_[i]);
        if (spiked) {
          spikes.push_back({t, 0.0, static_cast<std::uint32_t>(i)});
          if (this->has_plastic_input())
            this->post_spike(static_cast<std::uint32_t>(i), Time{t, 0.0}, Base::observables_of(before));
        }
        if (this->has_step_rules()) this->step_done(static_cast<std::uint32_t>(i), t, Base::observables_of(state_[i]));
      }
      if (bad < 0 && !this->finite(i)) bad = static_cast<std::int64_t>(i);
    }
    return bad;
  }

 private:
  void redraw() {
    for (std::size_t i = 0; i < state_.size(); ++i) M::redraw(state_[i], rng_[i]);
  }
  std::vector<RandomStream> rng_;  // per neuron, stochastic models only

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

};

}  // namespace apical
