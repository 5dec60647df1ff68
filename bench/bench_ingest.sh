#!/usr/bin/env bash
# Ingest benchmark (DESIGN.md §6): signed 2 KB webhooks acknowledged durably, on one server core,
# against nginx answering a fixed 200 on the same core, in the same invocation.
#
#   bash bench/bench_ingest.sh BUILD_DIR        (or `make bench`)
#
# The server (cxbridge, then nginx) runs pinned to core SERVER_CORE, the load generator
# (BUILD_DIR/bench/cxbridge-loadgen) and the HTTP sink pinned to CLIENT_CORE. Scenarios:
#   a. closed loop, CONNS keep-alive connections, DURATION s  → durable ingest rate, fsyncs/event
#   b. open loop at RATE req/s                                 → ack latency (from scheduled send)
#   c. nginx `return 200`, same loadgen, same core             → ceiling; cxbridge/nginx ratio
#   d. open loop at RATE req/s to a source whose rule targets an HTTP sink on loopback
#                                                              → end-to-end latency (send → arrival)
# Environment knobs: DURATION WARMUP CONNS RATE SERVER_CORE CLIENT_CORE SERVER_THREADS NO_NGINX=1.
# Cleans up every process it started and its temp folder on exit.
set -euo pipefail

build=${1:-build}
[ -d "$build" ] || { echo "bench_ingest: no build folder $build" >&2; exit 1; }
build=$(cd "$build" && pwd)
bin=$build/cxbridge
lg=$build/bench/cxbridge-loadgen
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-64}
RATE=${RATE:-2000}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
SERVER_THREADS=${SERVER_THREADS:-1}
SECRET=bench-secret

[ -x "$bin" ] || { echo "bench_ingest: $bin is not built (make build)" >&2; exit 1; }
[ -x "$lg" ] || { echo "bench_ingest: $lg is not built (cmake --build $build --target cxbridge-loadgen)" >&2; exit 1; }
for tool in curl taskset python3; do
  command -v "$tool" >/dev/null || { echo "bench_ingest: needs $tool" >&2; exit 1; }
done

pin_server=(taskset -c "$SERVER_CORE")
pin_client=(taskset -c "$CLIENT_CORE")
if [ "$(nproc)" -lt 2 ]; then
  echo "bench_ingest: fewer than 2 cores; running unpinned (figures not comparable)" >&2
  pin_server=()
  pin_client=()
fi

tmp=$(mktemp -d /tmp/cxbridge-bench-ingest.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_file() {  # wait_file PATH SECONDS
  local i
  for ((i = 0; i < $2 * 20; i++)); do [ -s "$1" ] && return 0; sleep 0.05; done
  return 1
}
# field LINE KEY: the value of KEY=... in a RESULT line
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
# metric NAME_WITH_LABELS: its value in $tmp/metrics.txt, summed over matching lines ("" if absent)
metric() { awk -v n="$1" 'index($0, n" ") == 1 || (index(n, "{") == 0 && index($0, n"{") == 1) {s += $NF; f = 1} END {if (f) printf "%.0f\n", s}' "$tmp/metrics.txt"; }
scrape() { curl -sf "http://127.0.0.1:$port/metrics" >"$tmp/metrics.txt" || : >"$tmp/metrics.txt"; }
ratio() { python3 -c "import sys; a,b=sys.argv[1:3]; print('n/a' if not a or not b or float(b)==0 else '%.${3:-3}f' % (float(a)/float(b)))" "$1" "$2"; }

# busy_cores SECONDS: how many cores the whole machine kept busy over SECONDS
busy_cores() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  sleep "$1"
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  python3 -c "import sys; a=list(map(int,'$a'.split())); b=list(map(int,'$b'.split())); busy=b[0]-a[0]; tot=busy+b[1]-a[1]; print('%.2f' % ($(nproc)*busy/max(1,tot)))"
}
# wait_quiet: the cores are shared with other work (builds); wait up to QUIET_WAIT s for a quiet
# second before a measurement. Each run also reports what else ran during its window (others_cores).
wait_quiet() {
  local start=$SECONDS b
  while ((SECONDS - start < ${QUIET_WAIT:-30})); do
    b=$(busy_cores 1)
    python3 -c "import sys; sys.exit(0 if $b < 0.15 else 1)" && return 0
  done
  echo "  (machine still busy: $b cores in use by other work)" >&2
}

