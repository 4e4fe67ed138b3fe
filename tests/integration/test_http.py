# SPDX-License-Identifier: MIT
"""hearthd's HTTP contract: routes, auth, errors, limits."""
import json
import socket
import time
from html.parser import HTMLParser

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from helpers import (API_KEY, base_config, connect, hearthd_version,
                     metric_samples, raw_request, read_response, sample,
                     wait_closed)

ROOMS = {"store", "http", "lab", "dns", "dhcp", "watch"}


# ---- /healthz ----

def test_healthz(hearthd):
    r = hearthd.get("/healthz")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    j = r.json()
    assert j["status"] == "ok"
    assert j["version"] == hearthd_version()
    assert isinstance(j["uptime_seconds"], (int, float))
    assert 0 <= j["uptime_seconds"] < 60
    assert j["rooms"] == {"store": "running", "http": "running",
                          "lab": "loaded", "dns": "disabled", "dhcp": "disabled",
                          "notify": "disabled", "watch": "disabled",
                          "backup": "disabled", "net": "disabled"}


def test_healthz_uptime_grows(hearthd):
    a = hearthd.get("/healthz").json()["uptime_seconds"]
    time.sleep(0.3)
    b = hearthd.get("/healthz").json()["uptime_seconds"]
    assert b >= a + 0.2


def test_healthz_lab_disabled(hearthd_factory):
    d = hearthd_factory(base_config(hearthd_factory.tmp_path, lab=False))
    j = d.get("/healthz").json()
    assert j["status"] == "ok"
    assert j["rooms"]["lab"] == "disabled"
    st = d.status()
    assert "lab" not in st or not st["lab"], st


# ---- /metrics ----

def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_metrics_parse(hearthd):
    r = hearthd.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    fams = families(r.text)
    # prometheus_client strips _total from counter family names.
    for name in ["hearth_build_info", "hearth_uptime_seconds",
                 "hearth_http_requests", "process_resident_memory_bytes",
                 "hearth_config_reloads"]:
        assert name in fams, f"{name} missing: {sorted(fams)}"
    assert fams["hearth_http_requests"].type == "counter"
    assert fams["hearth_config_reloads"].type == "counter"
    assert fams["hearth_uptime_seconds"].type == "gauge"
    s = metric_samples(r.text)
    assert sample(s, "hearth_build_info", version=hearthd_version()) == 1
    assert sample(s, "hearth_uptime_seconds") >= 0
    assert sample(s, "process_resident_memory_bytes") > 1024 * 1024
    assert sample(s, "hearth_config_reloads_total", result="ok") == 0
    assert sample(s, "hearth_config_reloads_total", result="error") == 0
    # The /healthz of the startup wait is already counted.
    assert sample(s, "hearth_http_requests_total",
                  route="healthz", code="200") >= 1
    for sm in fams["hearth_http_requests"].samples:
        assert set(sm.labels) == {"route", "code"}, sm


def test_metrics_request_counter_increases(hearthd):
    def count(**labels):
        return sample(metric_samples(hearthd.metrics_text()),
                      "hearth_http_requests_total", **labels) or 0

    before = count(route="healthz", code="200")
    for _ in range(5):
        assert hearthd.get("/healthz").status_code == 200
    assert count(route="healthz", code="200") == before + 5

    before_401 = count(route="status", code="401")
    before_200 = count(route="status", code="200")
    hearthd.get("/api/v1/status")
    hearthd.get("/api/v1/status", headers={"X-API-Key": "wrong"})
    hearthd.get("/api/v1/status", headers={"X-API-Key": API_KEY})
    assert count(route="status", code="401") == before_401 + 2
    assert count(route="status", code="200") == before_200 + 1

    # /metrics counts itself: two scrapes, at least one more.
    m1 = count(route="metrics", code="200")
    m2 = count(route="metrics", code="200")
    assert m2 > m1

    # Unknown paths and wrong methods are counted too, with their code.
    n404 = sum(v for (n, l), v in metric_samples(hearthd.metrics_text()).items()
               if n == "hearth_http_requests_total" and ("code", "404") in l)
    hearthd.get("/nope")
    n404b = sum(v for (n, l), v in metric_samples(hearthd.metrics_text()).items()
                if n == "hearth_http_requests_total" and ("code", "404") in l)
    assert n404b == n404 + 1


# ---- / ----

class RoomsTable(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_table = self.in_cell = False
        self.found = False
        self.rows, self.row = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "rooms":
            self.in_table = self.found = True
        elif self.in_table and tag == "tr":
            self.row = []
        elif self.in_table and tag in ("td", "th"):
            self.in_cell = True
            self.row.append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_table = False
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None
        elif tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data):
        if self.in_cell and self.row:
            self.row[-1] += data.strip()


