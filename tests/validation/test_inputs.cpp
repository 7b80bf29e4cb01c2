// Inputs against what they promise: Poisson trains (rate, ISI law, off-grid times, piecewise
// rates), dc and step currents (closed forms of V), noise currents (exact stationary moments of V
// under a per-step current), the non-finite-state error, and trials (state and input times reset).
//
// Statistical checks compare against the exact expectation with a tolerance of 5 standard errors,
// the standard error stated (or measured from independent replicas) next to each check. Every run
// is seeded, so the numbers are the same on every machine; 5 sigma keeps them honest rather than
// tuned to one seed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "../support.hpp"
#include "core/error.hpp"

using namespace apical;
using Catch::Matchers::Contains;

namespace {

std::string num(double x) {
  std::ostringstream os;
  os.precision(17);
  os << x;
  return os.str();
}

// Mean and standard error of the mean of independent replicas.
struct MeanSe {
  double mean = 0, se = 0;
};
MeanSe mean_se(const std::vector<double>& x) {
  double n = static_cast<double>(x.size());
  double m = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double ss = 0;
  for (double v : x) ss += (v - m) * (v - m);
  return {m, std::sqrt(ss / (n - 1) / n)};
}

// A passive lif_psc_exp: the threshold is out of reach, so V is the exact membrane filter of
// whatever current it receives.
struct Passive {
  double C_m = 250, tau_m = 10, E_L = -70, I_e = 0;
  double R() const { return tau_m / C_m; }  // mV/pA
};

std::string passive_population(const std::string& name, std::size_t size, const Passive& p,
                               double V0) {
  return "[populations." + name + "]\nmodel = \"lif_psc_exp\"\nsize = " + std::to_string(size) +
         "\nparams = { C_m = " + num(p.C_m) + ", tau_m = " + num(p.tau_m) + ", E_L = " + num(p.E_L) +
         ", V_reset = " + num(p.E_L) + ", V_th = 1e9, I_e = " + num(p.I_e) + " }\ninitial = { V_m = " +
         num(V0) + " }\n";
}

std::string report_every_step(const std::string& pop, double h) {
  return "[output]\nspikes = []\n[[output.reports]]\npopulation = \"" + pop +
         "\"\nvariables = [\"V_m\"]\ninterval = " + num(h) + "\n";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// poisson_generator

TEST_CASE("poisson_generator: constant rate, exponential ISIs, off-grid times", "[validation][inputs]") {
  const double h = 0.1, T = 10000.0, rate = 20.0;  // ms, ms, Hz
  const std::size_t n = 500;
  auto out = test::run("[simulation]\ndt = 0.1\nduration = 10000.0\nseed = 7\n"
                       "[populations.p]\nmodel = \"poisson_generator\"\nsize = 500\n"
                       "params = { rate = 20.0 }\n");
  const auto& spikes = out.spikes[0];

  // Count: Poisson with mean lambda = n rate T = 100000, sd sqrt(lambda) = 316 (0.32 %).
  const double lambda = static_cast<double>(n) * rate * T * 1e-3;
  INFO("spikes " << spikes.size() << ", expected " << lambda);
  CHECK(std::fabs(static_cast<double>(spikes.size()) - lambda) < 5.0 * std::sqrt(lambda));

  // Per node: trains in time order, every time inside [0, T), offsets inside [0, h).
  std::vector<std::vector<double>> trains(n);
  double offset_sum = 0;
  std::size_t on_grid = 0;
  bool offsets_in_range = true;
  for (const auto& s : spikes) {
    trains[s.node].push_back(out.grid.ms(Time{s.step, s.offset}));
    offset_sum += s.offset;
    on_grid += s.offset == 0.0;
    offsets_in_range = offsets_in_range && s.offset >= 0.0 && s.offset < h;
  }
  CHECK(offsets_in_range);
  // Off-grid: an exact continuous-time train hits a grid point with probability ~0; allow a
  // handful for rounding of times within 1e-16 ms of a grid point.
  CHECK(on_grid < 10);
  // Offsets uniform on [0, h): mean h/2, standard error h/sqrt(12 N).
  const double N = static_cast<double>(spikes.size());
  CHECK(std::fabs(offset_sum / N - h / 2) < 5.0 * h / std::sqrt(12.0 * N));

  // ISIs. Given its count N_i, a node's spikes are N_i uniform points on [0, T], so the span from
  // first to last spike has expectation T (N_i - 1)/(N_i + 1): the pooled mean ISI is expected to
  // be T sum (N_i-1)/(N_i+1) / sum (N_i-1), slightly below 1/rate = 50 ms (finite window). Its
  // standard error is that of a mean of exponential intervals, mean/sqrt(#ISI).
  std::vector<double> isi;
  double expected_span = 0, n_isi = 0, mean_count = 0;
  for (auto& tr : trains) {
    REQUIRE(std::is_sorted(tr.begin(), tr.end()));
    REQUIRE((tr.empty() || (tr.front() >= 0.0 && tr.back() < T)));
    for (std::size_t k = 1; k < tr.size(); ++k) isi.push_back(tr[k] - tr[k - 1]);
    double Ni = static_cast<double>(tr.size());
    mean_count += Ni / static_cast<double>(n);
    if (Ni >= 2) { expected_span += T * (Ni - 1) / (Ni + 1); n_isi += Ni - 1; }
  }
  const MeanSe m = mean_se(isi);
  double sd = m.se * std::sqrt(static_cast<double>(isi.size()));
  const double expected_isi = expected_span / n_isi;
  INFO("mean ISI " << m.mean << " ms, expected " << expected_isi << ", CV " << sd / m.mean);
  CHECK(std::fabs(m.mean - expected_isi) < 5.0 * expected_isi / std::sqrt(n_isi));
  CHECK(std::fabs(m.mean - 1000.0 / rate) < 0.02 * 1000.0 / rate);  // and near 1/rate at all
  // CV of the ISIs: 1 for a Poisson train; the interior gaps of N uniform points have CV
  // sqrt(N/(N+2)) (Dirichlet spacings), ~0.995 for N = 200. Standard error of a sample CV of
  // exponential intervals (delta method): 1/sqrt(#ISI), 0.0032 here.
  const double expected_cv = std::sqrt(mean_count / (mean_count + 2));
  CHECK(std::fabs(sd / m.mean - expected_cv) < 5.0 / std::sqrt(n_isi));
}

TEST_CASE("poisson_generator: piecewise constant rate, counts per segment", "[validation][inputs]") {
  // Rates 5, 50 and 0 Hz on [0, 1000), [1000, 1500.05), [1500.05, 2000) ms: the last boundary is
  // off the grid, on purpose.
  auto out = test::run("[simulation]\ndt = 0.1\nduration = 2000.0\nseed = 11\n"
                       "[populations.p]\nmodel = \"poisson_generator\"\nsize = 500\n"
                       "params = { times = [0.0, 1000.0, 1500.05], rates = [5.0, 50.0, 0.0] }\n");
  double c0 = 0, c1 = 0, c2 = 0;
  for (const auto& s : out.spikes[0]) {
    double t = out.grid.ms(Time{s.step, s.offset});
    (t < 1000.0 ? c0 : t < 1500.05 ? c1 : c2) += 1;
  }
  // Counts per segment are Poisson: mean 500 rate length, 5 sigma = 5 sqrt(mean).
  const double l0 = 500 * 5.0 * 1.0, l1 = 500 * 50.0 * 0.50005;
  INFO("counts " << c0 << ", " << c1 << ", " << c2 << "; expected " << l0 << ", " << l1 << ", 0");
  CHECK(std::fabs(c0 - l0) < 5 * std::sqrt(l0));
  CHECK(std::fabs(c1 - l1) < 5 * std::sqrt(l1));
  CHECK(c2 == 0);
  // Within a segment the rate is constant: the two halves of the first segment hold equal
  // shares (binomial, p = 1/2: sd sqrt(c0)/2).
  double first_half = 0;
  for (const auto& s : out.spikes[0]) first_half += out.grid.ms(Time{s.step, s.offset}) < 500.0;
  CHECK(std::fabs(first_half - c0 / 2) < 5 * std::sqrt(c0) / 2);
}

// ---------------------------------------------------------------------------------------------
// dc and step currents: V is a superposition of exponential relaxations.

TEST_CASE("dc input: V charges from start and relaxes back after stop", "[validation][inputs]") {
  Passive p;
  p.C_m = 200;
  p.tau_m = 15;
  p.E_L = -65;
  const double h = 0.1, I = 150.0;
  const Step start = 103, stop = 601;  // 10.3 ms and 60.1 ms
  std::string cfg = "[simulation]\ndt = 0.1\nduration = 120.0\n" + passive_population("n", 2, p, p.E_L) +
                    "[inputs.dc]\nkind = \"dc\"\ntarget = \"n\"\nnodes = [1]\namplitude = " + num(I) +
                    "\nstart = 10.3\nstop = 60.1\n" + report_every_step("n", h);
  auto out = test::run(cfg);
  const auto& V = out.samples[0];  // rows of [node 0, node 1]
  REQUIRE(V.size() == 2 * 1200u);
  const double u_stop = p.R() * I * -std::expm1(-static_cast<double>(stop - start) * h / p.tau_m);
  double worst = 0, worst_untouched = 0;
  for (Step k = 0; k < 1200; ++k) {
    double exact = p.E_L;
    if (k > start && k <= stop)
      exact += p.R() * I * -std::expm1(-static_cast<double>(k - start) * h / p.tau_m);
    else if (k > stop)
      exact += u_stop * std::exp(-static_cast<double>(k - stop) * h / p.tau_m);
    worst = std::max(worst, std::fabs(V[2 * static_cast<std::size_t>(k) + 1] - exact));
    worst_untouched = std::max(worst_untouched, std::fabs(V[2 * static_cast<std::size_t>(k)] - p.E_L));
  }
  // 1e-10 mV: the library propagates exactly from event to event; the rounding of ~200 products
  // with exp() on a 11 mV deflection is ~1e-13 mV.
  CHECK(worst < 1e-10);
  CHECK(worst_untouched == 0.0);  // node 0 is not a target of the input
  CHECK(V[2 * 601 + 1] - p.E_L == Approx(0.9638 * p.R() * I).epsilon(1e-3));  // sanity: it charged
}

TEST_CASE("step input: V is the superposed closed form of the piecewise-constant current", "[validation][inputs]") {
  Passive p;
  p.C_m = 300;
  p.tau_m = 8;
  p.E_L = -60;
  p.I_e = 40;
  const double h = 0.1, V0 = -62.5;
  // Changes at 5, 12.3, 30 ms; the source stops at 40 ms, so the change at 47.5 never happens.
  std::string cfg = "[simulation]\ndt = 0.1\nduration = 80.0\n" + passive_population("n", 1, p, V0) +
                    "[inputs.s]\nkind = \"step\"\ntarget = \"n\"\ntimes = [5.0, 12.3, 30.0, 47.5]\n"
                    "amplitudes = [100.0, -50.0, 200.0, 400.0]\nstop = 40.0\n" +
                    report_every_step("n", h);
  auto out = test::run(cfg);
  const auto& V = out.samples[0];
  REQUIRE(V.size() == 800u);
  // (step, change in pA): 0 -> 100 -> -50 -> 200 -> 0 at stop.
  const std::vector<std::pair<Step, double>> jumps = {{50, 100.0}, {123, -150.0}, {300, 250.0}, {400, -200.0}};
  double worst = 0;
  for (Step k = 0; k < 800; ++k) {
    double s = static_cast<double>(k) * h;
    double exact = p.E_L + (V0 - p.E_L) * std::exp(-s / p.tau_m) + p.R() * p.I_e * -std::expm1(-s / p.tau_m);
    for (auto [t, dI] : jumps)
      if (k > t) exact += p.R() * dI * -std::expm1(-static_cast<double>(k - t) * h / p.tau_m);
    worst = std::max(worst, std::fabs(V[static_cast<std::size_t>(k)] - exact));
  }
  CHECK(worst < 1e-10);  // as for dc: exact propagation, rounding only
}

TEST_CASE("step input: the amplitude in force at `start` is applied from start", "[validation][inputs]") {
  // README: inputs act "from start to stop"; for step, "amplitude k holds from times[k] to the
  // next time". With times = [0, 20], amplitudes = [100, 200] and start = 10, the current is
  // therefore 100 pA on [10, 20) and 200 pA after (NEST's step_current_generator does the same:
  // amplitudes change while inactive, the device outputs the one in force once active).
  // Commit 33a431d dropped changes before `start` instead (current 0 on [10, 20)).
  Passive p;
  const double h = 0.1;
  std::string cfg = "[simulation]\ndt = 0.1\nduration = 40.0\n" + passive_population("n", 1, p, p.E_L) +
                    "[inputs.s]\nkind = \"step\"\ntarget = \"n\"\ntimes = [0.0, 20.0]\n"
                    "amplitudes = [100.0, 200.0]\nstart = 10.0\n" + report_every_step("n", h);
  auto out = test::run(cfg);
  const auto& V = out.samples[0];
  REQUIRE(V.size() == 400u);
  double worst = 0;
  for (Step k = 0; k < 400; ++k) {
    double exact = p.E_L;
    if (k > 100) exact += p.R() * 100.0 * -std::expm1(-static_cast<double>(k - 100) * h / p.tau_m);
    if (k > 200) exact += p.R() * 100.0 * -std::expm1(-static_cast<double>(k - 200) * h / p.tau_m);
    worst = std::max(worst, std::fabs(V[static_cast<std::size_t>(k)] - exact));
  }
  INFO("V at 20 ms: " << V[200] << " mV, expected " << p.E_L + p.R() * 100.0 * -std::expm1(-1.0));
  CHECK(worst < 1e-10);
}

// ---------------------------------------------------------------------------------------------
// noise currents
//
// The current is not an observable, but V of a passive neuron is an exact linear filter of it,
// and the library integrates that filter exactly: with the current I_n constant on step n,
//   u_{n+1} = a u_n + b y_n,   u = V - V_inf, y = I - mean, a = exp(-h/tau_m), b = R (1 - a),
// where V_inf = E_L + R (I_e + mean). (The sample at step n is taken before the value of step n
// applies, so u_n depends on y_0 .. y_{n-1}; the stationary law is the same either way.)
//
// White (tau = 0): y_n iid with variance s^2, so Var u = a^2 Var u + b^2 s^2:
//   Var V = b^2 s^2 / (1 - a^2).
// OU (tau > 0): y_{n+1} = d y_n + s sqrt(1 - d^2) xi_n, d = exp(-h/tau), Var y = s^2. With
// C = E[u_n y_n] and U = Var u, stationarity of the 2x2 system gives
//   C = E[(a u + b y)(d y + k xi)] = a d C + b d s^2        =>  C = b d s^2 / (1 - a d)
//   U = E[(a u + b y)^2] = a^2 U + 2 a b C + b^2 s^2        =>  U = (b^2 s^2 + 2 a b C) / (1 - a^2)
//     = b^2 s^2 (1 + a d) / ((1 - a^2)(1 - a d)),
// which is the white result at d = 0.
// Correlation c: each neuron's innovations are sqrt(1-c) xi_own + sqrt(c) xi_shared (the OU's
// first, stationary value too), so by linearity y_i = sqrt(1-c) Y_own,i + sqrt(c) Y_shared with
// Y of the same law, and V_i - V_inf = sqrt(1-c) F_own,i + sqrt(c) F_shared: Corr(V_i, V_j) = c
// exactly, for white and OU alike.

namespace {

struct NoiseCase {
  Passive p;
  double mean = 0, sd = 0, tau = 0, c = 0;
  std::size_t n = 100;
  double T = 2000, h = 0.1;
  std::uint64_t seed = 1;
};

struct NoiseRun {
  std::vector<double> V;  // [rows][n]
  std::size_t rows = 0;
  double V_inf = 0, var = 0;  // the exact stationary mean and variance
};

NoiseRun run_noise(const NoiseCase& k) {
  NoiseRun r;
  const Passive& p = k.p;
  r.V_inf = p.E_L + p.R() * (p.I_e + k.mean);
  const double a = std::exp(-k.h / p.tau_m), b = p.R() * -std::expm1(-k.h / p.tau_m);
  const double d = k.tau > 0 ? std::exp(-k.h / k.tau) : 0.0;
  r.var = b * b * k.sd * k.sd * (1 + a * d) / ((1 - a * a) * (1 - a * d));
  std::string cfg = "[simulation]\ndt = " + num(k.h) + "\nduration = " + num(k.T) + "\nseed = " +
                    std::to_string(k.seed) + "\n" + passive_population("n", k.n, p, r.V_inf) +
                    "[inputs.noise]\nkind = \"noise\"\ntarget = \"n\"\nmean = " + num(k.mean) +
                    "\nstd = " + num(k.sd) + "\ntau = " + num(k.tau) + "\ncorrelation = " + num(k.c) +
                    "\n" + report_every_step("n", k.h);
  auto out = test::run(cfg);
  r.V = std::move(out.samples[0]);
  r.rows = r.V.size() / k.n;
  REQUIRE(r.rows * k.n == r.V.size());
  return r;
}

}  // namespace

TEST_CASE("noise input, white and OU: stationary mean and variance of V are exact", "[validation][inputs]") {
  // tau_m = 1 ms keeps V's correlation time short, so 100 neurons x 2 s hold ~1e5 nearly
  // independent samples. The first 20 ms (20 tau_m, 10 tau) are dropped: V starts at V_inf, and
  // the variance has reached 1 - e^-40 of its stationary value (the OU starts stationary).
  for (double tau : {0.0, 2.0}) {
    NoiseCase k;
    k.p.C_m = 25;
    k.p.tau_m = 1;
    k.p.E_L = -70;
    k.p.I_e = 20;
    k.mean = 150;
    k.sd = 300;
    k.tau = tau;
    k.seed = 3;
    NoiseRun r = run_noise(k);
    const std::size_t burn = 200;
    // Neurons are independent (c = 0): per-neuron sample means and variances (about the exact
    // V_inf) are independent replicas, and their spread gives the standard error.
    std::vector<double> means(k.n), vars(k.n);
    for (std::size_t i = 0; i < k.n; ++i) {
      double s1 = 0, s2 = 0;
      for (std::size_t row = burn; row < r.rows; ++row) {
        double u = r.V[row * k.n + i] - r.V_inf;
        s1 += u;
        s2 += u * u;
      }
      means[i] = s1 / static_cast<double>(r.rows - burn);
      vars[i] = s2 / static_cast<double>(r.rows - burn);
    }
    MeanSe mu = mean_se(means), var = mean_se(vars);
    INFO("tau = " << tau << ": mean V - V_inf = " << mu.mean << " +- " << mu.se << " mV; Var V = " << var.mean
                  << " +- " << var.se << " mV^2, exact " << r.var);
    CHECK(std::fabs(mu.mean) < 5 * mu.se);
    CHECK(std::fabs(var.mean - r.var) < 5 * var.se);
    // The comparison has teeth: the standard errors are small against the quantities compared
    // (1 % at most, so the 5 sigma band is within 5 %): a per-step current with a wrong OU kick
    // (std sqrt(1 - d) for std sqrt(1 - d^2)) halves Var V; ignoring the OU's memory (d = 0)
    // divides it by ~13 (at tau = 2 ms).
    CHECK(var.se < 0.01 * r.var);
    CHECK(mu.se < 0.01 * std::sqrt(r.var));
  }
}

TEST_CASE("noise input: correlation c between neurons shows as Corr(V_i, V_j) = c", "[validation][inputs]") {
  // Tolerance: the estimate per time block is the pooled ratio mean_{i!=j} cov(V_i, V_j) /
  // mean_i var(V_i); blocks of 100 ms (>= 50 correlation times of V) are independent replicas,
  // and their spread gives the standard error. 5 of those, and a bound on the error so that the
  // check stays sharp. tau_m = 0.2 ms (white) and 1 ms (OU, tau = 1 ms) keep V's correlation time
  // short: the estimate's error is dominated by how well one shared realisation fills a block.
  struct Case { double tau_m, tau, c; };
  for (Case cs : {Case{0.2, 0.0, 0.5}, Case{1.0, 1.0, 0.2}}) {
    NoiseCase k;
    k.p.C_m = 25;
    k.p.tau_m = cs.tau_m;
    k.mean = 50;
    k.sd = 200;
    k.tau = cs.tau;
    k.c = cs.c;
    k.n = 40;
    k.T = 4000;
    k.seed = 5;
    NoiseRun r = run_noise(k);
    const std::size_t burn = 200, block = 1000;
    const double n = static_cast<double>(k.n);
    std::vector<double> rho;
    for (std::size_t b0 = burn; b0 + block <= r.rows; b0 += block) {
      double pair_sum = 0, var_sum = 0;
      for (std::size_t row = b0; row < b0 + block; ++row) {
        double s1 = 0, s2 = 0;
        for (std::size_t i = 0; i < k.n; ++i) {
          double u = r.V[row * k.n + i] - r.V_inf;
          s1 += u;
          s2 += u * u;
        }
        pair_sum += (s1 * s1 - s2) / (n * (n - 1));  // mean over ordered pairs i != j of u_i u_j
        var_sum += s2 / n;
      }
      rho.push_back(pair_sum / var_sum);
    }
    MeanSe m = mean_se(rho);
    INFO("tau = " << cs.tau << ", c = " << cs.c << ": Corr(V_i, V_j) = " << m.mean << " +- " << m.se
                  << " over " << rho.size() << " blocks");
    CHECK(std::fabs(m.mean - cs.c) < 5 * m.se);
    CHECK(m.se < 0.01);
  }
  // And c = 0 gives no correlation at all, c = 1 gives identical neurons.
  NoiseCase k;
  k.p.tau_m = 1;
  k.p.C_m = 25;
  k.sd = 200;
  k.c = 1.0;
  k.n = 3;
  k.T = 200;
  NoiseRun r = run_noise(k);
  bool same = true;
  for (std::size_t row = 0; row < r.rows; ++row)
    same = same && r.V[row * 3] == r.V[row * 3 + 1] && r.V[row * 3] == r.V[row * 3 + 2];
  CHECK(same);  // bit-identical: the same current, sqrt(1)*shared + 0*own
  CHECK(r.V[r.rows * 3 - 1] != r.V_inf);
}

// ---------------------------------------------------------------------------------------------
// non-finite state

TEST_CASE("a state that overflows stops the run with RunError naming population, neuron and time",
          "[validation][inputs]") {
  // R = tau_m / C_m = 1e6 mV/pA: a current of -1e308 pA has V_inf = -inf, so V of neuron 3 (the
  // only target) becomes -inf in the first interval after the input starts at 5 ms. Without
  // projections the epoch is 1 ms, so the check at the end of the epoch [5, 6) ms reports it.
  const std::string cfg = R"(
[simulation]
dt = 0.1
duration = 20.0
[populations.x]
model = "lif_psc_exp"
size = 5
params = { C_m = 1e-3, tau_m = 1e3 }
[inputs.blow]
kind = "dc"
target = "x"
nodes = [3]
amplitude = -1e308
start = 5.0
)";
  REQUIRE_THROWS_AS(test::run(cfg), RunError);
  REQUIRE_THROWS_WITH(test::run(cfg), Contains("non-finite state in population 'x'") &&
                                          Contains("neuron 3") && Contains("t = 6 ms"));
  // Before the input starts nothing is wrong.
  BuildOverrides shorter;
  shorter.duration_ms = 5.0;
  CHECK_NOTHROW(test::run(cfg, 1, shorter));
}

// ---------------------------------------------------------------------------------------------
// trials

TEST_CASE("trials: state and input times restart with each trial", "[validation][inputs]") {
  // lif_psc_exp defaults (V_inf = -70 + 500 * 10/250 = -50 mV > V_th = -55 mV): the dc input from
  // 10 ms makes the neuron fire a few times in each 50 ms trial.
  const std::string cfg = R"(
[simulation]
dt = 0.1
[trials]
count = 3
length = 50.0
[populations.n]
model = "lif_psc_exp"
size = 2
initial = { V_m = -68.0 }
[inputs.dc]
kind = "dc"
target = "n"
amplitude = 500.0
start = 10.0
stop = 45.0
[output]
[[output.reports]]
population = "n"
variables = ["V_m", "I_ex"]
)";
  auto out = test::run(cfg);
  const auto& S = out.samples[0];  // rows of [V0, I_ex0, V1, I_ex1]
  REQUIRE(S.size() == 1500u * 4u);
  // Trial 0 against the closed form up to the first spike: relaxation from -68 mV to E_L, then
  // the charge from 10 ms (so the identity below is not that of two flat traces).
  for (Step k : {Step{50}, Step{100}, Step{150}}) {
    double t = 0.1 * static_cast<double>(k);
    double exact = -70.0 + 2.0 * std::exp(-t / 10.0);
    if (k > 100) exact += 20.0 * -std::expm1(-static_cast<double>(k - 100) * 0.1 / 10.0);
    CHECK(S[static_cast<std::size_t>(k) * 4] == Approx(exact).margin(1e-10));
  }
  // Every trial repeats trial 0 bit for bit (the point: a reset state, input times relative to
  // the trial start, and no propagator that depends on absolute time).
  bool same_trace = true;
  for (std::size_t trial = 1; trial < 3; ++trial)
    for (std::size_t k = 0; k < 500 * 4; ++k) same_trace = same_trace && S[trial * 2000 + k] == S[k];
  CHECK(same_trace);

