// The odeint-integrated models (sim/ode_population.hpp): lif_cond_exp against the exact LIF in
// the limit where they coincide, convergence under tolerance sweeps, AdEx firing patterns of
// Naud et al. 2008 against an RK4 integration written here, Izhikevich regimes and his Euler
// loop, hh_cond_exp_traub against SciPy (data/make_hh_traub_reference.py), determinism, config
// errors, and the crossing search on the dense output.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <sstream>

#include "../support.hpp"
#include "sim/detail/bernstein.hpp"
#include "sim/h5.hpp"

using namespace apical;

namespace {

using test::max_abs_diff;
using test::number;
using test::one_neuron;

std::string tol(double t) { return "{ method = \"dopri5\", atol = " + number(t) + ", rtol = " + number(t) + " }"; }

std::vector<double> isis(const std::vector<double>& t) {
  std::vector<double> d;
  for (std::size_t k = 1; k < t.size(); ++k) d.push_back(t[k] - t[k - 1]);
  return d;
}

// ---- AdEx: an independent RK4 integration (fixed step, linear interpolation of the crossing) ---

struct Adex {
  double C, gL, EL, VT, DT, a, tw, b, Vr, I, Vpeak = 0.0;
};

std::vector<double> adex_rk4(const Adex& p, double T, double h) {
  auto f = [&](double V, double w, double& dV, double& dw) {
    const double Vc = std::min(V, p.Vpeak);
    dV = (-p.gL * (Vc - p.EL) + p.gL * p.DT * std::exp((Vc - p.VT) / p.DT) - w + p.I) / p.C;
    dw = (p.a * (Vc - p.EL) - w) / p.tw;
  };
  std::vector<double> spikes;
  double V = p.EL, w = 0.0, t = 0.0;
  while (t < T) {
    double k1v, k1w, k2v, k2w, k3v, k3w, k4v, k4w;
    f(V, w, k1v, k1w);
    f(V + 0.5 * h * k1v, w + 0.5 * h * k1w, k2v, k2w);
    f(V + 0.5 * h * k2v, w + 0.5 * h * k2w, k3v, k3w);
    f(V + h * k3v, w + h * k3w, k4v, k4w);
    const double V1 = V + h / 6 * (k1v + 2 * k2v + 2 * k3v + k4v), w1 = w + h / 6 * (k1w + 2 * k2w + 2 * k3w + k4w);
    if (V1 >= p.Vpeak) {
      const double ts = t + h * (p.Vpeak - V) / (V1 - V);
      spikes.push_back(ts);
      V = p.Vr;
      w = w + (w1 - w) * (ts - t) / h + p.b;
      t = ts;
      continue;
    }
    V = V1, w = w1, t += h;
  }
  return spikes;
}

std::string adex_params(const Adex& p) {
  return "{ C_m = " + number(p.C) + ", g_L = " + number(p.gL) + ", E_L = " + number(p.EL) + ", V_th = " + number(p.VT) +
         ", Delta_T = " + number(p.DT) + ", a = " + number(p.a) + ", tau_w = " + number(p.tw) + ", b = " + number(p.b) +
         ", V_reset = " + number(p.Vr) + ", I_e = " + number(p.I) + ", V_peak = " + number(p.Vpeak) + " }";
}

}  // namespace

