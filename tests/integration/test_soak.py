# SPDX-License-Identifier: MIT
"""The soak (issue 8): one hearthd (dns with an authoritative zone and
forwarding, the PowerDNS API, dhcp) in the test's network namespaces,
loaded for SOAK_S seconds at once by well-behaved clients and by a
hostile mix, and it must not lose a well-behaved answer nor grow.

Well-behaved (from 127.0.0.1, which the config trusts, and from a few MACs
on the client segment), each at a steady rate: UDP and TCP DNS queries for
authoritative and forwarded names (every one answered correctly within
its timeout), PATCHes through the API (each 204, then served), /healthz,
DHCP exchanges (DORA, init-reboot REQUESTs, unicast renewals: each ACKed).

Hostile (tests/integration/soak_hostile.py, its own process, from
127.0.0.2 and up): malformed DNS, a TCP pipeliner that never reads, TCP
slowloris dribblers, HTTP slowloris sockets, HTTP requests with bad
framing, floods of unique forwarded names (toward a dead upstream and
toward a live one), spoofed DHCP DISCOVERs from random MACs.

Asserted: no well-behaved failure; hearthd's RSS (VmRSS, sampled every
second) stays within RSS_BOUND_MB of its baseline; its open descriptors
stay under the connection caps plus slack (the soft limit is set to 1024,
systemd's default) and come back near the baseline once the load stops;
it exits 0 at SIGTERM with no sanitizer report. The figures are printed (pytest -s shows them).
ASan's quarantine is capped (quarantine_size_mb) so that RSS measures
hearthd's memory rather than ASan's delayed frees.
"""
import contextlib
import json
import os
import re
import resource
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import requests

from dhcp_helpers import (ACK, IP, NAK, OFFER, POOL1, RawClient,
                          default_subnets, dhcp_lab,  # noqa: F401
                          in_range, needs_hearth, netns)
from dhcp_helpers import API_KEY, DNS_PORT, HTTP_PORT
from helpers import sanitizer_report

pytestmark = needs_hearth

SOAK_S = 60
RSS_BOUND_MB = 100     # max VmRSS minus the baseline (ASan build)
RSS_ABORT_MB = 1500    # the soak stops there (the test has failed by then)
# Open descriptors at any time (the soft limit is 1024): the two connection
# caps (http.max_connections, dns.tcp_max_connections: their defaults)
# plus the baseline and FD_SLACK (upstream sockets, the store, timers).
HTTP_MAX_CONNECTIONS, DNS_TCP_MAX_CONNECTIONS, FD_SLACK = 512, 256, 64
FD_SETTLE = 32         # at most this many above the baseline after the load
ZONE = "soak.test."
API_ZONE = "apiw.test."
GOOD_UP, DEAD_UP, FLOOD_UP = 5401, 5402, 5403
HERE = Path(__file__).resolve().parent
Z = "/api/v1/servers/localhost/zones"


def fwd_ip(name):
    """What the fake upstreams answer for @name (deterministic)."""
    h = zlib.crc32(name.lower().encode())
    return f"10.{(h >> 16) & 255}.{(h >> 8) & 255}.{h & 255}"


def write_zone(path):
    lines = [f"$ORIGIN {ZONE}", "$TTL 300",
             "@ IN SOA ns1 hostmaster 1 3600 600 86400 60", "@ IN NS ns1",
             "ns1 IN A 10.1.0.1"]
    lines += [f"host{i} IN A 10.1.0.{i}" for i in range(1, 101)]
    # A big answer for the pipeliner: ~2 KB of TXT.
    lines += ['big IN TXT "' + f"{i:02d}" + "x" * 200 + '"' for i in range(10)]
    path.write_text("\n".join(lines) + "\n")


