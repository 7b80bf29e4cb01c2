#include "analysis/alignment.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <stdexcept>

#include "core/rng.hpp"

namespace apical {

namespace {

constexpr double deg_per_rad = 180.0 / M_PI;

double dot(std::span<const double> a, std::span<const double> b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Rows must be non-empty, of equal length P >= 1; returns P.
std::size_t check_rows(const UpdateTrials& rows, const std::string& what) {
  if (rows.empty()) throw std::invalid_argument(what + ": no rows");
  const std::size_t P = rows.front().size();
  if (P == 0) throw std::invalid_argument(what + ": rows of length 0");
  for (std::size_t r = 0; r < rows.size(); ++r)
    if (rows[r].size() != P)
      throw std::invalid_argument(what + ": row " + std::to_string(r) + " has length " +
                                  std::to_string(rows[r].size()) + ", expected " +
                                  std::to_string(P));
  // A NaN or infinity would propagate into every metric; the flags cover only finite input.
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (double x : rows[r])
      if (!std::isfinite(x))
        throw std::invalid_argument(what + ": row " + std::to_string(r) + " is not finite");
  return P;
}

void check_options(const AlignmentOptions& o) {
  if (!(o.ci_level > 0 && o.ci_level < 1))
    throw std::invalid_argument("alignment: ci_level = " + std::to_string(o.ci_level) +
                                ": must be in (0, 1)");
  // The resample index is the stream's 32-bit entity.
  if (o.bootstrap_resamples > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("alignment: bootstrap_resamples must fit in 32 bits");
}

// S = sum of the selected rows and sum of their squared norms: everything the U-statistic of
// ||E v||^2 needs. `idx` selects rows, with repeats in a bootstrap resample.
struct RowSums {
  std::vector<double> S;
  double sum_norm_sq = 0;
};

RowSums row_sums(const UpdateTrials& rows, std::span<const std::size_t> idx) {
  RowSums s;
  s.S.assign(rows.front().size(), 0.0);
  for (std::size_t r : idx) {
    const std::vector<double>& v = rows[r];
    for (std::size_t p = 0; p < v.size(); ++p) s.S[p] += v[p];
    s.sum_norm_sq += dot(v, v);
  }
  return s;
}

// (||S||^2 - sum ||v||^2) / (n(n-1)): the mean of v_a.v_b over ordered pairs a != b, unbiased for
// ||E v||^2 where ||mean||^2 is biased up by tr Cov / n. n >= 2.
double u_statistic(const RowSums& s, std::size_t n) {
  const double pairs = static_cast<double>(n) * static_cast<double>(n - 1);
  return (dot(s.S, s.S) - s.sum_norm_sq) / pairs;
}

std::vector<std::size_t> all_rows(std::size_t n) {
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  return idx;
}

struct Reference {
  std::vector<double> g;
  double g_norm_sq = 0;  // exact, or the U-statistic over reference samples
};

// What depends on which trials were drawn: the point estimate uses every trial once, a bootstrap
// resample a multiset of them.
struct TrialMoments {
  std::size_t R = 0;
  std::vector<double> ubar;
  double u_dot_g = 0;
  double ubar_norm_sq = 0;
  double mu_norm_sq_u = 0;  // U-statistic; 0 if R < 2 or every draw is the same trial
  // Size of the terms that cancel in the U-statistic: its rounding error is a few eps times this.
  double rounding_scale = 0;
  double trace_cov = 0;  // 0 if R < 2
  double mean_cos = 0;
};

TrialMoments trial_moments(const UpdateTrials& u, std::span<const std::size_t> idx,
                           const Reference& ref, std::span<const double> cos_r) {
  TrialMoments m;
  m.R = idx.size();
  const RowSums sums = row_sums(u, idx);
  const double R = static_cast<double>(m.R);
  m.ubar = sums.S;
  for (double& x : m.ubar) x /= R;
  m.u_dot_g = dot(m.ubar, ref.g);
  m.ubar_norm_sq = dot(m.ubar, m.ubar);
  double sum_cos = 0;
  for (std::size_t r : idx) sum_cos += cos_r[r];
  m.mean_cos = sum_cos / R;
  if (m.R < 2) return m;

  // U-statistic over pairs of distinct trials. With every trial drawn once (the point estimate)
  // this is (||S||^2 - sum ||u_r||^2) / (R(R-1)). A bootstrap resample draws trial k c_k times;
  // its pairs of the same trial would contribute ||u_k||^2 instead of a cross term and bias the
  // estimate up by about tr Cov / R, so they are left out: the pair count is R^2 - sum c_k^2.
  std::vector<std::uint32_t> count(u.size(), 0);
  for (std::size_t r : idx) ++count[r];
  double same_trial = 0, same_trial_pairs = 0;
  for (std::size_t k = 0; k < count.size(); ++k) {
    if (count[k] == 0) continue;
    const double c = count[k];
    same_trial += c * c * dot(u[k], u[k]);
    same_trial_pairs += c * c;
  }
  const double S_norm_sq = dot(sums.S, sums.S);
  const double pairs = R * R - same_trial_pairs;
  if (pairs > 0) {
    m.mu_norm_sq_u = (S_norm_sq - same_trial) / pairs;
    m.rounding_scale = (S_norm_sq + same_trial) / pairs;
  }

  // Two passes, not sum ||u||^2 - R ||ubar||^2: identical trials (BP against itself) must give
  // exactly zero variance, not a rounding residue.
  double ss = 0;
  for (std::size_t r : idx)
    for (std::size_t p = 0; p < m.ubar.size(); ++p) {
      const double d = u[r][p] - m.ubar[p];
      ss += d * d;
    }
  m.trace_cov = ss / (R - 1);
  return m;
}

// The scalar metrics of section 8.2 from the moments, with the flag substitutions documented in
// the header. Shared by the point estimate and every bootstrap resample.
struct Summary {
  double mu_norm_sq = 0, mu_perp_norm = 0, mu_parallel_norm = 0;
  double alpha_star = 0, theta_bias_deg = 0, bias_rel = 0, var_rel = 0;
  AlignmentFlags flags;
};

Summary summarise(const TrialMoments& m, double g_norm_sq) {
  Summary s;
  const std::size_t P = m.ubar.size();
  if (m.R < 2) {
    s.flags.too_few_trials = true;
    s.mu_norm_sq = m.ubar_norm_sq;
  } else if (m.mu_norm_sq_u <= 0) {
    s.flags.mu_norm_sq_nonpositive = true;
    s.mu_norm_sq = m.ubar_norm_sq;
  } else {
    s.mu_norm_sq = m.mu_norm_sq_u;
  }

  if (!(g_norm_sq > 0)) {
    // No direction to align with: everything in the mean is "orthogonal".
    s.flags.zero_gradient = true;
    s.flags.gain_nonpositive = true;
    s.theta_bias_deg = 90;
    s.mu_perp_norm = std::sqrt(s.mu_norm_sq);
    s.bias_rel = s.var_rel = alignment_unbounded;
    return s;
  }

  const double g_norm = std::sqrt(g_norm_sq);
  const double mu_along_g = m.u_dot_g / g_norm;  // signed length of mu's projection on g
  s.alpha_star = m.u_dot_g / g_norm_sq;
  s.mu_parallel_norm = std::abs(mu_along_g);
  if (s.alpha_star <= 0) s.flags.gain_nonpositive = true;

  // ||mu_perp||^2 is a difference of two estimates; below zero within rounding it is zero (BP
  // against itself), below zero beyond rounding the orthogonal part is not resolved.
  const double perp_sq = s.mu_norm_sq - mu_along_g * mu_along_g;
  const double rounding = 4 * std::numeric_limits<double>::epsilon() *
                          static_cast<double>(m.R + P) * std::max(m.rounding_scale, m.ubar_norm_sq);
  if (perp_sq < -rounding) s.flags.mu_perp_sq_negative = true;
  s.mu_perp_norm = std::sqrt(std::max(0.0, perp_sq));

  // atan2 of (||mu_perp||, mu.g/||g||) is arccos(mu.g / (||g|| ||mu||)) without its loss of
  // digits near 0 and 180 degrees. A zero mean has no direction: 90 degrees, as for g = 0.
  s.theta_bias_deg = (s.mu_perp_norm == 0 && mu_along_g == 0)
                         ? 90.0
                         : std::atan2(s.mu_perp_norm, mu_along_g) * deg_per_rad;

  if (s.mu_parallel_norm == 0) {
    s.bias_rel = s.var_rel = alignment_unbounded;
  } else {
    // Divide twice rather than by the square, which could underflow to zero.
    s.bias_rel = std::min(s.mu_perp_norm / s.mu_parallel_norm, alignment_unbounded);
    s.var_rel =
        std::min(m.trace_cov / s.mu_parallel_norm / s.mu_parallel_norm, alignment_unbounded);
  }
  return s;
}

double cos_prediction_isotropic(double bias_rel, double var_rel) {
  if (bias_rel == alignment_unbounded || var_rel == alignment_unbounded) return 0;
  return 1.0 / std::sqrt(1.0 + bias_rel * bias_rel + var_rel);
}

// Percentile q in [0, 1] of v by linear interpolation between order statistics (v sorted here).
double percentile(std::vector<double>& v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return v[lo] + frac * (v[hi] - v[lo]);
}

Interval percentile_interval(std::vector<double>& v, double level) {
  const double tail = (1 - level) / 2;
  return {percentile(v, tail), percentile(v, 1 - tail)};
}

AlignmentIntervals bootstrap(const UpdateTrials& u, const Reference& ref,
                             std::span<const double> cos_r, const AlignmentOptions& o) {
  const std::size_t R = u.size(), B = o.bootstrap_resamples;
  std::vector<double> theta(B), var(B), alpha(B), mean_cos(B);
  std::vector<std::size_t> idx(R);
  for (std::size_t b = 0; b < B; ++b) {
    // One stream per resample: resample b is the same whatever B is.
    RandomStream rng(o.seed, StreamKind::trial_order, 0, static_cast<std::uint32_t>(b));
    for (std::size_t& i : idx) i = rng.below(static_cast<std::uint32_t>(R));
    const TrialMoments m = trial_moments(u, idx, ref, cos_r);
    const Summary s = summarise(m, ref.g_norm_sq);
    theta[b] = s.theta_bias_deg;
    var[b] = s.var_rel;
    alpha[b] = s.alpha_star;
    mean_cos[b] = m.mean_cos;
  }
  AlignmentIntervals ci;
  ci.level = o.ci_level;
  ci.resamples = B;
  ci.theta_bias_deg = percentile_interval(theta, o.ci_level);
  ci.var_rel = percentile_interval(var, o.ci_level);
  ci.alpha_star = percentile_interval(alpha, o.ci_level);
  ci.mean_cos = percentile_interval(mean_cos, o.ci_level);
  return ci;
}

Alignment compute(const UpdateTrials& u, const Reference& ref, const AlignmentOptions& o) {
  check_options(o);
  const std::size_t P = check_rows(u, "alignment: update trials u");
  if (ref.g.size() != P)
    throw std::invalid_argument("alignment: reference gradient has length " +
                                std::to_string(ref.g.size()) + ", updates have " +
                                std::to_string(P));
  for (double x : ref.g)
    if (!std::isfinite(x)) throw std::invalid_argument("alignment: reference gradient not finite");
  if (u.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::invalid_argument("alignment: more than 2^32 - 1 trials");

  Alignment a;
  a.R = u.size();
  a.P = P;
  a.g_norm_sq = ref.g_norm_sq;

  // Per-trial cosines. They do not depend on which trials a resample draws, so the bootstrap
  // reuses them.
  const bool have_g = ref.g_norm_sq > 0;
  const double g_norm = have_g ? std::sqrt(ref.g_norm_sq) : 0.0;
  a.cos.resize(a.R);
  a.angle_deg.resize(a.R);
  for (std::size_t r = 0; r < a.R; ++r) {
    const double u_norm = std::sqrt(dot(u[r], u[r]));
    if (u_norm == 0) a.flags.zero_update = true;
    a.cos[r] = (have_g && u_norm > 0) ? dot(u[r], ref.g) / (u_norm * g_norm) : 0.0;
    a.angle_deg[r] = std::acos(std::clamp(a.cos[r], -1.0, 1.0)) * deg_per_rad;
  }

  const std::vector<std::size_t> idx = all_rows(a.R);
  const TrialMoments m = trial_moments(u, idx, ref, a.cos);
  const Summary s = summarise(m, ref.g_norm_sq);
  const bool zero_update = a.flags.zero_update;
  a.flags = s.flags;
  a.flags.zero_update = zero_update;

  a.mean_cos = m.mean_cos;
  a.u_dot_g = m.u_dot_g;
  a.mu_norm_sq = s.mu_norm_sq;
  a.ubar_norm_sq = m.ubar_norm_sq;
  a.trace_cov = m.trace_cov;
  a.alpha_star = s.alpha_star;
  a.theta_bias_deg = s.theta_bias_deg;
  a.bias_rel = s.bias_rel;
  a.var_rel = s.var_rel;
  a.mse_rel = (s.bias_rel == alignment_unbounded || s.var_rel == alignment_unbounded)
                  ? alignment_unbounded
                  : std::min(s.bias_rel * s.bias_rel + s.var_rel, alignment_unbounded);
  a.cos_prediction_isotropic = cos_prediction_isotropic(s.bias_rel, s.var_rel);

  a.mu_parallel.resize(P);
  a.mu_perp.resize(P);
  for (std::size_t p = 0; p < P; ++p) {
    a.mu_parallel[p] = a.alpha_star * ref.g[p];
    a.mu_perp[p] = m.ubar[p] - a.mu_parallel[p];
  }
  a.mu_parallel_norm = s.mu_parallel_norm;
  a.mu_perp_norm = s.mu_perp_norm;

  if (a.R >= 2 && o.bootstrap_resamples > 0) a.ci = bootstrap(u, ref, a.cos, o);
  return a;
}

Reference estimated_reference(const UpdateTrials& g_samples) {
  check_rows(g_samples, "alignment: reference samples");
  if (g_samples.size() < 2)
    throw std::invalid_argument("alignment: an estimated reference needs >= 2 samples");
  const RowSums sums = row_sums(g_samples, all_rows(g_samples.size()));
  Reference ref;
  ref.g = sums.S;
  for (double& x : ref.g) x /= static_cast<double>(g_samples.size());
  ref.g_norm_sq = u_statistic(sums, g_samples.size());
  return ref;
}

// Appends each row of `part` to the matching row of `whole` (trial r of every block is run r).
void append_rows(UpdateTrials& whole, const UpdateTrials& part) {
  if (whole.empty()) whole.resize(part.size());
  for (std::size_t r = 0; r < part.size(); ++r)
    whole[r].insert(whole[r].end(), part[r].begin(), part[r].end());
}

}  // namespace

Alignment alignment(const UpdateTrials& u, const std::vector<double>& g,
                    const AlignmentOptions& options) {
  return compute(u, Reference{g, dot(g, g)}, options);
}

Alignment alignment_estimated_reference(const UpdateTrials& u, const UpdateTrials& g_samples,
                                        const AlignmentOptions& options) {
  return compute(u, estimated_reference(g_samples), options);
}

NetworkAlignment network_alignment(const std::vector<AlignmentBlock>& blocks,
                                   const AlignmentOptions& options) {
  if (blocks.empty()) throw std::invalid_argument("network_alignment: no blocks");
  const bool estimated = !blocks.front().g_samples.empty();
  const std::size_t R = blocks.front().u.size();
  const std::size_t S = blocks.front().g_samples.size();
  for (const AlignmentBlock& b : blocks) {
    const std::string where = "network_alignment: block '" + b.name + "'";
    if (b.g.empty() == b.g_samples.empty())
      throw std::invalid_argument(where + ": set exactly one of g and g_samples");
    if (b.g_samples.empty() == estimated)
      throw std::invalid_argument(where + ": all blocks need the same kind of reference");
    if (b.u.size() != R)
      throw std::invalid_argument(where + ": " + std::to_string(b.u.size()) +
                                  " trials, the first block has " + std::to_string(R));
    if (b.g_samples.size() != S)
      throw std::invalid_argument(where + ": " + std::to_string(b.g_samples.size()) +
                                  " reference samples, the first block has " + std::to_string(S));
  }

  NetworkAlignment out;
  UpdateTrials u_all, g_samples_all;
  std::vector<double> g_all;
  for (const AlignmentBlock& b : blocks) {
    out.blocks.push_back(estimated ? alignment_estimated_reference(b.u, b.g_samples, options)
                                   : alignment(b.u, b.g, options));
    append_rows(u_all, b.u);
    if (estimated)
      append_rows(g_samples_all, b.g_samples);
    else
      g_all.insert(g_all.end(), b.g.begin(), b.g.end());
  }
  out.network = estimated ? alignment_estimated_reference(u_all, g_samples_all, options)
                          : alignment(u_all, g_all, options);
  return out;
}

}  // namespace apical
