#include "models/cable_tree.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace apical {

namespace {

constexpr double kPi = 3.14159265358979323846;

struct SectionInfo {
  std::string name;
  int zero_end = -1, one_end = -1;  // morphological: node indices of the section's ends
  std::vector<int> segments;        // node index of each segment centre
};

hh::Densities parse_hh(const ConfigNode& t) {
  hh::Densities d;
  d.gnabar = t.number("gnabar", d.gnabar, Check::non_negative("S/cm^2"));
  d.gkbar = t.number("gkbar", d.gkbar, Check::non_negative("S/cm^2"));
  d.gl = t.number("gl", d.gl, Check::non_negative("S/cm^2"));
  d.el = t.number("el", d.el, Check::finite("mV"));
  d.ena = t.number("ena", d.ena, Check::finite("mV"));
  d.ek = t.number("ek", d.ek, Check::finite("mV"));
  t.finish();
  return d;
}

// hh on a node of area A um^2: densities in S/cm^2 times A times 1e-8 cm^2/um^2, in nS.
void put_hh(CableNode& n, const hh::Densities& d, double area) {
  n.hh = true;
  n.gna = 10.0 * d.gnabar * area;
  n.gk = 10.0 * d.gkbar * area;
  n.ghl = 10.0 * d.gl * area;
  n.hh_rev = d;
}

int section_index(const std::vector<SectionInfo>& secs, const std::string& name) {
  for (std::size_t i = 0; i < secs.size(); ++i)
    if (secs[i].name == name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> section_names(const std::vector<SectionInfo>& secs) {
  std::vector<std::string> v;
  for (auto& s : secs) v.push_back(s.name);
  return v;
}

void parse_lumped(const ConfigNode& c, CableSpec& s, std::vector<SectionInfo>& secs) {
  for (const ConfigNode& t : c.tables("compartments")) {
    CableNode n;
    n.name = t.string("name");
    if (n.name.empty() || n.name.find_first_of(".[]() ") != std::string::npos)
      t.fail("name", "must be non-empty without '.', brackets or spaces");
    if (section_index(secs, n.name) >= 0) t.fail("name", "compartment '" + n.name + "' is defined twice");
    n.C = t.number("C_m", Check::non_negative("pF"));
    n.g_L = t.number("g_L", 0.0, Check::non_negative("nS"));
    n.E_L = t.number("E_L", 0.0, Check::finite("mV"));
    n.noise = t.number("noise", 0.0, Check::non_negative());
    if (t.has("parent")) {
      std::string p = t.string("parent");
      int k = section_index(secs, p);
      if (k < 0) {
        std::string hint = nearest(p, section_names(secs));
        t.fail("parent", "no compartment '" + p + "' defined before this one" +
                             (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      }
      n.parent = secs[static_cast<std::size_t>(k)].segments[0];
      n.g_c = t.number("g_c", Check::positive("nS"));
      n.one_way = t.boolean("one_way", false);
    } else if (!s.nodes.empty()) {
      t.fail_table("every compartment after the first needs a 'parent'");
    }
    if (t.has("hh")) {
      double area = t.number("area", Check::positive("um^2"));
      put_hh(n, parse_hh(t.table("hh")), area);
    }
    if (n.C == 0.0 && n.g_L == 0.0 && !n.hh)
      t.fail("C_m", "a compartment needs a capacitance or a leak (C_m and g_L are both 0)");
    t.finish();
    secs.push_back({n.name, -1, -1, {static_cast<int>(s.nodes.size())}});
    s.nodes.push_back(n);
  }
  if (s.nodes.empty()) c.fail("compartments", "must list at least one compartment");
}

void parse_sections(const ConfigNode& c, CableSpec& s, std::vector<SectionInfo>& secs) {
  auto add = [&](int parent, double g_c, double C, double g, double E) {
    CableNode n;
    n.parent = parent;
    n.g_c = g_c;
    n.C = C;
    n.g_L = g;
    n.E_L = E;
    s.nodes.push_back(n);
    return static_cast<int>(s.nodes.size()) - 1;
  };
  for (const ConfigNode& t : c.tables("sections")) {
    SectionInfo sec;
    sec.name = t.string("name");
    if (sec.name.empty() || sec.name.find_first_of(".[]() ") != std::string::npos)
      t.fail("name", "must be non-empty without '.', brackets or spaces");
    if (section_index(secs, sec.name) >= 0) t.fail("name", "section '" + sec.name + "' is defined twice");
    double L = t.number("L", Check::positive("um"));
    double diam = t.number("diam", Check::positive("um"));
    auto nseg = static_cast<int>(t.integer("nseg", 1, 1, 100000));
    double Ra = t.number("Ra", 35.4, Check::positive("ohm cm"));
    double cm = t.number("cm", 1.0, Check::non_negative("uF/cm^2"));
    double g_pas = t.number("g_pas", 0.0, Check::non_negative("S/cm^2"));
    double e_pas = t.number("e_pas", -70.0, Check::finite("mV"));
    double noise = t.number("noise", 0.0, Check::non_negative("pA sqrt(ms)"));
    const double l = L / nseg, area = kPi * diam * l;
    const double G_seg = 1e5 * kPi * diam * diam / 4.0 / (Ra * l), G_half = 2.0 * G_seg;
    int connect;
    if (t.has("parent")) {
      std::string p = t.string("parent");
      int k = section_index(secs, p);
      if (k < 0) {
        std::string hint = nearest(p, section_names(secs));
        t.fail("parent", "no section '" + p + "' defined before this one" +
                             (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      }
      double x = t.number("parent_x", 1.0, Check::range(0.0, 1.0));
      const SectionInfo& ps = secs[static_cast<std::size_t>(k)];
      if (x == 1.0) connect = ps.one_end;
      else if (x == 0.0) connect = ps.zero_end;
      else connect = ps.segments[std::min(ps.segments.size() - 1, static_cast<std::size_t>(x * static_cast<double>(ps.segments.size())))];
      sec.zero_end = connect;
    } else {
      if (!secs.empty()) t.fail_table("every section after the first needs a 'parent'");
      connect = sec.zero_end = add(-1, 0.0, 0.0, 0.0, e_pas);  // the root's 0-end
    }
    std::optional<hh::Densities> hhd;
    if (t.has("hh")) hhd = parse_hh(t.table("hh"));
    int prev = connect;
    for (int i = 0; i < nseg; ++i) {
      prev = add(prev, i == 0 ? G_half : G_seg, 0.01 * cm * area, 10.0 * g_pas * area, e_pas);
      s.nodes.back().noise = noise;
      if (hhd) put_hh(s.nodes.back(), *hhd, area);
      if (s.nodes.back().C == 0.0 && s.nodes.back().g_L == 0.0 && !hhd)
        t.fail("cm", "a segment needs a capacitance or a leak (cm and g_pas are both 0)");
      sec.segments.push_back(prev);
    }
    sec.one_end = add(prev, G_half, 0.0, 0.0, e_pas);
    t.finish();
    secs.push_back(sec);
  }
  if (secs.empty()) c.fail("sections", "must list at least one section");
}

}  // namespace

int CableSpec::find_compartment(const std::string& name) const {
  for (std::size_t i = 0; i < compartments.size(); ++i)
    if (compartments[i] == name) return static_cast<int>(i);
  // "sec(x)": the segment containing x.
  auto open = name.find('(');
  if (open != std::string::npos && name.back() == ')') {
    std::string sec = name.substr(0, open);
    char* end = nullptr;
    std::string xs = name.substr(open + 1, name.size() - open - 2);
    double x = std::strtod(xs.c_str(), &end);
    if (end == xs.c_str() || *end != '\0' || !(x >= 0.0 && x <= 1.0)) return -1;
    int count = 0;
    for (auto& c : compartments)
      if (c == sec || c.rfind(sec + "[", 0) == 0) ++count;
    if (count == 0) return -1;
    if (count == 1) return find_compartment(sec) >= 0 ? find_compartment(sec) : find_compartment(sec + "[0]");
    int k = std::min(count - 1, static_cast<int>(x * count));
    return find_compartment(sec + "[" + std::to_string(k) + "]");
  }
  // "sec" with nseg = 1 is also "sec[0]".
  if (name.size() > 3 && name.substr(name.size() - 3) == "[0]") return find_compartment(name.substr(0, name.size() - 3));
  return -1;
}

void parse_integrator(const ConfigNode& c, const Grid& grid, CableSpec& s, const std::string& method,
                      double dt) {
  std::string m = method;
  if (c.has("integrator")) {
    ConfigNode t = c.table("integrator");
    m = t.choice("method", {"backward_euler", "crank_nicolson"}, method);
    dt = t.number("dt", grid.h, Check::positive("ms"));
    t.finish();
  }
  s.crank_nicolson = m == "crank_nicolson";
  double n = std::round(grid.h / dt);
  if (n < 1.0 || std::fabs(n * dt - grid.h) > 1e-9 * grid.h)
    c.fail("integrator", "dt = " + format_number(dt) + " ms must divide the resolution h = " +
                             format_number(grid.h) + " ms into whole sub-steps");
  s.substeps = static_cast<int>(n);
  s.dt = grid.h / n;
}

void parse_receptors(const ConfigNode& c, CableSpec& s) {
  if (!c.has("receptors")) return;
  for (const ConfigNode& t : c.tables("receptors")) {
    CableReceptor r;
    std::string comp = t.string("compartment");
    int k = s.find_compartment(comp);
    if (k < 0) {
      std::string hint = nearest(comp, s.compartments);
      t.fail("compartment", "no compartment '" + comp + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    r.node = s.compartment_node[static_cast<std::size_t>(k)];
    std::string nm = t.string("name");
    if (nm.empty() || nm.find_first_of(".[]() ") != std::string::npos)
      t.fail("name", "must be non-empty without '.', brackets or spaces");
    r.name = s.compartments[static_cast<std::size_t>(k)] + "." + nm;
    for (auto& o : s.receptors)
      if (o.name == r.name) t.fail("name", "receptor '" + r.name + "' is defined twice");
    r.conductance = t.choice("type", {"current", "conductance"}) == "conductance";
    r.tau = t.number("tau", Check::non_negative("ms"));
    if (r.conductance) r.E = t.number("E", Check::finite("mV"));
    t.finish();
    s.receptors.push_back(r);
  }
}

void add_voltage_observables(CableSpec& s, const std::string& prefix, const std::string& unit) {
  for (std::size_t k = 0; k < s.compartments.size(); ++k)
    s.observables.push_back({prefix + s.compartments[k], unit, {{s.compartment_node[k], 1.0}}, CableObservable::Fn::linear});
}

void finalise_initial(CableSpec& s) {
  if (s.v_init_node.empty()) s.v_init_node.assign(s.nodes.size(), s.v_init);
}

CableSpec parse_cable(const ConfigNode& c, const Grid& grid) {
  CableSpec s;
  std::vector<SectionInfo> secs;
  const bool lumped = c.has("compartments");
  if (lumped == c.has("sections"))
    c.fail_table("needs exactly one of 'compartments' (lumped) and 'sections' (morphological)");
  if (lumped) parse_lumped(c, s, secs);
  else parse_sections(c, s, secs);
  for (auto& sec : secs) {
    if (sec.segments.size() == 1) {
      s.compartments.push_back(sec.name);
      s.compartment_node.push_back(sec.segments[0]);
    } else {
      for (std::size_t i = 0; i < sec.segments.size(); ++i) {
        s.compartments.push_back(sec.name + "[" + std::to_string(i) + "]");
        s.compartment_node.push_back(sec.segments[i]);
      }
    }
  }
  for (std::size_t k = 0; k < s.compartments.size(); ++k) s.nodes[static_cast<std::size_t>(s.compartment_node[k])].name = s.compartments[k];
  s.celsius = c.number("celsius", 6.3, Check::finite("degC"));
  s.v_init = c.number("v_init", -65.0, Check::finite("mV"));
  parse_integrator(c, grid, s, "backward_euler", 0.025);
  parse_receptors(c, s);
  add_voltage_observables(s, "V_", "mV");
  if (c.has("output")) {
    ConfigNode t = c.table("output");
    std::string kind = t.choice("kind", {"none", "threshold", "hazard", "rate"});
    std::string comp = t.string("compartment", s.compartments[0]);
    int k = s.find_compartment(comp);
    if (k < 0) {
      std::string hint = nearest(comp, s.compartments);
      t.fail("compartment", "no compartment '" + comp + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
    }
    s.out_node = s.compartment_node[static_cast<std::size_t>(k)];
    if (kind == "threshold") {
      s.output = CableSpec::Output::threshold;
      s.threshold = t.number("threshold", -20.0, Check::finite("mV"));
    } else if (kind == "hazard" || kind == "rate") {
      s.output = kind == "hazard" ? CableSpec::Output::hazard : CableSpec::Output::rate;
      s.phi.phi_max = t.number("phi_max", s.phi.phi_max, Check::positive(kind == "hazard" ? "1/ms" : ""));
      s.phi.k = t.number("k", s.phi.k, Check::positive());
      s.phi.beta = t.number("beta", s.phi.beta, Check::finite("1/mV"));
      s.phi.theta = t.number("theta", s.phi.theta, Check::finite("mV"));
      if (kind == "hazard") s.t_ref = t.number("t_ref", 0.0, Check::non_negative("ms"));
      s.observables.push_back({"phi", kind == "hazard" ? "1/ms" : "1", {{s.out_node, 1.0}}, CableObservable::Fn::phi});
    }
    t.finish();
  }
  finalise_initial(s);
  return s;
}

}  // namespace apical
