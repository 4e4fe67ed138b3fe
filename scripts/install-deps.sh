#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs every Debian package hearth's build, tests and benchmarks need.
# Idempotent: when everything is present it returns without touching apt.
set -u

PKGS="
build-essential pkg-config meson ninja-build clang libclang-rt-14-dev llvm
libuv1-dev libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libyaml-dev
libsqlite3-dev sqlite3 libcmocka-dev liburcu-dev nettle-dev
python3 python3-pytest python3-pytest-xdist python3-requests python3-prometheus-client
python3-websockets prometheus
libssl-dev libzstd-dev restic
libpq-dev postgresql libmariadb-dev mariadb-server openssl
curl wrk procps iproute2 passwd nginx redis-server
systemd man-db groff-base bash-completion
nsd knot knot-dnsutils bind9-dnsutils dnsperf python3-dnspython dnsmasq-base
pdns-server pdns-backend-sqlite3
isc-dhcp-client udhcpc dhcpcd-base isc-dhcp-relay kea-admin kea-dhcp4-server
chromium fonts-dejavu-core
libsodium-dev apprise python3-aiosmtpd nodejs
restic libzstd-dev libssl-dev libssh-dev libfuse3-dev fuse3
zlib1g-dev borgbackup time
libmnl-dev libnftables-dev nftables busybox-static linux-image-amd64
qemu-system-x86 cpio iputils-ping
libvirt-dev libxml2-dev libisofs-dev libvirt-daemon-system libvirt-daemon-driver-qemu
qemu-system-x86 qemu-utils genisoimage openssh-server openssh-client
busybox-static linux-image-amd64
qemu-system-common e2fsprogs util-linux
libcrypt-dev liburing-dev
ifupdown bridge-utils
"

# The npm clients of the notify room's tests (tests/integration/node),
# pinned by its package-lock.json.
node_deps() {
	dir="$(dirname "$0")/../tests/integration/node"
	if command -v npm >/dev/null 2>&1 && [ -f "$dir/package-lock.json" ]; then
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) ||
			return 1
	fi
	return 0
}

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	node_deps
	exit $?
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
	SUDO="sudo"
fi

echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# The anchor servers (nsd, knot, pdns) must not start as services: tests
# start them on loopback themselves. policy-rc.d 101 forbids starting.
policy=/usr/sbin/policy-rc.d
added_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
	added_policy=1
fi
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
rc=$?
[ -n "$added_policy" ] && $SUDO rm -f "$policy"
[ "$rc" = 0 ] && { node_deps; rc=$?; }
exit $rc
