// sim/build_projections.cpp: connectivity rules, weight and delay distributions, seeding, and
// the edge-file rule, inspected in the built projections (rows by source, targets, weights, delays).
//
// Statistical checks use 5 standard errors, the standard error stated next to each check; the
// builds are seeded, so the numbers are the same on every machine.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <sstream>

#include "../support.hpp"
#include "sim/input_files.hpp"

using namespace apical;
using Catch::Matchers::Contains;

namespace {

// Two populations "a" (n_a) and "b" (n_b) of lif_psc_delta and one projection "p" whose table
// body is `body` (source, target, connectivity, weight, delay ...).
std::string two_pops(std::size_t n_a, std::size_t n_b, const std::string& body, std::uint64_t seed = 12345,
                     double h = 0.1) {
  std::ostringstream os;
  os << "[simulation]\ndt = " << h << "\nduration = 1.0\nseed = " << seed << "\n";
  os << "[populations.a]\nmodel = \"lif_psc_delta\"\nsize = " << n_a << "\n";
  os << "[populations.b]\nmodel = \"lif_psc_delta\"\nsize = " << n_b << "\n";
  os << "[projections.p]\n" << body << "\n";
  return os.str();
}

// The synapses as (pre, post) pairs in storage order, checking the row structure on the way:
// offsets non-decreasing from 0 to size(), each row sorted by target.
std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs_of(const Projection& p) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  REQUIRE(p.row.front() == 0);
  REQUIRE(p.row.back() == p.size());
  REQUIRE(p.weight.size() == p.size());
  bool rows_ordered = true, rows_sorted = true;
  for (std::size_t i = 0; i + 1 < p.row.size(); ++i) {
    rows_ordered = rows_ordered && p.row[i] <= p.row[i + 1];
    for (std::uint64_t k = p.row[i]; k < p.row[i + 1] && k < p.size(); ++k) {
      rows_sorted = rows_sorted && (k == p.row[i] || p.post[k - 1] <= p.post[k]);
      out.emplace_back(static_cast<std::uint32_t>(i), p.post[k]);
    }
  }
  REQUIRE(rows_ordered);
  REQUIRE(rows_sorted);
  return out;
}

bool has_duplicates(std::vector<std::pair<std::uint32_t, std::uint32_t>> v) {
  std::sort(v.begin(), v.end());
  return std::adjacent_find(v.begin(), v.end()) != v.end();
}

std::size_t autapse_count(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& v) {
  return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [](auto& e) { return e.first == e.second; }));
}

bool same_projection(const Projection& x, const Projection& y) {
  return x.row == y.row && x.post == y.post && x.weight == y.weight && x.delay == y.delay &&
         x.common_delay == y.common_delay && x.min_delay == y.min_delay && x.max_delay == y.max_delay;
}

struct Moments {
  double mean = 0, sd = 0;
};
Moments moments(const std::vector<double>& x) {
  double n = static_cast<double>(x.size());
  double m = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double ss = 0;
  for (double v : x) ss += (v - m) * (v - m);
  return {m, std::sqrt(ss / (n - 1))};
}

}  // namespace

TEST_CASE("all_to_all and one_to_one: every pair, autapses as asked", "[unit][connectivity]") {
  SECTION("between two populations") {
    Network net = test::network(two_pops(7, 5, "source = \"a\"\ntarget = \"b\"\n"
                                               "connectivity = { rule = \"all_to_all\", autapses = false }\n"
                                               "weight = 1.5\ndelay = 1.0"));
    const Projection& p = net.projections[0];
    auto e = pairs_of(p);
    // autapses = false removes nothing between different populations.
    REQUIRE(e.size() == 35u);
    for (std::size_t k = 0; k < e.size(); ++k) {
      CHECK(e[k].first == k / 5);
      CHECK(e[k].second == k % 5);
    }
    CHECK(std::all_of(p.weight.begin(), p.weight.end(), [](double w) { return w == 1.5; }));
  }
  SECTION("onto itself") {
    for (bool autapses : {true, false}) {
      Network net = test::network(two_pops(6, 1, std::string("source = \"a\"\ntarget = \"a\"\n") +
                                                     "connectivity = { rule = \"all_to_all\", autapses = " +
                                                     (autapses ? "true" : "false") + " }\nweight = 1.0\ndelay = 1.0"));
      auto e = pairs_of(net.projections[0]);
      INFO("autapses = " << autapses);
      CHECK(e.size() == (autapses ? 36u : 30u));
      CHECK(autapse_count(e) == (autapses ? 6u : 0u));
      CHECK_FALSE(has_duplicates(e));
    }
  }
  SECTION("one_to_one") {
    Network net = test::network(two_pops(9, 9, "source = \"a\"\ntarget = \"b\"\n"
                                               "connectivity = { rule = \"one_to_one\" }\nweight = -2.0\ndelay = 0.5"));
    auto e = pairs_of(net.projections[0]);
    REQUIRE(e.size() == 9u);
    for (std::uint32_t i = 0; i < 9; ++i) CHECK(e[i] == std::make_pair(i, i));
    REQUIRE_THROWS_WITH(test::network(two_pops(9, 8, "source = \"a\"\ntarget = \"b\"\n"
                                                     "connectivity = { rule = \"one_to_one\" }\nweight = 1.0\ndelay = 1.0")),
                        Contains("one_to_one needs populations of equal size (9 and 8)"));
  }
}