# run_load NAME CPU_PIDS ARGS...: one loadgen run on the client core; prints its RESULT line and
# keeps its CPU line (server CPU and other work during the window) in $tmp/NAME.cpu.
run_load() {
  local name=$1 cpu_pids=$2
  shift 2
  wait_quiet
  "${pin_client[@]}" "$lg" --name "$name" --header X-Signature --secret "$SECRET" --body-bytes 2048 \
    --warmup "$WARMUP" --duration "$DURATION" --cpu-pids "$cpu_pids" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || {
    cat "$tmp/$name.err" >&2
    return 1
  }
  sed 's/^/  /' "$tmp/$name.err" >&2
  grep '^CPU' "$tmp/$name.out" >"$tmp/$name.cpu" || : >"$tmp/$name.cpu"
  sed 's/^/  /' "$tmp/$name.cpu" >&2
  grep '^RESULT' "$tmp/$name.out"
}
cpu_field() { [ -s "$tmp/$1.cpu" ] && field "$(cat "$tmp/$1.cpu")" "$2" || echo n/a; }

echo "bench_ingest: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench_ingest: server on core $SERVER_CORE, loadgen on core $CLIENT_CORE; $CONNS connections, 2 KB HMAC-signed bodies"

# ---- c. nginx baseline ---------------------------------------------------------------------------
nginx_bin=$(command -v nginx || true)
[ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx
if [ -z "$nginx_bin" ] && [ "${NO_NGINX:-0}" != 1 ]; then
  # Debian's postinst may start the system nginx service on port 80 where services can start;
  # this benchmark only uses its binary with its own config.
  echo "bench_ingest: installing nginx for the baseline" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  if DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx >"$tmp/apt.log" 2>&1 ||
    { $SUDO apt-get update -qq >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx >"$tmp/apt.log" 2>&1; }; then
    nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
  else
    echo "bench_ingest: could not install nginx; baseline not measured" >&2
    nginx_bin=""
  fi
fi
nginx_closed="" nginx_open=""
if [ -n "$nginx_bin" ] && [ "${NO_NGINX:-0}" != 1 ]; then
  nport=$(free_port)
  mkdir -p "$tmp/nginx"
  cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000000;
  keepalive_timeout 120s;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nport;
    location / { return 200; }
  }
}
EOF
  "${pin_server[@]}" "$nginx_bin" -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
  npid=$!
  pids+=("$npid")
  for ((i = 0; i < 100; i++)); do curl -sf -o /dev/null -X POST "http://127.0.0.1:$nport/" && break; sleep 0.05; done
  nginx_pids=$(echo "$npid" $(pgrep -P "$npid") | tr ' ' ',')
  nginx_closed=$(run_load nginx-closed "$nginx_pids" --port "$nport" --path /webhooks/bench --connections "$CONNS")
  echo "$nginx_closed"
  nginx_open=$(run_load nginx-open "$nginx_pids" --port "$nport" --path /webhooks/bench --connections "$CONNS" --rate "$RATE")
  echo "$nginx_open"
  kill "$npid" 2>/dev/null || true
  wait "$npid" 2>/dev/null || true
fi

# ---- cxbridge ------------------------------------------------------------------------------------
sink_pf=$tmp/sink.port
"${pin_client[@]}" "$lg" --sink --port 0 --port-file "$sink_pf" --arrivals "$tmp/arrivals.txt" 2>"$tmp/sink.err" &
sink_pid=$!
pids+=("$sink_pid")
wait_file "$sink_pf" 10 || { echo "bench_ingest: the sink did not start" >&2; cat "$tmp/sink.err" >&2; exit 1; }
sink_port=$(cat "$sink_pf")

