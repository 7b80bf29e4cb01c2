// Multi-compartment neurons against closed forms and independent computations: the Hines solve
// against a dense solve, the finite sealed cable's steady state (its Green's function), the
// charging curve of an isopotential compartment (with the order of each method), hazard spiking
// (the exact crossing of the integrated rate; the rate and refractoriness of a constant hazard),
// the Urbanczik-Senn preset (PSP closed form, soma by RK4, V_w*), the Sacramento pyramidal neuron
// (steady state and graded output), thread invariance, and config errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "../support.hpp"
#include "core/error.hpp"
#include "models/hazard.hpp"
#include "models/hines.hpp"

using namespace apical;
using Catch::Matchers::Contains;

namespace {

using test::number;

}  // namespace

TEST_CASE("cable: the Hines solve (and its factored form) equals a dense solve on random trees", "[cable]") {
  RandomStream rng(7, StreamKind::weight, 0, 0);
  for (int trial = 0; trial < 20; ++trial) {
    const std::size_t n = 2 + rng.below(30);
    std::vector<int> parent(n, -1);
    std::vector<double> a(n, 0.0), b(n, 0.0), d(n), rhs(n);
    std::vector<double> A(n * n, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
      if (k > 0) {
        parent[k] = static_cast<int>(rng.below(static_cast<std::uint32_t>(k)));
        a[k] = -rng.uniform(0.1, 2.0);
        b[k] = trial % 2 ? -rng.uniform(0.1, 2.0) : a[k];  // symmetric and one-way-like trees
        A[k * n + static_cast<std::size_t>(parent[k])] = a[k];
        A[static_cast<std::size_t>(parent[k]) * n + k] = b[k];
      }
    }
    for (std::size_t k = 0; k < n; ++k) {
      double off = 0;
      for (std::size_t j = 0; j < n; ++j) off += std::fabs(A[k * n + j]) + std::fabs(A[j * n + k]);
      d[k] = A[k * n + k] = off + rng.uniform(0.0, 3.0);
      rhs[k] = rng.uniform(-5.0, 5.0);
    }
    // Dense Gaussian elimination with partial pivoting.
    std::vector<double> M = A, x = rhs;
    for (std::size_t c = 0; c < n; ++c) {
      std::size_t p = c;
      for (std::size_t r = c + 1; r < n; ++r) if (std::fabs(M[r * n + c]) > std::fabs(M[p * n + c])) p = r;
      for (std::size_t j = 0; j < n; ++j) std::swap(M[c * n + j], M[p * n + j]);
      std::swap(x[c], x[p]);
      for (std::size_t r = c + 1; r < n; ++r) {
        double f = M[r * n + c] / M[c * n + c];
        for (std::size_t j = c; j < n; ++j) M[r * n + j] -= f * M[c * n + j];
        x[r] -= f * x[c];
      }
    }
    for (std::size_t c = n; c-- > 0;) {
      for (std::size_t j = c + 1; j < n; ++j) x[c] -= M[c * n + j] * x[j];
      x[c] /= M[c * n + c];
    }
    std::vector<double> inv(n), f(n), rhs2 = rhs;
    hines_factor(parent, a, b, d, inv, f);
    hines_solve_factored(parent, a, inv, f, rhs2);
    hines_solve(parent, a, b, d, rhs);
    for (std::size_t k = 0; k < n; ++k) {
      CHECK(rhs[k] == Approx(x[k]).epsilon(1e-12).margin(1e-12));
      CHECK(rhs2[k] == Approx(x[k]).epsilon(1e-12).margin(1e-12));
    }
  }
}

