#!/usr/bin/env bash
# Do apical's and Brian2's CUBA networks have the same statistics? Each simulator draws its own
# random network for every seed in SEEDS and runs it for DURATION ms; rates and ISI CV after the
# first SKIP ms, mean ± standard error over networks, with Welch's t for the difference.
# (Single networks differ by several tenths of a Hz: one run of each says nothing.)
#
#   bench/cuba_ensemble.sh                          seeds 101..140, 10 s each (about 15 minutes)
#   SEEDS="$(seq 1 10)" DURATION=2000 bench/cuba_ensemble.sh
#
# Brian2 draws its initial potentials with NumPy (--init-seed), so its seed fixes the network only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${APICAL_BUILD_DIR:-build}   # the build directory; build/ unless set

SEEDS=${SEEDS:-$(seq 101 140)}
DURATION=${DURATION:-10000}
SKIP=${SKIP:-1000}
THREADS=${THREADS:-1}
WORK=${WORK:-$(mktemp -d /tmp/apical-cuba-ensemble.XXXXXX)}
mkdir -p "$WORK"
PY=/usr/bin/python3

scripts/deps python3-brian
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DAPICAL_WERROR=ON -DAPICAL_TESTS=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target apical
$PY bench/cuba_stats.py config examples/vogels_abbott_cuba.toml --no-reports >"$WORK/cuba.toml"
echo "work dir: $WORK"

a_files=() b_files=()
for s in $SEEDS; do
  echo "== seed $s"
  "$BUILD/apical" run "$WORK/cuba.toml" -o "$WORK/apical_$s.h5" --seed "$s" --duration "$DURATION" \
    --threads "$THREADS" -q >/dev/null
  $PY bench/cuba_brian2.py --duration "$DURATION" --threads 1 --seed "$s" --init-seed "$s" \
    --save-spikes "$WORK/brian2_$s.h5" --dir "$WORK/brian2" --json "$WORK/brian2_$s.json" \
    2>/dev/null >/dev/null
  a_files+=("$WORK/apical_$s.h5")
  b_files+=("$WORK/brian2_$s.h5")
done
echo
$PY bench/cuba_stats.py ensemble --apical "${a_files[@]}" --brian "${b_files[@]}" \
  --duration "$DURATION" --skip "$SKIP"