TEST_CASE("bernstein search: a crossing between the samples of a step is found", "[ode][unit]") {
  // p = -1e-4 - q, q = theta (theta-.2)(theta-.4)(theta-.6)(theta-.8): every sample at theta =
  // k/5 is negative, but p > 0 on part of (0.2, 0.4).
  auto p = [](double t) { return -1e-4 - t * (t - 0.2) * (t - 0.4) * (t - 0.6) * (t - 0.8); };
  detail::Quintic f;
  for (int k = 0; k < 6; ++k) f[static_cast<std::size_t>(k)] = p(k / 5.0);
  for (double v : f) REQUIRE(v < 0.0);
  const double th = detail::first_upward_crossing(detail::bernstein_from_samples(f));
  REQUIRE(th > 0.2);
  REQUIRE(th < 0.3);
  CHECK(std::fabs(p(th)) < 1e-12);
  // The same bump lowered below zero: no crossing.
  for (int k = 0; k < 6; ++k) f[static_cast<std::size_t>(k)] -= 2e-3;
  CHECK(detail::first_upward_crossing(detail::bernstein_from_samples(f)) < 0.0);
  // Starting above zero: the first crossing after falling below.
  auto r = [](double t) { return (t - 0.3) * (t - 0.7) * (t - 0.1); };
  for (int k = 0; k < 6; ++k) f[static_cast<std::size_t>(k)] = -r(k / 5.0);  // + at 0, - on (.1,.3), + on (.3,.7)
  const double up = detail::first_upward_crossing(detail::bernstein_from_samples(f));
  CHECK(std::fabs(up - 0.3) < 1e-12);
}

TEST_CASE("lif_cond_exp with reversal potentials far from V is the exact lif_psc_exp", "[ode][validation]") {
  // With E_ex = 1e7 mV, E_in = -1e7 mV a conductance g gives a current g (E - V) = g E (1 - V/E):
  // a current jump J = w E up to a relative 1e-5. g_L = C_m / tau_m. The drive keeps V just
  // below threshold so that EPSPs graze it (crossings that rise above V_th and fall back within
  // a step of the stepper must not be missed).
  const double E = 1e9, C = 250, tau_m = 10, tau_ex = 2, tau_in = 5, J_ex = 160, J_in = -200, I_e = 355;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.0, 600.0);
  std::vector<double> ex(300), in(80);
  for (auto& t : ex) t = std::round(u(rng) * 1e3) / 1e3;
  for (auto& t : in) t = std::round(u(rng) * 1e3) / 1e3;
  std::sort(ex.begin(), ex.end());
  std::sort(in.begin(), in.end());
  const std::string common = "C_m = 250.0, E_L = -70.0, V_th = -55.0, V_reset = -65.0, t_ref = 2.0, I_e = " + number(I_e) +
                             ", tau_syn_ex = " + number(tau_ex) + ", tau_syn_in = " + number(tau_in);
  auto cond = test::run(one_neuron("lif_cond_exp",
                                   "{ " + common + ", g_L = " + number(C / tau_m) + ", E_ex = " + number(E) + ", E_in = " + number(-E) + " }",
                                   "{ method = \"dopri5\", atol = 1e-14, rtol = 1e-12 }", 600, ex, J_ex / E, in, -J_in / E));
  auto cur = test::run(one_neuron("lif_psc_exp", "{ " + common + ", tau_m = " + number(tau_m) + " }", "", 600, ex, J_ex, in, J_in));
  auto tc = test::spike_times_ms(cond, 0, 0), te = test::spike_times_ms(cur, 0, 0);
  INFO("spikes: cond " << tc.size() << ", exact " << te.size());
  REQUIRE(te.size() >= 15);
  REQUIRE(tc.size() == te.size());
  CHECK(max_abs_diff(tc, te) < 1e-4);                        // ms
  CHECK(max_abs_diff(cond.samples[0], cur.samples[0]) < 1e-4);  // mV, every 0.1 ms
}

TEST_CASE("aeif_cond_exp and hh_cond_exp_traub converge under a tolerance sweep", "[ode][validation]") {
  const Adex adapting{200, 12, -70, -50, 2, 2, 300, 60, -58, 500};
  const std::vector<double> ex{30.0, 31.0, 120.0}, in{60.0, 200.0};
  struct Case {
    std::string model, params;
  };
  const std::vector<Case> cases{
      {"aeif_cond_exp", adex_params(adapting)},
      {"hh_cond_exp_traub", "{ I_e = 150.0 }"},
  };
  for (const auto& c : cases) {
    auto spikes_at = [&](double t) {
      auto r = test::run(one_neuron(c.model, c.params, tol(t), 300, ex, 20.0, in, 40.0));
      return test::spike_times_ms(r, 0, 0);
    };
    const auto ref = spikes_at(1e-12);
    REQUIRE(ref.size() >= 5);
    std::vector<double> err;
    for (double t : {1e-3, 1e-5, 1e-7, 1e-9}) {
      auto s = spikes_at(t);
      REQUIRE(s.size() == ref.size());
      err.push_back(max_abs_diff(s, ref));
    }
    INFO(c.model << ": max spike-time error (ms) at tol 1e-3, 1e-5, 1e-7, 1e-9: " << err[0] << " " << err[1] << " "
                 << err[2] << " " << err[3]);
    CHECK(err[0] > err[1]);
    CHECK(err[1] > err[2]);
    CHECK(err[2] > err[3]);
    CHECK(err[1] < 1e-3);  // ms
    CHECK(err[3] < 1e-5);
  }
}

