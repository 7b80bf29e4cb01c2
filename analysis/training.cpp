#include "analysis/training.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "sim/detail/build.hpp"
#include "sim/h5.hpp"
#include "sim/simulator.hpp"

namespace apical {

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool differentiable_target(const Network& net, const Projection& p) {
  const std::string& m = net.populations[p.target]->model();
  return m == "lif_discrete" || m == "li_readout" || m == "rate_unit";
}

std::size_t sample_count(const Network& net) {
  return net.trials.samples > 0 ? net.trials.samples : static_cast<std::size_t>(net.trials.count);
}

// Fisher-Yates with a counter-based stream: the order is a function of (seed, owner, entity).
void shuffle(std::vector<std::int64_t>& v, std::uint64_t seed, std::uint32_t owner, std::uint32_t entity) {
  RandomStream rng(seed, StreamKind::trial_order, owner, entity);
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(static_cast<std::uint32_t>(i))]);
}

constexpr std::uint32_t kSplitOwner = 1, kEpochOwner = 2;  // trial_order stream owners

}  // namespace

TrainingSpec parse_training(const ConfigNode& t, const Network& net) {
  TrainingSpec s;
  if (net.trials.count <= 0 || !net.trials.objective)
    t.fail_table("training needs [trials] with an [trials.objective] (the loss)");
  s.method = t.choice("method", {"surrogate", "rule"}, "surrogate") == "rule" ? TrainingSpec::Method::rule
                                                                               : TrainingSpec::Method::surrogate;
  s.optimizer = t.choice("optimizer", {"adam", "sgd"}, "adam") == "sgd" ? TrainingSpec::Optimizer::sgd
                                                                         : TrainingSpec::Optimizer::adam;
  s.lr = t.number("lr", 1e-3, Check::positive());
  if (t.has("betas")) {
    auto b = t.numbers("betas", Check::range(0.0, 1.0));
    if (b.size() != 2 || b[0] >= 1.0 || b[1] >= 1.0) t.fail("betas", "must be two numbers in [0, 1)");
    s.beta1 = b[0];
    s.beta2 = b[1];
  }
  s.epsilon = t.number("epsilon", 1e-8, Check::positive());
  s.epochs = t.integer("epochs", 10, 1);
  s.batch_size = t.integer("batch_size", 32, 1);
  s.surrogate_scale = t.number("surrogate_scale", 10.0, Check::non_negative());

  const std::size_t N = sample_count(net);
  if (t.has("test_samples") && t.has("test_fraction")) t.fail("test_samples", "give test_samples or test_fraction, not both");
  if (t.has("test_samples")) {
    s.n_test = static_cast<std::size_t>(t.integer("test_samples", {}, 0));
  } else {
    double f = t.number("test_fraction", 0.2, Check::range(0.0, 1.0));
    s.n_test = static_cast<std::size_t>(std::llround(f * static_cast<double>(N)));
  }
  if (s.n_test >= N)
    t.fail(t.has("test_samples") ? "test_samples" : "test_fraction",
           "leaves no training sample (the data set has " + std::to_string(N) + ")");
  s.n_train = N - s.n_test;
  if (t.has("train_samples")) {
    auto n = static_cast<std::size_t>(t.integer("train_samples", {}, 1));
    if (n > s.n_train) t.fail("train_samples", "exceeds the " + std::to_string(s.n_train) + " samples left for training");
    s.n_train = n;
  }

  if (t.has("projections")) {
    for (const auto& name : t.strings("projections")) {
      const std::size_t k = detail::projection_of(net, t, "projections", name);
      if (!differentiable_target(net, net.projections[k]))
        t.fail("projections", "'" + name + "' targets a population the gradient does not cover (lif_discrete, "
                              "li_readout, rate_unit)");
      if (std::find(s.projections.begin(), s.projections.end(), k) != s.projections.end())
        t.fail("projections", "lists '" + name + "' twice");
      s.projections.push_back(k);
    }
  } else {
    for (std::size_t k = 0; k < net.projections.size(); ++k)
      if (differentiable_target(net, net.projections[k])) s.projections.push_back(k);
  }
  if (s.method == TrainingSpec::Method::surrogate && s.projections.empty())
    t.fail_table("no projection to train: none targets a lif_discrete, li_readout or rate_unit population");
  if (s.method == TrainingSpec::Method::rule) {
    bool any = false;
    for (auto& p : net.projections) any = any || (p.plastic() && p.update->settings().mode == WeightUpdate::Mode::learn);
    if (!any) t.fail("method", "\"rule\" needs a plastic projection in mode = \"learn\"");
  }

  if (t.has("checkpoints") && t.has("checkpoint_every")) t.fail("checkpoint_every", "give checkpoints or checkpoint_every, not both");
  if (t.has("checkpoints")) {
    for (auto e : t.integers("checkpoints")) {
      if (e < 0 || e > s.epochs) t.fail("checkpoints", "epoch " + std::to_string(e) + " is outside 0.." + std::to_string(s.epochs));
      s.checkpoints.push_back(e);
    }
  } else {
    std::int64_t every = t.integer("checkpoint_every", s.epochs, 1);
    for (std::int64_t e = 0; e <= s.epochs; e += every) s.checkpoints.push_back(e);
    s.checkpoints.push_back(s.epochs);
  }
  std::sort(s.checkpoints.begin(), s.checkpoints.end());
  s.checkpoints.erase(std::unique(s.checkpoints.begin(), s.checkpoints.end()), s.checkpoints.end());
  t.finish();
  return s;
}

