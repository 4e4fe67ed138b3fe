#!/bin/sh
# SPDX-License-Identifier: MIT
# notify benchmark: 10,000 mixed json/sse/ws subscribers on loopback, one
# publisher; prints p50/p99 publish->deliver latency, deliveries/s and RSS
# per idle subscriber, and a RESULT line. Environment: HEARTHD, SUBS,
# MESSAGES, BURST, GAP, THREADS, KINDS, PIN_SERVER, PIN_CLIENT (taskset CPU
# lists; unset: not pinned), HEARTH_IO_URING=0 (hearthd's fan-out without
# io_uring); see bench/notify/bench.py. The subscribers are
# build/bench/notify-subs (bench/notify/subs.c).
set -eu
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/notify/bench.py "$@"
