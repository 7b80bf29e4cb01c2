#!/usr/bin/env bash
# apical versus Brian2 (C++ standalone) on the CUBA benchmark (examples/vogels_abbott_cuba.toml):
# wall time, peak RSS, and the network's statistics (rates, ISI CV) side by side.
#
#   bench/cuba_vs_brian2.sh                 1 s and 10 s simulated, 1 and 2 threads
#   DURATIONS="1000" THREADS="1" bench/cuba_vs_brian2.sh
#
# Installs python3-brian (Debian's Brian2 2.5) and time if missing, builds the apical command as
# scripts/demo does, and keeps everything it makes in $WORK (default: a fresh temp dir). Run it on
# an otherwise idle machine: the timings are wall times.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${APICAL_BUILD_DIR:-build}   # the build directory; build/ unless set

DURATIONS=${DURATIONS:-"1000 10000"}
THREADS=${THREADS:-"1 2"}
SEED=${SEED:-20070101}
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
echo "work dir: $WORK"

run_apical() {  # config duration threads tag
  local cfg=$1 d=$2 t=$3 tag=$4
  /usr/bin/time -v -o "$WORK/$tag.time" "$BUILD/apical" run "$cfg" -o "$WORK/$tag.h5" \
    --threads "$t" --duration "$d" --seed "$SEED" -q >"$WORK/$tag.out"
  cat "$WORK/$tag.out"
}

for d in $DURATIONS; do
  for t in $THREADS; do
    tag=apical_${d}ms_${t}t
    echo "== apical: $d ms, $t thread(s)"
    run_apical "$WORK/cuba.toml" "$d" "$t" "$tag"
    $PY bench/cuba_stats.py apical --h5 "$WORK/$tag.h5" --stdout "$WORK/$tag.out" \
      --time-v "$WORK/$tag.time" --threads "$t" --duration "$d" --json "$WORK/$tag.json"

    tag=brian2_${d}ms_${t}t
    echo "== Brian2 (cpp_standalone): $d ms, $t thread(s) (code generation and compilation first)"
    $PY bench/cuba_brian2.py --duration "$d" --threads "$t" --seed "$SEED" \
      --dir "$WORK/$tag" --json "$WORK/$tag.json" 2> >(grep -v -e FutureWarning -e 'if not hasattr' \
      -e 'obj = getattr' -e '^INFO' >&2) >/dev/null
    $PY -c "import json,sys; r=json.load(open(sys.argv[1])); print('   run %.2f s, process %.2f s, compile %.0f s, %d synapses' % (r['run_s'], r['process_wall_s'], r['codegen_and_compile_s'], r['synapses']))" "$WORK/$tag.json"
  done
done

# Memory for synapses: the same neurons without projections, 1 s, 1 thread.
echo "== apical without projections (for the synapse memory estimate)"
run_apical "$WORK/cuba_no_projections.toml" 1000 1 apical_noproj
rss_with=$(grep 'Maximum resident' "$WORK/apical_1000ms_1t.time" 2>/dev/null | awk '{print $NF}' || true)
rss_without=$(grep 'Maximum resident' "$WORK/apical_noproj.time" | awk '{print $NF}')

echo
echo "## apical vs Brian2, CUBA (4000 neurons), seed $SEED"
echo
$PY bench/cuba_stats.py compare "$WORK"/apical_*ms_*t.json "$WORK"/brian2_*ms_*t.json
if [ -n "${rss_with:-}" ]; then
  syn=$($PY -c "import json; print(json.load(open('$WORK/apical_1000ms_1t.json'))['synapses'])")
  echo "apical peak RSS with projections minus without (1 s, 1 thread): $(( (rss_with - rss_without) ))" \
       "kB for $syn synapses = $(( (rss_with - rss_without) * 1024 / syn )) bytes per synapse"
fi
