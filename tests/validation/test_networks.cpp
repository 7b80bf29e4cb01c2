// Tiny networks with spike times known in advance: a chain, a ring read from an edge file, a loop.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "../support.hpp"
#include "sim/input_files.hpp"

using namespace apical;
using Catch::Matchers::WithinAbs;

TEST_CASE("chain with delays: each spike is the previous one plus the delay, off-grid offsets kept",
          "[validation][network]") {
  // lif_psc_delta with a jump far above threshold fires at the arrival time exactly.
  const char* chain = R"(
[simulation]
dt = 0.1
duration = 20.0
[populations.g]
model = "spike_generator"
size = 1
params = { node_ids = [0], times = [1.03] }
[populations.a]
model = "lif_psc_delta"
size = 1
[populations.b]
model = "lif_psc_delta"
size = 1
[populations.c]
model = "lif_psc_delta"
size = 1
[projections.g_a]
source = "g"
target = "a"
connectivity = { rule = "one_to_one" }
weight = 100.0
delay = 1.0
[projections.a_b]
source = "a"
target = "b"
connectivity = { rule = "one_to_one" }
weight = 100.0
delay = 2.0
[projections.b_c]
source = "b"
target = "c"
connectivity = { rule = "one_to_one" }
weight = 100.0
delay = 1.5
)";
  Network net = test::network(chain);
  auto out = test::run(net);
  auto t = [&](const char* pop) { return test::spike_times_ms(out, net.population_index(pop), 0); };
  REQUIRE(t("a").size() == 1);
  REQUIRE(t("b").size() == 1);
  REQUIRE(t("c").size() == 1);
  CHECK_THAT(t("a")[0], WithinAbs(2.03, 1e-12));
  CHECK_THAT(t("b")[0], WithinAbs(4.03, 1e-12));
  CHECK_THAT(t("c")[0], WithinAbs(5.53, 1e-12));
}

TEST_CASE("ring of three neurons from an edge file: activity circulates with period 3 delays",
          "[validation][network]") {
  auto dir = std::filesystem::temp_directory_path() / ("apical_ring_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  EdgeList ring{{0, 1, 2}, {1, 2, 0}, {100.0, 100.0, 100.0}, {1.2, 0.7, 1.0}};
  write_edge_file((dir / "ring.h5").string(), "ring", ring, "r", "r");
  EdgeList kick{{0}, {0}, {100.0}, {0.5}};
  write_edge_file((dir / "kick.h5").string(), "kick", kick, "g", "r");
  std::string cfg = R"(
[simulation]
dt = 0.1
duration = 12.0
[populations.g]
model = "spike_generator"
size = 1
params = { node_ids = [0], times = [0.55] }
[populations.r]
model = "lif_psc_delta"
size = 3
params = { t_ref = 1.0 }
[projections.kick]
source = "g"
target = "r"
connectivity = { rule = "file", file = ")" + (dir / "kick.h5").string() + R"(" }
[projections.ring]
source = "r"
target = "r"
connectivity = { rule = "file", file = ")" + (dir / "ring.h5").string() + R"(" }
)";
  auto out = test::run(cfg);
  // Node 0 at 1.05 + 2.9 k (2.9 = 1.2 + 0.7 + 1.0; delays are whole steps), node 1 1.2 ms later, node 2 0.7 after that.
  for (std::uint32_t n = 0; n < 3; ++n) {
    auto t = test::spike_times_ms(out, 1, n);
    double first = 1.05 + (n >= 1 ? 1.2 : 0.0) + (n >= 2 ? 0.7 : 0.0);
    INFO("node " << n);
    REQUIRE(t.size() == static_cast<std::size_t>(std::floor((12.0 - first) / 2.9)) + 1);
    for (std::size_t k = 0; k < t.size(); ++k) CHECK_THAT(t[k], WithinAbs(first + 2.9 * k, 1e-9));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("two-neuron loop: a -> b -> a", "[validation][network]") {
  const char* loop = R"(
[simulation]
dt = 0.1
duration = 10.2
[populations.g]
model = "spike_generator"
size = 1
params = { node_ids = [0], times = [0.55] }
[populations.a]
model = "lif_psc_delta"
size = 1
params = { t_ref = 1.0 }
[populations.b]
model = "lif_psc_delta"
size = 1
params = { t_ref = 1.0 }
[projections.kick]
source = "g"
target = "a"
connectivity = { rule = "one_to_one" }
weight = 100.0
delay = 0.5
[projections.ab]
source = "a"
target = "b"
connectivity = { rule = "one_to_one" }
weight = 100.0
delay = 1.2
[projections.ba]
source = "b"
target = "a"
connectivity = { rule = "one_to_one" }
weight = 100.0
delay = 0.8
)";
  Network net = test::network(loop);
  auto out = test::run(net);
  auto a = test::spike_times_ms(out, net.population_index("a"), 0);
  auto b = test::spike_times_ms(out, net.population_index("b"), 0);
  // a fires at 1.05 + 2k, b at 2.25 + 2k, while before 10.2 ms.
  REQUIRE(a.size() == 5);
  REQUIRE(b.size() == 4);
  for (std::size_t k = 0; k < a.size(); ++k) CHECK_THAT(a[k], WithinAbs(1.05 + 2.0 * k, 1e-9));
  for (std::size_t k = 0; k < b.size(); ++k) CHECK_THAT(b[k], WithinAbs(2.25 + 2.0 * k, 1e-9));
}

TEST_CASE("rate units send graded outputs with the projection's delay", "[validation][network][rate]") {
  // a (tau 0, relu) driven by a dc current of 2 from step 0; b (tau 3 ms, tanh) gets 0.5 * a's
  // output with a 1-step delay. Reference: the recursion of models/rate_unit.hpp, written here.
  const char* cfg = R"(
[simulation]
dt = 1.0
duration = 20.0
[populations.a]
model = "rate_unit"
size = 1
params = { phi = "relu" }
[populations.b]
model = "rate_unit"
size = 1
params = { tau = 3.0, phi = "tanh" }
[projections.ab]
source = "a"
target = "b"
connectivity = { rule = "all_to_all" }
weight = 0.5
delay = 1.0
[inputs.drive]
kind = "dc"
target = "a"
amplitude = 2.0
[[output.reports]]
population = "b"
variables = ["V_m", "rate"]
)";
  Network net = test::network(cfg);
  CHECK(net.output.spike_populations.empty());  // rate units are reported, not spike-recorded
  auto out = test::run(net);
  const auto& rows = out.samples[0];  // per step: V_m, rate of b
  REQUIRE(rows.size() == 40);
  double ua = 0, ub = 0, a_out_prev = 0;  // a's output sent at step t-1 arrives at step t
  const double decay = std::exp(-1.0 / 3.0);
  for (int t = 0; t < 20; ++t) {
    INFO("step " << t);
    CHECK_THAT(rows[2 * t], WithinAbs(ub, 1e-15));
    CHECK_THAT(rows[2 * t + 1], WithinAbs(std::tanh(ub), 1e-15));
    double a_out = std::max(ua, 0.0);
    ub = decay * ub + (1 - decay) * 0.5 * a_out_prev;
    ua = 2.0;  // tau = 0: u_{t+1} = x_t = the dc current
    a_out_prev = a_out;
  }
}
