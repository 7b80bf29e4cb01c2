#include "sim/h5.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>
#include <numeric>
#include <type_traits>
#include <utility>

#include "core/error.hpp"

namespace apical::h5 {

// ---- types -------------------------------------------------------------------------------

template <>
hid_t native_type<double>() {
  return H5T_NATIVE_DOUBLE;
}
template <>
hid_t native_type<float>() {
  return H5T_NATIVE_FLOAT;
}
template <>
hid_t native_type<std::uint64_t>() {
  return H5T_NATIVE_UINT64;
}
template <>
hid_t native_type<std::uint32_t>() {
  return H5T_NATIVE_UINT32;
}
template <>
hid_t native_type<std::int64_t>() {
  return H5T_NATIVE_INT64;
}
template <>
hid_t native_type<std::uint8_t>() {
  return H5T_NATIVE_UINT8;
}

namespace {

// ---- errors ------------------------------------------------------------------------------

void silence_hdf5() {
  // Once is enough: Debian's serial libhdf5 keeps one global error stack.
  static const bool silenced = [] { return H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }();
  (void)silenced;
}

herr_t keep_innermost(unsigned n, const H5E_error2_t* err, void* out) {
  if (n == 0 && err->desc != nullptr) *static_cast<std::string*>(out) = err->desc;
  return 0;
}

// The most specific message on HDF5's error stack, which is then cleared. Must be called
// before any other HDF5 call, since every API call clears the stack on entry.
std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason;
}

std::string object_name(hid_t id) {
  ssize_t n = H5Iget_name(id, nullptr, 0);
  if (n <= 0) return "?";
  std::string name(static_cast<std::size_t>(n), '\0');
  H5Iget_name(id, name.data(), name.size() + 1);
  return name;
}

// "file: /full/path", with a path relative to a group made absolute so the reader can find it.
std::string where(hid_t loc, const std::string& path) {
  std::string full = path;
  if (path.empty() || path.front() != '/') {
    std::string base = object_name(loc);
    full = (base == "/" ? "" : base) + "/" + path;
  }
  return file_name(loc) + ": " + full;
}

[[noreturn]] void write_failed(hid_t loc, const std::string& path, const std::string& what) {
  std::string reason = hdf5_reason();
  throw RunError(where(loc, path) + ": " + what + (reason.empty() ? "" : " (" + reason + ")"));
}

[[noreturn]] void read_failed(hid_t loc, const std::string& path, const std::string& what) {
  std::string reason = hdf5_reason();
  throw ConfigError(where(loc, path) + ": " + what + (reason.empty() ? "" : " (" + reason + ")"));
}

// Any HDF5 call returning a negative value has failed (hid_t and herr_t alike).
template <typename R>
R write_ok(R rc, hid_t loc, const std::string& path, const std::string& what) {
  if (rc < 0) write_failed(loc, path, what);
  return rc;
}

template <typename R>
R read_ok(R rc, hid_t loc, const std::string& path, const std::string& what) {
  if (rc < 0) read_failed(loc, path, what);
  return rc;
}

// ---- small helpers -----------------------------------------------------------------------

hsize_t element_count(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), hsize_t{1}, std::multiplies<>());
}

Handle make_space(const Shape& shape, const Shape* max_shape = nullptr) {
  if (shape.empty()) return Handle(H5Screate(H5S_SCALAR));
  return Handle(H5Screate_simple(static_cast<int>(shape.size()), shape.data(),
                                 max_shape ? max_shape->data() : nullptr));
}

// Link creation properties: create missing parent groups, names in UTF-8.
Handle link_props() {
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8);
  return lcpl;
}

Handle fixed_string_type(std::size_t width) {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), std::max<std::size_t>(width, 1));  // HDF5 refuses size 0
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

