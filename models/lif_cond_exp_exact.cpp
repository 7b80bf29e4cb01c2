#include "models/lif_cond_exp_exact.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/detail/crossing.hpp"

namespace apical {

LifCondExpExact::Params LifCondExpExact::derive(const LifCondExp::Params& base) {
  Params p;
  static_cast<LifCondExp::Params&>(p) = base;
  p.inv_C = 1.0 / p.C_m;
  p.k_L = p.g_L * p.inv_C;
  p.r_ex = 1.0 / p.tau_syn_ex;
  p.r_in = 1.0 / p.tau_syn_in;
  p.b_L = p.g_L * p.E_L * p.inv_C;
  p.n_L = p.g_L * (p.E_L - p.V_th) * p.inv_C;
  return p;
}

namespace {

// Gauss-Legendre, 5 points on [-1, 1]: abscissae 0, +-d1, +-d2 and their weights.
constexpr double kD1 = 0.53846931010568309, kW1 = 0.47862867049936647;
constexpr double kD2 = 0.90617984593866399, kW2 = 0.23692688505618909;
constexpr double kW0 = 0.56888888888888889;
constexpr double kLambdaL = 1.5;  // panel length times the rate bound lambda

// The interval's trajectory data that does not depend on t.
struct Coefficients {
  double ge, gi, Ge, Gi;  // g/C (1/ms) and g tau / C (A(s) = k_L s + Ge (1 - x_e) + Gi (1 - x_i))
  double b0, be, bi;      // b(s) = b0 + be x_e + bi x_i (mV/ms)
  double n0, ne, ni;      // n(s) = b(s) - a(s) V_th = n0 + ne x_e + ni x_i
  Coefficients(const LifCondExpExact::State& s, const LifCondExpExact::Params& p, double I_ext)
      : ge(s.g_ex * p.inv_C),
        gi(s.g_in * p.inv_C),
        Ge(ge * p.tau_syn_ex),
        Gi(gi * p.tau_syn_in),
        b0(p.b_L + (p.I_e + I_ext) * p.inv_C),
        be(ge * p.E_ex),
        bi(gi * p.E_in),
        n0(p.n_L + (p.I_e + I_ext) * p.inv_C),
        ne(ge * (p.E_ex - p.V_th)),
        ni(gi * (p.E_in - p.V_th)) {}
  double n(double xe, double xi) const { return n0 + ne * xe + ni * xi; }
  // n'(t) = dn(xe, xi) with the decays at t.
  double dn(double xe, double xi, const LifCondExpExact::Params& p) const {
    return -(ne * p.r_ex * xe + ni * p.r_in * xi);
  }
};

// e^{-y}, y >= 0: for y <= 1/8 by its Taylor polynomial of degree 10 (remainder below
// (1/8)^11/11! = 3e-18 relative), which pipelines; otherwise std::exp.
inline double decay(double y) {
  if (!(y <= 0.125)) return std::exp(-y);
  double q = 1.0 / 3628800.0;
  q = q * -y + 1.0 / 362880.0;
  q = q * -y + 1.0 / 40320.0;
  q = q * -y + 1.0 / 5040.0;
  q = q * -y + 1.0 / 720.0;
  q = q * -y + 1.0 / 120.0;
  q = q * -y + 1.0 / 24.0;
  q = q * -y + 1.0 / 6.0;
  q = q * -y + 0.5;
  q = q * -y + 1.0;
  return q * -y + 1.0;
}

double quadrature_voltage(const LifCondExpExact::State& s, const LifCondExpExact::Params& p, const Coefficients& c,
                          double t, double xe_t, double xi_t) {
  if (!(t > 0.0)) return s.V_m;
  const double lambda = p.k_L + std::fabs(c.ge) + std::fabs(c.gi) + std::max(p.r_ex, p.r_in);
  const double panels = std::ceil(lambda * t / kLambdaL);
  const int m = panels < 1.0 ? 1 : (panels > 1e9 ? 1000000000 : static_cast<int>(panels));
  const double L = t / m, half = 0.5 * L;
  // Decay factors from a panel's start to its five nodes, shared by all panels. With one panel
  // e^{-rL/2} is the square root of the interval's decay (no exp).
  const double he = m == 1 ? std::sqrt(xe_t) : std::exp(-p.r_ex * half);
  const double hi = m == 1 ? std::sqrt(xi_t) : std::exp(-p.r_in * half);
  const double ue1 = decay(p.r_ex * half * kD1), ue2 = decay(p.r_ex * half * kD2);
  const double ui1 = decay(p.r_in * half * kD1), ui2 = decay(p.r_in * half * kD2);
  const double qe[5] = {he / ue2, he / ue1, he, he * ue1, he * ue2};
  const double qi[5] = {hi / ui2, hi / ui1, hi, hi * ui1, hi * ui2};
  const double off[5] = {half * (1.0 - kD2), half * (1.0 - kD1), half, half * (1.0 + kD1), half * (1.0 + kD2)};
  const double w[5] = {kW2, kW1, kW0, kW1, kW2};
  const double pe = he * he, pi = hi * hi;
  // A(s) - A(t) = k_L (s - t) + Ge (x_e(t) - x_e(s)) + Gi (x_i(t) - x_i(s)) <= 0 for a >= 0.
  const double base = -p.k_L * t + c.Ge * xe_t + c.Gi * xi_t;
  double xe0 = 1.0, xi0 = 1.0, sum = 0.0;
  for (int j = 0; j < m; ++j) {
    const double s0 = j * L;
    double panel = 0.0;
    for (int k = 0; k < 5; ++k) {
      const double xe = xe0 * qe[k], xi = xi0 * qi[k];
      const double e = std::exp(base + p.k_L * (s0 + off[k]) - c.Ge * xe - c.Gi * xi);
      panel += w[k] * (c.b0 + c.be * xe + c.bi * xi) * e;
    }
    sum += panel;
    xe0 *= pe;
    xi0 *= pi;
  }
  const double A_t = p.k_L * t + c.Ge * (1.0 - xe_t) + c.Gi * (1.0 - xi_t);
  return s.V_m * std::exp(-A_t) + half * sum;
}

// D = V - V_th at t, and its derivative -a D + n.
struct Trajectory {
  const LifCondExpExact::State& s;
  const LifCondExpExact::Params& p;
  Coefficients c;
  Trajectory(const LifCondExpExact::State& s_, const LifCondExpExact::Params& p_, double I_ext)
      : s(s_), p(p_), c(s_, p_, I_ext) {}
  double D(double t) const {
    return quadrature_voltage(s, p, c, t, std::exp(-p.r_ex * t), std::exp(-p.r_in * t)) - p.V_th;
  }
  double dD(double t) const {
    const double xe = std::exp(-p.r_ex * t), xi = std::exp(-p.r_in * t);
    const double V = quadrature_voltage(s, p, c, t, xe, xi);
    const double a = p.k_L + c.ge * xe + c.gi * xi;
    return -a * (V - p.V_th) + c.n(xe, xi);
  }
  double n(double t) const { return c.n(std::exp(-p.r_ex * t), std::exp(-p.r_in * t)); }
  double dn(double t) const { return c.dn(std::exp(-p.r_ex * t), std::exp(-p.r_in * t), p); }
};

// The zero of n'(t) = -(ne r_ex e^{-r_ex t} + ni r_in e^{-r_in t}) in (0, +inf), or -1:
// ne r_ex e^{-r_ex t} = -ni r_in e^{-r_in t}  <=>  t = ln(-ni r_in / (ne r_ex)) / (r_in - r_ex).
double zero_of_dn(const Coefficients& c, const LifCondExpExact::Params& p) {
  const double num = -c.ni * p.r_in, den = c.ne * p.r_ex, dr = p.r_in - p.r_ex;
  if (den == 0.0 || dr == 0.0) return -1.0;
  const double r = num / den;
  if (!(r > 0.0)) return -1.0;
  const double t = std::log(r) / dr;
  return t > 0.0 && std::isfinite(t) ? t : -1.0;
}

// The zero of n on [a, b], where n is monotone and changes sign.
double zero_of_n(const Trajectory& tr, double a, double b) {
  if (tr.n(a) < 0.0)
    return detail::locate_increasing_root([&](double t) { return tr.n(t); }, [&](double t) { return tr.dn(t); }, a, b);
  return detail::locate_increasing_root([&](double t) { return -tr.n(t); }, [&](double t) { return -tr.dn(t); }, a, b);
}

}  // namespace

double LifCondExpExact::voltage(const State& s, const Params& p, double I_ext, double t, double x_e, double x_i) {
  return quadrature_voltage(s, p, Coefficients(s, p, I_ext), t, x_e, x_i);
}

double LifCondExpExact::find_crossing(const State& s, const Params& p, double I_ext, const Propagator& P) {
  if (s.V_m >= p.V_th) return 0.0;
  const double dt = P.dt;
  if (!(dt > 0.0)) return -1.0;
  const Trajectory tr(s, p, I_ext);
  // Pieces on which n is monotone, then the zeros of n on each: F is monotone between points.
  double pieces[3] = {0.0, dt, dt};
  int n_pieces = 1;
  const double tg = zero_of_dn(tr.c, p);
  if (tg > 0.0 && tg < dt) pieces[1] = tg, pieces[2] = dt, n_pieces = 2;
  double points[4];
  int n_points = 0;
  for (int k = 0; k < n_pieces; ++k) {
    const double a = pieces[k], b = pieces[k + 1];
    const double na = tr.n(a), nb = tr.n(b);
    if ((na > 0.0 && nb < 0.0) || (na < 0.0 && nb > 0.0)) points[n_points++] = zero_of_n(tr, a, b);
  }
  points[n_points++] = dt;
  double lo = 0.0;
  for (int k = 0; k < n_points; ++k) {
    const double hi = points[k];
    if (!(hi > lo)) continue;
    if (tr.D(hi) >= 0.0)
      return detail::locate_increasing_root([&](double t) { return tr.D(t); }, [&](double t) { return tr.dD(t); }, lo, hi);
    lo = hi;
  }
  return -1.0;
}

double LifCondExpExact::advance_unless_crossing(State& s, const Params& p, double I_ext, const Propagator& P) {
  const Coefficients c(s, p, I_ext);
  const double V = quadrature_voltage(s, p, c, P.dt, P.e_ex, P.e_in);
  bool commit = V < p.V_th && s.V_m < p.V_th;
  if (commit) {
    // No downward zero of n inside (0, dt): F has no interior maximum.
    const double dn0 = c.dn(1.0, 1.0, p), dn1 = c.dn(P.e_ex, P.e_in, p);
    if ((dn0 >= 0.0) != (dn1 >= 0.0)) commit = false;
    else if (c.n(1.0, 1.0) > 0.0 && c.n(P.e_ex, P.e_in) < 0.0) commit = false;
  }
  if (!commit) {
    const double tc = find_crossing(s, p, I_ext, P);
    if (tc >= 0.0) return tc;
  }
  s.V_m = V;
  s.g_ex *= P.e_ex;
  s.g_in *= P.e_in;
  return -1.0;
}

double LifCondExpExact::safe_time(const State& s, const Params& p, double I_ext) {
  const double D0 = s.V_m - p.V_th;
  if (!(D0 < 0.0)) return 0.0;
  const Coefficients c(s, p, I_ext);
  // sup of n over [0, inf): n(0), the limit n0, or a maximum where n' vanishes, which exists only
  // if n' > 0 at 0 (n' changes sign at most once).
  double n_sup = std::max(c.n0, c.n(1.0, 1.0));
  if (c.dn(1.0, 1.0, p) > 0.0) {
    const double tg = zero_of_dn(c, p);
    if (tg > 0.0) n_sup = std::max(n_sup, c.n(std::exp(-p.r_ex * tg), std::exp(-p.r_in * tg)));
  }
  if (!std::isfinite(n_sup)) return 0.0;
  if (n_sup <= 0.0) return std::numeric_limits<double>::infinity();
  // ln(1 + a|D0|/n+) / a >= 2|D0| / (2 n+ + a|D0|)  (ln(1 + x) >= 2x / (2 + x)): no log needed.
  const double a_max = p.k_L + std::max(c.ge, 0.0) + std::max(c.gi, 0.0);
  return 0.999999 * 2.0 * -D0 / (2.0 * n_sup + a_max * -D0);
}

}  // namespace apical
