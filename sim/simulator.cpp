#include "sim/simulator.hpp"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>

#include "core/error.hpp"

namespace apical {

Simulator::Simulator(Network& net, int threads) : net_(net), threads_(std::max(1, threads)) {
  Step max_delay = 1;
  for (auto& p : net_.projections) max_delay = std::max(max_delay, p.max_delay);
  ring_size_ = max_delay + net_.epoch;
  for (std::size_t pi = 0; pi < net_.populations.size(); ++pi) {
    std::size_t n = net_.populations[pi]->size();
    for (std::size_t first = 0; first < n; first += kBlockSize) {
      Block b;
      b.pop = pi;
      b.first = first;
      b.last = std::min(n, first + kBlockSize);
      for (std::size_t k = 0; k < net_.projections.size(); ++k)
        if (net_.projections[k].target == pi) b.incoming.push_back(k);
      for (std::size_t k = 0; k < net_.sources.size(); ++k)
        if (net_.sources[k].target() == pi) b.sources.push_back(k);
      b.ring.resize(static_cast<std::size_t>(ring_size_));
      blocks_.push_back(std::move(b));
    }
  }
  for (std::size_t pi = 0; pi < net_.populations.size(); ++pi) {
    std::vector<std::size_t> plastic;
    for (std::size_t k = 0; k < net_.projections.size(); ++k)
      if (net_.projections[k].target == pi && net_.projections[k].plastic()) plastic.push_back(k);
    net_.populations[pi]->attach_plasticity(&net_.projections, plastic);
  }
  last_spikes_.resize(net_.populations.size());
  samplers_.resize(net_.output.reports.size());
  pop_samplers_.resize(net_.populations.size());
  for (std::size_t r = 0; r < samplers_.size(); ++r) {
    const ReportSpec& rep = net_.output.reports[r];
    Sampler& s = samplers_[r];
    s.start = rep.start;
    s.stop = rep.stop;
    s.interval = rep.interval;
    s.variables = rep.variable_index;
    s.nodes = rep.nodes;
    pop_samplers_[rep.population].push_back(&s);
  }
  if (const auto& tr = net_.trials; tr.objective && tr.objective->reads() == "trace") {
    const Population& pop = *net_.populations[tr.population];
    objective_sampler_.variables = {pop.observable_index(tr.variable)};
    for (std::uint32_t i = 0; i < pop.size(); ++i) objective_sampler_.nodes.push_back(i);
    objective_sampler_.stop = net_.duration;
    pop_samplers_[tr.population].push_back(&objective_sampler_);
  }
}

void Simulator::observe_trial() {
  if (!net_.trials.objective) return;
  if (net_.trials.objective->reads() == "trace") {
    trial_trace_.insert(trial_trace_.end(), objective_sampler_.rows.begin(), objective_sampler_.rows.end());
  } else if (net_.trials.objective->reads() == "spikes") {  // a raster [trial steps, n] from the trial's start
    const std::size_t n = net_.populations[net_.trials.population]->size();
    const Step trial = net_.trials.count > 0 ? net_.trials.length : net_.duration;
    for (const Spike& s : last_spikes_[net_.trials.population]) {
      const auto row = static_cast<std::size_t>(s.step % trial);
      if (trial_trace_.size() < (row + 1) * n) trial_trace_.resize((row + 1) * n, 0.0);
      trial_trace_[row * n + s.node] = 1.0;
    }
  } else {
    trial_counts_.resize(net_.populations[net_.trials.population]->size(), 0.0);
    for (const Spike& s : last_spikes_[net_.trials.population]) trial_counts_[s.node] += 1.0;
  }
}

ObjectiveResult Simulator::evaluate_trial(std::int64_t trial) {
  const TrialSpec& tr = net_.trials;
  TrialObservation obs;
  obs.n = net_.populations[tr.population]->size();
  if (tr.objective->reads() == "spikes") trial_trace_.resize(static_cast<std::size_t>(tr.count > 0 ? tr.length : net_.duration) * obs.n, 0.0);
  if (tr.objective->reads() != "counts") {
    const std::size_t skip = static_cast<std::size_t>(tr.skip) * obs.n;
    obs.T = (trial_trace_.size() - skip) / obs.n;
    obs.trace.assign(trial_trace_.begin() + static_cast<std::ptrdiff_t>(skip), trial_trace_.end());
  } else {
    obs.counts = trial_counts_;
    obs.counts.resize(obs.n, 0.0);
  }
  trial_trace_.clear();
  trial_counts_.clear();
  return tr.objective->evaluate(obs, tr.target(trial));
}

// The global neuromodulator of DESIGN.md "Plasticity": the trial's reward R, or with a running
// baseline the reward-prediction error R - Rbar (SCIENCE.md 7.1: a mean-free third factor keeps
// the Hebbian term's mean out of the update), delivered at t1 to every target neuron of every
// plastic projection. post_state is the neuron's observables at t1 (observable() gives the state
// at the last epoch boundary, which is t1). Rbar starts at 0 and follows R after the delivery:
// Rbar += (R - Rbar) / baseline_tau; with "per_sample" each sample (trial k mod samples) has its
// own Rbar. Runs on the scheduler's thread; rules without a third-factor hook ignore it. Returns
// the value delivered.
double Simulator::deliver_third_factor(Step t1, double reward, std::int64_t trial) {
  const double tau = net_.trials.baseline_tau;
  const std::size_t samples = std::max<std::size_t>(1, net_.trials.samples);
  double& mean = reward_baseline_[net_.trials.baseline_per_sample ? net_.trials.sample_of(trial) % samples : 0];
  const double value = tau > 0 ? reward - mean : reward;
  if (tau > 0) mean += (reward - mean) / tau;
  deliver_to_rules(t1, value, nullptr);
  return value;
}

// `value` reaches every target neuron of the given plastic projections (nullptr: all of them).
void Simulator::deliver_to_rules(Step t1, double value, const std::vector<std::size_t>* projections) {
  const Millis t = net_.grid.ms(t1);
  std::vector<double> state;
  for (std::size_t pi = 0; pi < net_.projections.size(); ++pi) {
    Projection& p = net_.projections[pi];
    if (!p.plastic()) continue;
    if (projections && std::find(projections->begin(), projections->end(), pi) == projections->end()) continue;
    const Population& pop = *net_.populations[p.target];
    const auto n_obs = static_cast<int>(pop.observables().size());
    state.resize(static_cast<std::size_t>(n_obs));
    for (std::uint32_t j = 0; j < pop.size(); ++j) {
      for (int k = 0; k < n_obs; ++k) state[static_cast<std::size_t>(k)] = pop.observable(j, k);
      p.rule->on_third_factor(j, t, value, p.incoming(j), state, *p.update);
    }
  }
}

// Neuromodulators ([[neuromodulators]], sim/neuromodulator.hpp): this epoch's spikes schedule
// pulses; the pulses due by t1 are delivered now, at the epoch boundary t1.
void Simulator::deliver_neuromodulators(RunObserver& observer, Step t1) {
  for (std::size_t m = 0; m < net_.neuromodulators.size(); ++m) {
    Neuromodulator& nm = net_.neuromodulators[m];
    nm.observe(last_spikes_, net_.grid);
    for (double amount : nm.take_due(t1)) {
      deliver_to_rules(t1, amount, &nm.projections);
      observer.neuromodulator(m, t1, amount);
    }
  }
}

// Per-neuron learning signals (docs/eprop.md): the objective's derivative with respect to its
// population's trace becomes dL/dx of that population's inputs over the whole trial (the steps
// before `skip` have g = 0), which every rule that wants_error() turns into its learning signals.
// Projections into hidden populations first, so that symmetric feedback reads the readout's
// weights before the readout's own update of this trial (which an online schedule applies at once).
void Simulator::deliver_trial_error(Step t1, Step length, const ObjectiveResult& r) {
  const TrialSpec& tr = net_.trials;
  if (r.dloss_dtrace.empty()) return;
  bool any = false;
  for (auto& p : net_.projections) any = any || (p.plastic() && p.rule->wants_error());
  if (!any) return;
  const Population& pop = *net_.populations[tr.population];
  const std::size_t n = pop.size(), steps = static_cast<std::size_t>(length);
  std::vector<double> g(steps * n, 0.0), dx;
  std::copy(r.dloss_dtrace.begin(), r.dloss_dtrace.end(), g.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(tr.skip) * n));
  TrialError e{steps, n, t1 - length, {}, {}};
  if (tr.objective->reads() == "spikes") {
    e.doutput = g;  // dL/ds of the objective's (spiking) units
  } else {
    pop.input_adjoint(pop.observable_index(tr.variable), g, dx);  // checked when the network was built
    e.dinput = dx;
  }
  for (int pass = 0; pass < 2; ++pass)
    for (auto& p : net_.projections)
      if (p.plastic() && p.rule->wants_error() && (p.target == tr.population) == (pass == 1))
        p.rule->on_trial_error(e, *p.update);
}

