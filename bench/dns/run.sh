#!/bin/sh
# SPDX-License-Identifier: MIT
# Authoritative DNS benchmark: dnsperf against hearthd, Knot and NSD serving
# the same generated 100k-record zone, interleaved rounds; prints medians of
# QPS, queries per server CPU-second and RSS, and hearth/Knot, hearth/NSD.
# Environment: HEARTHD, SERVERS, ROUNDS, DURATION, RECORDS, QUERIES,
# WORKERS, KEEP (see bench/dns/bench.py).
set -eu
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/dns/bench.py "$@"
