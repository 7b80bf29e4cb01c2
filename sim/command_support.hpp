// What the commands that write a result file share: exit codes, stopping cleanly on
// SIGINT/SIGTERM, and a projection's weights in the /weights layout.
#pragma once
#include <atomic>
#include <functional>
#include <string>

#include "sim/network.hpp"
#include "sim/output_file.hpp"

namespace apical {

// The exit code of a command's body: its own, or 2 after a ConfigError and 1 after any other
// exception, printed to stderr as "apical <command>: <config_error>: ..." or "...: error: ...".
int exit_code_of(const char* command, const std::function<int()>& body, const char* config_error = "config error");

// Installs handlers for SIGINT and SIGTERM that only set a flag: the command stops at its next
// check (an epoch boundary, a minibatch) and closes its file marked "interrupted".
void stop_on_signals();
const std::atomic<bool>* stop_requested();
int stop_signal();  // the signal that set the flag (0: none)

// One projection's weights as SONATA edge arrays under `group`: source_node_id, target_node_id
// (uint64, with node_population), syn_weight (attribute rule: the plasticity rule or "static")
// and delay (ms). One column at a time, so that writing needs no more memory than the run itself
// (bench/RESULTS.md measures bytes per plastic synapse from peak RSS).
void write_projection_weights(OutputFile& out, const std::string& group, const Network& net, const Projection& p);

}  // namespace apical
