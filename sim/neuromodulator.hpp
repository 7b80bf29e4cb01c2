// Neuromodulator sources: third factors delivered during a run at times computed from events (the
// trial objective's reward, delivered at trial ends, is the other source: sim/simulator.cpp).
//
//   [[neuromodulators]]
//   kind = "reward_on_pairing"   # or "times"
//   amount = 0.5                 # value of each pulse (Izhikevich's 0.5 uM of dopamine)
//   projections = ["ee"]         # plastic projections that receive it (default: every plastic one)
//   # reward_on_pairing: a spike of post_node of `post` within (0, window] ms after a spike of
//   # pre_node of `pre` (the latest one before it) is a pairing; each pairing schedules a pulse
//   # `delay` ms later (a constant or a distribution, drawn in pairing order from the stream
//   # (seed, StreamKind::reward, modulator index)).
//   pre = "exc"
//   pre_node = 0
//   post = "exc"
//   post_node = 1
//   window = 10.0
//   delay = { distribution = "uniform", low = 1000.0, high = 3000.0 }
//   # times: pulses at the given times (ms)
//   times = [500.0, 1200.0]
//
// A pulse reaches every target neuron of the projections through Rule::on_third_factor(post, t,
// amount, ...), on the scheduler's thread at the first epoch boundary at or after its time: t is
// that boundary (a pulse is late by less than one epoch, at most the smallest delay). What a pulse
// does is the rule's: rstdp with tau_d > 0 adds it to a dopamine concentration d that decays with
// tau_d (Izhikevich 2007's dd/dt = -d/tau_d + DA(t)); with tau_d = 0 it multiplies the
// eligibility at once. Pulses still pending when a trial ends are dropped with the trial's state.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "sim/detail/distribution.hpp"
#include "sim/population.hpp"

namespace apical {

class Neuromodulator {
 public:
  enum class Kind { reward_on_pairing, times };
  struct Pending {
    Time due;
    double amount;
  };

  std::string name;  // "neuromodulators[k]"
  Kind kind = Kind::times;
  double amount = 1.0;
  std::vector<std::size_t> projections;  // indices of the plastic projections it reaches
  // reward_on_pairing
  std::size_t pre = 0, post = 0;
  std::uint32_t pre_node = 0, post_node = 0;
  double window = 10.0;
  detail::Distribution delay;
  // times
  std::vector<Time> times;

  Neuromodulator(std::uint64_t seed, std::uint32_t index) : seed_(seed), index_(index), rng_(seed, StreamKind::reward, index, 0) {}

  // Start of a run: nothing pending, the delay stream from its beginning.
  void start();
  // Start of a trial other than the first, at step `at`: pending pulses and the last pre spike
  // are dropped; pulses of `times` at or after `at` stay scheduled.
  void restart(Step at);
  // The spikes of one epoch (per population, sorted by time): schedules the pulses they cause.
  void observe(const std::vector<std::vector<Spike>>& spikes, const Grid& grid);
  // Removes and returns the amounts of the pulses due at or before t1, in time order.
  std::vector<double> take_due(Step t1);
  std::size_t scheduled() const { return scheduled_; }  // pulses scheduled since start()

 private:
  void schedule(Time due, double value);

  std::uint64_t seed_;
  std::uint32_t index_;
  RandomStream rng_;
  std::vector<Pending> pending_;  // sorted by due time
  bool has_pre_ = false;
  Time last_pre_{};
  std::size_t scheduled_ = 0;
};

}  // namespace apical
