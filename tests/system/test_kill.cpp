// Crash safety with a real SIGKILL (DESIGN.md, "Files"): a writer killed between flushes
// leaves a file that plain readers open, whose status still says "running", and which holds
// exactly what was flushed, nothing of what was only buffered.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../temp_dir.hpp"
#include "sim/h5.hpp"
#include "sim/input_files.hpp"
#include "sim/output_file.hpp"

using namespace apical;
using test::TempDir;

namespace {

// The child: writes, flushes, announces it through the marker, then keeps appending without
// ever flushing again, until it is killed. Never returns.
[[noreturn]] void run_writer(const std::string& file, const std::string& marker) {
  try {
    OutputFile out(file);
    out.add_spikes("exc");
    out.add_report("exc", "V_m", {0, 1}, 0.0, 0.5, "mV");
    out.append_spikes("exc", {0.5, 1.0, 1.5}, {2, 0, 1});
    out.append_report_rows("exc", "V_m", {-70, -69, -68, -67});
    out.flush();
    // Written to a temporary name and renamed, so the parent never sees a partial marker.
    std::ofstream(marker + ".tmp") << "flushed\n";
    std::filesystem::rename(marker + ".tmp", marker);
    for (double t = 2.0;; t += 0.5) {
      out.append_spikes("exc", {t}, {3});
      out.append_report_rows("exc", "V_m", {-60, -60});
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  } catch (...) {
    _exit(2);  // the parent sees an exit instead of a kill, and fails
  }
}

bool wait_for(const std::string& marker, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(marker)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace

TEST_CASE("a writer killed between flushes leaves exactly the flushed data", "[system][h5]") {
  TempDir dir;
  const std::string file = dir.path + "/killed.h5";
  const std::string marker = dir.path + "/flushed";

  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) run_writer(file, marker);

  bool flushed = wait_for(marker, std::chrono::seconds(30));
  // Let the child buffer a good number of unflushed spikes and rows before the kill.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(child, SIGKILL);
  int wstatus = 0;
  waitpid(child, &wstatus, 0);
  REQUIRE(flushed);
  REQUIRE(WIFSIGNALED(wstatus));
  REQUIRE(WTERMSIG(wstatus) == SIGKILL);

  SpikeList spikes = read_spike_file(file);
  CHECK(spikes.times_ms == std::vector<double>{0.5, 1.0, 1.5});
  CHECK(spikes.node_ids == std::vector<std::uint64_t>{2, 0, 1});

  h5::Handle f = h5::open_file(file);
  CHECK(h5::read_attr_string(f.get(), "status") == "running");
  CHECK(h5::read_attr<std::uint64_t>(h5::open(f.get(), "/spikes/exc").get(), "count") == 3);
  h5::Array<float> v = h5::read_array<float>(f.get(), "/report/exc/data");
  CHECK(v.shape == h5::Shape{2, 2});
  CHECK(v.data == std::vector<float>{-70, -69, -68, -67});
  CHECK(h5::read_vector<double>(f.get(), "/report/exc/mapping/time") ==
        std::vector<double>{0.0, 1.0, 0.5});
}