TEST_CASE("aeif_cond_exp reproduces the firing patterns of Naud et al. 2008", "[ode][validation][adex]") {
  // Naud, Marcille, Clopath & Gerstner 2008, Biol Cybern 99:335, Table 1 (C pF, g_L nS, E_L mV,
  // V_T mV, Delta_T mV, a nS, tau_w ms, b pA, V_r mV, I pA); V_peak 0 mV. A step of I at t = 0
  // from rest. Each run against the RK4 integration above (h = 1e-4 ms): same spike count, every
  // spike within 0.01 ms; then the pattern class from the interspike intervals.
  struct Pattern {
    const char* name;
    Adex p;
    std::function<bool(const std::vector<double>&, const std::vector<double>&)> is;
  };
  const double T = 500.0;
  auto cv = [](const std::vector<double>& d, std::size_t from) {
    double m = 0, v = 0;
    const double n = static_cast<double>(d.size() - from);
    for (std::size_t k = from; k < d.size(); ++k) m += d[k] / n;
    for (std::size_t k = from; k < d.size(); ++k) v += (d[k] - m) * (d[k] - m) / n;
    return std::sqrt(v) / m;
  };
  const std::vector<Pattern> patterns{
      {"tonic", {200, 10, -70, -50, 2, 2, 30, 0, -58, 500},
       [&](auto& s, auto& d) { return s.size() >= 10 && cv(d, 1) < 0.05 && d.back() / d.front() < 1.5; }},
      {"adapting", {200, 12, -70, -50, 2, 2, 300, 60, -58, 500},
       [&](auto& s, auto& d) {
         return s.size() >= 5 && d.back() / d.front() > 3.0 && std::is_sorted(d.begin(), d.end());
       }},
      {"initial burst", {130, 18, -58, -50, 2, 4, 150, 120, -50, 400},
       [&](auto& s, auto& d) {
         return s.size() >= 5 && d[0] < 0.25 * d.back() && cv(d, d.size() / 2) < 0.1;
       }},
      {"regular bursting", {200, 10, -58, -50, 2, 2, 120, 100, -46, 210},
       [&](auto& s, auto& d) {  // several bursts: long pauses separating groups of short ISIs
         const double shortest = *std::min_element(d.begin(), d.end());
         const auto pauses = std::count_if(d.begin(), d.end(), [&](double x) { return x > 4 * shortest; });
         return s.size() >= 8 && pauses >= 3 && static_cast<std::size_t>(pauses) < d.size() / 2;
       }},
      {"delayed accelerating", {200, 12, -70, -50, 2, -10, 300, 0, -58, 300},
       [&](auto& s, auto& d) { return s.size() >= 3 && s[0] > 2 * d.back() && d.back() < 0.75 * d.front(); }},
      {"transient", {100, 10, -65, -50, 2, 10, 90, 100, -47, 180},
       [&](auto& s, auto&) { return s.size() >= 1 && s.size() <= 6 && s.back() < 0.5 * T; }},
  };
  for (const auto& pat : patterns) {
    auto r = test::run(one_neuron("aeif_cond_exp", adex_params(pat.p), tol(1e-9), T));
    const auto s = test::spike_times_ms(r, 0, 0);
    const auto ref = adex_rk4(pat.p, T, 1e-4);
    const auto d = isis(s);
    std::ostringstream info;
    for (double t : s) info << " " << std::round(t * 100) / 100;
    INFO(pat.name << ": " << s.size() << " spikes:" << info.str());
    REQUIRE(s.size() == ref.size());
    CHECK(max_abs_diff(s, ref) < 0.01);
    CHECK(pat.is(s, d));
  }
}

