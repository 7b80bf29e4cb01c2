// The `apical` command.
#include <CLI/CLI.hpp>

#include "sim/compare_command.hpp"
#include "sim/gradient_command.hpp"
#include "sim/run_command.hpp"
#include "sim/train_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"apical: a spiking network simulator that measures how closely plasticity rules "
               "follow the gradient of an objective"};
  app.set_version_flag("--version", std::string("apical ") + APICAL_VERSION);
  app.require_subcommand(1);

  apical::RunArgs run;
  auto* cmd = app.add_subcommand("run", "Simulate the network a TOML config describes and write an HDF5 file "
                                        "(SONATA spikes and reports, run metadata)");
  cmd->add_option("config", run.config, "The network and run description (TOML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", run.output,
                  "The HDF5 file to write (default: [output].file of the config, else CONFIG-stem.h5)");
  cmd->add_option("-t,--threads", run.threads,
                  "Worker threads (results are identical for any count)")->check(CLI::Range(1, 1024))->default_val(1);
  cmd->add_option("-s,--seed", run.seed, "Random seed (>= 0); overrides [simulation].seed")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-d,--duration", run.duration_ms, "Simulated time in ms; overrides [simulation].duration");
  cmd->add_flag("-q,--quiet", run.quiet, "No progress line, even on a terminal");

  apical::GradientArgs grad;
  auto* gcmd = app.add_subcommand(
      "gradient",
      "Surrogate-gradient BPTT of the discrete-time LIF network of SURROGATE.md for one case file "
      "(its section 8 layout: /params, /inputs, /weights); writes /loss and /grad/W1, /grad/V "
      "(recurrent cases), /grad/W2 in the weights' shapes");
  gcmd->add_option("case", grad.case_file, "The case (HDF5, SURROGATE.md section 8)")->required()->check(CLI::ExistingFile);
  gcmd->add_option("-o,--output", grad.output, "The HDF5 file to write")->required();
  gcmd->add_option("-t,--threads", grad.threads,
                   "Worker threads over the batch (results are identical for any count)")
      ->check(CLI::Range(1, 1024))->default_val(1);

  apical::TrainArgs train;
  auto* tcmd = app.add_subcommand(
      "train",
      "Train the config's clock-driven network on its data set as [training] says (surrogate-gradient "
      "descent with SGD or Adam, or the network's own plasticity rules); writes loss and accuracy per "
      "epoch and weight checkpoints");
  tcmd->add_option("config", train.config, "The network, data set and [training] (TOML)")->required()->check(CLI::ExistingFile);
  tcmd->add_option("-o,--output", train.output, "The HDF5 file to write (default: CONFIG-stem-train.h5)");
  tcmd->add_option("-t,--threads", train.threads, "Worker threads (results are identical for any count)")
      ->check(CLI::Range(1, 1024))->default_val(1);
  tcmd->add_option("-s,--seed", train.seed, "Random seed (>= 0); overrides [simulation].seed")
      ->check(CLI::NonNegativeNumber);
  tcmd->add_flag("-q,--quiet", train.quiet, "No progress output");

  apical::CompareArgs cmp;
  auto* ccmd = app.add_subcommand(
      "compare",
      "Run the plasticity rules listed in [compare] in measure mode on one network and compare their "
      "updates with its surrogate gradient (bias angle, relative variance, gain, cosines, with "
      "bootstrap intervals); writes an HDF5 file that examples/plot_alignment.py draws");
  ccmd->add_option("config", cmp.config, "The network, task and [compare] table (TOML)")->required()->check(CLI::ExistingFile);
  ccmd->add_option("-o,--output", cmp.output, "The HDF5 file to write (default: CONFIG-stem.compare.h5)");
  ccmd->add_option("-t,--threads", cmp.threads, "Worker threads (results are identical for any count)")
      ->check(CLI::Range(1, 1024))->default_val(1);
  ccmd->add_flag("-q,--quiet", cmp.quiet, "No progress line, even on a terminal");

  CLI11_PARSE(app, argc, argv);
  if (*cmd) return apical::run_command(run);
  if (*gcmd) return apical::gradient_command(grad);
  if (*tcmd) return apical::train_command(train);
  if (*ccmd) return apical::compare_command(cmp);
  return 0;
}
