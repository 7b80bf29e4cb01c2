// The model registry: an explicit list from config names to population types (STYLE.md:
// registration by a plain table, no macros, no constructor side effects).
#include <cmath>
#include <memory>

#include "core/rng.hpp"
#include "models/dendritic_presets.hpp"
#include "models/alif_discrete.hpp"
#include "models/aeif_cond_exp.hpp"
#include "models/hh_cond_exp_traub.hpp"
#include "models/izhikevich.hpp"
#include "models/lif_cond_exp.hpp"
#include "models/lif_cond_exp_exact.hpp"
#include "models/lif_discrete.hpp"
#include "models/lif_escape.hpp"
#include "models/lif_psc_delta.hpp"
#include "models/lif_psc_exp.hpp"
#include "models/rate_unit.hpp"
#include "sim/cable_population.hpp"
#include "sim/clock_population.hpp"
#include "sim/detail/build.hpp"
#include "sim/detail/distribution.hpp"
#include "sim/event_population.hpp"
#include "sim/generators.hpp"
#include "sim/h5.hpp"
#include "sim/input_files.hpp"
#include "sim/ode_population.hpp"

namespace apical::detail {

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = {"lif_psc_exp", "lif_psc_delta", "lif_discrete",
                                                 "li_readout", "poisson_generator", "spike_generator",
                                                 "raster_generator", "rate_unit", "cable",
                                                 "urbanczik_senn_2014", "sacramento_2018_pyramidal",
                                                 "sacramento_2018_interneuron", "alif_discrete", "lif_cond_exp",
                                                 "aeif_cond_exp", "izhikevich", "hh_cond_exp_traub", "lif_escape",
                                                 "value_generator"};
  return names;
}