namespace {

// Izhikevich's 2003 loop (his published MATLAB code, one neuron, constant I from t = 0): the
// spike times (ms) at which v >= 30 after a 1 ms step made of two 0.5 ms half steps of v.
std::vector<double> izhikevich_loop(double a, double b, double c, double d, double I, int T) {
  double v = -65, u = b * v;
  std::vector<double> spikes;
  for (int t = 0; t < T; ++t) {
    v = v + 0.5 * (0.04 * v * v + 5 * v + 140 - u + I);
    v = v + 0.5 * (0.04 * v * v + 5 * v + 140 - u + I);
    u = u + a * (b * v - u);
    if (v >= 30) {
      spikes.push_back(t + 1);
      v = c;
      u = u + d;
    }
  }
  return spikes;
}

}  // namespace

TEST_CASE("izhikevich: his regimes by pattern class, his Euler loop reproduced exactly", "[ode][validation][izhikevich]") {
  // Izhikevich 2003, Fig. 2: (a, b, c, d) per regime, a step of I = 10 at t = 0 from v = -65,
  // u = b v. euler_izhikevich with h = 1 ms is his code to the last bit; the pattern class is
  // judged on the accurate integration (dopri5) and on his Euler loop with h = 0.2 ms. (At h = 1
  // ms his loop turns FS irregular: ISIs from 7 to 24 ms where the accurate ISI is 7.3 ms; see
  // docs/ode-models.md.)
  struct Regime {
    const char* name;
    double a, b, c, d;
    std::function<bool(const std::vector<double>&, const std::vector<double>&)> is;
  };
  const double I = 10.0;
  const int T = 300;
  auto burst_start = [](const std::vector<double>& d) { return d.size() >= 4 && d[0] < 0.3 * d.back(); };
  auto pauses = [](const std::vector<double>& d) {
    const double shortest = *std::min_element(d.begin(), d.end());
    return std::count_if(d.begin(), d.end(), [&](double x) { return x > 4 * shortest; });
  };
  const std::vector<Regime> regimes{
      // regular spiking: tonic with adaptation (ISIs lengthen, no burst at the onset)
      {"RS", 0.02, 0.2, -65, 8,
       [&](auto& s, auto& d) { return s.size() >= 4 && d.back() > 1.5 * d.front() && d[0] > 10 && pauses(d) <= 1; }},
      // intrinsically bursting: a burst at the onset, then tonic spiking
      {"IB", 0.02, 0.2, -55, 4,
       [&](auto& s, auto& d) { return s.size() >= 5 && burst_start(d) && pauses(d) == static_cast<long>(d.size()) - 2; }},
      // chattering: repeated bursts (short ISIs interleaved with long pauses, more than once)
      {"CH", 0.02, 0.2, -50, 2, [&](auto& s, auto& d) { return s.size() >= 10 && pauses(d) >= 3; }},
      // fast spiking: tonic at high rate, little adaptation
      {"FS", 0.1, 0.2, -65, 2, [&](auto& s, auto& d) { return s.size() >= 25 && d.back() < 1.3 * d[1] && pauses(d) == 0; }},
      // low-threshold spiking: high rate with adaptation, no pauses
      {"LTS", 0.02, 0.25, -65, 2,
       [&](auto& s, auto& d) { return s.size() >= 15 && d.back() > 1.3 * d.front() && pauses(d) > 0 && d[1] < 5; }},
  };
  for (const auto& g : regimes) {
    const std::string params = "{ a = " + number(g.a) + ", b = " + number(g.b) + ", c = " + number(g.c) + ", d = " + number(g.d) +
                               ", I_e = " + number(I) + " }";
    auto his_run = test::run(one_neuron("izhikevich", params, "{ method = \"euler_izhikevich\", h = 1.0 }", T));
    auto fine = test::run(one_neuron("izhikevich", params, "{ method = \"euler_izhikevich\", h = 0.2 }", T));
    auto dopri = test::run(one_neuron("izhikevich", params, tol(1e-8), T));
    const auto sh = test::spike_times_ms(his_run, 0, 0), se = test::spike_times_ms(fine, 0, 0),
               sd = test::spike_times_ms(dopri, 0, 0);
    const auto his = izhikevich_loop(g.a, g.b, g.c, g.d, I, T);
    std::ostringstream info;
    for (double t : sd) info << " " << std::round(t * 100) / 100;
    INFO(g.name << ": Euler h = 1: " << sh.size() << " spikes, h = 0.2: " << se.size() << ", dopri5 " << sd.size()
                << " spikes:" << info.str());
    REQUIRE(sh.size() == his.size());
    for (std::size_t k = 0; k < sh.size(); ++k) CHECK(std::fabs(sh[k] - his[k]) < 1e-9);
    CHECK(g.is(sd, isis(sd)));
    CHECK(g.is(se, isis(se)));
    // First spike times: his loop within its step (1 ms) plus one of the accurate one, h = 0.2
    // within 0.5 ms.
    CHECK(std::fabs(sh[0] - sd[0]) < 2.0);
    CHECK(std::fabs(se[0] - sd[0]) < 0.5);
  }
}

