// `apical train CONFIG.toml -o RUN.h5`: trains the config's network on its data set as its
// [training] table says (analysis/training.hpp) and writes:
//
//   /                      run metadata (config text, seed, threads, version, start time), status
//   /training/epoch        int64 [E+1]   0 (untrained) .. epochs completed
//   /training/{train_loss, test_loss, train_accuracy, test_accuracy, wall_time_s}  float64 [E+1]
//   /training              attributes method, optimizer, lr, beta1, beta2, epsilon, batch_size,
//                          epochs, surrogate_scale, objective, projections (trained, by name)
//   /training/train_samples, /training/test_samples   int64: the data set's sample indices
//   /checkpoints/<epoch>/weights/<projection>/{source_node_id, target_node_id, syn_weight, delay}
//                          every projection at that epoch (attribute epoch on /checkpoints/<epoch>)
//   /weights/<projection>/...   the final weights, same layout (after an interruption: the
//                          weights when it stopped, mid-epoch; status "interrupted")
//
// The weights groups have the layout `connectivity = { rule = "file", file = "RUN.h5",
// edges = "..." }` reads: edges = "<projection>" for the final weights, or
// "checkpoints/<epoch>/weights/<projection>" for a checkpoint. /training is rewritten after every
// epoch, so an interrupted run keeps what it finished. Progress: a live line on a terminal
// (epoch, trials, loss, accuracy, time left), and one line per epoch on stdout.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace apical {

struct TrainArgs {
  std::string config;
  std::string output;  // "" -> <config stem>-train.h5
  int threads = 1;
  std::optional<std::uint64_t> seed;  // overrides [simulation].seed (network, split, order)
  bool quiet = false;
};

// Returns the process exit code (0, 2 for a config error, 1 otherwise, 128 + signal).
int train_command(const TrainArgs& args);

}  // namespace apical
