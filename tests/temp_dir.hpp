// A fresh directory under /tmp for one test, removed with everything in it.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace apical::test {

struct TempDir {
  std::string path;
  TempDir() {
    char pattern[] = "/tmp/apical_test_XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string operator/(const std::string& name) const { return file(name); }
};

}  // namespace apical::test
