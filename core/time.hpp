// Simulation time: an int64 count of the base resolution h plus, for precise events, a double
// offset in [0, h). Differences are computed from (step, offset) pairs, never by accumulating
// doubles, so long runs do not drift and event order is reproducible.
#pragma once
#include <cmath>
#include <cstdint>

namespace apical {

using Step = std::int64_t;

struct Time {
  Step step = 0;
  double offset = 0.0;  // ms, in [0, h)

  friend bool operator<(const Time& a, const Time& b) {
    return a.step != b.step ? a.step < b.step : a.offset < b.offset;
  }
  friend bool operator==(const Time& a, const Time& b) = default;
  friend bool operator<=(const Time& a, const Time& b) { return !(b < a); }
};

// The resolution and the conversions that need it.
struct Grid {
  double h = 0.1;  // ms

  double ms(const Time& t) const { return static_cast<double>(t.step) * h + t.offset; }
  double ms(Step s) const { return static_cast<double>(s) * h; }
  // b - a in ms, exact to rounding of one subtraction and one product.
  double diff(const Time& a, const Time& b) const {
    return static_cast<double>(b.step - a.step) * h + (b.offset - a.offset);
  }
  // a + dt (dt >= 0 ms), normalised so that the offset lies in [0, h).
  Time add(const Time& a, double dt) const {
    double total = a.offset + dt;
    auto whole = static_cast<Step>(std::floor(total / h));
    Time r{a.step + whole, total - static_cast<double>(whole) * h};
    if (r.offset >= h) { ++r.step; r.offset -= h; }
    if (r.offset < 0.0) { --r.step; r.offset += h; }
    return r;
  }
  Time from_ms(double t) const { return add(Time{0, 0.0}, t); }
  // Number of whole steps in a duration that must be a multiple of h (within rounding).
  // Returns -1 if it is not.
  Step steps_exact(double ms_value) const {
    double n = std::round(ms_value / h);
    if (std::fabs(n * h - ms_value) > 1e-9 * std::fmax(1.0, std::fabs(ms_value))) return -1;
    return static_cast<Step>(n);
  }
};

}  // namespace apical
