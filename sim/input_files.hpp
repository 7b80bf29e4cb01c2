// Readers (and one writer) for the HDF5 input files a run can take: spike trains and edges in
// SONATA layouts, and data sets as spike rasters. Every problem is a ConfigError naming the
// file, the dataset and what was expected, found while loading, before anything runs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace apical {

// Spikes in the SONATA layout /spikes/<population>/{timestamps, node_ids}. Timestamps may be
// float32 or float64, in ms (or s, if their `units` attribute says so; converted to ms);
// node ids any non-negative integers. An empty population picks the file's only one.
struct SpikeList {
  std::vector<std::uint64_t> node_ids;
  std::vector<double> times_ms;
};
SpikeList read_spike_file(const std::string& path, const std::string& population = "");

// Edges in the SONATA layout /edges/<name>/{source_node_id, target_node_id} with the optional
// per-edge properties /edges/<name>/0/{syn_weight, delay (ms)}; weight and delay are empty when
// absent. Only edge group 0 is read: a file that assigns edges to other groups is refused.
// An empty edge population picks the file's only one. An apical result file without /edges is
// read from /weights/<projection> (source_node_id, target_node_id, syn_weight, delay) instead,
// so that the weights a run wrote reload as they are. An edge_population containing '/' is the
// path of such a group ("checkpoints/3/weights/w1": a checkpoint of `apical train`).
struct EdgeList {
  std::vector<std::uint64_t> source, target;
  std::vector<double> weight, delay_ms;
};
EdgeList read_edge_file(const std::string& path, const std::string& edge_population = "");

// Writes the layout read_edge_file reads, plus what SONATA requires of an edge file
// (edge_type_id, edge_group_id, edge_group_index, and the node_population attributes), so
// that a trained network can be reloaded. weight and delay_ms may be empty (not written).
// Truncates the file. Throws RunError on failure or mismatched sizes.
void write_edge_file(const std::string& path, const std::string& edge_population,
                     const EdgeList& edges, const std::string& source_population,
                     const std::string& target_population);

// A data set of spike rasters: /inputs/spikes uint8 [batch, steps, inputs] (numpy bool,
// stored by h5py as an enum, reads too), optional /inputs/labels int64 [batch] and
// /inputs/targets float64 [batch, steps, outputs].
struct Raster {
  std::size_t batch = 0, steps = 0, inputs = 0;
  std::vector<std::uint8_t> spikes;  // [batch][step][input]
  std::vector<std::int64_t> labels;  // [batch], or empty
  std::size_t outputs = 0;           // 0 without targets
  std::vector<double> targets;       // [batch][step][output], or empty
};
Raster read_raster(const std::string& path);

}  // namespace apical
