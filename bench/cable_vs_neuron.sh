#!/usr/bin/env bash
# apical versus NEURON (Debian's 8.2.2) on a passive cable of 1000 compartments, fixed step, the
# same dt and the same method in both (backward Euler = NEURON secondorder 0, Crank-Nicolson =
# secondorder 1), each against a tight reference: NEURON's CVODE at atol = rtol = 1e-10 on the
# same spatial discretisation.
#
#   bench/cable_vs_neuron.sh
#   NSEG=1000 TSTOP=1000 DTS="0.025 0.1" REPEATS=3 bench/cable_vs_neuron.sh
#
# The cell (bench/cable_neuron.py): one section, L 2000 um, diam 2 um, Ra 100, cm 1, g_pas 1e-4,
# e_pas -65 mV, NSEG segments; 0.2 nA into segment 0 from 5 ms to TSTOP/2; V sampled every 1 ms
# at segments 0, NSEG/2, NSEG-1. Error = max |V - V_ref| over those samples (mV; apical's report
# is float32, 4e-6 mV resolution at -65 mV, far below the errors). Wall times: NEURON's
# finitialize + continuerun (no start-up), apical's simulation time from its summary line (no
# start-up, config parse or file close), one thread, best of REPEATS runs.
# "apical" is the cell as it is: passive with a current input, so its matrix is constant and
# factored once. "apical general" adds an (unused) conductance receptor, which makes apical
# assemble and eliminate the full matrix every sub-step, as NEURON always does.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${APICAL_BUILD_DIR:-build}
NSEG=${NSEG:-1000}
TSTOP=${TSTOP:-1000}
DTS=${DTS:-"0.025 0.1"}
REPEATS=${REPEATS:-3}
WORK=${WORK:-$(mktemp -d /tmp/apical-cable-bench.XXXXXX)}
mkdir -p "$WORK"
PY=/usr/bin/python3
export NSEG TSTOP REPEATS

scripts/deps neuron python3-neuron
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DAPICAL_WERROR=ON -DAPICAL_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target apical >/dev/null

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "apical: $("$BUILD/apical" --version), NEURON: $($PY -c 'from neuron import h; print(h.nrnversion(5))' 2>/dev/null)"
echo "cable: $NSEG segments, $TSTOP ms; work dir: $WORK"

quiet() { "$@" 2> >(grep -v -e DISPLAY -e 'No graphics' >&2); }

ref_wall=$(quiet $PY bench/cable_neuron.py cvode 1e-10 "$WORK/ref.npz")
echo "reference: NEURON CVODE atol 1e-10, ${ref_wall} s"

apical_config() {  # method dt [general]
  local half
  half=$($PY -c "print($TSTOP / 2)")
  cat <<EOF
[simulation]
dt = 0.1
duration = $TSTOP
[output]
file = "$WORK/apical.h5"
[[output.reports]]
population = "c"
variables = ["V_cable[0]", "V_cable[$((NSEG / 2))]", "V_cable[$((NSEG - 1))]"]
interval = 1.0
[populations.c]
model = "cable"
size = 1
[populations.c.params]
v_init = -65.0
integrator = { method = "$1", dt = $2 }
sections = [{ name = "cable", L = 2000.0, diam = 2.0, nseg = $NSEG, Ra = 100.0, cm = 1.0, g_pas = 1e-4, e_pas = -65.0 }]
$([ "${3:-}" = general ] && echo 'receptors = [{ name = "g", compartment = "cable[0]", type = "conductance", tau = 1.0, E = 0.0 }]')
[inputs.stim]
kind = "dc"
target = "c"
compartment = "cable[0]"
amplitude = 200.0
start = 5.0
stop = $half
EOF
}

error_of() {  # .npz (NEURON) or .h5 (apical) -> max |V - V_ref| (mV)
  $PY - "$WORK/ref.npz" "$1" <<'EOF'
import os, sys, numpy as np, h5py
ref = np.load(sys.argv[1])["V"]
if sys.argv[2].endswith(".npz"):
    V = np.load(sys.argv[2])["V"]
else:
    n = int(os.environ["NSEG"])
    with h5py.File(sys.argv[2]) as f:  # first variable in report/c, the others in report/c__<v>
        groups = ["c", "c__V_cable[%d]" % (n // 2), "c__V_cable[%d]" % (n - 1)]
        V = np.array([f["report/%s/data" % g][:, 0] for g in groups], dtype=float)
k = min(V.shape[1], ref.shape[1])
print("%.3g" % np.abs(V[:, :k] - ref[:, :k]).max())
EOF
}

rows=()
for dt in $DTS; do
  for method in backward_euler crank_nicolson; do
    order=0; [ "$method" = crank_nicolson ] && order=1
    n_wall=$(quiet $PY bench/cable_neuron.py fixed "$dt" "$order" "$WORK/neuron.npz")
    n_err=$(error_of "$WORK/neuron.npz")
    best_apical() {  # config -> best simulation wall time of REPEATS runs
      local best=1e9 w
      for _ in $(seq "$REPEATS"); do
        w=$("$BUILD/apical" run "$1" --threads 1 2>&1 | sed -n 's/.* simulated in \([0-9.e+-]*\) s.*/\1/p')
        best=$($PY -c "print(min($best, $w))")
      done
      echo "$best"
    }
    apical_config "$method" "$dt" general >"$WORK/cable_general.toml"
    g_wall=$(best_apical "$WORK/cable_general.toml")
    g_err=$(error_of "$WORK/apical.h5")
    apical_config "$method" "$dt" >"$WORK/cable.toml"
    a_wall=$(best_apical "$WORK/cable.toml")
    a_err=$(error_of "$WORK/apical.h5")
    ratio=$($PY -c "print('%.2f' % ($n_wall / $a_wall))")
    g_ratio=$($PY -c "print('%.2f' % ($n_wall / $g_wall))")
    rows+=("| $method | $dt | $a_err | $g_err | $n_err | $a_wall | $g_wall | $n_wall | $ratio | $g_ratio |")
  done
done
echo
echo "| method | dt ms | apical error mV | apical general error mV | NEURON error mV | apical s | apical general s | NEURON s | NEURON / apical | NEURON / apical general |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