def test_index_page_lists_rooms(hearthd):
    r = hearthd.get("/")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    p = RoomsTable()
    p.feed(r.text)
    assert p.found, r.text
    rooms = {row[0]: row[1] for row in p.rows if len(row) >= 2
             and row[0] in ROOMS}
    assert rooms == {"store": "running", "http": "running",
                     "lab": "loaded", "dns": "disabled", "dhcp": "disabled",
                     "watch": "disabled"}, p.rows
    assert hearthd_version() in r.text


# ---- management API ----

def test_status_requires_api_key(hearthd):
    for headers in [{}, {"X-API-Key": "wrong"}, {"X-API-Key": ""},
                    {"X-API-Key": API_KEY + "x"}, {"X-API-Key": API_KEY[:-1]},
                    {"Authorization": f"Bearer {API_KEY}"}]:
        r = hearthd.get("/api/v1/status", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["Content-Type"].startswith("application/json")
        j = r.json()
        assert isinstance(j["error"], str) and j["error"], j
        assert "version" not in j
    r = hearthd.get("/api/v1/status", headers={"X-API-Key": API_KEY})
    assert r.status_code == 200
    # Header names are case-insensitive.
    r = hearthd.get("/api/v1/status", headers={"x-api-key": API_KEY})
    assert r.status_code == 200


def test_status_content(hearthd):
    j = hearthd.status()
    tmp = hearthd.tmp
    assert j["version"] == hearthd_version()
    assert j["pid"] == hearthd.pid
    assert 0 <= j["uptime_seconds"] < 60
    assert j["config"] == str(hearthd.config_path)
    assert j["state_dir"] == str(tmp / "state")
    assert j["store"]["path"] == str(tmp / "state" / "hearth.db")
    assert isinstance(j["store"]["schema_version"], int)
    assert j["store"]["schema_version"] >= 1
    assert j["store"]["starts"] == 1
    assert j["rooms"] == {"store": "running", "http": "running",
                          "lab": "loaded", "dns": "disabled", "dhcp": "disabled",
                          "notify": "disabled", "watch": "disabled",
                          "backup": "disabled", "net": "disabled"}
    assert j["reloads"] == {"ok": 0, "failed": 0}
    assert j["lab"] == {"domain": "lab.example", "networks": 2, "hosts": 3}


def test_status_without_api_key_configured(hearthd_factory):
    d = hearthd_factory(base_config(hearthd_factory.tmp_path, api_key=None))
    for headers in [{}, {"X-API-Key": ""}, {"X-API-Key": API_KEY},
                    {"X-API-Key": "anything"}]:
        r = d.get("/api/v1/status", headers=headers)
        assert r.status_code == 401, headers
        assert r.json()["error"]
    # The open routes still work.
    assert d.get("/healthz").status_code == 200
    assert d.get("/metrics").status_code == 200


# ---- errors ----

@pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/healthz/x",
                                  "/metricsx", "/api/v1/status/extra"])
def test_unknown_path_404_json(hearthd, path):
    r = hearthd.get(path, headers={"X-API-Key": API_KEY})
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["error"]


@pytest.mark.parametrize("method,path", [
    ("POST", "/healthz"), ("PUT", "/metrics"), ("DELETE", "/"),
    ("POST", "/api/v1/status"), ("PATCH", "/healthz")])
def test_wrong_method_405_json(hearthd, method, path):
    r = hearthd.request(method, path, data=b"{}",
                        headers={"X-API-Key": API_KEY})
    assert r.status_code == 405
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["error"]
    allow = [m.strip() for m in r.headers["Allow"].split(",")]
    assert "GET" in allow
    assert method not in allow


def test_405_without_key_on_management_route(hearthd):
    """The method is wrong whoever asks: 405 (or 401), never 200 or 5xx."""
    r = hearthd.request("POST", "/api/v1/status")
    assert r.status_code in (401, 405)
    assert r.json()["error"]


# ---- limits ----

def limits_daemon(factory, **http):
    h = {"max_header_bytes": 4096, "max_body_bytes": "1k"}
    h.update(http)
    return factory(base_config(factory.tmp_path, http=h))


