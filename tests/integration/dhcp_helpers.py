# SPDX-License-Identifier: MIT
"""Helpers and fixtures for the dhcp room's integration tests.

Everything runs inside network namespaces these helpers create and delete;
nothing touches the host's interfaces and no DHCP packet leaves them.

Topology (names unique per run: hth-<pid>-<n>-<role>):

    ns srv   srv0 10.30.0.1/24 ---- veth ---- eth0  ns c1   (first lab network)
             srv1 10.40.0.1/24 ---- veth ---- eth0  ns c2   (second lab network)
             srv2 10.60.0.1/24 ---- veth ---- ru0 10.60.0.2/24  ns relay
                                             rc0 10.50.0.1/24 ---- veth ---- eth0  ns c3
             route 10.50.0.0/24 via 10.60.0.2          (dhcrelay -id rc0 -iu ru0)

hearthd runs inside ns srv (`ip netns exec SRV hearthd -c FILE`), its HTTP
on 127.0.0.1:8080 and DNS on 127.0.0.1:5300 there (the namespace is
private, so fixed ports cannot collide). HTTP goes through a requests
session whose sockets are opened inside the namespace (setns on this
thread for each call); dig and the hearth CLI run under `ip netns exec`.

- RawClient: a small DHCP client on AF_PACKET (Ethernet/IPv4/UDP built
  here) for the protocol checks; unicast exchanges (renewing, INFORM) use a
  UDP socket bound to the client's address on port 68 inside the namespace.
- Dhclient / Udhcpc / Dhcpcd: the real clients, with hook scripts that only
  record their environment and set the address of their own interface.
- DhcpLab: the fixture object: topology, server, relay, clients; closes
  everything by PID (and every process left in its namespaces) and deletes
  the namespaces, even when the test failed.

HEARTH_DHCP_SERVER=dnsmasq (development aid) runs the same tests against
dnsmasq with an equivalent config, to check the client side of the tests
while the dhcp room is not there; tests that need hearth's API, CLI or
restart semantics skip then (mark `needs_hearth`).

All waits are bounded; every exchange retries a fixed number of times.
"""
import contextlib
import ctypes
import ipaddress
import os
import random
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

from dns_helpers import _yaml
from helpers import HEARTH, HEARTHD, STARTUP_TIMEOUT, sanitizer_report

SERVER_KIND = os.environ.get("HEARTH_DHCP_SERVER", "hearth")
needs_hearth = pytest.mark.skipif(
    SERVER_KIND != "hearth",
    reason="needs hearthd (HEARTH_DHCP_SERVER=%s)" % SERVER_KIND)



def not_like_dnsmasq(why):
    """Marks a check hearth must pass that the dnsmasq stand-in fails."""
    return pytest.mark.xfail(SERVER_KIND == "dnsmasq", reason=why, strict=True)


IP = shutil.which("ip") or "/usr/sbin/ip"
DIG = shutil.which("dig") or "/usr/bin/dig"
DHCLIENT = shutil.which("dhclient") or "/usr/sbin/dhclient"
UDHCPC = shutil.which("udhcpc") or "/usr/sbin/udhcpc"
DHCPCD = shutil.which("dhcpcd") or "/usr/sbin/dhcpcd"
DHCRELAY = shutil.which("dhcrelay") or "/usr/sbin/dhcrelay"
PERFDHCP = shutil.which("perfdhcp") or "/usr/sbin/perfdhcp"
DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"

API_KEY = "dhcp-test-key"
HTTP_PORT = 8080
DNS_PORT = 5300
DOMAIN = "lab.example"

SRV_MAC = {"srv0": "02:48:00:30:00:01", "srv1": "02:48:00:40:00:01",
           "srv2": "02:48:00:60:00:01"}
SRV_IP = {"srv0": "10.30.0.1", "srv1": "10.40.0.1", "srv2": "10.60.0.1"}
CLIENT_MAC = {"c1": "02:48:01:30:00:10", "c2": "02:48:01:40:00:10",
              "c3": "02:48:01:50:00:10"}
RELAY_GIADDR = "10.50.0.1"

RESERVED_MAC = "ca:fe:c0:ff:ee:08"
RESERVED_IP = "10.30.0.8"
RESERVED_NAME = "maestro"
LABHOST_MAC = "ca:fe:c0:ff:ee:09"
LABHOST_IP = "10.30.0.9"
LABHOST_NAME = "printer"

POOL1 = ("10.30.0.100", "10.30.0.199")
POOL2 = ("10.40.0.100", "10.40.0.150")
POOL3 = ("10.50.0.100", "10.50.0.150")
LEASE_TIME = 300

# Lease states that mean "held by a client" / "no longer held", as listed by
# GET /api/v1/dhcp/leases. A released lease may also simply be gone.
HELD_STATES = {"active", "bound", "leased"}
GONE_STATES = {"released", "expired", "free", "deleted"}

CLIENT_TIMEOUT = 20.0   # a real client gets its lease within this
EXCHANGE_TIMEOUT = 1.5  # per attempt, raw client
EXCHANGE_ATTEMPTS = 3


def in_range(ip, pool):
    a = ipaddress.IPv4Address
    return a(pool[0]) <= a(ip) <= a(pool[1])


# ---------------------------------------------------------------- commands

def run(argv, check=True, timeout=20, **kw):
    cp = subprocess.run([str(a) for a in argv], stdin=subprocess.DEVNULL,
                        capture_output=True, text=True, errors="replace",
                        timeout=timeout, **kw)
    if check and cp.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} -> {cp.returncode}\n"
                             f"{cp.stdout}{cp.stderr}")
    return cp


def nsexec(ns, *argv, **kw):
    return run([IP, "netns", "exec", ns, *argv], **kw)


# ---------------------------------------------------------------- setns

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNET = 0x40000000


def _setns(fd):
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"setns: {os.strerror(e)}")


@contextlib.contextmanager
def netns(name):
    """Runs the block with this thread in network namespace @name; sockets
    created inside stay in it after the block."""
    here = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        there = os.open(f"/run/netns/{name}", os.O_RDONLY)
        try:
            _setns(there)
            try:
                yield
            finally:
                _setns(here)
        finally:
            os.close(there)
    finally:
        os.close(here)


class NetnsSession:
    """The requests.Session calls used by the tests, made from inside a
    network namespace (its pooled sockets live there)."""

    def __init__(self, ns):
        import requests
        self.ns = ns
        self.s = requests.Session()
        self.s.trust_env = False

    def request(self, method, url, **kw):
        kw.setdefault("timeout", 5)
        with netns(self.ns):
            return self.s.request(method, url, **kw)

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def delete(self, url, **kw):
        return self.request("DELETE", url, **kw)

    def close(self):
        self.s.close()


