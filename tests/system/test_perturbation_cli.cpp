// Weight perturbation through `apical run` on examples/perturbation_variance.toml: the measured
// update of every trial reaches the file (/measured/w/values), and each perturbed trial's row is
// [L(w + xi) - L(w)] xi / sigma^2 with L from /trials/loss and xi regenerated from the documented
// stream key; unperturbed trials write zero rows, and the weights stay as loaded.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "../temp_dir.hpp"
#include "core/rng.hpp"
#include "sim/h5.hpp"

using namespace apical;

TEST_CASE("apical run writes weight perturbation's measured updates per trial", "[system][perturbation]") {
  test::TempDir dir;
  const std::string out = dir / "wp.h5";
  const std::string cmd = std::string("cd ") + APICAL_SOURCE_DIR + " && " + APICAL_BINARY +
                          " run examples/perturbation_variance.toml -q -t 2 -o " + out + " > " + (dir / "log") + " 2>&1";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  h5::Handle f = h5::open_file(out);
  const auto u = h5::read_array<double>(f.get(), "measured/w/values");
  const auto loss = h5::read_vector<double>(f.get(), "trials/loss");
  const auto w = h5::read_vector<double>(f.get(), "weights/w/syn_weight");
  const auto loaded = h5::read_vector<double>(
      h5::open_file(std::string(APICAL_SOURCE_DIR) + "/examples/perturbation_layer_20x10.h5").get(), "edges/w/0/syn_weight");
  REQUIRE(u.shape == h5::Shape{2000, 200});
  REQUIRE(loss.size() == 2000);
  CHECK(w == loaded);  // measure mode (the file's edges are in the order apical stores them)
  const double sigma = 1e-3;
  double worst = 0.0;
  for (std::size_t k = 0; k < 40; ++k) {
    for (std::size_t s = 0; s < 200; ++s) {
      const double got = u.data[k * 200 + s];
      if (k % 2 == 0) {
        REQUIRE(got == 0.0);
        continue;
      }
      const double xi = sigma * RandomStream(1, StreamKind::perturbation, 0, static_cast<std::uint32_t>(s),
                                             static_cast<std::uint32_t>(k)).normal();
      const double want = (loss[k] - loss[k - 1]) * xi / (sigma * sigma);
      REQUIRE(want != 0.0);
      worst = std::max(worst, std::abs(got - want) / std::abs(want));
    }
  }
  CHECK(worst < 1e-9);
}
