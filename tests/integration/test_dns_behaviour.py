# SPDX-License-Identifier: MIT
"""The dns room, hearthd alone: what a comparison with NSD cannot express.

EDNS (BADVERS, OPT echo, payload limits), the question's case (0x20) byte for
byte, truncation then TCP, TCP pipelining, idle timeout and connection cap,
CHAOS identity, lab-derived A/PTR records, the IPv6 listener, a second real
client (kdig), and robustness against malformed packets.

Every test starts its own hearthd (conftest's hearthd_factory: stopped by
PID, exit code and sanitizer output checked at teardown) with the test zone
data/dns/example.com.zone.

Validating these tests without hearthd: DNS_BEHAVIOUR_SUBJECT=nsd runs them
against NSD with the equivalent settings (tcp-timeout, tcp-count,
version/identity); the hearth-only ones (lab records) are skipped then.
"""
import os
import random
import re
import socket
import struct
import time
from types import SimpleNamespace

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.reversename
import pytest

from dns_helpers import (LAB, NSD, ZONE, ZONE_FILE, ask,
                         has_ipv6_loopback, kdig, make_query, raw_udp,
                         start_hearth_dns, tcp_connect, tcp_frame,
                         tcp_read_msg)
from helpers import wait_closed

SUBJECT = os.environ.get("DNS_BEHAVIOUR_SUBJECT", "hearth")
IDENTITY = {"version": "hearth 0.1.0", "id": "ns1"}


# ---- the server under test ----

def _nsd_extra(opts):
    lines = []
    if "tcp_idle_timeout" in opts:
        lines.append(f"\ttcp-timeout: {int(opts['tcp_idle_timeout'].rstrip('s'))}")
    if "tcp_max_connections" in opts:
        lines.append(f"\ttcp-count: {opts['tcp_max_connections']}")
    ident = opts.get("identity")
    if ident is not None:
        lines.append(f'\tversion: "{ident["version"]}"')
        lines.append(f'\tidentity: "{ident["id"]}"')
        if ident["version"] == "":
            lines.append("\thide-version: yes")
        if ident["id"] == "":
            lines.append("\thide-identity: yes")
    return "\n".join(lines)


@pytest.fixture
def dns_server(hearthd_factory, tmp_path):
    """start(**dns_opts) -> server with host, port, alive(), log().

    dns_opts are keys of hearth's dns section (plus lab=, ipv6=)."""
    started = []

    def start(**opts):
        opts.setdefault("identity", IDENTITY)
        if SUBJECT == "hearth":
            d = start_hearth_dns(hearthd_factory, tmp_path, **opts)
            return SimpleNamespace(host="127.0.0.1", port=d.dns_port,
                                   alive=d.alive, pid=d.pid,
                                   log=d.stderr, name="hearthd")
        if SUBJECT == "nsd":
            if opts.get("lab"):
                pytest.skip("lab-derived records are hearth's own")
            n = NSD(tmp_path / f"nsd{len(started)}", [(ZONE, ZONE_FILE)],
                    ipv6=opts.get("ipv6", True), extra=_nsd_extra(opts))
            started.append(n)
            n.start()
            return SimpleNamespace(host="127.0.0.1", port=n.port,
                                   alive=n.alive, pid=n.pid, log=n.log,
                                   name="nsd")
        raise ValueError(f"DNS_BEHAVIOUR_SUBJECT={SUBJECT!r}")

    yield start
    for n in started:
        n.stop()


@pytest.fixture
def srv(dns_server):
    return dns_server()


def q_udp(s, qname, qtype="A", **kw):
    proto = kw.pop("proto", "udp")
    return ask(make_query(qname, qtype, **kw), s.host, s.port, proto)


def a_set(msg, qname=None):
    return {rd.address for r in msg.answer
            if r.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)
            and (qname is None or r.name == dns.name.from_text(qname))
            for rd in r}


# ---- basic authority, absolute expectations ----

