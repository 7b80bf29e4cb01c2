#!/usr/bin/env bash
# apical versus PyTorch (CPU) on the surrogate-gradient network of SURROGATE.md: forward, loss and
# backward (BPTT with the surrogate spike derivative, reset detached), float64, recurrent
# classification, T = 100, B = 32, at 200-128-10 and 700-256-20.
#
#   bench/gradient_vs_torch.sh
#   APICAL_BUILD_DIR=build-dev SKIP_BUILD=1 THREADS="1" bench/gradient_vs_torch.sh
#
# Cases: 700-256-20 is the committed data/reference/surrogate/large_rec_class_700_256_20.h5;
# 200-128-10 is written into $WORK by data/make_surrogate_reference.py --large --only
# large_rec_class_200_128_10 (checked against torch autograd before it is written).
#
# Timing. apical: `apical gradient CASE -o OUT --threads N`, the wall time its summary line
# prints, measured from before reading the case file to after writing and closing the output
# (so it includes HDF5 input, with gzip decompression, and output; not process start-up and
# exit); one warm-up run, then the best of REPEATS runs. PyTorch: bench/gradient_torch.py,
# forward + loss + backward only (tensors built beforehand, not timed), torch.set_num_threads(N),
# one warm-up, then the best of REPEATS. Peak RSS: /usr/bin/time -v of each process (for PyTorch
# that includes the Python interpreter and the torch library; for apical the largest of its runs).
# Both results are checked against the case's reference gradients and against each other
# (SURROGATE.md section 8 tolerance); the script stops if they disagree.
#
# Needs Debian's python3-torch, python3-numpy, python3-h5py (hence /usr/bin/python3) and time.
# Builds the apical command as scripts/demo does (APICAL_BUILD_DIR, default build/) unless
# SKIP_BUILD=1. Everything goes to $WORK (default: a fresh temp dir). Timings are wall times: run
# it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${APICAL_BUILD_DIR:-build}
THREADS=${THREADS:-"1 2"}
REPEATS=${REPEATS:-5}
WORK=${WORK:-$(mktemp -d /tmp/apical-gradient-bench.XXXXXX)}
mkdir -p "$WORK"
PY=/usr/bin/python3

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  scripts/deps python3-torch time
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DAPICAL_WERROR=ON -DAPICAL_TESTS=ON >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target apical
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "apical: $("$BUILD/apical" --version), torch: $($PY -c 'import torch; print(torch.__version__)')"
echo "work dir: $WORK"

$PY data/make_surrogate_reference.py --check-torch --large --only large_rec_class_200_128_10 \
  --out "$WORK" >"$WORK/make_200_128_10.log"
declare -A CASE=(
  [200-128-10]="$WORK/large_rec_class_200_128_10.h5"
  [700-256-20]="data/reference/surrogate/large_rec_class_700_256_20.h5"
)

rss_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }

rows="$WORK/rows.tsv"
: >"$rows"
for size in 200-128-10 700-256-20; do
  c=${CASE[$size]}
  for n in $THREADS; do
    tag="${size}_t$n"
    # apical: warm-up, then REPEATS runs; best printed wall time, largest peak RSS.
    "$BUILD/apical" gradient "$c" -o "$WORK/$tag.h5" --threads "$n" >/dev/null
    best="" rss=0
    for r in $(seq "$REPEATS"); do
      /usr/bin/time -v -o "$WORK/$tag.apical.time" \
        "$BUILD/apical" gradient "$c" -o "$WORK/$tag.h5" --threads "$n" >"$WORK/$tag.apical.out"
      s=$(sed -n 's/.*, \([0-9.]*\) s -> .*/\1/p' "$WORK/$tag.apical.out")
      m=$(rss_mb "$WORK/$tag.apical.time")
      [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN {exit !(a < b)}' && best=$s
      [ "$m" -gt "$rss" ] && rss=$m
      echo "  apical $tag run $r: $s s, $m MB"
    done
    /usr/bin/time -v -o "$WORK/$tag.torch.time" \
      $PY bench/gradient_torch.py "$c" --threads "$n" --repeats "$REPEATS" \
      --apical "$WORK/$tag.h5" --json "$WORK/$tag.torch.json" | sed 's/^/  /'
    t=$($PY -c "import json; print(json.load(open('$WORK/$tag.torch.json'))['best_s'])")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$n" "$best" "$t" "$rss" \
      "$(rss_mb "$WORK/$tag.torch.time")" >>"$rows"
  done
done

echo
echo "| size | threads | apical s | torch s | torch / apical | apical peak RSS MB | torch peak RSS MB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
awk -F'\t' '{printf "| %s | %s | %.3f | %.3f | %.2f | %s | %s |\n", $1, $2, $3, $4, $4 / $3, $5, $6}' "$rows"
echo
echo "(torch / apical > 1: apical faster. apical: best of $REPEATS printed wall times, file I/O"
echo " included; torch: best of $REPEATS forward+backward after a warm-up.)"
