#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "objectives/objective.hpp"

using namespace apical;
using Catch::Matchers::Contains;

namespace {

// The objective read from an inline table, as a network config would hold it.
std::unique_ptr<Objective> from_toml(const std::string& body) {
  ConfigNode root = ConfigNode::parse("objective = { " + body + " }\n", "objective.toml");
  return make_objective(root.table("objective"));
}

TrialObservation trace_obs(std::size_t T, std::size_t n, std::vector<double> trace) {
  TrialObservation o;
  o.T = T;
  o.n = n;
  o.trace = std::move(trace);
  return o;
}

TrialObservation count_obs(std::vector<double> counts) {
  TrialObservation o;
  o.n = counts.size();
  o.counts = std::move(counts);
  return o;
}

// Central finite differences of the loss with respect to every value of the field the objective
// reads, compared with its analytic gradient. h = 1e-6 gives a truncation error ~h^2 * f''' and a
// rounding error ~1e-16 / h ~ 1e-10 on O(1) losses, hence the 1e-7 tolerance.
void check_gradient_fd(const Objective& obj, TrialObservation obs, const TrialTarget& target) {
  const bool trace = obj.reads() == "trace";
  std::vector<double>& x = trace ? obs.trace : obs.counts;
  ObjectiveResult r = obj.evaluate(obs, target);
  const std::vector<double>& grad = trace ? r.dloss_dtrace : r.dloss_dcounts;
  REQUIRE(grad.size() == x.size());
  REQUIRE((trace ? r.dloss_dcounts : r.dloss_dtrace).empty());
  const double h = 1e-6;
  for (std::size_t i = 0; i < x.size(); ++i) {
    double x0 = x[i];
    x[i] = x0 + h;
    double up = obj.evaluate(obs, target).loss;
    x[i] = x0 - h;
    double down = obj.evaluate(obs, target).loss;
    x[i] = x0;
    INFO(obj.name() << " value " << i);
    CHECK(grad[i] == Approx((up - down) / (2 * h)).margin(1e-7));
  }
}

std::vector<double> random_values(std::size_t size, double lo, double hi, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(size);
  for (auto& x : v) x = u(rng);
  return v;
}

}  // namespace

TEST_CASE("logsumexp and softmax are exact on small cases and stable on large ones",
          "[unit][objective]") {
  CHECK(logsumexp({0.0, 0.0}) == Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(logsumexp({1.0, 2.0, 3.0}) ==
        Approx(std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0))).epsilon(1e-15));
  // exp(1000) overflows and exp(-1000) underflows: the shifted form must not.
  CHECK(logsumexp({1000.0, 1000.0}) == Approx(1000.0 + std::log(2.0)).epsilon(1e-15));
  CHECK(logsumexp({-1000.0, -1000.0}) == Approx(-1000.0 + std::log(2.0)).epsilon(1e-15));
  CHECK_THROWS_AS(logsumexp({}), std::invalid_argument);

  // 1000 - log(3) is itself rounded to the ulp of 1000 (1.1e-13), which bounds the agreement.
  std::vector<double> p = softmax({1000.0, 1000.0 - std::log(3.0)});
  CHECK(p[0] == Approx(0.75).epsilon(1e-12));
  CHECK(p[1] == Approx(0.25).epsilon(1e-12));
  CHECK(softmax({-1e300, 0.0}) == std::vector<double>{0.0, 1.0});
}

TEST_CASE("first_argmax_over_time takes the first of tied maxima", "[unit][objective]") {
  // unit 0: max 2 at t = 1 and t = 2; unit 1: max 0 at every t (a silent readout).
  std::vector<double> trace = {0.0, 0.0, 2.0, 0.0, 2.0, 0.0};
  auto t = first_argmax_over_time(trace, 3, 2);
  CHECK(t == std::vector<std::size_t>{1, 0});
  CHECK_THROWS_AS(first_argmax_over_time({}, 0, 2), std::invalid_argument);
}