TEST_CASE("cable: finite sealed cable, steady state equals its Green's function", "[cable]") {
  // One section, 1000 um, diam 2 um, Ra 100 ohm cm, g_pas 1e-4 S/cm^2 (lambda = 707 um), 400
  // segments, 50 pA into segment 0 (centre x0 = dx/2), both ends sealed:
  //   V(x) - E = I r_a lambda cosh(x0/lambda) cosh((L - x)/lambda) / sinh(L/lambda),  x >= x0.
  const double L = 1000, diam = 2, Ra = 100, g = 1e-4, I = 50e-12;
  const int nseg = 400;
  std::ostringstream os;
  os << "[simulation]\ndt = 0.1\nduration = 300\n[output]\n[[output.reports]]\npopulation = \"c\"\n"
     << "variables = [";
  for (int i = 0; i < nseg; ++i) os << (i ? ", " : "") << "\"V_cable[" << i << "]\"";
  os << "]\ninterval = 100\n[populations.c]\nmodel = \"cable\"\nsize = 1\n[populations.c.params]\n"
     << "v_init = -70\nsections = [{ name = \"cable\", L = 1000, diam = 2, nseg = " << nseg
     << ", Ra = 100, cm = 1, g_pas = 1e-4, e_pas = -70 }]\n"
     << "[inputs.i]\nkind = \"dc\"\ntarget = \"c\"\ncompartment = \"cable[0]\"\namplitude = 50\n";
  auto out = test::run(os.str());
  const auto& rows = out.samples[0];
  REQUIRE(rows.size() == 3 * static_cast<std::size_t>(nseg));
  const double lambda = std::sqrt(diam * 1e-4 / (4 * Ra * g)) ;  // cm
  const double r_a = 4 * Ra / (M_PI * diam * diam * 1e-8);         // ohm / cm
  const double Lc = L * 1e-4, dx = Lc / nseg, x0 = dx / 2;
  double worst = 0, peak = 0;
  for (int i = 0; i < nseg; ++i) {
    double x = (i + 0.5) * dx;
    double v = 1e3 * I * r_a * lambda * std::cosh(x0 / lambda) * std::cosh((Lc - x) / lambda) / std::sinh(Lc / lambda);
    double got = rows[2 * nseg + static_cast<std::size_t>(i)] + 70.0;  // t = 200 ms: 20 tau
    worst = std::max(worst, std::fabs(got - v));
    peak = std::max(peak, v);
  }
  INFO("peak " << peak << " mV, worst error " << worst << " mV");
  CHECK(worst < 1e-4 * peak);  // spatial error O(dx^2)
}

TEST_CASE("cable: charging curve of an isopotential compartment; BE first, CN second order", "[cable]") {
  // C 100 pF, g_L 5 nS (tau 20 ms), 50 pA from t = 0: V = E_L + 10 (1 - e^{-t/20}) mV.
  auto err = [](const std::string& method, double dt) {
    std::string cfg = "[simulation]\ndt = 0.1\nduration = 60\n[output]\n[[output.reports]]\npopulation = \"c\"\n"
                      "variables = [\"V_soma\"]\ninterval = 0.1\n[populations.c]\nmodel = \"cable\"\nsize = 1\n"
                      "[populations.c.params]\nv_init = -70\nintegrator = { method = \"" + method + "\", dt = " + number(dt) +
                      " }\ncompartments = [{ name = \"soma\", C_m = 100, g_L = 5, E_L = -70 }]\n"
                      "[inputs.i]\nkind = \"dc\"\ntarget = \"c\"\namplitude = 50\n";
    auto out = test::run(cfg);
    double worst = 0;
    for (std::size_t s = 0; s < out.samples[0].size(); ++s)
      worst = std::max(worst, std::fabs(out.samples[0][s] - (-70 + 10 * (1 - std::exp(-0.1 * static_cast<double>(s) / 20)))));
    return worst;
  };
  double be1 = err("backward_euler", 0.1), be2 = err("backward_euler", 0.05);
  double cn1 = err("crank_nicolson", 0.1), cn2 = err("crank_nicolson", 0.05);
  INFO("BE " << be1 << " " << be2 << ", CN " << cn1 << " " << cn2);
  CHECK(be1 / be2 == Approx(2.0).margin(0.1));
  CHECK(cn1 / cn2 == Approx(4.0).margin(0.2));
  CHECK(cn1 < 1e-3);
}

