#include "sim/ode_integrator.hpp"

namespace apical {

OdeIntegrator parse_ode_integrator(const ConfigNode& population, const std::vector<std::string>& fixed,
                                   const Grid& grid, bool has_exact) {
  OdeIntegrator in;
  if (has_exact) in.method = "exact";
  if (!population.has("integrator")) return in;
  if (!population.is_table("integrator"))
    population.fail("integrator", "must be a table, e.g. { method = \"dopri5\", atol = 1e-8, rtol = 1e-8 }");
  ConfigNode t = population.table("integrator");
  std::vector<std::string> methods{"dopri5"};
  if (has_exact) methods.insert(methods.begin(), "exact");
  methods.insert(methods.end(), fixed.begin(), fixed.end());
  in.method = t.choice("method", methods, in.method);
  if (in.exact()) {
    for (const char* key : {"atol", "rtol", "max_step", "h"})
      if (t.has(key)) t.fail(key, "is not a setting of method \"exact\" (the default here); add method = \"dopri5\" to use it");
  } else if (in.adaptive()) {
    // Below ~1e-15 relative the controller cannot meet the tolerance in double precision.
    in.atol = t.number("atol", in.atol, Check::positive());
    in.rtol = t.number("rtol", in.rtol, Check::non_negative());
    if (in.rtol > 0.0 && in.rtol < 1e-14) t.fail("rtol", "must be 0 or at least 1e-14 (double precision)");
    if (in.atol < 1e-14) t.fail("atol", "must be at least 1e-14 (double precision)");
    if (in.atol > 1.0) t.fail("atol", "must be at most 1 (an error tolerance per step, in the state's units)");
    if (in.rtol > 0.1) t.fail("rtol", "must be at most 0.1");
    in.max_step = t.number("max_step", 0.0, Check::non_negative("ms"));
  } else {
    const double h = t.number("h", 1.0, Check::positive("ms"));
    in.h_steps = grid.steps_exact(h);
    if (in.h_steps <= 0)
      t.fail("h", "must be a whole number of grid steps of " + format_number(grid.h) + " ms");
  }
  t.finish();
  return in;
}

}  // namespace apical
