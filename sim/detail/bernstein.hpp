// Threshold crossings on a dopri5 dense-output step, found without missing any.
//
// odeint's dopri5 dense output is, per component, a polynomial of degree 5 in the step fraction
// (the b_i(theta) of runge_kutta_dopri5::calc_state are quintics), so the distance to threshold
// f(t) = V(t) - V_th along one step, or along any part of it, is a quintic. Six samples of the
// dense output determine it. In the Bernstein basis its coefficients bound it from both sides
// (convex hull property): if every coefficient is negative, f < 0 on the whole interval, however
// it wiggles inside; otherwise de Casteljau subdivision halves the interval and the test is
// repeated on each half, left first. This finds the *first* point where f >= 0 to a relative
// width of 2^-46 of the interval, including a crossing that goes up and back down inside one step.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>

namespace apical::detail {

using Quintic = std::array<double, 6>;  // Bernstein coefficients on [0, 1]

// Bernstein coefficients of the quintic through f at theta = 0, 1/5, ..., 1.
inline Quintic bernstein_from_samples(const Quintic& f) {
  // The inverse of B[i][j] = C(5,j) (i/5)^j (1 - i/5)^(5-j), computed once by Gauss-Jordan.
  static const std::array<std::array<double, 6>, 6> inv = [] {
    std::array<std::array<double, 12>, 6> a{};
    const double binom[6] = {1, 5, 10, 10, 5, 1};
    for (int i = 0; i < 6; ++i) {
      const double th = i / 5.0;
      for (int j = 0; j < 6; ++j) a[i][j] = binom[j] * std::pow(th, j) * std::pow(1.0 - th, 5 - j);
      a[i][6 + i] = 1.0;
    }
    for (int c = 0; c < 6; ++c) {
      int piv = c;
      for (int r = c + 1; r < 6; ++r) if (std::fabs(a[r][c]) > std::fabs(a[piv][c])) piv = r;
      std::swap(a[c], a[piv]);
      const double d = a[c][c];
      for (auto& v : a[c]) v /= d;
      for (int r = 0; r < 6; ++r) {
        if (r == c) continue;
        const double m = a[r][c];
        for (int k = 0; k < 12; ++k) a[r][k] -= m * a[c][k];
      }
    }
    std::array<std::array<double, 6>, 6> out{};
    for (int i = 0; i < 6; ++i) for (int j = 0; j < 6; ++j) out[i][j] = a[i][6 + j];
    return out;
  }();
  Quintic c{};
  for (int i = 0; i < 6; ++i) {
    double s = 0.0;
    for (int j = 0; j < 6; ++j) s += inv[i][j] * f[j];
    c[i] = s;
  }
  c[0] = f[0];  // exact at the ends: the interpolant passes through the samples there
  c[5] = f[5];
  return c;
}

// Split at theta: left holds [0, theta], right holds [theta, 1], both rescaled to [0, 1].
inline void subdivide(const Quintic& c, double theta, Quintic& left, Quintic& right) {
  Quintic w = c;
  left[0] = w[0];
  right[5] = w[5];
  for (int r = 1; r < 6; ++r) {
    for (int k = 0; k < 6 - r; ++k) w[k] = (1.0 - theta) * w[k] + theta * w[k + 1];
    left[r] = w[0];
    right[5 - r] = w[5 - r];
  }
}

// First theta in [lo, hi] (c: the coefficients on [lo, hi]) at which the polynomial is >= 0, or
// -1 if it stays negative. The result has p(result) >= 0 exactly as evaluated.
inline double first_nonnegative(const Quintic& c, double lo = 0.0, double hi = 1.0, int depth = 46) {
  if (*std::max_element(c.begin(), c.end()) < 0.0) return -1.0;
  if (c[0] >= 0.0) return lo;
  if (depth == 0) return c[5] >= 0.0 ? hi : -1.0;  // a touch narrower than the resolution
  Quintic l, r;
  subdivide(c, 0.5, l, r);
  const double mid = 0.5 * (lo + hi);
  const double t = first_nonnegative(l, lo, mid, depth - 1);
  return t >= 0.0 ? t : first_nonnegative(r, mid, hi, depth - 1);
}

// First upward crossing: the first theta at which p >= 0 after having been < 0 on [0, theta).
// If p(0) >= 0 the polynomial must first fall below 0 (a spike detector that is still above
// threshold, e.g. at the end of a refractory period, waits for the next rise).
inline double first_upward_crossing(const Quintic& c) {
  if (c[0] < 0.0) return first_nonnegative(c);
  Quintic neg;
  for (int k = 0; k < 6; ++k) neg[k] = -c[k];
  // First point where -p > 0; treat -p >= tiny as below (strictly negative p).
  double below = first_nonnegative(neg);
  while (below >= 0.0 && below < 1.0) {
    Quintic l, r;
    subdivide(c, below, l, r);
    if (r[0] < 0.0) {
      double up = first_nonnegative(r);
      return up < 0.0 ? -1.0 : below + up * (1.0 - below);
    }
    // p(below) == 0 exactly: look a little further.
    below = std::nextafter(below, 2.0);
    if (below >= 1.0) break;
    Quintic l2, r2;
    subdivide(c, below, l2, r2);
    for (int k = 0; k < 6; ++k) neg[k] = -r2[k];
    const double again = first_nonnegative(neg);
    if (again < 0.0) return -1.0;
    below = below + again * (1.0 - below);
  }
  return -1.0;
}

}  // namespace apical::detail
