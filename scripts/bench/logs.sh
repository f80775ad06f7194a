#!/usr/bin/env bash
# End-to-end load run of the log pipeline for docs/benchmarks.md (issue 11,
# target b): builds khien, serves it with the syslog TCP receiver and the
# SigmaHQ rules loaded, sends syslog lines over TCP at a steady rate for a
# while (scripts/bench/sysloggen), then waits until every line sent is a
# stored event, and prints what it measured: lines sent, events stored,
# the time the store took to catch up after the last line, detections, and
# the largest resident memory of the serve process.
# Usage: scripts/bench/logs.sh [RATE [SECONDS [DB_URL]]]   (default: 30000 60, SQLite)
set -euo pipefail
cd "$(dirname "$0")/../.."
rate=${1:-30000}
secs=${2:-60}
tmp=$(mktemp -d /tmp/khien-logs.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/khien" ./cmd/khien
go build -o "$tmp/sysloggen" ./scripts/bench/sysloggen
port=$((30000 + RANDOM % 10000))
sport=$((40000 + RANDOM % 10000))
db_args=()
[ $# -ge 3 ] && db_args=(--db "$3")
# KHIEN_CPUPROFILE (a file name) passes through: serve's CPU profile.
KHIEN_ADMIN_PASSWORD=load-test-password "$tmp/khien" serve --data "$tmp/data" --addr "127.0.0.1:$port" \
	--ingest.syslog_tcp "127.0.0.1:$sport" --log-level warn "${db_args[@]}" >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$("$tmp/khien" token create --user admin --data "$tmp/data" "${db_args[@]}")
api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
agency=$(api -X POST "http://127.0.0.1:$port/api/v1/agencies" -d '{"code":"LOAD","name":"Sở Thử tải"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
api -X POST "http://127.0.0.1:$port/api/v1/systems" -d "{\"agency_id\":$agency,\"name\":\"Máy chủ thử tải\",\"ips\":[\"127.0.0.1\"]}" >/dev/null
rules=../shared/reference/sigma
if [ -d "$rules" ]; then
	for d in rules rules-emerging-threats rules-threat-hunting; do
		"$tmp/khien" rules import "$rules/$d" --name "sigmahq-$d" --data "$tmp/data" "${db_args[@]}" 2>&1 | tail -1 || true
	done
else
	echo "no SigmaHQ rules at $rules: detection runs with none" >&2
fi
# Wait until serve has compiled the rules (its CPU time stops growing).
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
prev=$(cpu)
for _ in $(seq 120); do
	sleep 2
	now=$(cpu)
	[ $((now - prev)) -lt 40 ] && break # under 20 % of a core
	prev=$now
done
stored() { api "http://127.0.0.1:$port/api/v1/logs/storage" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])'; }
rss_max=0
( while kill -0 "$pid" 2>/dev/null; do ps -o rss= -p "$pid"; sleep 1; done ) >"$tmp/rss" &
echo "sending $rate lines/s for $secs s over 4 TCP connections"
read -r sent took < <("$tmp/sysloggen" -addr "127.0.0.1:$sport" -rate "$rate" -duration "${secs}s" -conns 4)
end=$(date +%s.%N)
n=0
for _ in $(seq 1200); do
	n=$(stored)
	[ "$n" -ge "$sent" ] && break
	sleep 0.5
done
caught=$(echo "$(date +%s.%N) - $end" | bc)
rss_max=$(sort -n "$tmp/rss" | tail -1)
# Detection runs beside storage: give it the same time to finish.
sleep 5
detections=$(api "http://127.0.0.1:$port/api/v1/detections?limit=100" | python3 -c 'import json,sys; d=json.load(sys.stdin); it=d.get("items") or []; print(len(it), "alerts for", sum(x.get("count", 0) for x in it), "matching events (one in a thousand lines sent)")')
echo "sent:        $sent lines in $took s ($(echo "$sent / $took" | bc) lines/s)"
echo "stored:      $n events ($( [ "$n" -eq "$sent" ] && echo "all of them" || echo "MISSING $((sent - n))"))"
echo "caught up:   $caught s after the last line"
echo "end to end:  $(echo "$n / ($took + $caught)" | bc) events/s from the first line sent to the last stored"
echo "detections:  $detections"
echo "serve RSS:   at most $((rss_max / 1024)) MiB"
grep -iE "error|panic" "$tmp/serve.log" | head -5 || true
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
