// Errors that reach the user. Every message names where the problem is and what was expected.
#pragma once
#include <stdexcept>
#include <string>

namespace apical {

// A problem in a config or input file, found while loading, before anything runs.
// what() reads "file:line: key.path = value: rule", the layout STYLE.md asks for.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& file, long line, const std::string& key_path,
              const std::string& value, const std::string& rule)
      : std::runtime_error(format(file, line, key_path, value, rule)),
        file_(file), line_(line), key_path_(key_path) {}
  // For problems that belong to a file but to no single key (unreadable file, bad layout).
  explicit ConfigError(const std::string& message) : std::runtime_error(message) {}

  const std::string& file() const { return file_; }
  long line() const { return line_; }
  const std::string& key_path() const { return key_path_; }

 private:
  static std::string format(const std::string& file, long line, const std::string& key_path,
                            const std::string& value, const std::string& rule) {
    // Appends only: GCC 12 warns (-Wrestrict, a false positive) on chains of operator+.
    std::string s = file;
    if (line > 0) s.append(":").append(std::to_string(line));
    s.append(": ").append(key_path);
    if (!value.empty()) s.append(" = ").append(value);
    return s.append(": ").append(rule);
  }
  std::string file_;
  long line_ = 0;
  std::string key_path_;
};

// A problem found while running: non-finite state, I/O failure. Names population, neuron, time.
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace apical
