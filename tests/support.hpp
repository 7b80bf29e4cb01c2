// Helpers shared by the test executables: build a network from TOML text and run it in memory.
#pragma once
#include <map>
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

}  // namespace apical::test