def test_positive_answer_is_authoritative(srv):
    r = q_udp(srv, "www.example.com.", "A", edns=0)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.QR and r.flags & dns.flags.AA
    assert not r.flags & (dns.flags.TC | dns.flags.RA)
    assert a_set(r) == {"192.0.2.20"}
    assert r.answer[0].ttl == 3600


def test_nxdomain_and_nodata_carry_soa_with_negative_ttl(srv):
    for qname, qtype, rcode in (("nothere.example.com.", "A", dns.rcode.NXDOMAIN),
                                ("www.example.com.", "MX", dns.rcode.NOERROR),
                                ("b.c.example.com.", "A", dns.rcode.NOERROR)):
        r = q_udp(srv, qname, qtype, edns=0)
        assert r.rcode() == rcode, (qname, r)
        assert r.flags & dns.flags.AA
        assert not r.answer
        soa = [x for x in r.authority if x.rdtype == dns.rdatatype.SOA]
        assert len(soa) == 1 and soa[0].name == dns.name.from_text(ZONE), r
        assert soa[0].ttl == 300, "RFC 2308: min(SOA TTL 3600, minimum 300)"


def test_referral_has_no_aa_and_glue(srv):
    r = q_udp(srv, "host.sub.example.com.", "A", edns=0)
    assert r.rcode() == dns.rcode.NOERROR
    assert not r.flags & dns.flags.AA
    assert not r.answer
    ns = [x for x in r.authority if x.rdtype == dns.rdatatype.NS]
    assert ns and ns[0].name == dns.name.from_text("sub.example.com.")
    assert {str(rd.target) for rd in ns[0]} == {"ns.sub.example.com.",
                                                 "ns.other.net."}
    glue = {(str(x.name), rd.address) for x in r.additional for rd in x}
    assert ("ns.sub.example.com.", "192.0.2.53") in glue
    assert ("ns.sub.example.com.", "2001:db8::53") in glue


def test_refused_outside_every_zone(srv):
    for qname in ("example.org.", "com.", ".", "xexample.com."):
        r = q_udp(srv, qname, "A", edns=0)
        assert r.rcode() == dns.rcode.REFUSED, (qname, r)
        assert not r.flags & dns.flags.AA
        assert not r.answer


def test_any_is_a_non_empty_authoritative_answer(srv):
    for proto in ("udp", "tcp"):
        r = q_udp(srv, "www.example.com.", "ANY", edns=0, proto=proto)
        assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
        assert r.answer, "RFC 8482: one RRset (or HINFO), never empty"
        assert all(x.name == dns.name.from_text("www.example.com.")
                   for x in r.answer)


def test_long_txt_string_in_zone_file_is_split(dns_server, tmp_path):
    """A single 300-byte string in the master file becomes strings of at most
    255 bytes whose concatenation is the original (NSD and Knot refuse the
    file; hearth splits)."""
    if SUBJECT != "hearth":
        pytest.skip("NSD refuses strings over 255 bytes")
    value = "".join("0123456789abcdefghij"[i % 20] for i in range(300))
    zone = tmp_path / "long.test.zone"
    zone.write_text(
        "$ORIGIN long.test.\n$TTL 60\n"
        "@ SOA ns hostmaster 1 7200 3600 1209600 300\n"
        "@ NS ns\nns A 192.0.2.1\n"
        f't TXT "{value}"\n')
    s = dns_server(zones=[("long.test", zone)])
    r = q_udp(s, "t.long.test.", "TXT", edns=0, proto="tcp")
    assert r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1
    (rd,) = list(r.answer[0])
    assert all(len(x) <= 255 for x in rd.strings), rd.strings
    assert len(rd.strings) == 2
    assert b"".join(rd.strings) == value.encode()


# ---- EDNS ----

def test_edns_badvers(srv):
    q = make_query("www.example.com.", "A", edns=1, payload=1232)
    for proto in ("udp", "tcp"):
        r = ask(q, srv.host, srv.port, proto)
        assert r.rcode() == dns.rcode.BADVERS, r
        assert r.edns == 0, "BADVERS needs an OPT, with the version we speak"
        assert not r.answer
        assert r.flags & dns.flags.QR


