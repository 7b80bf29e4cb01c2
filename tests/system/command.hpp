// Running the real `apical` binary from system tests.
#pragma once
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace apical::test {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `apical ARGS` with stdout and stderr into the file `log`; returns the exit code.
inline int run_apical(const std::string& args, const std::string& log) {
  const std::string cmd = std::string(APICAL_BINARY) + " " + args + " > " + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace apical::test
