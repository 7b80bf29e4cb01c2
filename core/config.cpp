#include "core/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace apical {

struct ConfigNode::Doc {
  std::string file;
  std::string text;
  toml::table root;
  std::map<std::string, std::set<std::string>> asked;  // table path -> keys asked for
};

namespace {

const toml::table& as_table(const void* p) { return *static_cast<const toml::table*>(p); }


std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

}  // namespace

bool Check::ok(double v) const {
  if (!std::isfinite(v)) return false;
  switch (kind) {
    case Kind::finite: return true;
    case Kind::positive: return v > 0.0;
    case Kind::non_negative: return v >= 0.0;
    case Kind::probability: return v >= 0.0 && v <= 1.0;
    case Kind::at_least: return v >= lo;
    case Kind::range: return v >= lo && v <= hi;
  }
  return false;
}

std::string Check::rule() const {
  std::string u = *unit ? std::string(" (") + unit + ")" : "";
  switch (kind) {
    case Kind::finite: return "must be a finite number" + u;
    case Kind::positive: return "must be a finite number > 0" + u;
    case Kind::non_negative: return "must be a finite number >= 0" + u;
    case Kind::probability: return "must be a probability in [0, 1]";
    case Kind::at_least: return "must be a finite number >= " + format_number(lo) + u;
    case Kind::range:
      return "must be a finite number in [" + format_number(lo) + ", " + format_number(hi) + "]" + u;
  }
  return "";
}

ConfigNode ConfigNode::parse(const std::string& text, const std::string& name) {
  auto doc = std::make_shared<Doc>();
  doc->file = name;
  doc->text = text;
  try {
    doc->root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(name + ":" + std::to_string(e.source().begin.line) +
                      ": TOML syntax error: " + std::string(e.description()));
  }
  const void* root = &doc->root;
  return ConfigNode(std::move(doc), root, "");
}

ConfigNode ConfigNode::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open config file for reading");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

const std::string& ConfigNode::file() const { return doc_->file; }
const std::string& ConfigNode::text() const { return doc_->text; }

long ConfigNode::line() const { return as_table(table_).source().begin.line; }

long ConfigNode::line_of(const std::string& key) const {
  if (auto* n = as_table(table_).get(key)) return n->source().begin.line;
  return line();
}

const void* ConfigNode::node(const std::string& key) const {
  doc_->asked[path_].insert(key);
  return as_table(table_).get(key);
}

void ConfigNode::allow(const std::string& key) const { doc_->asked[path_].insert(key); }

bool ConfigNode::has(const std::string& key) const {
  return node(key) != nullptr;
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  for (auto&& [k, v] : as_table(table_)) out.emplace_back(k.str());
  return out;
}

std::string ConfigNode::value_text(const std::string& key) const {
  auto* n = as_table(table_).get(key);
  if (!n) return "";
  std::ostringstream os;
  if (auto* s = n->as_string()) {
    os << '"' << s->get() << '"';
  } else if (n->is_table()) {
    os << "{...}";
  } else if (auto* f = n->as_floating_point()) {
    os << format_number(f->get());
  } else if (auto* a = n->as_array(); a && a->size() > 8) {
    os << "[" << a->size() << " values]";
  } else {
    n->visit([&](auto&& v) { os << v; });
  }
  return os.str();
}

void ConfigNode::fail(const std::string& key, const std::string& rule) const {
  throw ConfigError(file(), line_of(key), key_path(key), value_text(key), rule);
}

void ConfigNode::fail_table(const std::string& rule) const {
  throw ConfigError(file(), line(), path_.empty() ? "(top level)" : path_, "", rule);
}

namespace {
[[noreturn]] void missing(const ConfigNode& c, const std::string& key, const std::string& what) {
  throw ConfigError(c.file(), c.line(), c.key_path(key), "",
                    "missing required key (expected " + what + ")");
}
}  // namespace

double ConfigNode::number(const std::string& key, Check check) const {
  auto* n = static_cast<const toml::node*>(node(key));
  if (!n) missing(*this, key, "a number");
  if (!n->is_number()) fail(key, "expected a number, got " + type_name(*n));
  double v = n->value<double>().value();
  if (!check.ok(v)) fail(key, check.rule());
  return v;
}

double ConfigNode::number(const std::string& key, double fallback, Check check) const {
  if (!has(key)) return fallback;
  return number(key, check);
}

std::int64_t ConfigNode::integer(const std::string& key, std::optional<std::int64_t> fallback,
                                 std::int64_t lo, std::int64_t hi) const {
  auto* n = static_cast<const toml::node*>(node(key));
  if (!n) {
    if (fallback) return *fallback;
    missing(*this, key, "an integer");
  }
  if (!n->is_integer()) fail(key, "expected an integer, got " + type_name(*n));
  auto v = n->as_integer()->get();
  if (v < lo || v > hi) {
    std::string rule = "must be an integer";
    if (lo != INT64_MIN) rule += " >= " + std::to_string(lo);
    if (hi != INT64_MAX) rule += (lo != INT64_MIN ? " and <= " : " <= ") + std::to_string(hi);
    fail(key, rule);
  }
  return v;
}

