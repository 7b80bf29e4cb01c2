// Counter-based random streams (Random123 Philox4x32-10). A stream is named by
// (seed, kind, owner, entity): the kind says what the numbers are for, the owner which projection
// or population draws them, the entity which neuron or source. The n-th number of a stream is a pure
// function of those and n, so results do not depend on thread count or on the order in which
// streams are used. This header owns the list of stream kinds: add new kinds at the end.
#pragma once
#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

namespace apical {

enum class StreamKind : std::uint32_t {
  connectivity = 1,
  weight = 2,
  delay = 3,
  initial_state = 4,
  poisson = 5,
  noise = 6,
  noise_shared = 7,
  spiking = 8,      // stochastic spike emission (hazard / escape noise)
  perturbation = 9, // node and weight perturbation
  trial_order = 10,
  membrane_noise = 11,  // white-noise currents inside multi-compartment neurons
  feedback = 12,    // fixed random feedback weights of learning signals
  reward = 13,      // delays of rewards scheduled from events (sim/neuromodulator.hpp)
};

class RandomStream {
 public:
  RandomStream(std::uint64_t seed, StreamKind kind, std::uint32_t owner, std::uint32_t entity) {
    key_ = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    ctr_ = {{static_cast<std::uint32_t>(kind), owner, entity, 0}};
  }
  // The same stream, started at its block-th block of four 32-bit words (a normal() uses exactly
  // one block): random access for quantities keyed by a trial or a step (the perturbation rules).
  RandomStream(std::uint64_t seed, StreamKind kind, std::uint32_t owner, std::uint32_t entity, std::uint32_t block)
      : RandomStream(seed, kind, owner, entity) {
    ctr_.v[3] = block;
  }

  std::uint32_t next_u32() {
    if (used_ == 4) refill();
    return out_.v[used_++];
  }
  // Uniform on (0, 1): never 0 or 1, so log() of it is always finite.
  double uniform() {
    std::uint64_t hi = next_u32(), lo = next_u32();
    std::uint64_t bits = ((hi << 32) | lo) >> 11;  // 53 random bits
    return (static_cast<double>(bits) + 0.5) * 0x1.0p-53;
  }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double exponential(double rate) { return -std::log(uniform()) / rate; }
  // Box-Muller; one normal per two uniforms, so the count of draws stays simple to reason about.
  double normal() {
    double r = std::sqrt(-2.0 * std::log(uniform()));
    return r * std::cos(2.0 * M_PI * uniform());
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  // Integer uniformly in [0, n), n >= 1; Lemire's unbiased multiply-and-reject.
  std::uint32_t below(std::uint32_t n) {
    std::uint64_t m = std::uint64_t{next_u32()} * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
      std::uint32_t threshold = (0u - n) % n;
      while (low < threshold) {
        m = std::uint64_t{next_u32()} * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
  }
  // Number of failures before the first success of Bernoulli(p), 0 < p <= 1, capped at `cap`
  // (a tiny p gives gaps beyond any integer type; converting those would be undefined).
  std::uint64_t geometric(double p, std::uint64_t cap = std::uint64_t{1} << 62) {
    if (p >= 1.0) return 0;
    double gap = std::floor(std::log(uniform()) / std::log1p(-p));
    return gap < static_cast<double>(cap) ? static_cast<std::uint64_t>(gap) : cap;
  }

 private:
  void refill() {
    out_ = r123::Philox4x32{}(ctr_, key_);
    ++ctr_.v[3];
    used_ = 0;
  }
  r123::Philox4x32::key_type key_{};
  r123::Philox4x32::ctr_type ctr_{};
  r123::Philox4x32::ctr_type out_{};
  int used_ = 4;
};

}  // namespace apical
