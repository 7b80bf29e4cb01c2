// lif_cond_exp's default path, closed form plus Gauss-Legendre between events
// (models/lif_cond_exp_exact.hpp): against dopri5 at tolerance 1e-12 on random input trains,
// against lif_psc_exp where the reversal potentials are far away, a crossing that rises and falls
// back inside one interval against an independent fine RK4, and 1 versus 2 threads.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "../support.hpp"
#include "models/lif_cond_exp_exact.hpp"

using namespace apical;

namespace {

using test::max_abs_diff;
using test::number;
using test::one_neuron;

std::vector<double> random_train(std::mt19937& rng, std::size_t n, double T) {
  std::uniform_real_distribution<double> u(0.0, T);
  std::vector<double> t(n);
  for (auto& x : t) x = u(rng);
  std::sort(t.begin(), t.end());
  return t;
}


const char* kCobaDriven =
    "{ C_m = 200.0, g_L = 10.0, E_L = -60.0, V_th = -50.0, V_reset = -60.0, t_ref = 5.0, E_ex = 0.0, "
    "E_in = -80.0, tau_syn_ex = 5.0, tau_syn_in = 10.0, I_e = 250.0 }";

}  // namespace

TEST_CASE("lif_cond_exp exact agrees with dopri5 at tolerance 1e-12 on random input trains", "[ode][exact]") {
  // COBA's neuron and input statistics (64 excitatory inputs of 6 nS and 16 inhibitory of 67 nS,
  // each near 20 Hz, plus a drive that makes it fire), off-grid input times; also the NEST
  // defaults (tau_syn_ex 0.2 ms: many quadrature panels) and a constant current.
  struct Case {
    const char* params;
    double w_ex, w_in, rate_ex, rate_in;
  };
  const Case cases[] = {
      {kCobaDriven, 6.0, 67.0, 1600.0, 320.0},
      {"{ I_e = 300.0 }", 30.0, 40.0, 1500.0, 500.0},
  };
  int seed = 1;
  for (const auto& c : cases) {
    std::mt19937 rng(static_cast<unsigned>(seed++));
    const double T = 500.0;
    auto ex = random_train(rng, static_cast<std::size_t>(c.rate_ex * T / 1000), T);
    auto in = random_train(rng, static_cast<std::size_t>(c.rate_in * T / 1000), T);
    auto exact = test::run(one_neuron("lif_cond_exp", c.params, "", T, ex, c.w_ex, in, c.w_in));
    auto ref = test::run(one_neuron("lif_cond_exp", c.params, "{ method = \"dopri5\", atol = 1e-12, rtol = 1e-12 }", T,
                                    ex, c.w_ex, in, c.w_in));
    auto te = test::spike_times_ms(exact, 0, 0), tr = test::spike_times_ms(ref, 0, 0);
    INFO("params " << c.params << ": spikes exact " << te.size() << ", dopri5 " << tr.size());
    REQUIRE(tr.size() >= 5);
    REQUIRE(te.size() == tr.size());
    CHECK(max_abs_diff(te, tr) < 1e-6);                              // ms
    CHECK(max_abs_diff(exact.samples[0], ref.samples[0]) < 1e-6);    // mV, every 0.1 ms
  }
}

TEST_CASE("lif_cond_exp exact with far reversal potentials is lif_psc_exp", "[ode][exact]") {
  // g (E - V) = g E (1 - V/E): with E = +-1e9 mV and g = J/E a current jump J up to 1e-7
  // relative. Drive near threshold so that EPSPs graze it.
  const double E = 1e9, tau_m = 10, J_ex = 160, J_in = -200;
  std::mt19937 rng(7);
  auto ex = random_train(rng, 300, 600.0), in = random_train(rng, 80, 600.0);
  const std::string common = "C_m = 250.0, E_L = -70.0, V_th = -55.0, V_reset = -65.0, t_ref = 2.0, I_e = 355.0, "
                             "tau_syn_ex = 2.0, tau_syn_in = 5.0";
  auto cond = test::run(one_neuron("lif_cond_exp",
                                   "{ " + common + ", g_L = " + number(250.0 / tau_m) + ", E_ex = " + number(E) + ", E_in = " + number(-E) + " }",
                                   "{ method = \"exact\" }", 600, ex, J_ex / E, in, -J_in / E));
  auto cur = test::run(one_neuron("lif_psc_exp", "{ " + common + ", tau_m = " + number(tau_m) + " }", "", 600, ex, J_ex, in, J_in));
  auto tc = test::spike_times_ms(cond, 0, 0), te = test::spike_times_ms(cur, 0, 0);
  INFO("spikes: cond " << tc.size() << ", exact LIF " << te.size());
  REQUIRE(te.size() >= 15);
  REQUIRE(tc.size() == te.size());
  CHECK(max_abs_diff(tc, te) < 1e-5);                           // ms
  CHECK(max_abs_diff(cond.samples[0], cur.samples[0]) < 1e-5);  // mV
}

