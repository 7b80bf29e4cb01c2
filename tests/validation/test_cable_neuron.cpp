// Multi-compartment neurons against NEURON 8.2 (data/reference/neuron/, CVODE atol 1e-10,
// made by data/make_neuron_reference.py): the passive ball-and-stick (soma + 500 um dendrite,
// nseg 51), the same with NEURON's hh in the soma (spike times), and a passive two-compartment
// cell given to apical in lumped form. apical runs NEURON's spatial discretisation, so the
// differences are its time-integration error at the sub-step stated in each test.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "../support.hpp"
#include "sim/h5.hpp"

using namespace apical;

namespace {

using test::number;

std::string ref_path(const std::string& name) {
  return std::string(APICAL_SOURCE_DIR) + "/data/reference/neuron/" + name + ".h5";
}

struct Reference {
  h5::Handle file;
  double attr(const std::string& k) const { return h5::read_attr<double>(file.get(), k); }
  std::vector<double> trace(const std::string& k) const { return h5::read_vector<double>(file.get(), k); }
};

Reference open_ref(const std::string& name) { return {h5::open_file(ref_path(name))}; }

std::string ball_stick(const Reference& r, bool hh, const std::string& method, double dt,
                       const std::vector<std::string>& vars) {
  std::ostringstream os;
  os << "[simulation]\ndt = 0.1\nduration = " << number(r.attr("tstop")) << "\nseed = 1\n"
     << "[output]\n[[output.reports]]\npopulation = \"cell\"\nvariables = [";
  for (std::size_t k = 0; k < vars.size(); ++k) os << (k ? ", " : "") << '"' << vars[k] << '"';
  os << "]\ninterval = 0.1\n[populations.cell]\nmodel = \"cable\"\nsize = 1\n[populations.cell.params]\n"
     << "v_init = " << number(r.attr("v_init")) << "\ncelsius = " << number(r.attr("celsius")) << "\n"
     << "integrator = { method = \"" << method << "\", dt = " << number(dt) << " }\n"
     << "output = { kind = \"threshold\", compartment = \"soma\", threshold = -20.0 }\nsections = [\n";
  auto sec = [&](const std::string& name, const std::string& pre, int nseg, bool with_hh) {
    os << "  { name = \"" << name << "\", " << (name == "dend" ? "parent = \"soma\", " : "") << "L = "
       << number(r.attr(pre + "_L")) << ", diam = " << number(r.attr(pre + "_diam")) << ", nseg = " << nseg
       << ", Ra = " << number(r.attr("Ra")) << ", cm = " << number(r.attr("cm")) << ", g_pas = " << number(r.attr("g_pas"))
       << ", e_pas = " << number(r.attr("e_pas"));
    if (with_hh)
      os << ", hh = { gnabar = " << number(r.attr("gnabar")) << ", gkbar = " << number(r.attr("gkbar")) << ", gl = "
         << number(r.attr("gl")) << ", el = " << number(r.attr("el")) << ", ena = " << number(r.attr("ena"))
         << ", ek = " << number(r.attr("ek")) << " }";
    os << " },\n";
  };
  sec("soma", "soma", 1, hh);
  sec("dend", "dend", static_cast<int>(r.attr("dend_nseg")), false);
  os << "]\n[inputs.stim]\nkind = \"dc\"\ntarget = \"cell\"\ncompartment = \"soma\"\namplitude = "
     << number(1000.0 * r.attr("stim_amp_nA")) << "\nstart = " << number(r.attr("stim_del"))
     << "\nstop = " << number(r.attr("stim_del") + r.attr("stim_dur")) << "\n";
  return os.str();
}

// Largest |apical - NEURON| over all samples of the listed traces (report columns in order).
double max_error(const Reference& r, const test::RunOutput& out, const std::vector<std::string>& vars) {
  double worst = 0.0;
  const auto& rows = out.samples[0];
  std::size_t n = rows.size() / vars.size();
  for (std::size_t v = 0; v < vars.size(); ++v) {
    auto ref = r.trace(vars[v]);
    REQUIRE(ref.size() >= n - 1);
    for (std::size_t s = 0; s < std::min(n, ref.size()); ++s)
      worst = std::max(worst, std::fabs(rows[s * vars.size() + v] - ref[s]));
  }
  return worst;
}

}  // namespace