def soak_config(tmp, zone_file):
    return {
        "http": {"listen": f"127.0.0.1:{HTTP_PORT}", "api_key": API_KEY,
                 "reserved_clients": ["127.0.0.1/32"]},
        "dns": {"listen": [f"127.0.0.1:{DNS_PORT}"],
                "zones": [{"name": ZONE.rstrip("."), "file": str(zone_file)}],
                "upstream": [f"127.0.0.1:{GOOD_UP}"],
                "forward": [{"domain": "dead.test", "to": f"127.0.0.1:{DEAD_UP}"},
                            {"domain": "flood.test",
                             "to": f"127.0.0.1:{FLOOD_UP}"}],
                "upstream_timeout": 1000},
        "dhcp": {"interfaces": ["srv0"], "subnets": [default_subnets()[0]]},
    }


# ---------------------------------------------------------------- bookkeeping

class Ledger:
    """Per check: successes, latencies, failures (first few kept whole)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ok = {}
        self.lat = {}
        self.failed = {}
        self.examples = {}
        self.retries = {}
        self.t0 = time.monotonic()

    def retried(self, name, n):
        with self.lock:
            self.retries[name] = self.retries.get(name, 0) + n

    def record(self, name, seconds, error=None):
        with self.lock:
            if error is None:
                self.ok[name] = self.ok.get(name, 0) + 1
                self.lat.setdefault(name, []).append(seconds)
                return
            self.failed[name] = self.failed.get(name, 0) + 1
            ex = self.examples.setdefault(name, [])
            if len(ex) < 5:
                ex.append(f"t={time.monotonic() - self.t0:.1f}s {error}")

    def lines(self):
        out = []
        for name in sorted(set(self.ok) | set(self.failed)):
            lat = sorted(self.lat.get(name, [0.0]))
            out.append(
                f"  {name}: ok={self.ok.get(name, 0)} "
                f"failed={self.failed.get(name, 0)} "
                f"p50={lat[len(lat) // 2] * 1000:.0f}ms "
                f"p99={lat[int(len(lat) * 0.99)] * 1000:.0f}ms "
                f"max={lat[-1] * 1000:.0f}ms "
                f"retries={self.retries.get(name, 0)}")
            for e in self.examples.get(name, []):
                out.append(f"      {e}")
        return out


def periodic(ledger, stop, name, period, fn, ns=None, workers=1, offset=0.0):
    """@workers threads each calling fn(i) every @period seconds until
    @stop (i counts up, distinct across workers); fn raises AssertionError
    (or OSError, a timeout) to report a failure, and may return how many
    retries it needed. The first call comes after @offset seconds (worker
    w after w/workers of a period more), so clients are not in step."""
    def body(w):
        i = w
        stop.wait(offset + period * w / workers)
        nxt = time.monotonic()
        while not stop.is_set():
            t = time.monotonic()
            try:
                n = fn(i)
                ledger.record(name, time.monotonic() - t)
                if n:
                    ledger.retried(name, n)
            except (AssertionError, OSError, requests.RequestException,
                    dns.exception.DNSException, TimeoutError) as e:
                ledger.record(name, time.monotonic() - t, repr(e)[:300])
            i += workers
            nxt = max(nxt + period, time.monotonic())
            stop.wait(nxt - time.monotonic())

    def run(w):
        ctx = netns(ns) if ns else contextlib.nullcontext()
        with ctx:
            body(w)
    threads = [threading.Thread(target=run, args=(w,), daemon=True,
                                name=f"{name}{w}") for w in range(workers)]
    for t in threads:
        t.start()
    return threads


# ---------------------------------------------------------------- DNS

def fake_upstream(stop, port):
    """The well-behaved clients' upstream (127.0.0.1:@port in the current
    namespace): an A answer for every name, from a thread."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.settimeout(0.2)

    def loop():
        with s:
            while not stop.is_set():
                try:
                    data, peer = s.recvfrom(4096)
                    q = dns.message.from_wire(data)
                except socket.timeout:
                    continue
                except (OSError, dns.exception.DNSException):
                    continue
                r = dns.message.make_response(q)
                r.flags |= dns.flags.RA
                name = q.question[0].name.to_text()
                r.answer.append(dns.rrset.from_text(name, 60, "IN", "A",
                                                    fwd_ip(name)))
                s.sendto(r.to_wire(), peer)
    t = threading.Thread(target=loop, daemon=True, name=f"upstream{port}")
    t.start()
    return t


