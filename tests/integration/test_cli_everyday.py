# SPDX-License-Identifier: MIT
"""Everyday operations from the CLI against a real hearthd: zones and
records, NOTIFY, the forwarding cache, DHCP pools and release, status with
a broken config file; every command's --json parses and its table lines
up."""
import json
import re
import socket
import time

import dns.message
import dns.query
import dns.rcode
import pytest

from dns_helpers import start_hearth_dns
from test_dns_forward import A, FakeUpstream
from test_store_upgrade import config as dhcp_config, legacy_state
from helpers import API_KEY, free_port
from test_cli import FakeServer


def args(d):
    return ["--url", f"http://127.0.0.1:{d.port}", "--api-key", "k"]


def ok(cli, d, *a):
    r = cli(*args(d), *a)
    assert r.returncode == 0, (a, r.stdout, r.stderr)
    return r.stdout


def js(cli, d, *a):
    return json.loads(ok(cli, d, *a, "--json"))


def check_aligned(out, headers):
    """Each header word starts a column: every row's cell starts there."""
    lines = out.rstrip("\n").splitlines()
    head = lines[0]
    starts = [head.index(h) for h in headers]
    for line in lines[1:]:
        for s in starts[1:]:
            assert line[s - 2:s] == "  " and line[s] != " ", (line, out)


def answers(port, name, qtype="A"):
    r = dns.query.udp(dns.message.make_query(name, qtype), "127.0.0.1",
                      port=port, timeout=5)
    return r.rcode(), sorted(x.to_text() for rr in r.answer for x in rr)


def test_zones_and_records(hearthd_factory, tmp_path, cli):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    out = ok(cli, d, "dns", "zones")
    assert "example.com." in out
    check_aligned(out, ["ZONE", "KIND", "SERIAL"])
    assert "example.com." in [z["name"] for z in js(cli, d, "dns", "zones")]

    assert js(cli, d, "dns", "zone", "add", "new.example")["name"] == \
        "new.example."
    assert "new.example." in ok(cli, d, "dns", "zones")
    # pdnsutil habits: add appends to the rrset; the TTL given applies.
    ok(cli, d, "dns", "record", "add", "new.example", "www", "A",
       "192.0.2.1")
    j = js(cli, d, "dns", "record", "add", "new.example", "www", "A", "300",
           "192.0.2.2")
    assert j["ttl"] == 300 and len(j["records"]) == 2
    ok(cli, d, "dns", "record", "add", "new.example", "@", "TXT",
       '"hello"', '"world"')
    assert answers(d.dns_port, "www.new.example.") == \
        (dns.rcode.NOERROR, ["192.0.2.1", "192.0.2.2"])
    assert answers(d.dns_port, "new.example.", "TXT")[1] == \
        ['"hello" "world"']
    # The same content twice is refused.
    r = cli(*args(d), "dns", "record", "add", "new.example", "www", "A",
            "192.0.2.1")
    assert r.returncode == 1 and "already" in r.stderr

    out = ok(cli, d, "dns", "record", "list", "new.example")
    check_aligned(out, ["NAME", "TTL", "TYPE", "CONTENT"])
    assert "www.new.example." in out and "192.0.2.2" in out
    rr = js(cli, d, "dns", "record", "list", "new.example", "www", "A")
    assert [(x["name"], x["type"], x["ttl"]) for x in rr] == \
        [("www.new.example.", "A", 300)]

    # Delete one content, then the whole rrset.
    j = js(cli, d, "dns", "record", "delete", "new.example", "www", "A",
           "192.0.2.1")
    assert j["deleted"] == 1
    assert answers(d.dns_port, "www.new.example.")[1] == ["192.0.2.2"]
    r = cli(*args(d), "dns", "record", "delete", "new.example", "www", "A",
            "192.0.2.99")
    assert r.returncode == 1, r
    ok(cli, d, "dns", "record", "delete", "new.example", "www", "A")
    assert answers(d.dns_port, "www.new.example.")[0] == dns.rcode.NXDOMAIN

    assert js(cli, d, "dns", "zone", "delete", "new.example")["deleted"]
    assert "new.example." not in ok(cli, d, "dns", "zones")
    r = cli(*args(d), "dns", "zone", "delete", "new.example")
    assert r.returncode == 5, r