void Simulator::restart(Step at) {
  for (auto& p : net_.populations) p->reset(at);
  for (auto& s : net_.sources) s.reset(at);
  const Step trial = net_.trials.count > 0 ? net_.trials.length : std::numeric_limits<Step>::max();
  for (std::size_t k = 0; k < net_.projections.size(); ++k)
    if (Projection& p = net_.projections[k]; p.plastic()) {
      p.rule->reset();
      p.update->clear_measured();  // the measured update is a sum over one trial
      p.rule->begin_trial(TrialStart{net_.seed, static_cast<std::uint32_t>(k), at / trial, at}, *p.update);
    }
  for (auto& b : blocks_)
    for (auto& slot : b.ring) slot.clear();
  for (auto& s : last_spikes_) s.clear();
  for (auto& m : net_.neuromodulators) m.restart(at);
}

// The previous epoch's spikes, filed into the rings of blocks [lo, hi) by arrival step. Per
// spike and run of blocks of one population: one bisection of the spike's row (sorted by target),
// then a walk along it, so the cost is O(spikes + synapses), not O(spikes x blocks). Each block
// receives its events in (projection, spike, synapse) order whatever the split into ranges.
void Simulator::deliver(std::size_t lo, std::size_t hi) {
  for (std::size_t b0 = lo; b0 < hi;) {
    std::size_t b1 = b0;
    while (b1 < hi && blocks_[b1].pop == blocks_[b0].pop) ++b1;
    const auto first = static_cast<std::uint32_t>(blocks_[b0].first);
    const auto last = static_cast<std::uint32_t>(blocks_[b1 - 1].last);
    for (std::size_t k : blocks_[b0].incoming) {
      const Projection& p = net_.projections[k];
      for (const Spike& s : last_spikes_[p.source]) {
        auto row_end = p.post.begin() + static_cast<std::ptrdiff_t>(p.row[s.node + 1]);
        auto it = std::lower_bound(p.post.begin() + static_cast<std::ptrdiff_t>(p.row[s.node]), row_end, first);
        for (; it != row_end && *it < last; ++it) {
          auto syn = static_cast<std::size_t>(it - p.post.begin());
          Step arrival = s.step + p.delay_of(syn);
          InputEvent ev{arrival, s.offset, *it, p.receptor, p.weight[syn] * s.value};
          if (p.plastic()) {  // the weight is read at arrival, after any change in between
            ev.weight = s.value;
            ev.projection = static_cast<std::int32_t>(k);
            ev.synapse = static_cast<std::uint32_t>(syn);
          }
          Block& target = blocks_[b0 + (*it - first) / kBlockSize];
          target.ring[static_cast<std::size_t>(arrival % ring_size_)].push_back(ev);
        }
      }
    }
    b0 = b1;
  }
}

