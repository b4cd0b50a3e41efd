#!/usr/bin/env bash
# The source of every speed figure in the book (docs/src/speed.md): builds ksim in release mode, runs the engine
# bench on scenarios/bench/*.toml, the safe and unsafe sweeps with one and two jobs, and the
# explorer bench on scenarios/bench/explorer.toml, and prints one block to paste as is, with
# the date, the commit and the machine's core count. Each command is bounded by `timeout`
# (BENCH_TIMEOUT seconds, default 300), so a slow machine gets "timed out", not a hang.
#
#   scripts/bench.sh                # about 2-4 minutes on 2 cores
#   BENCH_RUNS=3 scripts/bench.sh   # runs per engine bench (median shown)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BENCH_RUNS:-5}
limit=${BENCH_TIMEOUT:-300}
cargo build --release --quiet -p ksim-ui
target=${CARGO_TARGET_DIR:-target}
ksim="$target/release/ksim"

# Exit 1 is a sweep's "a seed failed", expected of unsafe.toml; 124 is timeout's.
bounded() {
  local code=0
  timeout "$limit" "$@" 2>&1 || code=$?
  [ $code -le 1 ] || echo "(exit $code: failed, or timed out after ${limit}s)"
}

echo "ksim scripts/bench.sh: $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- sim app ui || echo '+changes'), $(nproc) cores, release build"
for scenario in scenarios/bench/*.toml; do
  echo
  echo "\$ ksim bench $scenario --runs $runs"
  bounded "$ksim" bench "$scenario" --runs "$runs" | grep -E '^(runs|speed|engine events|calibration|records|peak memory|\(exit)'
done
echo
for sweep in safe:1..400 unsafe:1..200; do
  name=${sweep%%:*} seeds=${sweep#*:}
  for jobs in 1 2; do
    line=$(bounded "$ksim" sweep "scenarios/sweeps/$name.toml" --seeds "$seeds" --jobs "$jobs" | grep -E 'runs/s|^\(exit' || true)
    echo "\$ ksim sweep scenarios/sweeps/$name.toml --seeds $seeds --jobs $jobs: $line"
  done
done
echo
echo "\$ ksim bench-tui scenarios/bench/explorer.toml"
bounded "$ksim" bench-tui scenarios/bench/explorer.toml