# ---------------------------------------------------------------- topology

_counter = [0]


class Topology:
    """The namespaces and veths above. close() kills every process left in
    them (by PID, from `ip netns pids`) and deletes them."""

    ROLES = ("srv", "c1", "c2", "relay", "c3")

    def __init__(self):
        _counter[0] += 1
        self.prefix = f"hth-{os.getpid()}-{_counter[0]}"
        self.ns = {r: f"{self.prefix}-{r}" for r in self.ROLES}
        self.created = []
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _ip(self, role, *args):
        run([IP, "-n", self.ns[role], *args])

    def _build(self):
        for role in self.ROLES:
            name = self.ns[role]
            run([IP, "netns", "add", name])
            self.created.append(name)
            self._ip(role, "link", "set", "lo", "up")
            # No IPv6 chatter (DAD, router solicitations) in the captures.
            nsexec(name, "sysctl", "-q", "-w",
                   "net.ipv6.conf.all.disable_ipv6=1", check=False)
            nsexec(name, "sysctl", "-q", "-w",
                   "net.ipv6.conf.default.disable_ipv6=1", check=False)
        # Each pair is created inside its namespaces: never in the host's.
        pairs = (("srv", "srv0", "c1", "eth0"), ("srv", "srv1", "c2", "eth0"),
                 ("srv", "srv2", "relay", "ru0"), ("relay", "rc0", "c3", "eth0"))
        for a, ia, b, ib in pairs:
            self._ip(a, "link", "add", ia, "type", "veth", "peer", "name", ib,
                     "netns", self.ns[b])
        for ifc, mac in SRV_MAC.items():
            self._ip("srv", "link", "set", ifc, "address", mac)
            self._ip("srv", "addr", "add", SRV_IP[ifc] + "/24", "dev", ifc)
            self._ip("srv", "link", "set", ifc, "up")
        for role, mac in CLIENT_MAC.items():
            self._ip(role, "link", "set", "eth0", "address", mac)
            self._ip(role, "link", "set", "eth0", "up")
        self._ip("relay", "addr", "add", "10.60.0.2/24", "dev", "ru0")
        self._ip("relay", "addr", "add", RELAY_GIADDR + "/24", "dev", "rc0")
        self._ip("relay", "link", "set", "ru0", "up")
        self._ip("relay", "link", "set", "rc0", "up")
        self._ip("srv", "route", "add", "10.50.0.0/24", "via", "10.60.0.2")
        # Clients behind the relay renew and release by unicast to the
        # server: the relay namespace routes between its two links.
        nsexec(self.ns["relay"], "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")

    def set_mac(self, role, mac, ifname="eth0"):
        self._ip(role, "link", "set", ifname, "down")
        self._ip(role, "link", "set", ifname, "address", mac)
        self._ip(role, "link", "set", ifname, "up")

    def addrs(self, role, ifname="eth0"):
        out = run([IP, "-n", self.ns[role], "-4", "-o", "addr", "show",
                   "dev", ifname]).stdout
        return re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)

    def pids(self, role):
        cp = run([IP, "netns", "pids", self.ns[role]], check=False)
        return [int(x) for x in cp.stdout.split()]

    def close(self):
        problems = []
        # Whatever still runs in our namespaces was started by this test.
        for _ in range(3):
            left = []
            for name in self.created:
                cp = run([IP, "netns", "pids", name], check=False)
                left += [int(x) for x in cp.stdout.split()]
            if not left:
                break
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
        for name in reversed(self.created):
            cp = run([IP, "netns", "del", name], check=False)
            if cp.returncode != 0:
                problems.append(f"ip netns del {name}: {cp.stderr.strip()}")
        self.created = []
        return problems


# ---------------------------------------------------------------- DHCP wire

def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def mac_text(b):
    return ":".join(f"{x:02x}" for x in b[:6])


def ip_bytes(ip):
    return socket.inet_aton(ip)


def udp_frame(src_mac, dst_mac, src_ip, dst_ip, sport, dport, payload):
    """An Ethernet frame carrying one IPv4/UDP datagram."""
    udp_len = 8 + len(payload)
    pseudo = ip_bytes(src_ip) + ip_bytes(dst_ip) + struct.pack(
        "!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    c = _csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len,
                      random.randrange(65536), 0, 64, 17, 0,
                      ip_bytes(src_ip), ip_bytes(dst_ip))
    iph = iph[:10] + struct.pack("!H", _csum(iph)) + iph[12:]
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + b"\x08\x00" + iph + udp


MAGIC = b"\x63\x82\x53\x63"
BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"

DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = range(1, 9)
TYPE_NAMES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE",
              5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}

# What the raw client asks for by default (option 55).
DEFAULT_PRL = [1, 3, 6, 12, 15, 26, 28, 42, 51, 54, 58, 59, 119, 121]


def encode_options(opts):
    """@opts: list of (code, bytes) in order. Long values are split (RFC 3396)."""
    out = b""
    for code, val in opts:
        if isinstance(val, str):
            val = val.encode()
        if len(val) == 0:
            out += bytes([code, 0])
        while val:
            out += bytes([code, min(255, len(val))]) + val[:255]
            val = val[255:]
    return out


def build_packet(*, mac, xid, msg_type=None, ciaddr="0.0.0.0",
                 giaddr="0.0.0.0", flags=0x8000, hops=0, secs=0,
                 options=(), end=True, pad_to=300, op=1, htype=1, hlen=6,
                 chaddr=None, cookie=MAGIC):
    """A BOOTREQUEST: the fixed part, the cookie, option 53 (when
    @msg_type) then @options, END, padding."""
    ch = (chaddr if chaddr is not None else mac_bytes(mac)).ljust(16, b"\0")
    fixed = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, htype, hlen, hops,
                        xid, secs, flags, ip_bytes(ciaddr),
                        ip_bytes("0.0.0.0"), ip_bytes("0.0.0.0"),
                        ip_bytes(giaddr), ch[:16], b"", b"")
    opts = []
    if msg_type is not None:
        opts.append((53, bytes([msg_type])))
    opts += list(options)
    body = fixed + cookie + encode_options(opts)
    if end:
        body += b"\xff"
    if len(body) < pad_to:
        body += b"\0" * (pad_to - len(body))
    return body


