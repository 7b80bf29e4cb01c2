// A population of one nonlinear point model given as an ODE right-hand side (lif_cond_exp,
// aeif_cond_exp, izhikevich, hh_cond_exp_traub), integrated with Boost.Odeint. The model supplies
// rhs, a spike function (f = V - threshold: a spike is an upward zero crossing of f), reset and
// receive; this template supplies the integration, threshold search, refractoriness, inputs,
// sampling, and the fixed-step loops a model may name (izhikevich's Euler loop).
//
// Integration (docs/ode-models.md). Every neuron owns a dense-output Dormand-Prince 5(4) stepper
// with error control (odeint's make_dense_output(atol, rtol, runge_kutta_dopri5)). It is kept
// across events and epochs: the stepper runs ahead of the simulation clock by whole steps of its
// own choosing, and any time inside its current step is read from the dense output (calc_state),
// which changes nothing. It is restarted (initialize at the new state, keeping the last step size
// as the first trial step) exactly where the solution or its right-hand side is discontinuous,
// because a Runge-Kutta step across a discontinuity loses its order and its error estimate:
//   - an input: a synaptic event (a jump of a conductance or of V) or a change of the external
//     current (a jump of the right-hand side); all inputs of one time give one restart;
//   - a spike of a model that resets (V := V_reset, w += b, ...);
//   - the start and the end of a clamped refractory period (V held at V_reset: another
//     right-hand side), for the models that clamp (lif_cond_exp, aeif_cond_exp).
// The part of a step beyond a restart is discarded; the step up to it stays valid, since the old
// right-hand side held there. Epoch boundaries, sampling and observing cause no restart, so the
// trajectory is the same whether or not a neuron is recorded, and for any thread count (neurons
// are integrated independently; no state is shared).
//
// Threshold search: each new step is checked for an upward crossing of f when it is taken. The
// dense output is a quintic in time along the step, so six samples of it give f exactly (up to
// rounding) and the Bernstein bound of sim/detail/bernstein.hpp finds the first crossing even
// if f rises above zero and falls back inside one step. The crossing found is pending until the
// clock reaches it; an input before it restarts the stepper and the search.
// After a spike: models that reset do so and restart; models that do not (hh_cond_exp_traub)
// only stop detecting for t_ref, and a crossing counts only if f was below zero after that.
//
// Inputs are the InputEvent stream of event_population.hpp (sorted by neuron and time); samples
// at grid times are left limits (before the inputs of that time), read from the dense output.
// Fixed-step methods (a model's `fixed_step`): the state lives on a grid of step h; inputs with
// times in [t, t + h) act on the step from t (jumps at its start, currents for the whole step);
// spikes lie on that grid; a sample at grid time s shows the state of the last point <= s, at
// a spike before its reset.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <exception>
#include <limits>

#include <boost/numeric/odeint.hpp>

#include "sim/detail/bernstein.hpp"
#include "sim/model_population.hpp"
#include "sim/ode_integrator.hpp"

namespace apical {

template <class M>
concept OdeModel = requires(typename M::State& s, const typename M::State& cs, const typename M::Params& p,
                            double x, int k, bool b) {
  { M::rhs(cs, s, p, x, b) };
  { M::spike_fn(cs, p) } -> std::convertible_to<double>;
  { M::reset(s, p) };
  { M::receive(s, k, x, p) };
  { M::observable(cs, k) } -> std::convertible_to<double>;
  { M::set_observable(s, k, x) };
  { M::initial(p) } -> std::same_as<typename M::State>;
  { M::resets } -> std::convertible_to<bool>;
  { M::clamp_refractory } -> std::convertible_to<bool>;
  { M::voltage_jumps } -> std::convertible_to<bool>;
  { p.t_ref } -> std::convertible_to<double>;
};

template <OdeModel M>
class OdePopulation final : public ModelPopulation<M> {
  using Base = ModelPopulation<M>;
  using Base::I_ext_, Base::p_, Base::state_, Base::grid_;

 public:
  using typename Base::Params, typename Base::State;
  using Dense = decltype(boost::numeric::odeint::make_dense_output(
      1.0, 1.0, boost::numeric::odeint::runge_kutta_dopri5<typename M::State>()));

