// `apical compare` as a user meets it: the real binary on a small clock-driven network (the
// SURROGATE.md regression case 20-10-3 as a config), its file read back. Calibration points of
// SCIENCE.md 8.3: backprop against itself sits at the origin (theta_bias = 0, Var_rel = 0,
// alpha* = 1); weight perturbation of one projection is unbiased with Var_rel = P + 1; the
// results do not depend on the thread count; a wrong config is exit code 2 naming the key.
#include <sys/wait.h>

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



std::string network_config() {
  const std::string data = std::string(APICAL_SOURCE_DIR) + "/data/reference/surrogate/ff_reg_20_10_3_s10.h5";
  return R"([simulation]
dt = 1.0
seed = 3
[trials]
count = 4
length = 102.0
[trials.objective]
kind = "regression"
population = "out"
skip = 2
data = ")" + data + R"("
[populations.in]
model = "raster_generator"
size = 20
params = { file = ")" + data + R"(" }
[populations.hid]
model = "lif_discrete"
size = 10
[populations.out]
model = "li_readout"
size = 3
[projections.w1]
source = "in"
target = "hid"
connectivity = { rule = "all_to_all" }
weight = { distribution = "normal", mean = 0.3, std = 0.3 }
delay = 1.0
[projections.w2]
source = "hid"
target = "out"
connectivity = { rule = "all_to_all" }
weight = { distribution = "normal", mean = 0.0, std = 0.5 }
delay = 1.0
)";
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

double attr(hid_t f, const std::string& path, const char* name) {
  h5::Handle g = h5::open(f, path);
  return h5::read_attr<double>(g.get(), name);
}

}  // namespace

TEST_CASE("apical compare places backprop at the origin and weight perturbation at P + 1", "[system][compare]") {
  TempDir dir;
  write(dir / "c.toml", network_config() + R"(
[compare]
trials = 2000
inputs = "fixed"
sample = 0
bootstrap = 100
[compare.rules.backprop]
kind = "gradient"
[compare.rules.wp]
[compare.rules.wp.projections.w2]
rule = "weight_perturbation"
sigma = 1e-4
)");
  REQUIRE(run_apical("compare " + dir / "c.toml" + " -o " + dir / "c.h5", dir / "log.txt") == 0);
  const std::string log = read_text(dir / "log.txt");
  CHECK_THAT(log, Contains("theta_bias") && Contains("backprop") && Contains("wp"));

  h5::Handle f = h5::open_file(dir / "c.h5");
  const std::string base = "/compare/initial/rules/";
  // Backprop against itself at a fixed input: every trial's update is g.
  CHECK(attr(f.get(), base + "backprop", "theta_bias_deg") < 1e-4);  // the mean's rounding
  CHECK(attr(f.get(), base + "backprop", "var_rel") < 1e-20);
  CHECK(attr(f.get(), base + "backprop", "alpha_star") == Approx(1.0).epsilon(1e-12));
  CHECK(attr(f.get(), base + "backprop", "mean_cos") == Approx(1.0).epsilon(1e-12));
  // Weight perturbation of w2 (P = 30): Var_rel = P + 1 for small sigma (SCIENCE.md 6.1); with
  // R = 2000 the estimate's standard error is about 5 %.
  CHECK(attr(f.get(), base + "wp/w2", "var_rel") == Approx(31.0).epsilon(0.15));
  CHECK(attr(f.get(), base + "wp/w2", "alpha_star") == Approx(1.0).epsilon(0.1));
  CHECK(attr(f.get(), base + "wp/w2", "theta_bias_deg") < 12.0);
  // The reference written beside the rule is the gradient of the same network.
  auto g = h5::read_array<double>(f.get(), "/compare/initial/gradient/w2");
  CHECK(g.shape == h5::Shape{10, 3});
  auto mean = h5::read_array<double>(f.get(), base + "backprop/w2/mean_update");
  for (std::size_t i = 0; i < g.data.size(); ++i) CHECK(mean.data[i] == Approx(g.data[i]).epsilon(1e-12));
}

