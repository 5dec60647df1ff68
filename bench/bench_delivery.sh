#!/usr/bin/env bash
# Delivery benchmark (issue 7): how fast cxbridge delivers stored events to an HTTP target on
# loopback and to a built-in queue drained by an SQS-protocol consumer.
#
#   bash bench/bench_delivery.sh BUILD_DIR        (or `make bench`)
#
# cxbridge runs pinned to core SERVER_CORE (SERVER_THREADS HTTP threads; its scheduler, HTTP client
# and queue poller threads share that core); the load generator (BUILD_DIR/bench/cxbridge-loadgen),
# its HTTP sink and its queue consumer run on CLIENT_CORE. Each scenario ingests EVENTS signed 2 KB
# webhooks (closed loop, CONNS connections) while its target is paused (`cxbridge targets pause`,
# POST /admin/targets/pause), so the backlog is durably stored first; then the target is resumed and
# the drain is timed on its own:
#   a. HTTP target (Concurrency TARGET_CONCURRENCY) → loadgen --sink: delivered events/s from the
#      resume to the sink's last new arrival (the sink's clock); every event must arrive.
#      Baseline, same invocation: the loadgen posting bodies of the same mean size straight to a
#      fresh sink from SERVER_CORE (where cxbridge ran), TARGET_CONCURRENCY connections, closed loop.
#   b. built-in queue (arn:aws:sqs:<region>:<account>:<queue>) ← queue target: resume → last message
#      in the queue (its SentTimestamp) = events/s into the queue; then `cxbridge-loadgen --consume`
#      with CONSUMERS connections (ReceiveMessage 10 → DeleteMessageBatch) drains it: messages
#      consumed and deleted per second, every MessageId and every event seen exactly once.
# Environment knobs: EVENTS CONNS TARGET_CONCURRENCY CONSUMERS SERVER_CORE CLIENT_CORE SERVER_THREADS
# QUIET_WAIT. Cleans up every process it started and its temp folder on exit.
set -euo pipefail

build=${1:-build}
[ -d "$build" ] || { echo "bench_delivery: no build folder $build" >&2; exit 1; }
build=$(cd "$build" && pwd)
bin=$build/cxbridge
lg=$build/bench/cxbridge-loadgen
EVENTS=${EVENTS:-50000}
CONNS=${CONNS:-64}
TARGET_CONCURRENCY=${TARGET_CONCURRENCY:-64}
CONSUMERS=${CONSUMERS:-8}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
SERVER_THREADS=${SERVER_THREADS:-1}
SECRET=bench-secret
ACCOUNT=123456789012
REGION=us-east-1
QUEUE=bench-delivery

[ -x "$bin" ] || { echo "bench_delivery: $bin is not built (make build)" >&2; exit 1; }
[ -x "$lg" ] || { echo "bench_delivery: $lg is not built (cmake --build $build --target cxbridge-loadgen)" >&2; exit 1; }
for tool in curl taskset python3; do
  command -v "$tool" >/dev/null || { echo "bench_delivery: needs $tool" >&2; exit 1; }
done

pin_server=(taskset -c "$SERVER_CORE")
pin_client=(taskset -c "$CLIENT_CORE")
if [ "$(nproc)" -lt 2 ]; then
  echo "bench_delivery: fewer than 2 cores; running unpinned (figures not comparable)" >&2
  pin_server=()
  pin_client=()
fi

