# SPDX-License-Identifier: MIT
"""Forwarding, cache, negative cache, alias rewriting and upstream failover,
against small fake upstream servers this test runs on loopback."""
import socket
import threading
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from dns_helpers import start_hearth_dns


class FakeUpstream:
    """A UDP (and TCP) DNS server on 127.0.0.1 answering from a dict.

    answers: {(qname, qtype): (rcode, [rrset text lines], ttl)}; names not in
    it get NXDOMAIN with an SOA (minimum 60). mode: "ok", "silent" (never
    answers), "truncate" (UDP answers have TC and no records; TCP answers
    fully), "wrong-id" (UDP answers with a wrong id first, then the right
    one)."""

    def __init__(self, answers=None, mode="ok"):
        self.answers = answers or {}
        self.mode = mode
        self.queries = []
        self.tcp_queries = 0
        # A UDP and a TCP socket on the same free port: the TCP port may
        # be taken by something else, so try a few.
        for _ in range(20):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", 0))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        else:
            raise AssertionError("no port free for both UDP and TCP")
        self.tcp.listen(8)
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._udp_loop, daemon=True),
                        threading.Thread(target=self._tcp_loop, daemon=True)]
        for t in self.threads:
            t.start()

    def addr(self):
        return f"127.0.0.1:{self.port}"

    def _answer(self, q, tcp=False):
        qname = str(q.question[0].name).lower()
        qtype = dns.rdatatype.to_text(q.question[0].rdtype)
        r = dns.message.make_response(q)
        r.flags |= dns.flags.RA
        if self.mode == "truncate" and not tcp:
            r.flags |= dns.flags.TC
            return r
        key = (qname, qtype)
        if key in self.answers:
            rcode, lines, ttl = self.answers[key]
            r.set_rcode(rcode)
            for line in lines:
                r.answer.append(dns.rrset.from_text(
                    qname, ttl, "IN", qtype, line))
        else:
            r.set_rcode(dns.rcode.NXDOMAIN)
            r.authority.append(dns.rrset.from_text(
                "example.net.", 300, "IN", "SOA",
                "ns.example.net. host.example.net. 1 3600 600 86400 60"))
        return r

    def _udp_loop(self):
        self.udp.settimeout(0.2)
        while not self.stop.is_set():
            try:
                data, peer = self.udp.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            q = dns.message.from_wire(data)
            self.queries.append((str(q.question[0].name).lower(), peer,
                                 q.id))
            if self.mode == "silent":
                continue
            r = self._answer(q)
            if self.mode == "wrong-id":
                bad = dns.message.from_wire(r.to_wire())
                bad.id = (q.id + 1) % 65536
                bad.answer = []
                bad.answer.append(dns.rrset.from_text(
                    str(q.question[0].name), 60, "IN", "A", "6.6.6.6"))
                self.udp.sendto(bad.to_wire(), peer)
            self.udp.sendto(r.to_wire(), peer)

    def _tcp_loop(self):
        self.tcp.settimeout(0.2)
        while not self.stop.is_set():
            try:
                c, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with c:
                c.settimeout(2)
                try:
                    n = int.from_bytes(c.recv(2, socket.MSG_WAITALL), "big")
                    q = dns.message.from_wire(c.recv(n, socket.MSG_WAITALL))
                except (OSError, ValueError, dns.exception.DNSException):
                    continue
                self.tcp_queries += 1
                w = self._answer(q, tcp=True).to_wire()
                c.sendall(len(w).to_bytes(2, "big") + w)

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(2)
        self.udp.close()
        self.tcp.close()


@pytest.fixture
def upstreams():
    made = []

    def make(answers=None, mode="ok"):
        u = FakeUpstream(answers, mode)
        made.append(u)
        return u
    yield make
    for u in made:
        u.close()


def ask(port, name, qtype="A", tcp=False, rd=True):
    q = dns.message.make_query(name, qtype)
    if not rd:
        q.flags &= ~dns.flags.RD
    f = dns.query.tcp if tcp else dns.query.udp
    return f(q, "127.0.0.1", port=port, timeout=6)


