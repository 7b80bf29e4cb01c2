#include "sim/input_files.hpp"

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "sim/h5.hpp"

namespace apical {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

std::vector<std::string> subgroups(hid_t file, const std::string& parent) {
  std::vector<std::string> groups;
  for (const std::string& name : h5::children(file, parent)) {
    h5::Handle child = h5::open(file, parent + "/" + name);
    if (H5Iget_type(child.get()) == H5I_GROUP) groups.push_back(name);
  }
  return groups;
}

// The population group under parent ("/spikes", "/edges") that the caller asked for, or the
// only one there when the caller left the name empty.
std::string pick_population(hid_t file, const std::string& path, const std::string& parent,
                            const std::string& wanted) {
  if (!h5::exists(file, parent)) {
    throw ConfigError(path + ": " + parent + ": not found (expected the SONATA layout " + parent +
                      "/<population>/...)");
  }
  std::vector<std::string> found = subgroups(file, parent);
  if (wanted.empty()) {
    if (found.size() == 1) return found.front();
    throw ConfigError(path + ": " + parent + " holds " + std::to_string(found.size()) +
                      " populations (" + join(found) + "); name the one to read");
  }
  if (std::find(found.begin(), found.end(), wanted) == found.end()) {
    throw ConfigError(path + ": " + parent + "/" + wanted +
                      ": not found; populations in the file: " + join(found));
  }
  return wanted;
}

void require_same_size(const std::string& path, const std::string& a, std::size_t size_a,
                       const std::string& b, std::size_t size_b) {
  if (size_a != size_b) {
    throw ConfigError(path + ": " + a + " has " + std::to_string(size_a) + " values but " + b +
                      " has " + std::to_string(size_b) + "; expected one per edge/spike");
  }
}

// Milliseconds per unit of a timestamps dataset, from its SONATA `units` attribute.
double ms_per_unit(hid_t file, const std::string& path, const std::string& dataset) {
  h5::Handle dset = h5::open(file, dataset);
  if (!h5::has_attr(dset.get(), "units")) return 1.0;  // SONATA's default is ms
  std::string units = h5::read_attr_string(dset.get(), "units");
  if (units == "ms") return 1.0;
  if (units == "s") return 1000.0;
  throw ConfigError(path + ": " + dataset + ": units '" + units + "': expected 'ms' or 's'");
}

// An optional per-edge property of edge group 0, in edge order. SONATA stores group
// properties in group order; edge_group_index maps each edge to its row there.
std::vector<double> edge_property(hid_t file, const std::string& path, const std::string& group,
                                  const std::string& name, const std::vector<std::uint64_t>& index,
                                  std::size_t n_edges) {
  const std::string dataset = group + "/0/" + name;
  if (!h5::exists(file, dataset)) return {};
  std::vector<double> rows = h5::read_vector<double>(file, dataset);
  if (index.empty()) {
    require_same_size(path, dataset, rows.size(), group + "/source_node_id", n_edges);
    return rows;
  }
  std::vector<double> values(n_edges);
  for (std::size_t i = 0; i < n_edges; ++i) {
    if (index[i] >= rows.size()) {
      throw ConfigError(path + ": " + group + "/edge_group_index[" + std::to_string(i) +
                        "] = " + std::to_string(index[i]) + ": beyond the " +
                        std::to_string(rows.size()) + " rows of " + dataset);
    }
    values[i] = rows[index[i]];
  }
  return values;
}

// Refuses edges assigned to a group other than 0, which this reader would misread.
void require_group_zero(hid_t file, const std::string& path, const std::string& group,
                        std::size_t n_edges) {
  const std::string dataset = group + "/edge_group_id";
  if (!h5::exists(file, dataset)) return;
  std::vector<std::int64_t> ids = h5::read_vector<std::int64_t>(file, dataset);
  require_same_size(path, dataset, ids.size(), group + "/source_node_id", n_edges);
  auto other = std::find_if(ids.begin(), ids.end(), [](std::int64_t g) { return g != 0; });
  if (other != ids.end()) {
    throw ConfigError(path + ": " + dataset + "[" + std::to_string(other - ids.begin()) +
                      "] = " + std::to_string(*other) + ": only edge group 0 is supported");
  }
}

void check_write_size(const std::string& path, const char* what, std::size_t size,
                      std::size_t n_edges) {
  if (size != n_edges) {
    throw RunError(path + ": cannot write edges: " + std::to_string(n_edges) + " sources but " +
                   std::to_string(size) + " " + what);
  }
}

}  // namespace