// Makes room for a new dataset at path. Only a dataset is replaced: unlinking a group would
// silently drop everything under it (a mistyped "/spikes" would erase every spike).
void unlink_dataset(hid_t loc, const std::string& path) {
  if (!exists(loc, path)) return;
  // Opened rather than H5Oget_info'd: that struct changed between HDF5 1.10 and 1.12.
  bool is_dataset = H5Iget_type(open_for_write(loc, path).get()) == H5I_DATASET;
  if (!is_dataset) write_failed(loc, path, "exists and is not a dataset");
  write_ok(H5Ldelete(loc, path.c_str(), H5P_DEFAULT), loc, path, "cannot replace");
}

void write_dataset_raw(hid_t loc, const std::string& path, hid_t type, const void* data,
                       const Shape& shape) {
  unlink_dataset(loc, path);
  Handle space = make_space(shape);
  Handle lcpl = link_props();
  Handle dset(write_ok(
      H5Dcreate2(loc, path.c_str(), type, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), loc,
      path, "cannot create dataset"));
  if (element_count(shape) == 0) return;  // nothing to write, and data may be null
  write_ok(H5Dwrite(dset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), loc, path,
           "cannot write dataset");
}

void write_attr_raw(hid_t obj, const std::string& name, hid_t type, const void* data,
                    const Shape& shape) {
  // Named up front: any HDF5 call made after a failure would clear the error being reported.
  const std::string obj_path = object_name(obj);
  const std::string what = "attribute '" + name + "'";
  if (H5Aexists(obj, name.c_str()) > 0) {
    Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
    Handle old_type(H5Aget_type(attr.get()));
    if (H5Tequal(old_type.get(), type) > 0 && shape_of(attr.get()) == shape) {
      write_ok(H5Awrite(attr.get(), type, data), obj, obj_path, "cannot write " + what);
      return;
    }
    attr.reset();
    write_ok(H5Adelete(obj, name.c_str()), obj, obj_path, "cannot replace " + what);
  }
  Handle space = make_space(shape);
  Handle attr(write_ok(H5Acreate2(obj, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       obj, obj_path, "cannot create " + what));
  if (element_count(shape) == 0) return;
  write_ok(H5Awrite(attr.get(), type, data), obj, obj_path, "cannot write " + what);
}

// ---- reading -----------------------------------------------------------------------------

bool is_attribute(hid_t id) { return H5Iget_type(id) == H5I_ATTR; }

Handle stored_type(hid_t id) {
  return Handle(is_attribute(id) ? H5Aget_type(id) : H5Dget_type(id));
}

// Reads every element of a dataset or attribute. Enumerations are read as stored, then
// converted from their integer base type to mem_type in place, since HDF5 has no direct
// enum-to-integer conversion. buf must hold n elements of the larger of the two types.
herr_t read_all(hid_t id, hid_t file_type, hid_t mem_type, hsize_t n, void* buf) {
  hid_t as = H5Tget_class(file_type) == H5T_ENUM ? file_type : mem_type;
  herr_t rc =
      is_attribute(id) ? H5Aread(id, as, buf) : H5Dread(id, as, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  if (rc < 0 || as == mem_type || n == 0) return rc;
  Handle base(H5Tget_super(file_type));
  return H5Tconvert(base.get(), mem_type, static_cast<std::size_t>(n), buf, nullptr, H5P_DEFAULT);
}

template <typename T>
const char* type_name() {
  if constexpr (std::is_same_v<T, double>)
    return "float64";
  else if constexpr (std::is_same_v<T, float>)
    return "float32";
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return "uint64";
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return "uint32";
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return "int64";
  else
    return "uint8";
}

const char* class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "integers";
    case H5T_FLOAT:
      return "floating-point numbers";
    case H5T_STRING:
      return "strings";
    case H5T_COMPOUND:
      return "a compound type";
    case H5T_ENUM:
      return "an enumeration";
    default:
      return "a non-numeric type";
  }
}

// True if every value of the stored integer type is exactly representable in T, so that
// HDF5 can convert directly without a range check.
template <typename T>
bool integer_fits(std::size_t size, bool is_signed) {
  if constexpr (std::is_floating_point_v<T>) {
    return true;  // rounding a large integer to float is a conversion users expect
  } else {
    if (is_signed && !std::is_signed_v<T>) return false;
    if (!is_signed && std::is_signed_v<T>) return size < sizeof(T);
    return size <= sizeof(T);
  }
}