TEST_CASE("hh_cond_exp_traub matches an independent SciPy integration", "[ode][validation][hh]") {
  const std::string path = std::string(APICAL_SOURCE_DIR) + "/data/reference/ode/hh_traub.h5";
  h5::Handle f = h5::open_file(path);
  auto attr = [&](const char* k) { return h5::read_attr<double>(f.get(), k); };
  const auto ref = h5::read_vector<double>(f.get(), "spike_times");
  const auto V_ref = h5::read_vector<double>(f.get(), "V_m");
  auto shift = [](std::vector<double> t) {  // arrival times -> generator times (delay 0.1 ms)
    for (auto& x : t) x = std::round((x - 0.1) * 1e9) / 1e9;
    return t;
  };
  const auto ex = shift(h5::read_attr_vector<double>(f.get(), "ex_times"));
  const auto in = shift(h5::read_attr_vector<double>(f.get(), "in_times"));
  std::string params = "{ I_e = " + number(attr("I_e")) + ", C_m = " + number(attr("C_m")) + ", g_L = " + number(attr("g_L")) +
                       ", V_T = " + number(attr("V_T")) + ", t_ref = " + number(attr("t_ref")) + " }";
  REQUIRE(ref.size() >= 8);
  struct Run {
    double tol, spike_tol, v_tol;
  };
  for (Run r : {Run{1e-10, 1e-5, 1e-4}, Run{1e-6, 0.01, 0.5}}) {
    auto out = test::run(one_neuron("hh_cond_exp_traub", params, tol(r.tol), attr("duration"), ex, attr("ex_weight"), in,
                                    attr("in_weight")));
    const auto s = test::spike_times_ms(out, 0, 0);
    INFO("tolerance " << r.tol);
    REQUIRE(s.size() == ref.size());
    const double ds = max_abs_diff(s, ref), dv = max_abs_diff(out.samples[0], V_ref);
    INFO("max spike-time error " << ds << " ms, max V error " << dv << " mV");
    CHECK(ds < r.spike_tol);
    CHECK(dv < r.v_tol);
  }
}

