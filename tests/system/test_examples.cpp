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
    std::string cmd = std::string(APICAL_BINARY) + " run " + entry.path().string() + " -o " + out.string() +
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
