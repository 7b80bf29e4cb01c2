#include "objectives/objective.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace apical {

namespace {

[[noreturn]] void bad(const std::string& objective, const std::string& what) {
  throw std::invalid_argument(objective + ": " + what);
}

void check_finite(const std::string& objective, const std::string& field,
                  const std::vector<double>& v) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) bad(objective, field + "[" + std::to_string(i) + "] is not finite");
}

void check_trace(const std::string& objective, const TrialObservation& obs) {
  if (obs.n == 0) bad(objective, "the observation has no units (n = 0)");
  if (obs.trace.size() != obs.T * obs.n)
    bad(objective, "trace has " + std::to_string(obs.trace.size()) + " values, expected T * n = " +
                       std::to_string(obs.T) + " * " + std::to_string(obs.n));
  check_finite(objective, "trace", obs.trace);
}

void check_counts(const std::string& objective, const TrialObservation& obs) {
  if (obs.n == 0) bad(objective, "the observation has no units (n = 0)");
  if (obs.counts.size() != obs.n)
    bad(objective, "counts has " + std::to_string(obs.counts.size()) +
                       " values, expected n = " + std::to_string(obs.n));
  check_finite(objective, "counts", obs.counts);
}

void check_label(const std::string& objective, std::int64_t label, std::size_t n) {
  if (label < 0 || static_cast<std::size_t>(label) >= n)
    bad(objective, "label " + std::to_string(label) + " is not a unit index in [0, " +
                       std::to_string(n) + ")");
}

// exp(x - max(x)) and its sum: every term is <= 1 and the max's term is 1, so the sum neither
// overflows nor underflows to 0 however large or small the scores are.
struct ShiftedExp {
  double max = 0.0, sum = 0.0;
  std::vector<double> e;
};

ShiftedExp shifted_exp(const std::vector<double>& x) {
  if (x.empty()) throw std::invalid_argument("logsumexp/softmax: empty input");
  ShiftedExp se;
  se.max = *std::max_element(x.begin(), x.end());
  se.e.resize(x.size());
  for (std::size_t k = 0; k < x.size(); ++k) {
    se.e[k] = std::exp(x[k] - se.max);
    se.sum += se.e[k];
  }
  return se;
}

// Softmax cross-entropy of `scores` against `label`, shared by both classifications:
// loss = logsumexp(s) - s[label], dloss/ds = softmax(s) - onehot(label).
struct CrossEntropy {
  double loss;
  std::vector<double> grad;
  bool correct;
};

CrossEntropy cross_entropy(const std::vector<double>& scores, std::size_t label) {
  ShiftedExp se = shifted_exp(scores);
  CrossEntropy ce;
  // (max - s[label]) + log(sum) rather than logsumexp - s[label]: for large scores the
  // difference of two large numbers would lose the digits of a small loss.
  ce.loss = (se.max - scores[label]) + std::log(se.sum);
  ce.grad.resize(scores.size());
  ce.correct = true;
  for (std::size_t k = 0; k < scores.size(); ++k) {
    ce.grad[k] = se.e[k] / se.sum - (k == label ? 1.0 : 0.0);
    if (k != label && scores[k] >= scores[label]) ce.correct = false;  // ties are not correct
  }
  return ce;
}

}  // namespace

double logsumexp(const std::vector<double>& x) {
  ShiftedExp se = shifted_exp(x);
  return se.max + std::log(se.sum);
}

std::vector<double> softmax(const std::vector<double>& x) {
  ShiftedExp se = shifted_exp(x);
  for (double& v : se.e) v /= se.sum;
  return se.e;
}

std::vector<std::size_t> first_argmax_over_time(const std::vector<double>& trace, std::size_t T,
                                                std::size_t n) {
  if (T == 0) throw std::invalid_argument("first_argmax_over_time: no time steps (T = 0)");
  std::vector<std::size_t> best(n, 0);
  for (std::size_t t = 1; t < T; ++t)
    for (std::size_t k = 0; k < n; ++k)
      if (trace[t * n + k] > trace[best[k] * n + k]) best[k] = t;  // strict: first occurrence wins
  return best;
}

