// A population of one exactly integrated model (lif_psc_exp, lif_psc_delta, ...), advanced from
// event to event. The model supplies the mathematics (propagate, find_crossing, receive, reset);
// this template supplies the bookkeeping every such model shares: refractoriness, external
// current, time-ordered inputs, precise spike times and sampling without committing state.
#pragma once
#include <cmath>
#include <concepts>
#include <functional>

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

  void reset(Step) override {
    Base::reset_state();
    ref_until_.assign(this->size(), Time{std::numeric_limits<Step>::min() / 2, 0.0});
  }

  void advance(std::size_t first, std::size_t last, Step t0, Step t1,
               std::span<const InputEvent> events, std::vector<Spike>& spikes,
               std::span<Sampler*> samplers) override {
    std::size_t e = 0;
    std::vector<SampleCursor> cursors;
    // Most intervals are a whole epoch without input: their propagator is computed once here.
    const Propagator whole = M::propagator(p_, grid_.diff(Time{t0, 0.0}, Time{t1, 0.0}));
    const Time start{t0, 0.0};
    for (std::size_t i = first; i < last; ++i) {
      if (!samplers.empty()) open_cursors(i, t0, samplers, cursors);
      // Most neurons, in most epochs, receive nothing, are not refractory, are not sampled and
      // stay below threshold: one call decides and advances them.
      const bool quiet = (e == events.size() || events[e].target != i) && cursors.empty() &&
                         !(start < ref_until_[i]) && !M::above_threshold(state_[i], p_);
      if (quiet && advance_quietly(i, whole)) continue;
      Neuron n{*this, i, start, spikes, cursors, whole};
      while (e < events.size() && events[e].target == i) {
        const Time te{events[e].step, events[e].offset};
        n.advance_to(te, t1);
        // Every input of the same time is applied before a threshold check (delta synapses).
        for (; e < events.size() && events[e].target == i && Time{events[e].step, events[e].offset} == te; ++e)
          n.receive(events[e]);
      }
      n.advance_to(Time{t1, 0.0}, t1);
    }
  }

 private:
  // Advance neuron i over the whole epoch if it does not reach threshold; false (state untouched)
  // if it does, and the general path must locate the spike.
  bool advance_quietly(std::size_t i, const Propagator& whole) {
    if constexpr (requires(State& st) { M::advance_unless_crossing(st, p_, 0.0, whole); }) {
      return M::advance_unless_crossing(state_[i], p_, I_ext_[i], whole) < 0.0;
    } else {
      return false;
    }
  }

  // Sampling cursors of neuron i for this epoch, one per sampler that records it.
  static void open_cursors(std::size_t i, Step t0, std::span<Sampler*> samplers,
                           std::vector<SampleCursor>& cursors) {
    cursors.clear();
    for (Sampler* s : samplers) {
      auto it = std::lower_bound(s->nodes.begin(), s->nodes.end(), static_cast<std::uint32_t>(i));
      if (it != s->nodes.end() && *it == i)
        cursors.push_back({s, static_cast<std::size_t>(it - s->nodes.begin()), s->next_sample(t0)});
    }
  }

  // One neuron during one epoch: its clock and where its spikes and samples go.
  struct Neuron {
    EventPopulation& pop;
    std::size_t i;
    Time now;
    std::vector<Spike>& spikes;
    std::vector<SampleCursor>& cursors;
    const Propagator& whole;

    State& s() { return pop.state_[i]; }
    Propagator scratch{};
    // The propagator over dt: the epoch's own when the interval is the whole epoch.
    const Propagator& propagator(double dt) {
      if (dt == whole.dt) return whole;
      scratch = M::propagator(pop.p_, dt);
      return scratch;
    }
    bool refractory() const { return now < pop.ref_until_[i]; }

    void receive(const InputEvent& ev) {
      if (ev.port == kCurrentPort) { pop.I_ext_[i] += ev.weight; return; }
      double w = pop.arrive(ev, now);
      // A voltage jump cannot act on a clamped membrane: inputs during refractoriness are lost.
      if (M::voltage_jumps && refractory()) return;
      M::receive(s(), ev.port, w);
    }

    // Samples at grid steps in [now, limit] (limit < t1 at the epoch's end), taken from a copy of
    // the state so that recording never changes the trajectory.
    void take_samples(const Time& limit, Step t1, bool is_refractory) {
      for (auto& c : cursors) {
        Sampler& sm = *c.sampler;
        while (c.next < t1 && c.next < sm.stop && Time{c.next, 0.0} <= limit) {
          State copy = s();
          double dt = pop.grid_.diff(now, Time{c.next, 0.0});
          if (dt > 0.0) {
            // Its own propagator: `scratch` may hold the caller's.
            const Propagator P = M::propagator(pop.p_, dt);
            if (is_refractory) M::propagate_refractory(copy, pop.p_, P);
            else M::propagate(copy, pop.p_, pop.I_ext_[i], P);
          }
          double* row = sm.rows.data() + static_cast<std::size_t>(c.next - sm.first_row_step) / sm.interval * sm.columns();
          for (std::size_t v = 0; v < sm.variables.size(); ++v)
            row[c.rank * sm.variables.size() + v] = M::observable(copy, sm.variables[v]);
          c.next += sm.interval;
        }
      }
    }

    void emit_spike(const Time& t) {
      spikes.push_back({t.step, t.offset, static_cast<std::uint32_t>(i)});
      pop.post_spike(static_cast<std::uint32_t>(i), t);
      M::reset(s(), pop.p_);
      pop.ref_until_[i] = pop.grid_.add(t, pop.p_.t_ref);
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
          take_samples(end, t1, true);
          M::propagate_refractory(s(), pop.p_, propagator(pop.grid_.diff(now, end)));
          now = end;
          continue;
        }
        if (M::above_threshold(s(), pop.p_)) {  // reached by a jump or an initial condition
          take_samples(now, t1, false);
          emit_spike(now);
          continue;
        }
        const Propagator& P = propagator(pop.grid_.diff(now, target));
        double tc;
        if (cursors.empty()) {
          tc = advance_unless_crossing(P);  // the hot path: nothing to sample
          if (tc < 0.0) { now = target; continue; }
        } else {
          tc = M::find_crossing(s(), pop.p_, pop.I_ext_[i], P);
        }
        if (tc < 0.0) {
          take_samples(target, t1, false);
          M::propagate(s(), pop.p_, pop.I_ext_[i], P);
          now = target;
        } else {
          Time ts = tc >= P.dt ? target : pop.grid_.add(now, tc);
          take_samples(ts, t1, false);
          if (ts == target) M::propagate(s(), pop.p_, pop.I_ext_[i], P);
          else M::propagate(s(), pop.p_, pop.I_ext_[i], M::propagator(pop.p_, pop.grid_.diff(now, ts)));
          now = ts;
          emit_spike(ts);
        }
      }
      if (target.step == t1 && target.offset == 0.0) return;
      take_samples(now, t1, refractory());
    }
  };

  std::vector<Time> ref_until_;  // end of the absolute refractory period
};

}  // namespace apical