TEST_CASE("ODE populations are bit-identical for 1 and 2 threads and with or without recording", "[ode][determinism]") {
  auto config = [](bool record) {
    std::string s = R"(
[simulation]
dt = 0.1
duration = 200.0
seed = 11
[populations.drive]
model = "poisson_generator"
size = 50
params = { rate = 40.0 }
[populations.lif]
model = "lif_cond_exp"
size = 120
params = { E_L = -60.0, V_th = -50.0, V_reset = -60.0, g_L = 10.0, C_m = 200.0, tau_syn_ex = 5.0, tau_syn_in = 10.0, E_in = -80.0 }
initial = { V_m = { distribution = "uniform", low = -60.0, high = -50.0 } }
[populations.lif_dopri5]
model = "lif_cond_exp"
size = 20
params = { E_L = -60.0, V_th = -50.0, V_reset = -60.0, g_L = 10.0, C_m = 200.0, tau_syn_ex = 5.0, tau_syn_in = 10.0, E_in = -80.0 }
initial = { V_m = { distribution = "uniform", low = -60.0, high = -50.0 } }
integrator = { method = "dopri5" }
[populations.adex]
model = "aeif_cond_exp"
size = 40
params = { I_e = 300.0, t_ref = 1.0 }
[populations.izh]
model = "izhikevich"
size = 20
params = { I_e = 4.0 }
[populations.izh_euler]
model = "izhikevich"
size = 20
params = { I_e = 4.0 }
integrator = { method = "euler_izhikevich", h = 0.5 }
[populations.hh]
model = "hh_cond_exp_traub"
size = 20
)";
    for (const char* tgt : {"lif", "lif_dopri5", "adex", "hh"})
      s += std::string("[projections.d_") + tgt + "]\nsource = \"drive\"\ntarget = \"" + tgt +
           "\"\nreceptor = \"ex\"\nconnectivity = { rule = \"fixed_probability\", p = 0.3 }\nweight = 6.0\ndelay = 0.5\n";
    for (const char* tgt : {"izh", "izh_euler"})
      s += std::string("[projections.d_") + tgt + "]\nsource = \"drive\"\ntarget = \"" + tgt +
           "\"\nreceptor = \"ex\"\nconnectivity = { rule = \"fixed_probability\", p = 0.3 }\nweight = 3.0\ndelay = 0.5\n";
    s += "[projections.rec]\nsource = \"lif\"\ntarget = \"lif\"\nreceptor = \"in\"\nconnectivity = { rule = "
         "\"fixed_probability\", p = 0.1 }\nweight = 20.0\ndelay = 0.3\n";
    s += "[output]\nspikes = [\"lif\", \"lif_dopri5\", \"adex\", \"izh\", \"izh_euler\", \"hh\"]\n";
    if (record)
      for (const char* p : {"lif", "lif_dopri5", "adex", "izh", "izh_euler", "hh"})
        s += std::string("[[output.reports]]\npopulation = \"") + p + "\"\nvariables = [\"V_m\"]\nnodes = [0, 3, 7]\ninterval = 0.1\n";
    return s;
  };
  auto one = test::run(config(true), 1), two = test::run(config(true), 2), quiet = test::run(config(false), 2);
  std::size_t total = 0;
  for (std::size_t p = 1; p < one.spikes.size(); ++p) {
    auto key = [](std::vector<Spike> v) {
      std::vector<std::tuple<Step, double, std::uint32_t>> k;
      for (auto& s : v) k.emplace_back(s.step, s.offset, s.node);
      std::sort(k.begin(), k.end());
      return k;
    };
    INFO("population " << p);
    CHECK(!one.spikes[p].empty());
    CHECK(key(one.spikes[p]) == key(two.spikes[p]));
    CHECK(key(one.spikes[p]) == key(quiet.spikes[p]));
    total += one.spikes[p].size();
  }
  CHECK(total > 500);
  REQUIRE(one.samples.size() == two.samples.size());
  for (std::size_t r = 0; r < one.samples.size(); ++r) CHECK(one.samples[r] == two.samples[r]);
}

