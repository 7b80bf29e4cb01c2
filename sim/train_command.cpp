#include "sim/train_command.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "analysis/training.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "sim/command_support.hpp"
#include "sim/network.hpp"
#include "sim/output_file.hpp"

namespace apical {

namespace {

std::string percent(double a) {
  if (std::isnan(a)) return "  -  ";
  char b[16];
  std::snprintf(b, sizeof b, "%5.1f%%", 100.0 * a);
  return b;
}

}  // namespace

int train_command(const TrainArgs& args) {
  return exit_code_of("train", [&] {
    ConfigNode root = ConfigNode::load_file(args.config);
    if (!root.has("training")) throw ConfigError(args.config + ": apical train needs a [training] table");
    ConfigNode table = root.table("training");
    Network net = build_network(root, BuildOverrides{args.seed, {}});
    TrainingSpec spec = parse_training(table, net);
    const std::string path = !args.output.empty() ? args.output
                             : std::filesystem::path(args.config).stem().string() + "-train.h5";

    OutputFile out(path);
    RunMetadata meta;
    meta.config_text = net.config_text;
    meta.config_path = args.config;
    meta.seed = net.seed;
    meta.threads = args.threads;
    meta.apical_version = APICAL_VERSION;
    meta.start_time = utc_timestamp();
    out.write_run_metadata(meta);
    std::string trained;
    for (std::size_t k : spec.projections) trained += (trained.empty() ? "" : ",") + net.projections[k].name;
    out.write_attributes("/training",
                         {{"method", spec.method == TrainingSpec::Method::rule ? "rule" : "surrogate"},
                          {"optimizer", spec.method == TrainingSpec::Method::rule ? "none"
                                        : spec.optimizer == TrainingSpec::Optimizer::adam ? "adam" : "sgd"},
                          {"lr", spec.lr}, {"beta1", spec.beta1}, {"beta2", spec.beta2}, {"epsilon", spec.epsilon},
                          {"batch_size", spec.batch_size}, {"epochs", spec.epochs},
                          {"surrogate_scale", spec.surrogate_scale},
                          {"objective", net.trials.objective->name()}, {"projections", trained}});
    out.flush();

    stop_on_signals();
    const bool live = !args.quiet && isatty(STDERR_FILENO);
    const auto t0 = std::chrono::steady_clock::now();
    Trainer trainer(net, spec, args.threads);
    out.write_vector("/training/train_samples", trainer.train_set());
    out.write_vector("/training/test_samples", trainer.test_set());

    std::vector<std::int64_t> epoch;
    std::vector<double> train_loss, test_loss, train_acc, test_acc, wall;
    auto record = [&](const EpochRecord& r) {
      epoch.push_back(r.epoch);
      train_loss.push_back(r.train_loss);
      test_loss.push_back(r.test_loss);
      train_acc.push_back(r.train_accuracy);
      test_acc.push_back(r.test_accuracy);
      wall.push_back(r.wall_s);
      out.write_vector("/training/epoch", epoch);
      out.write_vector("/training/train_loss", train_loss);
      out.write_vector("/training/test_loss", test_loss);
      out.write_vector("/training/train_accuracy", train_acc);
      out.write_vector("/training/test_accuracy", test_acc);
      out.write_vector("/training/wall_time_s", wall, {{"units", "s"}});
      if (std::binary_search(spec.checkpoints.begin(), spec.checkpoints.end(), r.epoch)) {
        const std::string g = "/checkpoints/" + std::to_string(r.epoch);
        for (const auto& p : net.projections) write_projection_weights(out, g + "/weights/" + p.name, net, p);
        out.write_attributes(g, {{"epoch", r.epoch}});
      }
      out.flush();
      if (args.quiet) return;
      const double per_epoch = r.epoch > 0 ? r.wall_s / static_cast<double>(r.epoch) : 0.0;
      if (live) std::fprintf(stderr, "\r%100s\r", "");
      std::printf("epoch %3lld/%lld  train loss %.4f acc %s  test loss %.4f acc %s  %.1f s  left %.0f s\n",
                  static_cast<long long>(r.epoch), static_cast<long long>(spec.epochs), r.train_loss,
                  percent(r.train_accuracy).c_str(), r.test_loss, percent(r.test_accuracy).c_str(), r.wall_s,
                  per_epoch * static_cast<double>(spec.epochs - r.epoch));
      std::fflush(stdout);
    };

    record(trainer.evaluate_initial());
    bool interrupted = false;
    auto last_shown = std::chrono::steady_clock::now();
    for (std::int64_t e = 1; e <= spec.epochs && !interrupted; ++e) {
      const auto epoch_start = std::chrono::steady_clock::now();
      auto progress = [&](const BatchProgress& bp) {
        if (!live) return;
        auto now = std::chrono::steady_clock::now();
        if (now - last_shown < std::chrono::milliseconds(250)) return;
        last_shown = now;
        const double in_epoch = std::chrono::duration<double>(now - epoch_start).count();
        const double epoch_time = in_epoch * static_cast<double>(bp.total) / static_cast<double>(std::max<std::size_t>(1, bp.done));
        const double left = epoch_time - in_epoch + epoch_time * static_cast<double>(spec.epochs - e);
        std::fprintf(stderr, "\r  epoch %lld/%lld  trials %zu/%zu  loss %.4f  acc %s  left %.0f s   ",
                     static_cast<long long>(e), static_cast<long long>(spec.epochs), bp.done, bp.total, bp.loss,
                     percent(bp.accuracy).c_str(), left);
        std::fflush(stderr);
      };
      EpochRecord r = trainer.train_epoch(e, progress, stop_requested(), interrupted);
      if (!interrupted) record(r);
    }
    for (const auto& p : net.projections) write_projection_weights(out, "/weights/" + p.name, net, p);
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.finish_run_metadata(wall_s, {});
    out.set_status(interrupted ? "interrupted" : "complete");
    out.close();
    if (!args.quiet)
      std::printf("apical train: %s: %lld epochs in %.1f s, test loss %.4f, test accuracy %s -> %s%s\n",
                  args.config.c_str(), static_cast<long long>(epoch.back()), wall_s, test_loss.back(),
                  percent(test_acc.back()).c_str(), path.c_str(), interrupted ? " (interrupted)" : "");
    if (interrupted) return 128 + stop_signal();
    return 0;
  });
}

}  // namespace apical
