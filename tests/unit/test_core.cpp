// core/: time arithmetic, random streams, the config accessor's checks and messages.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "core/config.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"

using namespace apical;
using Catch::Matchers::Contains;

TEST_CASE("time: (step, offset) arithmetic stays normalised and exact", "[unit][time]") {
  Grid g{0.1};
  Time t = g.add(Time{10, 0.05}, 0.07);
  CHECK(t.step == 11);
  CHECK(t.offset == Approx(0.02).margin(1e-15));
  CHECK(g.diff(Time{10, 0.05}, t) == Approx(0.07).margin(1e-15));
  CHECK(g.add(Time{5, 0.0}, 0.0) == Time{5, 0.0});
  CHECK(Time{5, 0.01} < Time{5, 0.02});
  CHECK(Time{4, 0.09} < Time{5, 0.0});
  // No drift: the millionth step is a product, not a sum.
  CHECK(g.ms(Step{1000000}) == 100000.0);
  CHECK(g.steps_exact(1.0) == 10);
  CHECK(g.steps_exact(0.15) == -1);
  Time big = g.from_ms(123456.789);
  CHECK(big.offset >= 0.0);
  CHECK(big.offset < 0.1);
  CHECK(g.ms(big) == Approx(123456.789).epsilon(1e-15));
}

TEST_CASE("rng: streams are pure functions of (seed, kind, owner, entity, position)", "[unit][rng]") {
  RandomStream a(42, StreamKind::poisson, 1, 7), b(42, StreamKind::poisson, 1, 7);
  RandomStream other_entity(42, StreamKind::poisson, 1, 8), other_kind(42, StreamKind::noise, 1, 7);
  double x = a.uniform();
  CHECK(x == b.uniform());
  CHECK(x != other_entity.uniform());
  CHECK(x != other_kind.uniform());
  // Statistics of 200000 draws: uniform mean and variance, normal mean and variance.
  RandomStream r(1, StreamKind::noise, 0, 0);
  const int n = 200000;
  double s = 0, s2 = 0, z = 0, z2 = 0;
  for (int i = 0; i < n; ++i) {
    double u = r.uniform();
    REQUIRE(u > 0.0);
    REQUIRE(u < 1.0);
    s += u; s2 += u * u;
    double g = r.normal();
    z += g; z2 += g * g;
  }
  CHECK(s / n == Approx(0.5).margin(0.005));
  CHECK(s2 / n - (s / n) * (s / n) == Approx(1.0 / 12).margin(0.002));
  CHECK(z / n == Approx(0.0).margin(0.01));
  CHECK(z2 / n == Approx(1.0).margin(0.01));
  // below(n) is uniform over [0, n).
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) ++counts[r.below(7)];
  for (int c : counts) CHECK(c == Approx(10000).margin(400));
  // geometric(p): mean (1 - p) / p.
  double gsum = 0;
  for (int i = 0; i < 100000; ++i) gsum += static_cast<double>(r.geometric(0.2));
  CHECK(gsum / 100000 == Approx(4.0).margin(0.1));
}

TEST_CASE("config: values, defaults and checks", "[unit][config]") {
  auto c = ConfigNode::parse("a = 1.5\nn = 3\ns = \"x\"\nb = true\nv = [1, 2.5]\n[t]\nk = 2\n", "c.toml");
  CHECK(c.number("a") == 1.5);
  CHECK(c.number("n") == 3.0);  // integers are numbers
  CHECK(c.number("missing", 7.0) == 7.0);
  CHECK(c.integer("n") == 3);
  CHECK(c.string("s") == "x");
  CHECK(c.boolean("b"));
  CHECK(c.numbers("v") == std::vector<double>{1.0, 2.5});
  CHECK(c.table("t").integer("k") == 2);
  CHECK(c.table("t").path() == "t");
  c.table("t").finish();
  c.finish();
}

TEST_CASE("config: every error names file, line, key path, value and rule", "[unit][config]") {
  auto c = ConfigNode::parse("x = 1\n[pop]\ntau_m = -5.0\nname = \"lif\"\nn = 2.5\nbad = nan\n", "net.toml");
  auto p = c.table("pop");
  REQUIRE_THROWS_WITH(p.number("tau_m", Check::positive("ms")),
                      Contains("net.toml:3: pop.tau_m = -5") && Contains("must be a finite number > 0 (ms)"));
  REQUIRE_THROWS_WITH(p.number("name"), Contains("pop.name") && Contains("expected a number, got a string"));
  REQUIRE_THROWS_WITH(p.integer("n"), Contains("expected an integer, got a number"));
  REQUIRE_THROWS_WITH(p.number("bad"), Contains("pop.bad = nan") && Contains("finite"));
  REQUIRE_THROWS_WITH(p.number("absent"), Contains("pop.absent") && Contains("missing required key"));
  REQUIRE_THROWS_WITH(p.choice("name", {"lif_psc_exp", "lif_psc_delta"}), Contains("must be one of"));
  REQUIRE_THROWS_WITH(p.choice("name", {"lif_psc_exp", "lim"}), Contains("did you mean 'lim'"));
  REQUIRE_THROWS_WITH(p.integer("n", {}, 0), Contains("expected an integer"));
}

TEST_CASE("config: unknown keys are errors with a did-you-mean hint", "[unit][config]") {
  auto c = ConfigNode::parse("[p]\ntau_M = 5.0\n", "f.toml");
  auto p = c.table("p");
  p.number("tau_m", 10.0);
  REQUIRE_THROWS_WITH(p.finish(), Contains("f.toml:2: p.tau_M") && Contains("unknown key; did you mean 'tau_m'?"));
  auto d = ConfigNode::parse("zzz = 1\n", "g.toml");
  d.number("alpha", 1.0);
  REQUIRE_THROWS_WITH(d.finish(), Contains("unknown key") && !Contains("did you mean"));
}

TEST_CASE("config: syntax errors and unreadable files", "[unit][config]") {
  REQUIRE_THROWS_WITH(ConfigNode::parse("a = \n", "broken.toml"), Contains("broken.toml:1") && Contains("syntax"));
  REQUIRE_THROWS_WITH(ConfigNode::load_file("/nonexistent/x.toml"), Contains("cannot open"));
}

TEST_CASE("config: nearest name", "[unit][config]") {
  CHECK(nearest("lif_psc_exq", {"lif_psc_exp", "lif_psc_delta"}) == "lif_psc_exp");
  CHECK(nearest("completely_different", {"tau_m"}).empty());
  CHECK(edit_distance("kitten", "sitting") == 3);
}
