#include "models/lif_psc_exp.hpp"

#include <cmath>

#include "models/detail/crossing.hpp"
#include "models/detail/membrane.hpp"
#include "models/propagator.hpp"

namespace apical {

LifPscExp::Params LifPscExp::parse(const ConfigNode& c) {
  Params p;
  detail::parse_membrane(c, p);
  p.tau_syn_ex = c.number("tau_syn_ex", p.tau_syn_ex, Check::positive("ms"));
  p.tau_syn_in = c.number("tau_syn_in", p.tau_syn_in, Check::positive("ms"));
  derive(p);
  return p;
}

void LifPscExp::derive(Params& p) {
  p.inv_C = 1.0 / p.C_m;
  p.inv_tau_m = 1.0 / p.tau_m;
  p.R = p.tau_m / p.C_m;
  p.inv_tau_ex = 1.0 / p.tau_syn_ex;
  p.inv_tau_in = 1.0 / p.tau_syn_in;
  p.k_ex = rate_difference(p.tau_syn_ex, p.tau_m);
  p.k_in = rate_difference(p.tau_syn_in, p.tau_m);
  p.theta = p.V_th - p.E_L;
}

namespace {

// The trajectory from a given state under constant input, as u = V - E_L.
struct Trajectory {
  double tau_m, u0, u_inf, a_ex, a_in, k_ex, k_in, c_ex, c_in;  // c = a / tau_syn

  Trajectory(const LifPscExp::State& s, const LifPscExp::Params& p, double I_ext)
      : tau_m(p.tau_m),
        u0(s.V_m - p.E_L),
        u_inf((p.I_e + I_ext) * p.R),
        a_ex(s.I_ex * p.inv_C),
        a_in(s.I_in * p.inv_C),
        k_ex(p.k_ex),
        k_in(p.k_in),
        c_ex(a_ex * p.inv_tau_ex),
        c_in(a_in * p.inv_tau_in) {}

