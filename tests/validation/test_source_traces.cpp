// Presynaptic traces per source neuron (plasticity/source_traces.hpp) against per synapse: on
// random networks with one common delay per projection the two layouts give bit-identical
// weights, spikes and measured updates, with event-driven (exponential and delta synapses) and
// clock-driven targets, all-to-all and nearest pairing, stdp_pair and rstdp; with per-synapse
// delays the rule keeps the per-synapse layout. Also: the source index (plasticity/source_index.hpp)
// against a linear search.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "../support.hpp"
#include "core/rng.hpp"
#include "plasticity/rstdp.hpp"
#include "plasticity/source_index.hpp"
#include "plasticity/stdp.hpp"

using namespace apical;

namespace {

// in (Poisson) -> mid (lif_psc_exp, spikes off the grid) -> n (plastic "ff", delay ff_delay),
// n -> n (plastic "rec", delay 0.2 ms, multapses allowed). The epoch is 0.1 ms (the static drive's delay), so an
// arrival of ff waits three epochs between the source's spike and its targets.
std::string config(const std::string& target, const std::string& w_ff, const std::string& w_rec,
                   const std::string& rule, const std::string& ff_delay, const std::string& extra = "") {
  std::ostringstream os;
  os << "[simulation]\ndt = 0.1\nduration = 300.0\nseed = 17\n"
     << "[populations.in]\nmodel = \"poisson_generator\"\nsize = 40\nparams = { rate = 40.0 }\n"
     << "[populations.mid]\nmodel = \"lif_psc_exp\"\nsize = 60\nparams = { tau_syn_ex = 5.0 }\n"
     << "[populations.n]\n" << target << "\nsize = 50\n"
     << "[projections.drive]\nsource = \"in\"\ntarget = \"mid\"\nconnectivity = { rule = \"fixed_indegree\", indegree = 15 }\n"
     << "weight = 300.0\ndelay = 0.1\n"
     << "[projections.ff]\nsource = \"mid\"\ntarget = \"n\"\nconnectivity = { rule = \"fixed_probability\", p = 0.3 }\n"
     << "weight = " << w_ff << "\ndelay = " << ff_delay << "\nplasticity = { " << rule << " }\n"
     << "[projections.rec]\nsource = \"n\"\ntarget = \"n\"\n"
     << "connectivity = { rule = \"fixed_indegree\", indegree = 10, autapses = false }\n"
     << "weight = " << w_rec << "\ndelay = 0.2\nplasticity = { " << rule << " }\n"
     << extra;
  return os.str();
}

struct Target {
  std::string name, block, w_ff, w_rec, eta;
};
const std::vector<Target>& targets() {
  static const std::vector<Target> t = {
      {"lif_psc_exp", "model = \"lif_psc_exp\"\nparams = { tau_syn_ex = 5.0 }", "{ distribution = \"uniform\", low = 100.0, high = 500.0 }",
       "{ distribution = \"uniform\", low = 20.0, high = 80.0 }", "5.0"},
      {"lif_psc_delta", "model = \"lif_psc_delta\"\nparams = { t_ref = 0.5 }", "{ distribution = \"uniform\", low = 1.0, high = 4.0 }",
       "{ distribution = \"uniform\", low = 0.5, high = 2.0 }", "0.05"},
      {"lif_discrete", "model = \"lif_discrete\"\nparams = { tau_m = 10.0, tau_syn = 5.0 }",
       "{ distribution = \"uniform\", low = 0.005, high = 0.02 }", "{ distribution = \"uniform\", low = 0.001, high = 0.004 }",
       "0.0002"},
  };
  return t;
}

struct Result {
  std::vector<double> ff, rec, measured_ff, measured_rec;
  std::vector<Spike> spikes;
  bool per_source_ff = false, per_source_rec = false;
};

bool per_source(const Projection& p) {
  if (auto* r = dynamic_cast<const StdpPair*>(p.rule.get())) return r->per_source();
  if (auto* r = dynamic_cast<const Rstdp*>(p.rule.get())) return r->per_source();
  return false;
}

Result run(const std::string& cfg, int threads = 1) {
  Network net = test::network(cfg);
  auto out = test::run(net, threads);
  const Projection& ff = net.projections[1];
  const Projection& rec = net.projections[2];
  Result r{ff.weight, rec.weight, {}, {}, out.spikes[net.population_index("n")], per_source(ff), per_source(rec)};
  r.measured_ff.assign(ff.update->measured().begin(), ff.update->measured().end());
  r.measured_rec.assign(rec.update->measured().begin(), rec.update->measured().end());
  return r;
}

bool same_spikes(const std::vector<Spike>& a, const std::vector<Spike>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (a[k].step != b[k].step || a[k].offset != b[k].offset || a[k].node != b[k].node) return false;
  return true;
}

std::size_t changed(const std::vector<double>& w, const std::vector<double>& w0) {
  std::size_t n = 0;
  for (std::size_t k = 0; k < w.size(); ++k) n += w[k] != w0[k];
  return n;
}

}  // namespace

