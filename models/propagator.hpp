// Exact-integration helpers shared by the linear models (Rotter & Diesmann 1999).
#pragma once
#include <cmath>

namespace apical {

// (1 - exp(-k t)) / k, the integral of exp(-k s) over [0, t]; tends to t as k -> 0.
// Written with expm1 so that it stays accurate when tau_m and tau_syn nearly coincide
// (k = 1/tau_syn - 1/tau_m small): the propagator has no singular case to special-case.
// Pinned by test "propagator: near-singular tau_m == tau_syn".
inline double decay_integral(double k, double t) {
  if (k == 0.0) return t;
  return -std::expm1(-k * t) / k;
}

// 1/tau_s - 1/tau_m, formed without cancellation.
inline double rate_difference(double tau_s, double tau_m) { return (tau_m - tau_s) / (tau_s * tau_m); }

}  // namespace apical