class Reply:
    """A parsed BOOTREPLY (or any DHCP message)."""

    def __init__(self, data, src_ip=None, dst_ip=None, dst_mac=None,
                 src_port=None):
        self.raw = data
        self.src_ip, self.dst_ip, self.dst_mac = src_ip, dst_ip, dst_mac
        self.src_port = src_port
        if len(data) < 240:
            raise ValueError("short DHCP message")
        (self.op, self.htype, self.hlen, self.hops, self.xid, self.secs,
         self.flags) = struct.unpack("!BBBBIHH", data[:12])
        self.ciaddr = socket.inet_ntoa(data[12:16])
        self.yiaddr = socket.inet_ntoa(data[16:20])
        self.siaddr = socket.inet_ntoa(data[20:24])
        self.giaddr = socket.inet_ntoa(data[24:28])
        self.chaddr = data[28:44]
        self.cookie_ok = data[236:240] == MAGIC
        self.options = {}
        self.order = []     # option codes in the order they appear
        self._parse(data[240:])
        ov = self.options.get(52)
        if ov and ov[0] in (1, 2, 3):
            if ov[0] & 1:
                self._parse(data[108:236])
            if ov[0] & 2:
                self._parse(data[44:108])

    def _parse(self, b):
        i = 0
        while i < len(b):
            code = b[i]
            if code == 0:
                i += 1
                continue
            if code == 255:
                break
            if i + 1 >= len(b):
                break
            n = b[i + 1]
            val = b[i + 2:i + 2 + n]
            if code not in self.options:
                self.order.append(code)
                self.options[code] = b""
            self.options[code] += val
            i += 2 + n

    @property
    def type(self):
        v = self.options.get(53)
        return v[0] if v else None

    @property
    def type_name(self):
        return TYPE_NAMES.get(self.type, str(self.type))

    @property
    def mac(self):
        return mac_text(self.chaddr)

    def ip(self, code):
        v = self.options.get(code)
        return socket.inet_ntoa(v[:4]) if v and len(v) >= 4 else None

    def ips(self, code):
        v = self.options.get(code) or b""
        return [socket.inet_ntoa(v[i:i + 4]) for i in range(0, len(v) - 3, 4)]

    def u32(self, code):
        v = self.options.get(code)
        return struct.unpack("!I", v[:4])[0] if v and len(v) >= 4 else None

    def u16(self, code):
        v = self.options.get(code)
        return struct.unpack("!H", v[:2])[0] if v and len(v) >= 2 else None

    def text(self, code):
        v = self.options.get(code)
        return v.decode("latin-1") if v is not None else None

    def __repr__(self):
        return (f"<{self.type_name} xid={self.xid:#x} yiaddr={self.yiaddr} "
                f"ciaddr={self.ciaddr} giaddr={self.giaddr} "
                f"opts={ {k: self.options[k].hex() for k in self.order} }>")


def decode_search(b):
    """Option 119 (RFC 1035 names with compression) -> list of names."""
    names, i = [], 0
    while i < len(b):
        labels, j, jumps = [], i, 0
        nxt = None
        while j < len(b):
            n = b[j]
            if n == 0:
                j += 1
                break
            if n & 0xC0 == 0xC0:
                if nxt is None:
                    nxt = j + 2
                j = ((n & 0x3F) << 8) | b[j + 1]
                jumps += 1
                if jumps > 20:
                    return names
                continue
            labels.append(b[j + 1:j + 1 + n].decode("latin-1"))
            j += 1 + n
        names.append(".".join(labels))
        i = nxt if nxt is not None else j
    return names


def decode_routes(b):
    """Option 121 -> list of (prefix text, via)."""
    out, i = [], 0
    while i < len(b):
        width = b[i]
        nb = (width + 7) // 8
        dest = b[i + 1:i + 1 + nb].ljust(4, b"\0")
        via = b[i + 1 + nb:i + 5 + nb]
        out.append((f"{socket.inet_ntoa(dest)}/{width}", socket.inet_ntoa(via)))
        i += 5 + nb
    return out


def link_mac(ns, ifname):
    out = run([IP, "-n", ns, "-o", "link", "show", "dev", ifname]).stdout
    m = re.search(r"link/ether ([0-9a-f:]{17})", out)
    assert m, out
    return m.group(1)


ETH_P_IP = 0x0800
PACKET_OUTGOING = 4


