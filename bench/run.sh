#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every room's benchmark in turn; each prints its own figures. One
# that fails does not stop the others; the exit status says whether any did.
set -u
cd "$(dirname "$0")/.."
failed=""
for b in bench/*/run.sh; do
	echo "=== $b"
	sh "$b" || failed="$failed $b"
done
[ -z "$failed" ] || { echo "failed:$failed"; exit 1; }