def test_opt_echoed_with_server_payload(srv):
    sizes = set()
    for payload in (512, 1232, 4096, 65535):
        r = q_udp(srv, "www.example.com.", "A", edns=0, payload=payload)
        assert r.rcode() == dns.rcode.NOERROR
        assert r.edns == 0, f"no OPT in the answer to EDNS payload {payload}"
        assert not r.ednsflags & dns.flags.DO
        sizes.add(r.payload)
    assert len(sizes) == 1, f"server payload varies with the query: {sizes}"
    (size,) = sizes
    assert 512 <= size <= 4096, size
    # No OPT in, no OPT out.
    r = q_udp(srv, "www.example.com.", "A")
    assert r.edns < 0 and r.rcode() == dns.rcode.NOERROR


def test_payload_size_honoured(srv):
    big = "big.example.com."
    for payload, tc in ((None, True), (512, True), (600, True),
                        (1232, False), (4096, False)):
        q = make_query(big, "A", edns=0 if payload else None,
                       payload=payload or 512)
        wire = udp_exchange(srv, q.to_wire())
        limit = payload or 512
        assert len(wire) <= max(512, limit), (payload, len(wire))
        r = dns.message.from_wire(wire)
        assert bool(r.flags & dns.flags.TC) == tc, (payload, r)
        if tc:
            assert not r.answer, "a truncated answer holds no partial RRset"
        else:
            assert len(a_set(r)) == 60
    # A payload under 512 counts as 512 (RFC 6891 §6.2.5).
    r = q_udp(srv, "www.example.com.", "A", edns=0, payload=100)
    assert r.rcode() == dns.rcode.NOERROR and a_set(r) == {"192.0.2.20"}
    assert not r.flags & dns.flags.TC


def udp_exchange(s, wire, timeout=3.0, tries=3):
    for _ in range(tries):
        got = raw_udp(s.host, s.port, wire, timeout=timeout)
        if got is not None:
            return got
    raise AssertionError("no UDP reply")


def test_truncated_then_full_over_tcp(srv):
    q = make_query("big.example.com.", "A")
    r = ask(q, srv.host, srv.port, "udp")
    assert r.flags & dns.flags.TC and r.flags & dns.flags.AA
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    r = ask(q, srv.host, srv.port, "tcp")
    assert not r.flags & dns.flags.TC and r.flags & dns.flags.AA
    assert a_set(r) == {f"198.51.100.{i}" for i in range(1, 61)}


def test_name_compression_used(srv):
    """60 A records for one owner: without compression the answer would not
    fit 1232 bytes (60 x 31 bytes for the owner name alone)."""
    q = make_query("big.example.com.", "A", edns=0, payload=1232)
    wire = udp_exchange(srv, q.to_wire())
    r = dns.message.from_wire(wire)
    assert len(a_set(r)) == 60
    assert len(wire) < 60 * 16 + 200, len(wire)


# ---- question case (0x20) ----

def test_question_case_preserved(srv):
    rng = random.Random(20)
    for qname in ("www.example.com.", "foo.wild.example.com.",
                  "nothere.example.com.", "upper.example.com.",
                  "example.org."):
        mixed = "".join(c.upper() if rng.random() < 0.5 else c.lower()
                        for c in qname)
        q = make_query(mixed, "A", edns=0)
        wire = q.to_wire()
        qlen = len(wire) - 12 - 11  # minus header and OPT record
        for proto in ("udp", "tcp"):
            if proto == "udp":
                resp = udp_exchange(srv, wire)
            else:
                with tcp_connect(srv.host, srv.port) as t:
                    t.sendall(tcp_frame(wire))
                    resp = tcp_read_msg(t)
            assert resp[:2] == wire[:2], "id"
            assert resp[12:12 + qlen] == wire[12:12 + qlen], \
                f"{proto}: question {resp[12:12 + qlen]!r} != {wire[12:12 + qlen]!r}"
            r = dns.message.from_wire(resp)
            assert r.question[0].name.to_text() == mixed
            # Answers to the query name use the case of the query or the
            # zone, but compare equal.
            for x in r.answer:
                assert x.name == dns.name.from_text(qname)