def check_answer(wire, qid, expect_ip):
    r = dns.message.from_wire(wire)
    assert r.id == qid
    assert r.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(r.rcode())
    got = {rd.to_text() for rrset in r.answer for rd in rrset
           if rrset.rdtype == dns.rdatatype.A}
    assert got == {expect_ip}, f"answer {got} != {expect_ip}"


def udp_ask(name, expect_ip, attempts=3, timeout=1.0, rd=True):
    """One query from 127.0.0.1, retried like a stub resolver."""
    q = dns.message.make_query(name, "A", use_edns=False)
    q.flags = dns.flags.RD if rd else 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        for n in range(attempts):
            s.sendto(q.to_wire(), ("127.0.0.1", DNS_PORT))
            deadline = time.monotonic() + timeout
            while (left := deadline - time.monotonic()) > 0:
                s.settimeout(left)
                try:
                    data = s.recv(65535)
                except socket.timeout:
                    break
                if len(data) >= 2 and data[:2] == q.to_wire()[:2]:
                    check_answer(data, q.id, expect_ip)
                    return n
    raise AssertionError(f"no UDP answer for {name} "
                         f"({attempts} x {timeout}s)")


def tcp_ask(name, expect_ip, attempts=2, timeout=3.0):
    """One query on a fresh TCP connection from 127.0.0.1."""
    q = dns.message.make_query(name, "A", use_edns=False)
    q.flags = dns.flags.RD
    w = q.to_wire()
    last = None
    for n in range(attempts):
        deadline = time.monotonic() + timeout
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", 0))
                s.settimeout(timeout)
                s.connect(("127.0.0.1", DNS_PORT))
                s.sendall(struct.pack("!H", len(w)) + w)
                buf = b""
                while len(buf) < 2 or len(buf) < 2 + struct.unpack(
                        "!H", buf[:2])[0]:
                    s.settimeout(max(0.01, deadline - time.monotonic()))
                    chunk = s.recv(65535)
                    if not chunk:
                        raise ConnectionResetError(
                            f"closed after {len(buf)} bytes")
                    buf += chunk
            check_answer(buf[2:], q.id, expect_ip)
            return n
        except OSError as e:
            last = e
    raise AssertionError(f"no TCP answer for {name} ({attempts} x "
                         f"{timeout}s): {last!r}")


def dns_checks(i, ask):
    """Authoritative, a cached forwarded name, a fresh forwarded name."""
    k = i % 3
    if k == 0:
        h = i % 100 + 1
        return ask(f"host{h}.{ZONE}", f"10.1.0.{h}")
    n = (f"c{i % 20}.fwd.example." if k == 1
         else f"n{i}-{os.getpid()}.fwd.example.")
    return ask(n, fwd_ip(n))


# ---------------------------------------------------------------- HTTP

def http_session():
    s = requests.Session()
    s.trust_env = False
    return s


def api_patch(session, i):
    ip = f"10.2.{(i // 256) % 256}.{i % 256}"
    name = f"w{i % 40}.{API_ZONE}"
    r = session.patch(f"http://127.0.0.1:{HTTP_PORT}{Z}/{API_ZONE}",
                      headers={"X-API-Key": API_KEY}, timeout=10, json={
                          "rrsets": [{"name": name, "type": "A", "ttl": 60,
                                      "changetype": "REPLACE",
                                      "records": [{"content": ip,
                                                   "disabled": False}]}]})
    assert r.status_code == 204, f"PATCH {i}: {r.status_code} {r.text[:200]}"
    return udp_ask(name, ip, rd=False)  # answered only once served


def healthz(session, _i):
    r = session.get(f"http://127.0.0.1:{HTTP_PORT}/healthz", timeout=5)
    assert r.status_code == 200, f"/healthz {r.status_code}"


# ---------------------------------------------------------------- DHCP

