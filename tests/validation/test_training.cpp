// analysis/training: the Trainer's bookkeeping against independent computations.
//  - Surrogate method: epoch 0 evaluates the untrained network; one full-batch SGD step is
//    w - lr * dL/dw of network_gradient; the train and test losses fall over epochs.
//  - Rule method: one epoch is exactly `apical run` of the training trials with the rules
//    learning (same final weights, same trial losses), and the test loss is the run of the test
//    samples with the weights frozen.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "../support.hpp"
#include "../temp_dir.hpp"
#include "analysis/training.hpp"
#include "sim/h5.hpp"

using namespace apical;

namespace {

const std::string kData = std::string(APICAL_SOURCE_DIR) + "/data/spike_patterns.h5";

// The first n samples of the shipped set, as a data set of its own.
std::string first_samples(const test::TempDir& dir, std::size_t n) {
  h5::Handle f = h5::open_file(kData);
  auto x = h5::read_array<std::uint8_t>(f.get(), "/inputs/spikes");
  auto y = h5::read_vector<std::int64_t>(f.get(), "/inputs/labels");
  const std::size_t per = x.shape[1] * x.shape[2];
  x.data.resize(n * per);
  y.resize(n);
  const std::string path = dir / "first.h5";
  h5::Handle out = h5::create_file(path);
  h5::write_array(out.get(), "inputs/spikes", x.data, {n, x.shape[1], x.shape[2]});
  h5::write_vector(out.get(), "inputs/labels", y);
  return path;
}

std::string config(const std::string& plasticity, const std::string& training, const std::string& data = kData) {
  std::ostringstream c;
  c << "[simulation]\ndt = 1.0\nseed = 11\n[trials]\ncount = 40\nlength = 102.0\n"
    << "[trials.objective]\nkind = \"classification_max\"\npopulation = \"out\"\nskip = 2\ndata = \"" << data << "\"\n"
    << "[populations.in]\nmodel = \"raster_generator\"\nsize = 100\nparams = { file = \"" << data << "\" }\n"
    << "[populations.hid]\nmodel = \"lif_discrete\"\nsize = 12\n"
    << "[populations.out]\nmodel = \"li_readout\"\nsize = 10\n"
    << "[projections.w1]\nsource = \"in\"\ntarget = \"hid\"\nconnectivity = { rule = \"all_to_all\" }\n"
    << "weight = { distribution = \"normal\", mean = 0.05, std = 0.2 }\ndelay = 1.0\n" << plasticity
    << "[projections.w2]\nsource = \"hid\"\ntarget = \"out\"\nconnectivity = { rule = \"all_to_all\" }\n"
    << "weight = { distribution = \"normal\", mean = 0.0, std = 0.1 }\ndelay = 1.0\n"
    << "[training]\n" << training << "\n";
  return c.str();
}

TrainingSpec spec_of(const std::string& text, const Network& net) {
  return parse_training(ConfigNode::parse(text, "test.toml").table("training"), net);
}

// The mean trial loss of a run of `count` trials of `net` (its rules learning).
double mean_run_loss(Network& net, std::int64_t count) {
  net.trials.count = count;
  net.duration = count * net.trials.length;
  struct Losses : RunObserver {
    double sum = 0;
    void trial_done(std::int64_t, Step, const ObjectiveResult* r) override { sum += r->loss; }
  } rec;
  Simulator(net, 1).run(rec);
  return rec.sum / static_cast<double>(count);
}

}  // namespace

TEST_CASE("surrogate training: epoch 0 is the untrained network, and the loss falls", "[validation][training]") {
  const std::string text = config("", "optimizer = \"adam\"\nlr = 0.01\nepochs = 3\nbatch_size = 8\ntrain_samples = 30\ntest_samples = 20");
  Network net = test::network(text), ref = test::network(text);
  Trainer trainer(net, spec_of(text, net), 2);
  REQUIRE(trainer.train_set().size() == 30);
  REQUIRE(trainer.test_set().size() == 20);
  EpochRecord e0 = trainer.evaluate_initial();
  bool interrupted = false;
  EpochRecord e1 = trainer.train_epoch(1, {}, nullptr, interrupted);
  REQUIRE(!interrupted);
  // Epoch 0 is the untrained network: its train loss is the mean loss of the training samples.
  CHECK(e0.train_loss == Approx(network_gradient(ref, trainer.train_set(), 1).loss).epsilon(1e-12));
  CHECK(e0.test_loss == Approx(network_gradient(ref, trainer.test_set(), 1).loss).epsilon(1e-12));
  EpochRecord e3;
  trainer.train_epoch(2, {}, nullptr, interrupted);
  e3 = trainer.train_epoch(3, {}, nullptr, interrupted);
  INFO("train loss " << e0.train_loss << " -> " << e1.train_loss << " -> " << e3.train_loss);
  CHECK(e3.train_loss < e0.train_loss);
  CHECK(e3.test_loss < e0.test_loss);
}