TEST_CASE("lif_cond_exp exact finds a crossing that rises and falls back within one interval", "[ode][exact]") {
  LifCondExp::Params base;
  base.C_m = 200, base.g_L = 10, base.E_L = -60, base.V_th = -50, base.E_ex = 0, base.E_in = -80;
  base.tau_syn_ex = 5, base.tau_syn_in = 10;
  const auto p = LifCondExpExact::derive(base);
  // An independent RK4 at h = 1e-4 ms on the ODE: the maximum of V over [0, T] and the first
  // time V >= V_th (linear interpolation).
  auto rk4 = [&](LifCondExpExact::State s, double T, double& t_cross) {
    auto f = [&](double V, double ge, double gi) {
      return (-p.g_L * (V - p.E_L) - ge * (V - p.E_ex) - gi * (V - p.E_in)) / p.C_m;
    };
    const double h = 1e-4;
    double V = s.V_m, vmax = V;
    t_cross = -1;
    const long n = std::lround(T / h);
    for (long k = 0; k < n; ++k) {
      const double t = k * h;
      const double ge0 = s.g_ex * std::exp(-t / p.tau_syn_ex), gi0 = s.g_in * std::exp(-t / p.tau_syn_in);
      const double ge1 = s.g_ex * std::exp(-(t + h / 2) / p.tau_syn_ex), gi1 = s.g_in * std::exp(-(t + h / 2) / p.tau_syn_in);
      const double ge2 = s.g_ex * std::exp(-(t + h) / p.tau_syn_ex), gi2 = s.g_in * std::exp(-(t + h) / p.tau_syn_in);
      const double k1 = f(V, ge0, gi0), k2 = f(V + h / 2 * k1, ge1, gi1), k3 = f(V + h / 2 * k2, ge1, gi1),
                   k4 = f(V + h * k3, ge2, gi2);
      const double V1 = V + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
      if (t_cross < 0 && V1 >= p.V_th) t_cross = t + h * (p.V_th - V) / (V1 - V);
      V = V1;
      vmax = std::max(vmax, V);
    }
    return vmax;
  };
  // Excitation lifts V above V_th and slower inhibition pulls it back below before T = 30 ms:
  // V(0) and V(T) are below threshold, so only the interior search can find the crossing.
  // g_ex0 is tuned by bisection so that the peak exceeds V_th by about 1e-3 mV.
  const double T = 30.0;
  double lo = 0, hi = 200, tmp;
  for (int it = 0; it < 24; ++it) {
    const double mid = 0.5 * (lo + hi);
    (rk4({-60.0, mid, 25.0}, T, tmp) < p.V_th + 1e-3 ? lo : hi) = mid;
  }
  const LifCondExpExact::State s{-60.0, hi, 25.0};
  double t_ref;
  const double vmax = rk4(s, T, t_ref);
  const auto P = LifCondExpExact::propagator(p, T);
  LifCondExpExact::State end = s;
  LifCondExpExact::propagate(end, p, 0.0, P);
  INFO("peak " << vmax << " mV, V(T) " << end.V_m << " mV, RK4 crossing " << t_ref << " ms");
  REQUIRE(vmax > p.V_th);
  REQUIRE(end.V_m < p.V_th - 1.0);
  REQUIRE(t_ref > 0.0);
  const double tc = LifCondExpExact::find_crossing(s, p, 0.0, P);
  CHECK(tc == Approx(t_ref).margin(1e-4));
  LifCondExpExact::State copy = s;
  CHECK(LifCondExpExact::advance_unless_crossing(copy, p, 0.0, P) == tc);
  CHECK(copy.V_m == s.V_m);  // left untouched
  // At the crossing time V is at threshold, to rounding.
  LifCondExpExact::State at = s;
  LifCondExpExact::propagate(at, p, 0.0, LifCondExpExact::propagator(p, tc));
  CHECK(at.V_m == Approx(p.V_th).margin(1e-9));
  CHECK(at.V_m >= p.V_th - 1e-12);
  // Slightly weaker excitation: the peak stays below threshold, and nothing is found.
  const LifCondExpExact::State below{-60.0, lo * 0.9999, 25.0};
  REQUIRE(rk4(below, T, tmp) < p.V_th);
  CHECK(LifCondExpExact::find_crossing(below, p, 0.0, P) < 0.0);
  // safe_time never promises more than the true time to threshold.
  CHECK(LifCondExpExact::safe_time(s, p, 0.0) <= tc);
  // Through a population: one input at 1 ms (delay 10 ms, so the interval is a whole epoch).
  std::string params = "{ C_m = 200.0, g_L = 10.0, E_L = -60.0, V_th = -50.0, V_reset = -60.0, E_ex = 0.0, "
                       "E_in = -80.0, tau_syn_ex = 5.0, tau_syn_in = 10.0 }";
  auto r = test::run(one_neuron("lif_cond_exp", params, "", 50.0, {1.0}, s.g_ex, {1.0}, s.g_in, 10.0));
  auto ts = test::spike_times_ms(r, 0, 0);
  REQUIRE(ts.size() == 1);
  CHECK(ts[0] == Approx(11.0 + t_ref).margin(1e-4));
}