def test_notify_reaches_the_secondary(hearthd_factory, tmp_path, cli):
    sec = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sec.bind(("127.0.0.1", 0))
    sec.settimeout(5)
    try:
        d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                             secondaries=[f"127.0.0.1:{sec.getsockname()[1]}"])
        # Drain the NOTIFYs sent at start.
        sec.settimeout(0.5)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                sec.recvfrom(512)
            except socket.timeout:
                break
        sec.settimeout(5)
        j = js(cli, d, "dns", "notify", "example.com")
        assert j["result"] == "Notification queued"
        data, _ = sec.recvfrom(512)
        m = dns.message.from_wire(data)
        assert m.opcode() == dns.opcode.NOTIFY
        assert str(m.question[0].name) == "example.com."
        r = cli(*args(d), "dns", "notify", "nope.example")
        assert r.returncode == 5, r
    finally:
        sec.close()


def test_cache_show_and_flush(hearthd_factory, tmp_path, cli):
    up = FakeUpstream(A)
    try:
        d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                             upstream=[up.addr()])
        c = js(cli, d, "dns", "cache", "show")
        assert c["entries"] == 0 and c["capacity"] > 0
        for name in ("www.example.net.", "nat.example.net."):
            assert answers(d.dns_port, name)[0] == dns.rcode.NOERROR
        answers(d.dns_port, "www.example.net.")
        c = js(cli, d, "dns", "cache", "show")
        assert c["entries"] == 2 and c["hits"] >= 1 and c["misses"] >= 2, c
        out = ok(cli, d, "dns", "cache", "show")
        assert "entries" in out and "hits" in out and "misses" in out
        n = len(up.queries)
        # One name: only it goes; the other stays cached.
        j = js(cli, d, "dns", "cache", "flush", "www.example.net")
        assert j["count"] == 1
        answers(d.dns_port, "nat.example.net.")
        assert len(up.queries) == n
        answers(d.dns_port, "www.example.net.")
        assert len(up.queries) == n + 1
        assert "flushed 2" in ok(cli, d, "dns", "cache", "flush")
        assert js(cli, d, "dns", "cache", "show")["entries"] == 0
    finally:
        up.close()


def test_dhcp_pools_and_release(hearthd_factory, tmp_path, cli):
    state = legacy_state(tmp_path)
    d = hearthd_factory(dhcp_config(state, free_port(), free_port()))
    pools = js(cli, d, "dhcp", "pools")
    assert pools == [{"subnet": "192.168.32.0/24",
                      "ranges": ["192.168.32.100-192.168.32.120"],
                      "size": 21, "used": 1, "free": 20}]
    out = ok(cli, d, "dhcp", "pools")
    check_aligned(out, ["SUBNET", "SIZE", "USED", "FREE", "RANGES"])
    assert "192.168.32.0/24" in out
    j = js(cli, d, "dhcp", "release", "CA:FE:C0:FF:EE:09")
    assert j == {"ip": "192.168.32.100", "mac": "ca:fe:c0:ff:ee:09",
                 "released": True}
    assert js(cli, d, "dhcp", "leases") == []
    assert js(cli, d, "dhcp", "pools")[0]["used"] == 0
    r = cli(*args(d), "dhcp", "release", "192.168.32.100")
    assert r.returncode == 5, r
    r = cli(*args(d), "dhcp", "release", "ca:fe:c0:ff:ee:09")
    assert r.returncode == 1 and "no lease" in r.stderr, r
    r = cli(*args(d), "dhcp", "release", "not-an-address")
    assert r.returncode == 2, r