std::vector<std::int64_t> checkpoint_epochs(const std::string& file) {
  h5::Handle f = h5::open_file(file);
  std::vector<std::int64_t> epochs;
  if (!h5::exists(f.get(), "/checkpoints")) return epochs;
  for (const auto& name : h5::children(f.get(), "/checkpoints")) {
    h5::Handle g = h5::open(f.get(), "/checkpoints/" + name);
    epochs.push_back(h5::read_attr<std::int64_t>(g.get(), "epoch"));
  }
  std::sort(epochs.begin(), epochs.end());
  return epochs;
}

namespace {

// The ids of `group` (SONATA edges) against projection p's synapses, in storage order.
void check_synapses(hid_t f, const std::string& file, const std::string& group, const Projection& p) {
  auto src = h5::read_vector<std::uint64_t>(f, group + "/source_node_id");
  auto dst = h5::read_vector<std::uint64_t>(f, group + "/target_node_id");
  bool same = src.size() == p.size() && dst.size() == p.size();
  for (std::size_t j = 0; same && j + 1 < p.row.size(); ++j)
    for (std::uint64_t s = p.row[j]; s < p.row[j + 1]; ++s) same = same && src[s] == j && dst[s] == p.post[s];
  if (!same) throw ConfigError(file + ": " + group + " holds other synapses than projection '" + p.name + "' of this network");
}

}  // namespace

void load_checkpoint(Network& net, const std::string& file, std::int64_t epoch) {
  h5::Handle f = h5::open_file(file);
  const std::string base = "/checkpoints/" + std::to_string(epoch) + "/weights/";
  if (!h5::exists(f.get(), "/checkpoints/" + std::to_string(epoch)))
    throw ConfigError(file + ": no checkpoint of epoch " + std::to_string(epoch));
  for (Projection& p : net.projections) {
    const std::string g = base + p.name;
    if (!h5::exists(f.get(), g)) throw ConfigError(file + ": no group " + g + " (a checkpoint of another network?)");
    check_synapses(f.get(), file, g, p);
    auto w = h5::read_vector<double>(f.get(), g + "/syn_weight");
    std::copy(w.begin(), w.end(), p.weight.begin());  // in place: plastic rules hold spans of it
  }
}

void load_weight_snapshot(Network& net, const std::string& file, double time_ms) {
  h5::Handle f = h5::open_file(file);
  bool any = false;
  for (Projection& p : net.projections) {
    const std::string g = "/weights/" + p.name;
    if (!h5::exists(f.get(), g + "/snapshots")) continue;
    check_synapses(f.get(), file, g, p);
    const auto times = h5::read_vector<double>(f.get(), g + "/snapshots/times");
    std::size_t row = times.size();
    for (std::size_t r = 0; r < times.size(); ++r)
      if (std::abs(times[r] - time_ms) <= 1e-9 * std::max(1.0, std::abs(time_ms))) row = r;
    if (row == times.size()) {
      std::string have;
      for (std::size_t r = 0; r < times.size() && r < 8; ++r) {
        if (r) have += ", ";
        have += format_number(times[r]);
      }
      throw ConfigError(file + ": " + g + "/snapshots has no snapshot at " + format_number(time_ms) + " ms (it has " +
                        have + (times.size() > 8 ? ", ..." : "") + ")");
    }
    const std::string values = g + "/snapshots/values";
    if (h5::shape_of(h5::open(f.get(), values).get()) != h5::Shape{times.size(), p.size()})
      throw ConfigError(file + ": " + values + " is not [snapshots, synapses] = [" + std::to_string(times.size()) +
                        ", " + std::to_string(p.size()) + "]");
    const auto w = h5::read_row(f.get(), values, row);
    std::copy(w.begin(), w.end(), p.weight.begin());
    any = true;
  }
  if (!any) throw ConfigError(file + ": no weight snapshots (an `apical run` with [output] weight_interval > 0?)");
}

