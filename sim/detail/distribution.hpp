// A config value that is either a constant or a distribution to draw from:
//   weight = 16.2
//   weight = { distribution = "normal", mean = 16.2, std = 1.0 }
//   delay  = { distribution = "uniform", low = 0.1, high = 2.0 }
#pragma once
#include <string>

#include "core/config.hpp"
#include "core/rng.hpp"

namespace apical::detail {

struct Distribution {
  enum class Kind { constant, uniform, normal } kind = Kind::constant;
  double a = 0.0, b = 0.0;  // constant: a; uniform: [a, b); normal: mean a, std b

  double draw(RandomStream& rng) const {
    switch (kind) {
      case Kind::constant: return a;
      case Kind::uniform: return rng.uniform(a, b);
      case Kind::normal: return rng.normal(a, b);
    }
    return a;
  }
  bool random() const { return kind != Kind::constant; }
  // Every value it can produce lies in [lo, hi] (normal: only if std is 0).
  double lowest() const { return kind == Kind::normal && b > 0 ? -1e308 : a; }

  static Distribution parse(const ConfigNode& parent, const std::string& key, Check check) {
    Distribution d;
    if (!parent.is_table(key)) {
      d.a = parent.number(key, check);
      return d;
    }
    ConfigNode t = parent.table(key);
    std::string kind = t.choice("distribution", {"uniform", "normal"});
    if (kind == "uniform") {
      d.kind = Kind::uniform;
      d.a = t.number("low", check);
      d.b = t.number("high", check);
      if (!(d.a <= d.b)) t.fail("high", "must be >= low");
    } else {
      d.kind = Kind::normal;
      d.a = t.number("mean", Check::finite(check.unit));
      d.b = t.number("std", Check::non_negative(check.unit));
    }
    t.finish();
    return d;
  }
};

}  // namespace apical::detail