void Simulator::advance_block(Block& b, Step t0, Step t1) {
  b.arrived.clear();
  for (Step t = t0; t < t1; ++t) {
    auto& slot = b.ring[static_cast<std::size_t>(t % ring_size_)];
    b.arrived.insert(b.arrived.end(), slot.begin(), slot.end());
    slot.clear();
  }
  for (std::size_t k : b.sources) net_.sources[k].events(b.first, b.last, t0, t1, b.arrived);
  sort_by_neuron_and_time(b);
  b.spikes.clear();
  Population& pop = *net_.populations[b.pop];
  b.non_finite = pop.advance(b.first, b.last, t0, t1, b.due, b.spikes, pop_samplers_[b.pop]);
}

// b.arrived -> b.due, by neuron, then time; ties keep arrival order (spike order, then
// projection order), so the order is the same whatever thread filled the block. Many inputs: a
// counting sort by neuron (stable, O(inputs + block size)), then an insertion sort of each
// neuron's few inputs by time, which arrive nearly in order already.
void Simulator::sort_by_neuron_and_time(Block& b) {
  if (b.arrived.size() <= 32) {  // few inputs: one insertion sort beats a pass over the block
    b.due = b.arrived;
    auto before = [](const InputEvent& x, const InputEvent& y) {
      if (x.target != y.target) return x.target < y.target;
      return x.step != y.step ? x.step < y.step : x.offset < y.offset;
    };
    for (std::size_t k = 1; k < b.due.size(); ++k)
      for (std::size_t j = k; j > 0 && before(b.due[j], b.due[j - 1]); --j) std::swap(b.due[j], b.due[j - 1]);
    return;
  }
  const std::size_t n = b.last - b.first;
  b.offsets.assign(n + 1, 0);
  for (const InputEvent& ev : b.arrived) ++b.offsets[ev.target - b.first + 1];
  for (std::size_t i = 0; i < n; ++i) b.offsets[i + 1] += b.offsets[i];
  b.due.resize(b.arrived.size());
  for (const InputEvent& ev : b.arrived) b.due[b.offsets[ev.target - b.first]++] = ev;
  auto later = [](const InputEvent& x, const InputEvent& y) {
    return x.step != y.step ? x.step > y.step : x.offset > y.offset;
  };
  std::size_t begin = 0;
  for (std::size_t i = 0; i < n; ++i) {  // offsets[i] is now the end of neuron i's inputs
    const std::size_t end = b.offsets[i];
    for (std::size_t k = begin + 1; k < end; ++k)
      for (std::size_t j = k; j > begin && later(b.due[j - 1], b.due[j]); --j) std::swap(b.due[j], b.due[j - 1]);
    begin = end;
  }
}

