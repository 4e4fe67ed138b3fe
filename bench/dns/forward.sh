#!/bin/sh
# SPDX-License-Identifier: MIT
# Cache-hit forwarding benchmark: dnsperf against hearthd and dnsmasq, both
# forwarding to a Knot on loopback serving a generated 10k-name zone, their
# caches warmed first; interleaved rounds; prints medians of QPS, queries
# per server CPU-second, RSS, lost queries, the queries the upstream saw,
# and hearth/dnsmasq. Environment: HEARTHD, ROUNDS, DURATION, FWD_NAMES,
# FWD_QUERIES, WORKERS, KEEP (see bench/dns/forward.py).
set -eu
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/dns/forward.py "$@"
