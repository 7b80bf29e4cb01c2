// Preset multi-compartment neurons for dendritic error learning (SCIENCE.md 4.1, 4.2), built as
// cable trees (models/cable_tree.hpp) and run by the same solver. All dimensionless (time in ms,
// C = 1 per compartment with dynamics, so conductances are rates in 1/ms), as in the papers.
//
// urbanczik_senn_2014 (Urbanczik & Senn 2014; NEST pp_cond_exp_mc_urbanczik, unitless block):
//   dU/dt = -g_L U + g_D (V - U) + g_E(t)(E_E - U) + g_I(t)(E_I - U)        soma
//   dV/dt = -g_L V + I_d(t),  tau_syn dI_d/dt = -I_d + sum w delta(t - t_spike)   dendrite
//   The dendrite drives the soma through g_D but is not driven by it (one-way), so V is
//   V_w = sum_i w_i PSP_i with kappa(t) = tau_L tau_syn/(tau_L - tau_syn) (e^{-t/tau_L} - e^{-t/tau_syn}),
//   tau_L = 1/g_L (a weight-1 input).
//   Spikes: hazard phi(U) = phi_max / (1 + k exp(beta (theta - U))), no reset, refractory t_ref.
//   Parameters: g_L 0.1, g_D 2, E_E 14/3, E_I -1/3, tau_syn 3 ms, t_ref 3 ms, phi_max 0.15 1/ms,
//   k 0.5, beta 5, theta 1.
//   Receptors: dend.syn (current, tau_syn), soma.g_E, soma.g_I (conductance, tau_syn, reversal
//   E_E, E_I: the teacher), soma.g_E_step, soma.g_I_step (conductance held for the grid step
//   it arrives in: teachers given as rate-unit outputs).
//   Observables: V_soma, V_dend, U, V_w, V_w_star = g_D/(g_D + g_L) V_w, phi = phi(U),
//   phi_V_w_star = phi(V_w_star), h_V_w_star = d ln phi/du at V_w_star.
//
// sacramento_2018_pyramidal (Sacramento et al. 2018):
//   du/dt = -g_lk u + g_B (v_B - u) + g_A (v_A - u) + g_exc(E_exc - u) + g_inh(E_inh - u) + sigma xi
//   v_B = sum of the inputs to basal.syn in the grid step, v_A likewise (apical.syn): the
//   dendrites are instantaneous (no capacitance) and one-way coupled, as in the paper.
//   Output "rate": phi(u) each step as a graded event; "hazard": spikes with rate phi(u).
//   phi(u) = phi_max / (1 + k exp(beta (theta - u))), default the logistic 1/(1+e^-u)
//   (phi_max 1, k 1, beta 1, theta 0).
//   Parameters: g_lk 0.1, g_B 1, g_A 0.8, E_exc 1, E_inh -1, noise sigma 0.1, apical = true
//   (false: an output-layer neuron without apical compartment, g_A = 0).
//   Receptors: basal.syn, apical.syn, soma.g_exc, soma.g_inh (all held for the grid step);
//   soma.nudge: g_som (phi^{-1}(x) - u) with x the input of the step (a rate: the nudging toward
//   the potential of the neuron that sent it; no input, no nudging), g_som 0.8.
//   tau_dend (ms, default 0): > 0 makes the dendritic receptors exponential currents (the
//   dendrite then low-passes spikes: the hazard-spiking microcircuit), tau_nudge likewise for
//   soma.nudge (a spike train filtered with weight 1/tau_nudge reads as its rate in 1/ms).
//   Observables: V_soma, V_basal, V_apical, u, v_B, v_A, v_B_hat = g_B/(g_lk + g_B + g_A) v_B,
//   phi = phi(u), phi_v_B_hat = phi(v_B_hat).
//
// sacramento_2018_interneuron:
//   du/dt = -g_lk u + g_D (v - u) + g_exc(E_exc - u) + g_inh(E_inh - u) + sigma xi,
//   v = inputs to dend.syn (instantaneous, or tau_dend), g_D 1; nudged through soma.g_exc/soma.g_inh
//   or soma.nudge (as the pyramidal neuron: toward u^P_{k+1}, sent as phi(u^P_{k+1})).
//   Observables: V_soma, V_dend, u, v, v_hat = g_D/(g_lk + g_D) v, phi, phi_v_hat.
//
// Integration: Crank-Nicolson with dt = h by default (`integrator` as for "cable").
#pragma once
#include "models/cable_tree.hpp"

namespace apical {

CableSpec urbanczik_senn_2014(const ConfigNode& c, const Grid& grid);
CableSpec sacramento_2018_pyramidal(const ConfigNode& c, const Grid& grid);
CableSpec sacramento_2018_interneuron(const ConfigNode& c, const Grid& grid);

}  // namespace apical
