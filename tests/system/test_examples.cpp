// Every example config runs briefly through the real command, so that examples cannot rot.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "sim/h5.hpp"
#include "sim/input_files.hpp"

namespace fs = std::filesystem;
using namespace apical;

TEST_CASE("every example runs for 50 ms and writes a complete file", "[system][examples]") {
  fs::path dir = fs::temp_directory_path() / ("apical_examples_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  int n = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(APICAL_SOURCE_DIR) / "examples")) {
    if (entry.path().extension() != ".toml") continue;
    ++n;
    fs::path out = dir / (entry.path().stem().string() + ".h5");
    // From the repository root: examples name their data files relative to it.
    std::string cmd = std::string("cd ") + APICAL_SOURCE_DIR + " && " + APICAL_BINARY + " run " + entry.path().string() + " -o " + out.string() +
                      " --duration 50 --threads 2 -q > " + (dir / "log.txt").string() + " 2>&1";
    INFO(entry.path().filename().string());
    int status = std::system(cmd.c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    h5::Handle f = h5::open_file(out.string());
    CHECK(h5::read_attr_string(f.get(), "status") == "complete");
  }
  CHECK(n >= 1);
  fs::remove_all(dir);
}

TEST_CASE("a result file's spikes can drive a spike_generator (SONATA spike input)", "[system][examples]") {
  fs::path dir = fs::temp_directory_path() / ("apical_replay_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path first = dir / "cuba.h5";
  std::string cmd = std::string(APICAL_BINARY) + " run " + APICAL_SOURCE_DIR +
                    "/examples/vogels_abbott_cuba.toml -o " + first.string() + " --duration 100 -q > /dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  SpikeList original = read_spike_file(first.string(), "inh");
  REQUIRE(original.times_ms.size() > 100);

  // Replay the inhibitory spikes through a generator into nothing; record them again.
  fs::path cfg = dir / "replay.toml";
  FILE* fp = std::fopen(cfg.c_str(), "w");
  std::fprintf(fp, "[simulation]\nduration = 100.0\n[populations.inh]\nmodel = \"spike_generator\"\nsize = 800\n"
                   "params = { file = \"%s\", population = \"inh\" }\n", first.c_str());
  std::fclose(fp);
  fs::path second = dir / "replay.h5";
  cmd = std::string(APICAL_BINARY) + " run " + cfg.string() + " -o " + second.string() + " -q > /dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  SpikeList replayed = read_spike_file(second.string(), "inh");
  REQUIRE(replayed.times_ms.size() == original.times_ms.size());
  for (std::size_t k = 0; k < original.times_ms.size(); ++k) {
    CHECK(replayed.node_ids[k] == original.node_ids[k]);
    CHECK(std::fabs(replayed.times_ms[k] - original.times_ms[k]) <= 1e-12);
  }
  fs::remove_all(dir);
}

TEST_CASE("weights a run wrote reload through rule = \"file\"", "[system][examples]") {
  fs::path dir = fs::temp_directory_path() / ("apical_reload_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [](const fs::path& p, const std::string& text) {
    FILE* fp = std::fopen(p.c_str(), "w");
    std::fputs(text.c_str(), fp);
    std::fclose(fp);
  };
  const std::string pops = R"(
[populations.in]
model = "poisson_generator"
size = 40
params = { rate = 30.0 }
[populations.n]
model = "lif_psc_exp"
size = 20
)";
  write(dir / "learn.toml", "[simulation]\nduration = 500.0\n" + pops + R"(
[projections.ff]
source = "in"
target = "n"
connectivity = { rule = "fixed_probability", p = 0.5 }
weight = { distribution = "uniform", low = 100.0, high = 400.0 }
delay = { distribution = "uniform", low = 0.5, high = 3.0 }
plasticity = { rule = "stdp_pair", eta = 5.0, bounds = "hard", w_min = 0.0, w_max = 600.0 }
[output]
weight_interval = 100.0
)");
  std::string cmd = std::string(APICAL_BINARY) + " run " + (dir / "learn.toml").string() + " -o " +
                    (dir / "learn.h5").string() + " -q > /dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  write(dir / "reload.toml", "[simulation]\nduration = 10.0\n" + pops + R"(
[projections.ff]
source = "in"
target = "n"
connectivity = { rule = "file", file = ")" + (dir / "learn.h5").string() + R"(", edges = "ff" }
[output]
weights = ["ff"]
)");
  cmd = std::string(APICAL_BINARY) + " run " + (dir / "reload.toml").string() + " -o " + (dir / "reload.h5").string() +
        " -q > /dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  EdgeList learned = read_edge_file((dir / "learn.h5").string(), "ff");
  EdgeList reloaded = read_edge_file((dir / "reload.h5").string(), "ff");
  REQUIRE(learned.source.size() > 100);
  CHECK(reloaded.source == learned.source);
  CHECK(reloaded.target == learned.target);
  CHECK(reloaded.weight == learned.weight);
  CHECK(reloaded.delay_ms == learned.delay_ms);

  // Snapshots: t = 0, 100, ..., 500 ms; the first holds the initial weights, the last the final.
  h5::Handle f = h5::open_file((dir / "learn.h5").string());
  auto values = h5::read_array<double>(f.get(), "/weights/ff/snapshots/values");
  auto times = h5::read_vector<double>(f.get(), "/weights/ff/snapshots/times");
  REQUIRE(times == std::vector<double>{0, 100, 200, 300, 400, 500});
  REQUIRE(values.shape == h5::Shape{6, learned.weight.size()});
  std::vector<double> last(values.data.end() - static_cast<std::ptrdiff_t>(learned.weight.size()), values.data.end());
  CHECK(last == learned.weight);
  std::vector<double> first(values.data.begin(), values.data.begin() + static_cast<std::ptrdiff_t>(learned.weight.size()));
  CHECK(first != last);  // it learned
  for (double w : first) CHECK((w >= 100.0 && w < 400.0));  // the initial uniform draw
  fs::remove_all(dir);
}