class RawClient:
    """A DHCP client speaking through an AF_PACKET socket on @ifname inside
    namespace @ns, with hardware address @mac (any: the frames carry it).
    Every exchange is bounded: EXCHANGE_ATTEMPTS sends, each waiting
    EXCHANGE_TIMEOUT seconds for a reply with the same xid and chaddr."""

    def __init__(self, ns, ifname="eth0", mac=None, server_port=67):
        self.ns, self.ifname = ns, ifname
        with netns(ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                      socket.htons(ETH_P_IP))
            self.sock.bind((ifname, ETH_P_IP))
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        # Not /sys/class/net: this process's sysfs is the host's.
        self.if_mac = link_mac(ns, ifname)
        self.mac = mac or self.if_mac
        self.server_port = server_port
        self.client_port = server_port + 1
        self.sent = []

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    # -- sending --
    def send_payload(self, payload, *, src_ip="0.0.0.0",
                     dst_ip="255.255.255.255", dst_mac=BROADCAST_MAC,
                     src_mac=None, sport=None, dport=None):
        frame = udp_frame(src_mac or self.mac, dst_mac, src_ip, dst_ip,
                          sport or self.client_port, dport or self.server_port,
                          payload)
        self.sock.send(frame)

    def drain(self):
        while select.select([self.sock], [], [], 0)[0]:
            self.sock.recv(65535)

    def recv(self, xid=None, timeout=EXCHANGE_TIMEOUT, mac=None, any_port=False):
        """The next DHCP message to the client port (matching @xid and
        chaddr @mac when given), or None after @timeout."""
        want_mac = mac_bytes(mac or self.mac)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if not select.select([self.sock], [], [], left)[0]:
                return None
            data, addr = self.sock.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING or len(data) < 14 + 20 + 8:
                continue
            dst_mac = mac_text(data[0:6])
            ip = data[14:]
            ihl = (ip[0] & 0x0F) * 4
            if ip[0] >> 4 != 4 or ip[9] != 17 or len(ip) < ihl + 8:
                continue
            sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
            if not any_port and dport != self.client_port:
                continue
            try:
                r = Reply(ip[ihl + 8:], socket.inet_ntoa(ip[12:16]),
                          socket.inet_ntoa(ip[16:20]), dst_mac, sport)
            except (ValueError, struct.error):
                continue
            if r.op != 2:
                continue
            if xid is not None and r.xid != xid:
                continue
            if r.chaddr[:6] != want_mac:
                continue
            return r

    def exchange(self, payload_fn, *, xid, expect=True, attempts=None,
                 timeout=EXCHANGE_TIMEOUT, **send_kw):
        """Sends payload_fn() up to @attempts times until a reply with @xid
        arrives; returns it or None."""
        attempts = attempts or (EXCHANGE_ATTEMPTS if expect else 1)
        for _ in range(attempts):
            self.send_payload(payload_fn(), **send_kw)
            r = self.recv(xid, timeout)
            if r is not None:
                return r
        return None

    # -- messages --
    def packet(self, msg_type, xid, *, prl=None, requested=None,
               server_id=None, hostname=None, client_id=None, ciaddr="0.0.0.0",
               flags=0x8000, extra=(), giaddr="0.0.0.0", hops=0):
        opts = []
        if requested:
            opts.append((50, ip_bytes(requested)))
        if server_id:
            opts.append((54, ip_bytes(server_id)))
        if client_id is not None:
            opts.append((61, client_id))
        if hostname:
            opts.append((12, hostname.encode()))
        if prl is None:
            prl = DEFAULT_PRL
        if prl:
            opts.append((55, bytes(prl)))
        opts += list(extra)
        return build_packet(mac=self.mac, xid=xid, msg_type=msg_type,
                            ciaddr=ciaddr, flags=flags, options=opts,
                            giaddr=giaddr, hops=hops)

    @staticmethod
    def new_xid():
        return random.getrandbits(32)

    def discover(self, expect=True, timeout=EXCHANGE_TIMEOUT, attempts=None,
                 **kw):
        xid = self.new_xid()
        return self.exchange(lambda: self.packet(DISCOVER, xid, **kw), xid=xid,
                             expect=expect, timeout=timeout, attempts=attempts)

    def request(self, *, requested=None, server_id=None, expect=True,
                timeout=EXCHANGE_TIMEOUT, attempts=None, xid=None, **kw):
        """A broadcast REQUEST: selecting (@requested + @server_id) or
        init-reboot (@requested only)."""
        xid = xid if xid is not None else self.new_xid()
        return self.exchange(
            lambda: self.packet(REQUEST, xid, requested=requested,
                                server_id=server_id, **kw),
            xid=xid, expect=expect, timeout=timeout, attempts=attempts)

    def dora(self, **kw):
        """DISCOVER, OFFER, REQUEST (selecting), ACK. Returns (offer, ack);
        raises AssertionError with what went wrong."""
        offer = self.discover(**kw)
        assert offer is not None, f"no OFFER for {self.mac}"
        assert offer.type == OFFER, f"expected OFFER, got {offer!r}"
        sid = offer.ip(54)
        assert sid, f"OFFER without server identifier: {offer!r}"
        ack = self.request(requested=offer.yiaddr, server_id=sid, **kw)
        assert ack is not None, f"no reply to REQUEST for {offer.yiaddr}"
        assert ack.type == ACK, f"expected ACK, got {ack!r}"
        return offer, ack

    def decline(self, ip, server_id):
        xid = self.new_xid()
        self.send_payload(build_packet(
            mac=self.mac, xid=xid, msg_type=DECLINE, flags=0,
            options=[(50, ip_bytes(ip)), (54, ip_bytes(server_id))]))

    def release(self, ip, server_id, server_mac):
        """RELEASE, unicast from @ip to the server (as clients send it)."""
        xid = self.new_xid()
        self.send_payload(
            build_packet(mac=self.mac, xid=xid, msg_type=RELEASE, ciaddr=ip,
                         flags=0, options=[(54, ip_bytes(server_id))]),
            src_ip=ip, dst_ip=server_id, dst_mac=server_mac)


class UdpClient:
    """A DHCP client that already has an address: a UDP socket bound to
    @ip:68 on @ifname inside @ns (for renewing and INFORM, answered by
    unicast)."""

    def __init__(self, topo, role, ip, mac=None, ifname="eth0", port=68,
                 bind_device=True):
        self.topo, self.role, self.ip, self.ifname = topo, role, ip, ifname
        if ip not in topo.addrs(role, ifname):
            run([IP, "-n", topo.ns[role], "addr", "add", ip + "/24", "dev",
                 ifname])
        with netns(topo.ns[role]):
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if bind_device:
                self.sock.setsockopt(socket.SOL_SOCKET,
                                     socket.SO_BINDTODEVICE, ifname.encode())
            self.sock.bind((ip, port))
        self.mac = mac or link_mac(topo.ns[role], ifname)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def exchange(self, payload, server, *, xid, expect=True,
                 timeout=EXCHANGE_TIMEOUT, attempts=EXCHANGE_ATTEMPTS):
        for _ in range(attempts if expect else 1):
            self.sock.sendto(payload, (server, 67))
            deadline = time.monotonic() + timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if not select.select([self.sock], [], [], left)[0]:
                    break
                data, addr = self.sock.recvfrom(65535)
                try:
                    r = Reply(data, addr[0], self.ip, None, addr[1])
                except ValueError:
                    continue
                if r.op == 2 and r.xid == xid:
                    return r
        return None

    def renew(self, server, **kw):
        """REQUEST in RENEWING state: ciaddr set, no 50/54, unicast."""
        xid = RawClient.new_xid()
        p = build_packet(mac=self.mac, xid=xid, msg_type=REQUEST,
                         ciaddr=self.ip, flags=0,
                         options=[(55, bytes(DEFAULT_PRL))])
        return self.exchange(p, server, xid=xid, **kw)

    def inform(self, server, prl=None, **kw):
        xid = RawClient.new_xid()
        p = build_packet(mac=self.mac, xid=xid, msg_type=INFORM,
                         ciaddr=self.ip, flags=0,
                         options=[(55, bytes(prl or DEFAULT_PRL))])
        return self.exchange(p, server, xid=xid, **kw)


def random_mac(rng=random, prefix=(0x02, 0x48, 0x77)):
    return ":".join(f"{x:02x}" for x in (*prefix, *(rng.randrange(256)
                                                    for _ in range(3))))


# ---------------------------------------------------------------- configs

def default_subnets():
    return [
        {"subnet": "10.30.0.0/24", "ranges": ["-".join(POOL1)],
         "router": "10.30.0.1", "dns": ["10.30.0.1"], "domain": DOMAIN,
         "search": [DOMAIN], "lease_time": "5m", "ntp": ["10.30.0.1"],
         "mtu": 1500, "routes": [{"to": "10.99.0.0/16", "via": "10.30.0.1"}]},
        {"subnet": "10.40.0.0/24", "ranges": ["-".join(POOL2)]},
        {"subnet": "10.50.0.0/24", "ranges": ["-".join(POOL3)],
         "router": RELAY_GIADDR},
    ]


