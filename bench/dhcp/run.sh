#!/bin/sh
# SPDX-License-Identifier: MIT
# DHCPv4 benchmark: perfdhcp (kea-admin) in a client network namespace
# against hearthd, Kea (memfile) and dnsmasq, each started in its own
# server namespace per run; interleaved rounds at several offered rates.
# Prints a table of medians (4-way exchanges/s, drops, ACKs per server
# CPU-second, RSS), the ratios hearth/Kea and hearth/dnsmasq, and a RESULT
# line. Environment: HEARTHD, SERVERS, RATES, CLIENTS, DURATION, ROUNDS,
# KEEP (see bench/dhcp/bench.py). Needs root (ip netns). Exit status 1 if
# a server could not be measured.
set -eu
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/dhcp/bench.py "$@"
