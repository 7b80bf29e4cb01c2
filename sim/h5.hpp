// A thin RAII layer over libhdf5's C API: handles that close themselves, typed helpers for
// groups, datasets and attributes, and HDF5 failures turned into exceptions that name the file
// and the object.
//
// Which exception: writing helpers throw RunError (an output failed while the run goes);
// opening and reading helpers throw ConfigError, because what we read are input files (spike
// trains, edges, data sets), and a missing or misshapen input is the user's to fix.
//
// HDF5's automatic printing of its error stack is switched off (it would print pages to stderr
// for a probe that is expected to fail); the innermost HDF5 message goes into the exception.
// HDF5 is not thread-safe in Debian's build: call all of this from one thread.
#pragma once
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace apical::h5 {

// Owns one HDF5 identifier (file, group, dataset, attribute, dataspace, datatype or property
// list) and closes it with the matching H5*close. Move-only.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();  // closes now; errors while closing are ignored (nothing useful to do)

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// The element types we store; the templates below are compiled (in h5.cpp) for exactly these.
template <typename T>
concept Element = std::is_same_v<T, double> || std::is_same_v<T, float> ||
    std::is_same_v<T, std::uint64_t> || std::is_same_v<T, std::uint32_t> ||
    std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint8_t>;

template <Element T>
hid_t native_type();
template <>
hid_t native_type<double>();
template <>
hid_t native_type<float>();
template <>
hid_t native_type<std::uint64_t>();
template <>
hid_t native_type<std::uint32_t>();
template <>
hid_t native_type<std::int64_t>();
template <>
hid_t native_type<std::uint8_t>();

using Shape = std::vector<hsize_t>;
std::string shape_string(const Shape& shape);  // "[3, 4]", "scalar" for rank 0

// ---- files -------------------------------------------------------------------------------

// Creates (truncates) a file in the default format. Not SWMR, and not libver "latest": both
// mark the superblock as open for writing, and a killed writer then leaves a file that plain
// readers refuse to open.
Handle create_file(const std::string& path);
// Opens an existing file read-only. ConfigError if it is missing or not HDF5.
Handle open_file(const std::string& path);
// Writes every cached change to the operating system (H5Fflush, global scope).
void flush(hid_t file);
std::string file_name(hid_t loc);

// ---- structure ---------------------------------------------------------------------------

// True if every component of path exists (H5Lexists alone fails on a missing parent).
bool exists(hid_t loc, const std::string& path);
// Opens the group, creating it and any missing parents. RunError on failure.
Handle require_group(hid_t loc, const std::string& path);
// Opens an existing group, dataset or named object for writing attributes. RunError if missing.
Handle open_for_write(hid_t loc, const std::string& path);
// Opens an existing object for reading. ConfigError naming file and path if missing.
Handle open(hid_t loc, const std::string& path);
// Names of the direct children of a group, in name order. ConfigError if the group is missing.
std::vector<std::string> children(hid_t loc, const std::string& group_path);

// ---- whole datasets (written once) -------------------------------------------------------
// Parents are created as needed. An existing dataset at path is replaced (unlinked first;
// HDF5 does not reclaim its file space); any other object there is an error.

template <Element T>
void write_scalar(hid_t loc, const std::string& path, T value);
template <Element T>
void write_array(hid_t loc, const std::string& path, const std::vector<T>& data,
                 const Shape& shape);  // data.size() must equal the product of shape
template <Element T>
void write_vector(hid_t loc, const std::string& path, const std::vector<T>& data) {
  write_array(loc, path, data, {data.size()});
}
template <Element T>
void write_matrix(hid_t loc, const std::string& path, const std::vector<T>& data, std::size_t rows,
                  std::size_t cols) {
  write_array(loc, path, data, {rows, cols});
}
// A scalar fixed-length UTF-8 string (h5py reads it as bytes; h5dump shows it as text).
void write_string(hid_t loc, const std::string& path, const std::string& text);

// ---- extendable datasets (appended as the run goes) --------------------------------------

// Creates a chunked dataset of shape [0] (row_shape {}) or [0, cols] (row_shape {cols}) that
// grows along its first dimension. A chunk holds chunk_rows rows.
template <Element T>
Handle create_extendable(hid_t loc, const std::string& path, const Shape& row_shape,
                         hsize_t chunk_rows);
// Appends count elements (a whole number of rows) at the end of the first dimension.
template <Element T>
void append(hid_t dataset, const T* data, std::size_t count);
// Rewrites every element of an open dataset in place; data.size() must match its size.
template <Element T>
void overwrite(hid_t dataset, const std::vector<T>& data);
Shape shape_of(hid_t dataset_or_attribute);

// ---- attributes --------------------------------------------------------------------------
// An existing attribute of the same type and shape is overwritten in place (so that a
// status flag can change without moving anything in the file); otherwise it is replaced.

template <Element T>
void write_attr(hid_t obj, const std::string& name, T value);
template <Element T>
void write_attr(hid_t obj, const std::string& name, const std::vector<T>& values);
// A fixed-length string, null-padded to at least `width` bytes, so that a later value up to
// that width overwrites it in place.
void write_attr(hid_t obj, const std::string& name, const std::string& value,
                std::size_t width = 0);
inline void write_attr(hid_t obj, const std::string& name, const char* value) {
  write_attr(obj, name, std::string(value));
}

// Attribute sets for the generic writers (weights, alignment results): a literal int picks
// int64 (C++20 variant conversion excludes narrowing), text picks string.
using AttrValue = std::variant<std::string, double, std::int64_t, std::uint64_t>;
using Attributes = std::map<std::string, AttrValue>;
void write_attrs(hid_t obj, const Attributes& attrs);

// ---- reading (ConfigError on any problem) ------------------------------------------------
// Numbers are converted to T when every value fits exactly in T's range: integers to any
// integer or floating type, floating point only to floating types (no silent truncation).
// Enumerations over integers (how h5py stores numpy bool) read as their integer values.

template <typename T>
struct Array {
  std::vector<T> data;  // row-major
  Shape shape;
};

template <Element T>
Array<T> read_array(hid_t loc, const std::string& path);
// Requires a 1-D dataset.
template <Element T>
std::vector<T> read_vector(hid_t loc, const std::string& path);
// Requires a scalar or one-element dataset.
template <Element T>
T read_scalar(hid_t loc, const std::string& path);
std::string read_string(hid_t loc, const std::string& path);
// Row `row` of a 2-D floating-point dataset, read alone (a snapshot of a long series).
std::vector<double> read_row(hid_t loc, const std::string& path, hsize_t row);

bool has_attr(hid_t obj, const std::string& name);
template <Element T>
T read_attr(hid_t obj, const std::string& name);
template <Element T>
std::vector<T> read_attr_vector(hid_t obj, const std::string& name);
// Fixed-length (trailing nulls and spaces dropped) or variable-length strings.
std::string read_attr_string(hid_t obj, const std::string& name);

}  // namespace apical::h5
