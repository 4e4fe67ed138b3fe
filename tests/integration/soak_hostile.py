# SPDX-License-Identifier: MIT
"""The hostile half of test_soak.py, run as its own process (so its load
does not share the test's interpreter lock with the well-behaved clients).

Started by the test as `ip netns exec SRV python3 soak_hostile.py ARGS.json`
inside the soak's server namespace: every DNS/HTTP attacker binds its own
loopback address (127.0.0.2 and up, never 127.0.0.1, which the daemon
trusts), the DHCP flood goes out of the client namespace's eth0 (a packet
socket opened there). Every attacker stops at the deadline (ARGS seconds)
or on SIGTERM; the process writes what it did (counts) as JSON to ARGS
stats and exits. Not a test module (pytest collects only test_*.py).

ARGS.json: {"dns_port", "http_port", "seconds", "dhcp_ns", "flood_port",
"zone", "stats", "only"}; "only", when not empty, lists the attackers to
run (names in JOBS).
"""
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rrset  # noqa: E402

from dhcp_helpers import (DISCOVER, RawClient, build_packet,  # noqa: E402
                          random_mac)

STOP = threading.Event()
STATS = {}
LOCK = threading.Lock()


def count(key, n=1):
    with LOCK:
        STATS[key] = STATS.get(key, 0) + n


def until(deadline):
    return not STOP.is_set() and time.monotonic() < deadline


def pace(next_t, period):
    """Sleeps to keep a steady rate; returns the next due time."""
    next_t += period
    d = next_t - time.monotonic()
    if d > 0:
        STOP.wait(d)
    elif d < -1:
        next_t = time.monotonic()  # far behind: do not burst to catch up
    return next_t


def udp_from(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    s.setblocking(False)
    return s


def tcp_from(addr, port, blocking=False, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((addr, 0))
    s.settimeout(1)
    s.connect(("127.0.0.1", port))
    s.setblocking(blocking)
    return s


def drain(s):
    """Reads whatever is waiting; raises ConnectionResetError at EOF."""
    try:
        while True:
            if s.recv(65535) == b"" and s.type == socket.SOCK_STREAM:
                raise ConnectionResetError("closed by the server")
    except BlockingIOError:
        pass
    except OSError:
        if s.type == socket.SOCK_STREAM:
            raise


def query_wire(name, qtype="A", rd=False, qid=None):
    q = dns.message.make_query(name, qtype, use_edns=False)
    q.flags = dns.flags.RD if rd else 0
    q.id = qid if qid is not None else random.randrange(65536)
    return q.to_wire()


# ---------------------------------------------------------------- DNS

def malformed_packets(zone):
    """A varied set of broken DNS messages."""
    hdr = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    good = query_wire(f"host1.{zone}")
    pkts = [
        b"",
        b"\x00",
        hdr[:11],                                   # short header
        hdr,                                        # qdcount 1, no question
        struct.pack("!HHHHHH", 1, 0x0100, 65535, 65535, 65535, 65535),
        hdr + b"\xc0\x0c\x00\x01\x00\x01",          # pointer to itself
        hdr + b"\xc0\x10\x00\x01\x00\x01",          # pointer past the end
        hdr + b"\x3f" + b"a" * 63 + b"\x40" + b"b" * 64 + b"\x00\x00\x01\x00\x01",
        hdr + (b"\x01a" * 130) + b"\x00\x00\x01\x00\x01",  # name > 255
        good[:-1],                                  # truncated question
        good + b"\x00" * 40,                        # trailing junk
        bytes([good[0], good[1], 0x80 | good[2]]) + good[3:],  # QR set
        bytes([good[0], good[1], 0x28]) + good[3:],  # opcode UPDATE
        bytes([good[0], good[1], 0x78]) + good[3:],  # opcode 15
        # arcount 1 and a broken OPT (rdlen past the end)
        good[:10] + b"\x00\x01" + good[12:] + b"\x00\x00\x29\x10\x00\x00"
        b"\x00\x00\x00\xff\xff\x00",
        # two OPT records
        good[:10] + b"\x00\x02" + good[12:] + (b"\x00\x00\x29\x04\xd0\x00"
                                              b"\x00\x00\x00\x00\x00") * 2,
        query_wire(zone, "AXFR"),                   # AXFR over UDP
        query_wire(zone, "ANY"),
    ]
    rng = random.Random(8)
    pkts += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600)))
             for _ in range(40)]
    return pkts


def udp_malformed(a, deadline):
    s = udp_from("127.0.0.2")
    pkts = malformed_packets(a["zone"])
    t = time.monotonic()
    i = 0
    while until(deadline):
        for _ in range(10):
            try:
                s.sendto(pkts[i % len(pkts)], ("127.0.0.1", a["dns_port"]))
                count("udp_malformed_sent")
            except (BlockingIOError, OSError):
                count("udp_malformed_send_blocked")
            i += 1
        drain(s)
        t = pace(t, 0.01)  # ~1000 packets a second
    s.close()


