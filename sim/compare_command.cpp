#include "sim/compare_command.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "analysis/compare.hpp"
#include "sim/command_support.hpp"
#include "sim/output_file.hpp"

namespace apical {

namespace {

std::string flag_list(const AlignmentFlags& f) {
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ',';
    s += name;
  };
  add(f.too_few_trials, "too_few_trials");
  add(f.zero_gradient, "zero_gradient");
  add(f.mu_norm_sq_nonpositive, "mu_norm_sq_nonpositive");
  add(f.mu_perp_sq_negative, "mu_perp_sq_negative");
  add(f.gain_nonpositive, "gain_nonpositive");
  add(f.zero_update, "zero_update");
  return s;
}

h5::Attributes metric_attributes(const Alignment& a) {
  h5::Attributes m{{"R", static_cast<std::int64_t>(a.R)},
                   {"P", static_cast<std::int64_t>(a.P)},
                   {"theta_bias_deg", a.theta_bias_deg},
                   {"var_rel", a.var_rel},
                   {"bias_rel", a.bias_rel},
                   {"alpha_star", a.alpha_star},
                   {"mean_cos", a.mean_cos},
                   {"mse_rel", a.mse_rel},
                   {"cos_prediction_isotropic", a.cos_prediction_isotropic},
                   {"trace_cov", a.trace_cov},
                   {"mu_parallel_norm", a.mu_parallel_norm},
                   {"mu_perp_norm", a.mu_perp_norm},
                   {"flags", flag_list(a.flags)}};
  if (a.ci) {
    m["ci_level"] = a.ci->level;
    auto put = [&](const char* name, const Interval& i) {
      m[std::string(name) + "_lo"] = i.lo;
      m[std::string(name) + "_hi"] = i.hi;
    };
    put("theta_bias_deg", a.ci->theta_bias_deg);
    put("var_rel", a.ci->var_rel);
    put("alpha_star", a.ci->alpha_star);
    put("mean_cos", a.ci->mean_cos);
  }
  return m;
}

void write_results(OutputFile& out, const Network& net, const std::vector<CheckpointResult>& results) {
  for (const auto& ck : results) {
    const std::string base = "/compare/" + ck.spec.label;
    out.write_attributes(base, {{"epoch", ck.spec.epoch}, {"time_ms", ck.spec.time_ms}, {"loss", ck.loss}});
    for (std::size_t k = 0; k < ck.gradient.size() && k < net.projections.size(); ++k)
      if (!ck.gradient[k].empty())
        out.write_matrix(base + "/gradient/" + net.projections[k].name, ck.gradient[k],
                         net.projections[k].row.size() - 1, ck.gradient[k].size() / (net.projections[k].row.size() - 1));
    for (const auto& rule : ck.rules) {
      const std::string rg = base + "/rules/" + rule.label;
      for (std::size_t b = 0; b < rule.blocks.size(); ++b) {
        const BlockResult& blk = rule.blocks[b];
        const Alignment& a = rule.alignment.blocks[b];
        const std::string& name = net.projections[blk.projection].name;
        const std::string pg = rg + "/" + name;
        if (blk.own_reference) out.write_matrix(pg + "/gradient", blk.gradient, blk.n_pre, blk.n_post);
        out.write_matrix(pg + "/mean_update", blk.mean_update, blk.n_pre, blk.n_post);
        out.write_matrix(pg + "/mu_parallel", a.mu_parallel, blk.n_pre, blk.n_post);
        out.write_matrix(pg + "/mu_perp", a.mu_perp, blk.n_pre, blk.n_post);
        out.write_vector(pg + "/cos", a.cos);
        if (!blk.updates.empty()) {
          std::vector<double> flat;
          for (const auto& row : blk.updates) flat.insert(flat.end(), row.begin(), row.end());
          out.write_matrix(pg + "/updates", flat, blk.updates.size(), blk.gradient.size());
        }
        out.write_attributes(pg, metric_attributes(a));
      }
      out.write_vector(rg + "/network/cos", rule.alignment.network.cos);
      out.write_attributes(rg + "/network", metric_attributes(rule.alignment.network));
      auto attrs = metric_attributes(rule.alignment.network);
      attrs["wall_time_s"] = rule.seconds;
      attrs["trials"] = rule.trials;
      attrs["inputs"] = std::string(rule.fixed_input ? "fixed" : "dataset");
      attrs["sample"] = static_cast<std::int64_t>(rule.sample);
      attrs["presentations"] = static_cast<std::int64_t>(rule.presentations);
      out.write_attributes(rg, attrs);
    }
  }
}

// "12.3 [10.1, 14.2]"
std::string with_ci(double v, const Interval* i, const char* fmt) {
  auto one = [&](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, fmt, x);
    return std::string(buf);
  };
  return i ? one(v) + " [" + one(i->lo) + ", " + one(i->hi) + "]" : one(v);
}

