#!/usr/bin/env bash
# apical versus Brian2 (C++ standalone) on the CUBA network with pair STDP on its excitatory
# synapses (exc->exc and exc->inh, 256k plastic synapses of 320k): the speed of plastic networks
# and the memory a plastic synapse takes.
#
#   bench/stdp_vs_brian2.sh
#   DURATIONS="1000" THREADS="1" bench/stdp_vs_brian2.sh
#
# apical: examples/vogels_abbott_cuba.toml without its V_m report, with
#   plasticity = { rule = "stdp_pair", A_plus = 1, A_minus = 1.05, tau_plus = tau_minus = 20 ms,
#                  eta = 0.162 pA (1 % of J_ex = 16.2 pA), bounds hard [0, 32.4 pA] }
# on exc_exc and exc_inh; Brian2: bench/stdp_brian2.py, the same rule in its formulation (1 % of
# we = 1.62 mV per pair, clipped to [0, 2 we]). Each simulator draws its own random network.
# Times are each simulator's own measure of the simulation loop (apical's summary line, Brian's
# device._last_run_time) and the process wall time; memory is peak RSS (/usr/bin/time -v).
# Bytes per plastic synapse = (RSS with STDP - RSS with the same synapses static) / plastic
# synapses + bytes per static synapse, the latter = (RSS static - RSS without synapses) / synapses,
# all at 1 s and one thread.
#
# Installs python3-brian (Debian's Brian2 2.5) and time if missing, builds the apical command
# (APICAL_BUILD_DIR, default build/). Everything goes to $WORK (default: a fresh temp dir).
# Timings are wall times: run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${APICAL_BUILD_DIR:-build}
DURATIONS=${DURATIONS:-"1000 5000"}
THREADS=${THREADS:-"1 2"}
SEED=${SEED:-20070101}
WORK=${WORK:-$(mktemp -d /tmp/apical-stdp-bench.XXXXXX)}
mkdir -p "$WORK"
PY=/usr/bin/python3

