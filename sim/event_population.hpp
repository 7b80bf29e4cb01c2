// A population of one exactly integrated model (lif_psc_exp, lif_psc_delta, ...), advanced from
// event to event. The model supplies the mathematics (propagate, find_crossing, receive, reset,
// and optionally safe_time and a fused advance_unless_crossing); this template supplies the
// bookkeeping every such model shares: refractoriness, external current, time-ordered inputs,
// precise spike times, lazy updates of quiet neurons, and sampling without committing state.
#pragma once
#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>

#include "sim/model_population.hpp"

namespace apical {

// What a model must provide to run here.
template <class M>
concept ExactModel = requires(typename M::State& s, const typename M::State& cs,
                              const typename M::Params& p, const typename M::Propagator& P,
                              double x, int k) {
  { M::propagator(p, x) } -> std::same_as<typename M::Propagator>;
  { M::propagate(s, p, x, P) };
  { M::propagate_refractory(s, p, P) };
  { M::find_crossing(cs, p, x, P) } -> std::convertible_to<double>;
  { M::receive(s, k, x) };
  { M::reset(s, p) };
  { M::above_threshold(cs, p) } -> std::convertible_to<bool>;
  { M::observable(cs, k) } -> std::convertible_to<double>;
  { M::set_observable(s, k, x) };
  { M::initial(p) } -> std::same_as<typename M::State>;
};

template <ExactModel M>
class EventPopulation final : public ModelPopulation<M> {
  using Base = ModelPopulation<M>;
  using Base::I_ext_, Base::p_, Base::state_, Base::grid_;

 public:
  using typename Base::Params, typename Base::State;
  using Propagator = typename M::Propagator;

  EventPopulation(std::string name, std::size_t size, Grid grid, Params params, std::vector<State> initial)
      : Base(std::move(name), size, grid, params, std::move(initial)) {
    reset(0);
  }

  void reset(Step at) override {
    Base::reset_state();
    ref_until_.assign(this->size(), Time{std::numeric_limits<Step>::min() / 2, 0.0});
    state_time_.assign(this->size(), Time{at, 0.0});
    wake_ms_.assign(this->size(), -std::numeric_limits<double>::infinity());
    clock_ = at;
    if (free_window_ > 0) start_free_window();
  }

  // The free drive (Population::track_free_drive): a second copy of each neuron's state that
  // receives every input and is propagated over exactly the intervals the neuron is, but never
  // reset or clamped, and the model's exact maximum over each interval. While it is kept, no
  // neuron is left lazily behind: every one is advanced to every epoch's end (windows start at
  // epoch boundaries, where the copy is set to the neuron's state).
  bool track_free_drive(Step window) override {
    if constexpr (requires(const State& st, const Propagator& P) { M::maximum(st, p_, 0.0, P); }) {
      free_window_ = window;
      start_free_window();
      return true;
    } else {
      return false;
    }
  }
  std::span<const double> free_drive_max() const override { return free_max_; }

  void epoch_end(Step t1) override { clock_ = t1; }

  // The state at the last epoch boundary (a neuron's stored state may be older: see advance).
  double observable(std::size_t i, int k) const override {
    return M::observable(state_at(i, Time{clock_, 0.0}), k);
  }

  // Neurons are updated lazily: a neuron that receives nothing in an epoch, is not sampled, and
  // provably stays below threshold until the epoch's end (wake_ms_, from the model's
  // safe_time bound) is not touched. Its state stays at the time of its last update, and exact
  // integration later jumps the whole interval at once. Everyone else is advanced exactly from
  // input to input and, where the bound cannot rule out a crossing, to the epoch's end.
  std::int64_t advance(std::size_t first, std::size_t last, Step t0, Step t1,
               std::span<const InputEvent> events, std::vector<Spike>& spikes,
               std::span<Sampler*> samplers) override {
    std::size_t e = 0;
    std::int64_t bad = -1;
    std::vector<SampleCursor> cursors;
    std::vector<std::size_t> sampler_pos;
    for (Sampler* sm : samplers)
      sampler_pos.push_back(static_cast<std::size_t>(
          std::lower_bound(sm->nodes.begin(), sm->nodes.end(), static_cast<std::uint32_t>(first)) - sm->nodes.begin()));
    const Time end{t1, 0.0};
    const double end_ms = grid_.ms(end);
    if (free_window_ > 0 && t0 % free_window_ == 0)  // a window starts: every neuron is at t0
      for (std::size_t i = first; i < last; ++i) start_free_window(i);
    for (std::size_t i = first; i < last; ++i) {
      // Skip, in a tight loop, every neuron before the next one that has input or is sampled
      // and that provably stays below threshold until the epoch's end.
      std::size_t busy = std::min(last, e < events.size() ? std::size_t{events[e].target} : last);
      busy = std::min(busy, next_sampled(i, samplers, sampler_pos));  // also moves sampler_pos
      while (i < busy && wake_ms_[i] >= end_ms) ++i;
      if (i == last) break;
      if (!samplers.empty()) {
        next_sampled(i, samplers, sampler_pos);
        open_cursors(i, t0, samplers, sampler_pos, cursors);
      }
      const bool has_input = e < events.size() && events[e].target == i;
      if (!has_input && cursors.empty() && wake_ms_[i] >= end_ms) continue;
      Neuron n{*this, i, state_time_[i], spikes, cursors};
      while (e < events.size() && events[e].target == i) {
        const Time te{events[e].step, events[e].offset};
        n.advance_to(te, t1);
        // Every input of the same time is applied before a threshold check (delta synapses).
        for (; e < events.size() && events[e].target == i && Time{events[e].step, events[e].offset} == te; ++e)
          n.receive(events[e]);
      }
      // Whether the neuron is advanced to the epoch's end must not depend on recording, or
      // recording would change the rounding of its trajectory: samples come from projections.
      if (update_safe(i, n.now) < end_ms) {
        n.advance_to(end, t1);
        update_safe(i, n.now);
      }
      n.take_samples(end, t1);
      state_time_[i] = n.now;
      if (bad < 0 && !this->finite(i)) bad = static_cast<std::int64_t>(i);
    }
    return bad;
  }

