#!/usr/bin/env bash
# make bench: the import benchmark (bench/import) and the micro-benchmarks.
#
# Import: a 1,000,000-row, 12-column CSV with 2% duplicates into a fresh database with
# dedupe and a 10,000-entry suppression list, RUNS times; the sqlite3 shell's .import of the
# same file into a plain table (no validation) is timed in the same loop as the floor.
# Prints median and spread of rows/s, peak RSS, and our time as a ratio to sqlite3's.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
BIN=${BIN:-build/release/src/cadent}
OUT=bench/out
mkdir -p "$OUT"
csv="$OUT/contacts-$ROWS.csv"
supp="$OUT/suppression-10k.csv"
if [[ ! -f $csv || ! -f $supp ]]; then
  echo "generating $csv ..."
  tools/gen-contacts.py "$ROWS" "$csv" --duplicates 0.02 --seed 1 --suppression "$supp" 10000
fi
bytes=$(stat -c %s "$csv")
echo "input: $csv ($ROWS rows, $((bytes / 1000000)) MB); $RUNS runs; $(nproc) cores"

ours=() floor=() rss=() ratios=() cpu=()
for run in $(seq 1 "$RUNS"); do
  db="$OUT/bench.db"
  rm -rf "$db" "$db-wal" "$db-shm" "$OUT/imports" "$OUT/floor.db"
  "$BIN" --db "$db" suppress import "$supp" --reason bench >/dev/null
  /usr/bin/time -f "%e %M %U %S" -o "$OUT/time.txt" \
    "$BIN" --db "$db" import contacts "$csv" --list bench >"$OUT/summary.json" 2>/dev/null
  read -r secs kb user sys <"$OUT/time.txt"
  /usr/bin/time -f "%e" -o "$OUT/floor.txt" \
    sqlite3 "$OUT/floor.db" ".mode csv" ".import '$csv' contacts" >/dev/null
  read -r floor_secs <"$OUT/floor.txt"
  ours+=("$secs") floor+=("$floor_secs") rss+=("$kb") cpu+=("$(python3 -c "print($user + $sys)")")
  ratios+=("$(python3 -c "print(round($secs / $floor_secs, 2))")")
  echo "run $run: cadent ${secs}s ($(python3 -c "print(int($ROWS / $secs))") rows/s, CPU ${cpu[-1]}s, peak RSS $((kb / 1024)) MB), sqlite3 .import ${floor_secs}s"
done
python3 - "$ROWS" "${ours[*]}" "${floor[*]}" "${rss[*]}" "${ratios[*]}" "$OUT/summary.json" "${cpu[*]}" <<'PY'
import json, statistics, sys
rows = int(sys.argv[1])
ours = [float(x) for x in sys.argv[2].split()]
floor = [float(x) for x in sys.argv[3].split()]
rss = [int(x) / 1024 for x in sys.argv[4].split()]
ratios = [float(x) for x in sys.argv[5].split()]
rate = [rows / s for s in ours]
print(f"cadent import: median {statistics.median(rate):,.0f} rows/s "
      f"(min {min(rate):,.0f}, max {max(rate):,.0f}); "
      f"median time {statistics.median(ours):.2f}s")
cpu = [float(x) for x in sys.argv[7].split()]
print(f"cadent CPU time (user+sys, all threads): median {statistics.median(cpu):.2f}s "
      f"({statistics.median(cpu) * 1e6 / rows:.1f} us/row); the machine's load shows in "
      f"wall time, much less in CPU time")
print(f"peak RSS: median {statistics.median(rss):.0f} MB (max {max(rss):.0f} MB)")
print(f"sqlite3 .import floor: median {statistics.median(floor):.2f}s "
      f"({rows / statistics.median(floor):,.0f} rows/s)")
print(f"ratio cadent/sqlite3: median {statistics.median(ratios):.2f} "
      f"(min {min(ratios):.2f}, max {max(ratios):.2f})")
summary = json.load(open(sys.argv[6]))
print("last import counts:", json.dumps(summary["counts"]))
PY

for b in build/release/bench/*_bench; do
  [[ -x $b ]] || continue
  case $(basename "$b") in engine_bench | smtp_bench) continue ;; esac  # own reports, below
  echo "== $(basename "$b")"
  "$b" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
done

# The engine (issue 5 figures): launch, dispatch and real-time lateness, at a size that keeps
# make bench short; the full-size command is at the top of bench/engine_bench.cpp.
if [[ -x build/release/bench/engine_bench ]]; then
  echo "== engine_bench"
  # shellcheck disable=SC2086
  build/release/bench/engine_bench ${ENGINE_BENCH_ARGS:---launch 200000 --launch-reps 3 \
    --dispatch 20000 --dispatch-reps 5 --dispatch-eml-reps 2 --lateness 5000 \
    --lateness-seconds 10 --lateness-reps 1}
fi

# The SMTP channel against smtp-sink, beside smtp-source (issue 6 figures).
if [[ -x build/release/bench/smtp_bench ]]; then
  echo "== smtp_bench"
  # shellcheck disable=SC2086
  build/release/bench/smtp_bench ${SMTP_BENCH_ARGS:---messages 20000 --reps 3}
fi
