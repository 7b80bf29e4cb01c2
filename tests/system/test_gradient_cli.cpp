// `apical gradient` as a user meets it: the real binary on a SURROGATE.md reference case, the
// output read back and compared with the reference (SURROGATE.md section 8 tolerance), and an
// input error ending with exit code 2 and a message naming the file.
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "../temp_dir.hpp"
#include "command.hpp"
#include "sim/h5.hpp"

using namespace apical;
using Catch::Matchers::Contains;
using test::TempDir;
using test::read_text;
using test::run_apical;

namespace {



void check_close(const h5::Array<double>& mine, const h5::Array<double>& ref) {
  REQUIRE(mine.shape == ref.shape);
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < ref.data.size(); ++i) {
    diff = std::max(diff, std::fabs(mine.data[i] - ref.data[i]));
    scale = std::max(scale, std::fabs(ref.data[i]));
  }
  CHECK(diff <= 1e-9 + 1e-6 * scale);
}

}  // namespace

TEST_CASE("apical gradient writes the loss and gradients of a reference case",
          "[system][gradient]") {
  TempDir dir;
  const std::string ref =
      std::string(APICAL_SOURCE_DIR) + "/data/reference/surrogate/rec_class_20_10_3.h5";
  const std::string out = dir / "grad.h5";
  REQUIRE(run_apical("gradient " + ref + " -o " + out + " --threads 2", dir / "log.txt") == 0);
  std::string log = read_text(dir / "log.txt");
  CHECK_THAT(log, Contains("apical gradient:") && Contains("loss") && Contains(out));

  h5::Handle f = h5::open_file(out);
  h5::Handle r = h5::open_file(ref);
  CHECK(h5::read_attr_string(f.get(), "status") == "complete");
  CHECK(h5::shape_of(h5::open(f.get(), "loss").get()).empty());  // a scalar
  double loss = h5::read_scalar<double>(f.get(), "loss");
  double ref_loss = h5::read_scalar<double>(r.get(), "reference/loss");
  CHECK(std::fabs(loss - ref_loss) <= 1e-9 + 1e-6 * std::fabs(ref_loss));
  for (const char* w : {"W1", "V", "W2"}) {
    INFO(w);
    check_close(h5::read_array<double>(f.get(), std::string("grad/") + w),
                h5::read_array<double>(r.get(), std::string("reference/grad/") + w));
  }
}

TEST_CASE("apical gradient: a feed-forward case has no /grad/V", "[system][gradient]") {
  TempDir dir;
  const std::string ref =
      std::string(APICAL_SOURCE_DIR) + "/data/reference/surrogate/ff_class_5_3_2.h5";
  REQUIRE(run_apical("gradient " + ref + " -o " + (dir / "g.h5"), dir / "log.txt") == 0);
  h5::Handle f = h5::open_file(dir / "g.h5");
  CHECK(h5::exists(f.get(), "grad/W1"));
  CHECK(h5::exists(f.get(), "grad/W2"));
  CHECK_FALSE(h5::exists(f.get(), "grad/V"));
}

TEST_CASE("apical gradient: a file that is not a case is an input error (exit 2)",
          "[system][gradient]") {
  TempDir dir;
  // A valid HDF5 file without /params: the output of another gradient run.
  const std::string ref =
      std::string(APICAL_SOURCE_DIR) + "/data/reference/surrogate/ff_class_5_3_2.h5";
  REQUIRE(run_apical("gradient " + ref + " -o " + (dir / "g.h5"), dir / "log.txt") == 0);
  CHECK(run_apical("gradient " + (dir / "g.h5") + " -o " + (dir / "h.h5"), dir / "log.txt") == 2);
  std::string log = read_text(dir / "log.txt");
  CHECK_THAT(log, Contains("input error") && Contains("g.h5") && Contains("params"));

  CHECK(run_apical("gradient --help", dir / "help.txt") == 0);
  CHECK_THAT(read_text(dir / "help.txt"), Contains("SURROGATE.md") && Contains("--threads"));
}
