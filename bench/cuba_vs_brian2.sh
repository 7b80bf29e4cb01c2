#!/usr/bin/env bash
# apical versus Brian2 (C++ standalone) on the CUBA benchmark (examples/vogels_abbott_cuba.toml).
#
#   bench/cuba_vs_brian2.sh
#   DURATIONS="1000" THREADS="1" PAIRED_INITS="1 2" bench/cuba_vs_brian2.sh
#
# 1. Speed and memory: both simulators at each duration (ms) and thread count; wall time of the
#    simulation loop ("run") and of the whole process, peak RSS, Brian2's compile time apart;
#    rates and ISI CV of both (different random networks: each simulator draws its own).
# 2. Statistics on one network: Brian2's random network (seed PAIRED_SEED), then apical's, as
#    SONATA edge files that both simulators load; both run PAIRED_MS from each of PAIRED_INITS
#    independent initial states. Rates, ISI CV and the correlation of per-neuron rates across
#    simulators, next to the same correlation across initial states of one simulator.
#    (Across random networks: bench/cuba_ensemble.sh.)
# 3. apical's memory per synapse: peak RSS with and without the projections.
#
# Installs python3-brian (Debian's Brian2 2.5) and time if missing and builds the apical command
# as scripts/demo does (APICAL_BUILD_DIR, default build/). Everything goes to $WORK (default: a
# fresh temp dir). Timings are wall times: run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${APICAL_BUILD_DIR:-build}   # the build directory; build/ unless set

DURATIONS=${DURATIONS:-"1000 10000"}
THREADS=${THREADS:-"1 2"}
SEED=${SEED:-20070101}
PAIRED_SEED=${PAIRED_SEED:-1}
PAIRED_INITS=${PAIRED_INITS:-"1 2 3"}
PAIRED_MS=${PAIRED_MS:-10000}
WORK=${WORK:-$(mktemp -d /tmp/apical-cuba-bench.XXXXXX)}
mkdir -p "$WORK"
PY=/usr/bin/python3

scripts/deps python3-brian time
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DAPICAL_WERROR=ON -DAPICAL_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target apical

# The example without its V_m report: Brian2 records spikes only, so apical does too.
$PY bench/cuba_stats.py config examples/vogels_abbott_cuba.toml --no-reports >"$WORK/cuba.toml"
$PY bench/cuba_stats.py config examples/vogels_abbott_cuba.toml --no-reports --no-projections \
  >"$WORK/cuba_no_projections.toml"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "apical: $("$BUILD/apical" --version), Brian2: $($PY -c 'import brian2; print(brian2.__version__)' 2>/dev/null)"
echo "work dir: $WORK"

quiet_brian() {  # Brian2 and its dependencies print FutureWarnings from NumPy 1.24
  "$@" 2> >(grep -v -e FutureWarning -e 'if not hasattr' -e 'obj = getattr' -e '^INFO' >&2) >/dev/null
}

run_apical() {  # config duration threads seed tag
  /usr/bin/time -v -o "$WORK/$5.time" "$BUILD/apical" run "$1" -o "$WORK/$5.h5" \
    --threads "$3" --duration "$2" --seed "$4" -q >"$WORK/$5.out"
  cat "$WORK/$5.out"
  $PY bench/cuba_stats.py apical --h5 "$WORK/$5.h5" --stdout "$WORK/$5.out" \
    --time-v "$WORK/$5.time" --threads "$3" --duration "$2" --json "$WORK/$5.json"
}

# 1. Speed and memory.
for d in $DURATIONS; do
  for t in $THREADS; do
    echo "== apical: $d ms, $t thread(s)"
    run_apical "$WORK/cuba.toml" "$d" "$t" "$SEED" "apical_${d}ms_${t}t"
    tag=brian2_${d}ms_${t}t
    echo "== Brian2 (cpp_standalone): $d ms, $t thread(s): code generation, compilation, run"
    quiet_brian $PY bench/cuba_brian2.py --duration "$d" --threads "$t" --seed "$SEED" \
      --dir "$WORK/$tag" --json "$WORK/$tag.json"
    $PY -c "import json,sys; r=json.load(open(sys.argv[1])); print('   run %.2f s, process %.2f s, compile %.0f s, %d synapses' % (r['run_s'], r['process_wall_s'], r['codegen_and_compile_s'], r['synapses']))" "$WORK/$tag.json"
  done
