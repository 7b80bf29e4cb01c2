#include "sim/command_support.hpp"

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "core/error.hpp"

namespace apical {

namespace {

std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
}

}  // namespace

int exit_code_of(const char* command, const std::function<int()>& body, const char* config_error) {
  try {
    return body();
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "apical %s: %s: %s\n", command, config_error, e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "apical %s: error: %s\n", command, e.what());
    return 1;
  }
}

void stop_on_signals() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}
const std::atomic<bool>* stop_requested() { return &g_stop; }
int stop_signal() { return static_cast<int>(g_signal); }

void write_projection_weights(OutputFile& out, const std::string& group, const Network& net, const Projection& p) {
  const std::string g = group + "/";
  {
    std::vector<std::uint64_t> src(p.size());
    for (std::size_t i = 0; i + 1 < p.row.size(); ++i)
      for (std::uint64_t s = p.row[i]; s < p.row[i + 1]; ++s) src[s] = i;
    out.write_vector(g + "source_node_id", src, {{"node_population", net.populations[p.source]->name()}});
  }
  {
    std::vector<std::uint64_t> dst(p.post.begin(), p.post.end());
    out.write_vector(g + "target_node_id", dst, {{"node_population", net.populations[p.target]->name()}});
  }
  out.write_vector(g + "syn_weight", p.weight, {{"rule", p.plastic() ? p.rule->name() : "static"}});
  std::vector<double> delay(p.size());
  for (std::size_t s = 0; s < p.size(); ++s) delay[s] = net.grid.ms(p.delay_of(s));
  out.write_vector(g + "delay", delay, {{"units", "ms"}});
}

}  // namespace apical