TEST_CASE("integrator config errors name the key", "[ode][config]") {
  auto error_of = [](const std::string& pop_extra, const std::string& model = "lif_cond_exp") {
    try {
      test::network("[simulation]\ndt = 0.1\nduration = 10.0\n[populations.n]\nmodel = \"" + model + "\"\nsize = 1\n" +
                    pop_extra + "\n");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  using Catch::Matchers::Contains;
  CHECK_THAT(error_of("integrator = { method = \"dopri5\", atol = -1.0 }"), Contains("populations.n.integrator.atol"));
  CHECK_THAT(error_of("integrator = { method = \"dopri5\", atol = 1e-6, rtol = 1e-20 }"),
             Contains("populations.n.integrator.rtol"));
  CHECK_THAT(error_of("integrator = { atol = 1e-6 }"), Contains("populations.n.integrator.atol"));  // exact: no atol
  CHECK_THAT(error_of("integrator = { atol = 1e-6 }"), Contains("dopri5"));
  CHECK_THAT(error_of("integrator = { method = \"rk4\" }"), Contains("populations.n.integrator.method"));
  CHECK_THAT(error_of("integrator = { method = \"rk4\" }"), Contains("dopri5"));
  CHECK_THAT(error_of("integrator = { method = \"euler_izhikevich\" }"), Contains("method"));  // not an lif method
  CHECK_THAT(error_of("integrator = { method = \"euler_izhikevich\", h = 0.25 }", "izhikevich"),
             Contains("populations.n.integrator.h"));
  CHECK_THAT(error_of("integrator = { method = \"dopri5\", atol = 1e-6, step = 0.1 }"), Contains("step"));
  CHECK_THAT(error_of("integrator = { method = \"exact\", step = 0.1 }"), Contains("step"));
  CHECK_THAT(error_of("integrator = { method = \"exact\" }", "aeif_cond_exp"), Contains("method"));
  CHECK_THAT(error_of("integrator = \"dopri5\""), Contains("integrator"));
  CHECK_THAT(error_of("integrator = { atol = 1e-6 }", "lif_psc_exp"), Contains("integrator"));
  CHECK_THAT(error_of("params = { V_peak = -60.0 }", "aeif_cond_exp"), Contains("V_peak"));
  CHECK(error_of("integrator = { method = \"euler_izhikevich\", h = 0.5 }", "izhikevich") == "no error");
}

TEST_CASE("izhikevich: a voltage jump acts at its time (dopri5) or at the start of its Euler step", "[ode][izhikevich]") {
  // A 100 mV jump arriving at 10.1 ms (generator at 10.0, delay 0.1) from rest (I = 0).
  auto cfg = [](const std::string& integrator) {
    return one_neuron("izhikevich", "{ I_e = 0.0 }", integrator, 30.0, {10.0}, 100.0);
  };
  // Euler, h = 0.5: the state at 10.0 ms takes the jump, the step to 10.5 ms crosses V_th.
  auto e = test::run(cfg("{ method = \"euler_izhikevich\", h = 0.5 }"));
  double v = -65, u = 0.2 * v;
  auto step = [&](double h) {
    const double u0 = u;
    v += 0.5 * h * (0.04 * v * v + 5 * v + 140 - u0);
    v += 0.5 * h * (0.04 * v * v + 5 * v + 140 - u0);
    u = u0 + h * 0.02 * (0.2 * v - u0);
  };
  for (int k = 0; k < 20; ++k) step(0.5);  // to 10.0 ms
  const double v10 = v;
  v += 100.0;
  step(0.5);
  const auto& V = e.samples[0];  // every 0.1 ms from 0
  REQUIRE(test::spike_times_ms(e, 0, 0) == std::vector<double>{10.5});
  CHECK(V[100] == v10);          // 10.0 ms: the Euler point
  CHECK(V[101] == v10);          // 10.1 ms: left limit, before the jump
  CHECK(V[102] == v10 + 100.0);  // after it
  CHECK(V[105] == v);            // 10.5 ms: the step's end, before the reset
  // dopri5: the jump leaves V just below V_th (30 mV); it crosses within microseconds.
  auto d = test::run(cfg(tol(1e-9)));
  const auto s = test::spike_times_ms(d, 0, 0);
  REQUIRE(s.size() == 1);
  CHECK(s[0] > 10.1);
  CHECK(s[0] < 10.11);
  CHECK(d.samples[0][101] < -70.0);  // left limit at the arrival
}
