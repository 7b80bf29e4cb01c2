// The tree-ordered (Hines 1984) solve of a compartmental system, O(N): nodes are numbered so
// that every parent precedes its children (parent[k] < k). Row k of the matrix holds d[k] on the
// diagonal, a[k] in the column of its parent, and row parent[k] holds b[k] in column k (a and b
// may differ: a one-way coupling has a[k] = 0). Gaussian elimination from the leaves to the root
// meets no fill-in, then back substitution from the root. d and rhs are overwritten (d with the
// pivots' inverses); the solution is left in rhs.
#pragma once
#include <span>
#include <vector>

namespace apical {

inline void hines_solve(std::span<const int> parent, std::span<const double> a, std::span<const double> b,
                        std::span<double> d, std::span<double> rhs) {
  const std::size_t n = d.size();
  // Elimination keeps 1/d[k] in d[k]: one division per node instead of two.
  for (std::size_t k = n; k-- > 1;) {
    auto p = static_cast<std::size_t>(parent[k]);
    double inv = 1.0 / d[k];
    double f = b[k] * inv;
    d[k] = inv;
    d[p] -= f * a[k];
    rhs[p] -= f * rhs[k];
  }
  rhs[0] /= d[0];
  for (std::size_t k = 1; k < n; ++k) rhs[k] = (rhs[k] - a[k] * rhs[static_cast<std::size_t>(parent[k])]) * d[k];
}

// A matrix that does not change from step to step (a passive cell with current inputs) is
// factored once: inv[k] = 1 / (eliminated d[k]), f[k] = b[k] inv[k]. Each solve then only
// eliminates and substitutes the right-hand side.
inline void hines_factor(std::span<const int> parent, std::span<const double> a, std::span<const double> b,
                         std::span<const double> d_in, std::span<double> inv, std::span<double> f) {
  const std::size_t n = d_in.size();
  std::vector<double> d(d_in.begin(), d_in.end());
  for (std::size_t k = n; k-- > 1;) {
    auto p = static_cast<std::size_t>(parent[k]);
    inv[k] = 1.0 / d[k];
    f[k] = b[k] * inv[k];
    d[p] -= f[k] * a[k];
  }
  inv[0] = 1.0 / d[0];
  f[0] = 0.0;
}

inline void hines_solve_factored(std::span<const int> parent, std::span<const double> a, std::span<const double> inv,
                                 std::span<const double> f, std::span<double> rhs) {
  const std::size_t n = rhs.size();
  for (std::size_t k = n; k-- > 1;) rhs[static_cast<std::size_t>(parent[k])] -= f[k] * rhs[k];
  rhs[0] *= inv[0];
  for (std::size_t k = 1; k < n; ++k) rhs[k] = (rhs[k] - a[k] * rhs[static_cast<std::size_t>(parent[k])]) * inv[k];
}

}  // namespace apical