TEST_CASE("hazard: the spike lies where the integrated linear rate reaches the variate", "[cable][hazard]") {
  RandomStream rng(3, StreamKind::spiking, 0, 0);
  for (int k = 0; k < 200; ++k) {
    HazardClock c;
    c.start(rng);
    const double left = c.left();
    double r0 = rng.uniform(0.0, 2.0), r1 = rng.uniform(0.0, 2.0), dt = rng.uniform(0.01, 3.0);
    double s = c.advance(r0, r1, dt);
    double mass = 0.5 * (r0 + r1) * dt;
    if (mass < left) {
      CHECK(s < 0);
      CHECK(c.left() == Approx(left - mass));
    } else {
      REQUIRE(s >= 0);
      REQUIRE(s <= 1);
      double integral = r0 * s * dt + 0.5 * (r1 - r0) * s * s * dt;
      CHECK(integral == Approx(left).epsilon(1e-12));
    }
  }
}

TEST_CASE("hazard: constant rate with refractoriness gives ISIs t_ref + Exp(phi)", "[cable][hazard]") {
  // beta = 0: phi = phi_max / (1 + k) = 0.05 /ms everywhere; t_ref 2 ms; mean ISI 22 ms.
  const std::size_t n = 400;
  const double T = 500;
  std::string cfg = "[simulation]\ndt = 0.1\nduration = " + number(T) + "\nseed = 5\n[populations.c]\nmodel = \"cable\"\nsize = " +
                    std::to_string(n) + "\n[populations.c.params]\nv_init = 0\n"
                    "compartments = [{ name = \"soma\", C_m = 1, g_L = 0.1, E_L = 0 }]\n"
                    "output = { kind = \"hazard\", phi_max = 0.1, k = 1, beta = 0, theta = 0, t_ref = 2 }\n";
  auto out = test::run(cfg);
  std::vector<std::vector<double>> t(n);
  for (auto& s : out.spikes[0]) t[s.node].push_back(out.grid.ms(Time{s.step, s.offset}));
  double sum = 0, sum2 = 0, count = 0, min_isi = 1e9;
  for (auto& v : t)
    for (std::size_t k = 1; k < v.size(); ++k) {
      double x = v[k] - v[k - 1] - 2.0;
      sum += x;
      sum2 += x * x;
      ++count;
      min_isi = std::min(min_isi, v[k] - v[k - 1]);
    }
  double mean = sum / count;
  INFO("ISIs " << count << ", mean excess " << mean << " ms (expected 20), min ISI " << min_isi);
  CHECK(min_isi >= 2.0 - 1e-9);
  CHECK(std::fabs(mean - 20.0) < 5 * 20.0 / std::sqrt(count));
  // Second moment of Exp(20): 800.
  CHECK(std::fabs(sum2 / count - 800.0) < 5 * std::sqrt(24.0 * std::pow(20.0, 4) - 800.0 * 800.0) / std::sqrt(count));
  // First spike: from t = 0 with no refractoriness, Exp(20) (mean over neurons).
  double first = 0;
  for (auto& v : t) first += v.empty() ? T : v[0];
  CHECK(std::fabs(first / n - 20.0) < 5 * 20.0 / std::sqrt(static_cast<double>(n)));
}

