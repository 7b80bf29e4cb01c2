// Helpers shared by the test executables: build a network from TOML text and run it in memory.
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "sim/network.hpp"
#include "sim/simulator.hpp"

namespace apical::test {

// Keeps everything a run produces: spikes per population, samples per report.
struct Recorded : RunObserver {
  std::vector<std::vector<Spike>> spike_lists;
  std::vector<std::vector<double>> sample_rows;  // per report, rows appended
  explicit Recorded(const Network& net)
      : spike_lists(net.populations.size()), sample_rows(net.output.reports.size()) {}
  void spikes(std::size_t p, std::span<const Spike> s) override {
    spike_lists[p].insert(spike_lists[p].end(), s.begin(), s.end());
  }
  void samples(std::size_t r, const Sampler& s) override {
    sample_rows[r].insert(sample_rows[r].end(), s.rows.begin(), s.rows.end());
  }
};

inline Network network(const std::string& toml, const BuildOverrides& o = {}) {
  return build_network(ConfigNode::parse(toml, "test.toml"), o);
}

struct RunOutput {
  std::vector<std::vector<Spike>> spikes;
  std::vector<std::vector<double>> samples;
  Grid grid;
};

inline RunOutput run(Network& net, int threads = 1) {
  Recorded rec(net);
  Simulator(net, threads).run(rec);
  return {rec.spike_lists, rec.sample_rows, net.grid};
}

inline RunOutput run(const std::string& toml, int threads = 1, const BuildOverrides& o = {}) {
  Network net = network(toml, o);
  return run(net, threads);
}

inline std::vector<double> spike_times_ms(const RunOutput& r, std::size_t pop, std::uint32_t node) {
  std::vector<double> t;
  for (auto& s : r.spikes[pop])
    if (s.node == node) t.push_back(r.grid.ms(Time{s.step, s.offset}));
  return t;
}

inline double max_abs(const std::vector<double>& a) {
  double m = 0;
  for (double v : a) m = std::max(m, std::fabs(v));
  return m;
}

// max |a - b| over two vectors of the same length.
inline double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// A number as TOML text that reads back exactly (17 significant digits).
inline std::string number(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

// A list of numbers as TOML text.
inline std::string numbers(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (k) s += ", ";
    s += number(v[k]);
  }
  return s + "]";
}

// One neuron "n" of `model` with `params` (and an `integrator` table unless empty), dt 0.1 ms, its
// spikes and V_m every 0.1 ms recorded, inputs from two spike generators z_ex and z_in (named to
// sort after "n": population 0 is the neuron) on receptors "ex" and "in" with `delay`.
inline std::string one_neuron(const std::string& model, const std::string& params, const std::string& integrator,
                              double duration, const std::vector<double>& ex = {}, double w_ex = 0,
                              const std::vector<double>& in = {}, double w_in = 0, double delay = 0.1) {
  std::ostringstream os;
  os << "[simulation]\ndt = 0.1\nduration = " << number(duration) << "\n";
  os << "[populations.n]\nmodel = \"" << model << "\"\nsize = 1\nparams = " << params << "\n";
  if (!integrator.empty()) os << "integrator = " << integrator << "\n";
  auto gen = [&](const char* name, const std::vector<double>& t, double w, const char* rec) {
    if (t.empty()) return;
    os << "[populations." << name << "]\nmodel = \"spike_generator\"\nsize = 1\nparams = { node_ids = "
       << numbers(std::vector<double>(t.size(), 0.0)) << ", times = " << numbers(t) << " }\n";
    os << "[projections." << name << "]\nsource = \"" << name << "\"\ntarget = \"n\"\nreceptor = \"" << rec
       << "\"\nconnectivity = { rule = \"all_to_all\" }\nweight = " << number(w) << "\ndelay = " << number(delay) << "\n";
  };
  gen("z_ex", ex, w_ex, "ex");
  gen("z_in", in, w_in, "in");
  os << "[output]\nspikes = [\"n\"]\n[[output.reports]]\npopulation = \"n\"\nvariables = [\"V_m\"]\ninterval = 0.1\n";
  return os.str();
}

}  // namespace apical::test
