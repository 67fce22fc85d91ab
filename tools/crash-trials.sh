#!/usr/bin/env bash
# The dispatcher crash test (tests/integration/dispatch_crash_test.cpp) for longer runs: the
# real `cadent run` is killed with SIGKILL at random points N times in all (restarted after
# each kill, a round ending when a run exits on its own), and every round checks that each
# (contact, step) went out exactly once and that nothing is left unknown.
#
#   tools/crash-trials.sh [N] [BUILD_DIR]       N kills (default 500); BUILD_DIR default
#                                                build/debug (ASan), or build/release
#
# Environment: SEED (default: random, printed; replay a failure with the same SEED and N),
# MAX_DELAY_MS (kill delays are uniform in [S/2, S + MAX_DELAY_MS] after the start, S being
# the measured start-up and exit time of an idle run; default 400). A round (600 messages)
# takes about 12 kills and 15 s in the ASan build, so 500 kills take about 10 minutes.
# make test runs the same test with 50 kills and a fixed seed.
set -euo pipefail

trials=${1:-500}
build_dir=${2:-build/debug}
if [[ ! "$trials" =~ ^[0-9]+$ || "$trials" -lt 1 ]]; then
  echo "usage: $0 [N] [BUILD_DIR]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
binary=$build_dir/tests/integration_tests
if [[ ! -x $binary ]]; then
  echo "no $binary: build it first (cmake --preset debug && ninja -C $build_dir integration_tests)" >&2
  exit 1
fi
seed=${SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}
echo "crash trials: $trials kills, seed $seed, delays S/2 to S + ${MAX_DELAY_MS:-400} ms, $binary"
start=$(date +%s)
CADENT_CRASH_TRIALS=$trials CADENT_CRASH_SEED=$seed CADENT_CRASH_MAX_DELAY_MS=${MAX_DELAY_MS:-400} \
  "$binary" --gtest_filter='DispatchCrashTest.*' --gtest_brief=0
echo "crash trials: $trials kills passed in $(( $(date +%s) - start )) s (seed $seed)"