ObjectiveResult ClassificationMax::evaluate(const TrialObservation& obs,
                                            const TrialTarget& target) const {
  check_trace(name(), obs);
  if (obs.T == 0) bad(name(), "the trace has no time steps (T = 0), so it has no maximum");
  check_label(name(), target.label, obs.n);
  std::vector<std::size_t> tstar = first_argmax_over_time(obs.trace, obs.T, obs.n);
  std::vector<double> m(obs.n);
  for (std::size_t k = 0; k < obs.n; ++k) m[k] = obs.trace[tstar[k] * obs.n + k];

  CrossEntropy ce = cross_entropy(m, static_cast<std::size_t>(target.label));
  ObjectiveResult r;
  r.loss = ce.loss;
  r.reward = -ce.loss;
  r.correct = ce.correct;
  // The max passes its gradient only to the time step it selected.
  r.dloss_dtrace.assign(obs.T * obs.n, 0.0);
  for (std::size_t k = 0; k < obs.n; ++k) r.dloss_dtrace[tstar[k] * obs.n + k] = ce.grad[k];
  return r;
}

ClassificationCount::ClassificationCount(double scale) : scale_(scale) {
  if (!(std::isfinite(scale) && scale > 0.0))
    bad(name(), "scale = " + std::to_string(scale) + ": must be a finite number > 0");
}

ObjectiveResult ClassificationCount::evaluate(const TrialObservation& obs,
                                              const TrialTarget& target) const {
  check_counts(name(), obs);
  check_label(name(), target.label, obs.n);
  std::vector<double> scores(obs.n);
  for (std::size_t k = 0; k < obs.n; ++k) scores[k] = scale_ * obs.counts[k];

  CrossEntropy ce = cross_entropy(scores, static_cast<std::size_t>(target.label));
  ObjectiveResult r;
  r.loss = ce.loss;
  r.reward = -ce.loss;
  r.correct = ce.correct;
  r.dloss_dcounts.resize(obs.n);
  for (std::size_t k = 0; k < obs.n; ++k) r.dloss_dcounts[k] = scale_ * ce.grad[k];  // chain rule
  return r;
}

ObjectiveResult Regression::evaluate(const TrialObservation& obs, const TrialTarget& target) const {
  check_trace(name(), obs);
  if (target.values.size() != obs.trace.size())
    bad(name(), "target has " + std::to_string(target.values.size()) +
                    " values, expected T * n = " + std::to_string(obs.T) + " * " +
                    std::to_string(obs.n) + " (one per trace value)");
  check_finite(name(), "target", target.values);
  ObjectiveResult r;
  r.dloss_dtrace.resize(obs.trace.size());
  for (std::size_t i = 0; i < obs.trace.size(); ++i) {
    double d = obs.trace[i] - target.values[i];
    r.loss += 0.5 * d * d;
    r.dloss_dtrace[i] = d;
  }
  r.reward = -r.loss;
  return r;
}

TargetCount::TargetCount(std::vector<double> targets) : targets_(std::move(targets)) {
  for (std::size_t i = 0; i < targets_.size(); ++i)
    if (!(std::isfinite(targets_[i]) && targets_[i] >= 0.0))
      bad(name(), "targets[" + std::to_string(i) + "] = " + std::to_string(targets_[i]) +
                      ": must be a finite number >= 0");
}

ObjectiveResult TargetCount::evaluate(const TrialObservation& obs,
                                      const TrialTarget& target) const {
  check_counts(name(), obs);
  if (!targets_.empty() && !target.values.empty())
    bad(name(), "targets are given both in the config and by the trial; give them in one place");
  const std::vector<double>& goal = targets_.empty() ? target.values : targets_;
  const char* where = targets_.empty() ? "the trial's targets" : "the config's targets";
  if (goal.empty()) bad(name(), "no targets: give `targets` in the config or with each trial");
  if (goal.size() != obs.n)
    bad(name(), std::string(where) + " have " + std::to_string(goal.size()) +
                    " values, expected one per unit (n = " + std::to_string(obs.n) + ")");
  for (std::size_t k = 0; k < goal.size(); ++k)
    if (!(std::isfinite(goal[k]) && goal[k] >= 0.0))
      bad(name(), std::string(where) + ": element " + std::to_string(k) + " = " +
                      std::to_string(goal[k]) + ": must be a finite number >= 0");

  ObjectiveResult r;
  r.dloss_dcounts.resize(obs.n);
  for (std::size_t k = 0; k < obs.n; ++k) {
    double d = obs.counts[k] - goal[k];
    r.loss += 0.5 * d * d;
    r.dloss_dcounts[k] = d;
  }
  r.reward = -r.loss;
  return r;
}