void Simulator::prepare_samplers(Step t0, Step t1) {
  std::vector<Sampler*> all;
  for (Sampler& s : samplers_) all.push_back(&s);
  if (!objective_sampler_.nodes.empty()) all.push_back(&objective_sampler_);
  for (Sampler* sp : all) {
    Sampler& s = *sp;
    s.first_row_step = s.next_sample(t0);
    Step end = std::min(t1, s.stop);
    s.n_rows = s.first_row_step < end ? static_cast<std::size_t>((end - 1 - s.first_row_step) / s.interval + 1) : 0;
    s.rows.assign(s.n_rows * s.columns(), std::numeric_limits<double>::quiet_NaN());
  }
}

void Simulator::check_finite(Step t1) const {
  for (const auto& b : blocks_) {
    if (b.non_finite < 0) continue;
    const Population& pop = *net_.populations[b.pop];
    std::ostringstream msg;
    msg << "non-finite state in population '" << pop.name() << "' (" << pop.model() << "), neuron "
        << b.non_finite << ", by t = " << net_.grid.ms(t1) << " ms:";
    auto names = pop.observables();
    for (std::size_t v = 0; v < names.size(); ++v)
      msg << " " << names[v] << " = " << pop.observable(static_cast<std::size_t>(b.non_finite), static_cast<int>(v));
    throw RunError(msg.str());
  }
}