void print_table(const std::vector<CheckpointResult>& results) {
  for (const auto& ck : results) {
    std::printf("\ncheckpoint %s (loss %.4g)\n", ck.spec.label.c_str(), ck.loss);
    std::printf("  %-22s %-26s %-30s %-12s %-26s %s\n", "rule", "theta_bias (deg)", "Var_rel", "alpha*",
                "mean cos", "flags");
    for (const auto& r : ck.rules) {
      const Alignment& a = r.alignment.network;
      const AlignmentIntervals* ci = a.ci ? &*a.ci : nullptr;
      std::printf("  %-22s %-26s %-30s %-12.4g %-26s %s\n", r.label.c_str(),
                  with_ci(a.theta_bias_deg, ci ? &ci->theta_bias_deg : nullptr, "%.1f").c_str(),
                  with_ci(a.var_rel, ci ? &ci->var_rel : nullptr, "%.3g").c_str(), a.alpha_star,
                  with_ci(a.mean_cos, ci ? &ci->mean_cos : nullptr, "%.3f").c_str(), flag_list(a.flags).c_str());
    }
  }
}

}  // namespace

int compare_command(const CompareArgs& args) {
  return exit_code_of("compare", [&] {
    auto start = std::chrono::steady_clock::now();
    ConfigNode root = ConfigNode::load_file(args.config);
    Network net = build_network(root);
    CompareSpec spec = read_compare_spec(root, net);
    std::string output = args.output.empty()
                             ? std::filesystem::path(args.config).replace_extension(".compare.h5").string()
                             : args.output;
    OutputFile out(output);
    RunMetadata meta{net.config_text, args.config, net.seed, args.threads, APICAL_VERSION, utc_timestamp()};
    out.write_run_metadata(meta);
    out.write_attributes("/compare", {{"trials", spec.trials},
                                      {"inputs", spec.fixed_input ? "fixed" : "dataset"},
                                      {"sample", static_cast<std::int64_t>(spec.sample)},
                                      {"surrogate_scale", spec.gradient.surrogate_scale},
                                      {"bootstrap", static_cast<std::int64_t>(spec.alignment.bootstrap_resamples)},
                                      {"ci_level", spec.alignment.ci_level},
                                      {"reference", spec.steady_state            ? std::string("steady_state")
                                                     : spec.reference_rule.empty() ? std::string("gradient")
                                                                                   : spec.reference_rule},
                                      {"reference_trials", spec.reference_trials}});

    const bool progress = !args.quiet && isatty(STDERR_FILENO);
    const std::size_t n_runs = spec.checkpoints.size() * spec.rules.size();
    std::size_t runs_done = 0;
    std::string current;
    auto last = std::chrono::steady_clock::now();
    auto show = [&](std::size_t c, const std::string& rule, std::int64_t done, std::int64_t total) {
      if (!progress) return;
      auto now = std::chrono::steady_clock::now();
      if (done < total && now - last < std::chrono::milliseconds(250)) return;
      last = now;
      double wall = std::chrono::duration<double>(now - start).count();
      double frac = (static_cast<double>(runs_done) + static_cast<double>(done) / static_cast<double>(total)) /
                    static_cast<double>(n_runs);
      std::fprintf(stderr, "\r  %s / %-20s trial %lld / %lld   left %.0f s   ", spec.checkpoints[c].label.c_str(),
                   rule.c_str(), static_cast<long long>(done), static_cast<long long>(total),
                   frac > 0 ? wall * (1 - frac) / frac : 0.0);
      std::fflush(stderr);
      if (done == total) ++runs_done;
    };
    auto results = run_compare(net, spec, args.threads, show);
    if (progress) std::fprintf(stderr, "\n");
    write_results(out, net, results);
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.finish_run_metadata(wall, {});
    out.set_status("complete");
    out.close();
    print_table(results);
    std::printf("\napical compare: %zu rules x %zu checkpoints x %lld trials in %.1f s -> %s\n", spec.rules.size(),
                spec.checkpoints.size(), static_cast<long long>(spec.trials), wall, output.c_str());
    return 0;
  });
}

}  // namespace apical