TEST_CASE("cable: passive ball-and-stick agrees with NEURON (CVODE) within 0.1 mV", "[cable][neuron]") {
  Reference r = open_ref("ball_stick_passive");
  const std::vector<std::string> vars = {"V_soma", "V_dend[0]", "V_dend[25]", "V_dend[50]"};
  // Crank-Nicolson at dt = 0.025 ms (NEURON's default step) and backward Euler at 0.025 ms.
  double cn = max_error(r, test::run(ball_stick(r, false, "crank_nicolson", 0.025, vars)), vars);
  double be = max_error(r, test::run(ball_stick(r, false, "backward_euler", 0.025, vars)), vars);
  double be_coarse = max_error(r, test::run(ball_stick(r, false, "backward_euler", 0.05, vars)), vars);
  INFO("max |dV| CN 0.025: " << cn << " mV, BE 0.025: " << be << " mV, BE 0.05: " << be_coarse << " mV");
  CHECK(cn < 0.1);
  CHECK(be < 0.1);
  CHECK(cn < be);
  // Backward Euler is first order: halving dt about halves the error.
  CHECK(be_coarse / be == Approx(2.0).margin(0.3));
  WARN("passive ball-and-stick vs NEURON: CN dt 0.025 " << cn << " mV, BE dt 0.025 " << be << " mV");
}

TEST_CASE("cable: ball-and-stick with NEURON's hh in the soma: spike times within 0.05 ms", "[cable][neuron]") {
  Reference r = open_ref("ball_stick_hh");
  auto ref_spikes = r.trace("spike_times");
  REQUIRE(ref_spikes.size() == 3);
  const std::vector<std::string> vars = {"V_soma"};
  for (auto [method, dt] : {std::pair<std::string, double>{"crank_nicolson", 0.025}, {"backward_euler", 0.005}}) {
    auto out = test::run(ball_stick(r, true, method, dt, vars));
    auto spikes = test::spike_times_ms(out, 0, 0);
    REQUIRE(spikes.size() == ref_spikes.size());
    double worst = 0.0;
    for (std::size_t k = 0; k < spikes.size(); ++k) worst = std::max(worst, std::fabs(spikes[k] - ref_spikes[k]));
    INFO(method << " dt " << dt << ": worst spike-time error " << worst << " ms");
    CHECK(worst < 0.05);
    WARN("hh ball-and-stick vs NEURON, " << method << " dt " << dt << ": spike times within " << worst << " ms");
  }
}

TEST_CASE("cable: lumped two-compartment cell agrees with NEURON's two sections", "[cable][neuron]") {
  Reference r = open_ref("two_compartment");
  std::ostringstream os;
  os << "[simulation]\ndt = 0.1\nduration = " << number(r.attr("tstop")) << "\n"
     << "[output]\n[[output.reports]]\npopulation = \"cell\"\nvariables = [\"V_soma\", \"V_dend\"]\ninterval = 0.1\n"
     << "[populations.cell]\nmodel = \"cable\"\nsize = 1\n[populations.cell.params]\n"
     << "v_init = " << number(r.attr("v_init")) << "\nintegrator = { method = \"crank_nicolson\", dt = 0.025 }\n"
     << "compartments = [\n  { name = \"soma\", C_m = " << number(r.attr("C_soma")) << ", g_L = " << number(r.attr("gL_soma"))
     << ", E_L = " << number(r.attr("e_pas")) << " },\n  { name = \"dend\", parent = \"soma\", g_c = " << number(r.attr("g_c"))
     << ", C_m = " << number(r.attr("C_dend")) << ", g_L = " << number(r.attr("gL_dend")) << ", E_L = " << number(r.attr("e_pas"))
     << " },\n]\n[inputs.stim]\nkind = \"dc\"\ntarget = \"cell\"\ncompartment = \"dend\"\namplitude = "
     << number(1000.0 * r.attr("stim_amp_nA")) << "\nstart = " << number(r.attr("stim_del"))
     << "\nstop = " << number(r.attr("stim_del") + r.attr("stim_dur")) << "\n";
  double err = max_error(r, test::run(os.str()), {"V_soma", "V_dend"});
  INFO("max |dV| " << err << " mV");
  CHECK(err < 0.1);
  WARN("two-compartment (lumped) vs NEURON, CN dt 0.025: " << err << " mV");
}