TEST_CASE("classification_max matches a hand-computed case", "[unit][objective]") {
  ClassificationMax obj;
  CHECK(obj.name() == "classification_max");
  CHECK(obj.reads() == "trace");
  // T = 3, n = 2. Unit 0 peaks at 2 at t = 1 (tied at t = 2: first wins), unit 1 at 1 at t = 0.
  auto obs = trace_obs(3, 2, {0.0, 1.0, 2.0, 1.0, 2.0, 0.5});
  // m = (2, 1): loss = log(e^2 + e^1) - m[label].
  const double p0 = 1.0 / (1.0 + std::exp(-1.0));

  SECTION("label 0") {
    ObjectiveResult r = obj.evaluate(obs, {0, {}});
    CHECK(r.loss == Approx(std::log1p(std::exp(-1.0))).epsilon(1e-14));
    CHECK(r.reward == -r.loss);
    CHECK(r.correct);
    CHECK(r.dloss_dcounts.empty());
    REQUIRE(r.dloss_dtrace.size() == 6);
    // Gradient (softmax - onehot) only at (t*_k, k) = (1, 0) and (0, 1).
    std::vector<double> expected = {0.0, 1.0 - p0, p0 - 1.0, 0.0, 0.0, 0.0};
    for (std::size_t i = 0; i < 6; ++i)
      CHECK(r.dloss_dtrace[i] == Approx(expected[i]).margin(1e-15));
  }
  SECTION("label 1") {
    ObjectiveResult r = obj.evaluate(obs, {1, {}});
    CHECK(r.loss == Approx(std::log1p(std::exp(1.0))).epsilon(1e-14));
    CHECK_FALSE(r.correct);
    CHECK(r.dloss_dtrace[2] == Approx(p0).epsilon(1e-14));
    CHECK(r.dloss_dtrace[1] == Approx(-p0).epsilon(1e-14));
  }
}

TEST_CASE("classification_max follows SURROGATE.md's tie rule", "[unit][objective]") {
  ClassificationMax obj;
  SECTION("a readout that stays at its structural zeros puts its gradient at t = 0") {
    // Unit 1 never rises above 0 (negative readout weights): its max 0 is tied at t = 0..3.
    auto obs = trace_obs(5, 2, {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.7, -0.2});
    ObjectiveResult r = obj.evaluate(obs, {0, {}});
    const double p1 = 1.0 / (1.0 + std::exp(0.7));
    for (std::size_t t = 0; t < 5; ++t) {
      INFO("t = " << t);
      CHECK(r.dloss_dtrace[t * 2 + 1] == Approx(t == 0 ? p1 : 0.0).margin(1e-15));
      CHECK(r.dloss_dtrace[t * 2 + 0] == Approx(t == 4 ? -p1 : 0.0).margin(1e-15));
    }
  }
  SECTION("equal maxima across units are not correct for either label") {
    auto obs = trace_obs(2, 2, {0.0, 0.0, 1.0, 1.0});
    for (std::int64_t label : {0, 1}) {
      ObjectiveResult r = obj.evaluate(obs, {label, {}});
      CHECK_FALSE(r.correct);
      CHECK(r.loss == Approx(std::log(2.0)).epsilon(1e-15));
    }
  }
}

TEST_CASE("classification_max is stable for large traces", "[unit][objective]") {
  ClassificationMax obj;
  auto obs = trace_obs(2, 3, {0.0, 0.0, 0.0, 1000.0, 990.0, -1000.0});
  ObjectiveResult r = obj.evaluate(obs, {1, {}});
  CHECK(std::isfinite(r.loss));
  CHECK(r.loss == Approx(10.0 + std::log1p(std::exp(-10.0))).epsilon(1e-14));
  CHECK(r.dloss_dtrace[3] == Approx(1.0 / (1.0 + std::exp(-10.0))).epsilon(1e-14));
}

TEST_CASE("classification_count matches a hand-computed case", "[unit][objective]") {
  ClassificationCount obj(0.5);
  CHECK(obj.reads() == "counts");
  // scores = 0.5 * (3, 1) = (1.5, 0.5): the same softmax as above.
  const double p0 = 1.0 / (1.0 + std::exp(-1.0));
  ObjectiveResult r = obj.evaluate(count_obs({3.0, 1.0}), {0, {}});
  CHECK(r.loss == Approx(std::log1p(std::exp(-1.0))).epsilon(1e-14));
  CHECK(r.reward == -r.loss);
  CHECK(r.correct);
  CHECK(r.dloss_dtrace.empty());
  REQUIRE(r.dloss_dcounts.size() == 2);
  CHECK(r.dloss_dcounts[0] == Approx(0.5 * (p0 - 1.0)).epsilon(1e-14));
  CHECK(r.dloss_dcounts[1] == Approx(0.5 * (1.0 - p0)).epsilon(1e-14));

  // Tied counts (here a silent network) are correct for no label.
  CHECK_FALSE(obj.evaluate(count_obs({0.0, 0.0, 0.0}), {0, {}}).correct);
  CHECK(obj.evaluate(count_obs({0.0, 0.0, 0.0}), {0, {}}).loss ==
        Approx(std::log(3.0)).epsilon(1e-15));
}

