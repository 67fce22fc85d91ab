#!/usr/bin/env bash
# Template rendering: cadent against Handlebars under Node, same email, same data.
#
# Builds nothing: runs build/release/bench/templates_bench (override with BIN=) and
# bench.js (installs the pinned handlebars with `npm ci` when node_modules is missing),
# alternating REPS times so both see the same machine load. Rates are per CPU second of
# the rendering thread/process (the machine is shared; wall-clock rates are printed too).
# Prints the median and spread (min-max) of each, and the ratio of our rate to Handlebars':
# per repetition (the two runs of a repetition see the same load), median and spread.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
REPS=${REPS:-5}
SECONDS_PER_REP=${SECONDS_PER_REP:-1}
BIN=${BIN:-$root/build/release/bench/templates_bench}
if [[ ! -x $BIN ]]; then
  echo "$BIN is not built: cmake --preset release && cmake --build --preset release --target templates_bench" >&2
  exit 1
fi
if [[ ! -d $here/node_modules/handlebars ]]; then
  (cd "$here" && npm ci --silent --no-audit --no-fund)
fi

ours_cpu=() ours_wall=() hbs_cpu=() hbs_wall=() allocs=()
for rep in $(seq 1 "$REPS"); do
  json=$("$BIN" --benchmark_filter='^BM_RenderEmail$' --benchmark_format=json \
    --benchmark_min_time="$SECONDS_PER_REP" 2>/dev/null)
  read -r cpu wall alloc < <(python3 -c '
import json, sys
b = json.loads(sys.stdin.read())["benchmarks"][0]
scale = {"ns": 1e9, "us": 1e6, "ms": 1e3}[b["time_unit"]]
print(scale / b["cpu_time"], scale / b["real_time"], b["allocs_per_render"])' <<<"$json")
  read -r hcpu hwall < <(node "$here/bench.js" 1 "$SECONDS_PER_REP" | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
print(r["renders"] / r["cpu_s"], r["renders"] / r["wall_s"])')
  ours_cpu+=("$cpu") ours_wall+=("$wall") hbs_cpu+=("$hcpu") hbs_wall+=("$hwall") allocs+=("$alloc")
  printf 'rep %d: cadent %.0f renders/s (wall %.0f), handlebars %.0f renders/s (wall %.0f), %s allocations/render\n' \
    "$rep" "$cpu" "$wall" "$hcpu" "$hwall" "$alloc"
done
python3 - "${ours_cpu[*]}" "${ours_wall[*]}" "${hbs_cpu[*]}" "${hbs_wall[*]}" "${allocs[*]}" <<'PY'
import statistics, sys
ours, ours_wall, hbs, hbs_wall, allocs = ([float(x) for x in a.split()] for a in sys.argv[1:6])
def fmt(xs):
    return f"median {statistics.median(xs)/1e3:,.0f}k/s (spread {min(xs)/1e3:,.0f}k-{max(xs)/1e3:,.0f}k)"
print(f"cadent     (CPU time):  {fmt(ours)}; wall clock {fmt(ours_wall)}")
print(f"handlebars (CPU time):  {fmt(hbs)}; wall clock {fmt(hbs_wall)}")
print(f"allocations per render (buffer reused): max {max(allocs):g}")
paired = [o / h for o, h in zip(ours, hbs)]
print(f"ratio cadent/handlebars (CPU time): median of the paired repetitions "
      f"{statistics.median(paired):.1f}x (spread {min(paired):.1f}x-{max(paired):.1f}x); "
      f"ratio of the medians {statistics.median(ours)/statistics.median(hbs):.1f}x")
print(f"ratio cadent/handlebars (wall clock): ratio of the medians "
      f"{statistics.median(ours_wall)/statistics.median(hbs_wall):.1f}x")
PY
