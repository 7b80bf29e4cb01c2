// Escape-noise (hazard) spiking drawn exactly on an integrated trajectory, by time rescaling:
// a neuron with instantaneous rate phi(t) spikes when the integrated hazard
//   Lambda(t) = integral from the last spike (or the end of refractoriness) of phi(s) ds
// reaches an Exp(1) variate E; then a new E is drawn. Between two points of the trajectory the
// rate is taken linear in time (the trapezoid rule on the solver's own grid), and the spike time
// inside the interval solves Lambda(t) = E on that linear rate exactly (a quadratic).
// Variates come from the caller's counter-based stream (StreamKind::spiking), one per spike, so
// the spike train is a pure function of (seed, population, neuron) and of the trajectory.
//
// The rate function used by the Urbanczik-Senn and Sacramento presets (SCIENCE.md 4.1):
//   phi(u) = phi_max / (1 + k exp(beta (theta - u)))   [phi_max in 1/ms = kHz]
#pragma once
#include <algorithm>
#include <cmath>

#include "core/rng.hpp"

namespace apical {

struct SigmoidRate {
  double phi_max = 0.15, k = 0.5, beta = 5.0, theta = 1.0;
  double operator()(double u) const { return phi_max / (1.0 + k * std::exp(beta * (theta - u))); }
  // h(u) = d ln phi / du = beta / (1 + exp(-beta (theta - u)) / k)
  double log_slope(double u) const { return beta / (1.0 + std::exp(-beta * (theta - u)) / k); }
  // The potential whose rate is r, for 0 < r < phi_max (r / phi_max is clamped into [0.001, 0.999]:
  // a noisy estimate of a rate, e.g. a filtered spike train, then gives at most theta +- 6.9 / beta).
  double inverse(double r) const {
    const double x = std::clamp(r / phi_max, 1e-3, 1.0 - 1e-3);
    return theta - std::log((1.0 / x - 1.0) / k) / beta;
  }
};

class HazardClock {
 public:
  void start(RandomStream& rng) { left_ = -std::log(rng.uniform()); }
  // Advance over an interval of length dt (ms) with rates r0 at its start and r1 at its end
  // (1/ms). Returns the fraction in [0, 1] of the interval at which the integrated hazard reaches
  // the variate, or a negative number if it does not. The caller draws a new variate (start) after
  // a spike and calls again for the rest of the interval if it allows another spike there.
  double advance(double r0, double r1, double dt) {
    double mass = 0.5 * (r0 + r1) * dt;
    if (mass < left_) {
      left_ -= mass;
      return -1.0;
    }
    // Solve r0 s dt + (r1 - r0) s^2 dt / 2 = left for s in [0, 1].
    double a = 0.5 * (r1 - r0) * dt, b = r0 * dt, c = -left_;
    // The root in [0, 1], in the form that stays accurate for a -> 0 (a linear rate).
    double s = (2.0 * -c) / (b + std::sqrt(std::fmax(b * b - 4.0 * a * c, 0.0)));
    left_ = 0.0;
    return std::fmin(std::fmax(s, 0.0), 1.0);
  }
  double left() const { return left_; }

 private:
  double left_ = 0.0;
};

}  // namespace apical