def default_reservations():
    return [{"mac": RESERVED_MAC, "ip": RESERVED_IP, "hostname": RESERVED_NAME}]


def default_lab():
    return {"domain": DOMAIN,
            "hosts": {LABHOST_NAME: {"ip": LABHOST_IP, "mac": LABHOST_MAC}}}


def hearth_config(state_dir, *, subnets=None, reservations=None, lab=None,
                  interfaces=("srv0", "srv1", "srv2"), dhcp_extra=None,
                  top_extra=None):
    dhcp = {"interfaces": list(interfaces),
            "subnets": subnets if subnets is not None else default_subnets()}
    res = reservations if reservations is not None else default_reservations()
    if res:
        dhcp["reservations"] = res
    dhcp.update(dhcp_extra or {})
    cfg = {"state_dir": str(state_dir),
           "http": {"listen": f"127.0.0.1:{HTTP_PORT}", "api_key": API_KEY},
           "lab": lab if lab is not None else default_lab(),
           # upstream: [] -> nothing is ever forwarded off the box.
           "dns": {"listen": [f"127.0.0.1:{DNS_PORT}"], "upstream": []},
           "dhcp": dhcp}
    cfg.update(top_extra or {})
    return _yaml(cfg) + "\n"


# ---------------------------------------------------------------- servers

class HearthServer:
    """hearthd inside the server namespace, stopped by PID."""

    kind = "hearth"

    def __init__(self, topo, tmp, config_text, name="hearthd"):
        self.topo, self.tmp = topo, Path(tmp)
        self.ns = topo.ns["srv"]
        self.name = name
        self.config_path = self.tmp / f"{name}.yaml"
        self.config_path.write_text(config_text)
        self.stderr_path = self.tmp / f"{name}.stderr"
        self.proc = None
        self.killed = False
        self.session = NetnsSession(self.ns)
        self.url = f"http://127.0.0.1:{HTTP_PORT}"
        self._offset = 0

    def spawn(self):
        if not os.path.exists(HEARTHD):
            raise AssertionError(f"hearthd not built: {HEARTHD}")
        self._offset = (self.stderr_path.stat().st_size
                        if self.stderr_path.exists() else 0)
        with open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(
                [IP, "netns", "exec", self.ns, HEARTHD, "-c",
                 str(self.config_path)],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                cwd=self.tmp, start_new_session=True, env=_env())
        self.killed = False

    def start(self, timeout=STARTUP_TIMEOUT):
        self.spawn()
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout=STARTUP_TIMEOUT):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"hearthd exited with {self.proc.returncode} during "
                    f"startup:\n{self.stderr()}")
            try:
                r = self.session.get(self.url + "/healthz", timeout=2)
                # 503 "degraded": up and serving, with less (the
                # tests of a degraded room assert on it).
                if r.status_code == 200 or (
                        r.status_code == 503 and
                        r.json().get("status") == "degraded"):
                    return
                last = r.status_code
            except Exception as e:  # noqa: BLE001 - any connection error
                last = e
            time.sleep(0.05)
        raise AssertionError(f"hearthd not healthy after {timeout}s "
                             f"(last: {last!r})\n{self.stderr()}")

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self, timeout=10):
        """SIGTERM, SIGKILL after @timeout; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.killed = True
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        return self.proc.returncode

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def reconfigure(self, config_text):
        self.config_path.write_text(config_text)
        self.signal(signal.SIGHUP)

    # -- API --
    def api(self, method, path, **kw):
        headers = kw.pop("headers", {})
        headers.setdefault("X-API-Key", API_KEY)
        return self.session.request(method, self.url + path, headers=headers,
                                    **kw)

    def leases(self):
        r = self.api("GET", "/api/v1/dhcp/leases")
        assert r.status_code == 200, f"GET leases: {r.status_code} {r.text}"
        body = r.json()
        assert isinstance(body, list), f"leases: not a JSON array: {body!r}"
        return body

    def lease(self, ip):
        for le in self.leases():
            if le.get("ip") == ip:
                return le
        return None

    def held(self, ip, mac=None):
        le = self.lease(ip)
        if le is None or str(le.get("state", "")).lower() not in HELD_STATES:
            return False
        return mac is None or str(le.get("mac", "")).lower() == mac.lower()

    def cli(self, *args, api_key=API_KEY, timeout=15):
        """`hearth --url URL --api-key KEY ARGS...` inside the namespace."""
        if not os.path.exists(HEARTH):
            raise AssertionError(f"hearth CLI not built: {HEARTH}")
        cp = run([IP, "netns", "exec", self.ns, HEARTH, "--url", self.url,
                  "--api-key", api_key, *args], check=False, timeout=timeout,
                 env=_env())
        rep = sanitizer_report(cp.stderr)
        assert not rep, f"sanitizer report from hearth {args}:\n{rep}"
        return cp

    def teardown_problems(self):
        problems = []
        if self.proc is not None and self.proc.poll() is None:
            rc = self.stop()
            if self.killed:
                problems.append(f"{self.name}: did not stop on SIGTERM")
            elif rc != 0:
                problems.append(f"{self.name}: exit code {rc} after SIGTERM\n"
                                f"{self.stderr()[-3000:]}")
        rep = sanitizer_report(self.stderr())
        if rep:
            problems.append(f"{self.name}: sanitizer report:\n{rep}")
        self.session.close()
        return problems


class DnsmasqServer(HearthServer):
    """dnsmasq with the equivalent DHCP config (development aid)."""

    kind = "dnsmasq"

    def __init__(self, topo, tmp, subnets=None, reservations=None, lab=None,
                 **_ignored):
        self.topo, self.tmp = topo, Path(tmp)
        self.ns = topo.ns["srv"]
        self.name = "dnsmasq"
        self.stderr_path = self.tmp / "dnsmasq.stderr"
        self.proc = None
        self.killed = False
        subnets = subnets if subnets is not None else default_subnets()
        res = reservations if reservations is not None else default_reservations()
        lab = lab if lab is not None else default_lab()
        lines = [f"port={DNS_PORT}", "listen-address=127.0.0.1",
                 "bind-dynamic", "no-ping", "no-resolv", "no-hosts", "no-poll",
                 f"domain={DOMAIN}", f"local=/{DOMAIN}/",
                 "dhcp-authoritative", "log-dhcp",
                 f"dhcp-leasefile={self.tmp / 'dnsmasq.leases'}",
                 "interface=srv0", "interface=srv1", "interface=srv2"]
        for i, s in enumerate(subnets):
            tag = f"s{i}"
            lt = s.get("lease_time", "1h")
            for r in s.get("ranges", []):
                a, b = r.split("-")
                lines.append(f"dhcp-range=set:{tag},{a},{b},255.255.255.0,{lt}")
            if "router" in s:
                lines.append(f"dhcp-option=tag:{tag},option:router,{s['router']}")
            if "dns" in s:
                lines.append(f"dhcp-option=tag:{tag},option:dns-server,"
                             + ",".join(s["dns"]))
            if "ntp" in s:
                lines.append(f"dhcp-option=tag:{tag},option:ntp-server,"
                             + ",".join(s["ntp"]))
            if "mtu" in s:
                lines.append(f"dhcp-option=tag:{tag},option:mtu,{s['mtu']}")
            if "search" in s:
                lines.append(f"dhcp-option=tag:{tag},option:domain-search,"
                             + ",".join(s["search"]))
            if "routes" in s:
                lines.append(f"dhcp-option=tag:{tag},option:classless-static-route,"
                             + ",".join(f"{r['to']},{r['via']}"
                                        for r in s["routes"]))
        for r in res:
            lines.append(f"dhcp-host={r['mac']},{r['ip']}"
                         + (f",{r['hostname']}" if r.get("hostname") else ""))
        for name, h in (lab.get("hosts") or {}).items():
            if h.get("mac"):
                lines.append(f"dhcp-host={h['mac']},{h['ip']},{name}")
        self.conf = self.tmp / "dnsmasq.conf"
        self.conf.write_text("\n".join(lines) + "\n")

    def spawn(self):
        with open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(
                [IP, "netns", "exec", self.ns, DNSMASQ, "-k", "-u", "root",
                 "--log-facility=-", f"--pid-file={self.tmp / 'dnsmasq.pid'}",
                 "-C", str(self.conf)],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                cwd=self.tmp, start_new_session=True)

    def wait_healthy(self, timeout=STARTUP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"dnsmasq exited:\n{self.stderr()}")
            if "started, version" in self.stderr():
                time.sleep(0.2)
                return
            time.sleep(0.05)
        raise AssertionError(f"dnsmasq not ready:\n{self.stderr()}")

    def teardown_problems(self):
        self.stop()
        return []


def _env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("HEARTH_URL", "HEARTH_API_KEY")
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    return env


# ---------------------------------------------------------------- DNS

def dig(ns, *args, timeout=10):
    cp = run([IP, "netns", "exec", ns, DIG, "+time=2", "+tries=2",
              "@127.0.0.1", "-p", str(DNS_PORT), *args], check=False,
             timeout=timeout)
    return cp.stdout


def dig_short(ns, *args):
    return [x for x in dig(ns, "+short", *args).split() if x]


def dig_status(ns, *args):
    m = re.search(r"status: (\w+)", dig(ns, *args))
    return m.group(1) if m else None


def wait_for(fn, timeout=5.0, interval=0.1, what="condition"):
    """Polls @fn until it returns a true value (returned), or fails."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for "
                                 f"{what} (last: {last!r})")
        time.sleep(interval)


