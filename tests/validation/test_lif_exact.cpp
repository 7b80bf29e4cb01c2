// Exact integration of lif_psc_exp and lif_psc_delta against closed forms written here, in the
// test, independently of the library's propagators (models/propagator.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "../support.hpp"

using namespace apical;
using Catch::Matchers::WithinAbs;

namespace {

struct Lif {
  double C_m = 250, tau_m = 10, E_L = -70, V_th = -55, V_reset = -70, t_ref = 2;
  double tau_ex = 2, tau_in = 2, I_e = 0;
};

std::string lif_params(const Lif& p, const char* model = "lif_psc_exp") {
  std::ostringstream os;
  os.precision(17);
  os << "{ C_m = " << p.C_m << ", tau_m = " << p.tau_m << ", E_L = " << p.E_L << ", V_th = " << p.V_th
     << ", V_reset = " << p.V_reset << ", t_ref = " << p.t_ref << ", I_e = " << p.I_e;
  if (std::string(model) == "lif_psc_exp") os << ", tau_syn_ex = " << p.tau_ex << ", tau_syn_in = " << p.tau_in;
  return os.str() + " }";
}

// One neuron driven by spikes from a generator (times in ms, weights per receptor), V recorded
// on every grid step.
std::string psp_config(const Lif& p, double h, double duration, const std::vector<double>& times,
                       double w_ex, double w_in, double delay, const char* model = "lif_psc_exp") {
  std::ostringstream os;
  os.precision(17);
  os << "[simulation]\ndt = " << h << "\nduration = " << duration << "\n";
  os << "[populations.n]\nmodel = \"" << model << "\"\nsize = 1\nparams = " << lif_params(p, model) << "\n";
  os << "[populations.src]\nmodel = \"spike_generator\"\nsize = 1\nparams = { node_ids = [";
  for (std::size_t k = 0; k < times.size(); ++k) os << (k ? ", " : "") << 0;
  os << "], times = [";
  for (std::size_t k = 0; k < times.size(); ++k) os << (k ? ", " : "") << times[k];
  os << "] }\n";
  if (w_ex != 0) os << "[projections.ex]\nsource = \"src\"\ntarget = \"n\"\nreceptor = \"ex\"\nconnectivity = { rule = \"all_to_all\" }\nweight = " << w_ex << "\ndelay = " << delay << "\n";
  if (w_in != 0) os << "[projections.in]\nsource = \"src\"\ntarget = \"n\"\nreceptor = \"in\"\nconnectivity = { rule = \"all_to_all\" }\nweight = " << w_in << "\ndelay = " << delay << "\n";
  os << "[output]\nspikes = [\"n\"]\n[[output.reports]]\npopulation = \"n\"\nvariables = [\"V_m\"]\ninterval = " << h << "\n";
  return os.str();
}

// V - E_L at time s after a current jump of I0 pA, tau_m != tau_s (textbook form, not expm1).
double psc_exp_kernel(const Lif& p, double tau_s, double I0, double s) {
  if (s <= 0) return 0.0;
  return I0 / p.C_m * p.tau_m * tau_s / (p.tau_m - tau_s) * (std::exp(-s / p.tau_m) - std::exp(-s / tau_s));
}

}  // namespace

TEST_CASE("lif_psc_exp: subthreshold response to a DC current matches the closed form", "[validation][lif]") {
  for (double h : {0.1, 0.25, 1.0}) {
    for (double T : {1.0, 17.0, 100.0}) {
      Lif p;
      p.I_e = 300.0;  // V_inf = -70 + 300*10/250 = -58 mV: below V_th
      std::string cfg = "[simulation]\ndt = " + std::to_string(h) + "\nduration = " + std::to_string(T) +
                        "\n[populations.n]\nmodel = \"lif_psc_exp\"\nsize = 1\nparams = " + lif_params(p) +
                        "\ninitial = { V_m = -65.0 }\n";
      Network net = test::network(cfg);
      test::run(net);
      double V = net.populations[0]->observable(0, 0);
      double V_inf = p.E_L + p.I_e * p.tau_m / p.C_m;
      double exact = V_inf + (-65.0 - V_inf) * std::exp(-T / p.tau_m);
      INFO("h = " << h << ", T = " << T);
      CHECK(std::fabs(V - exact) <= 1e-12 * std::fabs(exact));
    }
  }
}

