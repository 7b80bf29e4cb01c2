#include "analysis/surrogate.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "core/error.hpp"
#include "objectives/objective.hpp"
#include "sim/h5.hpp"

namespace apical {

// ---- reading a case (SURROGATE.md section 8) ----------------------------------------------

namespace {

[[noreturn]] void bad_input(const std::string& file, const std::string& where,
                            const std::string& value, const std::string& rule) {
  throw ConfigError(file, 0, where, value, rule);
}

std::size_t read_size(const std::string& file, hid_t params, const std::string& name) {
  auto v = h5::read_attr<std::int64_t>(params, name);
  if (v < 1) bad_input(file, "/params@" + name, std::to_string(v), "must be >= 1");
  return static_cast<std::size_t>(v);
}

double read_finite(const std::string& file, hid_t params, const std::string& name) {
  double v = h5::read_attr<double>(params, name);
  if (!std::isfinite(v)) bad_input(file, "/params@" + name, std::to_string(v), "must be finite");
  return v;
}

template <h5::Element T>
std::vector<T> read_shaped(const std::string& file, hid_t f, const std::string& path,
                           const h5::Shape& expected) {
  h5::Array<T> a = h5::read_array<T>(f, path);
  if (a.shape != expected)
    bad_input(file, "/" + path, h5::shape_string(a.shape),
              "expected shape " + h5::shape_string(expected) + " (from /params)");
  if constexpr (std::is_floating_point_v<T>) {
    for (std::size_t i = 0; i < a.data.size(); ++i)
      if (!std::isfinite(a.data[i]))
        bad_input(file, "/" + path + "[" + std::to_string(i) + "]", std::to_string(a.data[i]),
                  "must be finite");
  }
  return std::move(a.data);
}

}  // namespace

SurrogateCase read_surrogate_case(const std::string& path) {
  h5::Handle f = h5::open_file(path);
  h5::Handle params = h5::open(f.get(), "params");
  hid_t pa = params.get();

  SurrogateCase c;
  SurrogateParams& p = c.params;
  p.alpha = read_finite(path, pa, "alpha");
  p.beta = read_finite(path, pa, "beta");
  p.threshold = read_finite(path, pa, "threshold");
  p.surrogate_scale = read_finite(path, pa, "surrogate_scale");
  if (p.surrogate_scale < 0)
    bad_input(path, "/params@surrogate_scale", std::to_string(p.surrogate_scale), "must be >= 0");
  std::string loss = h5::read_attr_string(pa, "loss");
  if (loss == "classification")
    p.loss = SurrogateLoss::classification;
  else if (loss == "regression")
    p.loss = SurrogateLoss::regression;
  else
    bad_input(path, "/params@loss", loss, "must be \"classification\" or \"regression\"");
  auto recurrent = h5::read_attr<std::int64_t>(pa, "recurrent");
  if (recurrent != 0 && recurrent != 1)
    bad_input(path, "/params@recurrent", std::to_string(recurrent), "must be 0 or 1");
  p.recurrent = recurrent == 1;
  p.T = read_size(path, pa, "T");
  p.B = read_size(path, pa, "B");
  p.n_in = read_size(path, pa, "n_in");
  p.n_hid = read_size(path, pa, "n_hid");
  p.n_out = read_size(path, pa, "n_out");

  c.x = read_shaped<std::uint8_t>(path, f.get(), "inputs/spikes", {p.B, p.T, p.n_in});
  if (p.loss == SurrogateLoss::classification) {
    c.labels = read_shaped<std::int64_t>(path, f.get(), "inputs/labels", {p.B});
    for (std::size_t b = 0; b < p.B; ++b)
      if (c.labels[b] < 0 || static_cast<std::size_t>(c.labels[b]) >= p.n_out)
        bad_input(path, "/inputs/labels[" + std::to_string(b) + "]", std::to_string(c.labels[b]),
                  "must be a class index in 0.." + std::to_string(p.n_out - 1));
  } else {
    c.targets = read_shaped<double>(path, f.get(), "inputs/targets", {p.B, p.T, p.n_out});
  }
  c.W1 = read_shaped<double>(path, f.get(), "weights/W1", {p.n_in, p.n_hid});
  if (p.recurrent) c.V = read_shaped<double>(path, f.get(), "weights/V", {p.n_hid, p.n_hid});
  c.W2 = read_shaped<double>(path, f.get(), "weights/W2", {p.n_hid, p.n_out});
  return c;
}

// ---- forward, loss, backward ---------------------------------------------------------------

namespace {

// One batch element's slices of the result arrays ([T, n] each).
struct TrialState {
  double* mem;     // [T, n_hid]
  double* spikes;  // [T, n_hid]
  double* reset;   // [T, n_hid]
  double* out;     // [T, n_out]
};

struct Gradients {
  std::vector<double> dW1, dV, dW2;
  explicit Gradients(const SurrogateParams& p)
      : dW1(p.n_in * p.n_hid, 0.0),
        dV(p.recurrent ? p.n_hid * p.n_hid : 0, 0.0),
        dW2(p.n_hid * p.n_out, 0.0) {}
};

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// s_t from v_t = mem_t - theta: H(v) (H(0) = 0), or the smooth sigmoid(k v).
double spike(double v, const SurrogateOptions& o) {
  if (o.smooth) return sigmoid(o.smooth_k * v);
  return v > 0.0 ? 1.0 : 0.0;
}

// ds_t/dmem_t in the backward pass: the surrogate sigma'(v) = 1 / (sigma_s |v| + 1)^2 (section 5),
// or the exact derivative k s (1 - s) of the smooth spike.
double spike_derivative(double v, double s, const SurrogateParams& p, const SurrogateOptions& o) {
  if (o.smooth) return o.smooth_k * s * (1.0 - s);
  double d = p.surrogate_scale * std::fabs(v) + 1.0;
  return 1.0 / (d * d);
}

// row += a * W[row_index, :], skipping a = 0 (binary spikes and inputs are mostly zero).
void add_scaled_row(std::vector<double>& acc, double a, const double* row, std::size_t n) {
  if (a == 0.0) return;
  for (std::size_t j = 0; j < n; ++j) acc[j] += a * row[j];
}

// Section 3 for batch element b: the hidden LIF layer, then the leaky readout.
void forward_trial(const SurrogateCase& c, const SurrogateOptions& o, std::size_t b,
                   TrialState st) {
  const SurrogateParams& p = c.params;
  const std::size_t T = p.T, n_in = p.n_in, n_hid = p.n_hid, n_out = p.n_out;
  std::vector<double> syn(n_hid, 0.0), mem(n_hid, 0.0), I(n_hid);
  const double* frozen = o.frozen_reset ? o.frozen_reset->data() + b * T * n_hid : nullptr;

  for (std::size_t t = 0; t < T; ++t) {
    double* s_t = st.spikes + t * n_hid;
    double* r_t = st.reset + t * n_hid;
    for (std::size_t j = 0; j < n_hid; ++j) {
      st.mem[t * n_hid + j] = mem[j];
      s_t[j] = spike(mem[j] - p.threshold, o);
      r_t[j] = frozen ? frozen[t * n_hid + j] : 1.0 - s_t[j];
    }
    // I_t = x_t @ W1 + s_{t-1} @ V
    std::fill(I.begin(), I.end(), 0.0);
    const std::uint8_t* x_t = c.x.data() + (b * T + t) * n_in;
    for (std::size_t i = 0; i < n_in; ++i)
      add_scaled_row(I, x_t[i], c.W1.data() + i * n_hid, n_hid);
    if (p.recurrent && t >= 1) {
      const double* s_prev = s_t - n_hid;
      for (std::size_t jp = 0; jp < n_hid; ++jp)
        add_scaled_row(I, s_prev[jp], c.V.data() + jp * n_hid, n_hid);
    }
    // mem_{t+1} = (beta mem_t + syn_t) r_t uses syn_t, so it is updated before syn.
    for (std::size_t j = 0; j < n_hid; ++j) {
      mem[j] = (p.beta * mem[j] + syn[j]) * r_t[j];
      syn[j] = p.alpha * syn[j] + I[j];
    }
  }

  std::vector<double> flt(n_out, 0.0), out(n_out, 0.0), J(n_out);
  for (std::size_t t = 0; t < T; ++t) {
    std::copy(out.begin(), out.end(), st.out + t * n_out);  // out_t, before the update of step t
    std::fill(J.begin(), J.end(), 0.0);                     // J_t = s_t @ W2
    const double* s_t = st.spikes + t * n_hid;
    for (std::size_t j = 0; j < n_hid; ++j)
      add_scaled_row(J, s_t[j], c.W2.data() + j * n_out, n_out);
    for (std::size_t k = 0; k < n_out; ++k) {
      out[k] = p.beta * out[k] + flt[k];  // uses flt_t: before flt's update
      flt[k] = p.alpha * flt[k] + J[k];
    }
  }
}

// Section 4 for one batch element, through the same objectives as [trials.objective]. Returns
// the trial's loss and dloss/dout_t (not yet divided by B).
ObjectiveResult trial_objective(const SurrogateCase& c, const Objective& objective, std::size_t b,
                                const double* out) {
  const SurrogateParams& p = c.params;
  TrialObservation obs;
  obs.T = p.T;
  obs.n = p.n_out;
  obs.trace.assign(out, out + p.T * p.n_out);
  TrialTarget target;
  if (p.loss == SurrogateLoss::classification) {
    target.label = c.labels[b];
  } else {
    auto first = c.targets.begin() + static_cast<std::ptrdiff_t>(b * p.T * p.n_out);
    target.values.assign(first, first + static_cast<std::ptrdiff_t>(p.T * p.n_out));
  }
  return objective.evaluate(obs, target);
}

// Section 6 for one batch element: the adjoint recursion, backwards in time, accumulating this
// element's dL/dW into grad. g is dL/dout [T, n_out] (with the 1/B inside).
void backward_trial(const SurrogateCase& c, const SurrogateOptions& o, std::size_t b,
                    const TrialState& st, const std::vector<double>& g, Gradients& grad) {
  const SurrogateParams& p = c.params;
  const std::size_t T = p.T, n_in = p.n_in, n_hid = p.n_hid, n_out = p.n_out;
  std::vector<double> lam_out(n_out, 0.0), lam_flt(n_out, 0.0), dJ(n_out);
  std::vector<double> lam_mem(n_hid, 0.0), lam_syn(n_hid, 0.0), lam_I(n_hid),
      lam_I_next(n_hid, 0.0);
  std::vector<double> lam_s(n_hid);

  for (std::size_t t = T; t-- > 0;) {
    const double* s_t = st.spikes + t * n_hid;
    const double* r_t = st.reset + t * n_hid;
    const double* mem_t = st.mem + t * n_hid;

    // 6.2 readout adjoint: dJ_t = lam_flt_{t+1}
    for (std::size_t k = 0; k < n_out; ++k) {
      dJ[k] = lam_flt[k];
      lam_flt[k] = p.alpha * lam_flt[k] + lam_out[k];
      lam_out[k] = p.beta * lam_out[k] + g[t * n_out + k];
    }
    // dL/dW2 += outer(s_t, dJ_t)
    for (std::size_t j = 0; j < n_hid; ++j) {
      if (s_t[j] == 0.0) continue;
      double* row = grad.dW2.data() + j * n_out;
      for (std::size_t k = 0; k < n_out; ++k) row[k] += s_t[j] * dJ[k];
    }

    // 6.3 hidden adjoint: lam_I_t = lam_syn_{t+1}
    lam_I = lam_syn;
    // 6.4 dL/dW1 += outer(x_t, lam_I_t); dL/dV += outer(s_{t-1}, lam_I_t)
    const std::uint8_t* x_t = c.x.data() + (b * T + t) * n_in;
    for (std::size_t i = 0; i < n_in; ++i) {
      if (x_t[i] == 0) continue;
      double* row = grad.dW1.data() + i * n_hid;
      for (std::size_t j = 0; j < n_hid; ++j) row[j] += x_t[i] * lam_I[j];
    }
    if (p.recurrent && t >= 1) {
      const double* s_prev = s_t - n_hid;
      for (std::size_t jp = 0; jp < n_hid; ++jp) {
        if (s_prev[jp] == 0.0) continue;
        double* row = grad.dV.data() + jp * n_hid;
        for (std::size_t j = 0; j < n_hid; ++j) row[j] += s_prev[jp] * lam_I[j];
      }
    }

    // lam_s_t = e_t + lam_I_{t+1} @ V^T, with e_t = dJ_t @ W2^T
    for (std::size_t j = 0; j < n_hid; ++j) {
      const double* w2_row = c.W2.data() + j * n_out;
      double e = 0.0;
      for (std::size_t k = 0; k < n_out; ++k) e += w2_row[k] * dJ[k];
      if (p.recurrent) {
        const double* v_row = c.V.data() + j * n_hid;
        for (std::size_t jn = 0; jn < n_hid; ++jn) e += v_row[jn] * lam_I_next[jn];
      }
      lam_s[j] = e;
    }

    // lam_mem_t and lam_syn_t, simultaneously (both read lam_mem_{t+1}); r_t is detached.
    for (std::size_t j = 0; j < n_hid; ++j) {
      double v_t = mem_t[j] - p.threshold;
      double dsdv = spike_derivative(v_t, s_t[j], p, o);
      double lam_mem_t = p.beta * r_t[j] * lam_mem[j] + dsdv * lam_s[j];
      lam_syn[j] = p.alpha * lam_syn[j] + r_t[j] * lam_mem[j];
      lam_mem[j] = lam_mem_t;
    }
    std::swap(lam_I_next, lam_I);
  }
}

void add_into(std::vector<double>& total, const std::vector<double>& part) {
  for (std::size_t i = 0; i < total.size(); ++i) total[i] += part[i];
}

std::unique_ptr<Objective> make_surrogate_objective(SurrogateLoss loss) {
  if (loss == SurrogateLoss::classification) return std::make_unique<ClassificationMax>();
  return std::make_unique<Regression>();
}

void check_options(const SurrogateCase& c, int threads, const SurrogateOptions& o) {
  const SurrogateParams& p = c.params;
  if (threads < 1) throw std::invalid_argument("surrogate_gradient: threads must be >= 1");
  if (o.smooth && !(std::isfinite(o.smooth_k) && o.smooth_k > 0))
    throw std::invalid_argument("surrogate_gradient: smooth_k must be a finite number > 0");
  if (o.frozen_reset && o.frozen_reset->size() != p.B * p.T * p.n_hid)
    throw std::invalid_argument("surrogate_gradient: frozen_reset must have B * T * n_hid values");
}

// Forward and loss for every batch element, and (if want_gradient) the backward pass. Batch
// elements run in blocks of a fixed size, each element into its own gradient buffer; the
// buffers are summed in batch order, so the sum does not depend on the thread count.
SurrogateResult run(const SurrogateCase& c, int threads, const SurrogateOptions& o,
                    bool want_gradient) {
  check_options(c, threads, o);
  const SurrogateParams& p = c.params;
  const std::size_t B = p.B, T = p.T;
  SurrogateResult res;
  res.mem.assign(B * T * p.n_hid, 0.0);
  res.spikes.assign(B * T * p.n_hid, 0.0);
  res.reset.assign(B * T * p.n_hid, 0.0);
  res.out.assign(B * T * p.n_out, 0.0);
  Gradients total(p);
  std::vector<double> trial_loss(B, 0.0);
  std::vector<std::exception_ptr> errors(B);
  const std::unique_ptr<Objective> objective = make_surrogate_objective(p.loss);

  constexpr std::size_t block = 16;  // bounds the per-element buffers held at once
  std::vector<Gradients> part(want_gradient ? std::min(block, B) : 0, Gradients(p));
  for (std::size_t b0 = 0; b0 < B; b0 += block) {
    const auto n = static_cast<std::ptrdiff_t>(std::min(block, B - b0));
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::ptrdiff_t e = 0; e < n; ++e) {
      // Exceptions must not leave an OpenMP region: keep them, rethrow the first in batch order.
      try {
        std::size_t b = b0 + static_cast<std::size_t>(e);
        TrialState st{res.mem.data() + b * T * p.n_hid, res.spikes.data() + b * T * p.n_hid,
                      res.reset.data() + b * T * p.n_hid, res.out.data() + b * T * p.n_out};
        forward_trial(c, o, b, st);
        ObjectiveResult obj = trial_objective(c, *objective, b, st.out);
        trial_loss[b] = obj.loss;
        if (!want_gradient) continue;
        // g_t = dL/dout_t: the trial's derivative divided by B (section 6.1).
        for (double& d : obj.dloss_dtrace) d /= static_cast<double>(B);
        Gradients& grad = part[static_cast<std::size_t>(e)];
        std::fill(grad.dW1.begin(), grad.dW1.end(), 0.0);
        std::fill(grad.dV.begin(), grad.dV.end(), 0.0);
        std::fill(grad.dW2.begin(), grad.dW2.end(), 0.0);
        backward_trial(c, o, b, st, obj.dloss_dtrace, grad);
      } catch (...) {
        errors[b0 + static_cast<std::size_t>(e)] = std::current_exception();
      }
    }
    for (std::size_t e = 0; e < static_cast<std::size_t>(n); ++e) {
      if (errors[b0 + e]) std::rethrow_exception(errors[b0 + e]);
      if (!want_gradient) continue;
      add_into(total.dW1, part[e].dW1);
      add_into(total.dV, part[e].dV);
      add_into(total.dW2, part[e].dW2);
    }
  }

  // L = (1/B) sum_b loss_b, summed in batch order.
  double sum = 0.0;
  for (double l : trial_loss) sum += l;
  res.loss = sum / static_cast<double>(B);
  if (want_gradient) {
    res.dW1 = std::move(total.dW1);
    res.dV = std::move(total.dV);
    res.dW2 = std::move(total.dW2);
  }
  return res;
}

}  // namespace

SurrogateResult surrogate_gradient(const SurrogateCase& c, int threads,
                                   const SurrogateOptions& options) {
  return run(c, threads, options, true);
}

double surrogate_loss(const SurrogateCase& c, int threads, const SurrogateOptions& options) {
  return run(c, threads, options, false).loss;
}

}  // namespace apical