TEST_CASE("fixed_probability: count, uniform targets, no duplicates, autapses", "[unit][connectivity]") {
  const double p = 0.1;
  const std::size_t n = 600;
  for (bool autapses : {true, false}) {
    Network net = test::network(two_pops(n, 1, std::string("source = \"a\"\ntarget = \"a\"\n") +
                                                   "connectivity = { rule = \"fixed_probability\", p = 0.1, autapses = " +
                                                   (autapses ? "true" : "false") + " }\nweight = 1.0\ndelay = 1.0"));
    auto e = pairs_of(net.projections[0]);
    INFO("autapses = " << autapses << ", synapses " << e.size());
    // Each of the N candidate pairs independently with probability p: binomial, sd sqrt(N p (1-p))
    // (600 here, against 36000 expected).
    const double N = static_cast<double>(n * n - (autapses ? 0 : n));
    CHECK(std::fabs(static_cast<double>(e.size()) - N * p) < 5 * std::sqrt(N * p * (1 - p)));
    CHECK_FALSE(has_duplicates(e));
    if (!autapses) CHECK(autapse_count(e) == 0u);
    else CHECK(std::fabs(static_cast<double>(autapse_count(e)) - n * p) < 5 * std::sqrt(n * p * (1 - p)));
    // Targets are uniform, the first and the last included (an off-by-one in the geometric gaps
    // would starve target 0 or n-1): in-degrees are binomial(n_pre, p), sd sqrt(n p (1-p)) = 7.3.
    std::vector<double> indegree(n, 0.0);
    for (auto& [i, j] : e) indegree[j] += 1;
    const double m = static_cast<double>(n - (autapses ? 0 : 1)) * p, sd = std::sqrt(m * (1 - p));
    CHECK(std::fabs(indegree[0] - m) < 5 * sd);
    CHECK(std::fabs(indegree[n - 1] - m) < 5 * sd);
    // The first target of each source is hit as often as any: over 600 rows, target 0..9 of
    // each row together receive 10 p n = 600 synapses, sd sqrt(600 (1-p)) = 23.
    double low_targets = 0;
    for (std::size_t j = 0; j < 10; ++j) low_targets += indegree[j];
    const double m10 = 10 * m;
    CHECK(std::fabs(low_targets - m10) < 5 * std::sqrt(m10 * (1 - p)));
    // The in-degree spread is binomial: its variance n p (1-p) = 54, estimated from 600 values
    // with relative standard error sqrt(2/600) = 5.8 %.
    Moments md = moments(indegree);
    CHECK(std::fabs(md.sd * md.sd / (sd * sd) - 1) < 5 * std::sqrt(2.0 / n));
  }
  SECTION("p = 0 and p = 1") {
    Network none = test::network(two_pops(50, 40, "source = \"a\"\ntarget = \"b\"\n"
                                                  "connectivity = { rule = \"fixed_probability\", p = 0.0 }\nweight = 1.0\ndelay = 1.0"));
    CHECK(none.projections[0].size() == 0u);
    Network all = test::network(two_pops(50, 40, "source = \"a\"\ntarget = \"b\"\n"
                                                 "connectivity = { rule = \"fixed_probability\", p = 1.0 }\nweight = 1.0\ndelay = 1.0"));
    CHECK(all.projections[0].size() == 2000u);
    CHECK_FALSE(has_duplicates(pairs_of(all.projections[0])));
  }
}