done

# 2. One network, both simulators, from edge files: Brian2's network (seed PAIRED_SEED), then
#    apical's (seed PAIRED_SEED, written out through a plastic projection with eta = 0).
quiet_brian $PY bench/cuba_brian2.py --duration 0.1 --threads 1 --seed "$PAIRED_SEED" --init-seed 0 \
  --export-edges "$WORK/edges_brian2" --dir "$WORK/brian2_paired" --json /dev/null
$PY bench/cuba_stats.py config examples/vogels_abbott_cuba.toml --no-reports --dump-weights \
  >"$WORK/cuba_dump.toml"
"$BUILD/apical" run "$WORK/cuba_dump.toml" -o "$WORK/apical_network.h5" --seed "$PAIRED_SEED" \
  --duration 0.1 -q >/dev/null
$PY bench/cuba_stats.py weights-to-edges "$WORK/apical_network.h5" "$WORK/edges_apical"

run_paired() {  # network (brian2 or apical): both simulators on $WORK/edges_<network>
  local net=$1 i
  $PY bench/cuba_stats.py config examples/vogels_abbott_cuba.toml --no-reports \
    --edges-dir "$WORK/edges_$net" >"$WORK/cuba_edges_$net.toml"
  for i in $PAIRED_INITS; do
    echo "== $net's network, initial state $i: apical, Brian2"
    "$BUILD/apical" run "$WORK/cuba_edges_$net.toml" -o "$WORK/paired_${net}_apical_$i.h5" \
      --seed "$i" --duration "$PAIRED_MS" --threads "$(nproc)" -q
    quiet_brian $PY bench/cuba_brian2.py --duration "$PAIRED_MS" --threads 1 --init-seed "$i" \
      --import-edges "$WORK/edges_$net" --save-spikes "$WORK/paired_${net}_brian2_$i.h5" \
      --dir "$WORK/brian2_paired" --json "$WORK/paired_${net}_brian2_$i.json"
  done
}
run_paired brian2
run_paired apical

# 3. Memory for synapses: the same neurons without projections, 1 s, 1 thread.
echo "== apical without projections (synapse memory)"
run_apical "$WORK/cuba_no_projections.toml" 1000 1 "$SEED" apical_noproj

echo
echo "## 1. Speed and memory (seed $SEED; each simulator draws its own network)"
echo
$PY bench/cuba_stats.py compare "$WORK"/apical_*ms_*t.json "$WORK"/brian2_*ms_*t.json
shortest=$(printf '%s\n' $DURATIONS | sort -n | head -1)
first_apical=$WORK/apical_${shortest}ms_1t.json
if [ -f "$first_apical" ]; then
  $PY - "$first_apical" "$WORK/apical_noproj.json" <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
d = (a["peak_rss_kb"] - b["peak_rss_kb"]) * 1024
print(f"apical peak RSS with projections minus without ({a['duration_ms'] / 1000:g} s vs 1 s, 1 thread): "
      f"{d / 2**20:.1f} MB for {a['synapses']} synapses = {d / a['synapses']:.1f} bytes per synapse")
PYEOF
fi
echo
for net in brian2 apical; do
  echo
  echo "## 2. One network ($net's, seed $PAIRED_SEED) in both simulators, $PAIRED_MS ms, mean ± sd over initial states $PAIRED_INITS"
  echo
  $PY bench/cuba_stats.py paired --apical $(for i in $PAIRED_INITS; do echo "$WORK/paired_${net}_apical_$i.h5"; done) \
    --brian $(for i in $PAIRED_INITS; do echo "$WORK/paired_${net}_brian2_$i.h5"; done) --duration "$PAIRED_MS"
done
