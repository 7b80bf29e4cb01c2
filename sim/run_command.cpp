#include "sim/run_command.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <algorithm>
#include <map>
#include <set>

#include "core/config.hpp"
#include "sim/command_support.hpp"
#include "sim/network.hpp"
#include "sim/output_file.hpp"
#include "sim/simulator.hpp"

namespace apical {

namespace {

using Clock = std::chrono::steady_clock;

// Streams spikes and samples into the output file, flushing at a bounded interval, and shows
// progress on a terminal.
class FileWriter final : public RunObserver {
 public:
  FileWriter(OutputFile& out, const Network& net, bool progress)
      : out_(out), net_(net), progress_(progress), start_(Clock::now()), last_shown_(start_) {
    for (std::size_t p : net.output.spike_populations) {
      recorded_.insert(p);
      out_.add_spikes(net.populations[p]->name());
    }
    for (const auto& rep : net.output.reports) {
      const Population& pop = *net.populations[rep.population];
      auto units = pop.observable_units();
      std::vector<std::uint64_t> ids(rep.nodes.begin(), rep.nodes.end());
      for (std::size_t v = 0; v < rep.variables.size(); ++v)
        out_.add_report(pop.name(), rep.variables[v], ids, net.grid.ms(rep.start),
                        net.grid.ms(rep.interval), units[static_cast<std::size_t>(rep.variable_index[v])]);
    }
  }

  void spikes(std::size_t p, std::span<const Spike> s) override {
    spikes_so_far_ += s.size();
    if (!recorded_.count(p)) return;
    times_.clear();
    ids_.clear();
    for (const Spike& x : s) {
      times_.push_back(net_.grid.ms(Time{x.step, x.offset}));
      ids_.push_back(x.node);
    }
    out_.append_spikes(net_.populations[p]->name(), times_, ids_);
  }

  // A sampler's rows hold all its variables per node; the file has one report per variable.
  void samples(std::size_t r, const Sampler& s) override {
    const ReportSpec& rep = net_.output.reports[r];
    const std::string& pop = net_.populations[rep.population]->name();
    std::size_t nv = s.variables.size(), nn = s.nodes.size();
    for (std::size_t v = 0; v < nv; ++v) {
      rows_.resize(s.n_rows * nn);
      for (std::size_t row = 0; row < s.n_rows; ++row)
        for (std::size_t n = 0; n < nn; ++n)
          rows_[row * nn + n] = static_cast<float>(s.rows[row * s.columns() + n * nv + v]);
      out_.append_report_rows(pop, rep.variables[v], rows_);
    }
  }

  // Projections whose weights are written: the plastic ones and those [output].weights lists.
  std::vector<std::size_t> weight_projections() const {
    std::vector<std::size_t> k;
    const auto& listed = net_.output.weight_projections;
    for (std::size_t i = 0; i < net_.projections.size(); ++i)
      if (net_.projections[i].plastic() || std::find(listed.begin(), listed.end(), i) != listed.end()) k.push_back(i);
    return k;
  }

  // Snapshots at t = 0 and at the first epoch end at or after every multiple of the interval.
  void start_snapshots() {
    if (net_.output.weight_interval <= 0) return;
    for (std::size_t k : weight_projections()) {
      const Projection& p = net_.projections[k];
      out_.add_series("/weights/" + p.name + "/snapshots", p.size(), {{"layout", "values [snapshot, synapse]"}});
    }
    snapshot(0);
    next_snapshot_ = net_.output.weight_interval;
  }
  void snapshot(Step t) {
    for (std::size_t k : weight_projections())
      out_.append_series_row("/weights/" + net_.projections[k].name + "/snapshots", net_.grid.ms(t),
                             net_.projections[k].weight);
  }

  void epoch_done(Step t1) override {
    if (net_.output.weight_interval > 0 && t1 >= next_snapshot_) {
      snapshot(t1);
      while (next_snapshot_ <= t1) next_snapshot_ += net_.output.weight_interval;
    }
    if (out_.flush_due()) out_.flush();
    if (!progress_) return;
    auto now = Clock::now();
    if (now - last_shown_ < std::chrono::milliseconds(250)) return;
    last_shown_ = now;
    double wall = std::chrono::duration<double>(now - start_).count();
    double sim_ms = net_.grid.ms(t1), total_ms = net_.grid.ms(net_.duration);
    double left = sim_ms > 0 ? wall * (total_ms - sim_ms) / sim_ms : 0.0;
    std::fprintf(stderr, "\r  t = %.1f / %.1f ms   real-time factor %.3g   spikes %llu (%.3g/s)   left %.0f s   ",
                 sim_ms, total_ms, sim_ms / 1000.0 / std::max(wall, 1e-9),
                 static_cast<unsigned long long>(spikes_so_far_), spikes_so_far_ / std::max(wall, 1e-9), left);
    std::fflush(stderr);
  }

  void third_factor(std::int64_t, Step, double value) override { third_factor_.push_back(value); }

  // Measure mode: the measured update u of every trial (DESIGN.md "measured update"), one row per
  // trial in synapse order (that of /weights/<projection>), as /measured/<projection>/values.
  void start_measured() {
    for (const Projection& p : net_.projections)
      if (p.plastic() && p.update->settings().mode == WeightUpdate::Mode::measure)
        out_.add_series("/measured/" + p.name, p.size(),
                        {{"layout", "values [trial, synapse]; times: trial end (ms)"}, {"rule", p.rule->name()}});
  }