# ---- TCP ----

def test_tcp_pipelining(srv):
    queries = [make_query("www.example.com.", "A", edns=0),
               make_query("mail.example.com.", "AAAA", edns=0),
               make_query("nothere.example.com.", "TXT", edns=0)]
    ids = set()
    for i, q in enumerate(queries):
        q.id = 1000 + i
        ids.add(q.id)
    with tcp_connect(srv.host, srv.port) as t:
        t.sendall(b"".join(tcp_frame(q.to_wire()) for q in queries))
        got = {}
        for _ in queries:
            r = dns.message.from_wire(tcp_read_msg(t))
            got[r.id] = r
    assert set(got) == ids
    assert a_set(got[1000]) == {"192.0.2.20"}
    assert a_set(got[1001]) == {"2001:db8::25"}
    assert got[1002].rcode() == dns.rcode.NXDOMAIN


def test_tcp_message_split_across_segments(srv):
    wire = tcp_frame(make_query("www.example.com.", "A").to_wire())
    with tcp_connect(srv.host, srv.port) as t:
        t.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, len(wire), 5):
            t.sendall(wire[i:i + 5])
            time.sleep(0.01)
        r = dns.message.from_wire(tcp_read_msg(t))
    assert a_set(r) == {"192.0.2.20"}


def test_tcp_idle_timeout(dns_server):
    s = dns_server(tcp_idle_timeout="1s")
    # An idle connection is closed after about a second.
    with tcp_connect(s.host, s.port) as t:
        took = wait_closed(t, 8)
    assert took is not None, "idle TCP connection still open after 8 s"
    assert 0.5 <= took <= 5, took
    # A connection that is used is not closed while it is in use, and the
    # server closes it once it falls idle.
    with tcp_connect(s.host, s.port) as t:
        for i in range(4):
            q = make_query("www.example.com.", "A")
            t.sendall(tcp_frame(q.to_wire()))
            r = dns.message.from_wire(tcp_read_msg(t))
            assert a_set(r) == {"192.0.2.20"}, i
            time.sleep(0.4)
        assert wait_closed(t, 8) is not None
    assert s.alive()


def _served(t, qname="www.example.com.", timeout=1.0):
    """Sends a query on @t; True if the answer comes back in @timeout."""
    try:
        t.sendall(tcp_frame(make_query(qname, "A").to_wire()))
        r = dns.message.from_wire(tcp_read_msg(t, timeout=timeout))
        return bool(a_set(r))
    except (TimeoutError, EOFError, OSError, socket.timeout):
        return False


def test_tcp_max_connections(dns_server):
    """With a cap of 4, never more than 4 TCP clients are being served at
    once. The server may refuse the others (close at accept), leave them in
    the backlog, or close idle connections to make room (NSD does) — but
    the first 4 are served, and after they go new clients are served."""
    s = dns_server(tcp_max_connections=4)
    conns, served = [], []
    try:
        for i in range(8):
            t = tcp_connect(s.host, s.port)
            conns.append(t)
            served.append(_served(t))
        assert all(served[:4]), f"the first 4 connections not served: {served}"
        # UDP still works meanwhile.
        assert a_set(q_udp(s, "www.example.com.")) == {"192.0.2.20"}
        open_served = [i for i, t in enumerate(conns)
                       if served[i] and wait_closed(t, 0.2) is None]
        assert len(open_served) <= 4, \
            f"{len(open_served)} served TCP connections open with a cap of 4"
        for t in conns:
            t.close()
        conns = []
        # New clients are served again.
        deadline = time.monotonic() + 8
        for i in range(4):
            while True:
                t = tcp_connect(s.host, s.port)
                conns.append(t)
                if _served(t):
                    break
                t.close()
                assert time.monotonic() < deadline, \
                    f"TCP client {i} not served after the others closed"
                time.sleep(0.2)
    finally:
        for t in conns:
            t.close()
    assert s.alive()


# ---- CHAOS identity ----

