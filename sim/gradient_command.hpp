// `apical gradient`: the surrogate-gradient BPTT of SURROGATE.md for one case file (the layout
// of its section 8), written to an HDF5 file:
//
//   /            attributes magic, version, status ("running", then "complete")
//   /loss        float64 scalar: L (SURROGATE.md section 4)
//   /grad/W1     float64 [n_in, n_hid]   dL/dW1
//   /grad/V      float64 [n_hid, n_hid]  dL/dV (recurrent cases only)
//   /grad/W2     float64 [n_hid, n_out]  dL/dW2
//   /grad        attributes case (the input path), loss_kind, surrogate_scale, B, T, threads,
//                apical_version, wall_time_s
#pragma once
#include <string>

namespace apical {

struct GradientArgs {
  std::string case_file;
  std::string output;
  int threads = 1;
};

// Returns the process exit code (0, 2 for an input error, 1 otherwise); errors go to stderr.
int gradient_command(const GradientArgs& args);

}  // namespace apical