def test_header_too_large_431_then_still_serving(hearthd_factory):
    d = limits_daemon(hearthd_factory)
    # Below the limit: served.
    ok = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
          b"X-Pad: " + b"a" * 2000 + b"\r\n\r\n")
    assert raw_request(d, ok)[0] == 200
    for size in (20000, 200000):
        big = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * size
               + b"\r\n\r\n")
        resp = raw_request(d, big)
        assert resp is not None, f"{size}: closed without a response"
        assert resp[0] == 431, resp
    # Many small headers add up too.
    many = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-H%d: %s\r\n" % (i, b"v" * 40) for i in range(400)) + b"\r\n"
    resp = raw_request(d, many)
    assert resp is not None and resp[0] == 431, resp
    assert d.get("/healthz").status_code == 200
    assert d.status()["pid"] == d.pid


def test_header_limit_is_max_header_bytes(hearthd_factory):
    """max_header_bytes: 4096 means a 5000-byte header block is refused,
    not only blocks past some internal pool size."""
    d = limits_daemon(hearthd_factory)
    req = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           b"X-Pad: " + b"a" * 5000 + b"\r\n\r\n")
    resp = raw_request(d, req)
    assert resp is not None and resp[0] == 431, \
        f"{len(req)}-byte header block with max_header_bytes 4096: {resp and resp[0]}"
    assert d.get("/healthz").status_code == 200


def test_header_limit_default_16k(hearthd):
    ok = requests.Request("GET", hearthd.url + "/healthz",
                          headers={"X-Pad": "a" * 12000}).prepare()
    assert hearthd.session.send(ok, timeout=5).status_code == 200
    big = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 40000
           + b"\r\n\r\n")
    resp = raw_request(hearthd, big)
    assert resp is not None and resp[0] == 431, resp
    assert hearthd.get("/healthz").status_code == 200