def tcp_pipeliner(a, deadline, src="127.0.0.3", conns=4):
    """Pipelines queries for a big answer without ever reading one."""
    frame = b""
    for i in range(256):
        w = query_wire(f"big.{a['zone']}", "TXT", qid=i)
        frame += struct.pack("!H", len(w)) + w
    socks = []
    while until(deadline):
        while len(socks) < conns and until(deadline):
            try:
                socks.append([tcp_from(src, a["dns_port"], rcvbuf=4096), 0])
                count("tcp_pipeliner_connects")
            except OSError:
                count("tcp_pipeliner_connect_failed")
                STOP.wait(0.5)
                break
        _, wr, _ = select.select([], [s for s, _ in socks], [], 0.2)
        for entry in list(socks):
            s = entry[0]
            if s not in wr:
                continue
            try:
                n = s.send(frame[entry[1]:])
                entry[1] = (entry[1] + n) % len(frame)
                count("tcp_pipeliner_bytes", n)
            except BlockingIOError:
                pass
            except OSError:
                count("tcp_pipeliner_closed_by_server")
                s.close()
                socks.remove(entry)
    for s, _ in socks:
        s.close()


def tcp_slowloris(a, deadline, srcs=("127.0.0.4", "127.0.0.5"), per_src=150,
                  period=2.0):
    """Many TCP connections, each dribbling one byte of a query every
    @period seconds, reconnecting when the server closes one."""
    msg = query_wire(f"host1.{a['zone']}")
    framed = struct.pack("!H", len(msg)) + msg
    conns = {}  # (src, slot) -> [sock, offset]
    t = time.monotonic()
    while until(deadline):
        for src in srcs:
            for slot in range(per_src):
                if not until(deadline):
                    break
                e = conns.get((src, slot))
                if e is None:
                    try:
                        e = conns[(src, slot)] = [tcp_from(src, a["dns_port"]), 0]
                        count("tcp_slowloris_connects")
                    except OSError:
                        count("tcp_slowloris_connect_failed")
                        continue
                s = e[0]
                try:
                    s.send(framed[e[1]:e[1] + 1])
                    e[1] = (e[1] + 1) % len(framed)
                    drain(s)
                except BlockingIOError:
                    pass
                except OSError:
                    count("tcp_slowloris_closed_by_server")
                    s.close()
                    del conns[(src, slot)]
        count("tcp_slowloris_max_open", 0)
        with LOCK:
            STATS["tcp_slowloris_max_open"] = max(
                STATS["tcp_slowloris_max_open"], len(conns))
        t = pace(t, period)
    for s, _ in conns.values():
        s.close()