Trainer::Trainer(Network& net, TrainingSpec spec, int threads)
    : net_(net), spec_(std::move(spec)), threads_(std::max(1, threads)) {
  const std::string kind = net_.trials.objective->name();
  classifies_ = kind.rfind("classification", 0) == 0;
  const std::size_t N = sample_count(net_);
  std::vector<std::int64_t> all(N);
  std::iota(all.begin(), all.end(), 0);
  if (spec_.method == TrainingSpec::Method::surrogate) {
    shuffle(all, net_.seed, kSplitOwner, 0);
    test_.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(spec_.n_test));
    train_.assign(all.begin() + static_cast<std::ptrdiff_t>(spec_.n_test),
                  all.begin() + static_cast<std::ptrdiff_t>(spec_.n_test + spec_.n_train));
    inputs_ = record_inputs(net_, std::vector<std::int64_t>(all.begin(), all.end()));
    for (std::size_t k : spec_.projections) {
      m_.emplace_back(net_.projections[k].size(), 0.0);
      v_.emplace_back(net_.projections[k].size(), 0.0);
    }
  } else {
    train_.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(spec_.n_train));
    test_.assign(all.end() - static_cast<std::ptrdiff_t>(spec_.n_test), all.end());
  }
  start_ = now_s();
}

Trainer::Eval Trainer::evaluate(const std::vector<std::int64_t>& samples) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (samples.empty()) return {nan, nan};
  if (spec_.method == TrainingSpec::Method::rule) return evaluate_by_simulation(samples);
  NetworkGradientOptions o;
  o.surrogate_scale = spec_.surrogate_scale;
  NetworkGradient g = network_gradient(net_, inputs_, samples, threads_, o, false);
  double correct = 0;
  for (auto c : g.trial_correct) correct += c;
  return {g.loss, classifies_ ? correct / static_cast<double>(samples.size()) : nan};
}

namespace {

struct TrialLog : RunObserver {
  std::vector<double> loss, correct;
  std::function<void(const TrialLog&)> after;
  void trial_done(std::int64_t, Step, const ObjectiveResult* r) override {
    loss.push_back(r ? r->loss : 0.0);
    correct.push_back(r && r->correct ? 1.0 : 0.0);
    if (after) after(*this);
  }
};

// Run `count` trials of the network (trial k presents sample k), learning or not.
TrialLog simulate(Network& net, std::int64_t count, int threads, bool learn, const std::function<void(const TrialLog&)>& after,
                  const std::atomic<bool>* stop) {
  const std::int64_t keep_count = net.trials.count;
  const Step keep_duration = net.duration;
  std::vector<std::unique_ptr<Rule>> rules(net.projections.size());
  if (!learn)  // without its rule a projection is static: weights are read, never changed
    for (std::size_t k = 0; k < net.projections.size(); ++k) rules[k] = std::move(net.projections[k].rule);
  net.trials.count = count;
  net.duration = count * net.trials.length;
  TrialLog log;
  log.after = after;
  try {
    Simulator(net, threads).run(log, stop);
  } catch (...) {
    net.trials.count = keep_count;
    net.duration = keep_duration;
    for (std::size_t k = 0; k < rules.size(); ++k)
      if (rules[k]) net.projections[k].rule = std::move(rules[k]);
    throw;
  }
  net.trials.count = keep_count;
  net.duration = keep_duration;
  for (std::size_t k = 0; k < rules.size(); ++k)
    if (rules[k]) net.projections[k].rule = std::move(rules[k]);
  return log;
}

}  // namespace

Trainer::Eval Trainer::evaluate_by_simulation(const std::vector<std::int64_t>& samples) {
  const std::int64_t last = *std::max_element(samples.begin(), samples.end());
  TrialLog log = simulate(net_, last + 1, threads_, false, {}, nullptr);
  double loss = 0, correct = 0;
  for (auto k : samples) {
    loss += log.loss[static_cast<std::size_t>(k)];
    correct += log.correct[static_cast<std::size_t>(k)];
  }
  const double n = static_cast<double>(samples.size());
  return {loss / n, classifies_ ? correct / n : std::numeric_limits<double>::quiet_NaN()};
}

