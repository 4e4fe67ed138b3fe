# SPDX-License-Identifier: MIT
"""The watch room's probes over more transports: dns monitors over TCP and
IPv6 against hearthd's own DNS room on 127.0.0.1 and ::1; ping over
ICMPv6 and by name; webhook alerts with Kuma's JSON."""
import json
import os
import re
import time

import dns.rcode

from helpers import base_config, free_port
from test_dns_forward import FakeUpstream
from test_watch import wait_for, yaml


def test_dns_over_tcp_and_ipv6(hearthd_factory, tmp_path):
    port = free_port()
    closed6 = free_port("::1")

    def mon(name, server, transport, **kw):
        return {"name": name, "type": "dns", "hostname": "web.lab.example",
                "dns_resolve_server": server, "port": port,
                "dns_transport": transport, "interval": "1s", **kw}
    cfg = base_config(tmp_path, lab=False, watch={"monitors": [
        mon("tcp4", "127.0.0.1", "tcp", expected_value="192.168.30.10"),
        mon("udp6", "::1", "udp", expected_value="192.168.30.10"),
        mon("tcp6", "::1", "tcp", hostname="web6.lab.example",
            dns_resolve_type="AAAA", expected_value="fd00:30::10"),
        mon("tcp6-nodata", "::1", "tcp", dns_resolve_type="AAAA"),
        mon("tcp-nx", "127.0.0.1", "tcp", hostname="nope.lab.example"),
        {"name": "tcp6-closed", "type": "dns", "hostname": "web.lab.example",
         "dns_resolve_server": "::1", "port": closed6, "dns_transport": "tcp",
         "interval": "2s", "timeout": "1s"},
    ]}, dns={"listen": [f"127.0.0.1:{port}", f"[::1]:{port}"],
             "upstream": []})
    cfg["lab"] = {"domain": "lab.example", "hosts": {
        "web": {"ip": "192.168.30.10"}, "web6": {"ip": "fd00:30::10"}}}
    d = hearthd_factory(yaml(cfg))
    want = {"tcp4": "UP", "udp6": "UP", "tcp6": "UP", "tcp6-nodata": "DOWN",
            "tcp-nx": "DOWN", "tcp6-closed": "DOWN"}
    ms = wait_for(d, lambda ms: {n: m["status_text"] for n, m in ms.items()}
                  == want, "dns states", 20)
    assert ms["tcp4"]["msg"] == "Records: 192.168.30.10"
    assert ms["udp6"]["msg"] == "Records: 192.168.30.10"
    assert ms["tcp6"]["msg"] == "Records: fd00:30::10"
    assert ms["tcp6-nodata"]["msg"] == "no AAAA record"
    assert ms["tcp-nx"]["msg"] == "NXDOMAIN"
    assert ms["tcp6-closed"]["msg"].startswith("connect: "), \
        ms["tcp6-closed"]["msg"]
    assert d.stop() == 0


def test_ping_ipv6_and_by_name(hearthd_factory, tmp_path):
    """ICMPv6 to ::1; names from lab.hosts (bare and under lab.domain), and
    through dns.upstream (a fake upstream on loopback: an A record, an
    AAAA-only name, NXDOMAIN); never the system resolver."""
    up = FakeUpstream({
        ("far.example.net.", "A"): (dns.rcode.NOERROR, ["127.0.0.1"], 60),
        ("six.example.net.", "A"): (dns.rcode.NOERROR, [], 60),
        ("six.example.net.", "AAAA"): (dns.rcode.NOERROR, ["::1"], 60)})
    try:
        def ping(name, host):
            return {"name": name, "type": "ping", "hostname": host,
                    "interval": "1s", "ping_timeout": "1s"}
        cfg = base_config(tmp_path, lab=False, watch={"monitors": [
            ping("v6", "::1"), ping("lab", "loop"),
            ping("lab-fqdn", "loop.lab.example"), ping("lab-v6", "loop6"),
            ping("far", "far.example.net"), ping("six", "six.example.net"),
            ping("nx", "nope.example.net"),
        ]}, dns={"listen": [f"127.0.0.1:{free_port()}"],
                 "upstream": [up.addr()]})
        cfg["lab"] = {"domain": "lab.example", "hosts": {
            "loop": {"ip": "127.0.0.1"}, "loop6": {"ip": "::1"}}}
        d = hearthd_factory(yaml(cfg))
        want = {"v6": "UP", "lab": "UP", "lab-fqdn": "UP", "lab-v6": "UP",
                "far": "UP", "six": "UP", "nx": "DOWN"}
        ms = wait_for(d, lambda ms: {n: m["status_text"] for n, m in
                                     ms.items()} == want, "ping states", 20)
        assert ms["v6"]["msg"] == "1 of 1 replies from ::1"
        assert ms["lab"]["msg"] == "1 of 1 replies from 127.0.0.1"
        assert ms["lab-fqdn"]["msg"] == "1 of 1 replies from 127.0.0.1"
        assert ms["lab-v6"]["msg"] == "1 of 1 replies from ::1"
        assert ms["far"]["msg"] == "1 of 1 replies from 127.0.0.1"
        assert ms["six"]["msg"] == "1 of 1 replies from ::1"
        assert ms["nx"]["msg"] == ("ping: cannot resolve nope.example.net: "
                                   "NXDOMAIN"), ms["nx"]["msg"]
        names = {q[0] for q in up.queries}
        assert {"far.example.net.", "six.example.net.",
                "nope.example.net."} <= names
        assert not names & {"loop.", "loop.lab.example.", "loop6."}
        assert d.stop() == 0
    finally:
        up.close()