TEST_CASE("fixed_probability: a tiny p gives no synapses", "[unit][connectivity]") {
  // 100 x 100 candidate pairs: the expected count is 1e-296 and 1e-15, so 0.
  //
  // Regression: floor(log(u) / log1p(-p)) exceeds every integer type for p below ~1e-18; the
  // unbounded conversion to uint64 was undefined (0 on x86-64), and p = 1e-300 built all 10000
  // synapses. RandomStream::geometric now caps the gap.
  for (const char* p : {"1e-300", "1e-19"}) {
    Network net = test::network(two_pops(100, 1, std::string("source = \"a\"\ntarget = \"a\"\n") +
                                                     "connectivity = { rule = \"fixed_probability\", p = " + p +
                                                     " }\nweight = 1.0\ndelay = 1.0"));
    INFO("p = " << p);
    CHECK(net.projections[0].size() == 0u);
  }
}

TEST_CASE("fixed_indegree and fixed_outdegree: exact degrees, multapses and autapses as asked",
          "[unit][connectivity]") {
  const std::size_t n = 200, K = 60;
  for (const char* rule : {"fixed_indegree", "fixed_outdegree"}) {
    const bool in = std::string(rule) == "fixed_indegree";
    for (bool multapses : {true, false}) {
      for (bool autapses : {true, false}) {
        std::string body = std::string("source = \"a\"\ntarget = \"a\"\nconnectivity = { rule = \"") + rule +
                           "\", " + (in ? "indegree" : "outdegree") + " = 60, multapses = " +
                           (multapses ? "true" : "false") + ", autapses = " + (autapses ? "true" : "false") +
                           " }\nweight = 1.0\ndelay = 1.0";
        Network net = test::network(two_pops(n, 1, body));
        auto e = pairs_of(net.projections[0]);
        INFO(rule << ", multapses = " << multapses << ", autapses = " << autapses);
        REQUIRE(e.size() == n * K);
        std::vector<std::size_t> degree(n, 0);     // the fixed side
        std::vector<double> other(n, 0.0);         // the random side
        for (auto& [i, j] : e) {
          ++degree[in ? j : i];
          other[in ? i : j] += 1;
        }
        CHECK(std::all_of(degree.begin(), degree.end(), [&](std::size_t d) { return d == K; }));
        if (!autapses) CHECK(autapse_count(e) == 0u);
        if (!multapses) CHECK_FALSE(has_duplicates(e));
        // With multapses the partners are independent uniform draws: a fair share of repeats.
        // Per fixed-side neuron, E[#distinct] = m (1 - (1 - 1/m)^K) with m partners available;
        // the repeats over all 200 neurons total ~ 200 * 8.4, so "some" is a safe floor.
        if (multapses) CHECK(has_duplicates(e));
        // The random side is uniform: each of its neurons receives on average K (all neurons in
        // one population); the chi-square statistic of those counts has mean ~ n - 1 = 199 and sd
        // ~ sqrt(2 (n - 1)) = 20 for multinomial draws (less without multapses).
        double chi2 = 0;
        for (double c : other) chi2 += (c - K) * (c - K) / K;
        CHECK(chi2 < 199 + 5 * 20);
        CHECK(chi2 > (multapses ? 199 - 5 * 20 : 50));  // not suspiciously even either
      }
    }
  }
  SECTION("without multapses the degree cannot exceed the partners") {
    REQUIRE_THROWS_WITH(test::network(two_pops(10, 1, "source = \"a\"\ntarget = \"a\"\nconnectivity = { rule = "
                                                      "\"fixed_indegree\", indegree = 10, multapses = false, autapses = false }\n"
                                                      "weight = 1.0\ndelay = 1.0")),
                        Contains("exceeds the 9 distinct partners"));
  }
}

