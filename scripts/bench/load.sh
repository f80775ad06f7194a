#!/usr/bin/env bash
# HTTP load run for docs/benchmarks.md: builds khien, serves a province of
# 200 agencies and 10,000 systems (imported through the API from CSV), and
# drives authenticated API reads with wrk on loopback.
# Usage: scripts/bench/load.sh [DB_URL]   (default: SQLite in a temp folder)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
tmp=$(mktemp -d /tmp/khien-load.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/khien" ./cmd/khien
python3 scripts/bench/seed.py "$tmp"
port=$((30000 + RANDOM % 20000))
db_args=()
[ $# -ge 1 ] && db_args=(--db "$1")
KHIEN_ADMIN_PASSWORD=load-test-password "$tmp/khien" serve --data "$tmp/data" --addr "127.0.0.1:$port" --log-level warn "${db_args[@]}" >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$("$tmp/khien" token create --user admin --data "$tmp/data" "${db_args[@]}")
auth="Authorization: Bearer $token"
for kind in agencies systems; do
	start=$(date +%s.%N)
	curl -sf -H "$auth" -H 'Content-Type: text/csv' --data-binary "@$tmp/$kind.csv" "http://127.0.0.1:$port/api/v1/import/$kind" | head -c 120; echo
	echo "import $kind: $(echo "$(date +%s.%N) - $start" | bc) s"
done
base="http://127.0.0.1:$port/api/v1/systems"
curl -sf -H "$auth" "$base?limit=1" | grep -o '"total":[0-9]*'
conns=${KHIEN_LOAD_CONNECTIONS:-8}
rounds=${KHIEN_LOAD_ROUNDS:-3}
for url in "$base" "$base?hosting=cloud&agency_id=5&sort=-name"; do
	for round in $(seq "$rounds"); do
		echo "== wrk -t2 -c$conns -d15s, round $round: GET ${url#http://127.0.0.1:$port}"
		wrk -t2 -c"$conns" -d15s --latency -H "$auth" "$url" | grep -E "Requests/sec|50%|99%|Non-2xx"
	done
done