TEST_CASE("lif_cond_exp exact: a COBA network is bit-identical for 1 and 2 threads", "[ode][exact][determinism]") {
  // A small COBA network (800 neurons, p = 0.05) with a Poisson drive, 100 ms.
  std::string cfg = R"(
[simulation]
dt = 0.1
duration = 100.0
seed = 5
[populations.drive]
model = "poisson_generator"
size = 100
params = { rate = 20.0 }
[populations.exc]
model = "lif_cond_exp"
size = 640
params = { C_m = 200.0, g_L = 10.0, E_L = -60.0, V_th = -50.0, V_reset = -60.0, t_ref = 5.0, E_ex = 0.0, E_in = -80.0, tau_syn_ex = 5.0, tau_syn_in = 10.0 }
initial = { V_m = { distribution = "normal", mean = -55.0, std = 5.0 } }
[populations.inh]
model = "lif_cond_exp"
size = 160
params = { C_m = 200.0, g_L = 10.0, E_L = -60.0, V_th = -50.0, V_reset = -60.0, t_ref = 5.0, E_ex = 0.0, E_in = -80.0, tau_syn_ex = 5.0, tau_syn_in = 10.0 }
[output]
spikes = ["exc", "inh"]
[[output.reports]]
population = "exc"
variables = ["V_m", "g_ex"]
nodes = [0, 5]
interval = 0.1
)";
  for (auto [src, tgt, rec, w] : {std::tuple{"drive", "exc", "ex", 6.0}, {"drive", "inh", "ex", 6.0}, {"exc", "exc", "ex", 6.0},
                                  {"exc", "inh", "ex", 6.0}, {"inh", "exc", "in", 67.0}, {"inh", "inh", "in", 67.0}})
    cfg += std::string("[projections.") + src + "_" + tgt + "]\nsource = \"" + src + "\"\ntarget = \"" + tgt +
           "\"\nreceptor = \"" + rec + "\"\nconnectivity = { rule = \"fixed_probability\", p = 0.05 }\nweight = " +
           number(w) + "\ndelay = 0.2\n";
  auto one = test::run(cfg, 1), two = test::run(cfg, 2);
  auto key = [](std::vector<Spike> v) {
    std::vector<std::tuple<Step, double, std::uint32_t>> k;
    for (auto& s : v) k.emplace_back(s.step, s.offset, s.node);
    std::sort(k.begin(), k.end());
    return k;
  };
  for (std::size_t pop = 1; pop <= 2; ++pop) {
    INFO("population " << pop << ": " << one.spikes[pop].size() << " spikes");
    CHECK(one.spikes[pop].size() > 100);
    CHECK(key(one.spikes[pop]) == key(two.spikes[pop]));
  }
  CHECK(one.samples[0] == two.samples[0]);
}