// Converts values read at 64 bits to T, refusing any that T cannot hold.
template <typename T, typename W>
std::vector<T> narrow(const std::vector<W>& wide, const std::string& where_) {
  std::vector<T> out(wide.size());
  for (std::size_t i = 0; i < wide.size(); ++i) {
    if (!std::in_range<T>(wide[i])) {
      throw ConfigError(where_ + ": value " + std::to_string(wide[i]) + " at index " +
                        std::to_string(i) + " does not fit in " + type_name<T>());
    }
    out[i] = static_cast<T>(wide[i]);
  }
  return out;
}

// True if every member of an enumeration fits in T. numpy bool, stored by h5py as an enum
// over int8 with members 0 and 1, then reads directly into uint8, without a 64-bit detour.
template <typename T>
bool enum_values_fit(hid_t enum_type, hid_t base, bool is_signed) {
  if constexpr (std::is_floating_point_v<T>) {
    return true;
  } else {
    int members = H5Tget_nmembers(enum_type);
    for (int i = 0; i < members; ++i) {
      std::uint64_t raw = 0;  // room for any base up to 64 bits, converted in place
      H5Tget_member_value(enum_type, static_cast<unsigned>(i), &raw);
      H5Tconvert(base, is_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64, 1, &raw, nullptr,
                 H5P_DEFAULT);
      bool fits =
          is_signed ? std::in_range<T>(static_cast<std::int64_t>(raw)) : std::in_range<T>(raw);
      if (!fits) return false;
    }
    return true;
  }
}

template <typename W>
std::vector<W> read_wide(hid_t id, hid_t file_type, hsize_t n, const std::string& where_) {
  // An enumeration is read as stored before conversion, so the buffer must hold that too.
  std::size_t stored = H5Tget_size(file_type);
  std::vector<W> wide(std::max<hsize_t>(n, (n * stored + sizeof(W) - 1) / sizeof(W)));
  if (read_all(id, file_type, native_type<W>(), n, wide.data()) < 0) {
    std::string reason = hdf5_reason();
    throw ConfigError(where_ + ": cannot read (" + reason + ")");
  }
  wide.resize(n);
  return wide;
}

// The whole object as T; where_ is "file: path" for messages.
template <typename T>
std::vector<T> read_numbers(hid_t id, hsize_t n, const std::string& where_) {
  Handle file_type = stored_type(id);
  H5T_class_t cls = H5Tget_class(file_type.get());
  if (cls == H5T_FLOAT) {
    if constexpr (!std::is_floating_point_v<T>) {
      throw ConfigError(where_ + ": expected integers (" + type_name<T>() +
                        "), found floating-point numbers");
    }
    return read_wide<T>(id, file_type.get(), n, where_);
  }
  if (cls != H5T_INTEGER && cls != H5T_ENUM) {
    throw ConfigError(where_ + ": expected numbers (" + type_name<T>() + "), found " +
                      class_name(cls));
  }
  Handle int_type(cls == H5T_ENUM ? H5Tget_super(file_type.get()) : H5Tcopy(file_type.get()));
  if (H5Tget_class(int_type.get()) != H5T_INTEGER || H5Tget_size(int_type.get()) > 8) {
    throw ConfigError(where_ + ": expected numbers of at most 64 bits");
  }
  bool is_signed = H5Tget_sign(int_type.get()) == H5T_SGN_2;
  bool fits = integer_fits<T>(H5Tget_size(int_type.get()), is_signed) ||
              (cls == H5T_ENUM && enum_values_fit<T>(file_type.get(), int_type.get(), is_signed));
  if constexpr (std::is_integral_v<T>) {
    // Read at 64 bits and check each value, rather than let HDF5 clamp silently.
    if (!fits && is_signed) {
      return narrow<T>(read_wide<std::int64_t>(id, file_type.get(), n, where_), where_);
    }
    if (!fits) return narrow<T>(read_wide<std::uint64_t>(id, file_type.get(), n, where_), where_);
  }
  return read_wide<T>(id, file_type.get(), n, where_);
}

