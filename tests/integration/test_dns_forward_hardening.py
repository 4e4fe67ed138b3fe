# SPDX-License-Identifier: MIT
"""Forwarding under attack (issue 8): in-flight bounds, upstream backoff and
probing, allow_recursion and UDP response-rate limiting.

Every upstream is a fake this test runs on 127.0.0.1 (or a loopback port
nothing listens on); clients are loopback sockets bound to 127.0.0.x
addresses. Every wait is bounded."""
import os
import select
import socket
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

from dns_helpers import ZONE, start_hearth_dns
from helpers import metric_samples, sample
from test_dns_forward import A, FakeUpstream


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


def dead_port():
    """A loopback UDP port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(src="127.0.0.1", kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind((src, 0))
    return s


def query_wire(name, qtype="A", qid=None):
    q = dns.message.make_query(name, qtype)
    if qid is not None:
        q.id = qid
    return q


def ask_from(port, name, src, qtype="A", tcp=False, timeout=5):
    """One query from @src; the parsed answer."""
    q = query_wire(name, qtype)
    if tcp:
        return dns.query.tcp(q, "127.0.0.1", port=port, timeout=timeout,
                             source=src)
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=timeout,
                         source=src, ignore_unexpected=True)


def collect(sock, until, want=None):
    """Parsed messages read from @sock until @until (monotonic) or until
    @want of them arrived."""
    got = []
    while time.monotonic() < until and (want is None or len(got) < want):
        r, _, _ = select.select([sock], [], [], max(0.0,
                                                    until - time.monotonic()))
        if not r:
            break
        data = sock.recv(65535)
        got.append(dns.message.from_wire(data))
    return got


def metrics(d):
    text = d.session.get(f"http://127.0.0.1:{d.port}/metrics",
                         timeout=10).text
    return metric_samples(text)


def open_fds(d):
    return len(os.listdir(f"/proc/{d.proc.pid}/fd"))


def test_flood_toward_dead_upstream_keeps_fds_and_service(hearthd_factory,
                                                          tmp_path):
    """Thousands of unique names toward an upstream that never answers,
    from twenty addresses: the in-flight bound holds (the rest get
    SERVFAIL), file descriptors stay bounded, and authoritative answers
    and /healthz keep coming."""
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[f"127.0.0.1:{dead_port()}"],
                         upstream_timeout=3000,
                         # Never marked down here: the bound must hold
                         # on its own.
                         upstream_down_after=1000,
                         forward_max_inflight=1000)
    base = open_fds(d)
    socks = [client(f"127.0.0.{i}") for i in range(1, 21)]
    try:
        most = base
        sent = 0
        for rnd in range(150):
            for k, s in enumerate(socks):
                s.sendto(query_wire(f"f{rnd}-{k}.flood.example.net.")
                         .to_wire(), ("127.0.0.1", d.dns_port))
                sent += 1
            if rnd % 25 == 0:
                most = max(most, open_fds(d))
        for _ in range(5):
            most = max(most, open_fds(d))
            time.sleep(0.1)
        # Sockets are pooled: a handful per upstream, plus those retired
        # with tries still on them (one per 128 tries in flight).
        assert most <= base + 24, (base, most)
        # Fresh authoritative query and /healthz while the flood waits.
        t0 = time.monotonic()
        r = ask_from(d.dns_port, ZONE, "127.0.0.1", qtype="SOA", timeout=3)
        assert r.rcode() == dns.rcode.NOERROR and r.answer
        assert time.monotonic() - t0 < 2.0
        h = d.session.get(f"http://127.0.0.1:{d.port}/healthz", timeout=3)
        assert h.status_code == 200
        m = metrics(d)
        inflight = sample(m, "hearth_dns_forward_inflight")
        assert inflight is not None and 0 < inflight <= 1000
        over = sample(m, "hearth_dns_forward_total", event="over_limit")
        assert over and over > 0
        assert sample(m, "hearth_dns_forward_total",
                      event="forwarded") <= 1000
        # The refused ones were answered SERVFAIL, not left hanging.
        got = collect(socks[0], time.monotonic() + 2)
        assert got and all(x.rcode() == dns.rcode.SERVFAIL for x in got)
    finally:
        for s in socks:
            s.close()


def test_over_limit_queries_get_servfail(hearthd_factory, tmp_path,
                                         upstreams):
    silent = upstreams(A, mode="silent")
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[silent.addr()], upstream_timeout=3000,
                         upstream_down_after=1000,
                         forward_max_inflight=8,
                         forward_max_inflight_per_client=5)
    one, two = client("127.0.0.1"), client("127.0.0.2")
    try:
        for i in range(10):
            one.sendto(query_wire(f"a{i}.example.net.", qid=i).to_wire(),
                       ("127.0.0.1", d.dns_port))
        # Five wait upstream; the other five are answered SERVFAIL now.
        got = collect(one, time.monotonic() + 1.5, want=5)
        assert len(got) == 5
        assert all(x.rcode() == dns.rcode.SERVFAIL for x in got)
        assert {x.id for x in got} == set(range(5, 10))
        for i in range(10):
            two.sendto(query_wire(f"b{i}.example.net.", qid=100 + i)
                       .to_wire(), ("127.0.0.1", d.dns_port))
        # Three more fit under the total of eight.
        got = collect(two, time.monotonic() + 1.5, want=7)
        assert len(got) == 7
        assert all(x.rcode() == dns.rcode.SERVFAIL for x in got)
        m = metrics(d)
        assert sample(m, "hearth_dns_forward_total",
                      event="over_client_limit") == 5
        assert sample(m, "hearth_dns_forward_total",
                      event="over_limit") == 7
        assert sample(m, "hearth_dns_forward_inflight") == 8
        deadline = time.monotonic() + 2
        while len(silent.queries) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(silent.queries) == 8
        # Authoritative answers do not count against the bound.
        r = ask_from(d.dns_port, ZONE, "127.0.0.1", qtype="SOA", timeout=3)
        assert r.rcode() == dns.rcode.NOERROR
    finally:
        one.close()
        two.close()


def test_dead_upstream_backed_off_and_probed_back(hearthd_factory, tmp_path,
                                                  upstreams):
    names = [f"n{i}.example.net." for i in range(40)]
    answers = {(n, "A"): (dns.rcode.NOERROR, ["192.0.2.9"], 300)
               for n in names}
    dead = upstreams(answers, mode="silent")
    live = upstreams(answers)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[dead.addr(), live.addr()],
                         upstream_timeout=200, upstream_down_after=2,
                         upstream_backoff=1)
    dead_addr = dead.addr()
    it = iter(names)
    # Two queries each wait for the dead one, then the live one answers.
    for _ in range(2):
        r = ask_from(d.dns_port, next(it), "127.0.0.1")
        assert r.rcode() == dns.rcode.NOERROR
    assert len(dead.queries) == 2
    m = metrics(d)
    assert sample(m, "hearth_dns_upstream_up", server=dead_addr,
                  domain=".") == 0
    assert sample(m, "hearth_dns_upstream_up", server=live.addr(),
                  domain=".") == 1
    assert sample(m, "hearth_dns_upstream_down_total", server=dead_addr,
                  domain=".") == 1
    # Down: skipped, every answer comes at once from the live one.
    t0 = time.monotonic()
    for _ in range(8):
        r = ask_from(d.dns_port, next(it), "127.0.0.1")
        assert r.rcode() == dns.rcode.NOERROR
    assert time.monotonic() - t0 < 1.0
    assert len(dead.queries) == 2
    # After the backoff one query probes it (still dead: it goes down
    # again, for twice as long); the others meanwhile skip it.
    time.sleep(1.1)
    r = ask_from(d.dns_port, next(it), "127.0.0.1")
    assert r.rcode() == dns.rcode.NOERROR
    assert len(dead.queries) == 3
    for _ in range(4):
        ask_from(d.dns_port, next(it), "127.0.0.1")
    assert len(dead.queries) == 3
    # It answers again: the next probe (after 2 s) brings it back.
    dead.mode = "ok"
    time.sleep(2.2)
    r = ask_from(d.dns_port, next(it), "127.0.0.1")
    assert r.rcode() == dns.rcode.NOERROR
    assert len(dead.queries) == 4
    before_live = len(live.queries)
    for _ in range(5):
        r = ask_from(d.dns_port, next(it), "127.0.0.1")
        assert r.rcode() == dns.rcode.NOERROR
    assert len(dead.queries) == 9  # first in the order again
    assert len(live.queries) == before_live
    m = metrics(d)
    assert sample(m, "hearth_dns_upstream_up", server=dead_addr,
                  domain=".") == 1


def test_all_upstreams_down_servfail_at_once(hearthd_factory, tmp_path,
                                             upstreams):
    silent = upstreams(A, mode="silent")
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[silent.addr()], upstream_timeout=200,
                         upstream_down_after=3, upstream_backoff=30)
    r = ask_from(d.dns_port, "x1.example.net.", "127.0.0.1")
    assert r.rcode() == dns.rcode.SERVFAIL  # three tries: down now
    t0 = time.monotonic()
    for i in range(20):
        r = ask_from(d.dns_port, f"y{i}.example.net.", "127.0.0.1")
        assert r.rcode() == dns.rcode.SERVFAIL
    assert time.monotonic() - t0 < 2.0
    assert len(silent.queries) == 3
    m = metrics(d)
    assert sample(m, "hearth_dns_forward_total",
                  event="upstreams_down") == 20


def test_recursion_only_for_allowed_clients(hearthd_factory, tmp_path,
                                            upstreams):
    up = upstreams(A)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[up.addr()],
                         allow_recursion=["127.0.0.1/32"])
    # Outside: REFUSED for a forwarded name, over UDP and TCP ...
    for tcp in (False, True):
        r = ask_from(d.dns_port, "www.example.net.", "127.0.0.2", tcp=tcp)
        assert r.rcode() == dns.rcode.REFUSED
        assert not r.answer
    assert up.queries == []
    # ... but the authoritative zone answers.
    for tcp in (False, True):
        r = ask_from(d.dns_port, ZONE, "127.0.0.2", qtype="SOA", tcp=tcp)
        assert r.rcode() == dns.rcode.NOERROR and r.answer
        assert r.flags & dns.flags.AA
    # Inside: forwarded.
    r = ask_from(d.dns_port, "www.example.net.", "127.0.0.1")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.answer[0][0].to_text() == "192.0.2.80"
    assert len(up.queries) == 1
    m = metrics(d)
    assert sample(m, "hearth_dns_recursion_refused_total") == 2


def test_default_allow_recursion_is_loopback_and_lab(hearthd_factory,
                                                     tmp_path, upstreams):
    """Without the key: loopback (and the lab's subnets) only; a reload
    that sets it takes effect."""
    up = upstreams(A)
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         upstream=[up.addr()])
    for src in ("127.0.0.1", "127.0.0.5"):
        r = ask_from(d.dns_port, "www.example.net.", src)
        assert r.rcode() == dns.rcode.NOERROR
    text = d.config_path.read_text()
    d.config_path.write_text(text.replace(
        "  upstream:", '  allow_recursion: ["127.0.0.1/32"]\n  upstream:'))
    d.proc.send_signal(1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = ask_from(d.dns_port, "www.example.net.", "127.0.0.5")
        if r.rcode() == dns.rcode.REFUSED:
            break
        time.sleep(0.2)
    assert r.rcode() == dns.rcode.REFUSED
    r = ask_from(d.dns_port, "www.example.net.", "127.0.0.1")
    assert r.rcode() == dns.rcode.NOERROR


def test_rrl_limits_a_flood_from_one_address(hearthd_factory, tmp_path):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         allow_recursion=["127.0.0.1/32"],
                         rrl={"responses_per_second": 5, "slip": 2,
                              "window": 2, "ipv4_prefix": 32})
    flood = client("127.0.0.2")
    try:
        n = 200
        t0 = time.monotonic()
        for i in range(n):
            flood.sendto(query_wire(ZONE, "SOA", qid=i).to_wire(),
                         ("127.0.0.1", d.dns_port))
        took = time.monotonic() - t0
        got = collect(flood, time.monotonic() + 1.5)
        full = [x for x in got if not x.flags & dns.flags.TC]
        slipped = [x for x in got if x.flags & dns.flags.TC]
        # Five a second (the flood lasts a moment): the rest is limited,
        # every second limited answer slips as TC=1 with no records.
        assert 5 <= len(full) <= 5 + 5 * (took + 1.5), (len(full), took)
        assert all(x.rcode() == dns.rcode.NOERROR and x.answer
                   for x in full)
        limited = n - len(full)
        assert abs(len(slipped) - limited // 2) <= 2
        assert all(not x.answer for x in slipped)
        # Meanwhile a trusted client and another address are answered.
        for i in range(20):
            r = ask_from(d.dns_port, ZONE, "127.0.0.1", qtype="SOA",
                         timeout=2)
            assert r.rcode() == dns.rcode.NOERROR and r.answer
        for i in range(5):
            r = ask_from(d.dns_port, ZONE, "127.0.0.3", qtype="SOA",
                         timeout=2)
            assert not r.flags & dns.flags.TC and r.answer
        # The flooder's TCP retry is answered in full.
        r = ask_from(d.dns_port, ZONE, "127.0.0.2", qtype="SOA", tcp=True)
        assert r.rcode() == dns.rcode.NOERROR and r.answer
        m = metrics(d)
        dropped = sample(m, "hearth_dns_rrl_total", action="dropped")
        slip = sample(m, "hearth_dns_rrl_total", action="slipped")
        assert slip == len(slipped)
        assert dropped + slip == limited
    finally:
        flood.close()


def test_rrl_off_with_zero(hearthd_factory, tmp_path):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         allow_recursion=["127.0.0.1/32"],
                         rrl={"responses_per_second": 0})
    s = client("127.0.0.2")
    try:
        for i in range(100):
            s.sendto(query_wire(ZONE, "SOA", qid=i).to_wire(),
                     ("127.0.0.1", d.dns_port))
        got = collect(s, time.monotonic() + 3, want=100)
        assert len(got) == 100
        assert not any(x.flags & dns.flags.TC for x in got)
    finally:
        s.close()