A = {("www.example.net.", "A"): (dns.rcode.NOERROR, ["192.0.2.80"], 300),
     ("nat.example.net.", "A"): (dns.rcode.NOERROR, ["203.0.113.10"], 300),
     ("range.example.net.", "A"): (dns.rcode.NOERROR,
                                   ["203.0.113.20", "198.51.100.7"], 300),
     ("short.example.net.", "A"): (dns.rcode.NOERROR, ["192.0.2.81"], 1)}


def test_forward_to_upstream_and_cache(hearthd_factory, tmp_path, upstreams):
    up = upstreams(A)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[up.addr()])
    r = ask(d.dns_port, "www.example.net.")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.RA and not r.flags & dns.flags.AA
    assert [x.to_text() for x in r.answer[0]] == ["192.0.2.80"]
    n = len(up.queries)
    time.sleep(1.1)
    r2 = ask(d.dns_port, "WWW.example.net.")  # case differs: same entry
    assert len(up.queries) == n, "second query was not served from cache"
    assert str(r2.question[0].name) == "WWW.example.net."
    assert r2.answer[0].ttl < 300  # aged in the cache
    # Authoritative zones win: example.com is ours, never forwarded.
    r3 = ask(d.dns_port, "www.example.com.")
    assert r3.flags & dns.flags.AA
    assert all(q[0] != "www.example.com." for q in up.queries)


def test_negative_cache(hearthd_factory, tmp_path, upstreams):
    up = upstreams(A)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[up.addr()])
    r = ask(d.dns_port, "nope.example.net.")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.authority and r.authority[0].rdtype == dns.rdatatype.SOA
    n = len(up.queries)
    r = ask(d.dns_port, "nope.example.net.")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert len(up.queries) == n, "NXDOMAIN was not cached (RFC 2308)"


def test_expired_entries_are_fetched_again(hearthd_factory, tmp_path,
                                           upstreams):
    up = upstreams(A)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[up.addr()])
    ask(d.dns_port, "short.example.net.")
    n = len(up.queries)
    time.sleep(2.2)
    ask(d.dns_port, "short.example.net.")
    assert len(up.queries) == n + 1


def test_domain_rule_longest_match_wins(hearthd_factory, tmp_path, upstreams):
    general = upstreams(A)
    corp = upstreams({("host.corp.example.net.", "A"):
                      (dns.rcode.NOERROR, ["10.9.9.9"], 300)})
    deeper = upstreams({("x.lab.corp.example.net.", "A"):
                        (dns.rcode.NOERROR, ["10.1.1.1"], 300)})
    d = start_hearth_dns(
        hearthd_factory, tmp_path, ipv6=False, upstream=[general.addr()],
        forward=[{"domain": "corp.example.net", "to": corp.addr()},
                 {"domain": "lab.corp.example.net", "to": deeper.addr()}])
    assert ask(d.dns_port, "host.corp.example.net.").answer[0][0].to_text() \
        == "10.9.9.9"
    assert ask(d.dns_port, "x.lab.corp.example.net.").answer[0][0].to_text() \
        == "10.1.1.1"
    assert not general.queries
    assert ask(d.dns_port, "www.example.net.").answer[0][0].to_text() \
        == "192.0.2.80"


def test_failover_to_next_upstream(hearthd_factory, tmp_path, upstreams):
    dead = upstreams(A, mode="silent")
    live = upstreams(A)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[dead.addr(), live.addr()],
                         upstream_timeout=300)
    t0 = time.monotonic()
    r = ask(d.dns_port, "www.example.net.")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.answer[0][0].to_text() == "192.0.2.80"
    assert dead.queries and live.queries
    assert time.monotonic() - t0 < 3


def test_servfail_after_bounded_time(hearthd_factory, tmp_path, upstreams):
    dead = upstreams(A, mode="silent")
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[dead.addr()], upstream_timeout=200)
    t0 = time.monotonic()
    r = ask(d.dns_port, "www.example.net.")
    took = time.monotonic() - t0
    assert r.rcode() == dns.rcode.SERVFAIL
    assert took < 2.0
    assert len(dead.queries) == 3  # three tries, then SERVFAIL
    # Random ids and source ports across tries.
    assert len({q[2] for q in dead.queries}) == 3
    assert len({q[1][1] for q in dead.queries}) == 3


