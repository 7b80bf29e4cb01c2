// Current sources: dc, step and noise currents into chosen neurons of a population. Each source
// turns into current-change events (port kCurrentPort, weight = change in pA) on the grid, so
// the exact integrators see a current that is piecewise constant between grid points.
//
//   dc:    amplitude [pA] from start to stop [ms]
//   step:  times [ms], amplitudes [pA]: amplitude k holds from times[k] until times[k+1] (or stop)
//   noise: a new value every step h; mean and std [pA]; tau [ms] = 0 gives independent values
//          per step (white, as NEST's noise_generator with dt = h), tau > 0 an Ornstein-Uhlenbeck
//          process updated exactly per step: x' = mean + (x - mean) e^{-h/tau} + std sqrt(1 - e^{-2h/tau}) xi.
//          correlation c in [0, 1]: xi = sqrt(1-c) xi_own + sqrt(c) xi_shared, so any two
//          neurons of the source have noise correlation c.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "sim/population.hpp"

namespace apical {

class CurrentSource {
 public:
  enum class Kind { dc, step, noise };

  // Changes: (step, amplitude) pairs with strictly increasing steps; the amplitude holds from
  // that step on. dc and step sources are described this way.
  static CurrentSource piecewise(std::string name, std::size_t target, std::vector<std::uint32_t> nodes,
                                 std::vector<std::pair<Step, double>> changes, Kind kind);
  static CurrentSource noise(std::string name, std::size_t target, std::vector<std::uint32_t> nodes,
                             Step start, Step stop, double mean, double std, double tau_ms,
                             double correlation, double h, std::uint64_t seed, std::uint32_t owner);

  const std::string& name() const { return name_; }
  // The port of the events: kCurrentPort, or kCurrentPort - k for compartment k of the target.
  void set_port(std::int32_t port) { port_ = port; }
  std::size_t target() const { return target_; }
  // Append the events of nodes in [first, last) with steps in [t0, t1), in (node, step) order.
  void events(std::size_t first, std::size_t last, Step t0, Step t1, std::vector<InputEvent>& out);
  void reset(Step origin);
  static constexpr Step kNever = std::numeric_limits<Step>::max() / 2;

 private:
  double noise_value(std::size_t rank, Step t);

  std::string name_;
  std::size_t target_ = 0;
  std::int32_t port_ = kCurrentPort;
  Kind kind_ = Kind::dc;
  std::vector<std::uint32_t> nodes_;  // sorted
  std::vector<std::pair<Step, double>> changes_;
  // noise
  Step origin_ = 0, start_ = 0, stop_ = 0;
  double mean_ = 0, std_ = 0, decay_ = 0, kick_ = 0, own_ = 1, shared_ = 0;
  std::uint64_t seed_ = 0;
  std::uint32_t owner_ = 0;
  std::vector<RandomStream> rng_;
  std::vector<double> value_;  // current value per node (what the neuron currently receives)
};

}  // namespace apical