  OdePopulation(std::string name, std::size_t size, Grid grid, Params params, std::vector<State> initial,
                OdeIntegrator integrator)
      : Base(std::move(name), size, grid, params, std::move(initial)), in_(std::move(integrator)) {
    namespace odeint = boost::numeric::odeint;
    if (in_.adaptive()) {
      const auto rk = odeint::runge_kutta_dopri5<State>();
      Dense proto = in_.max_step > 0.0 ? odeint::make_dense_output(in_.atol, in_.rtol, in_.max_step, rk)
                                       : odeint::make_dense_output(in_.atol, in_.rtol, rk);
      dense_.assign(size, proto);
    }
    reset(0);
  }

  const OdeIntegrator& integrator() const { return in_; }

  void reset(Step at) override {
    Base::reset_state();
    ref_until_.assign(this->size(), Time{std::numeric_limits<Step>::min() / 2, 0.0});
    clock_ = at;
    if (in_.adaptive()) {
      tr_.assign(this->size(), Track{});
      for (std::size_t i = 0; i < this->size(); ++i) restart(i, state_[i], Time{at, 0.0});
    } else {
      euler_at_.assign(this->size(), at);
    }
  }

  void epoch_end(Step t1) override { clock_ = t1; }

  double observable(std::size_t i, int k) const override {
    if (!in_.adaptive()) return M::observable(state_[i], k);
    return M::observable(state_at(i, grid_.diff(tr_[i].origin, Time{clock_, 0.0})), k);
  }

  std::int64_t advance(std::size_t first, std::size_t last, Step t0, Step t1, std::span<const InputEvent> events,
                       std::vector<Spike>& spikes, std::span<Sampler*> samplers) override {
    std::size_t e = 0;
    std::int64_t bad = -1;
    std::vector<SampleCursor> cursors;
    for (std::size_t i = first; i < last; ++i) {
      open_cursors(i, t0, samplers, cursors);
      const std::size_t e0 = e;
      while (e < events.size() && events[e].target == i) ++e;
      const std::span<const InputEvent> mine = events.subspan(e0, e - e0);
      const bool ok = in_.adaptive() ? advance_dense(i, t1, mine, spikes, cursors)
                                     : advance_fixed(i, t1, mine, spikes, cursors);
      if (bad < 0 && !ok) bad = static_cast<std::int64_t>(i);
    }
    return bad;
  }

 private:
  // Where neuron i's stepper stands.
  struct Track {
    Time origin{};  // time 0 of the stepper's clock: the last restart
    double tc = std::numeric_limits<double>::infinity();  // pending crossing (ms after origin)
    double dt = 0.1;       // first trial step after a restart (ms): the last accepted step
    bool started = false;  // a step has been taken since the restart
  };

  bool refractory(std::size_t i, const Time& t) const { return t < ref_until_[i]; }
  // The stepper runs the clamped right-hand side (restarts bracket the refractory period).
  bool clamped(std::size_t i) const { return M::clamp_refractory && refractory(i, tr_[i].origin); }

  State state_at(std::size_t i, double rel) const {
    if (!tr_[i].started) return dense_[i].current_state();
    State x;
    dense_[i].calc_state(rel, x);
    return x;
  }

  void restart(std::size_t i, const State& x, const Time& at) {
    Track& t = tr_[i];
    t.origin = at;
    t.started = false;
    t.tc = std::numeric_limits<double>::infinity();
    dense_[i].initialize(x, 0.0, t.dt);
    // A state already at threshold (an initial condition, a jump of V) fires now.
    if (M::resets && !refractory(i, at) && M::spike_fn(x, p_) >= 0.0) t.tc = 0.0;
  }

  static bool finite_state(const State& x) {
    for (double v : x) if (!std::isfinite(v)) return false;
    return true;
  }

  // One step of neuron i's stepper, and the search for a crossing in it. False if it failed.
  bool step(std::size_t i) {
    Track& t = tr_[i];
    const bool clamp = clamped(i);
    const double I = I_ext_[i];
    try {
      dense_[i].do_step([&](const State& x, State& dx, double) { M::rhs(x, dx, p_, I, clamp); });
    } catch (const std::exception&) {  // odeint's step_adjustment_error: the step size collapsed
      return false;
    }
    t.started = true;
    t.dt = dense_[i].current_time_step();
    if (!finite_state(dense_[i].current_state())) return false;
    if (!clamp) search(i, dense_[i].previous_time());
    return true;
  }

