// Bias/variance alignment metrics of a learning rule's updates against a reference gradient
// (SCIENCE.md section 8.2, the quantitative form of Fig. 2 and Fig. 3). Pure computation: no I/O.
//
// Input: R trials u^(r), r = 1..R, each the rule's update flattened to length P and converted to
// loss-gradient sign (u = -dtheta / eta, optimiser transforms removed; reward rules in loss
// convention), and a reference gradient g of the same length, either exact or estimated from S
// independent samples g^(s) (never the samples used for u).
//
// Estimators (unbiased for finite R; section 8.2 "Estimators"):
//   ubar = (1/R) sum_r u^(r),   S = sum_r u^(r)
//   tr Cov    = (1/(R-1)) sum_r ||u^(r) - ubar||^2
//   ||mu||^2  = (||S||^2 - sum_r ||u^(r)||^2) / (R(R-1))       U-statistic (||ubar||^2 is biased
//                                                               up by tr Cov / R)
//   ||g||^2   = ||g||^2 if exact; U-statistic over the g^(s) if estimated (then g = mean g^(s))
//   alpha*    = ubar.g / ||g||^2                                gain
//   theta_bias= arccos( ubar.g / (||g|| sqrt(||mu||^2)) )        bias angle, never folded
//   ||mu_perp||^2 = ||mu||^2 - (ubar.g)^2 / ||g||^2
//   Bias_rel  = ||mu_perp|| / ||alpha* g||                      (= |tan theta_bias|)
//   Var_rel   = tr Cov / ||alpha* g||^2
//   cos_prediction_isotropic = (1 + Bias_rel^2 + Var_rel)^(-1/2)
//
// theta_bias is evaluated as atan2(||mu_perp||, ubar.g / ||g||): the same angle as the arccos form,
// but accurate near 0 and 180 degrees, where arccos loses half the digits.
//
// Edge cases are reported as flags with finite values, never NaN (see AlignmentFlags). Where a
// ratio has no useful signal to normalise by (alpha* g = 0) it is set to alignment_unbounded.
//
// Confidence intervals: percentile bootstrap over trials. Resample b draws its R trial indices
// from RandomStream(seed, StreamKind::trial_order, 0, b), so intervals are a pure function of the
// data, the seed and the number of resamples. The reference gradient is held fixed. In a
// resample, ||mu||^2 is the U-statistic over pairs of distinct trials: pairs of a repeated trial
// would bias it up by about tr Cov / R and shift the theta_bias interval towards 90 degrees.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace apical {

// R trials, each a flattened update of length P (all rows the same length).
using UpdateTrials = std::vector<std::vector<double>>;

// Sentinel for Bias_rel and Var_rel when ||alpha* g|| = 0 (zero gradient or ubar.g = 0 exactly):
// the noise and bias are unbounded relative to a useful signal of zero. Finite, so downstream
// sorting, plotting on log axes and percentiles stay well defined.
inline constexpr double alignment_unbounded = std::numeric_limits<double>::max();

// Each flag says which value was substituted. Several may be set at once.
struct AlignmentFlags {
  // R < 2: no variance or U-statistic can be formed. trace_cov = 0 and Var_rel = 0 (unknown, not
  // zero), ||mu||^2 is taken as ||ubar||^2, and no confidence intervals are computed.
  bool too_few_trials = false;
  // ||g||^2 <= 0: the exact gradient is zero, or the U-statistic over the reference samples is not
  // positive. Then every per-trial cosine is 0 (angles 90 degrees), alpha* = 0, theta_bias = 90,
  // mu_parallel = 0, and gain_nonpositive is also set.
  bool zero_gradient = false;
  // The U-statistic ||mu||^2 <= 0 (the mean is not resolved at this R: pure noise, or tiny R).
  // Then ||mu||^2 is replaced by the biased ||ubar||^2 for theta_bias, ||mu_perp|| and Bias_rel.
  bool mu_norm_sq_nonpositive = false;
  // ||mu_perp||^2 estimated below zero by more than rounding: the orthogonal component is not
  // resolved at this R (R << Var_rel / Bias_rel^2). ||mu_perp|| = 0, Bias_rel = 0 and theta_bias is
  // 0 (alpha* > 0) or 180 degrees (alpha* < 0): read these as upper bounds not yet measured.
  bool mu_perp_sq_negative = false;
  // alpha* <= 0: the rule does not descend L on average. Bias_rel and Var_rel are still reported
  // relative to the magnitude ||alpha* g|| = |ubar.g| / ||g|| (so Bias_rel = |tan theta_bias|);
  // if alpha* = 0 exactly they are alignment_unbounded and cos_prediction_isotropic is 0.
  bool gain_nonpositive = false;
  // Some u^(r) = 0: its cosine is undefined and reported as 0 (angle 90 degrees).
  bool zero_update = false;

