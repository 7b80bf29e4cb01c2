// What every population of one neuron model shares, whether it is advanced event by event
// (EventPopulation) or step by step (ClockPopulation): parameters, state arrays, external
// current, and the model's names for receptors and observables.
#pragma once
#include <array>
#include <cmath>
#include <vector>

#include "sim/population.hpp"

namespace apical {

template <class M>
class ModelPopulation : public Population {
 public:
  using State = typename M::State;
  using Params = typename M::Params;

  // `initial` holds each neuron's state at the start of a run (and of every trial).
  ModelPopulation(std::string name, std::size_t size, Grid grid, Params params, std::vector<State> initial)
      : Population(std::move(name), M::name, size, grid), p_(params), initial_(std::move(initial)) {
    reset_state();
  }

  std::vector<std::string> receptors() const override { return {M::receptors.begin(), M::receptors.end()}; }
  std::vector<std::string> observables() const override { return {M::observables.begin(), M::observables.end()}; }
  std::vector<std::string> observable_units() const override {
    return {M::observable_units.begin(), M::observable_units.end()};
  }
  double observable(std::size_t i, int k) const override { return M::observable(state_[i], k); }
  const Params& params() const { return p_; }
  const State& state(std::size_t i) const { return state_[i]; }
  // The state neuron i starts every run and trial from (the gradient code replays trials).
  const State& initial_state(std::size_t i) const { return initial_[i]; }
  // The free drive's threshold (populations that keep one: clock and event populations).
  double free_drive_threshold() const override {
    if constexpr (requires { p_.V_th; }) return p_.V_th;
    else return 0.0;
  }

 protected:
  // All observables of a state, in the model's order: what plasticity hooks receive.
  static std::array<double, M::observables.size()> observables_of(const State& s) {
    std::array<double, M::observables.size()> v{};
    for (std::size_t k = 0; k < v.size(); ++k) v[k] = M::observable(s, static_cast<int>(k));
    return v;
  }
  bool finite(std::size_t i) const {
    for (std::size_t k = 0; k < M::observables.size(); ++k)
      if (!std::isfinite(M::observable(state_[i], static_cast<int>(k)))) return false;
    return true;
  }
  void reset_state() {
    state_ = initial_;
    I_ext_.assign(size(), 0.0);
  }

  Params p_;
  std::vector<State> initial_;
  std::vector<State> state_;
  std::vector<double> I_ext_;  // sum of current sources (pA, or the model's unit)
};

}  // namespace apical
