// Training a network on its data set (`apical train`, docs/gradients.md): by surrogate-gradient
// descent through analysis/network_gradient (SGD or Adam over minibatches), or by the network's
// own plasticity rules in learning mode. Loss and accuracy per epoch on a train/test split.
//
//   [training]
//   method = "surrogate"      # or "rule": the plastic projections' rules learn, trial by trial
//   optimizer = "adam"        # or "sgd"
//   lr = 1e-3                 # learning rate
//   betas = [0.9, 0.999]      # Adam's moment decay rates, each in [0, 1)
//   epsilon = 1e-8            # Adam's denominator guard
//   epochs = 10
//   batch_size = 32           # trials per gradient step
//   test_fraction = 0.2       # of the data set's samples; or test_samples = N (a count)
//   train_samples = N         # optional: use only N training samples (default: all the others)
//   projections = ["w1"]      # trained projections (default: every projection into a
//                             # lif_discrete, li_readout or rate_unit population)
//   checkpoints = [0, 5, 10]  # epochs whose weights are saved; or checkpoint_every = k
//   surrogate_scale = 10.0    # sigma_s of SURROGATE.md section 5
//
// Samples: the data set of [trials.objective] (its sample k is trial k of a run); without one,
// that of the input generators (TrialSpec::samples, sim/network.hpp), or else the trial indices
// 0..count-1. Split (surrogate): a shuffle of the samples seeded by
// [simulation].seed, the first test_samples of it the test set; every epoch visits the training
// set in a fresh seeded order. Split (rule): the simulator presents trials in order, so the
// training set is samples 0..n_train-1 and the test set the last test_samples, in file order.
// Epoch 0 is the untrained network (evaluated, not trained). Train loss and accuracy of a
// surrogate epoch are the means over its minibatches (weights changing during the epoch); of a
// rule epoch, over its learning trials. Test values are evaluated at the epoch's end, weights
// frozen. Accuracy is NaN for objectives that do not classify.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "analysis/network_gradient.hpp"
#include "core/config.hpp"
#include "sim/network.hpp"

namespace apical {

struct TrainingSpec {
  enum class Method { surrogate, rule } method = Method::surrogate;
  enum class Optimizer { sgd, adam } optimizer = Optimizer::adam;
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  std::int64_t epochs = 10, batch_size = 32;
  std::size_t n_train = 0, n_test = 0;   // samples
  std::vector<std::size_t> projections;  // trained (surrogate method)
  std::vector<std::int64_t> checkpoints; // sorted epochs in [0, epochs]
  double surrogate_scale = 10.0;
};

// Reads [training] of the config (after the network was built from it). ConfigError on bad input.
TrainingSpec parse_training(const ConfigNode& table, const Network& net);

struct EpochRecord {
  std::int64_t epoch = 0;
  double train_loss = 0, test_loss = 0, train_accuracy = 0, test_accuracy = 0;
  double wall_s = 0;  // since training started
};

struct BatchProgress {
  std::int64_t epoch = 0;
  std::size_t done = 0, total = 0;  // trials of this epoch
  double loss = 0, accuracy = 0;    // running means over this epoch
};

// Checkpoints of an `apical train` file (sim/train_command.hpp): the epochs saved, ascending.
std::vector<std::int64_t> checkpoint_epochs(const std::string& file);
// Sets every projection's weights to those of checkpoint `epoch` of `file`. The network must be
// built from the same config (same synapses in the same order: checked on source and target
// ids); ConfigError naming the file and group otherwise.
void load_checkpoint(Network& net, const std::string& file, std::int64_t epoch);
// Sets the weights of every projection with snapshots in an `apical run` file
// (/weights/<projection>/snapshots, [output] weight_interval) to the snapshot taken at time_ms;
// the other projections keep theirs. ConfigError naming the file if a time is not recorded.
void load_weight_snapshot(Network& net, const std::string& file, double time_ms);

class Trainer {
 public:
  Trainer(Network& net, TrainingSpec spec, int threads);
  const TrainingSpec& spec() const { return spec_; }
  const std::vector<std::int64_t>& train_set() const { return train_; }
  const std::vector<std::int64_t>& test_set() const { return test_; }

  // Epoch 0: train and test loss of the network as it is.
  EpochRecord evaluate_initial();
  // One epoch of training, then the test evaluation. `progress` after every minibatch (surrogate)
  // or trial (rule); `stop` checked between them (the epoch then ends early, its record marked by
  // the returned flag).
  EpochRecord train_epoch(std::int64_t epoch, const std::function<void(const BatchProgress&)>& progress,
                          const std::atomic<bool>* stop, bool& interrupted);

 private:
  struct Eval {
    double loss = 0, accuracy = 0;
  };
  Eval evaluate(const std::vector<std::int64_t>& samples);
  Eval evaluate_by_simulation(const std::vector<std::int64_t>& samples);
  void step(const NetworkGradient& g);

  Network& net_;
  TrainingSpec spec_;
  int threads_;
  bool classifies_ = false;
  std::vector<std::int64_t> train_, test_;
  TrialInputs inputs_;  // every sample's fixed inputs (surrogate method)
  std::vector<std::vector<double>> m_, v_;  // Adam moments per trained projection, per synapse
  std::int64_t steps_ = 0;
  double start_ = 0;
};

}  // namespace apical