TEST_CASE("urbanczik_senn_2014: dendritic PSP, soma, V_w* and phi against closed forms", "[cable][presets]") {
  // One input spike (weight 1) arrives at 10 ms on dend.syn; no teacher. Hazard spikes do not
  // act back on the voltages (no reset), so the trajectory is deterministic.
  std::string cfg = R"(
[simulation]
dt = 0.1
duration = 80
[output]
[[output.reports]]
population = "n"
variables = ["V_w", "U", "V_w_star", "phi", "phi_V_w_star", "h_V_w_star", "V_soma", "V_dend"]
interval = 0.1
[populations.in]
model = "spike_generator"
size = 1
params = { node_ids = [0], times = [9.9] }
[populations.n]
model = "urbanczik_senn_2014"
size = 1
params = { integrator = { method = "crank_nicolson", dt = 0.01 } }
[projections.p]
source = "in"
target = "n"
receptor = "dend.syn"
connectivity = { rule = "all_to_all" }
weight = 1.0
delay = 0.1
)";
  auto out = test::run(cfg);
  const double g_L = 0.1, g_D = 2, tl = 10, ts = 3, att = g_D / (g_D + g_L);
  SigmoidRate phi{0.15, 0.5, 5.0, 1.0};
  auto Vw = [&](double t) { return t <= 0 ? 0.0 : tl * ts / (tl - ts) * (std::exp(-t / tl) - std::exp(-t / ts)); };
  // Soma by RK4 with a step of 1e-3 ms: dU/dt = -g_L U + g_D (V_w - U).
  std::vector<double> U_ref;
  double U = 0, t = 0;
  const double k = 1e-3;
  for (int s = 0; s <= 800; ++s) {
    U_ref.push_back(U);
    for (int j = 0; j < 100; ++j) {
      auto f = [&](double tt, double u) { return -g_L * u + g_D * (Vw(tt - 10.0) - u); };
      double k1 = f(t, U), k2 = f(t + k / 2, U + k / 2 * k1), k3 = f(t + k / 2, U + k / 2 * k2), k4 = f(t + k, U + k * k3);
      U += k / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
      t += k;
    }
  }
  const auto& rows = out.samples[0];
  REQUIRE(rows.size() == 800 * 8);
  double e_vw = 0, e_u = 0, peak = 0;
  for (std::size_t s = 0; s < 800; ++s) {
    const double* r = &rows[s * 8];
    double ts_ms = 0.1 * static_cast<double>(s);
    e_vw = std::max(e_vw, std::fabs(r[0] - Vw(ts_ms - 10.0)));
    e_u = std::max(e_u, std::fabs(r[1] - U_ref[s]));
    peak = std::max(peak, r[0]);
    CHECK(r[2] == Approx(att * r[0]).epsilon(1e-14));
    CHECK(r[3] == Approx(phi(r[1])).epsilon(1e-14));
    CHECK(r[4] == Approx(phi(att * r[0])).epsilon(1e-14));
    CHECK(r[5] == Approx(5.0 / (1.0 + std::exp(-5.0 * (1.0 - att * r[0])) / 0.5)).epsilon(1e-12));
    CHECK(r[6] == r[1]);
    CHECK(r[7] == r[0]);
  }
  INFO("peak V_w " << peak << ", errors V_w " << e_vw << ", U " << e_u);
  CHECK(e_vw < 1e-4 * peak);
  CHECK(e_u < 1e-4 * peak);
}

TEST_CASE("sacramento_2018_pyramidal: steady state, dendritic prediction and graded output", "[cable][presets]") {
  // A linear rate unit sends 0.5 every step (dc input); basal gets 2 x 0.5 = 1, apical -1 x 0.5.
  std::string cfg = R"(
[simulation]
dt = 0.1
duration = 50
[output]
[[output.reports]]
population = "pyr"
variables = ["u", "v_B", "v_A", "v_B_hat", "phi", "phi_v_B_hat"]
interval = 0.1
[[output.reports]]
population = "reader"
variables = ["V_m"]
interval = 0.1
[populations.x]
model = "rate_unit"
size = 1
[populations.pyr]
model = "sacramento_2018_pyramidal"
size = 1
params = { noise = 0.0 }
[populations.reader]
model = "rate_unit"
size = 1
[inputs.drive]
kind = "dc"
target = "x"
amplitude = 0.5
[projections.basal]
source = "x"
target = "pyr"
receptor = "basal.syn"
connectivity = { rule = "all_to_all" }
weight = 2.0
delay = 0.1
[projections.apical]
source = "x"
target = "pyr"
receptor = "apical.syn"
connectivity = { rule = "all_to_all" }
weight = -1.0
delay = 0.1
[projections.out]
source = "pyr"
target = "reader"
receptor = "syn"
connectivity = { rule = "all_to_all" }
weight = 1.0
delay = 0.1
)";
  auto out = test::run(cfg);
  const auto& r = out.samples[0];
  const double* last = &r[r.size() - 6];
  const double u_ss = (1.0 * 1.0 + 0.8 * -0.5) / (0.1 + 1.0 + 0.8);
  CHECK(last[0] == Approx(u_ss).epsilon(1e-10));
  CHECK(last[1] == Approx(1.0).epsilon(1e-14));
  CHECK(last[2] == Approx(-0.5).epsilon(1e-14));
  CHECK(last[3] == Approx(1.0 / 1.9).epsilon(1e-14));
  CHECK(last[4] == Approx(1.0 / (1.0 + std::exp(-u_ss))).epsilon(1e-10));
  CHECK(last[5] == Approx(1.0 / (1.0 + std::exp(-1.0 / 1.9))).epsilon(1e-14));
  // The reader (tau 0) holds the graded output phi(u) sent one delay earlier.
  CHECK(out.samples[1].back() == Approx(1.0 / (1.0 + std::exp(-u_ss))).epsilon(1e-10));
}