std::string read_text(hid_t id, const std::string& where_) {
  Handle file_type = stored_type(id);
  if (H5Tget_class(file_type.get()) != H5T_STRING) {
    throw ConfigError(where_ + ": expected a string, found " +
                      class_name(H5Tget_class(file_type.get())));
  }
  Shape shape = shape_of(id);
  if (element_count(shape) != 1) {
    throw ConfigError(where_ + ": expected one string, found shape " + shape_string(shape));
  }
  auto read_into = [&](hid_t mem_type, void* buf) {
    herr_t rc = is_attribute(id) ? H5Aread(id, mem_type, buf)
                                 : H5Dread(id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    if (rc < 0) throw ConfigError(where_ + ": cannot read string (" + hdf5_reason() + ")");
  };

  if (H5Tis_variable_str(file_type.get()) > 0) {
    Handle mem_type(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem_type.get(), H5T_VARIABLE);
    H5Tset_cset(mem_type.get(), H5Tget_cset(file_type.get()));
    char* text = nullptr;
    read_into(mem_type.get(), &text);
    std::string out = text != nullptr ? text : "";
    H5free_memory(text);
    return out;
  }
  std::string out(H5Tget_size(file_type.get()), '\0');
  read_into(file_type.get(), out.data());
  // Fixed-length strings are padded with nulls or spaces, depending on the writer.
  out.erase(out.find_last_not_of(std::string("\0 ", 2)) + 1);
  return out;
}

Handle open_attr(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) <= 0) {
    read_failed(obj, object_name(obj), "attribute '" + name + "' not found");
  }
  const std::string obj_path = object_name(obj);
  return Handle(read_ok(H5Aopen(obj, name.c_str(), H5P_DEFAULT), obj, obj_path,
                        "cannot open attribute '" + name + "'"));
}

std::string attr_where(hid_t obj, const std::string& name) {
  return where(obj, object_name(obj)) + " attribute '" + name + "'";
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

}  // namespace

// ---- Handle ------------------------------------------------------------------------------

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
  }
  return *this;
}

void Handle::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      H5Fclose(id_);
      break;
    case H5I_GROUP:
      H5Gclose(id_);
      break;
    case H5I_DATASET:
      H5Dclose(id_);
      break;
    case H5I_ATTR:
      H5Aclose(id_);
      break;
    case H5I_DATASPACE:
      H5Sclose(id_);
      break;
    case H5I_DATATYPE:
      H5Tclose(id_);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id_);
      break;
    default:
      H5Idec_ref(id_);
      break;
  }
  id_ = H5I_INVALID_HID;
}

std::string shape_string(const Shape& shape) {
  if (shape.empty()) return "scalar";
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + "]";
}

// ---- files -------------------------------------------------------------------------------

Handle create_file(const std::string& path) {
  silence_hdf5();
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) throw RunError(path + ": cannot create HDF5 file (" + hdf5_reason() + ")");
  return Handle(id);
}

Handle open_file(const std::string& path) {
  silence_hdf5();
  // Checked first because HDF5's own message for these is a page of internals.
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw ConfigError(path + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw ConfigError(path + ": not an HDF5 file");
  }
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) throw ConfigError(path + ": cannot open HDF5 file (" + hdf5_reason() + ")");
  return Handle(id);
}

void flush(hid_t file) { write_ok(H5Fflush(file, H5F_SCOPE_GLOBAL), file, "/", "cannot flush"); }

std::string file_name(hid_t loc) {
  ssize_t n = H5Fget_name(loc, nullptr, 0);
  if (n <= 0) return "?";
  std::string name(static_cast<std::size_t>(n), '\0');
  H5Fget_name(loc, name.data(), name.size() + 1);
  return name;
}

// ---- structure ---------------------------------------------------------------------------