auth="{scheme: hmac, header: X-Signature, encoding: base64, secret: {value: $SECRET}}"
cat >"$tmp/cxbridge.yaml" <<EOF
server:
  address: 127.0.0.1
  threads: $SERVER_THREADS
storage:
  data_dir: $tmp/data
sources:
  bench:
    auth: $auth
    event_source: bench
    detail_type: {value: Bench}
    idempotency_key: {paths: ["\$.eventId"]}
  bench-e2e:
    auth: $auth
    event_source: bench.e2e
    detail_type: {value: BenchE2E}
    idempotency_key: {paths: ["\$.eventId"]}
rules:
  - Name: all
    EventPattern: {source: [bench]}
    Targets: [{Id: sink, Arn: "file://$tmp/sink.jsonl"}]
  - Name: e2e
    EventPattern: {source: [bench.e2e]}
    Targets: [{Id: http-sink, Arn: "http://127.0.0.1:$sink_port/events"}]
EOF
pf=$tmp/cxbridge.port
"${pin_server[@]}" "$bin" serve --config "$tmp/cxbridge.yaml" --port 0 --port-file "$pf" --data-dir "$tmp/data" \
  >"$tmp/server.log" 2>&1 &
spid=$!
pids+=("$spid")
if ! wait_file "$pf" 30; then
  echo "bench_ingest: cxbridge did not start; its log:" >&2
  tail -20 "$tmp/server.log" >&2
  exit 1
fi
port=$(cat "$pf")
for ((i = 0; i < 200; i++)); do curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.05; done

# One signed request first, so a config or signature mismatch fails loudly here.
probe=$("${pin_client[@]}" "$lg" --name probe --port "$port" --path /webhooks/bench --connections 1 \
  --requests 1 --warmup 0 --header X-Signature --secret "$SECRET" 2>"$tmp/probe.err" | grep '^RESULT' || true)
if [ "$(field "$probe" ok)" != 1 ]; then
  echo "bench_ingest: a signed probe request was not acknowledged: $probe" >&2
  cat "$tmp/probe.err" >&2
  tail -20 "$tmp/server.log" >&2
  exit 1
fi

fsync_metric=cxbridge_storage_synced_writes_total
stored_metric='cxbridge_events_total{outcome="stored"}'
# wait_delivered SECONDS: until no delivery is queued (the file target drains the closed-loop run's
# backlog before the latency runs, so they measure a quiet server). Prints the seconds waited.
wait_delivered() {
  local start=$SECONDS depth
  while ((SECONDS - start < $1)); do
    scrape
    depth=$(metric cxbridge_target_queue_depth)
    [ -z "$depth" ] || [ "$depth" = 0 ] && break
    sleep 0.5
  done
  echo $((SECONDS - start))
}

# a. closed loop: durable ingest rate
scrape
f0=$(metric "$fsync_metric") s0=$(metric "$stored_metric")
cx_closed=$(run_load cxbridge-closed "$spid" --port "$port" --path /webhooks/bench --connections "$CONNS")
scrape
f1=$(metric "$fsync_metric") s1=$(metric "$stored_metric")
echo "$cx_closed"
closed_stored=$([ -n "$s0" ] && [ -n "$s1" ] && echo $((s1 - s0)) || echo "")
closed_fsyncs=$([ -n "$f0" ] && [ -n "$f1" ] && echo $((f1 - f0)) || echo "")
closed_fpe=$(ratio "$closed_fsyncs" "$closed_stored" 4)
backlog_wait=$(wait_delivered 60)
scrape
backlog_left=$(metric cxbridge_target_queue_depth)

# b. open loop at RATE: ack latency
scrape
f0=$(metric "$fsync_metric") s0=$(metric "$stored_metric")
cx_open=$(run_load cxbridge-open "$spid" --port "$port" --path /webhooks/bench --connections "$CONNS" --rate "$RATE")
scrape
f1=$(metric "$fsync_metric") s1=$(metric "$stored_metric")
echo "$cx_open"
open_fpe=$( [ -n "$f0" ] && [ -n "$s0" ] && ratio $((f1 - f0)) $((s1 - s0)) 4 || echo n/a)
wait_delivered 30 >/dev/null