def chaos(s, name, proto="udp"):
    q = make_query(name, "TXT", rdclass="CH", edns=0)
    return ask(q, s.host, s.port, proto)


def txt_strings(msg):
    return [b"".join(rd.strings).decode() for r in msg.answer
            if r.rdtype == dns.rdatatype.TXT for rd in r]


def test_chaos_identity(srv):
    for proto in ("udp", "tcp"):
        r = chaos(srv, "version.bind.", proto)
        assert r.rcode() == dns.rcode.NOERROR
        assert txt_strings(r) == [IDENTITY["version"]]
        assert r.answer[0].rdclass == dns.rdataclass.CH
        r = chaos(srv, "id.server.", proto)
        assert r.rcode() == dns.rcode.NOERROR
        assert txt_strings(r) == [IDENTITY["id"]]
    r = chaos(srv, "VeRsIoN.BiNd.")
    assert txt_strings(r) == [IDENTITY["version"]]
    assert r.question[0].name.to_text() == "VeRsIoN.BiNd."


def test_chaos_identity_hidden(dns_server):
    s = dns_server(identity={"version": "", "id": ""})
    for name in ("version.bind.", "id.server."):
        r = chaos(s, name)
        assert r.rcode() == dns.rcode.REFUSED, (name, r)
        assert not r.answer


# ---- lab-derived records ----

def test_lab_derived_a_and_ptr(dns_server):
    s = dns_server(lab=LAB)
    for host, ip in (("maestro", "192.168.30.8"), ("web", "192.168.30.10"),
                     ("hv1", "192.168.20.11")):
        fqdn = f"{host}.lab.example."
        for proto in ("udp", "tcp"):
            r = q_udp(s, fqdn, "A", edns=0, proto=proto)
            assert r.rcode() == dns.rcode.NOERROR, r
            assert r.flags & dns.flags.AA
            assert a_set(r, fqdn) == {ip}
            rev = dns.reversename.from_address(ip)
            r = q_udp(s, rev.to_text(), "PTR", edns=0, proto=proto)
            assert r.rcode() == dns.rcode.NOERROR, r
            assert r.flags & dns.flags.AA
            assert [str(rd.target).lower() for x in r.answer for rd in x] \
                == [fqdn], r
    assert dns.reversename.from_address("192.168.30.8").to_text() == \
        "8.30.168.192.in-addr.arpa."
    # The zone file's zone is still there.
    assert a_set(q_udp(s, "www.example.com.")) == {"192.0.2.20"}


def test_lab_records_with_kdig(dns_server):
    s = dns_server(lab=LAB)
    p = kdig(f"@{s.host}", "-p", s.port, "+short", "+tcp",
             "maestro.lab.example", "A")
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["192.168.30.8"], p.stdout
    p = kdig(f"@{s.host}", "-p", s.port, "+short", "-x", "192.168.30.8")
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["maestro.lab.example."], p.stdout


# ---- a second real client, IPv6 ----

def test_kdig_answers(srv):
    p = kdig(f"@{srv.host}", "-p", srv.port, "+norec", "+noall", "+answer",
             "+header", "www.example.com", "AAAA")
    assert p.returncode == 0, p.stderr
    assert re.search(r"status: NOERROR", p.stdout), p.stdout
    assert re.search(r"flags: qr aa;", p.stdout, re.I), p.stdout
    assert re.search(r"www\.example\.com\.\s+3600\s+IN\s+AAAA\s+2001:db8::20",
                     p.stdout), p.stdout
    # Truncation over UDP makes kdig retry over TCP by itself.
    p = kdig(f"@{srv.host}", "-p", srv.port, "+norec", "+noedns", "+short",
             "big.example.com", "A")
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.split()) == 60, p.stdout


def test_ipv6_listener(srv):
    if not has_ipv6_loopback():
        pytest.fail("no ::1 on this machine", pytrace=False)
    for proto in ("udp", "tcp"):
        r = ask(make_query("www.example.com.", "AAAA", edns=0), "::1",
                srv.port, proto)
        assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
        assert a_set(r) == {"2001:db8::20"}
    p = kdig("@::1", "-p", srv.port, "+short", "mail.example.com", "A")
    assert p.stdout.split() == ["192.0.2.25"], (p.stdout, p.stderr)


