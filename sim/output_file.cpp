#include "sim/output_file.hpp"

#include <algorithm>
#include <ctime>
#include <iostream>
#include <numeric>

#include "core/error.hpp"

namespace apical {

namespace {

// Elements per chunk of an appended dataset: 64 Ki (512 KiB of float64), small enough for
// HDF5's default 1 MiB chunk cache, large enough that a long run has few chunks.
constexpr hsize_t chunk_elements = 65536;

// Population and variable names become HDF5 link names; a '/' would nest groups silently.
void check_name(const std::string& kind, const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    throw RunError("invalid " + kind + " name '" + name + "' for an HDF5 group");
  }
}

std::string spikes_path(const std::string& population) { return "/spikes/" + population; }

}  // namespace

std::string utc_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

OutputFile::OutputFile(const std::string& path)
    : path_(path), file_(h5::create_file(path)), last_flush_(std::chrono::steady_clock::now()) {
  h5::write_attr(file_.get(), "magic", magic);
  h5::write_attr(file_.get(), "version", std::vector<std::uint32_t>{version_major, version_minor});
  h5::write_attr(file_.get(), "status", std::string("running"), status_width);
  commit();
}

OutputFile::~OutputFile() {
  try {
    close();
  } catch (const std::exception& e) {
    // A destructor must not throw; losing the message as well would hide lost data.
    std::cerr << "apical: while closing " << path_ << ": " << e.what() << "\n";
  }
}

void OutputFile::check_open() const {
  if (!file_.valid()) throw RunError(path_ + ": output file used after close()");
}

// ---- spikes ------------------------------------------------------------------------------

void OutputFile::add_spikes(const std::string& population) {
  check_open();
  check_name("population", population);
  if (spikes_.count(population)) {
    throw RunError(path_ + ": spikes of population '" + population + "' added twice");
  }
  const std::string group_path = spikes_path(population);
  SpikeStream s;
  s.group = h5::require_group(file_.get(), group_path);
  h5::write_attr(s.group.get(), "sorting", std::string("by_time"), 7);  // room for "none"
  h5::write_attr(s.group.get(), "count", std::uint64_t{0});
  s.timestamps = h5::create_extendable<double>(s.group.get(), "timestamps", {}, chunk_elements);
  h5::write_attr(s.timestamps.get(), "units", "ms");
  s.node_ids = h5::create_extendable<std::uint64_t>(s.group.get(), "node_ids", {}, chunk_elements);
  spikes_.emplace(population, std::move(s));
  commit();
}

OutputFile::SpikeStream& OutputFile::spike_stream(const std::string& population) {
  check_open();
  auto it = spikes_.find(population);
  if (it == spikes_.end()) {
    throw RunError(path_ + ": no spike output for population '" + population +
                   "' (add_spikes was not called)");
  }
  return it->second;
}

void OutputFile::append_spikes(const std::string& population, const std::vector<double>& times_ms,
                               const std::vector<std::uint64_t>& node_ids) {
  SpikeStream& s = spike_stream(population);
  if (times_ms.size() != node_ids.size()) {
    throw RunError(path_ + ": spikes of '" + population + "': " + std::to_string(times_ms.size()) +
                   " times but " + std::to_string(node_ids.size()) + " node ids");
  }
  s.times_ms.insert(s.times_ms.end(), times_ms.begin(), times_ms.end());
  s.ids.insert(s.ids.end(), node_ids.begin(), node_ids.end());
  buffered_bytes_ += times_ms.size() * (sizeof(double) + sizeof(std::uint64_t));
}

std::uint64_t OutputFile::spike_count(const std::string& population) const {
  auto it = spikes_.find(population);
  return it == spikes_.end() ? 0 : it->second.written + it->second.ids.size();
}

void OutputFile::write_spikes(SpikeStream& s) {
  const std::size_t n = s.ids.size();
  if (n == 0) return;
  // Order by (time, id): the same file whatever order the threads delivered spikes in.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (s.times_ms[a] != s.times_ms[b]) return s.times_ms[a] < s.times_ms[b];
    return s.ids[a] < s.ids[b];
  });
  std::vector<double> times(n);
  std::vector<std::uint64_t> ids(n);
  for (std::size_t i = 0; i < n; ++i) {
    times[i] = s.times_ms[order[i]];
    ids[i] = s.ids[order[i]];
  }

  if (s.by_time && s.written > 0 && times.front() < s.last_written_ms) {
    s.by_time = false;
    h5::write_attr(s.group.get(), "sorting", std::string("none"));
  }
  h5::append(s.timestamps.get(), times.data(), n);
  h5::append(s.node_ids.get(), ids.data(), n);
  s.written += n;
  s.last_written_ms = std::max(s.last_written_ms, times.back());
  h5::write_attr(s.group.get(), "count", s.written);
  s.times_ms.clear();
  s.ids.clear();
}

