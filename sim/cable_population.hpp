// A population of multi-compartment neurons (models/cable_tree.hpp), clock-driven on the grid with
// a fixed sub-step dt that divides h. Per sub-step, with every node's conductances frozen:
//
//   C_k dV_k/dt = g_L,k (E_L,k - V_k) + sum_j g_kj (V_j - V_k) + sum_r g_r (E_r - V_k) + I_r
//                 + hh currents + I_inj,k + sigma_k xi_k
//
//   backward Euler:  (C/dt + G) V(t+dt) = C/dt V(t) + I               (one Hines solve)
//   Crank-Nicolson:  (2C/dt + G) W = 2C/dt V(t) + I,  V(t+dt) = 2W - V(t)   (NEURON's
//                    secondorder = 1; nodes without capacitance are algebraic: V(t+dt) = W)
//
// A cell without hh channels and conductance receptors has the same matrix at every step: it is
// factored once and each sub-step only eliminates the right-hand side (models/hines.hpp).
// Channel gates (hh) follow NEURON's staggered scheme: the voltage solve uses the gates as they
// are, then the gates take one exponential-Euler (cnexp) step at the new voltage. Exponential
// synapses enter the solve with their exact mean over the sub-step, g (tau/dt)(1 - e^{-dt/tau}),
// and then decay exactly by e^{-dt/tau}; an input arriving at offset o in a grid step is added at the start of the sub-step
// containing o. Inputs of tau = 0 receptors hold for the grid step they arrive in.
//
// Outputs: "threshold" spikes at upward crossings of the output compartment's voltage (time by
// linear interpolation inside the sub-step, as NEURON's NetCon on a fixed step), "hazard" spikes
// with rate phi(V) (models/hazard.hpp, StreamKind::spiking), "rate" sends phi(V) every grid step as
// a graded event (like rate_unit). Sampling at step t is the left limit, like every population.
// Neurons are independent, so results do not depend on how blocks are split across threads.
#pragma once
#include <memory>

#include "core/rng.hpp"
#include "models/cable_tree.hpp"
#include "sim/population.hpp"

namespace apical {

class CablePopulation final : public Population {
 public:
  CablePopulation(std::string name, std::string model, std::size_t size, Grid grid, CableSpec spec,
                  std::uint64_t seed, std::uint32_t index);

  std::vector<std::string> receptors() const override;
  std::vector<std::string> observables() const override;
  std::vector<std::string> observable_units() const override;
  std::vector<std::string> compartments() const override { return spec_.compartments; }
  bool graded() const override { return spec_.output == CableSpec::Output::rate; }
  std::int64_t advance(std::size_t first, std::size_t last, Step t0, Step t1,
                       std::span<const InputEvent> events, std::vector<Spike>& spikes,
                       std::span<Sampler*> samplers) override;
  void reset(Step at) override;
  double observable(std::size_t neuron, int k) const override;
  const CableSpec& spec() const { return spec_; }

 private:
  double obs(const double* V, std::size_t k) const;
  void substep(std::size_t i, double* d, double* rhs);

  CableSpec spec_;
  std::size_t N_ = 0, R_ = 0;  // nodes, receptors
  std::uint64_t seed_;
  std::uint32_t index_;
  double q10_ = 1.0;
  // Constant parts of the matrix (the factor f C/dt included).
  std::vector<int> parent_;
  std::vector<double> a_, b_, d0_, rhs0_, cdt_, decay_, mean_, alpha_, beta_;
  std::vector<std::size_t> hh_nodes_, noise_nodes_;
  // Cells without channels or conductance inputs have a constant matrix, factored once.
  std::vector<double> inv_, f_;
  // State, neuron-major.
  std::vector<double> V_, syn_, inst_, Iinj_, ref_left_;
  std::vector<hh::Gates> gates_;
  std::vector<HazardClock> hazard_;
  std::vector<RandomStream> spike_rng_, noise_rng_;
};

}  // namespace apical