  double u(double t) const {
    double em = std::exp(-t / tau_m);
    return u0 * em - u_inf * std::expm1(-t / tau_m) +
           em * (a_ex * decay_integral(k_ex, t) + a_in * decay_integral(k_in, t));
  }
  // u'(t) = exp(-t/tau_m) g(t); g' = -(a_ex/tau_ex) e^{-k_ex t} - (a_in/tau_in) e^{-k_in t}
  // has at most one zero, so g has at most one zero on each side of it.
  double g(double t) const {
    return -(u0 - u_inf) / tau_m + a_ex * (std::exp(-k_ex * t) - decay_integral(k_ex, t) / tau_m) +
           a_in * (std::exp(-k_in * t) - decay_integral(k_in, t) / tau_m);
  }
  double du(double t) const { return std::exp(-t / tau_m) * g(t); }
  double dg(double t) const { return -c_ex * std::exp(-k_ex * t) - c_in * std::exp(-k_in * t); }
};

// The zero of g on [a, b], where g is monotone and changes sign: safeguarded Newton on g or -g.
double zero_of_monotone(const Trajectory& tr, double a, double b) {
  if (tr.g(a) < 0.0)
    return detail::locate_increasing_root([&](double t) { return tr.g(t); }, [&](double t) { return tr.dg(t); }, a, b);
  return detail::locate_increasing_root([&](double t) { return -tr.g(t); }, [&](double t) { return -tr.dg(t); }, a, b);
}

// The general case: split [0, dt] where g' vanishes, find the zeros of g (the critical points of
// V) on each monotone piece, and walk the pieces on which V is monotone until one ends at or above
// threshold.
double find_crossing_general(const Trajectory& tr, double theta, double dt, const LifPscExp::Params& p) {
  double pieces[3] = {0.0, dt, dt};
  int n_pieces = 1;
  // g' = 0 where c_ex e^{-k_ex t} = -c_in e^{-k_in t}: t = ln(-c_in / c_ex) / (k_in - k_ex).
  double r = -tr.c_in / tr.c_ex;
  double dk = p.inv_tau_in - p.inv_tau_ex;  // = k_in - k_ex
  if (tr.c_ex != 0.0 && r > 0.0 && dk != 0.0) {
    double tg = std::log(r) / dk;
    if (tg > 0.0 && tg < dt) { pieces[1] = tg; pieces[2] = dt; n_pieces = 2; }
  }
  double points[4] = {0.0, 0.0, 0.0, 0.0};
  int n_points = 1;
  for (int i = 0; i < n_pieces; ++i) {
    double a = pieces[i], b = pieces[i + 1];
    double ga = tr.g(a), gb = tr.g(b);
    if ((ga > 0.0 && gb < 0.0) || (ga < 0.0 && gb > 0.0)) points[n_points++] = zero_of_monotone(tr, a, b);
  }
  points[n_points++] = dt;
  for (int i = 1; i < n_points; ++i) {
    if (tr.u(points[i]) >= theta) {
      auto f = [&](double t) { return tr.u(t) - theta; };
      auto df = [&](double t) { return tr.du(t); };
      return detail::locate_increasing_root(f, df, points[i - 1], points[i]);
    }
  }
  return -1.0;
}

// The critical points of u in (0, dt): zeros of g on the pieces where g is monotone.
int critical_points(const Trajectory& tr, double dt, const LifPscExp::Params& p, double (&out)[2]) {
  double pieces[3] = {0.0, dt, dt};
  int n_pieces = 1;
  double r = -tr.c_in / tr.c_ex;
  double dk = p.inv_tau_in - p.inv_tau_ex;
  if (tr.c_ex != 0.0 && r > 0.0 && dk != 0.0) {
    double tg = std::log(r) / dk;
    if (tg > 0.0 && tg < dt) { pieces[1] = tg; pieces[2] = dt; n_pieces = 2; }
  }
  int n = 0;
  for (int i = 0; i < n_pieces; ++i) {
    double a = pieces[i], b = pieces[i + 1];
    double ga = tr.g(a), gb = tr.g(b);
    if ((ga > 0.0 && gb < 0.0) || (ga < 0.0 && gb > 0.0)) out[n++] = zero_of_monotone(tr, a, b);
  }
  return n;
}

}  // namespace

double LifPscExp::maximum(const State& s, const Params& p, double I_ext, const Propagator& P) {
  Trajectory tr(s, p, I_ext);
  double u = std::max(tr.u0, tr.u0 * P.e_m + tr.u_inf * P.one_minus_e_m + P.e_m * (tr.a_ex * P.phi_ex + tr.a_in * P.phi_in));
  double points[2];
  const int n = critical_points(tr, P.dt, p, points);
  for (int k = 0; k < n; ++k) u = std::max(u, tr.u(points[k]));
  return p.E_L + u;
}

// Three transcendental calls per interval (one per time constant), the rest derived: every
// interval between two inputs needs its own propagator, so this is the cost of exactness per
// event. e^{-k t} = 1 - k phi(k, t) is exact algebra; where it cancels (k t large) the result is
// tiny and its absolute error, not its relative one, is what enters V and the currents.
LifPscExp::Propagator LifPscExp::propagator(const Params& p, double dt) {
  Propagator P;
  P.dt = dt;
  P.one_minus_e_m = -std::expm1(-dt / p.tau_m);
  P.e_m = 1.0 - P.one_minus_e_m;
  P.phi_ex = decay_integral(p.k_ex, dt);
  P.phi_in = decay_integral(p.k_in, dt);
  P.ek_ex = 1.0 - p.k_ex * P.phi_ex;
  P.ek_in = 1.0 - p.k_in * P.phi_in;
  P.e_ex = P.e_m * P.ek_ex;  // e^{-dt/tau_syn} = e^{-dt/tau_m} e^{-k dt}
  P.e_in = P.e_m * P.ek_in;
  return P;
}

namespace {

// V - E_L at the end of the interval. propagate() and the crossing test use this one expression,
// so that "no crossing" there always means V < V_th after propagating.
double u_end(const Trajectory& tr, const LifPscExp::Propagator& P) {
  return tr.u0 * P.e_m + tr.u_inf * P.one_minus_e_m + P.e_m * (tr.a_ex * P.phi_ex + tr.a_in * P.phi_in);
}

void commit(LifPscExp::State& s, const LifPscExp::Params& p, const LifPscExp::Propagator& P, double u) {
  s.V_m = p.E_L + u;
  s.I_ex *= P.e_ex;
  s.I_in *= P.e_in;
}

}  // namespace

void LifPscExp::propagate(State& s, const Params& p, double I_ext, const Propagator& P) {
  commit(s, p, P, u_end(Trajectory(s, p, I_ext), P));
}

double LifPscExp::find_crossing(const State& s, const Params& p, double I_ext, const Propagator& P) {
  Trajectory tr(s, p, I_ext);
  const double theta = p.V_th - p.E_L;
  if (LifPscExp::no_interior_maximum(tr.u0, tr.u_inf, tr.a_ex, tr.a_in, p, P)) {
    if (u_end(tr, P) < theta) return -1.0;
    if (tr.g(0.0) >= 0.0 && tr.g(P.dt) >= 0.0) {  // increasing all the way: one crossing in (0, dt]
      auto f = [&](double t) { return tr.u(t) - theta; };
      auto df = [&](double t) { return tr.du(t); };
      return detail::locate_increasing_root(f, df, 0.0, P.dt);
    }
  }
  return find_crossing_general(tr, theta, P.dt, p);
}

double LifPscExp::advance_or_locate(State& s, const Params& p, double I_ext, const Propagator& P) {
  double tc = find_crossing(s, p, I_ext, P);
  if (tc < 0.0) propagate(s, p, I_ext, P);
  return tc;
}

}  // namespace apical
