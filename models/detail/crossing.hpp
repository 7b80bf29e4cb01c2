// Locating a threshold crossing on an interval where the function is known to be increasing.
#pragma once
#include <cmath>

namespace apical::detail {

// f(lo) < 0 <= f(hi) and f increasing on [lo, hi]. Safeguarded Newton: a Newton step when it
// stays inside the bracket and shrinks it fast, a bisection otherwise. Returns the upper end of a
// bracket narrower than tol, so that f(result) >= 0 holds exactly (the state propagated to the
// returned time is at or above threshold, never a hair below).
template <class F, class DF>
double locate_increasing_root(F f, DF df, double lo, double hi, double tol = 1e-13) {
  double t = 0.5 * (lo + hi);
  for (int it = 0; it < 200 && hi - lo > tol; ++it) {
    double ft = f(t);
    if (ft >= 0.0) hi = t; else lo = t;
    double d = df(t);
    double next = (d > 0.0) ? t - ft / d : 0.5 * (lo + hi);
    // Newton stays strictly inside the bracket; near convergence probe just either side of it so
    // the bracket collapses instead of creeping.
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::fabs(next - t) < 0.25 * tol) next = (ft >= 0.0) ? std::fmax(lo, t - 0.5 * tol) : std::fmin(hi, t + 0.5 * tol);
    t = next;
  }
  return hi;
}

}  // namespace apical::detail
