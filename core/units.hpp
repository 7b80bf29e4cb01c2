// Internal units, fixed for the whole code base and stated once here.
//
//   time         ms        rate        Hz (1/s; converted to 1/ms where used)
//   voltage      mV        current     pA
//   capacitance  pF        conductance nS
//
// With these, pA / pF = mV / ms, so dV/dt = I / C_m needs no conversion factor.
// Dimensionless models (the SURROGATE.md network, Urbanczik-Senn, Sacramento, Lansdell & Kording)
// say so in their headers and map their units to these.
#pragma once

namespace apical::units {
inline constexpr double hz_to_per_ms = 1e-3;
}  // namespace apical::units