// ---- spikes ------------------------------------------------------------------------------

SpikeList read_spike_file(const std::string& path, const std::string& population) {
  h5::Handle file = h5::open_file(path);
  const std::string group = "/spikes/" + pick_population(file.get(), path, "/spikes", population);
  SpikeList spikes;
  spikes.times_ms = h5::read_vector<double>(file.get(), group + "/timestamps");
  spikes.node_ids = h5::read_vector<std::uint64_t>(file.get(), group + "/node_ids");
  require_same_size(path, group + "/timestamps", spikes.times_ms.size(), group + "/node_ids",
                    spikes.node_ids.size());
  double scale = ms_per_unit(file.get(), path, group + "/timestamps");
  if (scale != 1.0) {
    for (double& t : spikes.times_ms) t *= scale;
  }
  return spikes;
}

// ---- edges -------------------------------------------------------------------------------

EdgeList read_edge_file(const std::string& path, const std::string& edge_population) {
  h5::Handle file = h5::open_file(path);
  hid_t f = file.get();
  // A group path ("checkpoints/3/weights/w1", an `apical train` checkpoint) or an apical result
  // file: /weights/<projection> holds the same arrays, without edge groups, so that a trained
  // network reloads with `rule = "file"`.
  const bool group_path = edge_population.find('/') != std::string::npos;
  if (group_path || (!h5::exists(f, "/edges") && h5::exists(f, "/weights"))) {
    const std::string group = group_path ? (edge_population.front() == '/' ? "" : "/") + edge_population
                                         : "/weights/" + pick_population(f, path, "/weights", edge_population);
    if (group_path && !h5::exists(f, group)) throw ConfigError(path + ": no group " + group);
    EdgeList edges;
    edges.source = h5::read_vector<std::uint64_t>(f, group + "/source_node_id");
    edges.target = h5::read_vector<std::uint64_t>(f, group + "/target_node_id");
    edges.weight = h5::read_vector<double>(f, group + "/syn_weight");
    edges.delay_ms = h5::read_vector<double>(f, group + "/delay");
    const std::size_t n = edges.source.size();
    require_same_size(path, group + "/source_node_id", n, group + "/target_node_id", edges.target.size());
    require_same_size(path, group + "/source_node_id", n, group + "/syn_weight", edges.weight.size());
    require_same_size(path, group + "/source_node_id", n, group + "/delay", edges.delay_ms.size());
    return edges;
  }
  const std::string group = "/edges/" + pick_population(f, path, "/edges", edge_population);
  EdgeList edges;
  edges.source = h5::read_vector<std::uint64_t>(f, group + "/source_node_id");
  edges.target = h5::read_vector<std::uint64_t>(f, group + "/target_node_id");
  const std::size_t n = edges.source.size();
  require_same_size(path, group + "/source_node_id", n, group + "/target_node_id",
                    edges.target.size());
  require_group_zero(f, path, group, n);

  std::vector<std::uint64_t> index;
  if (h5::exists(f, group + "/edge_group_index")) {
    index = h5::read_vector<std::uint64_t>(f, group + "/edge_group_index");
    require_same_size(path, group + "/edge_group_index", index.size(), group + "/source_node_id",
                      n);
  }
  edges.weight = edge_property(f, path, group, "syn_weight", index, n);
  edges.delay_ms = edge_property(f, path, group, "delay", index, n);
  return edges;
}

