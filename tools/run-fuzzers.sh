#!/usr/bin/env bash
# Runs every libFuzzer binary (*_fuzz) under BUILD_DIR/src for SECONDS each.
#
#   tools/run-fuzzers.sh BUILD_DIR SECONDS      (make fuzz: build/fuzz, FUZZ_SECONDS)
#
# Seeds: tests/data/<prefix>/ where <prefix> is the binary's name up to its first "_"
# (csv_reader_fuzz -> tests/data/csv). The seed folder is never written to: new inputs go
# to a temporary working corpus, removed at the end. Crashes are kept as
# BUILD_DIR/fuzz-artifacts/<name>/crash-*; reproduce one with `BINARY FILE`.
# Exits non-zero when any fuzzer finds a crash, leak or failed check.
set -euo pipefail

if [[ $# -ne 2 || ! "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build_dir=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)

mapfile -t fuzzers < <(find "$build_dir/src" -type f -name '*_fuzz' -perm -u+x | sort)
if [[ ${#fuzzers[@]} -eq 0 ]]; then
  echo "no *_fuzz binaries under $build_dir/src (cmake --preset fuzz && cmake --build --preset fuzz)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cadent-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

failed=()
for fuzzer in "${fuzzers[@]}"; do
  name=$(basename "$fuzzer")
  corpus="$work/$name"
  artifacts="$build_dir/fuzz-artifacts/$name"
  mkdir -p "$corpus" "$artifacts"
  seeds=()
  seed_dir="$root/tests/data/${name%%_*}"
  [[ -d "$seed_dir" ]] && seeds=("$seed_dir")

  echo "== $name: ${seconds}s, seeds: ${seeds[*]:-none}"
  # The working corpus comes first: libFuzzer writes new inputs only to the first folder.
  if "$fuzzer" "$corpus" "${seeds[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$work/$name.log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^#[0-9]+ *DONE' "$work/$name.log" || true
    echo "   $(find "$corpus" -type f | wc -l) inputs in the working corpus"
  else
    echo "   FAILED; log tail:" >&2
    tail -n 40 "$work/$name.log" >&2
    echo "   artifacts: $artifacts" >&2
    failed+=("$name")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzzers that failed: ${failed[*]}" >&2
  exit 1
fi
echo "all ${#fuzzers[@]} fuzzers ran ${seconds}s without a finding"