  const auto& spikes = out.spikes[0];
  std::vector<std::vector<Spike>> per_trial(3);
  for (const auto& s : spikes) {
    auto trial = static_cast<std::size_t>(s.step / 500);
    per_trial[trial].push_back({s.step - static_cast<Step>(trial) * 500, s.offset, s.node});
  }
  REQUIRE(per_trial[0].size() >= 4);  // both neurons fire at least twice
  for (std::size_t trial = 1; trial < 3; ++trial) {
    INFO("trial " << trial);
    REQUIRE(per_trial[trial].size() == per_trial[0].size());
    for (std::size_t k = 0; k < per_trial[0].size(); ++k) {
      CHECK(per_trial[trial][k].step == per_trial[0][k].step);
      CHECK(per_trial[trial][k].offset == per_trial[0][k].offset);
      CHECK(per_trial[trial][k].node == per_trial[0][k].node);
    }
  }
  // The first spike comes a little before 10 ms + tau ln 4 (the climb from E_L to V_th under a
  // drive towards -50 mV; what is left of the initial -68 mV helps), and well after 20 ms: bounds
  // that catch an input shifted or missing.
  double t0 = out.grid.ms(Time{per_trial[0][0].step, per_trial[0][0].offset});
  CHECK(t0 > 20.0);
  CHECK(t0 < 10.0 + 10.0 * std::log(4.0) + 0.01);
}