void write_edge_file(const std::string& path, const std::string& edge_population,
                     const EdgeList& edges, const std::string& source_population,
                     const std::string& target_population) {
  const std::size_t n = edges.source.size();
  check_write_size(path, "targets", edges.target.size(), n);
  if (!edges.weight.empty()) check_write_size(path, "weights", edges.weight.size(), n);
  if (!edges.delay_ms.empty()) check_write_size(path, "delays", edges.delay_ms.size(), n);
  if (edge_population.empty() || edge_population.find('/') != std::string::npos) {
    throw RunError(path + ": invalid edge population name '" + edge_population + "'");
  }

  h5::Handle file = h5::create_file(path);
  hid_t f = file.get();
  // SONATA's own root attributes, which apical's result files share.
  h5::write_attr(f, "magic", std::uint32_t{0x0A7A});
  h5::write_attr(f, "version", std::vector<std::uint32_t>{0, 1});

  h5::Handle group = h5::require_group(f, "/edges/" + edge_population);
  hid_t g = group.get();
  h5::write_vector(g, "source_node_id", edges.source);
  h5::write_vector(g, "target_node_id", edges.target);
  h5::write_attr(h5::open_for_write(g, "source_node_id").get(), "node_population",
                 source_population);
  h5::write_attr(h5::open_for_write(g, "target_node_id").get(), "node_population",
                 target_population);
  // Required by SONATA: one edge type (0; no edge-types CSV is written) and every edge in
  // group 0, at its own row.
  h5::write_vector(g, "edge_type_id", std::vector<std::uint32_t>(n, 0));
  h5::write_vector(g, "edge_group_id", std::vector<std::uint32_t>(n, 0));
  std::vector<std::uint64_t> index(n);
  std::iota(index.begin(), index.end(), std::uint64_t{0});
  h5::write_vector(g, "edge_group_index", index);

  h5::require_group(g, "0");
  if (!edges.weight.empty()) h5::write_vector(g, "0/syn_weight", edges.weight);
  if (!edges.delay_ms.empty()) h5::write_vector(g, "0/delay", edges.delay_ms);
  h5::flush(f);
}

// ---- rasters -----------------------------------------------------------------------------

Raster read_raster(const std::string& path) {
  h5::Handle file = h5::open_file(path);
  hid_t f = file.get();
  Raster r;
  h5::Array<std::uint8_t> spikes = h5::read_array<std::uint8_t>(f, "/inputs/spikes");
  if (spikes.shape.size() != 3) {
    throw ConfigError(path + ": /inputs/spikes: expected shape [batch, steps, inputs], found " +
                      h5::shape_string(spikes.shape));
  }
  r.batch = spikes.shape[0];
  r.steps = spikes.shape[1];
  r.inputs = spikes.shape[2];
  r.spikes = std::move(spikes.data);

  if (h5::exists(f, "/inputs/labels")) {
    h5::Array<std::int64_t> labels = h5::read_array<std::int64_t>(f, "/inputs/labels");
    if (labels.shape != h5::Shape{r.batch}) {
      throw ConfigError(path + ": /inputs/labels: expected shape [" + std::to_string(r.batch) +
                        "] (one label per sample of /inputs/spikes), found " +
                        h5::shape_string(labels.shape));
    }
    r.labels = std::move(labels.data);
  }
  if (h5::exists(f, "/inputs/targets")) {
    h5::Array<double> targets = h5::read_array<double>(f, "/inputs/targets");
    const h5::Shape& s = targets.shape;
    if (s.size() != 3 || s[0] != r.batch || s[1] != r.steps) {
      throw ConfigError(path + ": /inputs/targets: expected shape [" + std::to_string(r.batch) +
                        ", " + std::to_string(r.steps) +
                        ", outputs] (batch and steps as /inputs/spikes), found " +
                        h5::shape_string(s));
    }
    r.outputs = s[2];
    r.targets = std::move(targets.data);
  }
  return r;
}

}  // namespace apical
