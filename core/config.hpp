// The config accessor: a read-only view of one TOML table with its key path, that checks every
// value it hands out and remembers which keys were asked for, so that finish() can reject
// unknown (misspelled) keys with a did-you-mean hint. Every error is a ConfigError naming the
// file, line, key path and value, and what was expected.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace apical {

// What a number must satisfy. The message states exactly the condition that is checked.
struct Check {
  enum class Kind { finite, positive, non_negative, probability, at_least, range } kind = Kind::finite;
  double lo = 0.0, hi = 0.0;
  const char* unit = "";
  static Check finite(const char* unit = "") { return {Kind::finite, 0, 0, unit}; }
  static Check positive(const char* unit = "") { return {Kind::positive, 0, 0, unit}; }
  static Check non_negative(const char* unit = "") { return {Kind::non_negative, 0, 0, unit}; }
  static Check probability() { return {Kind::probability, 0, 1, ""}; }
  static Check at_least(double lo, const char* unit = "") { return {Kind::at_least, lo, 0, unit}; }
  static Check range(double lo, double hi, const char* unit = "") {
    return {Kind::range, lo, hi, unit};
  }
  bool ok(double v) const;
  std::string rule() const;
};

class ConfigNode {
 public:
  // Parse a file, or text that is reported under the given name. Syntax errors are ConfigErrors.
  static ConfigNode load_file(const std::string& path);
  static ConfigNode parse(const std::string& text, const std::string& name);

  const std::string& file() const;
  const std::string& text() const;   // the whole document, as read (stored with results)
  const std::string& path() const { return path_; }  // "" at the root
  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  long line() const;                 // line of this table
  long line_of(const std::string& key) const;

  bool has(const std::string& key) const;
  std::vector<std::string> keys() const;  // in the file's key order (toml++ sorts: by name)

  double number(const std::string& key, Check check = Check::finite()) const;
  double number(const std::string& key, double fallback, Check check = Check::finite()) const;
  std::int64_t integer(const std::string& key, std::optional<std::int64_t> fallback = {},
                       std::int64_t lo = INT64_MIN, std::int64_t hi = INT64_MAX) const;
  std::string string(const std::string& key, std::optional<std::string> fallback = {}) const;
  // A string that must be one of the choices; the message lists them.
  std::string choice(const std::string& key, const std::vector<std::string>& choices,
                     std::optional<std::string> fallback = {}) const;
  bool boolean(const std::string& key, std::optional<bool> fallback = {}) const;
  std::vector<double> numbers(const std::string& key, Check check = Check::finite()) const;
  std::vector<std::int64_t> integers(const std::string& key) const;
  std::vector<std::string> strings(const std::string& key) const;

  bool is_table(const std::string& key) const;
  bool is_array(const std::string& key) const;
  ConfigNode table(const std::string& key) const;            // required sub-table
  std::vector<ConfigNode> tables(const std::string& key) const;  // array of tables

  // Reject keys of this table that were never asked for. Call after reading everything.
  void finish() const;
  // Mark a key as known without reading it (read by someone else).
  void allow(const std::string& key) const;

  [[noreturn]] void fail(const std::string& key, const std::string& rule) const;
  [[noreturn]] void fail_table(const std::string& rule) const;

  struct Doc;

 private:
  ConfigNode(std::shared_ptr<Doc> doc, const void* table, std::string path)
      : doc_(std::move(doc)), table_(table), path_(std::move(path)) {}
  const void* node(const std::string& key) const;  // toml::node*, nullptr if absent; marks asked
  std::string value_text(const std::string& key) const;

  std::shared_ptr<Doc> doc_;
  const void* table_;  // const toml::table*
  std::string path_;
};

// A number as a person writes it: 0.1, not 0.100000 or 0.10000000000000001.
std::string format_number(double v);

// Levenshtein distance, for did-you-mean hints.
std::size_t edit_distance(const std::string& a, const std::string& b);
// The nearest candidate within a small distance, or "" if none is close.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace apical