TEST_CASE("lif: first spike time under DC matches -tau ln(1 - C (V_th - E_L) / (tau I))", "[validation][lif]") {
  struct Case { double C_m, tau_m, E_L, V_th, I; };
  for (const char* model : {"lif_psc_exp", "lif_psc_delta"}) {
    for (Case c : {Case{250, 10, -70, -55, 400}, Case{200, 20, -65, -50, 160.5}, Case{100, 5, -60, -59, 21},
                   Case{500, 33, -80, -40, 1000}}) {
      for (double h : {0.1, 0.05, 1.0}) {
        Lif p;
        p.C_m = c.C_m; p.tau_m = c.tau_m; p.E_L = c.E_L; p.V_th = c.V_th; p.V_reset = c.E_L - 5; p.I_e = c.I;
        std::string cfg = "[simulation]\ndt = " + std::to_string(h) + "\nduration = 200.0\n[populations.n]\nmodel = \"" +
                          model + "\"\nsize = 1\nparams = " + lif_params(p, model) + "\n";
        auto out = test::run(cfg);
        auto t = test::spike_times_ms(out, 0, 0);
        double expected = -c.tau_m * std::log(1.0 - c.C_m * (c.V_th - c.E_L) / (c.tau_m * c.I));
        INFO(model << " h = " << h << " C_m = " << c.C_m << " expected " << expected);
        REQUIRE(!t.empty());
        CHECK_THAT(t[0], WithinAbs(expected, 1e-9));
        // The next spike: refractory period, then the same climb from V_reset.
        double V_inf = c.E_L + c.I * c.tau_m / c.C_m;
        double climb = c.tau_m * std::log((V_inf - p.V_reset) / (V_inf - c.V_th));
        REQUIRE(t.size() >= 2);
        CHECK_THAT(t[1] - t[0], WithinAbs(p.t_ref + climb, 1e-9));
      }
    }
  }
}

TEST_CASE("lif_psc_exp: a single PSP matches its closed form on every grid step", "[validation][lif]") {
  Lif p;
  p.tau_ex = 3.0;
  double t_in = 2.37, delay = 1.0, w = 100.0;
  auto out = test::run(psp_config(p, 0.1, 50.0, {t_in}, w, 0, delay));
  const auto& V = out.samples[0];
  REQUIRE(V.size() == 500);
  double worst = 0;
  for (std::size_t k = 0; k < V.size(); ++k) {
    double t = 0.1 * static_cast<double>(k);
    double exact = p.E_L + psc_exp_kernel(p, p.tau_ex, w, t - t_in - delay);
    worst = std::max(worst, std::fabs(V[k] - exact));
  }
  CHECK(worst < 1e-11);  // mV; the kernel's own cancellation limits the reference near s = 0
}

TEST_CASE("lif_psc_exp: tau_m == tau_syn is handled (the propagator's singular case)", "[validation][lif]") {
  for (double tau_s : {10.0, 10.0 * (1 + 1e-12), 10.0 * (1 - 1e-9)}) {
    Lif p;
    p.tau_ex = tau_s;
    double w = 100.0;
    auto out = test::run(psp_config(p, 0.1, 30.0, {0.5}, w, 0, 0.5));
    const auto& V = out.samples[0];
    double worst = 0;
    for (std::size_t k = 0; k < V.size(); ++k) {
      double s = 0.1 * static_cast<double>(k) - 1.0;
      // The limit tau_s -> tau_m: (I0/C) s exp(-s/tau_m); the difference for tau_s within 1e-9 of
      // tau_m is below 1e-9 relative.
      double exact = p.E_L + (s > 0 ? w / p.C_m * s * std::exp(-s / p.tau_m) : 0.0);
      worst = std::max(worst, std::fabs(V[k] - exact));
    }
    INFO("tau_syn = " << tau_s);
    CHECK(std::isfinite(worst));
    CHECK(worst < 1e-8);
  }
}

TEST_CASE("lif_psc_exp: a spike train into one neuron matches the superposed closed form", "[validation][lif]") {
  Lif p;
  p.tau_ex = 2.0;
  p.tau_in = 6.0;
  std::vector<double> times = {0.13, 1.0, 1.07, 2.5, 2.5, 3.33, 7.77, 7.78, 12.0, 15.55, 20.01, 20.02, 31.4};
  double w_ex = 90.0, w_in = -60.0, delay = 1.5;
  auto out = test::run(psp_config(p, 0.1, 60.0, times, w_ex, w_in, delay));
  const auto& V = out.samples[0];
  REQUIRE(out.spikes[0].empty());  // subthreshold by construction
  double worst = 0;
  for (std::size_t k = 0; k < V.size(); ++k) {
    double t = 0.1 * static_cast<double>(k), exact = p.E_L;
    for (double ts : times)
      exact += psc_exp_kernel(p, p.tau_ex, w_ex, t - ts - delay) + psc_exp_kernel(p, p.tau_in, w_in, t - ts - delay);
    worst = std::max(worst, std::fabs(V[k] - exact));
  }
  CHECK(worst < 1e-10);
}