// Everything between two epochs' parallel parts, on one thread: exchange spikes, report them,
// close trials. Returns false when the run is over.
bool Simulator::finish_epoch(RunObserver& observer, Step t1, RunResult& result) {
  for (auto& p : net_.populations) p->epoch_end(t1);
  check_finite(t1);
  for (auto& s : last_spikes_) s.clear();
  for (auto& b : blocks_) last_spikes_[b.pop].insert(last_spikes_[b.pop].end(), b.spikes.begin(), b.spikes.end());
  for (std::size_t p = 0; p < last_spikes_.size(); ++p) {
    auto& s = last_spikes_[p];
    std::sort(s.begin(), s.end(), [](const Spike& x, const Spike& y) {
      if (x.step != y.step) return x.step < y.step;
      if (x.offset != y.offset) return x.offset < y.offset;
      return x.node < y.node;
    });
    result.spike_counts[p] += s.size();
    if (!s.empty()) observer.spikes(p, s);
  }
  // Rules with presynaptic state per source neuron (one delay per projection) see where this
  // epoch's spikes will arrive, and fold in those all targets have processed (before t1).
  for (auto& p : net_.projections)
    if (p.plastic() && p.rule->wants_source_arrivals()) {
      arrivals_.clear();
      for (const Spike& s : last_spikes_[p.source]) {
        const Time a{s.step + p.common_delay, s.offset};
        arrivals_.push_back({s.node, a.step, net_.grid.ms(a)});
      }
      p.rule->on_source_arrivals(arrivals_, t1);
    }
  for (std::size_t r = 0; r < samplers_.size(); ++r)
    if (samplers_[r].n_rows > 0) observer.samples(r, samplers_[r]);
  observe_trial();
  deliver_neuromodulators(observer, t1);
  observer.epoch_done(t1);
  result.reached = t1;
  const Step trial = net_.trials.count > 0 ? net_.trials.length : net_.duration;
  if (t1 % trial == 0) {
    const std::int64_t index = t1 / trial - 1;
    // The objective first: its reward is a third factor, and updates it causes belong to this
    // trial (the trial schedule applies them, measure mode counts them) before the next starts.
    std::optional<ObjectiveResult> r;
    if (net_.trials.objective) {
      r = evaluate_trial(index);
      const double delivered = deliver_third_factor(t1, r->reward, index);
      observer.third_factor(index, t1, delivered);
      deliver_trial_error(t1, trial, *r);
    }
    for (auto& p : net_.projections)
      if (p.plastic()) {
        p.rule->end_trial(net_.grid.ms(t1), *p.update);  // lazily applied updates, up to t1
        p.update->end_trial();
      }
    observer.trial_done(index, t1, r ? &*r : nullptr);
    if (t1 < net_.duration) {
      if (net_.trials.reset) {
        restart(t1);
      } else {  // trials as windows of one continuous run: only the measured update restarts
        for (auto& p : net_.projections)
          if (p.plastic()) p.update->clear_measured();
      }
    }
  }
  return t1 < net_.duration;
}

RunResult Simulator::run(RunObserver& observer, const std::atomic<bool>* stop) {
  RunResult result;
  result.spike_counts.assign(net_.populations.size(), 0);
  restart(0);
  for (auto& m : net_.neuromodulators) m.start();
  reward_baseline_.assign(std::max<std::size_t>(1, net_.trials.samples), 0.0);
  const Step trial = net_.trials.count > 0 ? net_.trials.length : std::numeric_limits<Step>::max();
  const std::size_t n_blocks = blocks_.size();
  Step t0 = 0, t1 = 0;
  bool more = net_.duration > 0;
  std::exception_ptr failure;
  // One parallel region for the whole run: epochs are short (often one step), so threads meet
  // at barriers rather than being started for every epoch. The serial parts run in `single`.
#pragma omp parallel num_threads(threads_)
  while (true) {
#pragma omp single
    {
      if (more && stop && stop->load()) {
        result.interrupted = true;
        more = false;
      }
      if (more) {
        // Epochs never straddle a trial boundary.
        t1 = std::min({t0 + net_.epoch, net_.duration, (t0 / trial + 1) * trial});
        prepare_samplers(t0, t1);
      }
    }
    if (!more) break;
    {
      // Each thread takes a fixed contiguous range of blocks: it delivers into them, then
      // advances them. Which thread does it changes nothing in the results.
      const auto tid = static_cast<std::size_t>(omp_get_thread_num());
      const auto nt = static_cast<std::size_t>(omp_get_num_threads());
      const std::size_t lo = n_blocks * tid / nt, hi = n_blocks * (tid + 1) / nt;
      deliver(lo, hi);
      for (std::size_t k = lo; k < hi; ++k) advance_block(blocks_[k], t0, t1);
    }
#pragma omp barrier
#pragma omp single
    {
      try {
        more = finish_epoch(observer, t1, result);
      } catch (...) {  // exceptions must not leave a parallel region: rethrown below
        failure = std::current_exception();
        more = false;
      }
      t0 = t1;
    }
  }
  if (failure) std::rethrow_exception(failure);
  return result;
}

}  // namespace apical