TEST_CASE("cable: bit-identical at 1 and 2 threads (hazard spikes, noise, Poisson input, plasticity)", "[cable][determinism]") {
  std::string cfg = R"(
[simulation]
dt = 0.1
duration = 300
seed = 11
[output]
[[output.reports]]
population = "n"
variables = ["U", "V_w"]
nodes = [0, 17, 63]
interval = 0.5
[[output.reports]]
population = "pyr"
variables = ["u"]
interval = 1.0
[populations.in]
model = "poisson_generator"
size = 50
params = { rate = 40.0 }
[populations.n]
model = "urbanczik_senn_2014"
size = 64
[populations.pyr]
model = "sacramento_2018_pyramidal"
size = 16
params = { output = "hazard", phi_max = 0.2 }
[projections.p]
source = "in"
target = "n"
receptor = "dend.syn"
connectivity = { rule = "fixed_probability", p = 0.3 }
weight = { distribution = "uniform", low = 0.0, high = 1.5 }
delay = 0.1
plasticity = { rule = "stdp_pair", eta = 0.01, bounds = "hard", w_min = 0.0, w_max = 3.0 }
[projections.t]
source = "in"
target = "n"
receptor = "soma.g_E"
connectivity = { rule = "fixed_probability", p = 0.1 }
weight = 0.3
delay = 0.1
[projections.q]
source = "n"
target = "pyr"
receptor = "basal.syn"
connectivity = { rule = "fixed_probability", p = 0.5 }
weight = 1.0
delay = 0.1
)";
  Network na = test::network(cfg), nb = test::network(cfg);
  auto a = test::run(na, 1), b = test::run(nb, 2);
  // The plastic dendritic projection saw pre and post (hazard) spikes: it learned, identically.
  CHECK(na.projections[0].weight == nb.projections[0].weight);
  CHECK(na.projections[0].weight != test::network(cfg).projections[0].weight);
  REQUIRE(a.spikes[1].size() > 50);
  REQUIRE(a.spikes[2].size() > 5);
  for (std::size_t p = 0; p < 3; ++p) {
    REQUIRE(a.spikes[p].size() == b.spikes[p].size());
    for (std::size_t k = 0; k < a.spikes[p].size(); ++k) {
      CHECK(a.spikes[p][k].step == b.spikes[p][k].step);
      CHECK(a.spikes[p][k].offset == b.spikes[p][k].offset);
      CHECK(a.spikes[p][k].node == b.spikes[p][k].node);
    }
  }
  CHECK(a.samples == b.samples);
}