 private:
  // Recompute until when neuron i, at time `now`, provably stays below threshold without input
  // (ms). Kept as a double, lowered by far more than the rounding of ms() at any time of a run,
  // so that "wake_ms_ >= end" always means the bound really reaches past the end.
  double update_safe(std::size_t i, const Time& now) {
    double wake;
    if (free_window_ > 0) {
      wake = -std::numeric_limits<double>::infinity();  // the free drive needs every neuron at every epoch end
    } else if (now < ref_until_[i]) {
      wake = grid_.ms(ref_until_[i]);  // look again when the refractory period ends
    } else {
      double t = 0.0;
      if constexpr (requires(const State& st) { M::safe_time(st, p_, 0.0); }) t = M::safe_time(state_[i], p_, I_ext_[i]);
      constexpr double kFar = 1e15;  // ms: "never" within any run
      wake = grid_.ms(now) + std::min(t, kFar);
    }
    return wake_ms_[i] = wake - (1e-9 + 1e-13 * std::fabs(wake));
  }

  // The first node >= i that a sampler records (or SIZE_MAX); advances the samplers' positions.
  static std::size_t next_sampled(std::size_t i, std::span<Sampler*> samplers, std::vector<std::size_t>& pos) {
    std::size_t next = SIZE_MAX;
    for (std::size_t k = 0; k < samplers.size(); ++k) {
      const auto& nodes = samplers[k]->nodes;
      while (pos[k] < nodes.size() && nodes[pos[k]] < i) ++pos[k];
      if (pos[k] < nodes.size()) next = std::min<std::size_t>(next, nodes[pos[k]]);
    }
    return next;
  }

  // Neuron i's state s, valid at `from`, carried to `to` without committing anything: through
  // the rest of its refractory period, then freely (the caller knows no spike lies between).
  State project(State s, Time from, const Time& to, std::size_t i) const {
    if (from < ref_until_[i] && from < to) {
      Time until = std::min(to, ref_until_[i]);
      M::propagate_refractory(s, p_, M::propagator(p_, grid_.diff(from, until)));
      from = until;
    }
    if (from < to) M::propagate(s, p_, I_ext_[i], M::propagator(p_, grid_.diff(from, to)));
    return s;
  }
  State state_at(std::size_t i, const Time& t) const { return project(state_[i], state_time_[i], t, i); }

  // Sampling cursors of neuron i for this epoch, one per sampler that records it; `pos` was
  // moved to the first node >= i by next_sampled.
  static void open_cursors(std::size_t i, Step t0, std::span<Sampler*> samplers,
                           const std::vector<std::size_t>& pos, std::vector<SampleCursor>& cursors) {
    cursors.clear();
    for (std::size_t k = 0; k < samplers.size(); ++k)
      if (pos[k] < samplers[k]->nodes.size() && samplers[k]->nodes[pos[k]] == i)
        cursors.push_back({samplers[k], pos[k], samplers[k]->next_sample(t0)});
  }

  // One neuron during one epoch: its clock and where its spikes and samples go.
  struct Neuron {
    EventPopulation& pop;
    std::size_t i;
    Time now;
    std::vector<Spike>& spikes;
    std::vector<SampleCursor>& cursors;

    State& s() { return pop.state_[i]; }
    Propagator propagator(double dt) const { return M::propagator(pop.p_, dt); }
    bool refractory() const { return now < pop.ref_until_[i]; }

    void receive(const InputEvent& ev) {
      if (ev.port == kCurrentPort) { pop.I_ext_[i] += ev.weight; return; }
      double w = ev.weight;
      if (ev.projection >= 0) w = pop.arrive_plastic(ev, now, Base::observables_of(s()));
      if (pop.free_window_ > 0) M::receive(pop.free_[i], ev.port, w);  // never clamped
      // A voltage jump cannot act on a clamped membrane: inputs during refractoriness are lost.
      if (M::voltage_jumps && refractory()) return;
      M::receive(s(), ev.port, w);
    }

