#include "models/dendritic_presets.hpp"

namespace apical {

namespace {

using Fn = CableObservable::Fn;

int add_node(CableSpec& s, const std::string& name, int parent, double C, double g_L, double g_c, bool one_way) {
  CableNode n;
  n.name = name;
  n.parent = parent;
  n.C = C;
  n.g_L = g_L;
  n.E_L = 0.0;
  n.g_c = g_c;
  n.one_way = one_way;
  s.nodes.push_back(n);
  s.compartments.push_back(name);
  s.compartment_node.push_back(static_cast<int>(s.nodes.size()) - 1);
  return static_cast<int>(s.nodes.size()) - 1;
}

void add_receptor(CableSpec& s, const std::string& name, int node, bool conductance, double tau, double E) {
  s.receptors.push_back({name, node, conductance, tau, E});
}

void common_start(CableSpec& s) {
  s.v_init = 0.0;
}

void finish_integrator(const ConfigNode& c, const Grid& grid, CableSpec& s) {
  parse_integrator(c, grid, s, "crank_nicolson", grid.h);
}

SigmoidRate parse_phi(const ConfigNode& c, SigmoidRate phi) {
  phi.phi_max = c.number("phi_max", phi.phi_max, Check::positive());
  phi.k = c.number("k", phi.k, Check::positive());
  phi.beta = c.number("beta", phi.beta, Check::finite());
  phi.theta = c.number("theta", phi.theta, Check::finite());
  return phi;
}

}  // namespace

CableSpec urbanczik_senn_2014(const ConfigNode& c, const Grid& grid) {
  CableSpec s;
  common_start(s);
  const double g_L = c.number("g_L", 0.1, Check::positive());
  const double g_D = c.number("g_D", 2.0, Check::positive());
  const double E_E = c.number("E_E", 14.0 / 3.0, Check::finite());
  const double E_I = c.number("E_I", -1.0 / 3.0, Check::finite());
  const double tau_syn = c.number("tau_syn", 3.0, Check::positive("ms"));
  s.t_ref = c.number("t_ref", 3.0, Check::non_negative("ms"));
  s.phi = parse_phi(c, SigmoidRate{0.15, 0.5, 5.0, 1.0});
  const int soma = add_node(s, "soma", -1, 1.0, g_L, 0.0, false);
  const int dend = add_node(s, "dend", soma, 1.0, g_L, g_D, true);
  add_receptor(s, "dend.syn", dend, false, tau_syn, 0.0);
  add_receptor(s, "soma.g_E", soma, true, tau_syn, E_E);
  add_receptor(s, "soma.g_I", soma, true, tau_syn, E_I);
  add_receptor(s, "soma.g_E_step", soma, true, 0.0, E_E);
  add_receptor(s, "soma.g_I_step", soma, true, 0.0, E_I);
  add_voltage_observables(s, "V_", "1");
  const double att = g_D / (g_D + g_L);
  s.observables.push_back({"U", "1", {{soma, 1.0}}, Fn::linear});
  s.observables.push_back({"V_w", "1", {{dend, 1.0}}, Fn::linear});
  s.observables.push_back({"V_w_star", "1", {{dend, att}}, Fn::linear});
  s.observables.push_back({"phi", "1/ms", {{soma, 1.0}}, Fn::phi});
  s.observables.push_back({"phi_V_w_star", "1/ms", {{dend, att}}, Fn::phi});
  s.observables.push_back({"h_V_w_star", "1", {{dend, att}}, Fn::log_slope});
  s.output = CableSpec::Output::hazard;
  s.out_node = soma;
  finish_integrator(c, grid, s);
  finalise_initial(s);
  return s;
}

namespace {

// The parts pyramidal neuron and interneuron share: soma, nudging receptors, output.
int sacramento_soma(const ConfigNode& c, CableSpec& s, double& g_lk) {
  common_start(s);
  g_lk = c.number("g_lk", 0.1, Check::positive());
  const double noise = c.number("noise", 0.1, Check::non_negative());
  const int soma = add_node(s, "soma", -1, 1.0, g_lk, 0.0, false);
  s.nodes[static_cast<std::size_t>(soma)].noise = noise;
  return soma;
}

void sacramento_output(const ConfigNode& c, const Grid& grid, CableSpec& s, int soma) {
  const double E_exc = c.number("E_exc", 1.0, Check::finite());
  const double E_inh = c.number("E_inh", -1.0, Check::finite());
  add_receptor(s, "soma.g_exc", soma, true, 0.0, E_exc);
  add_receptor(s, "soma.g_inh", soma, true, 0.0, E_inh);
  // Nudging toward the potential whose rate arrives (the interneuron's teacher u^P_{k+1}, sent
  // as phi(u^P_{k+1}) by the pyramidal neuron it shadows).
  const double g_som = c.number("g_som", 0.8, Check::positive());
  const double tau_nudge = c.number("tau_nudge", 0.0, Check::non_negative("ms"));
  add_receptor(s, "soma.nudge", soma, true, tau_nudge, 0.0);
  s.receptors.back().g_nudge = g_som;
  const std::string out = c.choice("output", {"rate", "hazard"}, "rate");
  s.output = out == "rate" ? CableSpec::Output::rate : CableSpec::Output::hazard;
  s.out_node = soma;
  s.phi = parse_phi(c, SigmoidRate{1.0, 1.0, 1.0, 0.0});
  s.t_ref = c.number("t_ref", 0.0, Check::non_negative("ms"));
  if (out == "rate" && c.has("t_ref")) c.fail("t_ref", "applies only to output = \"hazard\"");
  finish_integrator(c, grid, s);
  finalise_initial(s);
}

}  // namespace

CableSpec sacramento_2018_pyramidal(const ConfigNode& c, const Grid& grid) {
  CableSpec s;
  double g_lk = 0;
  const int soma = sacramento_soma(c, s, g_lk);
  const double g_B = c.number("g_B", 1.0, Check::positive());
  const bool apical = c.boolean("apical", true);
  const double g_A = c.number("g_A", 0.8, Check::positive());
  // Instantaneous dendrites: no capacitance, unit leak, so v equals the input of the step.
  const int basal = add_node(s, "basal", soma, 0.0, 1.0, g_B, true);
  const double tau_dend = c.number("tau_dend", 0.0, Check::non_negative("ms"));
  add_receptor(s, "basal.syn", basal, false, tau_dend, 0.0);
  int api = -1;
  if (apical) {
    api = add_node(s, "apical", soma, 0.0, 1.0, g_A, true);
    add_receptor(s, "apical.syn", api, false, tau_dend, 0.0);
  } else if (c.has("g_A")) {
    c.fail("g_A", "is set but apical = false");
  }
  add_voltage_observables(s, "V_", "1");
  const double att = g_B / (g_lk + g_B + (apical ? g_A : 0.0));
  s.observables.push_back({"u", "1", {{soma, 1.0}}, Fn::linear});
  s.observables.push_back({"v_B", "1", {{basal, 1.0}}, Fn::linear});
  if (apical) s.observables.push_back({"v_A", "1", {{api, 1.0}}, Fn::linear});
  s.observables.push_back({"v_B_hat", "1", {{basal, att}}, Fn::linear});
  s.observables.push_back({"phi", "1", {{soma, 1.0}}, Fn::phi});
  s.observables.push_back({"phi_v_B_hat", "1", {{basal, att}}, Fn::phi});
  sacramento_output(c, grid, s, soma);
  return s;
}

CableSpec sacramento_2018_interneuron(const ConfigNode& c, const Grid& grid) {
  CableSpec s;
  double g_lk = 0;
  const int soma = sacramento_soma(c, s, g_lk);
  const double g_D = c.number("g_D", 1.0, Check::positive());
  const int dend = add_node(s, "dend", soma, 0.0, 1.0, g_D, true);
  add_receptor(s, "dend.syn", dend, false, c.number("tau_dend", 0.0, Check::non_negative("ms")), 0.0);
  add_voltage_observables(s, "V_", "1");
  const double att = g_D / (g_lk + g_D);
  s.observables.push_back({"u", "1", {{soma, 1.0}}, Fn::linear});
  s.observables.push_back({"v", "1", {{dend, 1.0}}, Fn::linear});
  s.observables.push_back({"v_hat", "1", {{dend, att}}, Fn::linear});
  s.observables.push_back({"phi", "1", {{soma, 1.0}}, Fn::phi});
  s.observables.push_back({"phi_v_hat", "1", {{dend, att}}, Fn::phi});
  sacramento_output(c, grid, s, soma);
  return s;
}

}  // namespace apical