  // The first upward crossing of the spike function in [from, end of the current step], outside
  // refractoriness, into tc (or +inf).
  void search(std::size_t i, double from) {
    Track& t = tr_[i];
    t.tc = std::numeric_limits<double>::infinity();
    double s = from;
    if (refractory(i, t.origin)) s = std::max(s, grid_.diff(t.origin, ref_until_[i]));
    const double e = dense_[i].current_time();
    if (!(s < e)) return;
    detail::Quintic f;
    State x;
    // The ends of a whole step are the stepper's own states; only interior points are computed.
    const bool whole = s == dense_[i].previous_time();
    f[0] = whole ? M::spike_fn(dense_[i].previous_state(), p_) : (dense_[i].calc_state(s, x), M::spike_fn(x, p_));
    f[5] = M::spike_fn(dense_[i].current_state(), p_);
    for (int k = 1; k < 5; ++k) {
      dense_[i].calc_state(s + (e - s) * (k / 5.0), x);
      f[static_cast<std::size_t>(k)] = M::spike_fn(x, p_);
    }
    const double th = detail::first_upward_crossing(detail::bernstein_from_samples(f));
    if (th >= 0.0) t.tc = th >= 1.0 ? e : s + th * (e - s);
  }

  // Sampling cursors of neuron i for this epoch, one per sampler that records it.
  static void open_cursors(std::size_t i, Step t0, std::span<Sampler*> samplers, std::vector<SampleCursor>& cursors) {
    cursors.clear();
    for (Sampler* sm : samplers) {
      auto it = std::lower_bound(sm->nodes.begin(), sm->nodes.end(), static_cast<std::uint32_t>(i));
      if (it != sm->nodes.end() && *it == i)
        cursors.push_back({sm, static_cast<std::size_t>(it - sm->nodes.begin()), sm->next_sample(t0)});
    }
  }

  // Samples at grid steps <= last (and before t1), with the state each one sees.
  template <class StateOf>
  static void take_samples(std::vector<SampleCursor>& cursors, Step last, Step t1, StateOf state_of) {
    for (auto& c : cursors) {
      Sampler& sm = *c.sampler;
      while (c.next < t1 && c.next < sm.stop && c.next <= last) {
        const State x = state_of(c.next);
        double* row = sm.rows.data() + static_cast<std::size_t>(c.next - sm.first_row_step) / sm.interval * sm.columns();
        for (std::size_t v = 0; v < sm.variables.size(); ++v)
          row[c.rank * sm.variables.size() + v] = M::observable(x, sm.variables[v]);
        c.next += sm.interval;
      }
    }
  }
  // The last grid step at or before t.
  static Step floor_step(const Time& t) { return t.step; }

  void sample_dense(std::size_t i, std::vector<SampleCursor>& cursors, const Time& limit, Step t1) {
    if (cursors.empty()) return;
    take_samples(cursors, floor_step(limit), t1,
                 [&](Step s) { return state_at(i, grid_.diff(tr_[i].origin, Time{s, 0.0})); });
  }

  void emit(std::size_t i, const Time& ts, const State& x, std::vector<Spike>& spikes) {
    spikes.push_back({ts.step, ts.offset, static_cast<std::uint32_t>(i)});
    if (this->has_plastic_input()) this->post_spike(static_cast<std::uint32_t>(i), ts, Base::observables_of(x));
    ref_until_[i] = grid_.add(ts, p_.t_ref);
  }