TEST_CASE("lif_psc_exp: a crossing between two events is found, up and back down", "[validation][lif]") {
  // A fast synapse makes V rise above threshold and fall back well before the epoch ends (the
  // 5 ms delay makes the epoch 5 ms long), so V at every event and epoch boundary is far below
  // threshold: only the existence test finds the spike.
  Lif p;
  p.tau_ex = 0.5;
  p.t_ref = 0.0;
  double tp = p.tau_m * p.tau_ex / (p.tau_m - p.tau_ex) * std::log(p.tau_m / p.tau_ex);  // time of the peak
  double peak_per_pA = psc_exp_kernel(p, p.tau_ex, 1.0, tp);
  for (double excess : {+1e-3, -1e-3}) {
    double w = (p.V_th - p.E_L + excess) / peak_per_pA;
    auto out = test::run(psp_config(p, 0.1, 10.0, {1.0}, w, 0, 5.0));
    auto t = test::spike_times_ms(out, 0, 0);
    if (excess < 0) {
      CHECK(t.empty());
      continue;
    }
    REQUIRE(t.size() == 1);
    // Reference crossing by bisection on the closed form, on the rising side of the peak.
    double lo = 0, hi = tp;
    for (int i = 0; i < 200; ++i) {
      double mid = 0.5 * (lo + hi);
      (psc_exp_kernel(p, p.tau_ex, w, mid) >= p.V_th - p.E_L ? hi : lo) = mid;
    }
    CHECK_THAT(t[0], WithinAbs(6.0 + hi, 1e-9));
    CHECK(t[0] < 6.0 + tp);
  }
}

TEST_CASE("lif_psc_exp: excitation and slower inhibition, V with a maximum and a minimum inside one interval", "[validation][lif]") {
  // Slow inhibition already active, then fast excitation: V' has two zeros in one interval.
  Lif p;
  p.tau_ex = 0.3;
  p.tau_in = 8.0;
  p.t_ref = 0.0;
  auto V_of = [&](double w_ex, double s) {  // both inputs at the same time, s after arrival
    return psc_exp_kernel(p, p.tau_ex, w_ex, s) + psc_exp_kernel(p, p.tau_in, -2000.0, s);
  };
  // Find the weight whose maximum sits 1e-4 mV above threshold by bisection on the weight.
  auto peak = [&](double w) {
    double best = -1e9;
    for (int k = 1; k < 40000; ++k) best = std::max(best, V_of(w, k * 1e-4));
    return best;
  };
  double lo = 0, hi = 1e6;
  for (int i = 0; i < 80; ++i) {
    double mid = 0.5 * (lo + hi);
    (peak(mid) >= p.V_th - p.E_L + 1e-4 ? hi : lo) = mid;
  }
  double w = hi;
  auto out = test::run(psp_config(p, 0.1, 12.0, {0.5}, w, -2000.0, 4.0));
  auto t = test::spike_times_ms(out, 0, 0);
  REQUIRE(t.size() == 1);
  double t_peak = 0;  // the crossing lies on the rise before the (first) maximum
  for (int k = 1; k < 40000; ++k)
    if (V_of(w, k * 1e-4) > V_of(w, t_peak)) t_peak = k * 1e-4;
  double a = 0, b = t_peak;
  for (int i = 0; i < 200; ++i) {
    double mid = 0.5 * (a + b);
    (V_of(w, mid) >= p.V_th - p.E_L ? b : a) = mid;
  }
  CHECK_THAT(t[0], WithinAbs(4.5 + b, 1e-9));
}

TEST_CASE("lif_psc_delta: jumps, decay and a spike at the jump that crosses", "[validation][lif]") {
  Lif p;
  p.t_ref = 2.0;
  std::vector<double> times = {1.05, 3.0, 3.0, 9.99};
  double w = 5.5, delay = 1.0;
  auto out = test::run(psp_config(p, 0.1, 20.0, times, w, 0, delay, "lif_psc_delta"));
  // Two simultaneous jumps at 4.0 ms take V from about -65.5 to -54.5 >= V_th: a spike at 4.0 exactly.
  auto t = test::spike_times_ms(out, 0, 0);
  REQUIRE(t.size() == 1);
  CHECK(t[0] == Approx(4.0).margin(1e-12));
  const auto& V = out.samples[0];
  for (std::size_t k = 0; k < V.size(); ++k) {
    double s = 0.1 * static_cast<double>(k), exact = p.E_L;
    if (s > 2.05 && s <= 4.0) exact += w * std::exp(-(s - 2.05) / p.tau_m);
    if (s > 4.0 && s <= 6.0) exact = p.V_reset;  // refractory
    if (s > 10.99) exact += w * std::exp(-(s - 10.99) / p.tau_m);
    INFO("t = " << s);
    CHECK_THAT(V[k], WithinAbs(exact, 1e-11));
  }
}
