// izhikevich: the simple model of Izhikevich 2003 (IEEE Trans Neural Netw 14:1569). NEST
// equivalent: izhikevich (same parameter names and defaults).
//
//   dv/dt = 0.04 v^2 + 5 v + 140 - u + I_e + I_ext        (v in mV, t in ms; I in his units, mV/ms,
//   du/dt = a (b v - u)                                    labelled pA as in NEST)
//   spike when v reaches V_th (30 mV): v := c, u := u + d; no refractory period
//   input on receptor ex or in with weight w [mV]: v += w (a voltage jump, as NEST)
//
// Integrators: dopri5 (default; the crossing of V_th located on the dense output), or
// integrator = { method = "euler_izhikevich", h = 1.0 }: his published loop, which produced the
// figures of the paper (and NEST's izhikevich with consistent_integration = false): per step h,
//   v += h/2 (0.04 v^2 + 5 v + 140 - u + I);  v += h/2 (0.04 v^2 + 5 v + 140 - u + I);
//   u += h a (b v - u)   (the new v);  then if v >= V_th: spike at the step's end, v := c, u += d.
// With h = 1 ms that is exactly the 2003 code (two 0.5 ms half steps of v per 1 ms step).
//
// Parameters (key, default, unit): a 0.02 (1/ms), b 0.2 (1/ms), c -65 mV, d 8 (pA, his units),
//   V_th 30 mV, I_e 0 (pA, his units).
// Initial state: V_m -65 mV, U_m = b V_m (-13).  Observables: V_m (mV), U_m (pA, his units).
// Regimes of the paper (a, b, c, d): RS (0.02, 0.2, -65, 8), IB (0.02, 0.2, -55, 4),
//   CH (0.02, 0.2, -50, 2), FS (0.1, 0.2, -65, 2), LTS (0.02, 0.25, -65, 2).
#pragma once
#include <array>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace apical {

struct Izhikevich {
  static constexpr const char* name = "izhikevich";
  static constexpr std::array<const char*, 2> receptors = {"ex", "in"};
  static constexpr std::array<const char*, 2> observables = {"V_m", "U_m"};
  static constexpr std::array<const char*, 2> observable_units = {"mV", "pA"};
  static constexpr bool resets = true, clamp_refractory = false, voltage_jumps = true;
  static std::vector<std::string> fixed_methods() { return {"euler_izhikevich"}; }

  struct Params {
    double a = 0.02, b = 0.2, c = -65.0, d = 8.0, V_th = 30.0, I_e = 0.0;
    double t_ref = 0.0;  // none; what OdePopulation reads
  };
  using State = std::array<double, 2>;  // V_m, U_m

  static Params parse(const ConfigNode& cfg) {
    Params p;
    p.a = cfg.number("a", p.a, Check::finite("1/ms"));
    p.b = cfg.number("b", p.b, Check::finite("1/ms"));
    p.c = cfg.number("c", p.c, Check::finite("mV"));
    p.d = cfg.number("d", p.d, Check::finite("pA"));
    p.V_th = cfg.number("V_th", p.V_th, Check::finite("mV"));
    p.I_e = cfg.number("I_e", p.I_e, Check::finite("pA"));
    if (!(p.c < p.V_th)) cfg.fail("c", "the reset c must be below V_th");
    return p;
  }
  static State initial(const Params& p) { return {-65.0, p.b * -65.0}; }

  static void rhs(const State& x, State& dx, const Params& p, double I_ext, bool) {
    const double v = x[0];
    dx[0] = 0.04 * v * v + 5.0 * v + 140.0 - x[1] + p.I_e + I_ext;
    dx[1] = p.a * (p.b * v - x[1]);
  }
  // His loop, one step of h ms (see the header).
  static void fixed_step(State& x, const Params& p, double I_ext, double h) {
    const double I = p.I_e + I_ext, u = x[1];
    double v = x[0];
    v += 0.5 * h * (0.04 * v * v + 5.0 * v + 140.0 - u + I);
    v += 0.5 * h * (0.04 * v * v + 5.0 * v + 140.0 - u + I);
    x[0] = v;
    x[1] = u + h * p.a * (p.b * v - u);
  }
  static double spike_fn(const State& x, const Params& p) { return x[0] - p.V_th; }
  static void reset(State& x, const Params& p) {
    x[0] = p.c;
    x[1] += p.d;
  }
  static void receive(State& x, int, double w, const Params&) { x[0] += w; }
  static double observable(const State& x, int k) { return x[static_cast<std::size_t>(k)]; }
  static void set_observable(State& x, int k, double v) { x[static_cast<std::size_t>(k)] = v; }
};

}  // namespace apical