bool exists(hid_t loc, const std::string& path) {
  // Check each prefix in turn: H5Lexists fails (rather than answering no) on a missing parent.
  std::size_t end = path.find_first_not_of('/');
  while (end != std::string::npos) {
    end = path.find('/', end);
    std::string prefix = path.substr(0, end);
    if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (end != std::string::npos) end = path.find_first_not_of('/', end);
  }
  return true;
}

Handle require_group(hid_t loc, const std::string& path) {
  if (exists(loc, path)) {
    return Handle(write_ok(H5Gopen2(loc, path.c_str(), H5P_DEFAULT), loc, path, "not a group"));
  }
  Handle lcpl = link_props();
  return Handle(write_ok(H5Gcreate2(loc, path.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), loc,
                         path, "cannot create group"));
}

Handle open_for_write(hid_t loc, const std::string& path) {
  if (!exists(loc, path)) write_failed(loc, path, "not found");
  return Handle(write_ok(H5Oopen(loc, path.c_str(), H5P_DEFAULT), loc, path, "cannot open"));
}

Handle open(hid_t loc, const std::string& path) {
  if (!exists(loc, path)) read_failed(loc, path, "not found");
  return Handle(read_ok(H5Oopen(loc, path.c_str(), H5P_DEFAULT), loc, path, "cannot open"));
}

std::vector<std::string> children(hid_t loc, const std::string& group_path) {
  Handle group = open(loc, group_path);
  if (H5Iget_type(group.get()) != H5I_GROUP) read_failed(loc, group_path, "expected a group");
  std::vector<std::string> names;
  read_ok(H5Literate(group.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names), loc,
          group_path, "cannot list group");
  return names;
}

// ---- whole datasets ----------------------------------------------------------------------

template <Element T>
void write_scalar(hid_t loc, const std::string& path, T value) {
  write_dataset_raw(loc, path, native_type<T>(), &value, {});
}

template <Element T>
void write_array(hid_t loc, const std::string& path, const std::vector<T>& data,
                 const Shape& shape) {
  if (data.size() != element_count(shape)) {
    throw RunError(where(loc, path) + ": " + std::to_string(data.size()) +
                   " values do not fill shape " + shape_string(shape));
  }
  write_dataset_raw(loc, path, native_type<T>(), data.data(), shape);
}

void write_string(hid_t loc, const std::string& path, const std::string& text) {
  Handle type = fixed_string_type(text.size());
  std::string padded = text;
  padded.resize(H5Tget_size(type.get()), '\0');
  write_dataset_raw(loc, path, type.get(), padded.data(), {});
}

// ---- extendable datasets -----------------------------------------------------------------

template <Element T>
Handle create_extendable(hid_t loc, const std::string& path, const Shape& row_shape,
                         hsize_t chunk_rows) {
  // A chunk dimension of 0 is invalid, and a row of 0 values could never grow anyway.
  if (chunk_rows == 0 || element_count(row_shape) == 0) {
    throw RunError(where(loc, path) + ": extendable dataset needs non-empty rows and chunks");
  }
  Shape dims{0}, max_dims{H5S_UNLIMITED}, chunk{chunk_rows};
  for (hsize_t d : row_shape) {
    dims.push_back(d);
    max_dims.push_back(d);
    chunk.push_back(d);
  }
  unlink_dataset(loc, path);
  Handle space = make_space(dims, &max_dims);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  write_ok(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), loc, path,
           "cannot set chunk shape " + shape_string(chunk));
  Handle lcpl = link_props();
  return Handle(write_ok(H5Dcreate2(loc, path.c_str(), native_type<T>(), space.get(), lcpl.get(),
                                    dcpl.get(), H5P_DEFAULT),
                         loc, path, "cannot create dataset"));
}