std::string ConfigNode::string(const std::string& key, std::optional<std::string> fallback) const {
  auto* n = static_cast<const toml::node*>(node(key));
  if (!n) {
    if (fallback) return *fallback;
    missing(*this, key, "a string");
  }
  if (!n->is_string()) fail(key, "expected a string, got " + type_name(*n));
  return std::string(n->as_string()->get());
}

std::string ConfigNode::choice(const std::string& key, const std::vector<std::string>& choices,
                               std::optional<std::string> fallback) const {
  std::string v = string(key, fallback);
  if (std::find(choices.begin(), choices.end(), v) != choices.end()) return v;
  std::string list;
  for (auto& c : choices) list += (list.empty() ? "'" : ", '") + c + "'";
  std::string hint = nearest(v, choices);
  fail(key, "must be one of " + list + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
}

bool ConfigNode::boolean(const std::string& key, std::optional<bool> fallback) const {
  auto* n = static_cast<const toml::node*>(node(key));
  if (!n) {
    if (fallback) return *fallback;
    missing(*this, key, "true or false");
  }
  if (!n->is_boolean()) fail(key, "expected true or false, got " + type_name(*n));
  return n->as_boolean()->get();
}

std::vector<double> ConfigNode::numbers(const std::string& key, Check check) const {
  auto* n = static_cast<const toml::node*>(node(key));
  if (!n) missing(*this, key, "an array of numbers");
  auto* a = n->as_array();
  if (!a) fail(key, "expected an array of numbers, got " + type_name(*n));
  std::vector<double> out;
  out.reserve(a->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto& e = *a->get(i);
    if (!e.is_number())
      fail(key, "element " + std::to_string(i) + " must be a number, got " + type_name(e));
    double v = e.value<double>().value();
    if (!check.ok(v)) fail(key, "element " + std::to_string(i) + " " + check.rule());
    out.push_back(v);
  }
  return out;
}

std::vector<std::int64_t> ConfigNode::integers(const std::string& key) const {
  auto* n = static_cast<const toml::node*>(node(key));
  if (!n) missing(*this, key, "an array of integers");
  auto* a = n->as_array();
  if (!a) fail(key, "expected an array of integers, got " + type_name(*n));
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto* e = a->get(i)->as_integer();
    if (!e) fail(key, "element " + std::to_string(i) + " must be an integer");
    out.push_back(e->get());
  }
  return out;
}

std::vector<std::string> ConfigNode::strings(const std::string& key) const {
  auto* n = static_cast<const toml::node*>(node(key));
  if (!n) missing(*this, key, "an array of strings");
  auto* a = n->as_array();
  if (!a) fail(key, "expected an array of strings, got " + type_name(*n));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto* e = a->get(i)->as_string();
    if (!e) fail(key, "element " + std::to_string(i) + " must be a string");
    out.emplace_back(e->get());
  }
  return out;
}

bool ConfigNode::is_table(const std::string& key) const {
  auto* n = static_cast<const toml::node*>(node(key));
  return n && n->is_table();
}

bool ConfigNode::is_array(const std::string& key) const {
  auto* n = static_cast<const toml::node*>(node(key));
  return n && n->is_array();
}

ConfigNode ConfigNode::table(const std::string& key) const {
  auto* n = static_cast<const toml::node*>(node(key));
  if (!n) missing(*this, key, "a table");
  if (!n->is_table()) fail(key, "expected a table, got " + type_name(*n));
  return ConfigNode(doc_, n->as_table(), key_path(key));
}

std::vector<ConfigNode> ConfigNode::tables(const std::string& key) const {
  auto* n = static_cast<const toml::node*>(node(key));
  if (!n) missing(*this, key, "an array of tables");
  auto* a = n->as_array();
  if (!a) fail(key, "expected an array of tables, got " + type_name(*n));
  std::vector<ConfigNode> out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto* t = a->get(i)->as_table();
    if (!t) fail(key, "element " + std::to_string(i) + " must be a table");
    out.push_back(ConfigNode(doc_, t, key_path(key) + "[" + std::to_string(i) + "]"));
  }
  return out;
}

void ConfigNode::finish() const {
  const auto& asked = doc_->asked[path_];
  std::vector<std::string> known(asked.begin(), asked.end());
  for (auto&& [k, v] : as_table(table_)) {
    std::string key(k.str());
    if (asked.count(key)) continue;
    std::string hint = nearest(key, known);
    throw ConfigError(file(), v.source().begin.line, key_path(key), "",
                      "unknown key" + (hint.empty() ? std::string() : "; did you mean '" + hint + "'?"));
  }
}

std::string format_number(double v) {
  std::ostringstream os;
  os.precision(12);
  os << v;
  std::string text = os.str();
  // Keep a float looking like one: -1.0, not -1.
  if (std::isfinite(v) && text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_d) { best_d = d; best = c; }
  }
  return best;
}

}  // namespace apical
