#!/usr/bin/env bash
# Transform stage cost per event (ns/event): normalization of a Genesys conversation detail
# event with examples/genesys-normalize.yaml, and a typical InputTransformer render.
# Usage: bench/bench_transform.sh BUILD_DIR   (a Release build with target cxbridge-transformbench)
set -euo pipefail
build=${1:-build}
bin="$build/bench/cxbridge-transformbench"
if [ ! -x "$bin" ]; then
  echo "skipped: $bin not built (cmake --build $build --target cxbridge-transformbench)"
  exit 0
fi
"$bin" --benchmark_min_time=0.5 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_counters_tabular=true
