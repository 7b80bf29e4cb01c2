// Surrogate-gradient BPTT (analysis/surrogate.hpp) against SURROGATE.md's reference files,
// data/reference/surrogate/*.h5 (an independent NumPy implementation, itself checked against
// PyTorch autograd): both losses, feed-forward and recurrent, surrogate scales 100 and 10, and
// one benchmark-sized case (large_rec_class_700_256_20.h5, recurrent classification, B = 32),
// which is written compactly: loss and gradients only, no /reference/mem, /out or spikes. Only
// the first test case reads it; the others (thread counts, finite differences, input errors)
// use the four small files.
//
// Tolerances: loss and gradients per tensor max|apical - ref| <= 1e-9 + 1e-6 max|ref|
// (SURROGATE.md section 8; sums over b, t and neurons run in a different order here); the
// forward pass to 1e-12 (the same arithmetic, only matrix products summed in another order).
// Finite differences check the adjoint code on the smooth variant (section 7), with the reset
// factors frozen at their unperturbed values, which is the function the detached graph
// differentiates.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../support.hpp"
#include "../temp_dir.hpp"
#include "analysis/surrogate.hpp"
#include "sim/h5.hpp"

using namespace apical;
namespace fs = std::filesystem;

namespace {

using test::max_abs;
using test::max_abs_diff;

// The small reference files, or with include_large also the large_*.h5 ones.
std::vector<std::string> reference_files(bool include_large = false) {
  std::vector<std::string> files;
  for (const auto& e :
       fs::directory_iterator(fs::path(APICAL_SOURCE_DIR) / "data/reference/surrogate"))
    if (e.path().extension() == ".h5" &&
        (include_large || e.path().filename().string().rfind("large_", 0) != 0))
      files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// max|apical - ref| / (1e-9 + 1e-6 max|ref|): at most 1 passes.
double error_ratio(const std::vector<double>& apical, const std::vector<double>& ref) {
  return max_abs_diff(apical, ref) / (1e-9 + 1e-6 * max_abs(ref));
}

std::vector<double> read_doubles(hid_t f, const std::string& path) {
  return h5::read_array<double>(f, path).data;
}

// The same trials repeated `times` over: the batch-mean loss and gradient stay the same, and the
// batch spans several of surrogate_gradient's blocks.
SurrogateCase tiled(const SurrogateCase& c, std::size_t times) {
  SurrogateCase t = c;
  t.params.B *= times;
  t.x.clear();
  t.labels.clear();
  t.targets.clear();
  for (std::size_t r = 0; r < times; ++r) {
    t.x.insert(t.x.end(), c.x.begin(), c.x.end());
    t.labels.insert(t.labels.end(), c.labels.begin(), c.labels.end());
    t.targets.insert(t.targets.end(), c.targets.begin(), c.targets.end());
  }
  return t;
}

}  // namespace

TEST_CASE("surrogate gradient: loss, gradients and forward pass match the reference files",
          "[validation][gradient]") {
  auto files = reference_files(true);
  REQUIRE(files.size() == 5);
  for (const std::string& path : files) {
    SurrogateCase c = read_surrogate_case(path);
    SurrogateResult r = surrogate_gradient(c, 2);
    h5::Handle f = h5::open_file(path);
    const std::string name = fs::path(path).filename().string();

    double ref_loss = h5::read_scalar<double>(f.get(), "reference/loss");
    double worst = error_ratio({r.loss}, {ref_loss});
    std::ostringstream report;
    report << std::setprecision(3) << name << ": loss " << worst;
    std::vector<std::pair<std::string, const std::vector<double>*>> grads{{"W1", &r.dW1},
                                                                          {"W2", &r.dW2}};
    if (c.params.recurrent) grads.emplace_back("V", &r.dV);
    CHECK(r.dV.empty() == !c.params.recurrent);
    for (const auto& [w, mine] : grads) {
      double ratio = error_ratio(*mine, read_doubles(f.get(), "reference/grad/" + w));
      report << ", " << w << " " << ratio;
      worst = std::max(worst, ratio);
      CHECK(max_abs(*mine) > 0);  // a gradient that vanished would pass trivially
    }
    WARN("error ratio (<= 1 passes) " << report.str());
    CHECK(worst <= 1.0);

    // The large file stores loss and gradients only.
    const bool has_forward = h5::exists(f.get(), "reference/mem");
    CHECK(has_forward == (name.rfind("large_", 0) != 0));
    if (!has_forward) continue;
    auto mem = read_doubles(f.get(), "reference/mem");
    auto out = read_doubles(f.get(), "reference/out");
    INFO(name);
    CHECK(max_abs_diff(r.mem, mem) <= 1e-12 * (1 + max_abs(mem)));
    CHECK(max_abs_diff(r.out, out) <= 1e-12 * (1 + max_abs(out)));
    auto spikes = h5::read_array<std::uint8_t>(f.get(), "reference/hidden_spikes").data;
    REQUIRE(spikes.size() == r.spikes.size());
    std::size_t mismatched = 0;
    for (std::size_t i = 0; i < spikes.size(); ++i) mismatched += (spikes[i] != r.spikes[i]);
    CHECK(mismatched == 0);
  }
}

TEST_CASE("surrogate gradient: bit-identical for any thread count, across batch blocks",
          "[validation][gradient]") {
  for (const std::string& path : reference_files()) {
    INFO(path);
    SurrogateCase c = tiled(read_surrogate_case(path), 10);  // B = 40: three blocks of 16
    SurrogateResult one = surrogate_gradient(c, 1), three = surrogate_gradient(c, 3);
    CHECK(one.loss == three.loss);
    CHECK(one.dW1 == three.dW1);
    CHECK(one.dV == three.dV);
    CHECK(one.dW2 == three.dW2);
    CHECK(one.mem == three.mem);
    // Repeating the batch changes neither the mean loss nor the gradient (beyond rounding).
    SurrogateResult base = surrogate_gradient(read_surrogate_case(path), 1);
    CHECK(one.loss == Approx(base.loss).epsilon(1e-12));
    CHECK(max_abs_diff(one.dW1, base.dW1) <= 1e-12 * max_abs(base.dW1));
    CHECK(max_abs_diff(one.dW2, base.dW2) <= 1e-12 * max_abs(base.dW2));
  }
}

TEST_CASE("surrogate gradient: the smooth variant's gradient equals finite differences of its loss",
          "[validation][gradient]") {
  std::mt19937_64 rng(20240501);
  for (const std::string& path : reference_files()) {
    SurrogateCase c = read_surrogate_case(path);
    SurrogateOptions smooth;
    smooth.smooth = true;
    smooth.smooth_k = 5.0;
    SurrogateResult base = surrogate_gradient(c, 2, smooth);
    // The detached reset: finite differences of the loss with r_t frozen at these values.
    SurrogateOptions frozen = smooth;
    frozen.frozen_reset = &base.reset;
    REQUIRE(surrogate_loss(c, 2, frozen) == base.loss);

    std::vector<std::tuple<std::string, std::vector<double>*, const std::vector<double>*>> tensors{
        {"W1", &c.W1, &base.dW1}, {"W2", &c.W2, &base.dW2}};
    if (c.params.recurrent) tensors.emplace_back("V", &c.V, &base.dV);
    for (auto& [name, weights, grad] : tensors) {
      // Entries whose gradient is not negligible, so that a relative error means something.
      std::vector<std::size_t> candidates;
      for (std::size_t i = 0; i < grad->size(); ++i)
        if (std::fabs((*grad)[i]) >= 1e-2 * max_abs(*grad)) candidates.push_back(i);
      REQUIRE(!candidates.empty());
      for (int pick = 0; pick < 4; ++pick) {
        std::size_t i =
            candidates[std::uniform_int_distribution<std::size_t>(0, candidates.size() - 1)(rng)];
        const double w0 = (*weights)[i];
        // Central differences at h and h/2, Richardson-extrapolated (error O(h^4)).
        auto central = [&, weights = weights](double h) {
          (*weights)[i] = w0 + h;
          double up = surrogate_loss(c, 2, frozen);
          (*weights)[i] = w0 - h;
          double down = surrogate_loss(c, 2, frozen);
          (*weights)[i] = w0;
          return (up - down) / (2 * h);
        };
        // The recurrent regression case is strongly curved (gradients ~1e5): at h = 1e-4 the
        // extrapolated difference is still off by up to 100%, at h = 1e-6 it agrees to ~1e-8,
        // while rounding (~1e-16 * L / h) stays far below the gradients measured here.
        const double h = 1e-6;
        double fd = (4 * central(h / 2) - central(h)) / 3;
        double rel = std::fabs(fd - (*grad)[i]) / std::fabs((*grad)[i]);
        INFO(fs::path(path).filename().string()
             << " d/d" << name << "[" << i << "]: adjoint " << (*grad)[i] << ", finite difference "
             << fd << ", relative error " << rel);
        CHECK(rel < 1e-6);
      }
    }
  }
}

TEST_CASE("surrogate gradient: input errors name the file and the dataset",
          "[validation][gradient]") {
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(read_surrogate_case(std::string(APICAL_SOURCE_DIR) + "/README.md"),
                    Contains("README.md"));

  // A copy of a reference file with one dataset replaced.
  test::TempDir dir;
  auto broken = [&](const std::string& dataset, auto data, const h5::Shape& shape) {
    std::string path = dir / "case.h5";
    fs::copy_file(reference_files().front(), path, fs::copy_options::overwrite_existing);
    h5::Handle f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    REQUIRE(f.valid());
    h5::write_array(f.get(), dataset, data, shape);
    return path;
  };
  SurrogateCase c = read_surrogate_case(reference_files().front());
  const auto& p = c.params;
  REQUIRE(p.loss == SurrogateLoss::classification);
  CHECK_THROWS_WITH(
      read_surrogate_case(
          broken("weights/W1", std::vector<double>(p.n_in * p.n_hid + 1), {p.n_in * p.n_hid + 1})),
      Contains("case.h5") && Contains("/weights/W1") && Contains("expected shape"));
  CHECK_THROWS_WITH(
      read_surrogate_case(
          broken("inputs/labels", std::vector<std::int64_t>(p.B, std::int64_t(p.n_out)), {p.B})),
      Contains("/inputs/labels[0]") && Contains("class index"));
  CHECK_THROWS_WITH(read_surrogate_case(broken("inputs/spikes", std::vector<std::uint8_t>(1), {1})),
                    Contains("/inputs/spikes"));
}