TEST_CASE("source index: the source of every synapse, empty rows included", "[validation][plasticity][source_traces]") {
  RandomStream rng(3, StreamKind::weight, 0, 0);
  for (int trial = 0; trial < 20; ++trial) {
    const std::size_t n_pre = 1 + static_cast<std::size_t>(rng.uniform(0.0, 300.0));
    const double mean = trial % 3 == 0 ? 0.3 : rng.uniform(0.0, 60.0);  // many empty rows, or long ones
    std::vector<std::uint64_t> row{0};
    for (std::size_t i = 0; i < n_pre; ++i) row.push_back(row.back() + static_cast<std::uint64_t>(rng.uniform(0.0, 2.0 * mean)));
    if (row.back() == 0) continue;
    SourceIndex index(row);
    for (std::uint64_t k = 0; k < row.back(); ++k) {
      std::uint32_t expected = 0;
      while (row[expected + 1] <= k) ++expected;
      if (index(k) != expected) FAIL("synapse " << k << " of " << row.back() << ": " << index(k) << " != " << expected);
    }
  }
}

TEST_CASE("source traces: folded between epochs, waiting arrivals counted up to what the target has seen",
          "[validation][plasticity][source_traces]") {
  // Two sources, three synapses: 0 -> {syn 0, syn 1}, 1 -> {syn 2}; tau 10 ms, all-to-all.
  const std::vector<std::uint64_t> row{0, 2, 3};
  SourceTraces x;
  x.bind(row, 2, 10.0, false);
  auto trace = [](std::vector<double> arrivals, double t) {  // the definition: sum of exp(-(t - a)/tau)
    double v = 0.0;
    for (double a : arrivals) v += std::exp(-(t - a) / 10.0);
    return v;
  };
  // Epoch ending at step 20 (h = 0.1 ms): source 0 spiked, arriving at 2.5 ms and 3.0 ms (steps 25,
  // 30); source 1 arriving at 1.5 ms (step 15, so folded at once) and 2.5 ms.
  std::vector<SourceArrival> a{{1, 15, 1.5}, {0, 25, 2.5}, {1, 25, 2.5}, {0, 30, 3.0}};
  x.arrivals(a, 20);
  CHECK(x.source(0) == 0);
  CHECK(x.source(1) == 0);
  CHECK(x.source(2) == 1);
  // A target that has seen nothing of this epoch: only the folded arrival.
  CHECK(x.at(0, -1.0, 2.7) == 0.0);
  CHECK_THAT(x.at(2, -1.0, 2.7), Catch::Matchers::WithinRel(trace({1.5}, 2.7), 1e-15));
  // A target whose last arrival was at 2.5 ms (a spike of the same time after that arrival):
  // the arrival at exactly 2.5 counts, the one at 3.0 does not.
  CHECK_THAT(x.at(1, 2.5, 2.5), Catch::Matchers::WithinRel(trace({2.5}, 2.5), 1e-15));
  CHECK_THAT(x.at(2, 2.5, 2.5), Catch::Matchers::WithinRel(trace({1.5, 2.5}, 2.5), 1e-15));
  CHECK_THAT(x.at(0, 3.0, 3.2), Catch::Matchers::WithinRel(trace({2.5, 3.0}, 3.2), 1e-15));
  // Next epoch boundary at step 28: 2.5 ms is folded, 3.0 still waits; nothing new arrives.
  x.arrivals({}, 28);
  CHECK_THAT(x.at(0, 2.7, 2.9), Catch::Matchers::WithinRel(trace({2.5}, 2.9), 1e-15));
  CHECK_THAT(x.at(0, 3.0, 3.5), Catch::Matchers::WithinRel(trace({2.5, 3.0}, 3.5), 1e-15));
  CHECK_THAT(x.at(2, 2.7, 2.9), Catch::Matchers::WithinRel(trace({1.5, 2.5}, 2.9), 1e-15));
  // saw() keeps, per target, the time of its last arrival; reset() forgets everything.
  x.saw(1, 2.5);
  CHECK(x.seen(1) == 2.5);
  x.reset();
  CHECK(x.at(0, 3.0, 3.5) == 0.0);
  CHECK(x.seen(1) < -1e300);
}