TEST_CASE("regression matches a hand-computed case", "[unit][objective]") {
  Regression obj;
  CHECK(obj.reads() == "trace");
  ObjectiveResult r =
      obj.evaluate(trace_obs(2, 2, {1.0, 2.0, 3.0, 4.0}), {-1, {0.0, 2.0, 5.0, 4.0}});
  CHECK(r.loss == 2.5);  // 0.5 * (1 + 0 + 4 + 0), exact in binary
  CHECK(r.reward == -2.5);
  CHECK_FALSE(r.correct);
  CHECK(r.dloss_dtrace == std::vector<double>{1.0, 0.0, -2.0, 0.0});
  CHECK(r.dloss_dcounts.empty());
  // No time steps: nothing to fit, zero loss.
  CHECK(obj.evaluate(trace_obs(0, 2, {}), {}).loss == 0.0);
}

TEST_CASE("target_count matches a hand-computed case", "[unit][objective]") {
  SECTION("targets from the config") {
    TargetCount obj({5.0, 10.0});
    CHECK(obj.reads() == "counts");
    ObjectiveResult r = obj.evaluate(count_obs({7.0, 6.0}), {});
    CHECK(r.loss == 10.0);  // 0.5 * (4 + 16)
    CHECK(r.reward == -10.0);
    CHECK(r.dloss_dcounts == std::vector<double>{2.0, -4.0});
    CHECK(r.dloss_dtrace.empty());
  }
  SECTION("targets from the trial") {
    TargetCount obj;
    ObjectiveResult r = obj.evaluate(count_obs({7.0, 6.0}), {-1, {7.0, 8.0}});
    CHECK(r.loss == 2.0);
    CHECK(r.dloss_dcounts == std::vector<double>{0.0, -2.0});
  }
}

TEST_CASE("every objective's gradient matches central finite differences", "[unit][objective]") {
  const std::size_t T = 7, n = 4;
  // Distinct random values: no tie within a unit is closer than the step h.
  auto trace = random_values(T * n, -2.0, 3.0, 1);
  SECTION("classification_max") {
    for (std::int64_t label = 0; label < static_cast<std::int64_t>(n); ++label)
      check_gradient_fd(ClassificationMax(), trace_obs(T, n, trace), {label, {}});
  }
  SECTION("classification_count") {
    check_gradient_fd(ClassificationCount(0.3), count_obs({4.0, 9.0, 0.0, 6.0}), {2, {}});
    check_gradient_fd(ClassificationCount(2.0), count_obs({4.0, 9.0, 0.0, 6.0}), {1, {}});
  }
  SECTION("regression") {
    check_gradient_fd(Regression(), trace_obs(T, n, trace), {-1, random_values(T * n, -1, 1, 2)});
  }
  SECTION("target_count") {
    check_gradient_fd(TargetCount({1.0, 2.0, 3.0, 4.0}), count_obs({4.0, 9.0, 0.0, 6.0}), {});
    check_gradient_fd(TargetCount(), count_obs({4.0, 9.0, 0.0, 6.0}), {-1, {0.0, 0.5, 8.0, 6.0}});
  }
}