def resolves(ns, name, ip):
    return ip in dig_short(ns, f"{name}.{DOMAIN}", "A")


def reverse_resolves(ns, ip, name):
    return f"{name}.{DOMAIN}." in dig_short(ns, "-x", ip)


# ---------------------------------------------------------------- real clients

def _read_events(d):
    """Hook events recorded in @d: list of dicts (in order)."""
    out = []
    for f in sorted(Path(d).glob("ev-*")):
        if f.name.endswith(".tmp"):
            continue
        env = {}
        for line in f.read_text(errors="replace").splitlines():
            k, sep, v = line.partition("=")
            if sep:
                env[k] = v.strip("'")
        out.append(env)
    return out


# The hook: record the environment (one file per call, ordered by
# nanosecond time), and do only what the client needs on ITS interface.
_DHCLIENT_HOOK = r"""#!/bin/sh
case "$reason" in
PREINIT) ip link set dev "$interface" up ;;
BOUND|RENEW|REBIND|REBOOT)
	if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
		ip -4 addr flush dev "$interface" scope global
	fi
	ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
	for r in $new_routers; do ip route replace default via "$r" dev "$interface"; break; done ;;
EXPIRE|FAIL|RELEASE|STOP) ip -4 addr flush dev "$interface" scope global ;;
esac
# Recorded once the interface is configured (see _UDHCPC_HOOK).
f="@DIR@/ev-$(date +%s%N)-$reason"
env > "$f.tmp" && mv "$f.tmp" "$f"
exit 0
"""

_UDHCPC_HOOK = r"""#!/bin/sh
case "$1" in
deconfig) ip -4 addr flush dev "$interface" scope global; ip link set dev "$interface" up ;;
bound|renew) ip -4 addr flush dev "$interface" scope global
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do ip route replace default via "$r" dev "$interface"; break; done ;;
esac
# The event is recorded once the interface is configured, so a test that
# sees it can rely on the address.
f="@DIR@/ev-$(date +%s%N)-$1"
{ env; echo "reason=$1"; } > "$f.tmp" && mv "$f.tmp" "$f"
exit 0
"""

_DHCPCD_HOOK = r"""#!/bin/sh
f="@DIR@/ev-$(date +%s%N)-$reason"
env > "$f.tmp" && mv "$f.tmp" "$f"
exit 0
"""


class RealClient:
    """Base: one client process in namespace @ns, hook env in self.dir."""

    name = "client"

    def __init__(self, lab, role, hostname=None):
        self.lab, self.role = lab, role
        self.ns = lab.topo.ns[role]
        self.hostname = hostname
        lab._n += 1
        self.dir = Path(lab.tmp) / f"{self.name}-{lab._n}"
        self.dir.mkdir()
        self.log = self.dir / "log"
        self.proc = None
        lab.clients.append(self)

    def events(self):
        return _read_events(self.dir)

    def last_event(self, reasons):
        for ev in reversed(self.events()):
            if ev.get("reason") in reasons:
                return ev
        return None

    def wait_event(self, reasons, after=0, timeout=CLIENT_TIMEOUT):
        """The first event with a reason in @reasons among events after
        index @after."""
        deadline = time.monotonic() + timeout
        while True:
            evs = self.events()[after:]
            for ev in evs:
                if ev.get("reason") in reasons:
                    return ev
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name}: no {reasons} event within {timeout}s; "
                    f"events: {[e.get('reason') for e in self.events()]}\n"
                    f"log:\n{self.log_text()}\nserver:\n"
                    f"{self.lab.server.stderr()[-3000:] if self.lab.server else ''}")
            if self.proc is not None and self.proc.poll() is not None \
                    and not self.daemonizes:
                raise AssertionError(
                    f"{self.name} exited with {self.proc.returncode}; events "
                    f"{[e.get('reason') for e in self.events()]}\n"
                    f"{self.log_text()}")
            time.sleep(0.1)

    daemonizes = False

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


