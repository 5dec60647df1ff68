#!/usr/bin/env bash
# Runs the libFuzzer targets of a fuzz build (make build-fuzz): each for SECONDS, one after the
# other, from the seeds in fuzz/corpus/<target> plus what earlier runs found (kept in
# BUILD/fuzz-corpus/<target>, never in the repository). A crash, leak, timeout or failed
# property stops the run with the target's output and the input (BUILD/fuzz-artifacts/).
# Usage: scripts/fuzz.sh BUILD SECONDS [target...]   (default: every target)
# Extra libFuzzer flags: FUZZ_FLAGS="-jobs=2 -workers=2" etc.
set -euo pipefail
build=${1:?usage: scripts/fuzz.sh BUILD SECONDS [target...]}
seconds=${2:?usage: scripts/fuzz.sh BUILD SECONDS [target...]}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(json_fuzz envelope_fuzz pattern_fuzz event_scan_fuzz transform_fuzz json_path_fuzz
           sigv4_fuzz config_fuzz sqs_fuzz eventbridge_fuzz http_fuzz)
fi
mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"
for t in "${targets[@]}"; do
  bin="$build/fuzz/$t"
  [ -x "$bin" ] || { echo "fuzz: $bin is not built (make build-fuzz)" >&2; exit 2; }
  corpus="$build/fuzz-corpus/$t"
  mkdir -p "$corpus"
  log="$build/fuzz-logs/$t.log"
  # -timeout: one input may take 10 s at most; -rss_limit_mb bounds memory; -max_len keeps
  # inputs within what the seeds need (the HTTP path reads up to 64 KiB bodies).
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$t-" ${FUZZ_FLAGS:-} \
       "$corpus" "$root/fuzz/corpus/$t" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz: $t FAILED (log: $log; inputs: $build/fuzz-artifacts/$t-*)" >&2
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
  echo "fuzz: $t ok — $runs executions, $cov edges, ${seconds}s"
done