TEST_CASE("cable: config errors name the key", "[cable][config]") {
  auto cfg = [](const std::string& params, const std::string& extra = "") {
    return "[simulation]\ndt = 0.1\nduration = 10\n[populations.c]\nmodel = \"cable\"\nsize = 1\n"
           "[populations.c.params]\n" + params + "\n" + extra;
  };
  const std::string secs = "sections = [{ name = \"soma\", L = 20, diam = 20 }, { name = \"dend\", parent = \"soma\", L = 100, diam = 1 }]";
  CHECK_THROWS_WITH(test::run(cfg("sections = [{ name = \"soma\", lenght = 20, L = 20, diam = 20 }]")),
                    Contains("lenght"));
  CHECK_THROWS_WITH(test::run(cfg(secs + "\nreceptors = [{ name = \"ex\", compartment = \"dnd\", type = \"current\", tau = 2 }]")),
                    Contains("receptors") && Contains("did you mean 'dend'"));
  CHECK_THROWS_WITH(test::run(cfg(secs + "\nintegrator = { method = \"crank_nicolson\", dt = 0.03 }")),
                    Contains("integrator") && Contains("must divide"));
  CHECK_THROWS_WITH(test::run(cfg("sections = [{ name = \"soma\", L = 20, diam = 20 }, { name = \"dend\", parent = \"som\", L = 1, diam = 1 }]")),
                    Contains("parent") && Contains("did you mean 'soma'"));
  CHECK_THROWS_WITH(test::run(cfg(secs, "[inputs.i]\nkind = \"dc\"\ntarget = \"c\"\ncompartment = \"axon\"\namplitude = 1\n")),
                    Contains("inputs.i.compartment") && Contains("no compartment 'axon'"));
  CHECK_THROWS_WITH(test::run(cfg(secs + "\ncompartments = [{ name = \"a\", C_m = 1 }]")),
                    Contains("exactly one of 'compartments'"));
  CHECK_THROWS_WITH(test::run(cfg("compartments = [{ name = \"soma\", C_m = 1 }]\noutput = { kind = \"hazard\", compartment = \"dend\" }")),
                    Contains("output.compartment"));
}

TEST_CASE("presets: teacher conductances pull the soma to its matching potential", "[cable][presets]") {
  // Linear rate units send constant values every step: conductances held per step.
  auto drive = [](const std::string& name, double value) {
    return "[populations." + name + "]\nmodel = \"rate_unit\"\nsize = 1\n[inputs." + name +
           "_dc]\nkind = \"dc\"\ntarget = \"" + name + "\"\namplitude = " + number(value) + "\n";
  };
  auto link = [](const std::string& src, const std::string& tgt, const std::string& rec, double w) {
    return "[projections." + src + "_" + tgt + "]\nsource = \"" + src + "\"\ntarget = \"" + tgt + "\"\nreceptor = \"" +
           rec + "\"\nconnectivity = { rule = \"all_to_all\" }\nweight = " + number(w) + "\ndelay = 0.1\n";
  };
  std::string cfg = "[simulation]\ndt = 0.1\nduration = 100\n[output]\n"
                    "[[output.reports]]\npopulation = \"us\"\nvariables = [\"U\", \"V_w_star\"]\ninterval = 0.1\n"
                    "[[output.reports]]\npopulation = \"inter\"\nvariables = [\"u\", \"v\", \"v_hat\", \"phi\"]\ninterval = 0.1\n"
                    "[populations.us]\nmodel = \"urbanczik_senn_2014\"\nsize = 1\n"
                    "[populations.inter]\nmodel = \"sacramento_2018_interneuron\"\nsize = 1\nparams = { noise = 0.0 }\n" +
                    drive("gE", 0.3) + drive("gI", 0.2) + drive("x", 0.4) +
                    link("gE", "us", "soma.g_E_step", 1.0) + link("gI", "us", "soma.g_I_step", 1.0) +
                    link("x", "inter", "dend.syn", 2.0) + link("gE", "inter", "soma.g_exc", 5.0 / 3.0);
  auto out = test::run(cfg);
  // Urbanczik-Senn: U = (g_E E_E + g_I E_I) / (g_L + g_D + g_E + g_I) with V_w = 0.
  const double U = (0.3 * 14.0 / 3.0 + 0.2 * (-1.0 / 3.0)) / (0.1 + 2.0 + 0.3 + 0.2);
  CHECK(out.samples[0][out.samples[0].size() - 2] == Approx(U).epsilon(1e-10));
  CHECK(out.samples[0].back() == 0.0);
  // Interneuron: u = (g_D v + g_exc E_exc) / (g_lk + g_D + g_exc), v = 0.8, g_exc = 0.5.
  const double* r = &out.samples[1][out.samples[1].size() - 4];
  const double u = (1.0 * 0.8 + 0.5 * 1.0) / (0.1 + 1.0 + 0.5);
  CHECK(r[0] == Approx(u).epsilon(1e-10));
  CHECK(r[1] == Approx(0.8).epsilon(1e-14));
  CHECK(r[2] == Approx(0.8 / 1.1).epsilon(1e-14));
  CHECK(r[3] == Approx(1.0 / (1.0 + std::exp(-u))).epsilon(1e-10));
}