class Holders:
    """Which well-behaved MAC was last ACKed each address: two at once is
    a lease conflict."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_ip = {}

    def acked(self, mac, ip):
        with self.lock:
            other = self.by_ip.get(ip)
            for k in [k for k, v in self.by_ip.items() if v == mac]:
                del self.by_ip[k]
            self.by_ip[ip] = mac
        assert other in (None, mac), f"{ip} ACKed to {mac} while {other} holds it"


class DhcpWell:
    """A client MAC that holds a lease: DORA first (and every 10th
    exchange), init-reboot REQUESTs for its address in between. A NAK
    sends it back to DISCOVER, as RFC 2131 clients do (at most 3 times)."""

    def __init__(self, ns, mac, holders):
        self.raw = RawClient(ns, "eth0", mac)
        self.ip = None
        self.holders = holders

    def dora(self):
        for n in range(3):
            offer = self.raw.discover()
            assert offer is not None, f"no OFFER for {self.raw.mac}"
            assert offer.type == OFFER, f"expected OFFER, got {offer!r}"
            ack = self.raw.request(requested=offer.yiaddr,
                                   server_id=offer.ip(54))
            assert ack is not None, f"no reply to REQUEST {offer.yiaddr}"
            if ack.type == NAK:
                continue
            assert ack.type == ACK, f"expected ACK, got {ack!r}"
            assert in_range(ack.yiaddr, POOL1), ack
            self.holders.acked(self.raw.mac, ack.yiaddr)
            self.ip = ack.yiaddr
            return n
        raise AssertionError(f"{self.raw.mac}: NAK after each of 3 OFFERs")

    def step(self, i):
        if self.ip is None or i % 10 == 0:
            return self.dora()
        ack = self.raw.request(requested=self.ip)
        assert ack is not None, f"no reply to REQUEST {self.ip} ({self.raw.mac})"
        assert ack.type == ACK and ack.yiaddr == self.ip, f"{ack!r}"
        self.holders.acked(self.raw.mac, ack.yiaddr)
        return 0


class DhcpRenewer:
    """The segment's own MAC: one DORA, then unicast renewals (RENEWING,
    ciaddr set) from its address."""

    def __init__(self, lab, holders):
        raw = lab.client("c1")
        offer, ack = raw.dora()
        self.server = offer.ip(54)
        self.udp = lab.udp_client("c1", ack.yiaddr)
        self.holders = holders
        holders.acked(raw.mac, ack.yiaddr)

    def step(self, _i):
        ack = self.udp.renew(self.server)
        assert ack is not None, f"no reply to renewal of {self.udp.ip}"
        assert ack.type == ACK and ack.yiaddr == self.udp.ip, f"{ack!r}"
        self.holders.acked(self.udp.mac, ack.yiaddr)


# ---------------------------------------------------------------- samples

def proc_sample(pid):
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f
                   if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def sampler(pid, stop, out, rss0, early):
    """Samples every second; ends the soak early (sets @stop, notes why in
    @early) once RSS is RSS_ABORT_MB over @rss0, to keep the machine."""
    def loop():
        while not stop.is_set():
            with contextlib.suppress(OSError, StopIteration):
                out.append((time.monotonic(), *proc_sample(pid)))
                if (out[-1][1] - rss0) / 1024 > RSS_ABORT_MB:
                    early.append(f"RSS {out[-1][1] / 1024:.0f} MB after "
                                 f"{out[-1][0] - out[0][0]:.0f} s")
                    stop.set()
            stop.wait(1.0)
    t = threading.Thread(target=loop, daemon=True, name="sampler")
    t.start()
    return t


def log_summary(text, top=8):
    """hearthd's warnings and errors, digits folded, most frequent first."""
    seen = {}
    for line in text.splitlines():
        if re.search(r"warn|error|refus|too many", line, re.I):
            k = re.sub(r"\d+", "N", line)[:160]
            seen[k] = seen.get(k, 0) + 1
    return [f"  {n} x {k}" for k, n in
            sorted(seen.items(), key=lambda kv: -kv[1])[:top]]


def metrics_lines(srv):
    r = srv.api("GET", "/metrics")
    keep = ("hearth_dns_tcp", "hearth_dns_forward", "hearth_dhcp_offers",
            "hearth_http_conn", "hearth_dns_rrl", "hearth_http_refused")
    return [line for line in r.text.splitlines()
            if line.startswith(keep)][:40]


