#!/usr/bin/env bash
# apical's wall time and peak RSS on the CUBA network scaled to N neurons (80 % excitatory) with
# fixed in-degrees, so that each neuron sees the same input whatever N:
#
#   bench/cuba_scaling.sh                    N = 4000 16000 64000, 1 s simulated, 1 thread
#   NEURONS="4000 16000" KE=64 KI=16 THREADS=2 bench/cuba_scaling.sh
#
# KE and KI (excitatory and inhibitory in-degree) default to 64 and 16: p = 0.02 times the 3200
# and 800 sources of the original network, so N = 4000 is the benchmark's own in-degree.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${APICAL_BUILD_DIR:-build}   # the build directory; build/ unless set

NEURONS=${NEURONS:-"4000 16000 64000"}
KE=${KE:-64}
KI=${KI:-16}
THREADS=${THREADS:-1}
DURATION=${DURATION:-1000}
SEED=${SEED:-20070101}
WORK=${WORK:-$(mktemp -d /tmp/apical-cuba-scaling.XXXXXX)}
mkdir -p "$WORK"
PY=/usr/bin/python3

scripts/deps time
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DAPICAL_WERROR=ON -DAPICAL_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target apical

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work dir: $WORK"
for n in $NEURONS; do
  tag=scaling_${n}
  $PY bench/cuba_stats.py config examples/vogels_abbott_cuba.toml --no-reports \
    --neurons "$n" --indegree "$KE" "$KI" >"$WORK/$tag.toml"
  echo "== N = $n"
  /usr/bin/time -v -o "$WORK/$tag.time" "$BUILD/apical" run "$WORK/$tag.toml" -o "$WORK/$tag.h5" \
    --threads "$THREADS" --duration "$DURATION" --seed "$SEED" -q | tee "$WORK/$tag.out"
  $PY bench/cuba_stats.py apical --h5 "$WORK/$tag.h5" --stdout "$WORK/$tag.out" \
    --time-v "$WORK/$tag.time" --threads "$THREADS" --duration "$DURATION" --json "$WORK/$tag.json"
done
echo
echo "## CUBA scaling, fixed in-degree $KE excitatory + $KI inhibitory, seed $SEED"
echo
$PY bench/cuba_stats.py scaling "$WORK"/scaling_*.json
