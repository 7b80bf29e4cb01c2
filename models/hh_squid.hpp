// NEURON's built-in `hh` mechanism (hh.mod, squid axon Hodgkin-Huxley channels) for compartments.
// Rate functions exactly as hh.mod (v in mV, rates in 1/ms), with its temperature dependence:
//
//   q10 = 3^((celsius - 6.3) / 10)                       (celsius 6.3 degC by default)
//   m: alpha = 0.1 vtrap(-(v+40), 10)        beta = 4 exp(-(v+65)/18)
//   h: alpha = 0.07 exp(-(v+65)/20)          beta = 1 / (exp(-(v+35)/10) + 1)
//   n: alpha = 0.01 vtrap(-(v+55), 10)       beta = 0.125 exp(-(v+65)/80)
//   x_inf = alpha / (alpha + beta),  tau_x = 1 / (q10 (alpha + beta))
//   vtrap(x, y) = y (1 - x/y/2) if |x/y| < 1e-6, else x / (exp(x/y) - 1)
//   i = gnabar m^3 h (v - ena) + gkbar n^4 (v - ek) + gl (v - el)
//
// Densities (S/cm^2) and reversals (mV), NEURON's defaults: gnabar 0.12, gkbar 0.036, gl 0.0003,
// el -54.3, ena 50, ek -77. (NEURON's hh.mod interpolates these rates from a table unless
// usetable_hh = 0; apical evaluates the functions, the reference script sets usetable_hh = 0.)
// Gates are advanced as NEURON's cnexp does after each voltage solve (staggered scheme):
//   x <- x_inf(v) + (x - x_inf(v)) exp(-dt / tau_x(v)),  v the voltage just solved for.
#pragma once
#include <cmath>

namespace apical::hh {

struct Densities {
  double gnabar = 0.12, gkbar = 0.036, gl = 0.0003;  // S/cm^2
  double el = -54.3, ena = 50.0, ek = -77.0;         // mV
};

inline double q10(double celsius) { return std::pow(3.0, (celsius - 6.3) / 10.0); }

inline double vtrap(double x, double y) {
  return std::fabs(x / y) < 1e-6 ? y * (1.0 - x / y / 2.0) : x / (std::exp(x / y) - 1.0);
}

struct Rates {
  double minf, mtau, hinf, htau, ninf, ntau;
};

inline Rates rates(double v, double q) {
  Rates r{};
  double a = 0.1 * vtrap(-(v + 40.0), 10.0), b = 4.0 * std::exp(-(v + 65.0) / 18.0);
  r.mtau = 1.0 / (q * (a + b));
  r.minf = a / (a + b);
  a = 0.07 * std::exp(-(v + 65.0) / 20.0);
  b = 1.0 / (std::exp(-(v + 35.0) / 10.0) + 1.0);
  r.htau = 1.0 / (q * (a + b));
  r.hinf = a / (a + b);
  a = 0.01 * vtrap(-(v + 55.0), 10.0);
  b = 0.125 * std::exp(-(v + 65.0) / 80.0);
  r.ntau = 1.0 / (q * (a + b));
  r.ninf = a / (a + b);
  return r;
}

struct Gates {
  double m = 0, h = 0, n = 0;
};

inline Gates steady(double v, double q) {
  Rates r = rates(v, q);
  return {r.minf, r.hinf, r.ninf};
}

inline void advance(Gates& g, double v, double q, double dt) {
  Rates r = rates(v, q);
  g.m = r.minf + (g.m - r.minf) * std::exp(-dt / r.mtau);
  g.h = r.hinf + (g.h - r.hinf) * std::exp(-dt / r.htau);
  g.n = r.ninf + (g.n - r.ninf) * std::exp(-dt / r.ntau);
}

}  // namespace apical::hh
