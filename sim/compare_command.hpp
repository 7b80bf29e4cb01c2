// `apical compare CONFIG -o RESULTS.h5`: rules in measure mode against the surrogate gradient of
// the same network (analysis/compare.hpp describes the [compare] table). The file:
//
//   /run                                  the config text, seed, threads, version, times
//   /compare                              attributes trials, inputs, sample, surrogate_scale,
//                                         bootstrap, ci_level, reference ("gradient" or a rule's
//                                         label), reference_trials
//   /compare/<checkpoint>/                attributes epoch (-1: the config's weights), loss (of the
//                                         reference's trials)
//     gradient/<projection>               float64 [n_pre, n_post]: the reference g over the
//                                         trials of [compare] (every differentiable projection)
//     rules/<rule>/                       attributes: the metrics of the whole network (below),
//                                         wall_time_s, and the rule's trials, inputs, sample
//       <projection>/                     attributes: the metrics of this projection
//         gradient                        float64 [n_pre, n_post]: only for a rule with its own
//                                         trials or inputs: the reference g over its trials
//         mean_update                     float64 [n_pre, n_post]: ubar
//         updates                         float64 [R, n_pre * n_post] (if within store_updates)
//         cos                             float64 [R]: per-trial cos(u_r, g)
//         mu_parallel, mu_perp            float64 [n_pre, n_post]: the Fig. 3 split of ubar
//       network/cos                       float64 [R]
//
// Metric attributes: R, P, theta_bias_deg, var_rel, bias_rel, alpha_star, mean_cos, mse_rel,
// cos_prediction_isotropic, trace_cov, mu_parallel_norm, mu_perp_norm, flags (a comma-separated
// list, "" if none), and with bootstrap intervals ci_level and <name>_lo, <name>_hi for
// theta_bias_deg, var_rel, alpha_star, mean_cos. Values are finite, never NaN (alignment.hpp).
#pragma once
#include <string>

namespace apical {

struct CompareArgs {
  std::string config;
  std::string output;
  int threads = 1;
  bool quiet = false;
};

// Returns the process exit code (0, 2 for a config error, 1 otherwise).
int compare_command(const CompareArgs& args);

}  // namespace apical