tmp=$(mktemp -d /tmp/cxbridge-bench-delivery.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers (as in bench_ingest.sh) -------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_file() {  # wait_file PATH SECONDS
  local i
  for ((i = 0; i < $2 * 20; i++)); do [ -s "$1" ] && return 0; sleep 0.05; done
  return 1
}
# field LINE KEY: the value of KEY=... in a RESULT/CONSUME/CPU/stats line
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
ratio() { python3 -c "import sys; a,b=sys.argv[1:3]; print('n/a' if not a or not b or float(b)==0 else '%.${3:-3}f' % (float(a)/float(b)))" "$1" "$2"; }
calc() { python3 -c "print($1)"; }
# busy_cores SECONDS: how many cores the whole machine kept busy over SECONDS
busy_cores() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  sleep "$1"
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  python3 -c "import sys; a=list(map(int,'$a'.split())); b=list(map(int,'$b'.split())); busy=b[0]-a[0]; tot=busy+b[1]-a[1]; print('%.2f' % ($(nproc)*busy/max(1,tot)))"
}
# wait_quiet: the cores are shared with other work (builds); wait up to QUIET_WAIT s for a quiet
# second before a measurement. Each window also reports what else ran in it (others_cores).
wait_quiet() {
  local start=$SECONDS b
  while ((SECONDS - start < ${QUIET_WAIT:-30})); do
    b=$(busy_cores 1)
    python3 -c "import sys; sys.exit(0 if $b < 0.15 else 1)" && return 0
  done
  echo "  (machine still busy: $b cores in use by other work)" >&2
}
# cpu_snap PID...: "<monotonic ns> <wall ms> <machine busy ticks> <ticks of each PID>" — the
# script's own CPU window for drains no loadgen process spans.
cpu_snap() {
  python3 - "$@" <<'EOF'
import os, sys, time
def ticks(pid):
    s = open(f"/proc/{pid}/stat").read()
    f = s[s.rindex(")") + 2:].split()
    return int(f[11]) + int(f[12])
busy = sum(int(x) for i, x in enumerate(open("/proc/stat").readline().split()[1:9]) if i not in (3, 4))
print(time.monotonic_ns(), time.time_ns() // 1_000_000, busy, *[ticks(p) for p in sys.argv[1:]])
EOF
}
# cpu_window SNAP0 SNAP1: "wall_s=… server_cpu_s=… others_cores=…" (server = first PID; others =
# the machine minus every listed PID, so it includes this script's polls: ~0.05 cores)
cpu_window() {
  python3 - "$1" "$2" <<'EOF'
import os, sys
a = list(map(int, sys.argv[1].split())); b = list(map(int, sys.argv[2].split()))
hz = os.sysconf("SC_CLK_TCK"); wall = (b[0] - a[0]) / 1e9
d = [(y - x) / hz for x, y in zip(a[2:], b[2:])]
print("wall_s=%.3f server_cpu_s=%.2f others_cores=%.2f" % (wall, d[1], max(0.0, d[0] - sum(d[1:])) / wall))
EOF
}
admin() { curl -sf -X POST "http://127.0.0.1:$port/admin/targets/$1" -H 'Content-Type: application/json' -d "{\"rule\":\"$2\",\"target\":\"$3\"}" >/dev/null; }
# depth RULE: pending deliveries of the rule's target (in flight included)
# (polls run on the client core and spawn no python, so they take little from the server)
depth() {
  "${pin_client[@]}" curl -sf "http://127.0.0.1:$port/admin/targets" |
    grep -o "\"rule\":\"$1\"[^}]*\"depth\":[0-9]*" | sed 's/.*"depth"://'
}
wait_depth() {  # wait_depth RULE WANT SECONDS
  local i d
  for ((i = 0; i < $3 * 4; i++)); do
    d=$(depth "$1")
    [ "$d" = "$2" ] && return 0
    sleep 0.25
  done
  echo "bench_delivery: $1 has depth $d, expected $2" >&2
  return 1
}
sqs() {  # sqs OPERATION JSON
  curl -sf -X POST "http://127.0.0.1:$port/" -H "X-Amz-Target: AmazonSQS.$1" \
    -H 'Content-Type: application/x-amz-json-1.0' -d "$2"
}
# child_cpu FILE: CPU seconds (user + system) of this shell's finished children so far, from
# `times >FILE` run in this shell (in a $(…) subshell it would count the subshell's children only)
child_cpu() { tail -1 "$1" | python3 -c "import re,sys; print(sum(int(m)*60+float(x) for m,x in re.findall(r'(\d+)m([\d.]+)s', sys.stdin.read())))"; }
cpu_file() { [ -s "$tmp/$1.cpu" ] && field "$(cat "$tmp/$1.cpu")" "$2" || echo n/a; }  # cpu_file NAME KEY
# outcomes: the scheduler's delivery outcomes so far (cxbridge_deliveries_total)
outcomes() {
  curl -sf "http://127.0.0.1:$port/metrics" |
    awk -F'[{",} ]+' '/^cxbridge_deliveries_total\{/ {for (i = 1; i < NF; i++) if ($i == "outcome=") o[$(i + 1)] = $NF}
      END {printf "delivered=%.0f retried=%.0f dead_lettered=%.0f", o["delivered"], o["retried"], o["dead_lettered"]}'
}
sink_stats() { "${pin_client[@]}" curl -sf "http://127.0.0.1:$1/stats"; }
start_sink() {  # start_sink NAME: starts a sink on the client core; sets sink_pid, sink_port
  "${pin_client[@]}" "$lg" --sink --port 0 --port-file "$tmp/$1.port" 2>"$tmp/$1.err" &
  sink_pid=$!
  pids+=("$sink_pid")
  wait_file "$tmp/$1.port" 10 || { echo "bench_delivery: the sink did not start" >&2; cat "$tmp/$1.err" >&2; exit 1; }
  sink_port=$(cat "$tmp/$1.port")
}
# ingest NAME SOURCE: EVENTS signed events, closed loop, into /webhooks/SOURCE; prints the RESULT line
ingest() {
  wait_quiet
  "${pin_client[@]}" "$lg" --name "$1" --port "$port" --path "/webhooks/$2" --connections "$CONNS" \
    --requests "$EVENTS" --warmup 0 --header X-Signature --secret "$SECRET" --body-bytes 2048 \
    --cpu-pids "$spid" >"$tmp/$1.out" 2>"$tmp/$1.err" || { cat "$tmp/$1.err" >&2; return 1; }
  sed 's/^/  /' "$tmp/$1.err" >&2
  grep '^CPU' "$tmp/$1.out" | sed 's/^/  /' >&2 || true
  grep '^CPU' "$tmp/$1.out" >"$tmp/$1.cpu" || : >"$tmp/$1.cpu"
  grep '^RESULT' "$tmp/$1.out"
}

echo "bench_delivery: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench_delivery: server on core $SERVER_CORE, loadgen/sink/consumer on core $CLIENT_CORE; $EVENTS events of 2 KB per scenario"

# ---- cxbridge ------------------------------------------------------------------------------------
start_sink sink
sink1_pid=$sink_pid sink1_port=$sink_port
auth="{scheme: hmac, header: X-Signature, encoding: base64, secret: {value: $SECRET}}"
cat >"$tmp/cxbridge.yaml" <<EOF
server:
  address: 127.0.0.1
  threads: $SERVER_THREADS
  account: "$ACCOUNT"
  region: $REGION
storage:
  data_dir: $tmp/data
sources:
  bench-probe: {auth: $auth, event_source: bench.probe, detail_type: {value: Probe}}
  bench-http:
    auth: $auth
    event_source: bench.http
    detail_type: {value: BenchHttp}
    idempotency_key: {paths: ["\$.eventId"]}
  bench-queue:
    auth: $auth
    event_source: bench.queue
    detail_type: {value: BenchQueue}
    idempotency_key: {paths: ["\$.eventId"]}
rules:
  - Name: to-sink
    EventPattern: {source: [bench.http]}
    Targets: [{Id: sink, Arn: "http://127.0.0.1:$sink1_port/events", Concurrency: $TARGET_CONCURRENCY}]
  - Name: to-queue
    EventPattern: {source: [bench.queue]}
    Targets: [{Id: queue, Arn: "arn:aws:sqs:$REGION:$ACCOUNT:$QUEUE", Concurrency: $TARGET_CONCURRENCY}]
EOF
pf=$tmp/cxbridge.port
"${pin_server[@]}" "$bin" serve --config "$tmp/cxbridge.yaml" --port 0 --port-file "$pf" --data-dir "$tmp/data" \
  >"$tmp/server.log" 2>&1 &
spid=$!
pids+=("$spid")
if ! wait_file "$pf" 30; then
  echo "bench_delivery: cxbridge did not start; its log:" >&2
  tail -20 "$tmp/server.log" >&2
  exit 1
fi
port=$(cat "$pf")
for ((i = 0; i < 200; i++)); do curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.05; done

queue_url=$(sqs CreateQueue "{\"QueueName\":\"$QUEUE\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])')
# One signed request to a source no rule matches: a config or signature mismatch fails loudly here.
probe=$("${pin_client[@]}" "$lg" --name probe --port "$port" --path /webhooks/bench-probe --connections 1 \
  --requests 1 --warmup 0 --header X-Signature --secret "$SECRET" 2>"$tmp/probe.err" | grep '^RESULT' || true)
if [ "$(field "$probe" ok)" != 1 ]; then
  echo "bench_delivery: a signed probe request was not acknowledged: $probe" >&2
  cat "$tmp/probe.err" "$tmp/server.log" | tail -20 >&2
  exit 1
fi
# Same as `cxbridge targets pause --server http://127.0.0.1:$port to-sink sink`.
admin pause to-sink sink
admin pause to-queue queue

# ---- a. HTTP target ------------------------------------------------------------------------------
ingest_http=$(ingest ingest-http bench-http)
echo "$ingest_http"
http_stored=$(field "$ingest_http" ok)
wait_depth to-sink "$http_stored" 60
wait_quiet
snap0=$(cpu_snap "$spid" "$sink1_pid")
admin resume to-sink sink
# The drain is timed by the sink's clock (last_ns), not by this poll; the poll only ends the wait.
for ((i = 0; i < 480; i++)); do  # up to 120 s
  stats=$(sink_stats "$sink1_port")
  [ "$(field "$stats" arrivals)" -ge "$http_stored" ] && break
  sleep 0.25
done
snap1=$(cpu_snap "$spid" "$sink1_pid")
http_cpu=$(cpu_window "$snap0" "$snap1")
echo "  drain window: $http_cpu" >&2
stats=$(sink_stats "$sink1_port")
echo "SINK $stats"
http_arrived=$(field "$stats" arrivals)
http_dups=$(field "$stats" duplicates)
http_missing=$((http_stored - http_arrived))
t_resume=$(cut -d' ' -f1 <<<"$snap0")
http_drain_s=$(calc "round(($(field "$stats" last_ns) - $t_resume) / 1e9, 3)")
http_rate=$(calc "round($http_arrived / $http_drain_s, 1)")
http_steady=$(calc "round(($http_arrived - 1) * 1e9 / max(1, $(field "$stats" last_ns) - $(field "$stats" first_ns)), 1)")
http_first_ms=$(calc "round(($(field "$stats" first_ns) - $t_resume) / 1e6, 1)")
http_body=$(calc "round($(field "$stats" body_bytes) / max(1, $http_arrived + $http_dups))")
http_us=$(calc "round($(field "$http_cpu" server_cpu_s) * 1e6 / max(1, $http_arrived), 1)")
http_util=$(calc "round($(field "$http_cpu" server_cpu_s) / $http_drain_s, 3)")
http_outcomes=$(outcomes)

# Baseline: the loadgen posting bodies of the delivered mean size straight to a fresh sink, from
# the core cxbridge ran on, with as many connections as the target's Concurrency.
start_sink sink-direct
wait_quiet
times >"$tmp/times0"
"${pin_server[@]}" "$lg" --name direct-post --port "$sink_port" --path /events --connections "$TARGET_CONCURRENCY" \
  --requests "$EVENTS" --warmup 0 --body-bytes "$http_body" --cpu-pids "$sink_pid" \
  >"$tmp/direct.out" 2>"$tmp/direct.err" || { cat "$tmp/direct.err" >&2; exit 1; }
sed 's/^/  /' "$tmp/direct.err" >&2
grep '^CPU' "$tmp/direct.out" | sed 's/^/  /' >&2 || true
direct=$(grep '^RESULT' "$tmp/direct.out")
times >"$tmp/times1"
direct_sender_us=$(calc "round(($(child_cpu "$tmp/times1") - $(child_cpu "$tmp/times0")) * 1e6 / max(1, $(field "$direct" ok)), 1)")
direct_cpu=$(grep '^CPU' "$tmp/direct.out" || true)
echo "$direct"
direct_arrived=$(field "$(sink_stats "$sink_port")" arrivals)
kill "$sink_pid" 2>/dev/null || true

# ---- b. built-in queue and an SQS consumer -------------------------------------------------------
ingest_queue=$(ingest ingest-queue bench-queue)
echo "$ingest_queue"
queue_stored=$(field "$ingest_queue" ok)
wait_depth to-queue "$queue_stored" 60
wait_quiet
snap0=$(cpu_snap "$spid")
admin resume to-queue queue
wait_depth to-queue 0 120
snap1=$(cpu_snap "$spid")
fill_cpu=$(cpu_window "$snap0" "$snap1")
echo "  queue fill window: $fill_cpu" >&2
in_queue=$(sqs GetQueueAttributes "{\"QueueUrl\":\"$queue_url\",\"AttributeNames\":[\"ApproximateNumberOfMessages\"]}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["Attributes"]["ApproximateNumberOfMessages"])')
wait_quiet
"${pin_client[@]}" "$lg" --name consume --consume "$queue_url" --count "$queue_stored" --connections "$CONSUMERS" \
  --timeout 10 --cpu-pids "$spid" >"$tmp/consume.out" 2>"$tmp/consume.err" || { cat "$tmp/consume.err" >&2; exit 1; }
sed 's/^/  /' "$tmp/consume.err" >&2
grep '^CPU' "$tmp/consume.out" | sed 's/^/  /' >&2 || true
consume=$(grep '^CONSUME' "$tmp/consume.out")
consume_cpu=$(grep '^CPU' "$tmp/consume.out" || true)
echo "$consume"
all_outcomes=$(outcomes)
left=$(sqs GetQueueAttributes "{\"QueueUrl\":\"$queue_url\",\"AttributeNames\":[\"ApproximateNumberOfMessages\",\"ApproximateNumberOfMessagesNotVisible\"]}" |
  python3 -c 'import json,sys; a=json.load(sys.stdin)["Attributes"]; print(a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"])')
t_resume_ms=$(cut -d' ' -f2 <<<"$snap0")
fill_s=$(calc "round(($(field "$consume" sent_last_ms) - $t_resume_ms) / 1e3, 3)")
fill_rate=$(calc "round($in_queue / max(0.001, $fill_s), 1)")
fill_us=$(calc "round($(field "$fill_cpu" server_cpu_s) * 1e6 / max(1, $in_queue), 1)")

kill -TERM "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true

# ---- summary -------------------------------------------------------------------------------------
echo
echo "== Delivery summary: $EVENTS signed 2 KB events per scenario, ingested with the target paused, server on 1 core"
printf '%-56s %9s %11s %9s %11s\n' scenario events per_s server_us others_cores
printf '%-56s %9s %11s %9s %11s\n' "ingest (http-target source), closed loop $CONNS conns" "$http_stored" \
  "$(field "$ingest_http" rps)" "$(cpu_file ingest-http us_per_request)" "$(cpu_file ingest-http others_cores)"
printf '%-56s %9s %11s %9s %11s\n' "cxbridge -> HTTP sink, Concurrency $TARGET_CONCURRENCY (resume -> last)" "$http_arrived" \
  "$http_rate" "$http_us" "$(field "$http_cpu" others_cores)"
printf '%-56s %9s %11s %9s %11s\n' "loadgen -> HTTP sink direct, $TARGET_CONCURRENCY conns (baseline)" "$(field "$direct" ok)" \
  "$(field "$direct" rps)" "$direct_sender_us" "$(field "$direct_cpu" others_cores)"
printf '%-56s %9s %11s %9s %11s\n' "ingest (queue-target source), closed loop $CONNS conns" "$queue_stored" \
  "$(field "$ingest_queue" rps)" "$(cpu_file ingest-queue us_per_request)" "$(cpu_file ingest-queue others_cores)"
printf '%-56s %9s %11s %9s %11s\n' "cxbridge -> built-in queue (resume -> last sent)" "$in_queue" \
  "$fill_rate" "$fill_us" "$(field "$fill_cpu" others_cores)"
printf '%-56s %9s %11s %9s %11s\n' "SQS consumer, $CONSUMERS receivers (Receive 10 + DeleteBatch)" "$(field "$consume" deleted)" \
  "$(field "$consume" msgs_per_s)" "$(field "$consume_cpu" us_per_message)" "$(field "$consume_cpu" others_cores)"
echo
echo "HTTP: delivered $http_arrived of $http_stored stored (missing $http_missing, duplicates $http_dups);"
echo "      scheduler outcomes after a: $http_outcomes; after b: $all_outcomes"
echo "      drain ${http_drain_s} s from resume, first arrival after ${http_first_ms} ms, first->last $http_steady/s; server CPU / drain time $http_util"
echo "      mean delivered body $http_body bytes; direct baseline: ${direct_arrived} distinct events at the sink, p50 $(field "$direct" p50_ms) ms"
echo "      server_us of the baseline: the loadgen's own CPU per request (setup included); the sink used $(field "$direct_cpu" us_per_request) µs"
echo "cxbridge delivery / direct post (events/s):  $(ratio "$http_rate" "$(field "$direct" rps)")"
echo "cxbridge delivery / cxbridge ingest:          $(ratio "$http_rate" "$(field "$ingest_http" rps)")"
echo "queue: $in_queue messages in the queue after the drain (stored $queue_stored), filled in ${fill_s} s;"
echo "       consumer: received $(field "$consume" received), deleted $(field "$consume" deleted), missing $(field "$consume" missing)," \
  "duplicates $(field "$consume" duplicates), distinct events $(field "$consume" events), event duplicates $(field "$consume" event_duplicates)"
echo "       $(field "$consume" receives) receives ($(field "$consume" empty_receives) empty, $(field "$consume" per_receive) messages each)," \
  "receive p50/p99 $(field "$consume" recv_p50_ms)/$(field "$consume" recv_p99_ms) ms, delete p50/p99 $(field "$consume" del_p50_ms)/$(field "$consume" del_p99_ms) ms;" \
  "left in the queue (visible, in flight): $left"
echo "consume / ingest (messages/s over events/s): $(ratio "$(field "$consume" msgs_per_s)" "$(field "$ingest_queue" rps)")"
for r in "$ingest_http" "$ingest_queue" "$direct"; do
  if [ "$(field "$r" non2xx)" != 0 ] || [ "$(field "$r" errors)" != 0 ]; then
    echo "WARNING: $(field "$r" name) had non-2xx answers or errors: $r"
  fi
done
[ "$http_missing" = 0 ] || echo "WARNING: the HTTP sink is missing $http_missing events"
[ "$(field "$consume" missing)" = 0 ] || echo "WARNING: the consumer is missing $(field "$consume" missing) messages"
[ "$(field "$consume" errors)" = 0 ] || echo "WARNING: the consumer saw $(field "$consume" errors) errors"
