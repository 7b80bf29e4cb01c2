// Round trips through the HDF5 layer (sim/h5), the result file (sim/output_file) and the input
// readers (sim/input_files), and the message of every error they raise.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "../temp_dir.hpp"
#include "sim/h5.hpp"
#include "sim/input_files.hpp"
#include "sim/output_file.hpp"

using Catch::Contains;
using namespace apical;
using test::TempDir;

namespace {

// Writes a file with the h5 layer alone, for inputs OutputFile would never produce.
template <typename Fill>
void make_file(const std::string& path, Fill fill) {
  h5::Handle f = h5::create_file(path);
  fill(f.get());
}

}  // namespace

TEST_CASE("h5: datasets of every element type round-trip", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("types.h5");
  make_file(path, [](hid_t f) {
    h5::write_vector(f, "/a/f64", std::vector<double>{1.5, -2.25});
    h5::write_vector(f, "/a/f32", std::vector<float>{0.5f});
    h5::write_vector(f, "/a/u64", std::vector<std::uint64_t>{std::uint64_t{1} << 63});
    h5::write_vector(f, "/a/u32", std::vector<std::uint32_t>{7, 8, 9});
    h5::write_vector(f, "/a/i64", std::vector<std::int64_t>{-3});
    h5::write_vector(f, "/a/u8", std::vector<std::uint8_t>{0, 255});
    h5::write_vector(f, "/a/empty", std::vector<double>{});
    h5::write_matrix(f, "/b/m", std::vector<double>{1, 2, 3, 4, 5, 6}, 2, 3);
    h5::write_scalar(f, "/b/s", std::int64_t{42});
    h5::write_string(f, "/b/text", "line one\nline two");
    h5::write_string(f, "/b/empty_text", "");
  });

  h5::Handle f = h5::open_file(path);
  hid_t id = f.get();
  CHECK(h5::read_vector<double>(id, "/a/f64") == std::vector<double>{1.5, -2.25});
  CHECK(h5::read_vector<float>(id, "/a/f32") == std::vector<float>{0.5f});
  CHECK(h5::read_vector<std::uint64_t>(id, "/a/u64")[0] == std::uint64_t{1} << 63);
  CHECK(h5::read_vector<std::uint32_t>(id, "/a/u32") == std::vector<std::uint32_t>{7, 8, 9});
  CHECK(h5::read_vector<std::int64_t>(id, "/a/i64") == std::vector<std::int64_t>{-3});
  CHECK(h5::read_vector<std::uint8_t>(id, "/a/u8") == std::vector<std::uint8_t>{0, 255});
  CHECK(h5::read_vector<double>(id, "/a/empty").empty());
  h5::Array<double> m = h5::read_array<double>(id, "/b/m");
  CHECK(m.shape == h5::Shape{2, 3});
  CHECK(m.data == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(h5::read_scalar<std::int64_t>(id, "/b/s") == 42);
  CHECK(h5::read_string(id, "/b/text") == "line one\nline two");
  CHECK(h5::read_string(id, "/b/empty_text").empty());
  CHECK(h5::children(id, "/a") ==
        std::vector<std::string>{"empty", "f32", "f64", "i64", "u32", "u64", "u8"});
  CHECK(h5::exists(id, "/b/m"));
  CHECK_FALSE(h5::exists(id, "/b/m/deeper"));
  CHECK_FALSE(h5::exists(id, "/nowhere/at/all"));
}

TEST_CASE("h5: numbers convert only when every value fits", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("convert.h5");
  make_file(path, [](hid_t f) {
    h5::write_vector(f, "small", std::vector<std::int64_t>{0, 200});
    h5::write_vector(f, "negative", std::vector<std::int64_t>{4, -1});
    h5::write_vector(f, "real", std::vector<double>{0.5});
    h5::write_vector(f, "u8", std::vector<std::uint8_t>{3});
    h5::write_string(f, "text", "x");
  });
  h5::Handle f = h5::open_file(path);
  CHECK(h5::read_vector<std::uint8_t>(f.get(), "small") == std::vector<std::uint8_t>{0, 200});
  CHECK(h5::read_vector<double>(f.get(), "small") == std::vector<double>{0, 200});
  CHECK(h5::read_vector<std::int64_t>(f.get(), "u8") == std::vector<std::int64_t>{3});
  REQUIRE_THROWS_WITH(h5::read_vector<std::uint64_t>(f.get(), "negative"),
                      Contains("convert.h5: /negative: value -1 at index 1 does not fit in uint64"));
  REQUIRE_THROWS_WITH(h5::read_vector<std::int64_t>(f.get(), "real"),
                      Contains("real: expected integers (int64), found floating-point numbers"));
  REQUIRE_THROWS_WITH(h5::read_vector<double>(f.get(), "text"),
                      Contains("text: expected numbers (float64), found strings"));
  REQUIRE_THROWS_AS(h5::read_vector<double>(f.get(), "text"), ConfigError);
}

TEST_CASE("h5: an enumeration over integers (numpy bool via h5py) reads as integers",
          "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("bool.h5");
  make_file(path, [](hid_t f) {
    // The type h5py writes for numpy bool.
    h5::Handle type(H5Tenum_create(H5T_NATIVE_INT8));
    std::int8_t no = 0, yes = 1;
    H5Tenum_insert(type.get(), "FALSE", &no);
    H5Tenum_insert(type.get(), "TRUE", &yes);
    hsize_t dims[1] = {4};
    h5::Handle space(H5Screate_simple(1, dims, nullptr));
    h5::Handle dset(
        H5Dcreate2(f, "flags", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    std::int8_t values[4] = {1, 0, 0, 1};
    REQUIRE(H5Dwrite(dset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0);
  });
  h5::Handle f = h5::open_file(path);
  CHECK(h5::read_vector<std::uint8_t>(f.get(), "flags") == std::vector<std::uint8_t>{1, 0, 0, 1});
  CHECK(h5::read_vector<double>(f.get(), "flags") == std::vector<double>{1, 0, 0, 1});
}

TEST_CASE("h5: attributes round-trip and overwrite in place", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("attrs.h5");
  make_file(path, [](hid_t f) {
    h5::write_attr(f, "u32", std::uint32_t{0x0A7A});
    h5::write_attr(f, "pair", std::vector<std::uint32_t>{0, 1});
    h5::write_attr(f, "real", 2.5);
    h5::write_attr(f, "status", std::string("running"), 11);
    h5::write_attr(f, "status", "interrupted");  // fits the width: written in place
    h5::write_attr(f, "grow", "ab");
    h5::write_attr(f, "grow", "abcdef");         // does not fit: replaced by a wider one
    h5::write_attr(f, "real", std::int64_t{3});  // another type: replaced
    h5::write_attrs(f, {{"note", "text"}, {"count", 5}, {"scale", 0.25}});
  });
  h5::Handle f = h5::open_file(path);
  hid_t id = f.get();
  CHECK(h5::read_attr<std::uint32_t>(id, "u32") == 0x0A7A);
  CHECK(h5::read_attr_vector<std::uint32_t>(id, "pair") == std::vector<std::uint32_t>{0, 1});
  CHECK(h5::read_attr_string(id, "status") == "interrupted");
  CHECK(h5::read_attr_string(id, "grow") == "abcdef");
  CHECK(h5::read_attr<std::int64_t>(id, "real") == 3);
  CHECK(h5::read_attr_string(id, "note") == "text");
  CHECK(h5::read_attr<std::int64_t>(id, "count") == 5);
  CHECK(h5::read_attr<double>(id, "scale") == 0.25);
  CHECK(h5::has_attr(id, "note"));
  CHECK_FALSE(h5::has_attr(id, "absent"));
  REQUIRE_THROWS_WITH(h5::read_attr<double>(id, "absent"),
                      Contains("attrs.h5: /: attribute 'absent' not found"));
  REQUIRE_THROWS_WITH(h5::read_attr<std::uint32_t>(id, "pair"),
                      Contains("attribute 'pair': expected one value, found 2"));
}

TEST_CASE("h5: extendable datasets grow by whole rows", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("grow.h5");
  {
    h5::Handle f = h5::create_file(path);
    h5::Handle v = h5::create_extendable<double>(f.get(), "/g/v", {}, 4);
    h5::Handle m = h5::create_extendable<float>(f.get(), "/g/m", {3}, 2);
    std::vector<double> a{1, 2, 3, 4, 5};  // more than one chunk
    h5::append(v.get(), a.data(), a.size());
    h5::append(v.get(), a.data(), 1);
    std::vector<float> rows{1, 2, 3, 4, 5, 6};
    h5::append(m.get(), rows.data(), 6);
    h5::append(m.get(), rows.data(), 3);
    h5::append(m.get(), rows.data(), 0);
    REQUIRE_THROWS_WITH(h5::append(m.get(), rows.data(), 4),
                        Contains("grow.h5: /g/m: cannot append 4 values in rows of 3"));
    REQUIRE_THROWS_WITH(h5::create_extendable<float>(f.get(), "/g/none", {0}, 2),
                        Contains("needs non-empty rows"));
  }
  h5::Handle f = h5::open_file(path);
  CHECK(h5::read_vector<double>(f.get(), "/g/v") == std::vector<double>{1, 2, 3, 4, 5, 1});
  h5::Array<float> m = h5::read_array<float>(f.get(), "/g/m");
  CHECK(m.shape == h5::Shape{3, 3});
  CHECK(m.data == std::vector<float>{1, 2, 3, 4, 5, 6, 1, 2, 3});
  // One row alone, as double (a snapshot of a weight series).
  CHECK(h5::read_row(f.get(), "/g/m", 1) == std::vector<double>{4, 5, 6});
  CHECK(h5::read_row(f.get(), "/g/m", 2) == std::vector<double>{1, 2, 3});
  REQUIRE_THROWS_WITH(h5::read_row(f.get(), "/g/m", 3), Contains("grow.h5: /g/m: expected a 2-D dataset with a row 3"));
  REQUIRE_THROWS_WITH(h5::read_row(f.get(), "/g/v", 0), Contains("expected a 2-D dataset"));
}

TEST_CASE("h5: writing replaces a dataset but never a group", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("replace.h5");
  make_file(path, [](hid_t f) {
    h5::write_vector(f, "/g/v", std::vector<double>{1, 2, 3});
    h5::write_vector(f, "/g/v", std::vector<std::int64_t>{4});
    REQUIRE_THROWS_WITH(h5::write_scalar(f, "/g", 1.0),
                        Contains("replace.h5: /g: exists and is not a dataset"));
    REQUIRE_THROWS_WITH(h5::write_attr(f, "", 1.0),
                        Contains("replace.h5: /: cannot create attribute ''"));
  });
  h5::Handle f = h5::open_file(path);
  CHECK(h5::read_vector<std::int64_t>(f.get(), "/g/v") == std::vector<std::int64_t>{4});
  h5::Handle g = h5::open(f.get(), "/g");
  REQUIRE_THROWS_WITH(h5::read_vector<double>(g.get(), "absent"),
                      Contains("replace.h5: /g/absent: not found"));
  REQUIRE_THROWS_WITH(h5::write_scalar(f.get(), "/w", 1.0),
                      Contains("replace.h5: /w: cannot create dataset (no write intent on file)"));
}

TEST_CASE("h5: missing files, datasets and wrong shapes are named", "[unit][h5]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(h5::open_file(dir.file("absent.h5")), Contains("absent.h5: no such file"));
  REQUIRE_THROWS_AS(h5::open_file(dir.file("absent.h5")), ConfigError);
  std::ofstream(dir.file("text.h5")) << "not hdf5\n";
  REQUIRE_THROWS_WITH(h5::open_file(dir.file("text.h5")), Contains("text.h5: not an HDF5 file"));

  const std::string path = dir.file("shapes.h5");
  make_file(path, [](hid_t f) {
    h5::write_matrix(f, "/m", std::vector<double>{1, 2}, 1, 2);
    h5::write_vector(f, "/v", std::vector<double>{1, 2});
  });
  h5::Handle f = h5::open_file(path);
  REQUIRE_THROWS_WITH(h5::read_vector<double>(f.get(), "/nope/x"),
                      Contains("shapes.h5: /nope/x: not found"));
  REQUIRE_THROWS_WITH(h5::read_vector<double>(f.get(), "/m"),
                      Contains("shapes.h5: /m: expected a 1-D dataset, found shape [1, 2]"));
  REQUIRE_THROWS_WITH(h5::read_scalar<double>(f.get(), "/v"),
                      Contains("/v: expected one value, found shape [2]"));
  REQUIRE_THROWS_WITH(h5::read_string(f.get(), "/v"), Contains("/v: expected a string"));
  REQUIRE_THROWS_WITH(h5::children(f.get(), "/v"), Contains("/v: expected a group"));
  REQUIRE_THROWS_WITH(h5::create_file(dir.file("no/such/dir.h5")),
                      Contains("no/such/dir.h5: cannot create HDF5 file"));
  REQUIRE_THROWS_AS(h5::create_file(dir.file("no/such/dir.h5")), RunError);
}

// ---- OutputFile ----------------------------------------------------------------------------

TEST_CASE("output file: root attributes and status", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("out.h5");
  {
    OutputFile out(path);
    REQUIRE_THROWS_WITH(out.set_status("done"), Contains("status 'done' is not one of"));
    out.set_status("complete");
  }
  h5::Handle f = h5::open_file(path);
  CHECK(h5::read_attr<std::uint32_t>(f.get(), "magic") == 0x0A7A);
  CHECK(h5::read_attr_vector<std::uint32_t>(f.get(), "version") ==
        std::vector<std::uint32_t>{0, 1});
  CHECK(h5::read_attr_string(f.get(), "status") == "complete");
}

TEST_CASE("output file: spikes are buffered, sorted by time and counted", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("spikes.h5");
  {
    OutputFile out(path);
    out.add_spikes("exc");
    out.add_spikes("inh");
    out.append_spikes("exc", {2.0, 1.0, 1.0}, {5, 9, 3});
    CHECK(out.spike_count("exc") == 3);
    out.flush();
    out.append_spikes("exc", {3.5}, {0});
    CHECK(out.spike_count("exc") == 4);
    REQUIRE_THROWS_WITH(out.append_spikes("glia", {1.0}, {1}),
                        Contains("no spike output for population 'glia'"));
    REQUIRE_THROWS_WITH(out.append_spikes("exc", {1.0}, {}), Contains("1 times but 0 node ids"));
    REQUIRE_THROWS_WITH(out.add_spikes("exc"), Contains("added twice"));
    REQUIRE_THROWS_WITH(out.add_spikes("a/b"), Contains("invalid population name 'a/b'"));
  }  // the destructor flushes the last spike

  SpikeList exc = read_spike_file(path, "exc");
  CHECK(exc.times_ms == std::vector<double>{1.0, 1.0, 2.0, 3.5});
  CHECK(exc.node_ids == std::vector<std::uint64_t>{3, 9, 5, 0});
  CHECK(read_spike_file(path, "inh").times_ms.empty());

  h5::Handle f = h5::open_file(path);
  h5::Handle group = h5::open(f.get(), "/spikes/exc");
  CHECK(h5::read_attr_string(group.get(), "sorting") == "by_time");
  CHECK(h5::read_attr<std::uint64_t>(group.get(), "count") == 4);
  h5::Handle ts = h5::open(f.get(), "/spikes/exc/timestamps");
  CHECK(h5::read_attr_string(ts.get(), "units") == "ms");
}

TEST_CASE("output file: a flush that goes back in time downgrades sorting", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("unsorted.h5");
  {
    OutputFile out(path);
    out.add_spikes("p");
    out.append_spikes("p", {5.0}, {1});
    out.flush();
    out.append_spikes("p", {1.0}, {2});
    out.close();
    REQUIRE_THROWS_WITH(out.flush(), Contains("used after close()"));
  }
  h5::Handle f = h5::open_file(path);
  h5::Handle group = h5::open(f.get(), "/spikes/p");
  CHECK(h5::read_attr_string(group.get(), "sorting") == "none");
}

TEST_CASE("output file: frame reports in the SONATA layout", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("report.h5");
  {
    OutputFile out(path);
    out.add_report("exc", "V_m", {4, 7}, 10.0, 0.1, "mV");
    out.append_report_rows("exc", "V_m", {1, 2, 3, 4, 5, 6});
    out.flush();
    out.append_report_rows("exc", "V_m", {7, 8});
    REQUIRE_THROWS_WITH(out.append_report_rows("exc", "V_m", {1}),
                        Contains("1 values are not whole rows of 2"));
    REQUIRE_THROWS_WITH(out.append_report_rows("exc", "I_syn", {1, 2}),
                        Contains("no report of 'I_syn' for population 'exc'"));
    REQUIRE_THROWS_WITH(out.add_report("exc", "w", {}, 0, 1, "pA"), Contains("has no nodes"));
    out.add_report("exc", "I_ex", {4}, 10.0, 0.1, "pA");  // a second variable: its own group
    out.append_report_rows("exc", "I_ex", {9});
  }
  h5::Handle f = h5::open_file(path);
  hid_t id = f.get();
  h5::Array<float> data = h5::read_array<float>(id, "/report/exc/data");
  CHECK(data.shape == h5::Shape{4, 2});
  CHECK(data.data == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(h5::read_attr_string(h5::open(id, "/report/exc/data").get(), "units") == "mV");
  const std::string mapping = "/report/exc/mapping/";
  CHECK(h5::read_vector<std::uint64_t>(id, mapping + "node_ids") ==
        std::vector<std::uint64_t>{4, 7});
  CHECK(h5::read_vector<std::uint64_t>(id, mapping + "index_pointers") ==
        std::vector<std::uint64_t>{0, 1, 2});
  CHECK(h5::read_vector<std::uint32_t>(id, mapping + "element_ids") ==
        std::vector<std::uint32_t>{0, 0});
  std::vector<double> time = h5::read_vector<double>(id, mapping + "time");
  REQUIRE(time.size() == 3);
  CHECK(time[0] == 10.0);
  CHECK(time[1] == Approx(10.0 + 4 * 0.1).epsilon(1e-15));  // start + rows * dt
  CHECK(time[2] == 0.1);
  CHECK(h5::read_attr_string(h5::open(id, mapping + "time").get(), "units") == "ms");
  CHECK(h5::read_attr_string(h5::open(id, "/report/exc/data").get(), "variable") == "V_m");
  CHECK(h5::read_array<float>(id, "/report/exc__I_ex/data").data == std::vector<float>{9});
  CHECK(h5::read_attr_string(h5::open(id, "/report/exc__I_ex/data").get(), "variable") == "I_ex");
}

TEST_CASE("output file: flush_due follows time and buffer size", "[unit][h5]") {
  TempDir dir;
  OutputFile out(dir.file("due.h5"));
  out.add_spikes("p");
  CHECK_FALSE(out.flush_due());  // nothing buffered
  out.append_spikes("p", {1.0}, {0});
  CHECK(out.buffered_bytes() == 16);
  CHECK_FALSE(out.flush_due());  // 10 s have not passed, 16 B < 64 MiB
  out.set_buffer_limit_bytes(16);
  CHECK(out.flush_due());
  out.set_buffer_limit_bytes(1 << 20);
  out.set_flush_interval_s(0.0);
  CHECK(out.flush_due());
  out.flush();
  CHECK(out.buffered_bytes() == 0);
  CHECK_FALSE(out.flush_due());
}

TEST_CASE("output file: run metadata and generic arrays", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("meta.h5");
  {
    OutputFile out(path);
    RunMetadata meta;
    meta.config_text = "[run]\nduration = 100.0\n";
    meta.config_path = "net.toml";
    meta.seed = 12345;
    meta.threads = 2;
    meta.apical_version = "0.1.0";
    meta.start_time = utc_timestamp();
    out.write_run_metadata(meta);
    out.finish_run_metadata(1.25, {{"exc", 10}, {"inh", 0}});
    out.write_matrix("/weights/exc_to_inh", std::vector<double>{1, 2, 3, 4, 5, 6}, 2, 3,
                     {{"units", "pA"}, {"source", "exc"}});
    out.write_vector("/alignment/angles", std::vector<float>{0.5f, 0.25f});
    out.write_attributes("/alignment", {{"epochs", 3}});
  }
  h5::Handle f = h5::open_file(path);
  hid_t id = f.get();
  h5::Handle run = h5::open(id, "/run");
  CHECK(h5::read_string(id, "/run/config") == "[run]\nduration = 100.0\n");
  CHECK(h5::read_attr_string(run.get(), "config_path") == "net.toml");
  CHECK(h5::read_attr<std::uint64_t>(run.get(), "seed") == 12345);
  CHECK(h5::read_attr<std::int64_t>(run.get(), "threads") == 2);
  CHECK(h5::read_attr_string(run.get(), "apical_version") == "0.1.0");
  std::string start = h5::read_attr_string(run.get(), "start_time");
  CHECK(start.size() == 20);  // 2024-05-01T12:34:56Z
  CHECK(start[10] == 'T');
  CHECK(h5::read_attr<double>(run.get(), "wall_time_s") == 1.25);
  CHECK(h5::read_scalar<std::uint64_t>(id, "/run/spike_counts/exc") == 10);
  CHECK(h5::read_scalar<std::uint64_t>(id, "/run/spike_counts/inh") == 0);

  h5::Array<double> w = h5::read_array<double>(id, "/weights/exc_to_inh");
  CHECK(w.shape == h5::Shape{2, 3});
  CHECK(w.data == std::vector<double>{1, 2, 3, 4, 5, 6});
  h5::Handle wd = h5::open(id, "/weights/exc_to_inh");
  CHECK(h5::read_attr_string(wd.get(), "units") == "pA");
  CHECK(h5::read_vector<float>(id, "/alignment/angles") == std::vector<float>{0.5f, 0.25f});
  CHECK(h5::read_attr<std::int64_t>(h5::open(id, "/alignment").get(), "epochs") == 3);
}

// ---- input files -------------------------------------------------------------------------

TEST_CASE("spike files: types, units and population choice", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("in.h5");
  make_file(path, [](hid_t f) {
    h5::write_vector(f, "/spikes/a/timestamps", std::vector<float>{0.5f, 1.5f});
    h5::write_vector(f, "/spikes/a/node_ids", std::vector<std::int64_t>{3, 1});
    h5::write_vector(f, "/spikes/b/timestamps", std::vector<double>{0.002});
    h5::write_attr(h5::open_for_write(f, "/spikes/b/timestamps").get(), "units", "s");
    h5::write_vector(f, "/spikes/b/node_ids", std::vector<std::uint32_t>{0});
  });
  SpikeList a = read_spike_file(path, "a");
  CHECK(a.times_ms == std::vector<double>{0.5, 1.5});
  CHECK(a.node_ids == std::vector<std::uint64_t>{3, 1});
  SpikeList b = read_spike_file(path, "b");
  CHECK(b.times_ms[0] == Approx(2.0).epsilon(1e-12));  // seconds converted to ms
  REQUIRE_THROWS_WITH(read_spike_file(path),
                      Contains("in.h5: /spikes holds 2 populations (a, b); name the one to read"));
  REQUIRE_THROWS_WITH(read_spike_file(path, "c"),
                      Contains("in.h5: /spikes/c: not found; populations in the file: a, b"));

  const std::string one = dir.file("one.h5");
  make_file(one, [](hid_t f) {
    h5::write_vector(f, "/spikes/only/timestamps", std::vector<double>{1, 2});
    h5::write_vector(f, "/spikes/only/node_ids", std::vector<std::uint64_t>{0});
  });
  REQUIRE_THROWS_WITH(read_spike_file(one),
                      Contains("one.h5: /spikes/only/timestamps has 2 values but "
                               "/spikes/only/node_ids has 1"));
}

TEST_CASE("spike files: missing file, dataset and bad layouts", "[unit][h5]") {
  TempDir dir;
  REQUIRE_THROWS_WITH(read_spike_file(dir.file("gone.h5")), Contains("gone.h5: no such file"));
  const std::string path = dir.file("bad.h5");
  make_file(path, [](hid_t f) {
    h5::write_vector(f, "/spikes/p/timestamps", std::vector<double>{1});
    h5::write_matrix(f, "/spikes/q/timestamps", std::vector<double>{1, 2}, 1, 2);
    h5::write_vector(f, "/spikes/q/node_ids", std::vector<std::uint64_t>{0, 1});
  });
  REQUIRE_THROWS_WITH(read_spike_file(path, "p"),
                      Contains("bad.h5: /spikes/p/node_ids: not found"));
  REQUIRE_THROWS_WITH(read_spike_file(path, "q"),
                      Contains("bad.h5: /spikes/q/timestamps: expected a 1-D dataset, found "
                               "shape [1, 2]"));
  const std::string empty = dir.file("empty.h5");
  make_file(empty, [](hid_t) {});
  REQUIRE_THROWS_WITH(read_spike_file(empty), Contains("empty.h5: /spikes: not found"));
}

TEST_CASE("edge files: write and read back", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("edges.h5");
  EdgeList e;
  e.source = {0, 1, 2};
  e.target = {5, 5, 6};
  e.weight = {0.5, -1.0, 2.0};
  e.delay_ms = {1.0, 1.5, 2.0};
  write_edge_file(path, "exc_to_inh", e, "exc", "inh");

  EdgeList r = read_edge_file(path);  // the only edge population
  CHECK(r.source == e.source);
  CHECK(r.target == e.target);
  CHECK(r.weight == e.weight);
  CHECK(r.delay_ms == e.delay_ms);

  h5::Handle f = h5::open_file(path);
  CHECK(h5::read_attr_string(h5::open(f.get(), "/edges/exc_to_inh/source_node_id").get(),
                             "node_population") == "exc");
  CHECK(h5::read_attr_string(h5::open(f.get(), "/edges/exc_to_inh/target_node_id").get(),
                             "node_population") == "inh");
  CHECK(h5::read_vector<std::uint64_t>(f.get(), "/edges/exc_to_inh/edge_group_index") ==
        std::vector<std::uint64_t>{0, 1, 2});

  EdgeList bare{{1}, {2}, {}, {}};
  write_edge_file(dir.file("bare.h5"), "e", bare, "a", "b");
  EdgeList rb = read_edge_file(dir.file("bare.h5"), "e");
  CHECK(rb.source == bare.source);
  CHECK(rb.weight.empty());
  CHECK(rb.delay_ms.empty());

  EdgeList uneven{{1, 2}, {2}, {}, {}};
  REQUIRE_THROWS_WITH(write_edge_file(dir.file("x.h5"), "e", uneven, "a", "b"),
                      Contains("x.h5: cannot write edges: 2 sources but 1 targets"));
  EdgeList no_weights{{1, 2}, {2, 3}, {1.0}, {}};
  REQUIRE_THROWS_WITH(write_edge_file(dir.file("x.h5"), "e", no_weights, "a", "b"),
                      Contains("2 sources but 1 weights"));
}

TEST_CASE("edge files: group indices, mismatched sizes and other groups", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("edges.h5");
  make_file(path, [](hid_t f) {
    // Group rows in another order than edges: edge i has weight rows[index[i]].
    h5::write_vector(f, "/edges/perm/source_node_id", std::vector<std::uint64_t>{0, 1});
    h5::write_vector(f, "/edges/perm/target_node_id", std::vector<std::uint64_t>{2, 3});
    h5::write_vector(f, "/edges/perm/edge_group_index", std::vector<std::uint64_t>{1, 0});
    h5::write_vector(f, "/edges/perm/0/syn_weight", std::vector<double>{10, 20});

    h5::write_vector(f, "/edges/uneven/source_node_id", std::vector<std::uint64_t>{0, 1, 2});
    h5::write_vector(f, "/edges/uneven/target_node_id", std::vector<std::uint64_t>{2, 3});

    h5::write_vector(f, "/edges/short_w/source_node_id", std::vector<std::uint64_t>{0, 1});
    h5::write_vector(f, "/edges/short_w/target_node_id", std::vector<std::uint64_t>{2, 3});
    h5::write_vector(f, "/edges/short_w/0/syn_weight", std::vector<double>{1});

    h5::write_vector(f, "/edges/groups/source_node_id", std::vector<std::uint64_t>{0, 1});
    h5::write_vector(f, "/edges/groups/target_node_id", std::vector<std::uint64_t>{2, 3});
    h5::write_vector(f, "/edges/groups/edge_group_id", std::vector<std::uint32_t>{0, 1});

    h5::write_vector(f, "/edges/bad_index/source_node_id", std::vector<std::uint64_t>{0});
    h5::write_vector(f, "/edges/bad_index/target_node_id", std::vector<std::uint64_t>{2});
    h5::write_vector(f, "/edges/bad_index/edge_group_index", std::vector<std::uint64_t>{4});
    h5::write_vector(f, "/edges/bad_index/0/delay", std::vector<double>{1});
  });
  CHECK(read_edge_file(path, "perm").weight == std::vector<double>{20, 10});
  REQUIRE_THROWS_WITH(read_edge_file(path, "uneven"),
                      Contains("edges.h5: /edges/uneven/source_node_id has 3 values but "
                               "/edges/uneven/target_node_id has 2"));
  REQUIRE_THROWS_WITH(read_edge_file(path, "short_w"),
                      Contains("/edges/short_w/0/syn_weight has 1 values but "
                               "/edges/short_w/source_node_id has 2"));
  REQUIRE_THROWS_WITH(read_edge_file(path, "groups"),
                      Contains("/edges/groups/edge_group_id[1] = 1: only edge group 0"));
  REQUIRE_THROWS_WITH(read_edge_file(path, "bad_index"),
                      Contains("/edges/bad_index/edge_group_index[0] = 4: beyond the 1 rows"));
  REQUIRE_THROWS_WITH(read_edge_file(path), Contains("/edges holds 5 populations"));
  REQUIRE_THROWS_WITH(read_edge_file(dir.file("none.h5")), Contains("none.h5: no such file"));
}

TEST_CASE("raster data sets: round trip and shape checks", "[unit][h5]") {
  TempDir dir;
  const std::string path = dir.file("raster.h5");
  // 2 samples, 3 steps, 2 inputs; 1 output.
  std::vector<std::uint8_t> spikes{1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1};
  std::vector<double> targets{0, 0.5, 1, 1, 0.5, 0};
  make_file(path, [&](hid_t f) {
    h5::write_array(f, "/inputs/spikes", spikes, {2, 3, 2});
    h5::write_vector(f, "/inputs/labels", std::vector<std::int64_t>{7, 3});
    h5::write_array(f, "/inputs/targets", targets, {2, 3, 1});
  });
  Raster r = read_raster(path);
  CHECK(r.batch == 2);
  CHECK(r.steps == 3);
  CHECK(r.inputs == 2);
  CHECK(r.spikes == spikes);
  CHECK(r.labels == std::vector<std::int64_t>{7, 3});
  CHECK(r.outputs == 1);
  CHECK(r.targets == targets);

  const std::string bare = dir.file("bare.h5");
  make_file(bare, [&](hid_t f) { h5::write_array(f, "/inputs/spikes", spikes, {1, 6, 2}); });
  Raster rb = read_raster(bare);
  CHECK(rb.labels.empty());
  CHECK(rb.targets.empty());
  CHECK(rb.outputs == 0);

  const std::string flat = dir.file("flat.h5");
  make_file(flat, [&](hid_t f) { h5::write_matrix(f, "/inputs/spikes", spikes, 6, 2); });
  REQUIRE_THROWS_WITH(read_raster(flat),
                      Contains("flat.h5: /inputs/spikes: expected shape [batch, steps, inputs], "
                               "found [6, 2]"));

  const std::string labels = dir.file("labels.h5");
  make_file(labels, [&](hid_t f) {
    h5::write_array(f, "/inputs/spikes", spikes, {2, 3, 2});
    h5::write_vector(f, "/inputs/labels", std::vector<std::int64_t>{7, 3, 1});
  });
  REQUIRE_THROWS_WITH(read_raster(labels),
                      Contains("labels.h5: /inputs/labels: expected shape [2]"));

  const std::string wrong_targets = dir.file("targets.h5");
  make_file(wrong_targets, [&](hid_t f) {
    h5::write_array(f, "/inputs/spikes", spikes, {2, 3, 2});
    h5::write_array(f, "/inputs/targets", targets, {2, 1, 3});
  });
  REQUIRE_THROWS_WITH(read_raster(wrong_targets),
                      Contains("/inputs/targets: expected shape [2, 3, outputs]"));

  const std::string missing = dir.file("missing.h5");
  make_file(missing, [](hid_t) {});
  REQUIRE_THROWS_WITH(read_raster(missing), Contains("missing.h5: /inputs/spikes: not found"));
}