scripts/deps python3-brian time
if [ -z "${SKIP_BUILD:-}" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DAPICAL_WERROR=ON -DAPICAL_TESTS=ON >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target apical
fi

$PY bench/cuba_stats.py config examples/vogels_abbott_cuba.toml --no-reports >"$WORK/static.toml"
$PY bench/cuba_stats.py config examples/vogels_abbott_cuba.toml --no-reports --no-projections >"$WORK/none.toml"
$PY - "$WORK/static.toml" "$WORK/stdp.toml" <<'PYEOF'
import sys
rule = ('plasticity = { rule = "stdp_pair", tau_plus = 20.0, tau_minus = 20.0, A_plus = 1.0, A_minus = 1.05, '
        'eta = 0.162, bounds = "hard", w_min = 0.0, w_max = 32.4 }')
out = []
for line in open(sys.argv[1]).read().splitlines():
    out.append(line)
    if line.strip() in ("[projections.exc_exc]", "[projections.exc_inh]"):
        out.append(rule)
text = "\n".join(out) + "\n"
assert text.count("stdp_pair") == 2, "CUBA config changed: exc_exc/exc_inh not found"
open(sys.argv[2], "w").write(text)
PYEOF

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "apical: $("$BUILD/apical" --version), Brian2: $($PY -c 'import brian2; print(brian2.__version__)' 2>/dev/null)"
echo "work dir: $WORK"

quiet_brian() {  # Brian2 and its dependencies print FutureWarnings from NumPy 1.24
  "$@" 2> >(grep -v -e FutureWarning -e 'if not hasattr' -e 'obj = getattr' -e '^INFO' >&2) >/dev/null
}

run_apical() {  # kind duration threads
  local tag=apical_$1_$2ms_$3t
  /usr/bin/time -v -o "$WORK/$tag.time" "$BUILD/apical" run "$WORK/$1.toml" -o "$WORK/$tag.h5" \
    --threads "$3" --duration "$2" --seed "$SEED" -q >"$WORK/$tag.out"
  $PY - "$WORK/$tag" "$1" "$2" "$3" <<'PYEOF'
import json, re, sys
sys.path.insert(0, "bench")
from cuba_stats import parse_time_v
base, kind, d, t = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
text = open(base + ".out").read()
m = re.search(r"simulated in ([0-9.]+) s .*?, (\d+) neurons, (\d+) synapses, (\d+) spikes", text)
tv = parse_time_v(base + ".time")
r = {"simulator": "apical", "synapse_kind": kind, "duration_ms": d, "threads": t, "run_s": float(m.group(1)),
     "synapses": int(m.group(3)), "process_wall_s": tv["wall_s"], "peak_rss_kb": tv["peak_rss_kb"]}
import h5py, numpy as np
with h5py.File(base + ".h5", "r") as f:
    ids = f["spikes/exc/node_ids"].shape[0], f["spikes/inh/node_ids"].shape[0]
    r["rate_exc_hz"], r["rate_inh_hz"] = ids[0] / (3.2 * d), ids[1] / (0.8 * d)
    if kind == "stdp":
        w = np.concatenate([f["weights/exc_exc/syn_weight"][:], f["weights/exc_inh/syn_weight"][:]])
        r["plastic_synapses"] = int(w.size)
        r["mean_exc_weight_mV"] = float(w.mean() / 10.0)  # J = w C_m / tau_m: 10 pA per mV
json.dump(r, open(base + ".json", "w"), indent=1)
print(f"   run {r['run_s']:.2f} s, process {r['process_wall_s']:.2f} s, RSS {r['peak_rss_kb'] / 1024:.0f} MB, "
      f"rates {r['rate_exc_hz']:.1f}/{r['rate_inh_hz']:.1f} Hz")
PYEOF
}

run_brian() {  # kind duration threads
  local tag=brian2_$1_$2ms_$3t
  quiet_brian $PY bench/stdp_brian2.py --synapses "$1" --duration "$2" --threads "$3" --seed "$SEED" \
    --dir "$WORK/$tag" --json "$WORK/$tag.json"
  $PY -c "import json,sys; r=json.load(open(sys.argv[1])); print('   run %.2f s, process %.2f s, compile %.0f s, RSS %.0f MB, rates %.1f/%.1f Hz' % (r['run_s'], r['process_wall_s'], r['codegen_and_compile_s'], r['peak_rss_kb'] / 1024, r['rate_exc_hz'], r['rate_inh_hz']))" "$WORK/$tag.json"
}

for d in $DURATIONS; do
  for t in $THREADS; do
    echo "== STDP, $d ms, $t thread(s): apical, Brian2"
    run_apical stdp "$d" "$t"
    run_brian stdp "$d" "$t"
  done
done
echo "== memory: static synapses and no synapses, 1000 ms, 1 thread: apical, Brian2"
for kind in static none; do
  run_apical "$kind" 1000 1
  run_brian "$kind" 1000 1
done
[ -f "$WORK/apical_stdp_1000ms_1t.json" ] || run_apical stdp 1000 1
[ -f "$WORK/brian2_stdp_1000ms_1t.json" ] || run_brian stdp 1000 1

echo
$PY - "$WORK" "$DURATIONS" "$THREADS" <<'PYEOF'
import json, sys
work, durations, threads = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def load(sim, kind, d, t):
    return json.load(open(f"{work}/{sim}_{kind}_{d}ms_{t}t.json"))
print("| simulated | threads | apical run s | Brian2 run s | Brian2 / apical | apical process s | Brian2 process s | apical RSS MB | Brian2 RSS MB | rates exc/inh Hz (apical; Brian2) | mean exc weight mV (apical; Brian2) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
for d in durations:
    for t in threads:
        a, b = load("apical", "stdp", d, t), load("brian2", "stdp", d, t)
        print(f"| {float(d) / 1000:g} s | {t} | {a['run_s']:.2f} | {b['run_s']:.2f} | {b['run_s'] / a['run_s']:.2f} | "
              f"{a['process_wall_s']:.2f} | {b['process_wall_s']:.2f} | {a['peak_rss_kb'] / 1024:.0f} | {b['peak_rss_kb'] / 1024:.0f} | "
              f"{a['rate_exc_hz']:.1f}/{a['rate_inh_hz']:.1f}; {b['rate_exc_hz']:.1f}/{b['rate_inh_hz']:.1f} | "
              f"{a['mean_exc_weight_mV']:.3f}; {b['mean_exc_weight_mV']:.3f} |")
print()
for sim in ("apical", "brian2"):
    p, s, n = (load(sim, k, "1000", "1") for k in ("stdp", "static", "none"))
    static = (s["peak_rss_kb"] - n["peak_rss_kb"]) * 1024 / s["synapses"]
    extra = (p["peak_rss_kb"] - s["peak_rss_kb"]) * 1024 / p["plastic_synapses"]
    print(f"{sim}: {static:.1f} bytes per static synapse ({s['synapses']} synapses), "
          f"+{extra:.1f} for plasticity = {static + extra:.1f} bytes per plastic synapse ({p['plastic_synapses']} plastic)")
PYEOF