  void trial_done(std::int64_t, Step t1, const ObjectiveResult* r) override {
    for (const Projection& p : net_.projections)
      if (p.plastic() && p.update->settings().mode == WeightUpdate::Mode::measure) {
        auto m = p.update->measured();
        measured_row_.assign(m.begin(), m.end());
        out_.append_series_row("/measured/" + p.name, net_.grid.ms(t1), measured_row_);
      }
    if (!r) return;
    loss_.push_back(r->loss);
    reward_.push_back(r->reward);
    correct_.push_back(r->correct ? 1 : 0);
  }

  // Per-trial objective values, and the final weights of plastic projections and of those
  // [output].weights lists (SONATA edge layout: source_node_id, target_node_id, syn_weight, delay).
  void write_results() {
    if (net_.trials.objective) {
      h5::Attributes a{{"objective", net_.trials.objective->name()},
                       {"population", net_.populations[net_.trials.population]->name()}};
      out_.write_vector("/trials/loss", loss_, a);
      out_.write_vector("/trials/reward", reward_);
      out_.write_vector("/trials/correct", correct_);
      out_.write_vector("/trials/third_factor", third_factor_);
    }
    for (const Projection& p : net_.projections)  // what rules record, e.g. /rdd/<projection>/beta
      if (p.plastic())
        for (const Rule::Record& r : p.rule->records()) {
          // Appended piece by piece: GCC 12 warns (-Wrestrict, falsely) on "/" + a + ... here.
          std::string path = "/";
          path += p.rule->name();
          path += '/';
          path += p.name;
          path += '/';
          path += r.name;
          out_.write_vector(path, r.values, {{"units", r.units}, {"node_population", net_.populations[p.target]->name()}});
        }
    for (std::size_t k : weight_projections()) {
      write_projection_weights(out_, "/weights/" + net_.projections[k].name, net_, net_.projections[k]);
    }
  }

  void end_progress() {
    if (progress_) std::fprintf(stderr, "\n");
  }

 private:
  OutputFile& out_;
  const Network& net_;
  bool progress_;
  Clock::time_point start_, last_shown_;
  std::set<std::size_t> recorded_;
  std::uint64_t spikes_so_far_ = 0;
  std::vector<double> times_;
  std::vector<std::uint64_t> ids_;
  std::vector<float> rows_;
  std::vector<double> measured_row_;
  std::vector<double> loss_, reward_, third_factor_;  // per trial
  std::vector<std::uint8_t> correct_;
  Step next_snapshot_ = 0;
};

}  // namespace

int run_command(const RunArgs& args) {
  return exit_code_of("run", [&] {
    ConfigNode root = ConfigNode::load_file(args.config);
    Network net = build_network(root, BuildOverrides{args.seed, args.duration_ms});
    std::string path = !args.output.empty() ? args.output
                       : !net.output.file.empty()
                           ? net.output.file
                           : std::filesystem::path(args.config).stem().string() + ".h5";

    Simulator sim(net, args.threads);
    OutputFile out(path);
    out.set_flush_interval_s(net.output.flush_interval_s);
    RunMetadata meta;
    meta.config_text = net.config_text;
    meta.config_path = args.config;
    meta.seed = net.seed;
    meta.threads = args.threads;
    meta.apical_version = APICAL_VERSION;
    meta.start_time = utc_timestamp();
    out.write_run_metadata(meta);
    out.flush();

    stop_on_signals();
    FileWriter writer(out, net, !args.quiet && isatty(STDERR_FILENO));
    writer.start_snapshots();
    writer.start_measured();
    auto t_start = Clock::now();
    RunResult r = sim.run(writer, stop_requested());
    writer.end_progress();
    double wall = std::chrono::duration<double>(Clock::now() - t_start).count();

    std::map<std::string, std::uint64_t> counts;
    std::uint64_t total = 0;
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
      counts[net.populations[p]->name()] = r.spike_counts[p];
      total += r.spike_counts[p];
    }
    writer.write_results();
    out.write_attributes("/run", {{"dt_ms", net.grid.h}, {"epoch_ms", net.grid.ms(net.epoch)},
                                  {"duration_ms", net.grid.ms(net.duration)}, {"simulated_ms", net.grid.ms(r.reached)}});
    out.finish_run_metadata(wall, counts);
    out.set_status(r.interrupted ? "interrupted" : "complete");
    out.close();

    double sim_s = net.grid.ms(r.reached) / 1000.0;
    std::printf("apical run: %s: %.1f ms simulated in %.3f s (real-time factor %.3g), %zu neurons, %zu synapses, "
                "%llu spikes -> %s%s\n",
                args.config.c_str(), net.grid.ms(r.reached), wall, sim_s / std::max(wall, 1e-9),
                [&] { std::size_t n = 0; for (auto& p : net.populations) n += p->size(); return n; }(),
                net.synapse_count(), static_cast<unsigned long long>(total), path.c_str(),
                r.interrupted ? " (interrupted)" : "");
    if (r.interrupted) {
      std::fprintf(stderr, "apical run: stopped by signal %d; the file is closed and marked 'interrupted'\n",
                   stop_signal());
      return 128 + stop_signal();
    }
    return 0;
  });
}

}  // namespace apical
