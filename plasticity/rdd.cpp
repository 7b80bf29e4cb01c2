#include "plasticity/rdd.hpp"

#include <cmath>
#include <limits>

namespace apical {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

double Rdd::Side::mean() const { return n > 0 ? sr / n : kNaN; }

// R = c + s d by least squares: s = (n sdr - sd sr) / (n sdd - sd^2), c = (sr - s sd) / n. The
// determinant vanishes (up to rounding) when all d on the side are equal.
double Rdd::Side::intercept() const {
  if (n < 2) return kNaN;
  const double det = n * sdd - sd * sd;
  if (!(det > 1e-12 * n * sdd)) return kNaN;
  const double s = (n * sdr - sd * sr) / det;
  return (sr - s * sd) / n;
}

Rdd::Params Rdd::parse(const ConfigNode& t) {
  Params p;
  p.p = t.number("p", p.p, Check::positive("the drive's unit (mV for lif_psc_exp)"));
  const std::string e = t.choice("estimator", {"constant", "linear", "naive"}, "constant");
  p.estimator = e == "linear" ? Estimator::linear : (e == "naive" ? Estimator::naive : Estimator::constant);
  return p;
}

void Rdd::bind(const SynapseTable& s, const std::vector<std::string>&) {
  above_.assign(s.n_post, Side{});
  below_.assign(s.n_post, Side{});
  spiked_.assign(s.n_post, Side{});
  silent_.assign(s.n_post, Side{});
  x_.assign(s.size(), 0.0);
}

void Rdd::reset() { x_.assign(x_.size(), 0.0); }

void Rdd::on_pre(std::uint32_t syn, std::uint32_t, Millis, PostState, WeightUpdate&) { x_[syn] += 1.0; }

double Rdd::beta(std::uint32_t j) const {
  switch (p_.estimator) {
    case Estimator::linear: return beta_linear(j);
    case Estimator::naive: return naive(j);
    default: return beta_constant(j);
  }
}

// The end of a window: Z of the window, its reward, the statistics, then the learning signal.
void Rdd::on_third_factor(std::uint32_t post, Millis, double value, std::span<const std::uint32_t> incoming,
                          PostState, WeightUpdate& out) {
  const double d = z_[post] - theta_;
  const bool spiked = d >= 0.0;
  (spiked ? spiked_ : silent_)[post].add(d, value);
  if (std::fabs(d) < p_.p) {
    (spiked ? above_ : below_)[post].add(d, value);
    const double b = beta(post);
    if (std::isfinite(b) && b != 0.0)
      for (std::uint32_t syn : incoming)
        if (x_[syn] != 0.0) out.propose(syn, b * x_[syn]);
  }
  for (std::uint32_t syn : incoming) x_[syn] = 0.0;
}

std::vector<Rule::Record> Rdd::records() const {
  const std::size_t n = above_.size();
  std::vector<Record> r = {{"beta", "reward", {}},          {"beta_constant", "reward", {}},
                           {"beta_linear", "reward", {}},   {"naive", "reward", {}},
                           {"windows", "1", {}},            {"windows_above", "1", {}},
                           {"windows_below", "1", {}},      {"windows_total", "1", {}},
                           {"windows_spiked", "1", {}}};
  for (std::uint32_t j = 0; j < n; ++j) {
    r[0].values.push_back(beta(j));
    r[1].values.push_back(beta_constant(j));
    r[2].values.push_back(beta_linear(j));
    r[3].values.push_back(naive(j));
    r[4].values.push_back(windows(j));
    r[5].values.push_back(above_[j].n);
    r[6].values.push_back(below_[j].n);
    r[7].values.push_back(spiked_[j].n + silent_[j].n);
    r[8].values.push_back(spiked_[j].n);
  }
  return r;
}

}  // namespace apical
