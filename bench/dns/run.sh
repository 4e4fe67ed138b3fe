#!/bin/sh
# SPDX-License-Identifier: MIT
# Authoritative DNS benchmark: dnsperf against hearthd, Knot and NSD serving
# the same generated 100k-record zone, interleaved rounds; prints medians of
# QPS, queries per server CPU-second and RSS, and hearth/Knot, hearth/NSD.
# Environment: HEARTHD, SERVERS, ROUNDS, DURATION, RECORDS, QUERIES,
# WORKERS, KEEP (see bench/dns/bench.py).
# Then the cache-hit forwarding benchmark, hearthd vs dnsmasq
# (bench/dns/forward.sh). The exit status is 1 if either reports problems.
set -eu
cd "$(dirname "$0")/../.."
rc=0
/usr/bin/python3 bench/dns/bench.py "$@" || rc=1
echo "--- bench/dns/forward.sh"
sh bench/dns/forward.sh || rc=1
exit $rc