  bool any() const {
    return too_few_trials || zero_gradient || mu_norm_sq_nonpositive || mu_perp_sq_negative ||
           gain_nonpositive || zero_update;
  }
};

struct Interval {
  double lo = 0, hi = 0;
};

// Percentile bootstrap intervals (linear interpolation between order statistics).
struct AlignmentIntervals {
  double level = 0;           // e.g. 0.95
  std::size_t resamples = 0;  // B
  Interval theta_bias_deg, var_rel, alpha_star, mean_cos;
};

struct AlignmentOptions {
  double ci_level = 0.95;                  // in (0, 1)
  std::size_t bootstrap_resamples = 1000;  // 0: no intervals
  std::uint64_t seed = 0;                  // key of the bootstrap streams
};

struct Alignment {
  std::size_t R = 0, P = 0;

  // Per trial: cos(u^(r), g) and the angle in degrees in [0, 180]. With an estimated reference the
  // cosine normalises by sqrt of the U-statistic ||g||^2, so it can exceed 1 slightly; the angle
  // clamps its argument to [-1, 1].
  std::vector<double> cos, angle_deg;
  double mean_cos = 0;  // E[cos(u, g)] estimate

  // The estimator terms, for inspection.
  double u_dot_g = 0;       // ubar.g
  double g_norm_sq = 0;     // ||g||^2 (exact, or U-statistic over reference samples)
  double mu_norm_sq = 0;    // ||mu||^2 as used: the U-statistic, or ||ubar||^2 if flagged
  double ubar_norm_sq = 0;  // ||ubar||^2 (biased up by tr Cov / R)
  double trace_cov = 0;     // tr Cov(u)

  double alpha_star = 0;      // gain
  double theta_bias_deg = 0;  // in [0, 180]; > 90 means anti-gradient on average
  double bias_rel = 0;        // ||mu_perp|| / ||alpha* g||
  double var_rel = 0;         // tr Cov / ||alpha* g||^2
  // Bias_rel^2 + Var_rel = E||u/alpha* - g||^2 / ||g||^2; alignment_unbounded if either is.
  double mse_rel = 0;
  double cos_prediction_isotropic = 0;  // (1 + Bias_rel^2 + Var_rel)^(-1/2)

  // Fig. 3 split of the mean update: ubar = mu_parallel + mu_perp, mu_parallel = alpha* g.
  // mu_parallel_norm = |alpha*| ||g||. mu_perp_norm is the root of the unbiased ||mu_perp||^2
  // (from the U-statistic, as in Bias_rel); the mu_perp vector's own norm is larger by the
  // noise term tr Cov / R.
  std::vector<double> mu_parallel, mu_perp;
  double mu_parallel_norm = 0, mu_perp_norm = 0;

  AlignmentFlags flags;
  std::optional<AlignmentIntervals> ci;  // absent if R < 2 or no resamples requested
};

// Against an exact reference gradient g (length P). Throws std::invalid_argument if R = 0, P = 0,
// a row's length differs from g's, a value is not finite, or ci_level is outside (0, 1).
Alignment alignment(const UpdateTrials& u, const std::vector<double>& g,
                    const AlignmentOptions& options = {});

// Against a reference estimated from S >= 2 independent samples g^(s): g = mean of the samples,
// ||g||^2 = their U-statistic. Throws std::invalid_argument as above, or if S < 2.
Alignment alignment_estimated_reference(const UpdateTrials& u, const UpdateTrials& g_samples,
                                        const AlignmentOptions& options = {});

// One parameter block (a projection): its R trials and its reference, either an exact g or
// reference samples g_samples (set exactly one of the two).
struct AlignmentBlock {
  std::string name;
  UpdateTrials u;
  std::vector<double> g;
  UpdateTrials g_samples;
};

struct NetworkAlignment {
  std::vector<Alignment> blocks;  // in input order
  Alignment network;              // on the concatenation of all blocks, in input order
};

// Per projection and for the whole network (section 8.2 "Where to evaluate"). All blocks must
// have the same R, and all use an exact g or all reference samples with the same S (trial r and
// sample s of every block belong to the same run). The bootstrap resamples the same trial
// indices in every block and in the network, since the trial is the unit being resampled.
// Throws std::invalid_argument on an empty list or mismatched blocks.
NetworkAlignment network_alignment(const std::vector<AlignmentBlock>& blocks,
                                   const AlignmentOptions& options = {});

}  // namespace apical
