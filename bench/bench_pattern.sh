#!/usr/bin/env bash
# Pattern-matching benchmark (issue 2): cxbridge-matchbench over the synthetic citylots data and
# every bank of ../shared/bench/citylots-rulebanks.json and citylots-scale-rulebanks.json.
# Usage: bench/bench_pattern.sh BUILD_DIR   (WARMUP / MEASURE / MATCHBENCH_VERIFY from the env)
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
shared=${CXBRIDGE_SHARED:-$repo/../shared}
bin="$build/bench/cxbridge-matchbench"
warmup=${WARMUP:-1}
measure=${MEASURE:-3}
[ -x "$bin" ] || { echo "missing $bin (build target cxbridge-matchbench)" >&2; exit 1; }

# Generate the data once, outside the source tree.
data_dir="$build/bench-data"
data="$data_dir/citylots2-synth.json.gz"
if [ ! -s "$data" ]; then
  mkdir -p "$data_dir"
  python3 "$shared/bench/gen_citylots_synth.py" "$data_dir"
fi

banks() { python3 -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))))' "$1"; }
for rules in "$shared/bench/citylots-rulebanks.json" "$shared/bench/citylots-scale-rulebanks.json"; do
  echo "# $(basename "$rules") warmup=$warmup measure=$measure"
  "$bin" "$data" "$rules" "$(banks "$rules")" "$warmup" "$measure"
done