class Dhclient(RealClient):
    """ISC dhclient: `dhclient -4 -1 -cf CONF -sf HOOK -lf LEASES -pf PID
    eth0`; it forks to the background once bound (PID in the pidfile)."""

    name = "dhclient"
    daemonizes = True

    def __init__(self, lab, role, hostname=None, extra_conf=""):
        super().__init__(lab, role, hostname)
        self.conf = self.dir / "dhclient.conf"
        conf = ("timeout 15;\nretry 1;\ninitial-interval 1;\n"
                "request subnet-mask, broadcast-address, time-offset, routers,"
                " domain-name, domain-name-servers, domain-search, host-name,"
                " interface-mtu, ntp-servers, dhcp-lease-time,"
                " dhcp-renewal-time, dhcp-rebinding-time;\n")
        if hostname:
            conf += f'send host-name = "{hostname}";\n'
        self.conf.write_text(conf + extra_conf)
        self.hook = self.dir / "hook.sh"
        self.hook.write_text(_DHCLIENT_HOOK.replace("@DIR@", str(self.dir)))
        self.hook.chmod(0o755)
        self.leases = self.dir / "dhclient.leases"
        self.pidfile = self.dir / "dhclient.pid"

    def argv(self, *extra):
        return [IP, "netns", "exec", self.ns, DHCLIENT, "-4", "-1", "-v",
                "-cf", self.conf, "-sf", self.hook, "-lf", self.leases,
                "-pf", self.pidfile, *extra, "eth0"]

    def obtain(self, timeout=CLIENT_TIMEOUT):
        """Runs dhclient -1 until it has a lease (it then daemonizes);
        returns the hook environment of BOUND/REBOOT/RENEW. A dhclient
        left from an earlier obtain() is stopped first without a RELEASE
        (a second one would not replace it: both would run)."""
        self.kill_daemon()
        n = len(self.events())
        with open(self.log, "ab") as log:
            cp = subprocess.run([str(a) for a in self.argv()],
                                stdin=subprocess.DEVNULL, stdout=log,
                                stderr=log, timeout=timeout + 10)
        self.track_daemon()
        assert cp.returncode == 0, (f"dhclient -1 failed ({cp.returncode}):\n"
                                    f"{self.log_text()}")
        return self.wait_event({"BOUND", "REBOOT", "RENEW", "REBIND"},
                               after=n, timeout=5)

    def track_daemon(self):
        """The backgrounded dhclient's PID from its pidfile, when that
        process still runs in our namespace (never a reused PID)."""
        try:
            pid = int(self.pidfile.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        return pid if in_netns(pid, self.ns) else None

    def kill_daemon(self):
        """Stops the backgrounded dhclient without a RELEASE (SIGTERM)."""
        pid = self.track_daemon()
        if pid and _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.05)
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def release(self, timeout=20):
        """dhclient -r: stops the running one and sends a RELEASE."""
        n = len(self.events())
        with open(self.log, "ab") as log:
            cp = subprocess.run([str(a) for a in self.argv("-r")],
                                stdin=subprocess.DEVNULL, stdout=log,
                                stderr=log, timeout=timeout)
        assert cp.returncode == 0, f"dhclient -r failed:\n{self.log_text()}"
        ev = self.wait_event({"RELEASE"}, after=n, timeout=5)
        self.kill_daemon()  # -r signalled it; make sure it is gone
        return ev

    def stop(self):
        self.kill_daemon()


def in_netns(pid, ns):
    try:
        return (os.stat(f"/proc/{pid}/ns/net").st_ino
                == os.stat(f"/run/netns/{ns}").st_ino)
    except OSError:
        return False


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie counts as gone
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class Udhcpc(RealClient):
    """busybox udhcpc in the foreground: `udhcpc -f -R -i eth0 -s HOOK
    -x hostname:NAME`; SIGUSR1 renews, SIGTERM releases (-R)."""

    name = "udhcpc"

    def __init__(self, lab, role, hostname=None, release_on_exit=True):
        super().__init__(lab, role, hostname)
        self.hook = self.dir / "hook.sh"
        self.hook.write_text(_UDHCPC_HOOK.replace("@DIR@", str(self.dir)))
        self.hook.chmod(0o755)
        self.release_on_exit = release_on_exit

    def start(self):
        argv = [IP, "netns", "exec", self.ns, UDHCPC, "-f", "-i", "eth0",
                "-s", str(self.hook), "-t", "10", "-T", "1", "-A", "1",
                "-O", "search", "-O", "ntpsrv", "-O", "mtu", "-O", "lease",
                "-O", "staticroutes"]
        if self.release_on_exit:
            argv.append("-R")
        if self.hostname:
            argv += ["-x", f"hostname:{self.hostname}"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log,
                                         start_new_session=True)
        return self

    def events(self):
        evs = _read_events(self.dir)
        for ev in evs:
            ev.setdefault("reason", ev.get("reason"))
        return evs

    def obtain(self, timeout=CLIENT_TIMEOUT):
        if self.proc is None:
            self.start()
        return self.wait_event({"bound"}, timeout=timeout)

    def renew(self, timeout=10):
        n = len(self.events())
        os.kill(self.proc.pid, signal.SIGUSR1)
        return self.wait_event({"renew", "bound"}, after=n, timeout=timeout)

    def release(self, timeout=10):
        n = len(self.events())
        os.kill(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=timeout)
        return self.wait_event({"deconfig"}, after=n, timeout=2)


