// How a population of an ODE model is integrated: the `integrator` table of a population.
//
//   integrator = { method = "dopri5", atol = 1e-6, rtol = 1e-6, max_step = 0 }
//   integrator = { method = "euler_izhikevich", h = 1.0 }      (izhikevich only)
//   integrator = { method = "exact" }      (lif_cond_exp only, and its default)
//
// dopri5 (default): Boost.Odeint's Dormand-Prince 5(4) with step-size control and dense output;
// atol/rtol are odeint's absolute and relative error tolerances per step (the state's units);
// max_step (ms, 0 = unlimited) caps the step. A model may name fixed-step methods of its own
// (its `fixed_methods`); they take a step `h` (ms) that must be a whole number of grid steps.
// A model with a closed-form path between events (lif_cond_exp: models/lif_cond_exp_exact.hpp)
// offers "exact" (no settings) and takes it by default.
#pragma once
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/time.hpp"

namespace apical {

struct OdeIntegrator {
  std::string method = "dopri5";
  double atol = 1e-6, rtol = 1e-6, max_step = 0.0;
  Step h_steps = 0;  // fixed-step methods: the step in grid steps
  bool adaptive() const { return method == "dopri5"; }
  bool exact() const { return method == "exact"; }
};

// Reads the population's `integrator` table if present; `fixed` lists the model's own methods;
// `has_exact`: the model offers "exact", which is then the default.
OdeIntegrator parse_ode_integrator(const ConfigNode& population, const std::vector<std::string>& fixed,
                                   const Grid& grid, bool has_exact = false);

}  // namespace apical