def test_status_with_broken_config_warns_and_works(cli, hearthd, tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("http:\n  listen: nowhere\n")
    env = {"HEARTH_URL": hearthd.url, "HEARTH_API_KEY": API_KEY}
    for a in (("status",), ("status", "--json")):
        r = cli("-c", p, *a, env=env)
        assert r.returncode == 0, r
        assert f"{p}:2:11:" in r.stderr and "warning" in r.stderr, r
    assert json.loads(r.stdout)["pid"] == hearthd.pid
    r = cli("-c", p, "status", env=env)
    assert "up " in r.stdout

    assert re.search(r"\bup (\d+ s|\d+ m \d+ s)\b", r.stdout), r.stdout


# ---- the query log ----

QLOG = re.compile(r"query client=(\S+) proto=(udp|tcp) name=(\S+) type=(\S+) "
                  r"rcode=(\S+) source=(auth|cache|forward) "
                  r"latency_ms=(\d+\.\d+)")


def qlog_lines(d):
    return [m.groups() for m in QLOG.finditer(d.stderr())]


def wait_lines(d, n, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = qlog_lines(d)
        if len(got) >= n:
            return got
        time.sleep(0.05)
    return qlog_lines(d)


def test_query_log_fields_and_sources(hearthd_factory, tmp_path):
    up = FakeUpstream(A)
    try:
        d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                             upstream=[up.addr()], log_queries=True)
        before = len(qlog_lines(d))  # the readiness probe's
        answers(d.dns_port, "www.example.com.")
        answers(d.dns_port, "www.example.net.")
        answers(d.dns_port, "www.example.net.")
        answers(d.dns_port, "nope.example.com.", "AAAA")
        dns.query.tcp(dns.message.make_query("www.example.com.", "MX"),
                      "127.0.0.1", port=d.dns_port, timeout=5)
        got = wait_lines(d, before + 5)[before:]
        rows = [(c, p, n, t, rc, s) for c, p, n, t, rc, s, _ in got]
        assert rows == [
            ("127.0.0.1", "udp", "www.example.com.", "A", "NOERROR", "auth"),
            ("127.0.0.1", "udp", "www.example.net.", "A", "NOERROR",
             "forward"),
            ("127.0.0.1", "udp", "www.example.net.", "A", "NOERROR", "cache"),
            ("127.0.0.1", "udp", "nope.example.com.", "AAAA", "NXDOMAIN",
             "auth"),
            ("127.0.0.1", "tcp", "www.example.com.", "MX", "NOERROR", "auth"),
        ], d.stderr()
        assert all(float(x[6]) < 5000 for x in got)
    finally:
        up.close()


def test_query_log_off_by_default_on_by_reload(hearthd_factory, tmp_path,
                                               cli):
    from dns_helpers import dns_config
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    for _ in range(5):
        answers(d.dns_port, "www.example.com.")
    time.sleep(0.2)
    assert qlog_lines(d) == [] and "query client=" not in d.stderr()
    # Turned on by a reload (the key is reloadable), no restart.
    d.write_config(dns_config(tmp_path, d.dns_port, ipv6=False,
                              log_queries=True))
    ok(cli, d, "reload")
    answers(d.dns_port, "www.example.com.", "SOA")
    got = wait_lines(d, 1)
    assert [x[2:6] for x in got] == [("www.example.com.", "SOA", "NOERROR",
                                      "auth")], d.stderr()[-2000:]


def test_query_log_rate_bounded_under_flood(hearthd_factory, tmp_path):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         log_queries=True, udp_workers=4)
    wire = dns.message.make_query("www.example.com.", "A").to_wire()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    t0 = time.monotonic()
    sent = got = 0
    try:
        # 4000 queries in windows of 50, each window's answers read back.
        for _ in range(80):
            for _ in range(50):
                s.sendto(wire, ("127.0.0.1", d.dns_port))
                sent += 1
            try:
                for _ in range(50):
                    s.recv(4096)
                    got += 1
            except socket.timeout:
                pass
        elapsed = time.monotonic() - t0
        time.sleep(0.1)
        logged = len(qlog_lines(d))
        assert got > 1000, got
        # Burst 100, then 50 a second (slack for the readiness probe).
        assert logged <= 100 + 50 * (elapsed + 1) + 5, (logged, elapsed)
        assert logged < got / 4
        time.sleep(0.5)
        answers(d.dns_port, "www.example.com.")
        err = d.stderr()
        m = re.findall(r"query log: suppressed (\d+) lines", err)
        assert m, err[-2000:]
        assert sum(map(int, m)) >= got - logged - 60, (m, got, logged)
    finally:
        s.close()


def test_query_log_with_verbose(hearthd_factory, tmp_path):
    from dns_helpers import dns_config, free_dns_port, wait_dns_ready
    port = free_dns_port()
    d = hearthd_factory(dns_config(tmp_path, port, ipv6=False), args=("-v",))
    wait_dns_ready("127.0.0.1", port, proc=d.proc)
    answers(port, "www.example.com.", "TXT")
    got = wait_lines(d, 1)
    assert any(x[2] == "www.example.com." and x[3] == "TXT" for x in got), \
        d.stderr()[-2000:]


