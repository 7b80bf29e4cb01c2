// examples/rdd_network_size.py runs briefly through the real command, so that it cannot rot.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <filesystem>
#include <string>

#include "../temp_dir.hpp"

TEST_CASE("examples/rdd_network_size.py runs and plots", "[system][examples][rdd]") {
  apical::test::TempDir dir;
  const std::string png = dir / "rdd.png", json = dir / "rdd.json";
  const std::string cmd = std::string("/usr/bin/python3 ") + APICAL_SOURCE_DIR + "/examples/rdd_network_size.py --apical " +
                          APICAL_BINARY + " --N 5 --c 0.5 --seconds 4 --reps 1 -o " + png + " --json " + json +
                          " > " + (dir / "log.txt") + " 2>&1";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(std::filesystem::file_size(png) > 1000);
  CHECK(std::filesystem::file_size(json) > 10);
}