TEST_CASE("surrogate training: one full-batch SGD step is w - lr * gradient", "[validation][training]") {
  const std::string text = config("", "optimizer = \"sgd\"\nlr = 0.05\nepochs = 1\nbatch_size = 30\ntrain_samples = 30\ntest_samples = 10");
  Network net = test::network(text), ref = test::network(text);
  Trainer trainer(net, spec_of(text, net), 1);
  bool interrupted = false;
  EpochRecord e1 = trainer.train_epoch(1, {}, nullptr, interrupted);
  NetworkGradient g = network_gradient(ref, trainer.train_set(), 2);
  CHECK(e1.train_loss == Approx(g.loss).epsilon(1e-12));  // the loss of the one minibatch, before the step
  for (std::size_t k = 0; k < 2; ++k)
    for (std::size_t s = 0; s < net.projections[k].size(); s += 7)
      CHECK(net.projections[k].weight[s] == Approx(ref.projections[k].weight[s] - 0.05 * g.synapse_grad[k][s]).epsilon(1e-12));
}

TEST_CASE("rule training: an epoch is apical run of the training trials with the rule learning", "[validation][training]") {
  const std::string plastic =
      "[projections.w1.plasticity]\nrule = \"rstdp\"\nmode = \"learn\"\neta = 0.01\nschedule = \"trial\"\n";
  test::TempDir dir;
  const std::string text = config(plastic, "method = \"rule\"\nepochs = 1\ntest_samples = 10", first_samples(dir, 40));
  Network net = test::network(text), ref = test::network(text);
  TrainingSpec spec = spec_of(text, net);
  REQUIRE(spec.n_train == 30);
  Trainer trainer(net, spec, 1);
  bool interrupted = false;
  EpochRecord e1 = trainer.train_epoch(1, {}, nullptr, interrupted);
  REQUIRE(!interrupted);

  // The reference: a run of 30 trials, rules learning.
  CHECK(e1.train_loss == Approx(mean_run_loss(ref, 30)).epsilon(1e-12));
  CHECK(net.projections[0].weight == ref.projections[0].weight);
  CHECK(net.projections[1].weight == ref.projections[1].weight);
  bool changed = false;
  Network init = test::network(text);
  for (std::size_t s = 0; s < init.projections[0].size(); ++s) changed = changed || init.projections[0].weight[s] != net.projections[0].weight[s];
  CHECK(changed);
  // The test set is the last 10 samples, evaluated by simulation with the weights frozen: the
  // same as the gradient code's forward pass at the trained weights.
  REQUIRE(trainer.test_set().front() == 30);
  CHECK(e1.test_loss == Approx(network_gradient(net, trainer.test_set(), 1).loss).epsilon(1e-12));
}

TEST_CASE("rule training: a paired rule (node perturbation) sees each training sample twice in a row",
          "[validation][training]") {
  test::TempDir dir;
  std::string text = config("", "method = \"rule\"\nepochs = 1\ntest_samples = 10", first_samples(dir, 40));
  const std::string np =
      "[projections.w2.plasticity]\nrule = \"node_perturbation\"\nsigma = 1e-3\neta = 1e-4\nschedule = \"trial\"\n";
  text.insert(text.find("[training]"), np);
  Network net = test::network(text), ref = test::network(text);
  Trainer trainer(net, spec_of(text, net), 1);
  bool interrupted = false;
  EpochRecord e1 = trainer.train_epoch(1, {}, nullptr, interrupted);
  REQUIRE(!interrupted);

  // The reference: a run of samples 0, 0, 1, 1, ..., 29, 29 (unperturbed, then perturbed).
  std::vector<std::size_t> order;
  for (std::size_t s = 0; s < 30; ++s) order.insert(order.end(), 2, s);
  ref.present_samples(order);
  CHECK(e1.train_loss == Approx(mean_run_loss(ref, 60)).epsilon(1e-12));
  CHECK(net.projections[1].weight == ref.projections[1].weight);
  CHECK(net.projections[1].weight != test::network(text).projections[1].weight);
}
