// One apical result file, in the SONATA layouts that existing tools read (DESIGN.md, "Files").
//
//   /                         attributes magic (uint32 0x0A7A), version (uint32 [0, 1]),
//                             status ("running", then "complete" or "interrupted")
//   /spikes/<pop>/timestamps  float64, units="ms"   } appended at each flush; group attributes
//   /spikes/<pop>/node_ids    uint64                } sorting ("by_time") and count
//   /report/<pop>/            a SONATA frame report, one variable (the first recorded of <pop>;
//                             any further variable v of <pop> in /report/<pop>__<v>/):
//       data                  float32 [times, nodes], attributes units, variable
//       mapping/node_ids      uint64 [nodes]
//       mapping/index_pointers uint64 [nodes + 1]   one column per node
//       mapping/element_ids   uint32 [nodes]        zeros (point neurons: one compartment)
//       mapping/time          float64 [start, stop, dt], units="ms"; stop = start + rows * dt
//   /run                      config (dataset: the whole config text), attributes config_path,
//                             seed, threads, apical_version, start_time, wall_time_s;
//                             spike_counts/<pop> (uint64 scalars)
//   anything else (/weights/<projection>, alignment results) through write_array().
//
// Crash safety: spikes and report rows are buffered in memory and written only by flush(), in
// one burst followed by H5Fflush; every other call that changes the file also ends with
// H5Fflush. Between calls the library holds nothing unwritten, so a SIGKILL between calls
// leaves the file exactly as the last call left it (status still "running", which is how a
// reader tells a killed run). The file uses HDF5's default format, not SWMR (see h5.hpp).
//
// Spikes are sorted by (time, node id) within each flush, which makes the file independent of
// the order threads delivered them in. Flushes follow one another in time, so the file stays
// sorted by time; should a flush ever start before the last written spike, `sorting` becomes
// "none" rather than claim an order the data does not have.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/h5.hpp"

namespace apical {

struct RunMetadata {
  std::string config_text;  // the whole config, as read
  std::string config_path;
  std::uint64_t seed = 0;
  std::int64_t threads = 1;
  std::string apical_version;
  std::string start_time;  // ISO 8601, e.g. from utc_timestamp()
};

// The current time as ISO 8601 UTC, "2024-05-01T12:34:56Z".
std::string utc_timestamp();

class OutputFile {
 public:
  static constexpr std::uint32_t magic = 0x0A7A;
  static constexpr std::uint32_t version_major = 0;
  static constexpr std::uint32_t version_minor = 1;
  static constexpr std::size_t status_width = 11;  // "interrupted", the longest status

  // Creates (truncates) the file and writes the root attributes, status "running".
  explicit OutputFile(const std::string& path);
  // Closes (flushing what is buffered) without throwing; a failure is printed to stderr.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  const std::string& path() const { return path_; }
  hid_t id() const { return file_.get(); }  // for writers of groups of their own, via h5.hpp
  bool is_open() const { return file_.valid(); }

  // ---- spikes ----
  void add_spikes(const std::string& population);
  // Buffered in memory; the file is untouched until flush().
  void append_spikes(const std::string& population, const std::vector<double>& times_ms,
                     const std::vector<std::uint64_t>& node_ids);
  std::uint64_t spike_count(const std::string& population) const;  // written and buffered

  // ---- frame reports ----
  void add_report(const std::string& population, const std::string& variable,
                  const std::vector<std::uint64_t>& node_ids, double start_ms, double dt_ms,
                  const std::string& units);
  // rows holds whole rows of node_ids.size() values, oldest first. Buffered like spikes.
  void append_report_rows(const std::string& population, const std::string& variable,
                          const std::vector<float>& rows);

  // ---- series: rows of a fixed width at times, e.g. weight snapshots ----
  // Creates `<group>/values` (float64 [rows, width], extendable) and `<group>/times` (float64,
  // ms). Rows are buffered like spikes and written at flush().
  void add_series(const std::string& group, std::size_t width, const h5::Attributes& attrs = {});
  void append_series_row(const std::string& group, double time_ms, const std::vector<double>& row);

  // ---- flushing ----
  void set_flush_interval_s(double seconds) { flush_interval_s_ = seconds; }
  void set_buffer_limit_bytes(std::size_t bytes) { buffer_limit_bytes_ = bytes; }
  std::size_t buffered_bytes() const { return buffered_bytes_; }
  // True when something is buffered and either the flush interval (wall time, default 10 s)
  // has passed since the last flush or the buffers exceed their limit (default 64 MiB).
  bool flush_due() const;
  void flush();

  // ---- run metadata and status ----
  void write_run_metadata(const RunMetadata& meta);
  void finish_run_metadata(double wall_time_s,
                           const std::map<std::string, std::uint64_t>& spike_counts);
  void set_status(const std::string& status);  // "running", "complete" or "interrupted"

  // ---- anything else: weights, alignment results ----
  // Writes a whole dataset (replacing any at path, creating parent groups) with attributes.
  template <h5::Element T>
  void write_array(const std::string& path, const std::vector<T>& data, const h5::Shape& shape,
                   const h5::Attributes& attrs = {}) {
    check_open();
    h5::write_array(file_.get(), path, data, shape);
    annotate(path, attrs);
  }
  template <h5::Element T>
  void write_matrix(const std::string& path, const std::vector<T>& data, std::size_t rows,
                    std::size_t cols, const h5::Attributes& attrs = {}) {
    write_array(path, data, {rows, cols}, attrs);
  }
  template <h5::Element T>
  void write_vector(const std::string& path, const std::vector<T>& data,
                    const h5::Attributes& attrs = {}) {
    write_array(path, data, {data.size()}, attrs);
  }
  // Attributes on a group or dataset, creating the group if nothing is at path.
  void write_attributes(const std::string& path, const h5::Attributes& attrs);

  // Flushes, then closes every handle. Further calls other than close() throw.
  void close();

 private:
  struct SpikeStream {
    h5::Handle group, timestamps, node_ids;
    std::vector<double> times_ms;    // buffered
    std::vector<std::uint64_t> ids;  // buffered
    std::uint64_t written = 0;
    double last_written_ms = 0;
    bool by_time = true;
  };
  struct Report {
    h5::Handle data, time;
    std::size_t n_nodes = 0;
    double start_ms = 0, dt_ms = 0;
    std::uint64_t rows_written = 0;
    std::vector<float> rows;  // buffered
  };

  struct Series {
    h5::Handle values, times;
    std::size_t width = 0;
    std::vector<double> rows, row_times;  // buffered
  };

  void check_open() const;
  SpikeStream& spike_stream(const std::string& population);
  Report& report(const std::string& population, const std::string& variable);
  void write_spikes(SpikeStream& s);
  void write_report(Report& r);
  void annotate(const std::string& path, const h5::Attributes& attrs);
  void commit();   // H5Fflush: nothing the library holds stays unwritten
  void release();  // closes every handle, dataset handles before the file

  std::string path_;
  h5::Handle file_;
  std::map<std::string, SpikeStream> spikes_;
  std::map<std::string, Report> reports_;  // key "population/variable"
  std::map<std::string, Series> series_;   // key: group path
  double flush_interval_s_ = 10.0;
  std::size_t buffer_limit_bytes_ = std::size_t{64} << 20;
  std::size_t buffered_bytes_ = 0;
  std::chrono::steady_clock::time_point last_flush_;
};

}  // namespace apical
