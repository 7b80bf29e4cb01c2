// Results never depend on the thread count, nor on whether anything is recorded (DESIGN.md).
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <sstream>

#include "../support.hpp"

using namespace apical;

namespace {

std::string cuba(double duration_ms, bool record) {
  std::ifstream in(std::string(APICAL_SOURCE_DIR) + "/examples/vogels_abbott_cuba.toml");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  text.replace(text.find("duration = 1000.0"), 17, "duration = " + std::to_string(duration_ms));
  if (!record) {
    auto a = text.find("[[output.reports]]");
    auto b = text.find("[populations.exc]");
    text.erase(a, b - a);
  } else {
    // Record every inhibitory neuron too, and the currents: the heaviest sampling there is.
    text += "\n[[output.reports]]\npopulation = \"inh\"\nvariables = [\"V_m\", \"I_ex\", \"I_in\"]\n";
  }
  return text;
}

bool identical(const std::vector<Spike>& a, const std::vector<Spike>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (a[k].step != b[k].step || a[k].node != b[k].node ||
        std::memcmp(&a[k].offset, &b[k].offset, sizeof(double)) != 0)
      return false;
  return true;
}

}  // namespace

TEST_CASE("CUBA: bit-identical spikes at 1, 2 and 3 threads, recording on or off", "[validation][determinism]") {
  auto reference = test::run(cuba(200.0, false), 1);
  std::size_t total = reference.spikes[0].size() + reference.spikes[1].size();
  INFO("spikes in 200 ms: " << total);
  REQUIRE(total > 1000);  // the network is active, so the comparison means something
  for (int threads : {2, 3}) {
    auto other = test::run(cuba(200.0, false), threads);
    INFO("threads = " << threads);
    CHECK(identical(reference.spikes[0], other.spikes[0]));
    CHECK(identical(reference.spikes[1], other.spikes[1]));
  }
  for (int threads : {1, 3}) {
    auto recorded = test::run(cuba(200.0, true), threads);
    INFO("recording on, threads = " << threads);
    CHECK(identical(reference.spikes[0], recorded.spikes[0]));
    CHECK(identical(reference.spikes[1], recorded.spikes[1]));
    REQUIRE(recorded.samples.size() == 2);
    CHECK(recorded.samples[1].size() == 2000u * 800u * 3u);
  }
}

TEST_CASE("a different seed gives a different network and different spikes", "[validation][determinism]") {
  auto a = test::run(cuba(50.0, false), 1);
  auto b = test::run(cuba(50.0, false), 1, BuildOverrides{std::uint64_t{7}, {}});
  CHECK_FALSE(identical(a.spikes[0], b.spikes[0]));
}