def test_ping_by_name_without_the_dns_room(hearthd_factory, tmp_path):
    cfg = base_config(tmp_path, lab=False, watch={"monitors": [
        {"name": "far", "type": "ping", "hostname": "far.example.net",
         "interval": "1s"}]})
    d = hearthd_factory(yaml(cfg))
    ms = wait_for(d, lambda ms: ms["far"]["status_text"] == "DOWN",
                  "ping DOWN", 10)
    assert ms["far"]["msg"] == ("ping: cannot resolve far.example.net: not a "
                                "lab host, and no DNS upstream (dns.upstream;"
                                " the dns room is off)")
    assert d.stop() == 0


class Sink:
    """An HTTP server on loopback keeping each POST's path, headers and
    JSON body."""

    def __init__(self):
        import http.server
        import threading
        got = self.got = []

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                got.append((self.path, dict(self.headers),
                            json.loads(self.rfile.read(n) or b"null")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever,
                                       daemon=True)
        self.thread.start()

    def wait(self, n, timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.got) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.got

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def test_webhook_alerts_carry_kumas_json(hearthd_factory, tmp_path):
    """alerts.to's webhook:// target and a notify route's: each alert is
    POSTed as Kuma's webhook body {heartbeat, monitor, msg}."""
    sink = Sink()
    try:
        cfg = base_config(tmp_path, watch={
            "alerts": {"to": [f"webhook://127.0.0.1:{sink.port}/kuma"]},
            "monitors": [{"name": "cron", "type": "push",
                          "token": "crontoken", "interval": "60s",
                          "description": "nightly job"}]},
            notify={"listen": f"127.0.0.1:{free_port()}",
                    "routes": [{"event": "watch.up", "to": [
                        f"webhook://127.0.0.1:{sink.port}/route"]}]})
        d = hearthd_factory(yaml(cfg))
        r = d.get("/api/push/crontoken?status=down&msg=disk%20full")
        assert r.status_code == 200
        got = sink.wait(1)
        r = d.get("/api/push/crontoken?msg=fixed&ping=12")
        assert r.status_code == 200
        got = sink.wait(3)
        assert len(got) == 3, got
        down = [b for p, h, b in got if p == "/kuma" and
                b["heartbeat"]["status"] == 0]
        up = sorted((p, b) for p, h, b in got
                    if b["heartbeat"]["status"] == 1)
        assert len(down) == 1 and [p for p, _ in up] == ["/kuma", "/route"]
        assert all(h["Content-Type"] == "application/json"
                   for _, h, _ in got)
        b = down[0]
        assert b["msg"] == "[cron] [\U0001f534 Down] disk full"
        hb, mon = b["heartbeat"], b["monitor"]
        assert hb["msg"] == "disk full" and hb["important"] is True
        assert hb["ping"] is None and hb["timezone"] == "UTC"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}",
                            hb["time"])
        assert hb["localDateTime"] == hb["time"][:19]
        assert hb["monitorID"] == mon["id"] and mon["id"] > 0
        assert mon["name"] == "cron" and mon["type"] == "push"
        assert mon["description"] == "nightly job"
        assert mon["interval"] == 60 and mon["maxretries"] == 0
        assert mon["active"] is True and mon["upsideDown"] is False
        u = up[0][1]
        assert u["msg"] == "[cron] [\u2705 Up] fixed"
        assert u["heartbeat"]["ping"] == 12
        assert up[1][1] == u
        assert d.stop() == 0
    finally:
        sink.close()


def test_rediss_over_tls_with_a_self_signed_certificate(hearthd_factory,
                                                        tmp_path):
    """redis-server with TLS only, on a loopback port, with a self-signed
    certificate: rediss:// with ignore_tls is UP (AUTH and SELECT inside
    the session); verified, it is DOWN naming the certificate; the server
    stopped, DOWN."""
    import signal
    import socket
    import subprocess
    d = tmp_path / "redis-tls"
    d.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    "r.key", "-out", "r.crt", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=30, cwd=d)
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", "0", "--tls-port", str(port), "--bind",
         "127.0.0.1", "--tls-cert-file", str(d / "r.crt"), "--tls-key-file",
         str(d / "r.key"), "--tls-ca-cert-file", str(d / "r.crt"),
         "--tls-auth-clients", "no", "--requirepass", "s3cret", "--save", "",
         "--appendonly", "no", "--dir", str(d)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server TLS"
                time.sleep(0.05)
        url = f"rediss://:s3cret@127.0.0.1:{port}"
        cfg = base_config(tmp_path, watch={"monitors": [
            {"name": "tls", "type": "redis", "interval": "1s",
             "ignore_tls": True, "database_connection_string": url + "/1"},
            {"name": "tls-bad-pass", "type": "redis", "interval": "1s",
             "ignore_tls": True, "database_connection_string":
                 f"rediss://:nope@127.0.0.1:{port}"},
            {"name": "verified", "type": "redis", "interval": "1s",
             "database_connection_string": url},
        ]})
        h = hearthd_factory(yaml(cfg))
        want = {"tls": "UP", "tls-bad-pass": "DOWN", "verified": "DOWN"}
        ms = wait_for(h, lambda ms: {n: m["status_text"] for n, m in
                                     ms.items()} == want, "rediss states")
        assert ms["tls"]["msg"] == "PONG"
        assert ms["tls-bad-pass"]["msg"].startswith("redis: WRONGPASS")
        assert ms["verified"]["msg"] == "redis: TLS: self-signed certificate"
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        ms = wait_for(h, lambda ms: ms["tls"]["status_text"] == "DOWN",
                      "rediss DOWN", 10)
        assert h.stop() == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