TEST_CASE("objectives reject observations and targets that do not fit", "[unit][objective]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ClassificationMax cmax;
  CHECK_THROWS_WITH(cmax.evaluate(trace_obs(2, 2, {1, 2, 3}), {0, {}}),
                    Contains("classification_max") && Contains("trace has 3 values"));
  CHECK_THROWS_WITH(cmax.evaluate(trace_obs(2, 2, {1, 2, 3, 4}), {2, {}}), Contains("label 2"));
  CHECK_THROWS_WITH(cmax.evaluate(trace_obs(2, 2, {1, 2, 3, 4}), {-1, {}}), Contains("label -1"));
  CHECK_THROWS_WITH(cmax.evaluate(trace_obs(0, 2, {}), {0, {}}), Contains("T = 0"));
  CHECK_THROWS_WITH(cmax.evaluate(trace_obs(1, 0, {}), {0, {}}), Contains("n = 0"));
  CHECK_THROWS_WITH(cmax.evaluate(trace_obs(1, 2, {1, nan}), {0, {}}),
                    Contains("trace[1] is not finite"));

  ClassificationCount ccount;
  CHECK_THROWS_WITH(ccount.evaluate(trace_obs(1, 2, {1, 2}), {0, {}}),
                    Contains("counts has 0 values"));
  CHECK_THROWS_WITH(ccount.evaluate(count_obs({1, 2}), {5, {}}), Contains("label 5"));
  CHECK_THROWS_WITH(ClassificationCount(-1.0), Contains("scale") && Contains("> 0"));
  CHECK_THROWS_WITH(ClassificationCount(nan), Contains("scale"));

  Regression reg;
  CHECK_THROWS_WITH(reg.evaluate(trace_obs(2, 2, {1, 2, 3, 4}), {-1, {1, 2}}),
                    Contains("target has 2 values"));
  CHECK_THROWS_WITH(reg.evaluate(trace_obs(1, 2, {1, 2}), {-1, {0, nan}}),
                    Contains("target[1] is not finite"));

  TargetCount fixed({1.0, 2.0});
  TargetCount per_trial;
  CHECK_THROWS_WITH(fixed.evaluate(count_obs({1, 2}), {-1, {1, 2}}), Contains("both"));
  CHECK_THROWS_WITH(per_trial.evaluate(count_obs({1, 2}), {}), Contains("no targets"));
  CHECK_THROWS_WITH(fixed.evaluate(count_obs({1, 2, 3}), {}),
                    Contains("config's targets have 2 values"));
  CHECK_THROWS_WITH(per_trial.evaluate(count_obs({1, 2}), {-1, {1, -2}}), Contains(">= 0"));
  CHECK_THROWS_WITH(TargetCount({1.0, -2.0}), Contains("targets[1]"));
}

TEST_CASE("make_objective builds each kind from its TOML table", "[unit][objective]") {
  CHECK(from_toml(R"(kind = "classification_max")")->name() == "classification_max");
  CHECK(from_toml(R"(kind = "regression")")->name() == "regression");

  auto count = from_toml(R"(kind = "classification_count", scale = 0.25)");
  REQUIRE(count->name() == "classification_count");
  CHECK(dynamic_cast<ClassificationCount&>(*count).scale() == 0.25);
  auto count_default = from_toml(R"(kind = "classification_count")");
  CHECK(dynamic_cast<ClassificationCount&>(*count_default).scale() == 1.0);

  auto target = from_toml(R"(kind = "target_count", targets = [5.0, 10])");
  REQUIRE(target->name() == "target_count");
  CHECK(dynamic_cast<TargetCount&>(*target).targets() == std::vector<double>{5.0, 10.0});
  auto per_trial = from_toml(R"(kind = "target_count")");
  CHECK(dynamic_cast<TargetCount&>(*per_trial).targets().empty());
}

TEST_CASE("make_objective rejects bad configs with the key and a hint", "[unit][objective]") {
  CHECK_THROWS_WITH(from_toml(R"(kind = "clasification_max")"),
                    Contains("objective.toml:1: objective.kind") &&
                        Contains("did you mean 'classification_max'?"));
  CHECK_THROWS_WITH(from_toml(R"(kind = "softmax")"), Contains("must be one of"));
  CHECK_THROWS_WITH(from_toml("scale = 1.0"),
                    Contains("objective.kind") && Contains("missing required key"));
  CHECK_THROWS_WITH(
      from_toml(R"(kind = "classification_count", scael = 2.0)"),
      Contains("objective.scael") && Contains("unknown key") && Contains("did you mean 'scale'?"));
  CHECK_THROWS_WITH(from_toml(R"(kind = "classification_count", scale = -1.0)"),
                    Contains("objective.scale = -1") && Contains("must be a finite number > 0"));
  CHECK_THROWS_WITH(from_toml(R"(kind = "classification_count", scale = 0)"),
                    Contains("objective.scale") && Contains("> 0"));
  CHECK_THROWS_WITH(from_toml(R"(kind = "classification_count", scale = "big")"),
                    Contains("expected a number"));
  // A key that belongs to another kind is unknown here.
  CHECK_THROWS_WITH(from_toml(R"(kind = "regression", scale = 1.0)"),
                    Contains("objective.scale") && Contains("unknown key"));
  CHECK_THROWS_WITH(from_toml(R"(kind = "target_count", target = [1.0])"),
                    Contains("objective.target") && Contains("did you mean 'targets'?"));
  CHECK_THROWS_WITH(from_toml(R"(kind = "target_count", targets = [1.0, -3.0])"),
                    Contains("objective.targets") && Contains("element 1") && Contains(">= 0"));
  CHECK_THROWS_WITH(from_toml(R"(kind = "target_count", targets = [])"),
                    Contains("objective.targets") && Contains("must not be empty"));
}