template <Element T>
void append(hid_t dataset, const T* data, std::size_t count) {
  const std::string path = object_name(dataset);
  Shape old_dims = shape_of(dataset);
  hsize_t row_size = element_count(Shape(old_dims.begin() + 1, old_dims.end()));
  if (count % row_size != 0) {
    throw RunError(where(dataset, path) + ": cannot append " + std::to_string(count) +
                   " values in rows of " + std::to_string(row_size));
  }
  if (count == 0) return;

  Shape block = old_dims;
  block[0] = count / row_size;
  Shape new_dims = old_dims;
  new_dims[0] += block[0];
  Shape start(old_dims.size(), 0);
  start[0] = old_dims[0];

  write_ok(H5Dset_extent(dataset, new_dims.data()), dataset, path, "cannot extend");
  Handle file_space(H5Dget_space(dataset));
  write_ok(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                               block.data(), nullptr),
           dataset, path, "cannot select rows");
  Handle mem_space = make_space(block);
  write_ok(
      H5Dwrite(dataset, native_type<T>(), mem_space.get(), file_space.get(), H5P_DEFAULT, data),
      dataset, path, "cannot append rows");
}

template <Element T>
void overwrite(hid_t dataset, const std::vector<T>& data) {
  const std::string path = object_name(dataset);
  Shape dims = shape_of(dataset);
  if (data.size() != element_count(dims)) {
    throw RunError(where(dataset, path) + ": " + std::to_string(data.size()) +
                   " values do not fill shape " + shape_string(dims));
  }
  if (data.empty()) return;
  write_ok(H5Dwrite(dataset, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), dataset,
           path, "cannot write dataset");
}

Shape shape_of(hid_t id) {
  Handle space(is_attribute(id) ? H5Aget_space(id) : H5Dget_space(id));
  int rank = H5Sget_simple_extent_ndims(space.get());
  Shape dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

// ---- attributes --------------------------------------------------------------------------

template <Element T>
void write_attr(hid_t obj, const std::string& name, T value) {
  write_attr_raw(obj, name, native_type<T>(), &value, {});
}

template <Element T>
void write_attr(hid_t obj, const std::string& name, const std::vector<T>& values) {
  write_attr_raw(obj, name, native_type<T>(), values.data(), {values.size()});
}

void write_attr(hid_t obj, const std::string& name, const std::string& value, std::size_t width) {
  // Keep an existing fixed width that the new value fits, so the write stays in place.
  if (H5Aexists(obj, name.c_str()) > 0) {
    Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
    Handle old_type(H5Aget_type(attr.get()));
    if (H5Tget_class(old_type.get()) == H5T_STRING && H5Tis_variable_str(old_type.get()) == 0) {
      std::size_t old_width = H5Tget_size(old_type.get());
      if (old_width >= value.size()) width = std::max(width, old_width);
    }
  }
  Handle type = fixed_string_type(std::max(width, value.size()));
  std::string padded = value;
  padded.resize(H5Tget_size(type.get()), '\0');
  write_attr_raw(obj, name, type.get(), padded.data(), {});
}

void write_attrs(hid_t obj, const Attributes& attrs) {
  for (const auto& [name, value] : attrs) {
    std::visit([&, &attr_name = name](const auto& v) { write_attr(obj, attr_name, v); }, value);
  }
}

// ---- reading -----------------------------------------------------------------------------

template <Element T>
Array<T> read_array(hid_t loc, const std::string& path) {
  Handle dset = open(loc, path);
  if (H5Iget_type(dset.get()) != H5I_DATASET) read_failed(loc, path, "expected a dataset");
  Array<T> out;
  out.shape = shape_of(dset.get());
  out.data = read_numbers<T>(dset.get(), element_count(out.shape), where(loc, path));
  return out;
}

template <Element T>
std::vector<T> read_vector(hid_t loc, const std::string& path) {
  Array<T> a = read_array<T>(loc, path);
  if (a.shape.size() != 1) {
    throw ConfigError(where(loc, path) + ": expected a 1-D dataset, found shape " +
                      shape_string(a.shape));
  }
  return std::move(a.data);
}

template <Element T>
T read_scalar(hid_t loc, const std::string& path) {
  Array<T> a = read_array<T>(loc, path);
  if (a.data.size() != 1) {
    throw ConfigError(where(loc, path) + ": expected one value, found shape " +
                      shape_string(a.shape));
  }
  return a.data[0];
}

std::vector<double> read_row(hid_t loc, const std::string& path, hsize_t row) {
  Handle dset = open(loc, path);
  if (H5Iget_type(dset.get()) != H5I_DATASET) read_failed(loc, path, "expected a dataset");
  const Shape shape = shape_of(dset.get());
  if (shape.size() != 2 || row >= shape[0])
    throw ConfigError(where(loc, path) + ": expected a 2-D dataset with a row " + std::to_string(row) + ", found shape " +
                      shape_string(shape));
  Handle file_type = stored_type(dset.get());
  if (H5Tget_class(file_type.get()) != H5T_FLOAT)
    throw ConfigError(where(loc, path) + ": expected floating-point numbers, found " +
                      class_name(H5Tget_class(file_type.get())));
  std::vector<double> out(shape[1]);
  if (out.empty()) return out;
  const Shape start{row, 0}, block{1, shape[1]};
  Handle file_space(H5Dget_space(dset.get()));
  Handle mem_space = make_space(Shape{shape[1]});
  if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, block.data(), nullptr) < 0 ||
      H5Dread(dset.get(), native_type<double>(), mem_space.get(), file_space.get(), H5P_DEFAULT, out.data()) < 0)
    throw ConfigError(where(loc, path) + ": cannot read row " + std::to_string(row) + " (" + hdf5_reason() + ")");
  return out;
}

