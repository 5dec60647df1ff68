#!/usr/bin/env bash
# Durable ingest, two binaries in one invocation: the closed loop of bench_ingest.sh (signed 2 KB
# webhooks, 64 keep-alive connections, one server thread, the same config) run alternately
# A B A B … so both see the same machine, each run on a fresh data folder.
#
#   bash bench/bench_ingest_ab.sh BUILD_DIR OTHER_CXBRIDGE      (A = BUILD_DIR/cxbridge, B = OTHER)
#
# Per run: requests/s, the server's CPU per request (µs, from its /proc times over the window:
# what one core's rate is when the machine is shared) and fsyncs per stored event. Then the
# medians and A/B ratios, and the load average before and after. Knobs: PAIRS (3) DURATION (8)
# WARMUP (1) CONNS (64) SERVER_CORE (0) CLIENT_CORE (1).
set -euo pipefail

build=$(cd "${1:?usage: bench_ingest_ab.sh BUILD_DIR OTHER_CXBRIDGE}" && pwd)
other=$(readlink -f "${2:?usage: bench_ingest_ab.sh BUILD_DIR OTHER_CXBRIDGE}")
lg=$build/bench/cxbridge-loadgen
PAIRS=${PAIRS:-3}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-1}
CONNS=${CONNS:-64}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
SECRET=bench-secret
for b in "$build/cxbridge" "$other" "$lg"; do [ -x "$b" ] || { echo "bench_ingest_ab: $b is not built" >&2; exit 1; }; done

tmp=$(mktemp -d /tmp/cxbridge-bench-ab.XXXXXX)
spid=""
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
metric() { curl -sf "http://127.0.0.1:$1/metrics" | awk -v n="$2" 'index($0, n) == 1 {s += $NF} END {printf "%.0f\n", s}'; }

# run BIN NAME: one closed-loop run on a fresh server; prints "rps us_per_request fsyncs_per_event"
run() {
  local bin=$1 dir=$tmp/$2
  mkdir -p "$dir"
  cat >"$dir/cxbridge.yaml" <<EOF
server:
  address: 127.0.0.1
  threads: 1
storage:
  data_dir: $dir/data
sources:
  bench:
    auth: {scheme: hmac, header: X-Signature, encoding: base64, secret: {value: $SECRET}}
    event_source: bench
    detail_type: {value: Bench}
    idempotency_key: {paths: ["\$.eventId"]}
rules:
  - Name: all
    EventPattern: {source: [bench]}
    Targets: [{Id: sink, Arn: "file://$dir/sink.jsonl"}]
EOF
  taskset -c "$SERVER_CORE" "$bin" serve --config "$dir/cxbridge.yaml" --port 0 --port-file "$dir/port" \
    --data-dir "$dir/data" >"$dir/server.log" 2>&1 &
  spid=$!
  local i
  for ((i = 0; i < 600; i++)); do [ -s "$dir/port" ] && break; sleep 0.05; done
  local port
  port=$(cat "$dir/port")
  for ((i = 0; i < 200; i++)); do curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.05; done
  local f0 s0 f1 s1 out
  f0=$(metric "$port" cxbridge_storage_synced_writes_total)
  s0=$(metric "$port" 'cxbridge_events_total{outcome="stored"}')
  out=$(taskset -c "$CLIENT_CORE" "$lg" --name "$2" --port "$port" --path /webhooks/bench --connections "$CONNS" \
    --warmup "$WARMUP" --duration "$DURATION" --header X-Signature --secret "$SECRET" --body-bytes 2048 \
    --cpu-pids "$spid" 2>/dev/null)
  f1=$(metric "$port" cxbridge_storage_synced_writes_total)
  s1=$(metric "$port" 'cxbridge_events_total{outcome="stored"}')
  kill "$spid" 2>/dev/null
  wait "$spid" 2>/dev/null || true
  spid=""
  local r c
  r=$(grep '^RESULT' <<<"$out")
  c=$(grep '^CPU' <<<"$out")
  [ "$(field "$r" non2xx)" = 0 ] && [ "$(field "$r" errors)" = 0 ] || echo "WARNING: $2: $r" >&2
  echo "$(field "$r" rps) $(field "$c" us_per_request) $(python3 -c "print('%.4f' % (($f1 - $f0) / max(1, $s1 - $s0)))") $(field "$c" others_cores)"
}

echo "bench_ingest_ab: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  A = $build/cxbridge ($("$build/cxbridge" --version 2>/dev/null | head -1))"
echo "  B = $other ($("$other" --version 2>/dev/null | head -1))"
printf '%-6s %10s %10s %10s %10s %12s\n' run A_rps A_us/req B_rps B_us/req others_cores
a_rps=() a_us=() b_rps=() b_us=() a_fpe=() b_fpe=()
for ((p = 1; p <= PAIRS; p++)); do
  read -r ar au af ao < <(run "$build/cxbridge" "a$p")
  read -r br bu bf bo < <(run "$other" "b$p")
  a_rps+=("$ar") a_us+=("$au") a_fpe+=("$af") b_rps+=("$br") b_us+=("$bu") b_fpe+=("$bf")
  printf '%-6s %10s %10s %10s %10s %12s\n' "$p" "$ar" "$au" "$br" "$bu" "$ao/$bo"
done
python3 - "${a_rps[*]}" "${a_us[*]}" "${b_rps[*]}" "${b_us[*]}" "${a_fpe[*]}" "${b_fpe[*]}" <<'EOF'
import statistics, sys
a_rps, a_us, b_rps, b_us, a_f, b_f = ([float(x) for x in s.split()] for s in sys.argv[1:7])
m = statistics.median
print(f"median requests/s:          A {m(a_rps):.0f}   B {m(b_rps):.0f}   A/B {m(a_rps)/m(b_rps):.2f}")
print(f"median server µs/request:   A {m(a_us):.1f}   B {m(b_us):.1f}   B/A {m(b_us)/m(a_us):.2f}  (events/s on one core: A {1e6/m(a_us):.0f}, B {1e6/m(b_us):.0f})")
print(f"pair by pair, B/A µs:       " + " ".join(f"{b/a:.2f}" for a, b in zip(a_us, b_us)))
print(f"fsyncs per stored event:    A {m(a_f):.4f}   B {m(b_f):.4f}")
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
