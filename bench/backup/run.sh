#!/bin/sh
# SPDX-License-Identifier: MIT
# The backup room's benchmark: hearth backup, restic and borg on the same data (bench.py says how).
set -eu
exec /usr/bin/python3 "$(dirname "$0")/bench.py" "$@"
