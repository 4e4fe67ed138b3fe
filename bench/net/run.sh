#!/bin/sh
# SPDX-License-Identifier: MIT
# net room benchmark: hearth net apply against Debian's ifupdown (the seed's
# stanzas: trunk, bridge with it as port, STP off, no address, IPv6 off) and
# nft -f, in fresh network namespaces (veth trunks, bridges only: this
# kernel has no 802.1Q). Bring-up of N = 1, 10, 50 networks, a no-change
# re-apply, a policy replacement and peak RSS; medians of interleaved
# rounds and the ratios hearth/ifupdown. Environment: HEARTH, TOOLS, NS,
# ROUNDS, KEEP (see bench/net/bench.py). Needs root (ip netns).
set -eu
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/net/bench.py "$@"