void Trainer::step(const NetworkGradient& g) {
  ++steps_;
  const double c1 = 1.0 - std::pow(spec_.beta1, static_cast<double>(steps_));
  const double c2 = 1.0 - std::pow(spec_.beta2, static_cast<double>(steps_));
  for (std::size_t q = 0; q < spec_.projections.size(); ++q) {
    std::vector<double>& w = net_.projections[spec_.projections[q]].weight;  // in place: rules hold spans
    const std::vector<double>& gs = g.synapse_grad[spec_.projections[q]];
    if (spec_.optimizer == TrainingSpec::Optimizer::sgd) {
      for (std::size_t s = 0; s < w.size(); ++s) w[s] -= spec_.lr * gs[s];
      continue;
    }
    auto& m = m_[q];
    auto& v = v_[q];
    for (std::size_t s = 0; s < w.size(); ++s) {
      m[s] = spec_.beta1 * m[s] + (1.0 - spec_.beta1) * gs[s];
      v[s] = spec_.beta2 * v[s] + (1.0 - spec_.beta2) * gs[s] * gs[s];
      w[s] -= spec_.lr * (m[s] / c1) / (std::sqrt(v[s] / c2) + spec_.epsilon);
    }
  }
}

EpochRecord Trainer::evaluate_initial() {
  EpochRecord r;
  r.epoch = 0;
  Eval tr = evaluate(train_), te = evaluate(test_);
  r.train_loss = tr.loss;
  r.train_accuracy = tr.accuracy;
  r.test_loss = te.loss;
  r.test_accuracy = te.accuracy;
  r.wall_s = now_s() - start_;
  return r;
}

EpochRecord Trainer::train_epoch(std::int64_t epoch, const std::function<void(const BatchProgress&)>& progress,
                                 const std::atomic<bool>* stop, bool& interrupted) {
  interrupted = false;
  EpochRecord r;
  r.epoch = epoch;
  BatchProgress bp;
  bp.epoch = epoch;
  bp.total = train_.size();
  double loss_sum = 0, correct_sum = 0;
  if (spec_.method == TrainingSpec::Method::surrogate) {
    std::vector<std::int64_t> order = train_;
    shuffle(order, net_.seed, kEpochOwner, static_cast<std::uint32_t>(epoch));
    NetworkGradientOptions o;
    o.surrogate_scale = spec_.surrogate_scale;
    const auto B = static_cast<std::size_t>(spec_.batch_size);
    for (std::size_t b0 = 0; b0 < order.size(); b0 += B) {
      if (stop && stop->load()) {
        interrupted = true;
        break;
      }
      std::vector<std::int64_t> batch(order.begin() + static_cast<std::ptrdiff_t>(b0),
                                      order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), b0 + B)));
      NetworkGradient g = network_gradient(net_, inputs_, batch, threads_, o);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        loss_sum += g.trial_loss[i];
        correct_sum += g.trial_correct[i];
      }
      step(g);
      bp.done += batch.size();
      bp.loss = loss_sum / static_cast<double>(bp.done);
      bp.accuracy = correct_sum / static_cast<double>(bp.done);
      if (progress) progress(bp);
    }
  } else {
    // A rule whose update takes k trials (paired perturbation: an unperturbed trial, then a
    // perturbed one) sees each sample k times in a row.
    std::size_t per = 1;
    for (const auto& p : net_.projections)
      if (p.plastic()) per = std::max(per, static_cast<std::size_t>(p.rule->trials_per_update()));
    std::vector<std::size_t> order;
    for (auto s : train_) order.insert(order.end(), per, static_cast<std::size_t>(s));
    net_.present_samples(order);
    TrialLog log;
    try {
      log = simulate(
          net_, static_cast<std::int64_t>(order.size()), threads_, true,
          [&](const TrialLog& l) {
            bp.done = l.loss.size() / per;
            bp.loss = std::accumulate(l.loss.begin(), l.loss.end(), 0.0) / static_cast<double>(l.loss.size());
            bp.accuracy = std::accumulate(l.correct.begin(), l.correct.end(), 0.0) / static_cast<double>(l.loss.size());
            if (progress) progress(bp);
          },
          stop);
    } catch (...) {
      net_.present_samples({});
      throw;
    }
    net_.present_samples({});
    for (std::size_t i = 0; i < log.loss.size(); ++i) {
      loss_sum += log.loss[i];
      correct_sum += log.correct[i];
    }
    interrupted = log.loss.size() < order.size();
    bp.done = log.loss.size();  // trials, for the means below
  }
  const double n = static_cast<double>(std::max<std::size_t>(1, bp.done));
  r.train_loss = loss_sum / n;
  r.train_accuracy = classifies_ ? correct_sum / n : std::numeric_limits<double>::quiet_NaN();
  if (!interrupted) {
    Eval te = evaluate(test_);
    r.test_loss = te.loss;
    r.test_accuracy = te.accuracy;
  } else {
    r.test_loss = r.test_accuracy = std::numeric_limits<double>::quiet_NaN();
  }
  r.wall_s = now_s() - start_;
  return r;
}

}  // namespace apical