# ---------------------------------------------------------------- the soak

def test_soak_hostile_mix_loses_no_wellbehaved_answer(dhcp_lab, monkeypatch,
                                                      tmp_path):
    lab = dhcp_lab
    srv_ns, c1_ns = lab.topo.ns["srv"], lab.topo.ns["c1"]
    zone_file = tmp_path / "soak.zone"
    write_zone(zone_file)
    asan = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS",
                       (asan + ":" if asan else "") + "quarantine_size_mb=16")

    stop_up = threading.Event()
    with netns(srv_ns):
        ups = [fake_upstream(stop_up, GOOD_UP)]
        # A dead upstream: bound, never read.
        dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dead.bind(("127.0.0.1", DEAD_UP))
    hostile = None
    stop = threading.Event()  # ends the well-behaved clients
    try:
        srv = lab.start(top_extra=soak_config(tmp_path, zone_file))
        pid = srv.pid
        assert Path(f"/proc/{pid}/comm").read_text().strip() == "hearthd"
        _, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (1024, hard))
        r = srv.api("POST", Z, json={"name": API_ZONE, "kind": "Native",
                                     "nameservers": ["ns1." + API_ZONE]})
        assert r.status_code == 201, r.text
        with netns(srv_ns):
            udp_ask(f"host1.{ZONE}", "10.1.0.1")
            udp_ask("warm.fwd.example.", fwd_ip("warm.fwd.example."))
        holders = Holders()
        wells = [DhcpWell(c1_ns, f"02:48:01:30:01:{n:02x}", holders)
                 for n in (1, 2, 3)]
        renewer = DhcpRenewer(lab, holders)
        base = []
        for _ in range(3):
            time.sleep(0.3)
            base.append(proc_sample(pid))
        rss0 = max(b[0] for b in base)
        fd0 = max(b[1] for b in base)
        fd_bound = HTTP_MAX_CONNECTIONS + DNS_TCP_MAX_CONNECTIONS + fd0 + FD_SLACK

        args = tmp_path / "hostile.json"
        stats_path = tmp_path / "hostile-stats.json"
        args.write_text(json.dumps({
            "dns_port": DNS_PORT, "http_port": HTTP_PORT, "seconds": SOAK_S + 2,
            "dhcp_ns": c1_ns, "flood_port": FLOOD_UP, "zone": ZONE,
            "stats": str(stats_path),
            "only": [x for x in os.environ.get("HEARTH_SOAK_ATTACKS",
                                               "").split(",") if x]}))
        with open(tmp_path / "hostile.log", "ab") as log:
            hostile = subprocess.Popen(
                [IP, "netns", "exec", srv_ns, sys.executable,
                 str(HERE / "soak_hostile.py"), str(args)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True)
        time.sleep(1.0)  # its upstream and first sockets

        ledger = Ledger()
        samples = []
        early = []
        s_api, s_health = http_session(), http_session()
        threads = [
            sampler(pid, stop, samples, rss0, early),
            *periodic(ledger, stop, "dns_udp", 0.2,
                      lambda i: dns_checks(i, udp_ask), srv_ns, workers=4),
            *periodic(ledger, stop, "dns_tcp", 0.3,
                      lambda i: dns_checks(i, tcp_ask), srv_ns, workers=3),
            *periodic(ledger, stop, "api_patch", 0.25,
                      lambda i: api_patch(s_api, i), srv_ns),
            *periodic(ledger, stop, "healthz", 0.5,
                      lambda i: healthz(s_health, i), srv_ns),
            *periodic(ledger, stop, "dhcp_renew_unicast", 1.0, renewer.step),
        ] + [t for k, w in enumerate(wells) for t in periodic(
            ledger, stop, f"dhcp_{w.raw.mac[-5:]}", 1.0, w.step,
            offset=0.25 * (k + 1))]
        t_start = time.monotonic()
        stop.wait(SOAK_S)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        soak_s = time.monotonic() - t_start
        if hostile.poll() is None:
            hostile.terminate()  # by its PID; it stops at its deadline too
        stuck = [t.name for t in threads if t.is_alive()]

        try:
            hostile.wait(timeout=30)
        except subprocess.TimeoutExpired:
            hostile.kill()
            hostile.wait(timeout=10)
        hstats = (json.loads(stats_path.read_text())
                  if stats_path.exists() else {"missing": True})

        # Once the load is gone, the descriptors come back.
        settle = time.monotonic()
        fd_after = None
        while time.monotonic() - settle < 20:
            _, fd_after = proc_sample(pid)
            if fd_after <= fd0 + FD_SETTLE:
                break
            time.sleep(0.5)
        rss_after, _ = proc_sample(pid)
        # And everything answers again.
        after = Ledger()
        for name, fn in (("dns_udp", lambda: udp_ask(f"host2.{ZONE}", "10.1.0.2")),
                         ("dns_tcp", lambda: tcp_ask(f"host3.{ZONE}", "10.1.0.3")),
                         ("api_patch", lambda: api_patch(s_api, 9999)),
                         ("healthz", lambda: healthz(s_health, 0))):
            t = time.monotonic()
            try:
                with netns(srv_ns):
                    fn()
                after.record(name, time.monotonic() - t)
            except (AssertionError, OSError, requests.RequestException) as e:
                after.record(name, time.monotonic() - t, repr(e)[:300])
        metrics = metrics_lines(srv)

        rc = srv.stop(timeout=20)
        rep = sanitizer_report(srv.stderr())
    finally:
        stop.set()
        if hostile is not None and hostile.poll() is None:
            hostile.kill()
            hostile.wait(timeout=10)
        stop_up.set()
        for t in ups:
            t.join(timeout=5)
        dead.close()

    rss_max = max(s[1] for s in samples)
    fd_max = max(s[2] for s in samples)
    report = [
        f"soak: {soak_s:.1f}s of load, {len(samples)} samples"
        + (f"; STOPPED EARLY: {early[0]}" if early else ""),
        f"  RSS baseline {rss0 / 1024:.1f} MB, max {rss_max / 1024:.1f} MB "
        f"(+{(rss_max - rss0) / 1024:.1f} MB, bound {RSS_BOUND_MB}), "
        f"after {rss_after / 1024:.1f} MB",
        f"  fds baseline {fd0}, max {fd_max} (bound {fd_bound}), after "
        f"{fd_after} (bound {fd0 + FD_SETTLE})",
        "  RSS MB / fds by 10 s: " + " ".join(
            f"{s[1] / 1024:.0f}/{s[2]}" for s in samples[::10]),
        "well-behaved during the soak:", *ledger.lines(),
        "well-behaved after the soak:", *after.lines(),
        "hostile: " + json.dumps(hstats, sort_keys=True),
        "metrics after:", *(f"  {m}" for m in metrics),
        f"hearthd exit status at SIGTERM: {rc}",
        "hearthd log (warnings, errors):", *log_summary(srv.stderr()),
    ]
    print("\n".join(report))
    (tmp_path / "soak-report.txt").write_text("\n".join(report) + "\n")

    problems = []
    if early:
        problems.append(f"soak stopped early: {early[0]}")
    if stuck:
        problems.append(f"client threads still running: {stuck}")
    for name, n in sorted(ledger.failed.items()):
        problems.append(f"{n} well-behaved {name} checks failed")
    for name, n in sorted(after.failed.items()):
        problems.append(f"{name} failed after the soak")
    if (rss_max - rss0) / 1024 > RSS_BOUND_MB:
        problems.append(f"RSS grew by {(rss_max - rss0) / 1024:.0f} MB")
    if fd_max > fd_bound:
        problems.append(f"{fd_max} open descriptors")
    if fd_after > fd0 + FD_SETTLE:
        problems.append(f"{fd_after} descriptors 20 s after the load "
                        f"(baseline {fd0})")
    if hstats.get("errors") or hstats.get("missing"):
        problems.append(f"the hostile process failed: {hstats}")
    if rc != 0:
        problems.append(f"exit status {rc} at SIGTERM")
    if rep:
        problems.append(f"sanitizer report:\n{rep}")
    assert not problems, "\n".join(problems) + "\n\n" + "\n".join(report)