// ---- frame reports -----------------------------------------------------------------------

void OutputFile::add_report(const std::string& population, const std::string& variable,
                            const std::vector<std::uint64_t>& node_ids, double start_ms,
                            double dt_ms, const std::string& units) {
  check_open();
  check_name("population", population);
  check_name("variable", variable);
  const std::string key = population + "/" + variable;
  if (reports_.count(key)) throw RunError(path_ + ": report '" + key + "' added twice");
  if (node_ids.empty()) throw RunError(path_ + ": report '" + key + "' has no nodes");

  const std::size_t n = node_ids.size();
  // SONATA readers (BMTK) take one variable per report group named after the population: the
  // first variable of a population gets that name, any further one "<population>__<variable>".
  bool first_of_population = true;
  for (auto& [k, rep] : reports_) first_of_population = first_of_population && k.rfind(population + "/", 0) != 0;
  const std::string group_name = first_of_population ? population : population + "__" + variable;
  h5::Handle group = h5::require_group(file_.get(), "/report/" + group_name);
  Report r;
  r.n_nodes = n;
  r.start_ms = start_ms;
  r.dt_ms = dt_ms;
  r.data = h5::create_extendable<float>(group.get(), "data", {n},
                                        std::max<hsize_t>(1, chunk_elements / n));
  h5::write_attr(r.data.get(), "units", units);
  h5::write_attr(r.data.get(), "variable", variable);

  h5::write_vector(group.get(), "mapping/node_ids", node_ids);
  std::vector<std::uint64_t> pointers(n + 1);
  std::iota(pointers.begin(), pointers.end(), std::uint64_t{0});
  h5::write_vector(group.get(), "mapping/index_pointers", pointers);
  h5::write_vector(group.get(), "mapping/element_ids", std::vector<std::uint32_t>(n, 0));
  h5::write_vector(group.get(), "mapping/time", std::vector<double>{start_ms, start_ms, dt_ms});
  r.time = h5::open_for_write(group.get(), "mapping/time");
  h5::write_attr(r.time.get(), "units", "ms");
  reports_.emplace(key, std::move(r));
  commit();
}

OutputFile::Report& OutputFile::report(const std::string& population, const std::string& variable) {
  check_open();
  auto it = reports_.find(population + "/" + variable);
  if (it == reports_.end()) {
    throw RunError(path_ + ": no report of '" + variable + "' for population '" + population +
                   "' (add_report was not called)");
  }
  return it->second;
}

void OutputFile::append_report_rows(const std::string& population, const std::string& variable,
                                    const std::vector<float>& rows) {
  Report& r = report(population, variable);
  if (rows.size() % r.n_nodes != 0) {
    throw RunError(path_ + ": report " + population + "/" + variable + ": " +
                   std::to_string(rows.size()) + " values are not whole rows of " +
                   std::to_string(r.n_nodes));
  }
  r.rows.insert(r.rows.end(), rows.begin(), rows.end());
  buffered_bytes_ += rows.size() * sizeof(float);
}

void OutputFile::write_report(Report& r) {
  if (r.rows.empty()) return;
  h5::append(r.data.get(), r.rows.data(), r.rows.size());
  r.rows_written += r.rows.size() / r.n_nodes;
  // From the row count, not by adding dt at each flush, so that stop never drifts.
  double stop = r.start_ms + static_cast<double>(r.rows_written) * r.dt_ms;
  h5::overwrite(r.time.get(), std::vector<double>{r.start_ms, stop, r.dt_ms});
  r.rows.clear();
}

// ---- series --------------------------------------------------------------------------------

void OutputFile::add_series(const std::string& group, std::size_t width, const h5::Attributes& attrs) {
  check_open();
  if (series_.count(group)) throw RunError(path_ + ": series '" + group + "' added twice");
  if (width == 0) throw RunError(path_ + ": series '" + group + "' has rows of width 0");
  h5::Handle g = h5::require_group(file_.get(), group);
  Series s;
  s.width = width;
  s.values = h5::create_extendable<double>(g.get(), "values", {width}, std::max<hsize_t>(1, chunk_elements / width));
  s.times = h5::create_extendable<double>(g.get(), "times", {}, chunk_elements);
  h5::write_attr(s.times.get(), "units", "ms");
  h5::write_attrs(g.get(), attrs);
  series_.emplace(group, std::move(s));
  commit();
}