# ---- --json everywhere ----

def test_every_other_command_has_json(hearthd_factory, tmp_path, cli):
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    assert "version" in js(cli, d, "version")
    names = [c["command"] for c in js(cli, d, "help")]
    for c in ("dns zones", "dns record add", "dns cache flush",
              "dhcp release", "dhcp pools", "status"):
        assert c in names, names
    checked = json.loads(cli("config", "check", d.config_path,
                             "--json").stdout)
    assert checked == {"file": str(d.config_path), "ok": True,
                       "summary": checked.get("summary")}
    assert checked["summary"].startswith("ok: 1 room (dns), 1 zone, ")
    assert isinstance(js(cli, d, "reload"), dict)
    z = tmp_path / "j.zone"
    z.write_text("$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n")
    assert js(cli, d, "dns", "import", "j.example", z)["records"] >= 3
    assert "ns.j.example." in js(cli, d, "dns", "export", "j.example")["zone"]
    st = tmp_path / "var"
    j = json.loads(cli("store", "check", "--state-dir", st, "--json").stdout)
    assert j["ok"] is True and j["problems"] == []



def test_dns_check_offline(cli, tmp_path):
    good = tmp_path / "check.example.zone"
    good.write_text("$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\n"
                    "ns A 192.0.2.1\nwww A 192.0.2.2\n")
    # No daemon: --url points nowhere and is never used.
    r = cli("--url", "http://127.0.0.1:9", "dns", "check", good)
    assert r.returncode == 0, r
    assert "check.example." in r.stdout and "4 records" in r.stdout
    j = json.loads(cli("dns", "check", good, "--json").stdout)
    assert j == {"file": str(good), "zone": "check.example", "ok": True,
                 "records": 4}
    bad = tmp_path / "bad.zone"
    bad.write_text("$ORIGIN other.example.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n"
                   "www A 192.0.2.300\n")
    r = cli("dns", "check", bad)
    assert r.returncode == 1, r
    assert f"{bad}:4:" in r.stderr, r
    r = cli("dns", "check", bad, "--json")
    j = json.loads(r.stdout)
    assert r.returncode == 1 and j["ok"] is False and \
        j["zone"] == "other.example." and f"{bad}:4:" in j["error"]
    # The zone given wins; a file without an SOA at its apex is refused.
    absolute = tmp_path / "abs.zone"
    absolute.write_text("$TTL 60\ncheck.example. SOA ns.check.example. "
                        "h.check.example. 1 2 3 4 5\n")
    assert cli("dns", "check", absolute, "check.example").returncode == 0
    r = cli("dns", "check", absolute, "elsewhere.example")
    assert r.returncode == 1 and "SOA" in r.stderr, r


def test_dhcp_leases_expiry_is_human(cli):
    """`hearth dhcp leases` says when a lease ends as a duration ("in 11 h
    59 m") and "expired" for one past its end, never raw epoch; --json keeps
    the unix seconds."""
    now = int(time.time())
    leases = [{"ip": "10.9.0.10", "mac": "02:00:00:00:00:0a",
               "hostname": "soon", "expires": now + 12 * 3600 - 30,
               "state": "bound"},
              {"ip": "10.9.0.11", "mac": "02:00:00:00:00:0b",
               "hostname": "", "expires": now - 60, "state": "bound"}]
    fake = FakeServer()
    fake.body = json.dumps(leases).encode()
    try:
        a = ["--url", fake.url, "--api-key", "k", "dhcp", "leases"]
        r = cli(*a)
        assert r.returncode == 0, r
        check_aligned(r.stdout, ["IP", "MAC", "HOSTNAME", "STATE", "EXPIRES"])
        rows = {ln.split()[0]: ln for ln in r.stdout.splitlines()[1:]}
        assert rows["10.9.0.10"].endswith("in 11 h 59 m"), r.stdout
        assert rows["10.9.0.11"].endswith("expired"), r.stdout
        assert str(now - 60) not in r.stdout and "1970" not in r.stdout
        r = cli(*a, "--json")
        assert r.returncode == 0, r
        assert [x["expires"] for x in json.loads(r.stdout)] == \
            [now + 12 * 3600 - 30, now - 60]
    finally:
        fake.close()