# ---- robustness ----

def _name(*labels):
    return b"".join(bytes([len(x)]) + x for x in labels) + b"\0"


def malformed_packets(n, rng):
    """@n hostile UDP payloads, deterministic for @rng."""
    hdr = lambda qd=1, an=0, ns=0, ar=0, flags=0: struct.pack(  # noqa: E731
        "!HHHHHH", 0, flags, qd, an, ns, ar)
    www = _name(b"www", b"example", b"com")
    q = www + struct.pack("!HH", 1, 1)
    good = hdr() + q
    kinds = [
        # truncated headers
        lambda: good[:rng.randrange(0, 12)],
        # question cut anywhere
        lambda: good[:rng.randrange(12, len(good))],
        # compression loop: pointer to itself at the question
        lambda: hdr() + b"\xc0\x0c" + struct.pack("!HH", 1, 1),
        # two pointers pointing at each other
        lambda: hdr() + b"\xc0\x0e\xc0\x0c" + struct.pack("!HH", 1, 1),
        # label then pointer back to itself (loop after a label)
        lambda: hdr() + b"\x03www\xc0\x0c" + struct.pack("!HH", 1, 1),
        # forward pointer (to a later offset)
        lambda: hdr() + b"\xc0\x14" + struct.pack("!HH", 1, 1) + www,
        # pointer past the end
        lambda: hdr() + b"\xc0\xff" + struct.pack("!HH", 1, 1),
        # reserved label types 0x40 / 0x80
        lambda: hdr() + bytes([rng.choice((0x40, 0x80)) | 3]) + b"www\0"
        + struct.pack("!HH", 1, 1),
        # name longer than 255 bytes
        lambda: hdr() + b"".join(b"\x3f" + b"a" * 63 for _ in range(5)) + b"\0"
        + struct.pack("!HH", 1, 1),
        # qdcount 0, with and without a question
        lambda: hdr(qd=0),
        lambda: hdr(qd=0) + q,
        # qdcount 5 with one or five questions
        lambda: hdr(qd=5) + q,
        lambda: hdr(qd=5) + q * 5,
        # bogus counts
        lambda: hdr(an=65535, ns=65535, ar=65535) + q,
        lambda: hdr(ar=1) + q,              # OPT promised, missing
        lambda: hdr(ar=2) + q + b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0) * 2,
        # OPT with an option length past the end
        lambda: hdr(ar=1) + q + b"\0" + struct.pack("!HHIH", 41, 1232, 0, 8)
        + struct.pack("!HH", 10, 200),
        # OPT with a non-root owner
        lambda: hdr(ar=1) + q + www + struct.pack("!HHIH", 41, 1232, 0, 0),
        # a response (QR=1), and odd opcodes/flags
        lambda: hdr(flags=0x8000) + q,
        lambda: hdr(flags=rng.randrange(0, 0x10000) & 0x7fff) + q,
        # trailing garbage
        lambda: good + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))),
        # random bytes
        lambda: bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600))),
        # random bytes after a plausible header
        lambda: hdr(qd=rng.randrange(0, 4), an=rng.randrange(0, 4),
                    ar=rng.randrange(0, 3))
        + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300))),
    ]
    out = []
    for i in range(n):
        p = bytearray(kinds[i % len(kinds)]())
        if len(p) >= 2:
            p[0:2] = struct.pack("!H", i & 0xffff)
        out.append(bytes(p))
    return out