  // Carry neuron i to time T (ms after its origin), emitting spikes and taking samples <= T.
  bool advance_to(std::size_t i, const Time& T, Step t1, std::vector<Spike>& spikes, std::vector<SampleCursor>& cursors) {
    Track& t = tr_[i];
    for (;;) {
      const bool clamp = clamped(i);
      const Time R = (clamp && ref_until_[i] < T) ? ref_until_[i] : T;  // the clamp ends first
      const double rel = grid_.diff(t.origin, R);
      if (t.tc <= rel) {  // a spike before R
        const Time ts = t.tc <= 0.0 ? t.origin : std::min(R, grid_.add(t.origin, t.tc));
        // Samples strictly before the spike's time come from the trajectory before it, and so
        // does one at exactly that time (the state at threshold, as event_population).
        sample_dense(i, cursors, ts, t1);
        State x = state_at(i, t.tc);
        emit(i, ts, x, spikes);
        if (M::resets) {
          M::reset(x, p_);
          restart(i, x, ts);
        } else {
          search(i, t.tc);
        }
        continue;
      }
      if (!t.started && rel <= 0.0) break;
      if (t.started && dense_[i].current_time() >= rel) {
        sample_dense(i, cursors, R, t1);
        if (clamp && R == ref_until_[i]) {  // end of the clamp: another right-hand side
          restart(i, state_at(i, rel), R);
          if (R == T) break;
          continue;
        }
        break;
      }
      if (t.started) sample_dense(i, cursors, grid_.add(t.origin, dense_[i].current_time()), t1);
      if (!step(i)) return false;
    }
    return true;
  }

  bool advance_dense(std::size_t i, Step t1, std::span<const InputEvent> evs, std::vector<Spike>& spikes,
                     std::vector<SampleCursor>& cursors) {
    std::size_t e = 0;
    while (e < evs.size()) {
      const Time te{evs[e].step, evs[e].offset};
      if (!advance_to(i, te, t1, spikes, cursors)) return false;
      State x = state_at(i, grid_.diff(tr_[i].origin, te));
      const auto before = Base::observables_of(x);
      for (; e < evs.size() && Time{evs[e].step, evs[e].offset} == te; ++e) {
        const InputEvent& ev = evs[e];
        if (ev.port == kCurrentPort) { I_ext_[i] += ev.weight; continue; }
        double w = ev.weight;
        if (ev.projection >= 0) w = this->arrive_plastic(ev, te, before);
        if (M::voltage_jumps && M::clamp_refractory && refractory(i, te)) continue;  // a clamped V
        M::receive(x, ev.port, w, p_);
      }
      if (!finite_state(x)) return false;
      restart(i, x, te);
    }
    return advance_to(i, Time{t1, 0.0}, t1, spikes, cursors);
  }

  // A model's fixed-step loop (izhikevich's Euler): points at multiples of h from the run start.
  bool advance_fixed(std::size_t i, Step t1, std::span<const InputEvent> evs, std::vector<Spike>& spikes,
                     std::vector<SampleCursor>& cursors) {
    if constexpr (requires(State& s) { M::fixed_step(s, p_, 0.0, 0.0); }) {
      State& x = state_[i];
      const Step h = in_.h_steps;
      const double h_ms = grid_.ms(h);
      std::size_t e = 0;
      auto sample_to = [&](Step last) { take_samples(cursors, last, t1, [&](Step) { return x; }); };
      auto points_until = [&](Step limit) {  // every grid point P <= limit (P < t1)
        while (euler_at_[i] + h <= limit && euler_at_[i] + h < t1) {
          const Step P = euler_at_[i] + h;
          sample_to(P - 1);
          M::fixed_step(x, p_, I_ext_[i], h_ms);
          euler_at_[i] = P;
          sample_to(P);
          if (M::spike_fn(x, p_) >= 0.0) {
            emit(i, Time{P, 0.0}, x, spikes);
            M::reset(x, p_);
          }
        }
      };
      while (e < evs.size()) {
        const Step te = evs[e].step;
        points_until(te);
        sample_to(te);  // left limits: samples at te come before its inputs
        const InputEvent& ev = evs[e];
        if (ev.port == kCurrentPort) {
          I_ext_[i] += ev.weight;
        } else {
          double w = ev.weight;
          if (ev.projection >= 0) w = this->arrive_plastic(ev, Time{ev.step, ev.offset}, Base::observables_of(x));
          M::receive(x, ev.port, w, p_);
        }
        ++e;
      }
      points_until(t1 - 1);
      sample_to(t1 - 1);
      return finite_state(x);
    } else {
      (void)i, (void)t1, (void)evs, (void)spikes, (void)cursors;
      return false;  // parse_ode_integrator offers no fixed method to a model without one
    }
  }

  OdeIntegrator in_;
  std::vector<Dense> dense_;
  std::vector<Track> tr_;
  std::vector<Time> ref_until_;
  std::vector<Step> euler_at_;  // fixed-step methods: the grid step at which state_ holds
  Step clock_ = 0;
};

}  // namespace apical