VanRossum::VanRossum(double tau_rise, double tau_decay, double h)
    : c_rise_(std::exp(-h / tau_rise)), c_decay_(std::exp(-h / tau_decay)) {}

std::vector<double> VanRossum::filter(const std::vector<double>& x, std::size_t T, std::size_t n) const {
  std::vector<double> e(T * n, 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    double a = 0.0, v = 0.0;
    for (std::size_t t = 0; t < T; ++t) {
      e[t * n + k] = v;
      const double v_next = c_decay_ * v + a;
      a = c_rise_ * a + x[t * n + k];
      v = v_next;
    }
  }
  return e;
}

ObjectiveResult VanRossum::evaluate(const TrialObservation& obs, const TrialTarget& target) const {
  check_trace(name(), obs);
  if (target.values.size() != obs.trace.size())
    bad(name(), "target has " + std::to_string(target.values.size()) + " values, expected T * n = " +
                    std::to_string(obs.T) + " * " + std::to_string(obs.n) + " (a spike train per unit)");
  check_finite(name(), "target", target.values);
  std::vector<double> diff(obs.trace.size());
  for (std::size_t i = 0; i < diff.size(); ++i) diff[i] = target.values[i] - obs.trace[i];
  const std::vector<double> e = filter(diff, obs.T, obs.n);
  ObjectiveResult r;
  for (double v : e) r.loss += 0.5 * v * v;
  r.reward = -r.loss;
  // Adjoint of the filter: lam_v[t] = c_d lam_v[t+1] + e[t], lam_a[t] = c_r lam_a[t+1] + lam_v[t+1],
  // de/dx[t] enters through a[t+1]: dL/dx[t] = lam_a[t+1]; dL/dS = -dL/dx.
  r.dloss_dtrace.assign(e.size(), 0.0);
  for (std::size_t k = 0; k < obs.n; ++k) {
    double lam_v = 0.0, lam_a = 0.0;
    for (std::size_t t = obs.T; t-- > 0;) {
      r.dloss_dtrace[t * obs.n + k] = -lam_a;
      const double a_new = c_rise_ * lam_a + lam_v;
      lam_v = c_decay_ * lam_v + e[t * obs.n + k];
      lam_a = a_new;
    }
  }
  return r;
}

std::unique_ptr<Objective> make_objective(const ConfigNode& table, double h) {
  // The registry: one line per objective, in the order of the header's table.
  const std::vector<std::string> kinds = {"classification_max", "classification_count",
                                          "regression", "target_count", "van_rossum"};
  std::string kind = table.choice("kind", kinds);
  std::unique_ptr<Objective> obj;
  if (kind == "classification_max") {
    obj = std::make_unique<ClassificationMax>();
  } else if (kind == "classification_count") {
    obj = std::make_unique<ClassificationCount>(table.number("scale", 1.0, Check::positive()));
  } else if (kind == "regression") {
    obj = std::make_unique<Regression>();
  } else if (kind == "van_rossum") {
    const double rise = table.number("tau_rise", 5.0, Check::positive("ms"));
    const double decay = table.number("tau_decay", 10.0, Check::positive("ms"));
    obj = std::make_unique<VanRossum>(rise, decay, h);
  } else {  // target_count
    std::vector<double> targets;
    if (table.has("targets")) {
      targets = table.numbers("targets", Check::non_negative());
      if (targets.empty())
        table.fail("targets", "must not be empty (omit the key to give targets with each trial)");
    }
    obj = std::make_unique<TargetCount>(std::move(targets));
  }
  table.finish();
  return obj;
}

}  // namespace apical
