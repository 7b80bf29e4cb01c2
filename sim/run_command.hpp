// `apical run`: load a config, build the network, simulate, write the HDF5 result file.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace apical {

struct RunArgs {
  std::string config;
  std::string output;                   // "" -> [output].file, else <config stem>.h5
  int threads = 1;
  std::optional<std::uint64_t> seed;
  std::optional<double> duration_ms;
  bool quiet = false;
};

// Returns the process exit code; prints errors to stderr.
int run_command(const RunArgs& args);

}  // namespace apical