TEST_CASE("hazard: spike counts follow the integral of phi(U) along a time-varying trajectory", "[cable][hazard]") {
  // 1000 identical Urbanczik-Senn neurons (no refractoriness), one dendritic input at 10 ms: U
  // rises to about 1.5 and decays; each neuron's count is Poisson with mean integral phi(U) dt.
  const std::size_t n = 1000;
  std::string cfg = R"(
[simulation]
dt = 0.1
duration = 80
seed = 9
[output]
[[output.reports]]
population = "n"
variables = ["phi"]
nodes = [0]
interval = 0.1
[populations.in]
model = "spike_generator"
size = 1
params = { node_ids = [0], times = [9.9] }
[populations.n]
model = "urbanczik_senn_2014"
size = 1000
params = { t_ref = 0.0 }
[projections.p]
source = "in"
target = "n"
receptor = "dend.syn"
connectivity = { rule = "all_to_all" }
weight = 1.0
delay = 0.1
)";
  auto out = test::run(cfg);
  const auto& phi = out.samples[0];
  REQUIRE(phi.size() == 800);
  // The hazard integrates phi linearly between the solver's points, which are these samples.
  auto expected = [&](std::size_t a, std::size_t b) {
    double s = 0;
    for (std::size_t k = a; k + 1 < b + 1 && k + 1 < phi.size(); ++k) s += 0.05 * (phi[k] + phi[k + 1]);
    return s * static_cast<double>(n);
  };
  std::size_t early = 0, late = 0;
  for (auto& s : out.spikes[1]) (s.step < 200 ? early : late) += 1;
  double e1 = expected(0, 200), e2 = expected(200, 799);
  INFO("spikes " << early << " + " << late << ", expected " << e1 << " + " << e2);
  CHECK(e1 > 300);
  CHECK(std::fabs(static_cast<double>(early) - e1) < 5 * std::sqrt(e1));
  CHECK(std::fabs(static_cast<double>(late) - e2) < 5 * std::sqrt(e2));
}

TEST_CASE("cable: a lumped hh compartment equals the same soma as a section", "[cable]") {
  // Soma 20 x 20 um: area 400 pi um^2, C = 0.01 * area pF; hh densities times area.
  const double area = M_PI * 20 * 20;
  auto run = [](const std::string& cell) {
    std::string cfg = "[simulation]\ndt = 0.1\nduration = 40\n[populations.c]\nmodel = \"cable\"\nsize = 1\n"
                      "[populations.c.params]\nintegrator = { method = \"crank_nicolson\", dt = 0.025 }\n"
                      "output = { kind = \"threshold\" }\n" + cell +
                      "\n[inputs.i]\nkind = \"dc\"\ntarget = \"c\"\namplitude = 150\nstart = 2\n";
    return test::spike_times_ms(test::run(cfg), 0, 0);
  };
  auto a = run("sections = [{ name = \"soma\", L = 20, diam = 20, g_pas = 0, hh = {} }]");
  auto b = run("compartments = [{ name = \"soma\", C_m = " + number(0.01 * area) + ", g_L = 0, area = " + number(area) +
               ", hh = {} }]");
  REQUIRE(a.size() >= 2);
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) CHECK(a[k] == Approx(b[k]).margin(1e-9));
}