namespace {

// Initial state per neuron: the model's default, with the values given in `initial = {...}`
// (constants or distributions, drawn from the initial_state stream of each neuron).
template <class M>
std::vector<typename M::State> initial_states(const PopulationContext& ctx, const typename M::Params& p) {
  std::vector<typename M::State> init(ctx.size, M::initial(p));
  if (!ctx.table.has("initial")) return init;
  ConfigNode ini = ctx.table.table("initial");
  std::vector<std::pair<int, Distribution>> given;
  for (const auto& key : ini.keys()) {
    int k = -1;
    for (std::size_t i = 0; i < M::observables.size(); ++i)
      if (key == M::observables[i]) k = static_cast<int>(i);
    if (k < 0) {
      std::vector<std::string> obs(M::observables.begin(), M::observables.end());
      std::string hint = nearest(key, obs);
      ini.fail(key, std::string("is not a state variable of ") + M::name +
                        (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    given.emplace_back(k, Distribution::parse(ini, key, Check::finite()));
  }
  for (std::size_t n = 0; n < ctx.size; ++n) {
    RandomStream rng(ctx.seed, StreamKind::initial_state, ctx.index, static_cast<std::uint32_t>(n));
    for (auto& [k, d] : given) M::set_observable(init[n], k, d.draw(rng));
    if constexpr (requires { M::settle(init[n], p); }) M::settle(init[n], p);
  }
  return init;
}

template <class M>
std::unique_ptr<Population> make_exact(const PopulationContext& ctx, const ConfigNode& params) {
  auto p = M::parse(params);
  params.finish();
  return std::make_unique<EventPopulation<M>>(ctx.name, ctx.size, ctx.grid, p, initial_states<M>(ctx, p));
}

// A model integrated by OdePopulation; the population's `integrator` table chooses how.
template <class M>
std::unique_ptr<Population> make_ode(const PopulationContext& ctx, const ConfigNode& params) {
  auto p = M::parse(params);
  params.finish();
  std::vector<std::string> fixed;
  if constexpr (requires { M::fixed_methods(); }) fixed = M::fixed_methods();
  OdeIntegrator in = parse_ode_integrator(ctx.table, fixed, ctx.grid);
  return std::make_unique<OdePopulation<M>>(ctx.name, ctx.size, ctx.grid, p, initial_states<M>(ctx, p), in);
}

template <class M>
std::unique_ptr<Population> make_clock(const PopulationContext& ctx, const ConfigNode& params) {
  auto p = M::parse(params, ctx.grid);
  params.finish();
  return std::make_unique<ClockPopulation<M>>(ctx.name, ctx.size, ctx.grid, p, initial_states<M>(ctx, p), ctx.seed,
                                              ctx.index);
}

// Multi-compartment neurons: the generic tree and the dendritic-learning presets.
std::unique_ptr<Population> make_cable(const PopulationContext& ctx, const std::string& model,
                                       const ConfigNode& params) {
  CableSpec s = model == "cable" ? parse_cable(params, ctx.grid)
              : model == "urbanczik_senn_2014" ? urbanczik_senn_2014(params, ctx.grid)
              : model == "sacramento_2018_pyramidal" ? sacramento_2018_pyramidal(params, ctx.grid)
              : sacramento_2018_interneuron(params, ctx.grid);
  params.finish();
  return std::make_unique<CablePopulation>(ctx.name, model, ctx.size, ctx.grid, std::move(s), ctx.seed, ctx.index);
}

std::unique_ptr<Population> make_poisson(const PopulationContext& ctx, const ConfigNode& params) {
  std::vector<double> times{0.0}, rates;
  if (params.has("rate")) {
    rates.push_back(params.number("rate", Check::non_negative("Hz")));
  } else if (params.has("rates")) {
    times = params.numbers("times", Check::non_negative("ms"));
    rates = params.numbers("rates", Check::non_negative("Hz"));
    if (times.size() != rates.size()) params.fail("rates", "must have as many values as times");
    if (times.empty() || times[0] != 0.0) params.fail("times", "must start at 0");
    for (std::size_t i = 1; i < times.size(); ++i)
      if (!(times[i] > times[i - 1])) params.fail("times", "must be strictly increasing");
  } else {
    params.fail_table("needs 'rate' (Hz) or 'times' and 'rates'");
  }
  params.finish();
  return std::make_unique<PoissonGenerator>(ctx.name, ctx.size, ctx.grid, times, rates, ctx.seed, ctx.index);
}

std::unique_ptr<Population> make_spike_generator(const PopulationContext& ctx, const ConfigNode& params) {
  std::vector<std::uint64_t> ids;
  std::vector<double> times;
  if (params.has("file")) {
    SpikeList list;
    try {
      list = read_spike_file(params.string("file"), params.string("population", ""));
    } catch (const ConfigError& e) {
      params.fail("file", e.what());
    }
    ids = std::move(list.node_ids);
    times = std::move(list.times_ms);
  } else {
    for (auto v : params.integers("node_ids")) {
      if (v < 0) params.fail("node_ids", "node ids must be >= 0");
      ids.push_back(static_cast<std::uint64_t>(v));
    }
    times = params.numbers("times", Check::non_negative("ms"));
    if (ids.size() != times.size()) params.fail("times", "must have as many values as node_ids");
  }
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (ids[k] >= ctx.size)
      params.fail(params.has("file") ? "file" : "node_ids",
                  "node id " + std::to_string(ids[k]) + " is out of range for a population of size " +
                      std::to_string(ctx.size));
    if (!(times[k] >= 0.0) || !std::isfinite(times[k]))
      params.fail(params.has("file") ? "file" : "times", "spike times must be finite and >= 0 ms");
  }
  params.finish();
  return std::make_unique<SpikeGenerator>(ctx.name, ctx.size, ctx.grid, ids, times);
}

std::unique_ptr<Population> make_raster_generator(const PopulationContext& ctx, const ConfigNode& params) {
  Raster r;
  try {
    r = read_raster(params.string("file"));
  } catch (const ConfigError& e) {
    params.fail("file", e.what());
  }
  if (r.inputs != ctx.size)
    params.fail("file", "the data set has " + std::to_string(r.inputs) + " inputs, the population " +
                            std::to_string(ctx.size) + " nodes");
  if (ctx.trial_length > 0 && static_cast<Step>(r.steps) > ctx.trial_length)
    params.fail("file", "samples are " + std::to_string(r.steps) + " steps long, longer than a trial (" +
                            std::to_string(ctx.trial_length) + " steps)");
  params.finish();
  return std::make_unique<RasterGenerator>(ctx.name, ctx.size, ctx.grid, r.batch, r.steps, r.spikes, ctx.trial_length);
}

std::unique_ptr<Population> make_value_generator(const PopulationContext& ctx, const ConfigNode& params) {
  const std::string path = params.string("file");
  const std::string dataset = params.string("dataset", "/inputs/values");
  std::vector<double> values;
  std::size_t samples = 0, steps = 1;
  try {
    h5::Handle file = h5::open_file(path);
    h5::Array<double> a = h5::read_array<double>(file.get(), dataset);
    if ((a.shape.size() != 2 && a.shape.size() != 3) || a.shape.back() != ctx.size)
      throw ConfigError(path + ": " + dataset + ": expected shape [samples, " + std::to_string(ctx.size) +
                        "] or [samples, steps, " + std::to_string(ctx.size) + "] (one column per node), found " +
                        h5::shape_string(a.shape));
    if (a.data.empty()) throw ConfigError(path + ": " + dataset + ": no samples");
    samples = a.shape[0];
    steps = a.shape.size() == 3 ? a.shape[1] : 1;
    values = std::move(a.data);
  } catch (const ConfigError& e) {
    params.fail("file", e.what());
  }
  for (double v : values)
    if (!std::isfinite(v)) params.fail("file", path + ": " + dataset + ": values must be finite");
  params.finish();
  return std::make_unique<ValueGenerator>(ctx.name, ctx.size, ctx.grid, samples, steps, std::move(values),
                                          ctx.trial_length);
}

}  // namespace

std::unique_ptr<Population> make_population(const PopulationContext& ctx, const std::string& model,
                                            const ConfigNode& params) {
  if (model == "lif_psc_exp") return make_exact<LifPscExp>(ctx, params);
  if (model == "lif_psc_delta") return make_exact<LifPscDelta>(ctx, params);
  if (model == "lif_discrete") return make_clock<LifDiscrete>(ctx, params);
  if (model == "alif_discrete") return make_clock<AlifDiscrete>(ctx, params);
  if (model == "li_readout") return make_clock<LiReadout>(ctx, params);
  if (model == "rate_unit") return make_clock<RateUnit>(ctx, params);
  if (model == "cable" || model == "urbanczik_senn_2014" || model == "sacramento_2018_pyramidal" ||
      model == "sacramento_2018_interneuron")
    return make_cable(ctx, model, params);
  if (model == "lif_cond_exp") {  // closed form between events by default, dopri5 on request
    OdeIntegrator in = parse_ode_integrator(ctx.table, {}, ctx.grid, true);
    if (in.exact()) return make_exact<LifCondExpExact>(ctx, params);
    return make_ode<LifCondExp>(ctx, params);
  }
  if (model == "aeif_cond_exp") return make_ode<AeifCondExp>(ctx, params);
  if (model == "izhikevich") return make_ode<Izhikevich>(ctx, params);
  if (model == "hh_cond_exp_traub") return make_ode<HhCondExpTraub>(ctx, params);
  if (model == "lif_escape") return make_clock<LifEscape>(ctx, params);
  if (model == "poisson_generator") return make_poisson(ctx, params);
  if (model == "spike_generator") return make_spike_generator(ctx, params);
  if (model == "raster_generator") return make_raster_generator(ctx, params);
  if (model == "value_generator") return make_value_generator(ctx, params);
  return nullptr;  // the caller validated the name against model_names()
}

}  // namespace apical::detail