def test_truncated_upstream_answer_retried_over_tcp(hearthd_factory, tmp_path,
                                                    upstreams):
    up = upstreams(A, mode="truncate")
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[up.addr()])
    r = ask(d.dns_port, "www.example.net.")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.answer[0][0].to_text() == "192.0.2.80"
    assert up.tcp_queries == 1


def test_mismatched_answers_dropped(hearthd_factory, tmp_path, upstreams):
    up = upstreams(A, mode="wrong-id")
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[up.addr()])
    r = ask(d.dns_port, "www.example.net.")
    assert [x.to_text() for x in r.answer[0]] == ["192.0.2.80"]


def test_alias_rewrites_forwarded_a_records(hearthd_factory, tmp_path,
                                            upstreams):
    up = upstreams(A)
    d = start_hearth_dns(
        hearthd_factory, tmp_path, ipv6=False, upstream=[up.addr()],
        alias=[{"from": "203.0.113.16/28", "to": "10.30.2.0/24"}],
        lab={"domain": "lab.example",
             "networks": {"dmz": {"subnet": "10.30.0.0/24"}},
             "hosts": {"maestro": {"ip": "10.30.0.8", "network": "dmz",
                                   "public": "203.0.113.10"}}})
    # The lab host's public address reads as its private one (hairpin).
    r = ask(d.dns_port, "nat.example.net.")
    assert [x.to_text() for x in r.answer[0]] == ["10.30.0.8"]
    # Prefix form: host bits kept; other addresses untouched.
    r = ask(d.dns_port, "range.example.net.")
    assert sorted(x.to_text() for x in r.answer[0]) == \
        ["10.30.2.4", "198.51.100.7"]
    # From the cache too.
    r = ask(d.dns_port, "nat.example.net.")
    assert [x.to_text() for x in r.answer[0]] == ["10.30.0.8"]


def test_tcp_client_forwarded(hearthd_factory, tmp_path, upstreams):
    up = upstreams(A)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[up.addr()])
    r = ask(d.dns_port, "www.example.net.", tcp=True)
    assert r.answer[0][0].to_text() == "192.0.2.80"


def test_no_upstream_means_refused(hearthd_factory, tmp_path):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    r = ask(d.dns_port, "www.example.net.")
    assert r.rcode() == dns.rcode.REFUSED


def test_rd_clear_is_not_forwarded(hearthd_factory, tmp_path, upstreams):
    up = upstreams(A)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[up.addr()])
    r = ask(d.dns_port, "www.example.net.", rd=False)
    assert r.rcode() == dns.rcode.REFUSED
    assert not up.queries


def test_cache_metrics(hearthd_factory, tmp_path, upstreams):
    up = upstreams(A)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[up.addr()])
    ask(d.dns_port, "www.example.net.")
    ask(d.dns_port, "www.example.net.")
    text = d.session.get(f"http://127.0.0.1:{d.port}/metrics",
                         timeout=5).text
    assert 'hearth_dns_cache_total{event="hit"} 1' in text
    assert 'hearth_dns_cache_total{event="miss"} 1' in text
    assert "hearth_dns_upstream_latency_seconds_count 1" in text


def test_upstream_sockets_pooled_and_replaced(hearthd_factory, tmp_path,
                                              upstreams):
    """Misses go out through a few pooled sockets (not one per query),
    which are replaced after a bounded number of queries; ids stay
    random."""
    up = upstreams(A)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[up.addr()])
    # Four sockets, each replaced after 128 queries: 800 misses need
    # about ten.
    for i in range(800):
        r = ask(d.dns_port, f"q{i}.example.net.")
        assert r.rcode() == dns.rcode.NXDOMAIN
    assert len(up.queries) == 800
    first = {peer for _, peer, _ in up.queries[:40]}
    assert 1 <= len(first) <= 4
    ports = {peer for _, peer, _ in up.queries}
    assert 7 <= len(ports) <= 16
    ids = {qid for _, _, qid in up.queries[:40]}
    assert len(ids) >= 38
