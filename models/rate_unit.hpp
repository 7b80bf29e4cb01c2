// rate_unit: a clock-driven rate neuron (DESIGN.md "rate populations"), dimensionless. Its output
// phi(u) is sent every step as a graded event (a "spike" carrying that value), so it reaches its
// targets with the projection's delay, at least one step, like every other connection.
//
//   x_t       = sum over inputs arriving in step t of weight * presynaptic output, plus I_ext
//   u_{t+1}   = a u_t + (1 - a) x_t,   a = exp(-h / tau)   (tau = 0: u_{t+1} = x_t)
//   output_t  = phi(u_t),  phi: "linear" (u), "relu" (max(u, 0)), "sigmoid" (1/(1+e^-u)),
//               "tanh", "softplus" (log(1 + e^u))
//
// Sampled at step t, u (observable V_m) and phi(u) (observable rate) are the values before the
// update of step t, the convention of every clock-driven model. Outputs of exactly 0 are not sent.
// Parameters: tau 0 ms (instantaneous), phi "linear". Receptor "syn".
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/time.hpp"
#include "models/neuron_step.hpp"

namespace apical {

struct RateUnit {
  static constexpr const char* name = "rate_unit";
  static constexpr std::array<const char*, 1> receptors = {"syn"};
  static constexpr std::array<const char*, 2> observables = {"V_m", "rate"};
  static constexpr std::array<const char*, 2> observable_units = {"1", "1"};

  enum class Phi { linear, relu, sigmoid, tanh, softplus };
  struct Params {
    double tau = 0.0;
    Phi phi = Phi::linear;
    double a = 0.0;  // derived: exp(-h / tau), 0 for tau = 0
  };
  struct State {
    double V_m = 0.0;
    double rate = 0.0;  // phi(V_m), kept with it so that observables need no parameters
  };

  static Params parse(const ConfigNode& c, const Grid& grid) {
    Params p;
    p.tau = c.number("tau", 0.0, Check::non_negative("ms"));
    const std::string f = c.choice("phi", {"linear", "relu", "sigmoid", "tanh", "softplus"}, "linear");
    p.phi = f == "linear" ? Phi::linear : f == "relu" ? Phi::relu : f == "sigmoid" ? Phi::sigmoid
          : f == "tanh" ? Phi::tanh : Phi::softplus;
    p.a = p.tau > 0.0 ? std::exp(-grid.h / p.tau) : 0.0;
    return p;
  }
  static State initial(const Params& p) { return State{0.0, phi(p, 0.0)}; }
  // After an initial V_m was set: make rate agree with it.
  static void settle(State& s, const Params& p) { s.rate = phi(p, s.V_m); }

  static double phi(const Params& p, double u) {
    switch (p.phi) {
      case Phi::linear: return u;
      case Phi::relu: return std::max(u, 0.0);
      case Phi::sigmoid: return 1.0 / (1.0 + std::exp(-u));
      case Phi::tanh: return std::tanh(u);
      case Phi::softplus: return u > 30.0 ? u : std::log1p(std::exp(u));
    }
    return u;
  }
  // The graded output sent at this step (before the update).
  static double output(const State& s, const Params&) { return s.rate; }
  static bool step(State& s, const Params& p, double x) {
    s.V_m = p.a * s.V_m + (1.0 - p.a) * x;
    s.rate = phi(p, s.V_m);
    return false;
  }
  // phi'(u), for gradient-derived rules (feedback_alignment).
  static double slope(const Params& p, double u) {
    switch (p.phi) {
      case Phi::linear: return 1.0;
      case Phi::relu: return u > 0.0 ? 1.0 : 0.0;
      case Phi::sigmoid: { const double f = 1.0 / (1.0 + std::exp(-u)); return f * (1.0 - f); }
      case Phi::tanh: { const double f = std::tanh(u); return 1.0 - f * f; }
      case Phi::softplus: return 1.0 / (1.0 + std::exp(-u));
    }
    return 1.0;
  }
  static NeuronDynamics dynamics(const Params& p) {
    NeuronDynamics d;
    d.model = name;
    d.spiking = false;
    d.beta = p.a;
    d.input_gain = 1.0 - p.a;
    return d;
  }
  static NeuronStep neuron_step(const State& before, const Params& p, bool) {
    NeuronStep n;
    n.v = before.V_m;
    n.slope = slope(p, before.V_m);
    n.output = before.rate;
    return n;
  }
  // dL/dx for a function L of the trace of V_m (or of rate, if phi is linear), g = dL/dtrace
  // ([steps, n]): lam_u_s = a lam_u_{s+1} + g_s, dL/dx_s = (1 - a) lam_u_{s+1}.
  static bool input_adjoint(const Params& p, int observable, const std::vector<double>& g, std::size_t n,
                            std::vector<double>& dx) {
    if (observable != 0 && p.phi != Phi::linear) return false;
    const std::size_t steps = n ? g.size() / n : 0;
    dx.assign(g.size(), 0.0);
    for (std::size_t k = 0; k < n; ++k) {
      double lam_u = 0.0;
      for (std::size_t s = steps; s-- > 0;) {
        dx[s * n + k] = (1.0 - p.a) * lam_u;
        lam_u = p.a * lam_u + g[s * n + k];
      }
    }
    return true;
  }
  static double observable(const State& s, int k) { return k == 0 ? s.V_m : s.rate; }
  static void set_observable(State& s, int k, double v) { (k == 0 ? s.V_m : s.rate) = v; }
};

}  // namespace apical