TEST_CASE("weights and delays: distributions, rounding to steps, delay fields", "[unit][connectivity]") {
  SECTION("normal and uniform weights") {
    Network net = test::network(two_pops(
        200, 200,
        "source = \"a\"\ntarget = \"b\"\nconnectivity = { rule = \"all_to_all\" }\n"
        "weight = { distribution = \"normal\", mean = 16.2, std = 3.0 }\ndelay = 1.0"));
    const auto& w = net.projections[0].weight;
    REQUIRE(w.size() == 40000u);
    // Mean: standard error std/sqrt(N) = 0.015; sample std: standard error std/sqrt(2N) = 0.011.
    Moments m = moments(w);
    const double N = 40000;
    CHECK(std::fabs(m.mean - 16.2) < 5 * 3.0 / std::sqrt(N));
    CHECK(std::fabs(m.sd - 3.0) < 5 * 3.0 / std::sqrt(2 * N));
    // Normal, not merely right in two moments: 4.55 % beyond 2 std (binomial sd 0.1 %).
    double beyond = 0;
    for (double x : w) beyond += std::fabs(x - 16.2) > 6.0;
    CHECK(std::fabs(beyond / N - 0.0455) < 5 * std::sqrt(0.0455 * 0.9545 / N));

    Network uni = test::network(two_pops(
        200, 200,
        "source = \"a\"\ntarget = \"b\"\nconnectivity = { rule = \"all_to_all\" }\n"
        "weight = { distribution = \"uniform\", low = -2.0, high = 5.0 }\ndelay = 1.0"));
    const auto& u = uni.projections[0].weight;
    CHECK(std::all_of(u.begin(), u.end(), [](double x) { return x >= -2.0 && x < 5.0; }));
    // Uniform on [-2, 5): mean 1.5, std 7/sqrt(12) = 2.02; standard error of the mean 0.010.
    Moments mu = moments(u);
    CHECK(std::fabs(mu.mean - 1.5) < 5 * (7 / std::sqrt(12.0)) / std::sqrt(N));
    // Sample std of a uniform (kurtosis 1.8): standard error sd sqrt(0.8 / (4 N)) = 0.0045.
    CHECK(std::fabs(mu.sd - 7 / std::sqrt(12.0)) < 5 * (7 / std::sqrt(12.0)) * std::sqrt(0.8 / (4 * N)));
    // Each source row draws from its own stream: the rows are not copies of one another.
    CHECK(u[0] != u[200]);
  }
  SECTION("constant delays: rounded to the nearest step, no per-synapse array") {
    struct Case { double ms; Step steps; };
    for (Case c : {Case{1.5, 15}, Case{0.26, 3}, Case{0.24, 2}, Case{0.06, 1}}) {
      Network net = test::network(two_pops(4, 3, "source = \"a\"\ntarget = \"b\"\nconnectivity = { rule = "
                                                  "\"all_to_all\" }\nweight = 1.0\ndelay = " + std::to_string(c.ms)));
      const Projection& p = net.projections[0];
      INFO("delay " << c.ms << " ms");
      CHECK(p.delay.empty());
      CHECK(p.common_delay == c.steps);
      CHECK(p.min_delay == c.steps);
      CHECK(p.max_delay == c.steps);
      CHECK(p.delay_of(5) == c.steps);
      CHECK(net.epoch == c.steps);  // the epoch is the smallest delay
    }
    REQUIRE_THROWS_WITH(test::network(two_pops(4, 3, "source = \"a\"\ntarget = \"b\"\nconnectivity = { rule = "
                                                     "\"all_to_all\" }\nweight = 1.0\ndelay = 0.04")),
                        Contains("delays must be at least one step"));
  }
  SECTION("distributed delays: whole steps, nearest rounding, min and max consistent") {
    // Uniform on [0.5, 3.0) ms with h = 0.1: rounded to the nearest step, steps 6..29 each take a
    // whole step of width (probability 0.1/2.5 = 0.04), the end steps 5 and 30 half a step
    // (0.02) each. Floor or ceiling instead would give 0.04 to 5 or to 30 and nothing to the other.
    Network net = test::network(two_pops(
        300, 100,
        "source = \"a\"\ntarget = \"b\"\nconnectivity = { rule = \"all_to_all\" }\nweight = 1.0\n"
        "delay = { distribution = \"uniform\", low = 0.5, high = 3.0 }"));
    const Projection& p = net.projections[0];
    REQUIRE(p.delay.size() == p.size());
    std::map<Step, double> hist;
    Step lo = 1 << 20, hi = 0;
    for (std::size_t k = 0; k < p.size(); ++k) {
      Step d = p.delay_of(k);
      hist[d] += 1;
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    CHECK(lo == 5);
    CHECK(hi == 30);
    CHECK(p.min_delay == lo);
    CHECK(p.max_delay == hi);
    CHECK(net.epoch == lo);
    const double N = static_cast<double>(p.size());
    for (auto [d, count] : hist) {
      double q = (d == 5 || d == 30) ? 0.02 : 0.04;
      INFO("delay " << d << " steps: " << count << " of " << N);
      CHECK(std::fabs(count / N - q) < 5 * std::sqrt(q * (1 - q) / N));  // binomial, sd <= 0.06 % abs.
    }
    CHECK(hist.size() == 26u);
  }
}

TEST_CASE("connectivity is a function of the seed alone", "[unit][connectivity]") {
  const std::string body =
      "source = \"a\"\ntarget = \"b\"\nconnectivity = { rule = \"fixed_probability\", p = 0.2 }\n"
      "weight = { distribution = \"normal\", mean = 1.0, std = 0.5 }\n"
      "delay = { distribution = \"uniform\", low = 0.5, high = 2.0 }";
  Network x = test::network(two_pops(300, 200, body, 42));
  Network y = test::network(two_pops(300, 200, body, 42));
  Network z = test::network(two_pops(300, 200, body, 43));
  CHECK(same_projection(x.projections[0], y.projections[0]));
  CHECK(x.projections[0].post != z.projections[0].post);
  BuildOverrides o;
  o.seed = 43;
  Network z2 = test::network(two_pops(300, 200, body, 42), o);  // --seed overrides the config's
  CHECK(same_projection(z.projections[0], z2.projections[0]));

  // Other populations before these (indices shift: "a" and "b" become 1 and 2) and another
  // network around them change nothing: the streams are named by (seed, projection, neuron).
  std::string with_more = two_pops(300, 200, body, 42);
  with_more.insert(with_more.find("[populations.a]"),
                   "[populations.aa]\nmodel = \"poisson_generator\"\nsize = 17\nparams = { rate = 5.0 }\n");
  with_more.replace(with_more.find("[populations.a]"), 15, "[populations.ab]");
  with_more.replace(with_more.find("source = \"a\""), 12, "source = \"ab\"");
  Network w = test::network(with_more);
  REQUIRE(w.population_index("ab") == 1);
  CHECK(same_projection(x.projections[0], w.projections[0]));

  // Threads: building is single-threaded and a static projection is not touched by running, at
  // any thread count; a run at 1 and 3 threads leaves identical projections behind.
  Network r1 = test::network(two_pops(300, 200, body, 42));
  Network r3 = test::network(two_pops(300, 200, body, 42));
  test::run(r1, 1);
  test::run(r3, 3);
  CHECK(same_projection(r1.projections[0], x.projections[0]));
  CHECK(same_projection(r3.projections[0], x.projections[0]));
}

TEST_CASE("file rule: synapses, weights and delays from an edge file; config values override", "[unit][connectivity]") {
  auto dir = std::filesystem::temp_directory_path() / ("apical_connectivity_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "edges.h5").string();
  // Unsorted, with a repeated pair (a multapse) and delays that round (0.26 -> 3 steps).
  EdgeList e;
  e.source = {2, 0, 1, 0, 2, 0};
  e.target = {1, 3, 0, 0, 1, 3};
  e.weight = {0.5, -1.25, 2.0, 3.5, 7.0, 4.0};
  e.delay_ms = {1.0, 0.26, 2.5, 1.0, 0.3, 1.7};
  write_edge_file(path, "a_to_b", e, "a", "b");

  auto body = [&](const std::string& extra) {
    return "source = \"a\"\ntarget = \"b\"\nconnectivity = { rule = \"file\", file = \"" + path +
           "\", edges = \"a_to_b\" }\n" + extra;
  };
  {
    Network net = test::network(two_pops(3, 4, body("")));
    const Projection& p = net.projections[0];
    // Sorted by (source, target), file order kept among equal pairs.
    auto pairs = pairs_of(p);
    using P = std::pair<std::uint32_t, std::uint32_t>;
    CHECK(pairs == std::vector<P>{{0, 0}, {0, 3}, {0, 3}, {1, 0}, {2, 1}, {2, 1}});
    CHECK(p.weight == std::vector<double>{3.5, -1.25, 4.0, 2.0, 0.5, 7.0});
    REQUIRE(p.delay.size() == 6u);
    std::vector<Step> d;
    for (std::size_t k = 0; k < p.size(); ++k) d.push_back(p.delay_of(k));
    CHECK(d == std::vector<Step>{10, 3, 17, 25, 10, 3});
    CHECK(p.min_delay == 3);
    CHECK(p.max_delay == 25);
  }
  {
    // A weight in the config replaces the file's; delays still come from the file.
    Network net = test::network(two_pops(3, 4, body("weight = 2.0")));
    const Projection& p = net.projections[0];
    CHECK(std::all_of(p.weight.begin(), p.weight.end(), [](double w) { return w == 2.0; }));
    CHECK(p.delay_of(0) == 10);
    CHECK(p.delay_of(3) == 25);
  }
  {
    // And a delay in the config replaces the file's delays: one common delay, no array.
    Network net = test::network(two_pops(3, 4, body("delay = 0.5")));
    const Projection& p = net.projections[0];
    CHECK(p.delay.empty());
    CHECK(p.common_delay == 5);
    CHECK(p.weight == std::vector<double>{3.5, -1.25, 4.0, 2.0, 0.5, 7.0});
  }
  // Out of range for the populations: refused at load.
  REQUIRE_THROWS_WITH(test::network(two_pops(3, 3, body(""))), Contains("out of range"));
  std::filesystem::remove_all(dir);
}