std::string read_string(hid_t loc, const std::string& path) {
  Handle dset = open(loc, path);
  return read_text(dset.get(), where(loc, path));
}

bool has_attr(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

template <Element T>
T read_attr(hid_t obj, const std::string& name) {
  std::vector<T> values = read_attr_vector<T>(obj, name);
  if (values.size() != 1) {
    throw ConfigError(attr_where(obj, name) + ": expected one value, found " +
                      std::to_string(values.size()));
  }
  return values[0];
}

template <Element T>
std::vector<T> read_attr_vector(hid_t obj, const std::string& name) {
  Handle attr = open_attr(obj, name);
  return read_numbers<T>(attr.get(), element_count(shape_of(attr.get())), attr_where(obj, name));
}

std::string read_attr_string(hid_t obj, const std::string& name) {
  Handle attr = open_attr(obj, name);
  return read_text(attr.get(), attr_where(obj, name));
}

// One list of instantiations per stored element type (the only types native_type knows).
#define APICAL_H5_INSTANTIATE(T)                                                                \
  template void write_scalar<T>(hid_t, const std::string&, T);                                  \
  template void write_array<T>(hid_t, const std::string&, const std::vector<T>&, const Shape&); \
  template Handle create_extendable<T>(hid_t, const std::string&, const Shape&, hsize_t);       \
  template void append<T>(hid_t, const T*, std::size_t);                                        \
  template void overwrite<T>(hid_t, const std::vector<T>&);                                     \
  template void write_attr<T>(hid_t, const std::string&, T);                                    \
  template void write_attr<T>(hid_t, const std::string&, const std::vector<T>&);                \
  template Array<T> read_array<T>(hid_t, const std::string&);                                   \
  template std::vector<T> read_vector<T>(hid_t, const std::string&);                            \
  template T read_scalar<T>(hid_t, const std::string&);                                         \
  template T read_attr<T>(hid_t, const std::string&);                                           \
  template std::vector<T> read_attr_vector<T>(hid_t, const std::string&);

APICAL_H5_INSTANTIATE(double)
APICAL_H5_INSTANTIATE(float)
APICAL_H5_INSTANTIATE(std::uint64_t)
APICAL_H5_INSTANTIATE(std::uint32_t)
APICAL_H5_INSTANTIATE(std::int64_t)
APICAL_H5_INSTANTIATE(std::uint8_t)
#undef APICAL_H5_INSTANTIATE

}  // namespace apical::h5
