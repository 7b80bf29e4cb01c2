// The description of a multi-compartment neuron (model "cable", docs/compartments.md): a tree of
// nodes with capacitances, leaks, couplings, channels, receptors, spike output and observables,
// read from the config in one of two forms and converted to one set of units:
//
//   lumped:        compartments = [{ name, parent, g_c, C_m, g_L, E_L, one_way, area, hh }, ...]
//                  C_m pF, g_L and g_c nS, E_L mV (or any consistent unit set: the presets are
//                  dimensionless with C_m = 1). one_way = true: the compartment drives its parent
//                  through g_c but is not driven by it (the Urbanczik-Senn dendrite).
//   morphological: sections = [{ name, parent, parent_x, L, diam, nseg, Ra, cm, g_pas, e_pas, hh }]
//                  L, diam um; Ra ohm cm; cm uF/cm^2; g_pas S/cm^2; e_pas mV. Discretised as NEURON
//                  does: nseg segments per section with nodes at their centres, zero-area nodes at
//                  the section ends, half-segment axial resistances to them; a child's 0-end is the
//                  parent's node at parent_x (1: its 1-end, 0: its 0-end, else the segment there).
//                  Per segment: C = 0.01 cm A pF, g = 10 g_pas A nS (A = pi diam L / nseg um^2),
//                  axial G = 1e5 pi r^2 / (Ra l) nS for a length l um.
//
// Both forms take `hh = { gnabar, gkbar, gl, el, ena, ek }` (NEURON's hh, S/cm^2 and mV; the lumped
// form then needs `area` um^2) and `noise` sigma (white-noise current, C dV = ... dt + sigma dW).
// Cell-level keys: celsius (6.3 degC), v_init (-65 mV), integrator = { method, dt }, receptors =
// [{ name, compartment, type = "current" | "conductance", tau ms (0: held for one grid step), E }],
// output = { kind = "none" | "threshold" | "hazard" | "rate", compartment, threshold | phi_max, k,
// beta, theta, t_ref }. Full description: docs/compartments.md.
//
// Units inside: mV, ms, pF, nS, pA (so C dV/dt in pA). Compartment names: a lumped compartment
// or a section with nseg = 1 is "soma"; segment i of a section is "dend[i]" (i from 0), also
// addressable as "dend(x)" (the segment containing x in [0, 1], NEURON's notation).
#pragma once
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/time.hpp"
#include "models/hazard.hpp"
#include "models/hh_squid.hpp"

namespace apical {

struct CableNode {
  std::string name;      // "" for the hidden zero-area nodes of the morphological form
  int parent = -1;       // parent < own index
  double C = 0.0;        // pF
  double g_L = 0.0;      // nS
  double E_L = 0.0;      // mV
  double g_c = 0.0;      // coupling to the parent, nS
  bool one_way = false;  // the parent's voltage does not act on this node
  bool hh = false;
  double gna = 0, gk = 0, ghl = 0;  // hh maximal conductances of the node, nS
  hh::Densities hh_rev;             // reversals (densities unused here)
  double noise = 0.0;    // white-noise current amplitude sigma: dV = ... dt + sigma/C dW
};

struct CableReceptor {
  std::string name;      // "<compartment>.<name>"
  int node = 0;
  bool conductance = false;
  double tau = 0.0;      // ms; 0: the input summed in a grid step holds during that step only
  double E = 0.0;        // reversal (conductance receptors)
  // > 0: a nudging receptor (dendritic presets): the input x of the grid step is a rate, and the
  // compartment gets g_nudge (phi^{-1}(x) - V) with the cell's own phi (no input, no nudging).
  double g_nudge = 0.0;
};

// A linear combination x of node voltages, reported as x, phi(x) or h(x) = d ln phi / dx.
struct CableObservable {
  enum class Fn { linear, phi, log_slope };
  std::string name, unit;
  std::vector<std::pair<int, double>> terms;
  Fn fn = Fn::linear;
};

struct CableSpec {
  std::vector<CableNode> nodes;
  std::vector<CableReceptor> receptors;
  std::vector<CableObservable> observables;  // V_<compartment> first, then the preset's
  std::vector<std::string> compartments;     // named compartments (current injection targets)
  std::vector<int> compartment_node;
  double celsius = 6.3;
  double v_init = -65.0;
  std::vector<double> v_init_node;           // per node (presets may start nodes differently)
  // Integration
  bool crank_nicolson = false;
  double dt = 0.025;
  int substeps = 1;
  // Output
  enum class Output { none, threshold, hazard, rate } output = Output::none;
  int out_node = 0;
  double threshold = -20.0;   // mV (threshold output)
  double t_ref = 0.0;         // ms (hazard output: no hazard for t_ref after a spike)
  SigmoidRate phi;            // hazard and rate outputs

  int find_compartment(const std::string& name) const;
};

// Parse the `params` table of a "cable" population.
CableSpec parse_cable(const ConfigNode& c, const Grid& grid);
// Shared by the presets: integrator, output and receptor blocks.
void parse_integrator(const ConfigNode& c, const Grid& grid, CableSpec& s, const std::string& method,
                      double dt);
void parse_receptors(const ConfigNode& c, CableSpec& s);
void add_voltage_observables(CableSpec& s, const std::string& prefix, const std::string& unit);
void finalise_initial(CableSpec& s);

}  // namespace apical