void OutputFile::append_series_row(const std::string& group, double time_ms, const std::vector<double>& row) {
  check_open();
  auto it = series_.find(group);
  if (it == series_.end()) throw RunError(path_ + ": no series '" + group + "' (add_series was not called)");
  Series& s = it->second;
  if (row.size() != s.width)
    throw RunError(path_ + ": series " + group + ": a row of " + std::to_string(row.size()) + " values, expected " +
                   std::to_string(s.width));
  s.rows.insert(s.rows.end(), row.begin(), row.end());
  s.row_times.push_back(time_ms);
  buffered_bytes_ += (row.size() + 1) * sizeof(double);
}

// ---- flushing ----------------------------------------------------------------------------

bool OutputFile::flush_due() const {
  if (buffered_bytes_ == 0) return false;
  if (buffered_bytes_ >= buffer_limit_bytes_) return true;
  std::chrono::duration<double> since = std::chrono::steady_clock::now() - last_flush_;
  return since.count() >= flush_interval_s_;
}

void OutputFile::flush() {
  check_open();
  for (auto& [population, s] : spikes_) write_spikes(s);
  for (auto& [key, r] : reports_) write_report(r);
  for (auto& [group, s] : series_) {
    if (s.row_times.empty()) continue;
    h5::append(s.values.get(), s.rows.data(), s.rows.size());
    h5::append(s.times.get(), s.row_times.data(), s.row_times.size());
    s.rows.clear();
    s.row_times.clear();
  }
  buffered_bytes_ = 0;
  commit();
  last_flush_ = std::chrono::steady_clock::now();
}

void OutputFile::commit() { h5::flush(file_.get()); }

// ---- run metadata and status -------------------------------------------------------------

void OutputFile::write_run_metadata(const RunMetadata& meta) {
  check_open();
  h5::Handle run = h5::require_group(file_.get(), "/run");
  h5::write_string(run.get(), "config", meta.config_text);
  h5::write_attr(run.get(), "config_path", meta.config_path);
  h5::write_attr(run.get(), "seed", meta.seed);
  h5::write_attr(run.get(), "threads", meta.threads);
  h5::write_attr(run.get(), "apical_version", meta.apical_version);
  h5::write_attr(run.get(), "start_time", meta.start_time);
  commit();
}

void OutputFile::finish_run_metadata(double wall_time_s,
                                     const std::map<std::string, std::uint64_t>& spike_counts) {
  check_open();
  h5::Handle run = h5::require_group(file_.get(), "/run");
  h5::write_attr(run.get(), "wall_time_s", wall_time_s);
  h5::Handle counts = h5::require_group(run.get(), "spike_counts");
  for (const auto& [population, count] : spike_counts) {
    check_name("population", population);
    h5::write_scalar(counts.get(), population, count);
  }
  commit();
}

void OutputFile::set_status(const std::string& status) {
  check_open();
  if (status != "running" && status != "complete" && status != "interrupted") {
    throw RunError(path_ + ": status '" + status +
                   "' is not one of running, complete, interrupted");
  }
  h5::write_attr(file_.get(), "status", status, status_width);
  commit();
}

// ---- anything else -----------------------------------------------------------------------

void OutputFile::annotate(const std::string& path, const h5::Attributes& attrs) {
  if (!attrs.empty()) {
    h5::Handle object = h5::open_for_write(file_.get(), path);
    h5::write_attrs(object.get(), attrs);
  }
  commit();
}

void OutputFile::write_attributes(const std::string& path, const h5::Attributes& attrs) {
  check_open();
  if (!h5::exists(file_.get(), path)) h5::require_group(file_.get(), path);
  annotate(path, attrs);
}

// ---- closing -----------------------------------------------------------------------------

void OutputFile::close() {
  if (!file_.valid()) return;
  try {
    flush();
  } catch (...) {
    release();
    throw;
  }
  release();
}

void OutputFile::release() {
  // Objects first: HDF5 keeps a file open while any of its objects is.
  spikes_.clear();
  reports_.clear();
  series_.clear();
  file_.reset();
}

}  // namespace apical