TEST_CASE("apical compare gives identical results for any thread count", "[system][compare]") {
  TempDir dir;
  write(dir / "c.toml", network_config() + R"(
[compare]
trials = 60
bootstrap = 50
[compare.rules.backprop]
kind = "gradient"
[compare.rules.np]
[compare.rules.np.projections.w2]
rule = "node_perturbation"
sigma = 1e-3
)");
  REQUIRE(run_apical("compare " + dir / "c.toml" + " -o " + dir / "one.h5 -t 1", dir / "log1.txt") == 0);
  REQUIRE(run_apical("compare " + dir / "c.toml" + " -o " + dir / "two.h5 -t 2", dir / "log2.txt") == 0);
  h5::Handle a = h5::open_file(dir / "one.h5"), b = h5::open_file(dir / "two.h5");
  for (const char* path : {"/compare/initial/rules/np/w2/updates", "/compare/initial/rules/backprop/w1/updates",
                           "/compare/initial/gradient/w1", "/compare/initial/rules/np/network/cos"})
    CHECK(h5::read_array<double>(a.get(), path).data == h5::read_array<double>(b.get(), path).data);
  for (const char* name : {"theta_bias_deg", "var_rel", "alpha_star", "theta_bias_deg_lo", "var_rel_hi"})
    CHECK(attr(a.get(), "/compare/initial/rules/np", name) == attr(b.get(), "/compare/initial/rules/np", name));
}

TEST_CASE("apical compare names the key of a wrong [compare] table", "[system][compare]") {
  TempDir dir;
  write(dir / "c.toml", network_config() + R"(
[compare]
trials = 10
[compare.rules.wp]
[compare.rules.wp.projections.w3]
rule = "weight_perturbation"
)");
  CHECK(run_apical("compare " + dir / "c.toml" + " -o " + dir / "c.h5", dir / "log.txt") == 2);
  CHECK_THAT(read_text(dir / "log.txt"), Contains("c.toml:") && Contains("compare.rules.wp.projections.w3") &&
                                             Contains("no projection named 'w3'; did you mean"));
}

// Checkpoints of `apical train`: epoch 0 holds the config's weights, so its reference gradient is
// the one compare computes at the config's weights; a later checkpoint has other weights and a
// lower loss on the samples the trials present.
TEST_CASE("apical compare reads the checkpoints of apical train", "[system][compare]") {
  TempDir dir;
  const std::string training = R"(
[training]
optimizer = "adam"
lr = 0.01
epochs = 3
batch_size = 2
test_samples = 1
checkpoints = [0, 3]
)";
  write(dir / "t.toml", network_config() + training);
  REQUIRE(run_apical("train " + dir / "t.toml" + " -o " + dir / "t.h5", dir / "train.txt") == 0);
  const std::string rules = R"(
bootstrap = 0
[compare.rules.backprop]
kind = "gradient"
)";
  write(dir / "c.toml", network_config() + training + "[compare]\ntrials = 3\ncheckpoints = { file = \"" + dir / "t.h5" +
                            "\", epochs = [0, 3] }\n" + rules);
  write(dir / "plain.toml", network_config() + "[compare]\ntrials = 3\n" + rules);
  REQUIRE(run_apical("compare " + dir / "c.toml" + " -o " + dir / "c.h5", dir / "log.txt") == 0);
  REQUIRE(run_apical("compare " + dir / "plain.toml" + " -o " + dir / "plain.h5", dir / "log2.txt") == 0);
  h5::Handle c = h5::open_file(dir / "c.h5"), plain = h5::open_file(dir / "plain.h5");
  CHECK(h5::read_array<double>(c.get(), "/compare/epoch_0/gradient/w1").data ==
        h5::read_array<double>(plain.get(), "/compare/initial/gradient/w1").data);
  CHECK(attr(c.get(), "/compare/epoch_0", "loss") == attr(plain.get(), "/compare/initial", "loss"));
  CHECK(attr(c.get(), "/compare/epoch_3", "loss") < attr(c.get(), "/compare/epoch_0", "loss"));
  CHECK(attr(c.get(), "/compare/epoch_3/rules/backprop", "theta_bias_deg") < 1e-4);
}