def forward_flood(a, deadline, src, domain, rate):
    """Unique names (recursion desired) under @domain, never waiting."""
    s = udp_from(src)
    t = time.monotonic()
    n = 0
    while until(deadline):
        for _ in range(max(1, rate // 100)):
            n += 1
            name = f"u{n}-{random.getrandbits(32):08x}.{domain}"
            try:
                s.sendto(query_wire(name, rd=True),
                         ("127.0.0.1", a["dns_port"]))
                count(f"forward_flood_{domain}_sent")
            except (BlockingIOError, OSError):
                count(f"forward_flood_{domain}_send_blocked")
        drain(s)
        t = pace(t, 0.01)
    s.close()


def flood_upstream(a, ready):
    """The live upstream for the flood's names: any A query gets an
    answer."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", a["flood_port"]))
    s.settimeout(0.2)
    ready.set()
    while not STOP.is_set():
        try:
            data, peer = s.recvfrom(4096)
        except socket.timeout:
            continue
        try:
            q = dns.message.from_wire(data)
            r = dns.message.make_response(q)
            r.flags |= dns.flags.RA
            name = q.question[0].name.to_text()
            h = zlib.crc32(name.lower().encode())
            r.answer.append(dns.rrset.from_text(
                name, 60, "IN", "A",
                f"10.{(h >> 16) & 255}.{(h >> 8) & 255}.{h & 255}"))
            s.sendto(r.to_wire(), peer)
            count("flood_upstream_answered")
        except Exception:  # noqa: BLE001 - a fake server keeps serving
            count("flood_upstream_bad")
    s.close()


# ---------------------------------------------------------------- HTTP

def http_slowloris(a, deadline, nsrc=20, per_src=30, period=2.0):
    """Sockets from 127.0.0.10.. that send a request head one header
    byte at a time and never finish it."""
    srcs = [f"127.0.0.{10 + i}" for i in range(nsrc)]
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    conns = {}
    t = time.monotonic()
    while until(deadline):
        for src in srcs:
            for slot in range(per_src):
                if not until(deadline):
                    break
                s = conns.get((src, slot))
                if s is None:
                    try:
                        s = conns[(src, slot)] = tcp_from(src, a["http_port"])
                        s.send(head)
                        count("http_slowloris_connects")
                    except OSError:
                        count("http_slowloris_connect_failed")
                        conns.pop((src, slot), None)
                        continue
                try:
                    s.send(b"X")
                    drain(s)
                except BlockingIOError:
                    pass
                except OSError:
                    count("http_slowloris_closed_by_server")
                    s.close()
                    del conns[(src, slot)]
        with LOCK:
            STATS["http_slowloris_max_open"] = max(
                STATS.get("http_slowloris_max_open", 0), len(conns))
        t = pace(t, period)
    for s in conns.values():
        s.close()


def bad_requests(port):
    body = b'{"rrsets": []}'
    zones = b"/api/v1/servers/localhost/zones"
    return [
        b"POST " + zones + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
        b"Content-Length: 14\r\n\r\n" + body,
        b"POST " + zones + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 14\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + body,
        b"DELETE " + zones + b"/x.%00/notify HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /" + b"a" * 30000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000
        + b"\r\n\r\n",
        b"POST " + zones + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
        b"chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64,
        b"GET /healthz HTTP/9.9\r\n\r\n",
        b"GET /healthz\r\n\r\n",
        b"PATCH " + zones + b"/api.soak.test. HTTP/1.1\r\nHost: x\r\n"
        b"X-API-Key: wrong\r\nContent-Length: 14\r\n\r\n" + body,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    ]


def http_bad_framing(a, deadline, src="127.0.0.8"):
    reqs = bad_requests(a["http_port"])
    t = time.monotonic()
    i = 0
    while until(deadline):
        try:
            s = tcp_from(src, a["http_port"], blocking=True)
            s.settimeout(2)
            s.sendall(reqs[i % len(reqs)])
            status = s.recv(64).split(b" ")[1:2]
            count("http_bad_status_" + (status[0].decode("latin-1")
                                        if status else "none"))
            s.close()
        except OSError:
            count("http_bad_conn_error")
        i += 1
        t = pace(t, 0.05)


# ---------------------------------------------------------------- DHCP

def dhcp_flood(a, deadline, rate=200):
    """Spoofed DISCOVERs from random MACs on the client segment."""
    raw = RawClient(a["dhcp_ns"], "eth0")
    rng = random.Random()
    t = time.monotonic()
    while until(deadline):
        for _ in range(max(1, rate // 50)):
            mac = random_mac(rng, prefix=(0x02, 0x66, 0x66))
            try:
                raw.send_payload(build_packet(mac=mac, xid=rng.getrandbits(32),
                                              msg_type=DISCOVER), src_mac=mac)
                count("dhcp_flood_sent")
            except OSError:
                count("dhcp_flood_send_failed")
        raw.drain()
        t = pace(t, 0.02)
    raw.close()


# name (for ARGS "only"), function, extra arguments
JOBS = [
    ("udp_malformed", udp_malformed, ()),
    ("tcp_pipeliner", tcp_pipeliner, ()),
    ("tcp_slowloris", tcp_slowloris, ()),
    ("forward_flood_dead", forward_flood, ("127.0.0.6", "dead.test.", 300)),
    ("forward_flood_live", forward_flood, ("127.0.0.7", "flood.test.", 300)),
    ("http_slowloris", http_slowloris, ()),
    ("http_bad_framing", http_bad_framing, ()),
    ("dhcp_flood", dhcp_flood, ()),
]


def main():
    a = json.loads(Path(sys.argv[1]).read_text())
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    ready = threading.Event()
    up = threading.Thread(target=flood_upstream, args=(a, ready), daemon=True)
    up.start()
    ready.wait(5)
    deadline = time.monotonic() + a["seconds"]
    jobs = [(fn, extra) for name, fn, extra in JOBS
            if not a.get("only") or name in a["only"]]
    errors = []

    def run(fn, extra):
        try:
            fn(a, deadline, *extra)
        except Exception as e:  # noqa: BLE001 - reported in the stats
            errors.append(f"{fn.__name__}{extra}: {e!r}")

    threads = [threading.Thread(target=run, args=j, daemon=True) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=a["seconds"] + 30)
    STOP.set()
    up.join(timeout=5)
    STATS["errors"] = errors
    STATS["stuck_threads"] = sum(t.is_alive() for t in threads)
    Path(a["stats"]).write_text(json.dumps(STATS, indent=1, sort_keys=True))
    os._exit(0)


if __name__ == "__main__":
    main()
