// A population updated once per grid step (DESIGN.md "clock-driven"): lif_discrete, li_readout.
// Inputs arriving anywhere in step t are summed into that step's input x_t; spikes lie on the grid.
#pragma once
#include <algorithm>
#include <cmath>
#include <optional>
#include <limits>

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

  bool takes_node_perturbation() const override { return true; }
  bool graded() const override { return requires(const State& st, const Params& pp) { M::output(st, pp); }; }
  void reset(Step) override {
    Base::reset_state();
    if (free_window_ > 0) free_ = state_;
    if constexpr (stochastic) redraw();  // the streams continue: every trial gets fresh noise
  }

  // The free drive (Population::track_free_drive) of models with step_free (the update without
  // threshold, reset or refractoriness): a copy of the state set to the neuron's at every window
  // start, stepped with the same inputs; its maximum over the window's grid steps (the values
  // that would be thresholded) is exact on the grid.
  bool track_free_drive(Step window) override {
    if constexpr (requires(State& st) { M::step_free(st, p_, 0.0); }) {
      free_window_ = window;
      free_ = state_;
      free_max_.assign(this->size(), -std::numeric_limits<double>::infinity());
      return true;
    } else {
      return false;
    }
  }
  std::span<const double> free_drive_max() const override { return free_max_; }
  std::optional<NeuronDynamics> dynamics() const override {
    if constexpr (requires(const Params& pp) { M::dynamics(pp); }) return M::dynamics(p_);
    else return std::nullopt;
  }
  bool input_adjoint(int k, const std::vector<double>& g, std::vector<double>& dx) const override {
    if constexpr (requires(std::vector<double>& v) { M::input_adjoint(p_, k, g, this->size(), v); })
      return M::input_adjoint(p_, k, g, this->size(), dx);
    else return false;
  }

  std::int64_t advance(std::size_t first, std::size_t last, Step t0, Step t1,
               std::span<const InputEvent> events, std::vector<Spike>& spikes,
               std::span<Sampler*> samplers) override {
    std::size_t e = 0;
    std::int64_t bad = -1;
    for (std::size_t i = first; i < last; ++i) {
      for (Step t = t0; t < t1; ++t) {
        sample(i, t, samplers);
        double x = this->has_node_perturbation() ? this->node_perturbation(static_cast<std::uint32_t>(i), t) : 0.0;
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
        if constexpr (requires(State& st) { M::step_free(st, p_, 0.0); }) {
          if (free_window_ > 0) {
            if (t % free_window_ == 0) {
              free_[i] = before;
              free_max_[i] = -std::numeric_limits<double>::infinity();
            }
            free_max_[i] = std::max(free_max_[i], M::observable(free_[i], 0));
            M::step_free(free_[i], p_, x + I_ext_[i]);
          }
        }
        bool spiked;
        if constexpr (stochastic) spiked = M::step(state_[i], p_, x, I_ext_[i], rng_[i]);
        else spiked = M::step(state_[i], p_, x + I_ext_[i]);
        if (spiked) {
          spikes.push_back({t, 0.0, static_cast<std::uint32_t>(i)});
          if (this->has_plastic_input())
            this->post_spike(static_cast<std::uint32_t>(i), Time{t, 0.0}, Base::observables_of(before));
        }
        if constexpr (requires { M::neuron_step(before, p_, spiked); })
          if (this->has_step_rules()) this->post_step(static_cast<std::uint32_t>(i), t, M::neuron_step(before, p_, spiked));
      }
      if (bad < 0 && !this->finite(i)) bad = static_cast<std::int64_t>(i);
    }
    return bad;
  }

 private:
  Step free_window_ = 0;          // > 0: the free drive is kept, with windows of this many steps
  std::vector<State> free_;       // its state per neuron
  std::vector<double> free_max_;  // its maximum over the current window's steps so far
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