    // Samples at grid steps in [now, limit] (before t1), each projected from a copy of the
    // state, so that recording never changes the trajectory.
    void take_samples(const Time& limit, Step t1) {
      for (auto& c : cursors) {
        Sampler& sm = *c.sampler;
        while (c.next < t1 && c.next < sm.stop && Time{c.next, 0.0} <= limit) {
          State copy = pop.project(s(), now, Time{c.next, 0.0}, i);
          double* row = sm.rows.data() + static_cast<std::size_t>(c.next - sm.first_row_step) / sm.interval * sm.columns();
          for (std::size_t v = 0; v < sm.variables.size(); ++v)
            row[c.rank * sm.variables.size() + v] = M::observable(copy, sm.variables[v]);
          c.next += sm.interval;
        }
      }
    }

    void emit_spike(const Time& t) {
      spikes.push_back({t.step, t.offset, static_cast<std::uint32_t>(i)});
      if (pop.has_plastic_input()) pop.post_spike(static_cast<std::uint32_t>(i), t, Base::observables_of(s()));
      M::reset(s(), pop.p_);
      pop.ref_until_[i] = pop.grid_.add(t, pop.p_.t_ref);
    }

    // The free drive over the interval the neuron is about to be propagated by (same I_ext).
    void advance_free(const Propagator& P) {
      if (pop.free_window_ == 0) return;
      if constexpr (requires(const State& st) { M::maximum(st, pop.p_, 0.0, P); }) {
        State& f = pop.free_[i];
        pop.free_max_[i] = std::max(pop.free_max_[i], M::maximum(f, pop.p_, pop.I_ext_[i], P));
        M::propagate(f, pop.p_, pop.I_ext_[i], P);
      }
    }

    // Advance by P.dt unless V_th is reached first (then return the crossing time, state untouched).
    double advance_unless_crossing(const Propagator& P) {
      if constexpr (requires { M::advance_unless_crossing(s(), pop.p_, 0.0, P); }) {
        return M::advance_unless_crossing(s(), pop.p_, pop.I_ext_[i], P);
      } else {
        double tc = M::find_crossing(s(), pop.p_, pop.I_ext_[i], P);
        if (tc < 0.0) M::propagate(s(), pop.p_, pop.I_ext_[i], P);
        return tc;
      }
    }

    // Advance exactly to `target`, emitting every threshold crossing on the way.
    void advance_to(const Time& target, Step t1) {
      while (now < target) {
        if (refractory()) {
          Time end = std::min(target, pop.ref_until_[i]);
          take_samples(end, t1);
          const Propagator P = propagator(pop.grid_.diff(now, end));
          advance_free(P);
          M::propagate_refractory(s(), pop.p_, P);
          now = end;
          continue;
        }
        if (M::above_threshold(s(), pop.p_)) {  // reached by a jump or an initial condition
          take_samples(now, t1);
          emit_spike(now);
          continue;
        }
        const Propagator P = propagator(pop.grid_.diff(now, target));
        double tc;
        if (cursors.empty()) {
          tc = advance_unless_crossing(P);  // the hot path: nothing to sample
          if (tc < 0.0) {
            advance_free(P);
            now = target;
            continue;
          }
        } else {
          tc = M::find_crossing(s(), pop.p_, pop.I_ext_[i], P);
        }
        if (tc < 0.0) {
          take_samples(target, t1);
          advance_free(P);
          M::propagate(s(), pop.p_, pop.I_ext_[i], P);
          now = target;
        } else {
          Time ts = tc >= P.dt ? target : pop.grid_.add(now, tc);
          take_samples(ts, t1);
          const Propagator Ps = ts == target ? P : propagator(pop.grid_.diff(now, ts));
          advance_free(Ps);
          M::propagate(s(), pop.p_, pop.I_ext_[i], Ps);
          now = ts;
          emit_spike(ts);
        }
      }
      if (target.step == t1 && target.offset == 0.0) return;
      take_samples(now, t1);
    }
  };

  void start_free_window() {
    free_.resize(this->size());
    free_max_.resize(this->size());
    for (std::size_t i = 0; i < this->size(); ++i) start_free_window(i);
  }
  void start_free_window(std::size_t i) {
    free_[i] = state_[i];
    free_max_[i] = M::observable(state_[i], 0);  // V_m
  }

  std::vector<Time> ref_until_;   // end of the absolute refractory period
  std::vector<Time> state_time_;  // the time at which state_[i] holds
  std::vector<double> wake_ms_;   // ms: no threshold crossing before this without new input
  Step clock_ = 0;                // end of the last epoch
  Step free_window_ = 0;          // > 0: the free drive is kept, with windows of this many steps
  std::vector<State> free_;       // the free drive's state per neuron
  std::vector<double> free_max_;  // its maximum over the current window
};

}  // namespace apical
