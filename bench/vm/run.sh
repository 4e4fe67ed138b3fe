#!/bin/sh
# SPDX-License-Identifier: MIT
# vm room benchmark: hearth vm plan/apply against what the lab's Terraform
# module does under the hood (ssh-keygen host certificate, genisoimage seed,
# virsh vol-create/define/start), both on libvirt's test:///default driver;
# N = 1, 10, 50 VMs; medians of interleaved rounds, ratios. Terraform and
# its libvirt provider are not installable here: never measured. See
# bench/vm/bench.py (HEARTH, NS, ROUNDS, KEEP).
set -eu
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/vm/bench.py "$@"