TEST_CASE("presynaptic traces per source neuron: bit-identical to per synapse with a common delay",
          "[validation][plasticity][source_traces]") {
  const std::string pulses = "[[neuromodulators]]\nkind = \"times\"\ntimes = [100.0, 200.0, 299.0]\namount = 1.0\n";
  for (const Target& tg : targets())
    for (std::string pairing : {"all_to_all", "nearest"})
      for (std::string rule : {"stdp_pair", "stdp_pair_measure", "rstdp"}) {
        std::string r = rule == "rstdp" ? "rule = \"rstdp\", tau_c = 100.0, eta = " + tg.eta
                        : rule == "stdp_pair" ? "rule = \"stdp_pair\", eta = " + tg.eta
                                              : "rule = \"stdp_pair\", mode = \"measure\"";
        r += ", pairing = \"" + pairing + "\"";
        const std::string extra = rule == "rstdp" ? pulses : "";
        INFO(tg.name << ", " << r);
        Network plain = test::network(config(tg.block, tg.w_ff, tg.w_rec, r, "0.3", extra));
        const std::vector<double> w0_ff = plain.projections[1].weight, w0_rec = plain.projections[2].weight;
        Result auto_ = run(config(tg.block, tg.w_ff, tg.w_rec, r, "0.3", extra));
        Result synapse = run(config(tg.block, tg.w_ff, tg.w_rec, r + ", presynaptic = \"per_synapse\"", "0.3", extra));
        CHECK(auto_.per_source_ff);
        CHECK(auto_.per_source_rec);
        CHECK_FALSE(synapse.per_source_ff);
        REQUIRE(synapse.spikes.size() > 200);  // the targets spike: there are pairings
        if (rule == "stdp_pair_measure") {
          REQUIRE(changed(synapse.measured_ff, std::vector<double>(synapse.measured_ff.size(), 0.0)) > synapse.measured_ff.size() / 2);
          CHECK(auto_.measured_ff == synapse.measured_ff);
          CHECK(auto_.measured_rec == synapse.measured_rec);
        } else {
          REQUIRE(changed(synapse.ff, w0_ff) > synapse.ff.size() / 2);  // the rule did something
          REQUIRE(changed(synapse.rec, w0_rec) > 0);
          CHECK(auto_.ff == synapse.ff);
          CHECK(auto_.rec == synapse.rec);
        }
        CHECK(same_spikes(auto_.spikes, synapse.spikes));
        if (rule == "stdp_pair" && pairing == "all_to_all") {  // and with two threads
          Result two = run(config(tg.block, tg.w_ff, tg.w_rec, r, "0.3", extra), 2);
          CHECK(two.ff == synapse.ff);
          CHECK(two.rec == synapse.rec);
        }
      }
}

TEST_CASE("presynaptic traces: per-synapse delays keep the per-synapse layout", "[validation][plasticity][source_traces]") {
  const Target& tg = targets()[0];
  const std::string delays = "{ distribution = \"uniform\", low = 0.1, high = 1.5 }";
  const std::string r = "rule = \"stdp_pair\", eta = " + tg.eta;
  Network plain = test::network(config(tg.block, tg.w_ff, tg.w_rec, r, delays));
  REQUIRE_FALSE(plain.projections[1].delay.empty());  // the delays do differ
  const std::vector<double> w0 = plain.projections[1].weight;
  Result auto_ = run(config(tg.block, tg.w_ff, tg.w_rec, r, delays));
  Result synapse = run(config(tg.block, tg.w_ff, tg.w_rec, r + ", presynaptic = \"per_synapse\"", delays));
  CHECK_FALSE(auto_.per_source_ff);  // ff falls back to per-synapse traces
  CHECK(auto_.per_source_rec);       // rec still has one delay
  REQUIRE(changed(auto_.ff, w0) > auto_.ff.size() / 2);
  CHECK(auto_.ff == synapse.ff);
  CHECK(auto_.rec == synapse.rec);
}
