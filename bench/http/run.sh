#!/bin/sh
# SPDX-License-Identifier: MIT
# HTTP core benchmark: idle RSS of hearthd, then wrk against /healthz
# (100 connections, DURATION seconds), errors counted, daemon checked alive.
set -eu
cd "$(dirname "$0")/../.."
HEARTHD=${HEARTHD:-build/src/hearthd}
DURATION=${DURATION:-10}
TMP=$(mktemp -d)
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$TMP/bench.yaml" <<YAML
state_dir: $TMP/var
log:
  level: warn
http:
  listen: 127.0.0.1:$PORT
  api_key: bench
YAML
"$HEARTHD" -c "$TMP/bench.yaml" 2>"$TMP/hearthd.log" &
PID=$!
cleanup() {
	kill "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
i=0
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "hearthd did not start"; exit 1; }
	sleep 0.1
done
sleep 1
rss_idle=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
echo "idle RSS: ${rss_idle} KiB ($(echo "$rss_idle" | awk '{printf "%.2f", $1/1024}') MiB)"
wrk -t2 -c100 -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/healthz" | tee "$TMP/wrk.txt"
rss_after=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
echo "RSS after load: ${rss_after} KiB"
if grep -q 'Socket errors\|Non-2xx' "$TMP/wrk.txt"; then
	echo "RESULT: errors during load"; exit 1
fi
kill -0 "$PID" || { echo "RESULT: hearthd died"; exit 1; }
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null
echo "RESULT: no errors; $(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.txt") req/s; idle RSS ${rss_idle} KiB"