def test_malformed_packets_do_not_hurt(srv):
    rng = random.Random(1035)
    packets = malformed_packets(3000, rng)
    ids = {struct.unpack("!H", p[:2])[0] for p in packets if len(p) >= 2}
    replies = []
    deadline = time.monotonic() + 60
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        u.connect((srv.host, srv.port))
        u.setblocking(False)

        def drain():
            while True:
                try:
                    replies.append(u.recv(65535))
                except (BlockingIOError, ConnectionRefusedError):
                    return

        for i, p in enumerate(packets):
            assert time.monotonic() < deadline, "sending took over 60 s"
            try:
                u.send(p)
            except (BlockingIOError, ConnectionRefusedError):
                time.sleep(0.001)
            if i % 50 == 49:
                drain()
                time.sleep(0.002)  # let the server keep up; bounded
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            drain()
            time.sleep(0.05)
    assert srv.alive(), f"{srv.name} died under malformed UDP:\n{srv.log()[-4000:]}"
    for resp in replies:
        assert len(resp) >= 12, f"reply shorter than a header: {resp!r}"
        rid, flags = struct.unpack("!HH", resp[:4])
        assert flags & 0x8000, f"reply without QR: {resp[:32]!r}"
        assert rid in ids, f"reply with an id never sent: {rid}"

    # A few hostile TCP streams.
    tcp_garbage = [
        struct.pack("!H", 65535) + bytes(rng.randrange(256) for _ in range(65535)),
        struct.pack("!H", 65535) + b"\0" * 100,          # promise, then close
        struct.pack("!H", 0),                            # empty message
        struct.pack("!H", 5) + b"\0" * 5,                # shorter than a header
        b"\x00",                                         # half a length
        tcp_frame(malformed_packets(3, rng)[2]),         # compression loop
        tcp_frame(struct.pack("!HHHHHH", 7, 0, 0, 0, 0, 0)),  # qdcount 0
    ]
    for blob in tcp_garbage:
        assert time.monotonic() < deadline + 30
        try:
            with tcp_connect(srv.host, srv.port, timeout=2) as t:
                t.sendall(blob)
                t.shutdown(socket.SHUT_WR)
                end = time.monotonic() + 2
                while time.monotonic() < end:
                    if not t.recv(65536):
                        break
        except OSError:
            pass  # closed or reset by the server: fine
    assert srv.alive(), f"{srv.name} died under malformed TCP:\n{srv.log()[-4000:]}"

    # Still correct afterwards, on both transports.
    for proto in ("udp", "tcp"):
        r = q_udp(srv, "www.example.com.", "A", edns=0, proto=proto)
        assert r.rcode() == dns.rcode.NOERROR and a_set(r) == {"192.0.2.20"}
        r = q_udp(srv, "big.example.com.", "A", edns=0, payload=4096,
                  proto=proto)
        assert len(a_set(r)) == 60


def test_specific_malformed_answers(srv):
    """Where the protocol has an answer for bad input, it is the right one;
    responses are never answered."""
    www = _name(b"www", b"example", b"com") + struct.pack("!HH", 1, 1)
    cases = [
        # (payload, acceptable rcodes or None for "no reply")
        (struct.pack("!HHHHHH", 11, 0, 0, 0, 0, 0), {dns.rcode.FORMERR, None}),
        (struct.pack("!HHHHHH", 12, 0, 2, 0, 0, 0) + www * 2,
         {dns.rcode.FORMERR, None}),
        (struct.pack("!HHHHHH", 13, 0x8000, 1, 0, 0, 0) + www, {None}),
        (struct.pack("!HHHHHH", 14, 0x7800, 1, 0, 0, 0) + www,
         {dns.rcode.NOTIMP}),  # opcode 15
        (struct.pack("!HHHHHH", 15, 0x2800, 1, 0, 0, 0) + www,  # UPDATE
         {dns.rcode.NOTIMP, dns.rcode.REFUSED, dns.rcode.FORMERR,
          dns.rcode.NOTAUTH}),
        (struct.pack("!HHHHHH", 16, 0, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01",
         {dns.rcode.FORMERR, None}),
    ]
    for payload, ok in cases:
        got = raw_udp(srv.host, srv.port, payload, timeout=1.0)
        rcode = None
        if got is not None:
            assert got[:2] == payload[:2]
            assert got[2] & 0x80, got
            rcode = got[3] & 0x0f
        assert rcode in ok, (payload, got, ok)
    assert srv.alive()
    r = q_udp(srv, "www.example.com.", "A")
    assert a_set(r) == {"192.0.2.20"}
