// The clock-driven network (lif_discrete + li_readout) reproduces SURROGATE.md section 3: the
// forward pass of reference files made by an independent NumPy implementation (checked there
// against PyTorch), data/reference/surrogate/*.h5.
//
// Every apical connection has a delay of at least one step, where SURROGATE feeds x_t and the
// hidden spikes s_t to their targets within the same step. So apical's network is SURROGATE's
// network delayed: with 1-step delays everywhere, apical's hidden V at step t+1 is mem_t and its
// readout V at step t+2 is out_t. Each batch element is one trial of T+2 steps (state reset in
// between, weights kept), presented by a raster_generator from the reference file itself, and the
// trial objective (skip = 2) reproduces the reference loss.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "../support.hpp"
#include "models/lif_discrete.hpp"
#include "sim/clock_population.hpp"
#include "sim/h5.hpp"
#include "sim/input_files.hpp"

using namespace apical;

namespace {

EdgeList dense_edges(const std::vector<double>& W, std::size_t n_pre, std::size_t n_post, double delay) {
  EdgeList e;
  for (std::size_t i = 0; i < n_pre; ++i)
    for (std::size_t j = 0; j < n_post; ++j) {
      e.source.push_back(i);
      e.target.push_back(j);
      e.weight.push_back(W[i * n_post + j]);
      e.delay_ms.push_back(delay);
    }
  return e;
}

void check_reference(const std::string& name) {
  const std::string path = std::string(APICAL_SOURCE_DIR) + "/data/reference/surrogate/" + name;
  h5::Handle f = h5::open_file(path);
  h5::Handle params = h5::open(f.get(), "params");
  auto attr = [&](const char* k) { return h5::read_attr<double>(params.get(), k); };
  auto iattr = [&](const char* k) { return static_cast<std::size_t>(h5::read_attr<std::int64_t>(params.get(), k)); };
  const double dt = attr("dt");
  const std::size_t T = iattr("T"), B = iattr("B"), n_in = iattr("n_in"), n_hid = iattr("n_hid"), n_out = iattr("n_out");
  const bool recurrent = iattr("recurrent") == 1;
  auto mem = h5::read_array<double>(f.get(), "reference/mem");
  auto out = h5::read_array<double>(f.get(), "reference/out");
  const std::size_t L = T + 2;  // trial length in steps

  auto dir = std::filesystem::temp_directory_path() / ("apical_surrogate_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  write_edge_file((dir / "w1.h5").string(), "w1", dense_edges(h5::read_array<double>(f.get(), "weights/W1").data, n_in, n_hid, dt), "in", "hid");
  write_edge_file((dir / "w2.h5").string(), "w2", dense_edges(h5::read_array<double>(f.get(), "weights/W2").data, n_hid, n_out, dt), "hid", "out");
  if (recurrent)
    write_edge_file((dir / "v.h5").string(), "v", dense_edges(h5::read_array<double>(f.get(), "weights/V").data, n_hid, n_hid, dt), "hid", "hid");

  const std::string loss = h5::read_attr_string(params.get(), "loss");
  std::ostringstream cfg;
  cfg.precision(17);
  cfg << "[simulation]\ndt = " << dt << "\n[trials]\ncount = " << B << "\nlength = " << static_cast<double>(L) * dt << "\n"
      << "[trials.objective]\nkind = \"" << (loss == "classification" ? "classification_max" : "regression")
      << "\"\npopulation = \"out\"\nskip = 2\ndata = \"" << path << "\"\n"
      << "[populations.in]\nmodel = \"raster_generator\"\nsize = " << n_in << "\nparams = { file = \"" << path << "\" }\n"
      << "[populations.hid]\nmodel = \"lif_discrete\"\nsize = " << n_hid << "\nparams = { tau_m = " << attr("tau_mem")
      << ", tau_syn = " << attr("tau_syn") << ", V_th = " << attr("threshold") << ", V_reset = 0.0 }\n"
      << "[populations.out]\nmodel = \"li_readout\"\nsize = " << n_out << "\nparams = { tau_m = " << attr("tau_mem")
      << ", tau_syn = " << attr("tau_syn") << " }\n"
      << "[projections.w1]\nsource = \"in\"\ntarget = \"hid\"\nconnectivity = { rule = \"file\", file = \"" << (dir / "w1.h5").string() << "\" }\n"
      << "[projections.w2]\nsource = \"hid\"\ntarget = \"out\"\nconnectivity = { rule = \"file\", file = \"" << (dir / "w2.h5").string() << "\" }\n";
  if (recurrent)
    cfg << "[projections.v]\nsource = \"hid\"\ntarget = \"hid\"\nconnectivity = { rule = \"file\", file = \"" << (dir / "v.h5").string() << "\" }\n";
  cfg << "[[output.reports]]\npopulation = \"hid\"\n[[output.reports]]\npopulation = \"out\"\n";

  Network net = test::network(cfg.str());
  struct Losses : test::Recorded {
    std::vector<double> loss;
    using Recorded::Recorded;
    void trial_done(std::int64_t, Step, const ObjectiveResult* res) override { loss.push_back(res->loss); }
  } rec(net);
  Simulator(net, 1).run(rec);
  test::RunOutput r{rec.spike_lists, rec.sample_rows, net.grid};
  std::filesystem::remove_all(dir);
  const auto& hid = r.samples[0];
  const auto& ro = r.samples[1];
  REQUIRE(hid.size() == B * L * n_hid);
  REQUIRE(ro.size() == B * L * n_out);

  // Alpha and beta come from the same exp(-dt/tau) as the reference (its /params attributes).
  auto* hid_pop = dynamic_cast<const ClockPopulation<LifDiscrete>*>(net.populations[net.population_index("hid")].get());
  REQUIRE(hid_pop != nullptr);
  CHECK(hid_pop->params().alpha == attr("alpha"));
  CHECK(hid_pop->params().beta == attr("beta"));

  double worst_mem = 0, worst_out = 0, scale = 0;
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t t = 0; t < T; ++t) {
      for (std::size_t j = 0; j < n_hid; ++j) {
        double ref = mem.data[(b * T + t) * n_hid + j];
        worst_mem = std::max(worst_mem, std::fabs(hid[(b * L + t + 1) * n_hid + j] - ref));
        scale = std::max(scale, std::fabs(ref));
      }
      for (std::size_t k = 0; k < n_out; ++k)
        worst_out = std::max(worst_out, std::fabs(ro[(b * L + t + 2) * n_out + k] - out.data[(b * T + t) * n_out + k]));
    }
  std::size_t spikes = r.spikes[net.population_index("hid")].size();
  INFO(name << ": max |mem - ref| = " << worst_mem << ", max |out - ref| = " << worst_out << ", hidden spikes " << spikes);
  CHECK(spikes > 0);
  CHECK(worst_mem <= 1e-12 * (1.0 + scale));
  CHECK(worst_out <= 1e-12 * (1.0 + scale));
  // The trial objective on the readout, minus its first 2 steps, is SURROGATE's loss: L is the
  // mean over the batch of the per-trial losses.
  REQUIRE(rec.loss.size() == B);
  double mean = 0;
  for (double l : rec.loss) mean += l / static_cast<double>(B);
  double ref_loss = h5::read_scalar<double>(f.get(), "reference/loss");
  CHECK(std::fabs(mean - ref_loss) <= 1e-12 * (1.0 + std::fabs(ref_loss)));
}

}  // namespace

TEST_CASE("clock-driven LIF network reproduces SURROGATE.md's forward pass", "[validation][surrogate]") {
  for (const char* name : {"ff_class_5_3_2.h5", "rec_class_20_10_3.h5", "ff_reg_20_10_3_s10.h5", "rec_reg_20_10_3.h5"}) {
    SECTION(name) { check_reference(name); }
  }
}
