# SPDX-License-Identifier: MIT
"""hearthd's HTTP server under hostile clients (issue 8): slowloris, the
connection reserve, per-client caps, the header deadline, malformed
requests, /metrics access, and the DNS identity hidden by default.

Every client is on loopback: 127.0.0.0/8 is all local, so sockets bound to
127.0.0.2, 127.0.0.3, ... stand for distinct lab clients, and the test
configs reserve only 127.0.0.1 (the host's own tools)."""
import base64
import json
import select
import socket
import time

import dns.rcode

from dns_helpers import ask, make_query, start_hearth_dns
from helpers import (API_KEY, base_config, metric_samples, raw_request,
                     read_response, sample, wait_closed)

ZONES = "/api/v1/servers/localhost/zones"


def client_socket(d, source, timeout=5.0):
    """A connection to @d from the loopback address @source."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect((d.host, d.port))
    return s


def slow_socket(d, source):
    """A connection from @source that has begun a request and will only
    ever trickle it."""
    s = client_socket(d, source)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    except OSError:
        pass  # refused at accept: wait_closed tells
    return s


def closed_within(socks, expect, timeout):
    """The sockets of @socks the server closed: waits until @expect of
    them are (or @timeout), then half a second more for any others."""
    closed = set()
    deadline = time.monotonic() + timeout
    settle = None
    while True:
        now = time.monotonic()
        if len(closed) >= expect and settle is None:
            settle = now + 0.5
        if now > (settle or deadline):
            return closed
        ready, _, _ = select.select([s for s in socks if s not in closed],
                                    [], [], 0.05)
        for s in ready:
            if wait_closed(s, timeout=0.01) is not None:
                closed.add(s)


def trickle(socks):
    for s in socks:
        try:
            s.sendall(b"X")
        except OSError:
            pass


def healthz_from_loopback(d, timeout):
    """Seconds a fresh /healthz from 127.0.0.1 took to answer 200, or None."""
    start = time.monotonic()
    s = client_socket(d, "127.0.0.1", timeout)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        resp = read_response(s, timeout)
    except OSError:
        resp = None
    finally:
        s.close()
    if resp is None or resp[0] != 200:
        return None
    return time.monotonic() - start


def metric(d, name):
    r = d.get("/metrics", headers={"X-API-Key": API_KEY})
    assert r.status_code == 200, r.text
    return sample(metric_samples(r.text), name)


# ---- slowloris ----

def test_slowloris_leaves_loopback_served_and_caps_each_client(
        hearthd_factory):
    # 40 connections, 8 of them only for 127.0.0.1; 4 per other client.
    d = hearthd_factory(base_config(
        hearthd_factory.tmp_path,
        http={"max_connections": 40, "reserved_connections": 8,
              "max_connections_per_client": 4,
              "reserved_clients": "127.0.0.1/32",
              "header_timeout": "1m", "idle_timeout": "1m"}))
    d.session.close()
    held = []
    try:
        # The per-client cap: a fifth connection from one client is closed
        # at once, the first four stay.
        for _ in range(4):
            held.append(slow_socket(d, "127.0.0.2"))
        extra = client_socket(d, "127.0.0.2")
        try:
            closed = wait_closed(extra, timeout=3)
        finally:
            extra.close()
        assert closed is not None, "a fifth connection from 127.0.0.2 stayed open"
        for s in held:
            assert wait_closed(s, timeout=0.05) is None

        # More slow sockets than the cap, from 11 other clients: 28 of the
        # 44 get the slots left of the 32 others may use, 16 are closed.
        opened = [slow_socket(d, f"127.0.0.{i}")
                  for i in range(3, 14) for _ in range(4)]
        closed = closed_within(opened, expect=16, timeout=5)
        for s in opened:
            if s in closed:
                s.close()
            else:
                held.append(s)
        assert len(closed) == 16, f"{len(closed)} of 44 closed"
        assert len(held) == 32

        # While they trickle, the host's own /healthz is answered at once,
        # again and again; another client is not let in.
        for _ in range(5):
            trickle(held)
            took = healthz_from_loopback(d, timeout=1.0)
            assert took is not None and took < 1.0, \
                f"/healthz from 127.0.0.1 not answered within 1 s ({took})"
            other = client_socket(d, "127.0.0.20")
            try:
                other.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                assert read_response(other, timeout=2) is None
            except OSError:
                pass
            finally:
                other.close()
            time.sleep(0.2)
        for s in held:
            assert wait_closed(s, timeout=0.01) is None, \
                "a slow connection inside the caps was closed"
        assert metric(d, "hearth_http_connections_refused_per_client_total") >= 1
        assert metric(d, "hearth_http_connections_refused_total") >= 16
    finally:
        for s in held:
            s.close()
    # With the slow clients gone, everyone is served again.
    deadline = time.monotonic() + 5
    while True:
        s = client_socket(d, "127.0.0.20")
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            resp = read_response(s, timeout=2)
        except OSError:
            resp = None
        finally:
            s.close()
        if resp is not None and resp[0] == 200:
            break
        assert time.monotonic() < deadline, "127.0.0.20 not served again"
        time.sleep(0.1)


def test_header_deadline_closes_a_dribbling_connection(hearthd_factory):
    d = hearthd_factory(base_config(
        hearthd_factory.tmp_path,
        http={"header_timeout": "2s", "idle_timeout": "1m"}))
    s = client_socket(d, "127.0.0.2")
    start = time.monotonic()
    closed_after = None
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\n")
        # A header byte every 0.2 s: the idle timeout (1 min) never fires,
        # the request never completes.
        while time.monotonic() - start < 6:
            try:
                s.sendall(b"X")
            except OSError:
                closed_after = time.monotonic() - start
                break
            if wait_closed(s, timeout=0.2) is not None:
                closed_after = time.monotonic() - start
                break
    finally:
        s.close()
    assert closed_after is not None, "dribbling connection open after 6 s"
    assert 1.8 <= closed_after <= 3.5, f"closed after {closed_after:.2f}s"
    assert metric(d, "hearth_http_header_timeouts_total") == 1

    # A request sent at once is not affected, nor is a kept-alive
    # connection that sends its next request after the deadline's length.
    s = client_socket(d, "127.0.0.2")
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(s)[0] == 200
        time.sleep(2.5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(s)[0] == 200
    finally:
        s.close()


# ---- malformed requests ----

def test_nul_in_path_is_refused_before_routing(hearthd_factory, tmp_path):
    """DELETE .../zones/X.%00/notify used to delete zone X."""
    d = start_hearth_dns(hearthd_factory, tmp_path, api_key=API_KEY)
    key = {"X-API-Key": API_KEY}
    r = d.request("POST", ZONES, headers=key,
                  json={"name": "victim.example.", "kind": "Native",
                        "nameservers": ["ns.victim.example."]})
    assert r.status_code == 201, r.text
    for bad in (b"%00", b"%0a", b"%0D", b"%7f", b"%01"):
        req = (b"DELETE " + ZONES.encode() + b"/victim.example." + bad +
               b"/notify HTTP/1.1\r\nHost: x\r\nX-API-Key: " +
               API_KEY.encode() + b"\r\n\r\n")
        resp = raw_request(d, req)
        assert resp is not None and resp[0] == 400, (bad, resp)
        assert resp[1]["content-type"].startswith("application/json")
        assert "control character" in json.loads(resp[2])["error"]
    assert d.get(ZONES + "/victim.example.", headers=key).status_code == 200
    # A NUL in the query is refused too; ordinary escapes are not.
    resp = raw_request(d, b"GET /healthz?x=%00 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert resp[0] == 400, resp
    resp = raw_request(d, b"GET /healthz?x=%41%20b HTTP/1.1\r\nHost: x\r\n\r\n")
    assert resp[0] == 200, resp


def expect_400_and_close(d, data):
    s = client_socket(d, "127.0.0.1")
    try:
        s.sendall(data)
        resp = read_response(s)
        assert resp is not None and resp[0] == 400, resp
        assert resp[1]["content-type"].startswith("application/json")
        assert "ambiguous body length" in json.loads(resp[2])["error"]
        # What follows could be another request smuggled in the body.
        assert wait_closed(s, timeout=3) is not None
    finally:
        s.close()


def test_ambiguous_body_length_is_refused(hearthd):
    key = b"X-API-Key: " + API_KEY.encode() + b"\r\n"
    smuggled = b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n" + key + b"\r\n"
    expect_400_and_close(
        hearthd, b"POST /api/v1/reload HTTP/1.1\r\nHost: x\r\n" + key +
        b"Content-Length: 4\r\nContent-Length: " +
        str(4 + len(smuggled)).encode() + b"\r\n\r\nabcd" + smuggled)
    expect_400_and_close(
        hearthd, b"POST /api/v1/reload HTTP/1.1\r\nHost: x\r\n" + key +
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\n" + smuggled)
    # The same length twice is not ambiguous.
    resp = raw_request(hearthd, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Length: 2\r\nContent-Length: 2\r\n\r\nab")
    assert resp[0] == 200, resp


def test_long_url_gets_414_with_json(hearthd):
    s = client_socket(hearthd, "127.0.0.1")
    try:
        s.sendall(b"GET /healthz?q=" + b"a" * 30 * 1024 +
                  b" HTTP/1.1\r\nHost: x\r\n\r\n")
        resp = read_response(s)
    finally:
        s.close()
    assert resp is not None and resp[0] == 414, resp
    assert resp[1]["content-type"].startswith("application/json")
    assert json.loads(resp[2])["error"] == "request target too long"
    assert hearthd.get("/healthz").status_code == 200


# ---- /metrics access ----

def test_metrics_public_by_default(hearthd):
    assert hearthd.get("/metrics").status_code == 200


def test_metrics_private_needs_the_key(hearthd_factory):
    d = hearthd_factory(base_config(hearthd_factory.tmp_path,
                                    http={"metrics_public": False}))
    r = d.get("/metrics")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    assert "error" in r.json()
    assert d.get("/metrics", headers={"X-API-Key": "wrong"}).status_code == 401
    r = d.get("/metrics", headers={"X-API-Key": API_KEY})
    assert r.status_code == 200 and "hearth_build_info" in r.text
    r = d.get("/metrics", auth=("prometheus", API_KEY))
    assert r.status_code == 200 and "hearth_build_info" in r.text
    assert d.get("/metrics", auth=("prometheus", "wrong")).status_code == 401
    bad = base64.b64encode(b"no-colon").decode()
    r = d.get("/metrics", headers={"Authorization": "Basic " + bad})
    assert r.status_code == 401
    # /healthz stays public.
    assert d.get("/healthz").status_code == 200


def test_metrics_private_without_a_key_refuses_everyone(hearthd_factory):
    d = hearthd_factory(base_config(hearthd_factory.tmp_path, api_key=None,
                                    http={"metrics_public": False}))
    assert d.get("/metrics").status_code == 401
    assert d.get("/metrics", auth=("x", "")).status_code == 401


# ---- DNS identity ----

def test_chaos_identity_hidden_by_default(hearthd_factory, tmp_path):
    d = start_hearth_dns(hearthd_factory, tmp_path)
    for name in ("version.bind.", "id.server."):
        for proto in ("udp", "tcp"):
            q = make_query(name, "TXT", rdclass="CH", edns=0)
            r = ask(q, "127.0.0.1", d.dns_port, proto)
            assert r.rcode() == dns.rcode.REFUSED, (name, proto, r)
            assert not r.answer