def test_body_too_large_413_then_still_serving(hearthd_factory):
    d = limits_daemon(hearthd_factory)
    small = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             b"Content-Length: 1000\r\n\r\n" + b"x" * 1000)
    assert raw_request(d, small)[0] == 200
    # The length is known up front: refused before the body is sent.
    head = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Length: 5000\r\n\r\n")
    resp = raw_request(d, head)
    assert resp is not None and resp[0] == 413, resp
    assert resp[1]["content-type"].startswith("application/json")
    assert json.loads(resp[2])["error"]
    # ... and when the body follows anyway.
    resp = raw_request(d, head + b"x" * 5000)
    assert resp is not None and resp[0] == 413, resp
    # Chunked, length unknown up front: still refused.
    chunked = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n"
               + b"800\r\n" + b"y" * 0x800 + b"\r\n0\r\n\r\n")
    resp = raw_request(d, chunked)
    assert resp is not None and resp[0] == 413, resp
    # Absurd lengths.
    for cl in (b"99999999999999999999999", b"-1", b"abc"):
        resp = raw_request(d, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Length: " + cl + b"\r\n\r\n")
        assert resp is None or 400 <= resp[0] < 500, (cl, resp)
    assert d.get("/healthz").status_code == 200


def test_413_is_counted_in_metrics(hearthd_factory):
    """Refused bodies show up in hearth_http_requests_total with code 413
    (under whichever route label the server files them)."""
    d = limits_daemon(hearthd_factory)

    def count_413():
        return sum(v for (n, labels), v in
                   metric_samples(d.metrics_text()).items()
                   if n == "hearth_http_requests_total"
                   and ("code", "413") in labels)

    before = count_413()
    head = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Length: 5000\r\n\r\n")
    for _ in range(3):
        assert raw_request(d, head)[0] == 413
    deadline = time.monotonic() + 5
    n = None
    while time.monotonic() < deadline:
        n = count_413()
        if n == before + 3:
            break
        time.sleep(0.1)
    assert n == before + 3, \
        f'hearth_http_requests_total{{code="413"}}: {before} -> {n} after 3 refusals'


def test_body_limit_default_1m(hearthd):
    head = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n")
    resp = raw_request(hearthd, head % (1024 * 1024 + 1))
    assert resp is not None and resp[0] == 413, resp
    body = b"z" * (64 * 1024)
    resp = raw_request(hearthd, (head % len(body)) + body)
    assert resp is not None and resp[0] == 200, resp


def test_idle_connection_closed(hearthd_factory):
    d = hearthd_factory(base_config(hearthd_factory.tmp_path,
                                    http={"idle_timeout": 1}))
    s = connect(d)
    try:
        elapsed = wait_closed(s, timeout=6)
    finally:
        s.close()
    assert elapsed is not None, "idle connection still open after 6 s"
    assert elapsed <= 3.0, f"closed only after {elapsed:.2f}s"
    assert d.get("/healthz").status_code == 200


def test_idle_keepalive_connection_closed(hearthd_factory):
    """After a response, a kept-alive connection that goes quiet is closed
    too."""
    d = hearthd_factory(base_config(hearthd_factory.tmp_path,
                                    http={"idle_timeout": "1s"}))
    s = connect(d)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(s)[0] == 200
        elapsed = wait_closed(s, timeout=6)
    finally:
        s.close()
    assert elapsed is not None and elapsed <= 3.0, elapsed


def test_keepalive_serves_several_requests(hearthd):
    s = connect(hearthd)
    try:
        for path in (b"/healthz", b"/metrics", b"/", b"/healthz"):
            s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            resp = read_response(s)
            assert resp is not None, path
            assert resp[0] == 200
    finally:
        s.close()


def _fill(d, n):
    """n connections the server has certainly accepted: each got an answer
    and stays open (keep-alive), idle."""
    d.session.close()  # its pooled keep-alive connection would count
    held = []
    for _ in range(n):
        s = connect(d)
        held.append(s)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        resp = read_response(s, timeout=3)
        assert resp is not None and resp[0] == 200
    return held


def _served_within(d, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            resp = raw_request(d, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                  b"Connection: close\r\n\r\n", timeout=1)
            if resp is not None and resp[0] == 200:
                return True
        except OSError:
            time.sleep(0.1)
    return False


def max_conn_daemon(factory):
    return factory(base_config(factory.tmp_path,
                               http={"max_connections": 4,
                                     "idle_timeout": "1m"}))


def test_max_connections(hearthd_factory):
    d = max_conn_daemon(hearthd_factory)
    held = _fill(d, 4)
    try:
        # The fifth request is not served while four are open.
        try:
            r = d.get("/healthz", timeout=3)
            got = r.status_code
        except requests.RequestException:
            got = None
        assert got is None, f"5th connection was served: {got}"
    finally:
        for s in held:
            s.close()
    # With the four gone, requests succeed again.
    assert _served_within(d, 5), "no service after the held connections closed"
    assert d.get("/healthz").status_code == 200


def test_max_connections_recovers_after_reaching_limit(hearthd_factory):
    """Reaching the limit, with no one waiting, must not stop the server
    from accepting once connections close."""
    d = max_conn_daemon(hearthd_factory)
    # The failure this guards against is timing-dependent: try a few times.
    for cycle in range(5):
        for s in _fill(d, 4):
            s.close()
        assert _served_within(d, 5), \
            f"cycle {cycle}: no service after max_connections was reached " \
            "and all connections closed"


def test_max_connections_excess_refused_promptly(hearthd_factory):
    """A connection beyond the limit is refused or closed, not left
    waiting in the backlog."""
    d = max_conn_daemon(hearthd_factory)
    held = _fill(d, 4)
    try:
        try:
            s = connect(d, timeout=3)
        except OSError:
            return  # refused: fine
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            elapsed = wait_closed(s, timeout=3)
        except OSError:
            elapsed = 0
        finally:
            s.close()
        assert elapsed is not None, \
            "5th connection neither refused nor closed within 3 s"
    finally:
        for s in held:
            s.close()


def test_many_sequential_requests_do_not_leak_connections(hearthd_factory):
    d = hearthd_factory(base_config(hearthd_factory.tmp_path,
                                    http={"max_connections": 4}))
    for i in range(40):
        # A new connection every time, closed by us.
        resp = raw_request(d, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                              b"Connection: close\r\n\r\n")
        assert resp is not None and resp[0] == 200, i


def test_garbage_requests_do_not_hurt(hearthd):
    for junk in [b"\x00\x01\x02\r\n\r\n", b"GET\r\n\r\n",
                 b"GET / HTTP/9.9\r\n\r\n", b"GET  HTTP/1.1\r\n\r\n",
                 b"G" * 5000 + b"\r\n\r\n",
                 b"GET /healthz HTTP/1.1\r\nNoColonHeader\r\n\r\n",
                 b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n"]:
        try:
            raw_request(hearthd, junk, timeout=3)
        except (OSError, ValueError, IndexError):
            pass
        assert hearthd.alive(), junk
    assert hearthd.get("/healthz").status_code == 200


def test_ipv6_listen(hearthd_factory):
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    cfg = base_config(hearthd_factory.tmp_path,
                      http={"listen": "[::1]:@PORT@"})
    d = hearthd_factory(cfg, wait=False)
    d.host = "::1"
    assert d.wait_healthy(), d.stderr()
    assert d.get("/healthz").json()["status"] == "ok"
    assert d.status()["pid"] == d.pid