# d. end to end: open loop at RATE to the source routed to the HTTP sink
cx_e2e_ack=$(run_load cxbridge-e2e-ack "$spid" --port "$port" --path /webhooks/bench-e2e --connections "$CONNS" \
  --rate "$RATE" --sent-log "$tmp/sent.txt")
echo "$cx_e2e_ack"
want=$(field "$cx_e2e_ack" ok)
# The sink also received the warmup requests' events: wait for all acknowledged ones (bounded).
for ((i = 0; i < 300; i++)); do
  got=$(curl -sf "http://127.0.0.1:$sink_port/stats" | sed -n 's/^arrivals=\([0-9]*\).*/\1/p')
  [ -n "$got" ] && [ "$got" -ge "$((want + ${WARMUP%.*} * ${RATE%.*}))" ] && break
  sleep 0.1
done
kill -TERM "$sink_pid" 2>/dev/null || true
wait "$sink_pid" 2>/dev/null || true
sed 's/^/  /' "$tmp/sink.err" >&2
e2e=$("$lg" --join "$tmp/sent.txt" "$tmp/arrivals.txt" --name cxbridge-e2e 2>"$tmp/join.err" | grep '^RESULT')
sed 's/^/  /' "$tmp/join.err" >&2
echo "$e2e"

kill -TERM "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true

# ---- summary -------------------------------------------------------------------------------------
echo
echo "== Ingest summary: 2 KB HMAC-signed POSTs, $CONNS keep-alive connections, server on 1 core"
printf '%-44s %9s %9s %7s %7s %10s %9s %9s %9s\n' scenario requests ok non2xx errors rps p50_ms p99_ms max_ms
row() {
  [ -n "$2" ] || { printf '%-44s %s\n' "$1" "not measured"; return; }
  printf '%-44s %9s %9s %7s %7s %10s %9s %9s %9s\n' "$1" "$(field "$2" requests)" "$(field "$2" ok)" \
    "$(field "$2" non2xx)" "$(field "$2" errors)" "$(field "$2" rps)" "$(field "$2" p50_ms)" \
    "$(field "$2" p99_ms)" "$(field "$2" max_ms)"
}
row "nginx return 200, closed loop" "$nginx_closed"
row "cxbridge durable ack, closed loop" "$cx_closed"
row "nginx return 200, open loop $RATE/s" "$nginx_open"
row "cxbridge durable ack, open loop $RATE/s" "$cx_open"
row "cxbridge ack (http-target source), $RATE/s" "$cx_e2e_ack"
row "cxbridge end to end -> HTTP sink, $RATE/s" "$e2e"
echo
echo "cxbridge / nginx requests/s (closed loop):   $(ratio "$(field "$cx_closed" rps)" "$(field "$nginx_closed" rps)")"
echo "fsyncs per stored event, closed loop:        $closed_fpe  ($closed_fsyncs synced writes / $closed_stored events, warmup included)"
echo "fsyncs per stored event, open loop $RATE/s:  $open_fpe"
echo "server core busy / CPU per request, closed:  cxbridge $(cpu_field cxbridge-closed util) / $(cpu_field cxbridge-closed us_per_request) µs, nginx $(cpu_field nginx-closed util) / $(cpu_field nginx-closed us_per_request) µs"
echo "other work on the machine during each window (cores; should be ~0):"
for n in nginx-closed cxbridge-closed nginx-open cxbridge-open cxbridge-e2e-ack; do
  [ -s "$tmp/$n.cpu" ] && echo "  $n: $(cpu_field "$n" others_cores)"
done
echo "file-target backlog after the closed loop:   drained in ${backlog_wait} s (depth now ${backlog_left:-n/a})"
for r in "$nginx_closed" "$cx_closed" "$nginx_open" "$cx_open" "$cx_e2e_ack" "$e2e"; do
  [ -n "$r" ] || continue
  if [ "$(field "$r" non2xx)" != 0 ] || [ "$(field "$r" errors)" != 0 ]; then
    echo "WARNING: $(field "$r" name) had non-2xx answers or errors: $r"
  fi
done
