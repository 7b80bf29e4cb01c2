// `apical train` as a user meets it: the real binary trains a small 100-16-10 spiking network on
// the shipped spike-pattern set for a few epochs. Checks: the loss falls and test accuracy rises
// well above chance (10 classes); the file layout; identical results for 1 and 2 threads; a
// checkpoint reloads through `connectivity = { rule = "file", edges = "checkpoints/<e>/weights/.." }`
// and `apical run`'s simulator, on the test samples, gives exactly the test loss training
// recorded; a bad [training] key exits with code 2 naming it.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "../support.hpp"
#include "../temp_dir.hpp"
#include "command.hpp"
#include "analysis/training.hpp"
#include "sim/h5.hpp"

using namespace apical;
using Catch::Matchers::Contains;
using test::TempDir;
using test::read_text;
using test::run_apical;

namespace {



const std::string kData = std::string(APICAL_SOURCE_DIR) + "/data/spike_patterns.h5";

// The network; `w1`, `w2`: connectivity tables. `training`: the [training] body, or "".
std::string config(const std::string& w1, const std::string& w2, const std::string& training) {
  std::ostringstream c;
  c << "[simulation]\ndt = 1.0\nseed = 5\n[trials]\ncount = 500\nlength = 102.0\n"
    << "[trials.objective]\nkind = \"classification_max\"\npopulation = \"out\"\nskip = 2\ndata = \"" << kData << "\"\n"
    << "[populations.in]\nmodel = \"raster_generator\"\nsize = 100\nparams = { file = \"" << kData << "\" }\n"
    << "[populations.hid]\nmodel = \"lif_discrete\"\nsize = 16\n"
    << "[populations.out]\nmodel = \"li_readout\"\nsize = 10\n"
    << "[projections.w1]\nsource = \"in\"\ntarget = \"hid\"\nconnectivity = " << w1 << "\n"
    << "[projections.w2]\nsource = \"hid\"\ntarget = \"out\"\nconnectivity = " << w2 << "\n";
  if (!training.empty()) c << "[training]\n" << training << "\n";
  return c.str();
}

const std::string kTraining =
    "optimizer = \"adam\"\nlr = 0.01\nepochs = 4\nbatch_size = 20\ntrain_samples = 150\ntest_samples = 50\n"
    "checkpoints = [0, 2, 4]";

std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("apical train learns the spike patterns and writes checkpoints that reload", "[system][train]") {
  TempDir dir;
  const std::string cfg = write(dir / "train.toml",
                                config("{ rule = \"all_to_all\" }\nweight = { distribution = \"normal\", mean = 0.0, std = 0.2 }\ndelay = 1.0",
                                       "{ rule = \"all_to_all\" }\nweight = { distribution = \"normal\", mean = 0.0, std = 0.05 }\ndelay = 1.0",
                                       kTraining));
  REQUIRE(run_apical("train " + cfg + " -o " + (dir / "run1.h5") + " -t 1", dir / "log1.txt") == 0);
  const std::string log = read_text(dir / "log1.txt");
  CHECK_THAT(log, Contains("epoch   4/4") && Contains("apical train:"));
  REQUIRE(run_apical("train " + cfg + " -o " + (dir / "run2.h5") + " -t 2 -q", dir / "log2.txt") == 0);

  h5::Handle f = h5::open_file(dir / "run1.h5");
  CHECK(h5::read_attr_string(f.get(), "status").substr(0, 8) == "complete");
  auto epoch = h5::read_vector<std::int64_t>(f.get(), "/training/epoch");
  auto train_loss = h5::read_vector<double>(f.get(), "/training/train_loss");
  auto test_loss = h5::read_vector<double>(f.get(), "/training/test_loss");
  auto test_acc = h5::read_vector<double>(f.get(), "/training/test_accuracy");
  REQUIRE(epoch == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  INFO("train loss " << train_loss.front() << " -> " << train_loss.back() << ", test accuracy " << test_acc.front()
                     << " -> " << test_acc.back());
  CHECK(train_loss.back() < 0.5 * train_loss.front());
  CHECK(test_loss.back() < test_loss.front());
  // Chance is 0.1; on 50 test samples its standard deviation is 0.042, so 0.3 is 4.7 sd above it.
  CHECK(test_acc.back() >= 0.3);
  for (const char* g : {"/checkpoints/0/weights/w1/syn_weight", "/checkpoints/2/weights/w2/delay",
                        "/checkpoints/4/weights/w1/source_node_id", "/weights/w2/syn_weight"})
    CHECK(h5::exists(f.get(), g));
  CHECK(h5::read_attr<std::int64_t>(h5::open(f.get(), "checkpoints/2").get(), "epoch") == 2);
  CHECK(h5::read_vector<double>(f.get(), "/checkpoints/4/weights/w1/syn_weight") ==
        h5::read_vector<double>(f.get(), "/weights/w1/syn_weight"));

  // Thread count changes nothing.
  h5::Handle f2 = h5::open_file(dir / "run2.h5");
  CHECK(h5::read_vector<double>(f2.get(), "/training/train_loss") == train_loss);
  CHECK(h5::read_vector<double>(f2.get(), "/training/test_loss") == test_loss);
  CHECK(h5::read_vector<double>(f2.get(), "/weights/w1/syn_weight") == h5::read_vector<double>(f.get(), "/weights/w1/syn_weight"));

  // Checkpoint 2 reloaded into the network that `apical run` simulates: its mean loss over the
  // test samples is the test loss recorded for epoch 2.
  auto test_samples = h5::read_vector<std::int64_t>(f.get(), "/training/test_samples");
  REQUIRE(test_samples.size() == 50);
  const std::string run1 = dir / "run1.h5";
  Network net = test::network(config("{ rule = \"file\", file = \"" + run1 + "\", edges = \"checkpoints/2/weights/w1\" }",
                                     "{ rule = \"file\", file = \"" + run1 + "\", edges = \"checkpoints/2/weights/w2\" }", ""));
  struct Losses : RunObserver {
    std::vector<double> loss;
    void trial_done(std::int64_t, Step, const ObjectiveResult* r) override { loss.push_back(r->loss); }
  } rec;
  Simulator(net, 2).run(rec);
  REQUIRE(rec.loss.size() == 500);
  double sum = 0;
  for (auto k : test_samples) sum += rec.loss[static_cast<std::size_t>(k)];
  CHECK(sum / 50.0 == Approx(test_loss[2]).epsilon(1e-12));

  // load_checkpoint puts the same weights into the network built from the training config.
  CHECK(checkpoint_epochs(run1) == std::vector<std::int64_t>{0, 2, 4});
  Network trained = test::network(read_text(cfg));
  load_checkpoint(trained, run1, 2);
  CHECK(network_gradient(trained, test_samples, 2).loss == Approx(test_loss[2]).epsilon(1e-12));
  CHECK(trained.projections[0].weight == net.projections[0].weight);
}

TEST_CASE("apical train rejects a bad [training] key with exit code 2", "[system][train]") {
  TempDir dir;
  const std::string cfg = write(dir / "bad.toml", config("{ rule = \"all_to_all\" }\nweight = 0.1\ndelay = 1.0", "{ rule = \"all_to_all\" }\nweight = 0.1\ndelay = 1.0",
                                                        "optimizer = \"adamw\"\nepochs = 1"));
  CHECK(run_apical("train " + cfg + " -o " + (dir / "x.h5"), dir / "log.txt") == 2);
  CHECK_THAT(read_text(dir / "log.txt"), Contains("training.optimizer") && Contains("adamw"));
}