class Dhcpcd(RealClient):
    """dhcpcd in the foreground (-B), with /run and /var/lib/dhcpcd on
    tmpfs in the private mount namespace `ip netns exec` gives it (it always
    uses /run/dhcpcd and /var/lib/dhcpcd). SIGALRM is what `dhcpcd -k`
    sends: release and exit (SIGHUP only rebinds in 9.4); SIGTERM stops it
    without a RELEASE."""

    name = "dhcpcd"

    def __init__(self, lab, role, hostname=None):
        super().__init__(lab, role, hostname)
        self.conf = self.dir / "dhcpcd.conf"
        self.conf.write_text(
            "ipv4only\nnoarp\nnoipv4ll\nnohook resolv.conf, hostname\n"
            "option domain_name_servers, domain_name, domain_search, "
            "host_name, ntp_servers, interface_mtu, classless_static_routes\n"
            "timeout 20\n")
        self.hook = self.dir / "hook.sh"
        self.hook.write_text(_DHCPCD_HOOK.replace("@DIR@", str(self.dir)))
        self.hook.chmod(0o755)

    def start(self):
        inner = ("mount -t tmpfs tmpfs /run && "
                 "mount -t tmpfs tmpfs /var/lib/dhcpcd && "
                 f"exec {DHCPCD} -f {self.conf} -c {self.hook} -4 -B "
                 + (f"-h {self.hostname} " if self.hostname else "")
                 + "eth0")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [IP, "netns", "exec", self.ns, "sh", "-c", inner],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)
        return self

    def obtain(self, timeout=CLIENT_TIMEOUT):
        if self.proc is None:
            self.start()
        return self.wait_event({"BOUND", "REBOOT"}, timeout=timeout)

    def release(self, timeout=10):
        n = len(self.events())
        os.kill(self.proc.pid, signal.SIGALRM)
        self.proc.wait(timeout=timeout)
        return self.wait_event({"RELEASE", "STOP", "STOPPED"}, after=n,
                               timeout=2)


class Dhcrelay:
    def __init__(self, lab):
        self.lab = lab
        self.log = Path(lab.tmp) / "dhcrelay.log"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [IP, "netns", "exec", lab.topo.ns["relay"], DHCRELAY, "-d",
                 "-4", "-pf", str(Path(lab.tmp) / "dhcrelay.pid"),
                 "-id", "rc0", "-iu", "ru0", SRV_IP["srv2"]],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)
        # Ready when it has opened its interfaces (bounded).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"dhcrelay exited:\n{self.text()}")
            if "Sending on" in self.text() and "rc0" in self.text():
                time.sleep(0.2)
                return
            time.sleep(0.05)
        raise AssertionError(f"dhcrelay not ready:\n{self.text()}")

    def text(self):
        return self.log.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


# ---------------------------------------------------------------- the lab

_probe_failed = [False]


class DhcpLab:
    """What the `dhcp_lab` fixture yields."""

    def __init__(self, tmp):
        self.tmp = Path(tmp)
        self.topo = Topology()
        self.server = None
        self.servers = []
        self.relay = None
        self.clients = []
        self.raw = []
        self._n = 0

    @property
    def srv_ns(self):
        return self.topo.ns["srv"]

    def start(self, *, subnets=None, reservations=None, lab=None,
              dhcp_extra=None, top_extra=None, probe=True):
        """Starts the DHCP server (hearthd, or the stand-in) in ns srv."""
        if SERVER_KIND == "dnsmasq":
            s = DnsmasqServer(self.topo, self.tmp, subnets=subnets,
                              reservations=reservations, lab=lab)
        else:
            (self.tmp / "var").mkdir(exist_ok=True)
            s = HearthServer(self.topo, self.tmp, hearth_config(
                self.tmp / "var", subnets=subnets, reservations=reservations,
                lab=lab, dhcp_extra=dhcp_extra, top_extra=top_extra))
        self.servers.append(s)
        self.server = s
        s.start()
        if probe:
            self.probe()
        return s

    PROBE_MAC = "02:48:ff:00:00:01"

    def probe(self):
        """Fails at once when the server does not answer DHCP at all
        (rather than every client timing out in turn): one DISCOVER on the
        first network, asking for the pool's last address so that no test
        that wants a particular address finds it offered to the probe."""
        # After one silent server in this run, probe briefly (the suite
        # then fails in about a minute instead of several).
        quick = _probe_failed[0]
        with RawClient(self.topo.ns["c1"], "eth0", self.PROBE_MAC) as c:
            offer = c.discover(requested=POOL1[1],
                               attempts=1 if quick else None,
                               timeout=1.0 if quick else EXCHANGE_TIMEOUT)
        if offer is None:
            _probe_failed[0] = True
            raise AssertionError(
                f"{self.server.name} does not answer DHCP: no OFFER on srv0 "
                f"after {EXCHANGE_ATTEMPTS} DISCOVERs\n"
                f"{self.server.stderr()[-3000:]}")

    def restart(self):
        s = self.server
        assert not s.alive()
        s.start()
        return s

    def start_relay(self):
        self.relay = Dhcrelay(self)
        return self.relay

    def client(self, role="c1", mac=None, ifname="eth0"):
        c = RawClient(self.topo.ns[role], ifname, mac)
        self.raw.append(c)
        return c

    def udp_client(self, role, ip, mac=None, **kw):
        c = UdpClient(self.topo, role, ip, mac, **kw)
        self.raw.append(c)
        return c

    def dhclient(self, role="c1", **kw):
        return Dhclient(self, role, **kw)

    def udhcpc(self, role="c1", **kw):
        return Udhcpc(self, role, **kw)

    def dhcpcd(self, role="c1", **kw):
        return Dhcpcd(self, role, **kw)

    def dig_short(self, *args):
        return dig_short(self.srv_ns, *args)

    def dig_status(self, *args):
        return dig_status(self.srv_ns, *args)

    def resolves(self, name, ip):
        return resolves(self.srv_ns, name, ip)

    def reverse_resolves(self, ip, name):
        return reverse_resolves(self.srv_ns, ip, name)

    def close(self):
        problems = []
        for c in self.raw:
            with contextlib.suppress(Exception):
                c.close()
        for c in self.clients:
            try:
                c.stop()
            except Exception as e:  # noqa: BLE001 - keep cleaning up
                problems.append(f"stopping {c.name}: {e!r}")
        if self.relay is not None:
            self.relay.stop()
        for s in self.servers:
            try:
                problems += s.teardown_problems()
            except Exception as e:  # noqa: BLE001
                problems.append(f"stopping {s.name}: {e!r}")
        problems += self.topo.close()
        return problems


def _requirements():
    missing = [p for p in (IP, DIG) if not os.path.exists(p)]
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    if missing:
        return f"missing: {missing}"
    return None


@pytest.fixture
def dhcp_lab(tmp_path):
    """A fresh topology; start the server with lab.start(...)."""
    why = _requirements()
    if why:
        pytest.fail(why, pytrace=False)
    lab = DhcpLab(tmp_path)
    try:
        yield lab
    finally:
        problems = lab.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def dhcp_server(dhcp_lab):
    """dhcp_lab with the server started with the default config."""
    dhcp_lab.start()
    return dhcp_lab
