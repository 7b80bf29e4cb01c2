#!/usr/bin/env bash
# apical versus Brian2 (C++ standalone) on the COBA benchmark (examples/vogels_abbott_coba.toml,
# Brette et al. 2007 benchmark 1: 4000 lif_cond_exp neurons, p = 0.02).
#
#   bench/coba_vs_brian2.sh
#   DURATIONS="1000" THREADS="1" bench/coba_vs_brian2.sh
#   APICAL_INTEGRATOR='{ method = "dopri5", atol = 1e-4, rtol = 1e-4 }' bench/coba_vs_brian2.sh
#   BRIAN_DT=0.001 DURATIONS=1000 THREADS=1 bench/coba_vs_brian2.sh
#   bench/coba_accuracy.py --work DIR      # the accuracy of each side (bench/RESULTS.md)
#
# Both simulators at each duration (ms) and thread count: wall time of the simulation loop
# ("run": apical's own measurement, Brian's device._last_run_time) and of the whole process,
# peak RSS, Brian2's compile time apart; rates and ISI CV of both (each simulator draws its own
# random network and initial state from the same distributions). apical integrates with its
# default for lif_cond_exp, "exact" (closed form plus Gauss-Legendre between inputs, near machine
# precision), or APICAL_INTEGRATOR; Brian2 with forward Euler (BRIAN_METHOD) at dt = 0.1 ms
# (BRIAN_DT), so the two are not at equal accuracy: bench/coba_accuracy.py measures both.
#
# Installs python3-brian (Debian's Brian2 2.5) and time if missing, builds the apical command
# (APICAL_BUILD_DIR, default build/). Everything goes to $WORK (default: a fresh temp dir).
# Timings are wall times: run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${APICAL_BUILD_DIR:-build}

DURATIONS=${DURATIONS:-"1000 10000"}
THREADS=${THREADS:-"1 2"}
SEED=${SEED:-20070101}
BRIAN_METHOD=${BRIAN_METHOD:-euler}
BRIAN_DT=${BRIAN_DT:-0.1}
APICAL_INTEGRATOR=${APICAL_INTEGRATOR:-}
WORK=${WORK:-$(mktemp -d /tmp/apical-coba-bench.XXXXXX)}
mkdir -p "$WORK"
PY=/usr/bin/python3

scripts/deps python3-brian time
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DAPICAL_WERROR=ON -DAPICAL_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target apical

# The example without its V_m report (Brian2 records spikes only), optionally another integrator.
$PY bench/cuba_stats.py config examples/vogels_abbott_coba.toml --no-reports >"$WORK/coba.toml"
if [ -n "$APICAL_INTEGRATOR" ]; then
  sed -i "s/^model = \"lif_cond_exp\"/&\nintegrator = $APICAL_INTEGRATOR/" "$WORK/coba.toml"
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "apical: $("$BUILD/apical" --version), Brian2: $($PY -c 'import brian2; print(brian2.__version__)' 2>/dev/null) ($BRIAN_METHOD, dt $BRIAN_DT ms)"
echo "apical integrator: ${APICAL_INTEGRATOR:-exact (default)}"
echo "work dir: $WORK"

quiet_brian() {  # Brian2 and its dependencies print FutureWarnings from NumPy 1.24
  "$@" 2> >(grep -v -e FutureWarning -e 'if not hasattr' -e 'obj = getattr' -e '^INFO' >&2) >/dev/null
}

for d in $DURATIONS; do
  for t in $THREADS; do
    echo "== apical: $d ms, $t thread(s)"
    tag=apical_${d}ms_${t}t
    /usr/bin/time -v -o "$WORK/$tag.time" "$BUILD/apical" run "$WORK/coba.toml" -o "$WORK/$tag.h5" \
      --threads "$t" --duration "$d" --seed "$SEED" -q >"$WORK/$tag.out"
    cat "$WORK/$tag.out"
    $PY bench/cuba_stats.py apical --h5 "$WORK/$tag.h5" --stdout "$WORK/$tag.out" \
      --time-v "$WORK/$tag.time" --threads "$t" --duration "$d" --json "$WORK/$tag.json"
    tag=brian2_${d}ms_${t}t
    echo "== Brian2 (cpp_standalone, $BRIAN_METHOD, dt $BRIAN_DT ms): $d ms, $t thread(s): code generation, compilation, run"
    quiet_brian $PY bench/coba_brian2.py --duration "$d" --threads "$t" --seed "$SEED" --method "$BRIAN_METHOD" --dt "$BRIAN_DT" \
      --dir "$WORK/$tag" --json "$WORK/$tag.json"
    $PY -c "import json,sys; r=json.load(open(sys.argv[1])); print('   run %.2f s, process %.2f s, compile %.0f s, %d synapses' % (r['run_s'], r['process_wall_s'], r['codegen_and_compile_s'], r['synapses']))" "$WORK/$tag.json"
  done
done

echo
echo "## COBA: speed (seed $SEED; each simulator draws its own network)"
echo
$PY bench/cuba_stats.py compare "$WORK"/apical_*ms_*t.json "$WORK"/brian2_*ms_*t.json
