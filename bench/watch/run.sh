#!/bin/sh
# SPDX-License-Identifier: MIT
# The watch room's benchmark: 1000 http, then 1000 mixed monitors at 20 s against local targets.
set -eu
here=$(dirname "$0")
/usr/bin/python3 "$here/bench.py" "$@"
MIX=1 exec /usr/bin/python3 "$here/bench.py" "$@"
