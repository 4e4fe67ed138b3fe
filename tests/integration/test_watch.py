# SPDX-License-Identifier: MIT
"""The watch room against real targets on loopback started by the test: a
Python http.server (http, keyword, json-query), its TCP port (port), curl
pushing (push). A target stops -> PENDING through the retries -> DOWN with
an alert -> it comes back -> UP with an alert; a dependent monitor is DOWN by
dependency without an alert of its own; the push watchdog goes DOWN."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from helpers import API_KEY, HEARTHD, _scalar, base_config, free_port

KEY = {"X-API-Key": API_KEY}


def yaml(obj, indent=0):
    """Block-style YAML of dicts, lists and scalars (helpers.to_yaml has no
    lists); scalars as helpers writes them (durations plain)."""
    pad = "  " * indent
    out = []
    if isinstance(obj, list):
        for v in obj:
            if isinstance(v, (dict, list)) and v:
                inner = yaml(v, indent + 1).splitlines()
                out.append(f"{pad}- {inner[0].lstrip()}")
                out.extend(inner[1:])
            else:
                out.append(f"{pad}- {_scalar(v)}")
    else:
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:")
                out.append(yaml(v, indent + 1).rstrip("\n"))
            elif isinstance(v, list):
                out.append(f"{pad}{k}: []")
            else:
                out.append(f"{pad}{k}: {_scalar(v)}")
    return "\n".join(out) + "\n"


def watch_config(tmp_path, monitors, **watch):
    return yaml(base_config(tmp_path, watch={"monitors": monitors, **watch}))


class Target:
    """python3 -m http.server on a loopback port, serving @root."""

    def __init__(self, root, port):
        self.root, self.port, self.proc = root, port, None

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
             str(self.port), "--directory", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + 10
        import socket
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("http.server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def target(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "index.html").write_text("<h1>hello lab</h1>\n")
    (root / "sub").mkdir()
    (root / "sub" / "index.html").write_text("sub\n")
    (root / "status.json").write_text(json.dumps(
        {"status": "ok", "db": {"connections": 5}, "tags": ["prod"]}))
    t = Target(root, free_port())
    t.start()
    yield t
    t.stop()


def monitors(d):
    r = d.get("/api/v1/watch/monitors", headers=KEY)
    assert r.status_code == 200, r.text
    return {m["name"]: m for m in r.json()}


def wait_for(d, pred, what, timeout=20):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = monitors(d)
        if pred(last):
            return last
        time.sleep(0.1)
    raise AssertionError(f"{what} not within {timeout}s: "
                         f"{json.dumps(last, indent=1)}\n{d.stderr()}")


def status_is(name, text):
    return lambda ms: ms[name]["status_text"] == text


def beats(d, mid, limit=200):
    r = d.get(f"/api/v1/watch/monitors/{mid}/heartbeats?limit={limit}",
              headers=KEY)
    assert r.status_code == 200, r.text
    return r.json()["heartbeats"]


def wait_beats(d, mid, pred, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        h = beats(d, mid)
        if pred(h) or time.monotonic() > deadline:
            return h
        time.sleep(0.05)


def test_target_down_pending_down_up(hearthd_factory, target, tmp_path):
    url = f"http://127.0.0.1:{target.port}"
    cfg = watch_config(tmp_path, [
        {"name": "web", "type": "http", "url": url + "/", "interval": "1s",
         "retries": 2, "retry_interval": "1s", "timeout": "1s"},
        {"name": "page", "type": "keyword", "url": url + "/",
         "keyword": "hello lab", "interval": "1s", "depends_on": "web",
         "retries": 1, "retry_interval": "1s"},
        {"name": "absent", "type": "keyword", "url": url + "/",
         "keyword": "goodbye", "invert_keyword": True, "interval": "1s"},
        {"name": "db", "type": "json-query", "url": url + "/status.json",
         "json_path": "$.db.connections", "json_path_operator": "<",
         "expected_value": "10", "interval": "1s"},
        # http.server answers /sub with a 301 to /sub/: followed by
        # default, not with max_redirects 0.
        {"name": "redirected", "type": "http", "url": url + "/sub",
         "interval": "1s"},
        {"name": "no-redirects", "type": "http", "url": url + "/sub",
         "max_redirects": 0, "interval": "1s"},
        {"name": "tcp", "type": "port", "hostname": "127.0.0.1",
         "port": target.port, "interval": "1s", "up_retries": 1,
         "retry_interval": "1s"},
    ])
    d = hearthd_factory(cfg)
    ms = wait_for(d, lambda ms: all(m["status_text"] == "UP"
                                    for n, m in ms.items()
                                    if n != "no-redirects"), "all UP")
    assert ms["no-redirects"]["status_text"] == "DOWN"
    assert ms["no-redirects"]["msg"] == "Request failed with status code 301"
    assert ms["redirected"]["msg"] == "200 - OK"
    assert ms["web"]["msg"] == "200 - OK"
    assert ms["page"]["msg"].endswith("keyword is found")
    assert "comparing 5 < 10" in ms["db"]["msg"]
    assert ms["tcp"]["ping"] is not None
    start = len(d.stderr())

    target.stop()
    # Retries: PENDING first (and no alert yet), then DOWN with the alert.
    ms = wait_for(d, status_is("web", "PENDING"), "web PENDING", 10)
    assert "[web] [" not in d.stderr()[start:]
    ms = wait_for(d, status_is("web", "DOWN"), "web DOWN", 10)
    d.wait_log("alert watch.down: [web] [\U0001f534 Down] ", 5, start)
    d.wait_log("alert watch.down: [tcp] [\U0001f534 Down] connect: "
               "connection refused", 5, start)
    # The keyword monitor depends on web: DOWN by dependency, silently.
    ms = wait_for(d, lambda ms: ms["page"]["by_dependency"], "page by dep", 10)
    assert ms["page"]["status_text"] == "DOWN"
    assert "alert watch.down: [page]" not in d.stderr()

    back = len(d.stderr())
    target.start()
    ms = wait_for(d, status_is("web", "UP"), "web UP", 10)
    d.wait_log("alert watch.up: [web] [\u2705 Up] 200 - OK", 5, back)
    # tcp has up_retries 1: one success held back (still DOWN), then UP.
    ms = wait_for(d, status_is("tcp", "UP"), "tcp UP", 10)
    d.wait_log("alert watch.up: [tcp] [\u2705 Up] connected", 5, back)
    hist = wait_beats(d, ms["tcp"]["id"],
                      lambda h: h and h[0]["status"] == 1)
    assert any("before UP" in b["msg"] and b["status"] == 0 for b in hist)
    ms = wait_for(d, status_is("page", "UP"), "page UP", 10)
    assert "alert watch.up: [page]" not in d.stderr()

    # The history as the API serves it, newest first: UP, then the
    # important DOWN, PENDING beats with their retries before it.
    hist = list(reversed(wait_beats(d, ms["web"]["id"],
                                    lambda h: h and h[0]["status"] == 1
                                    and h[0]["important"])))
    statuses = [b["status"] for b in hist]
    first_down = statuses.index(0)
    assert statuses[first_down - 2:first_down] == [2, 2]
    assert [b["retries"] for b in hist[first_down - 2:first_down]] == [1, 2]
    assert hist[first_down]["important"] is True
    assert hist[first_down - 1]["important"] is False
    assert statuses[-1] == 1
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$",
                    hist[-1]["time"])
    assert d.stop() == 0


def curl(*args):
    out = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}",
                          "--noproxy", "*", *args], capture_output=True,
                         text=True, timeout=10)
    body, _, code = out.stdout.rpartition("\n")
    return int(code), body


def test_push_and_watchdog(hearthd_factory, tmp_path):
    cfg = watch_config(tmp_path, [
        {"name": "cron", "type": "push", "token": "tok-123_abc",
         "interval": "2s"},
        {"name": "inverse", "type": "push", "token": "invtok",
         "interval": "30s", "upside_down": True},
    ])
    d = hearthd_factory(cfg)
    base = d.url + "/api/push/"
    code, body = curl(base + "tok-123_abc?status=up&msg=backup%20done&ping=12.5")
    assert (code, json.loads(body)) == (200, {"ok": True})
    ms = monitors(d)
    assert ms["cron"]["status_text"] == "UP"
    assert ms["cron"]["msg"] == "backup done"
    assert ms["cron"]["ping"] == 12.5
    # Any method; any status but "up" is DOWN, with Kuma's alert text.
    start = len(d.stderr())
    code, body = curl("-X", "POST", base + "tok-123_abc?status=down&msg=disk")
    assert (code, json.loads(body)) == (200, {"ok": True})
    assert monitors(d)["cron"]["status_text"] == "DOWN"
    d.wait_log("alert watch.down: [cron] [\U0001f534 Down] disk", 5, start)
    code, body = curl("-X", "PUT", base + "tok-123_abc")
    assert code == 200
    assert monitors(d)["cron"]["msg"] == "OK"
    # Upside down: a push means DOWN.
    code, _ = curl(base + "invtok")
    assert code == 200 and monitors(d)["inverse"]["status_text"] == "DOWN"
    # Unknown token, bad ping: Kuma's 404 JSON.
    code, body = curl(base + "nope")
    assert code == 404
    assert json.loads(body) == {"ok": False,
                                "msg": "Monitor not found or not active."}
    code, body = curl(base + "tok-123_abc?ping=-1")
    assert code == 404 and json.loads(body)["ok"] is False
    # The watchdog: no push for interval + 1 s -> DOWN.
    t0 = time.monotonic()
    wait = len(d.stderr())
    ms = wait_for(d, status_is("cron", "DOWN"), "watchdog DOWN", 10)
    assert time.monotonic() - t0 >= 2.0
    assert ms["cron"]["msg"] == "No heartbeat in the time window"
    d.wait_log("alert watch.down: [cron] [\U0001f534 Down] No heartbeat in "
               "the time window", 5, wait)
    # Written a moment after the state changed (batched per loop tick).
    hist = wait_beats(d, ms["cron"]["id"],
                      lambda h: h and h[0]["msg"].startswith("No heartbeat"))
    assert [b["status"] for b in hist[:2]] == [0, 1]
    assert hist[0]["important"] is True
    assert hist[1]["ping"] is None or hist[1]["ping"] >= 0


def test_api_needs_the_key(hearthd_factory, tmp_path):
    cfg = watch_config(tmp_path, [
        {"name": "p", "type": "push", "token": "abcd"}])
    d = hearthd_factory(cfg)
    assert d.get("/api/v1/watch/monitors").status_code == 401
    assert d.get("/api/v1/watch/monitors",
                 headers={"X-API-Key": "wrong"}).status_code in (401, 403)
    mid = monitors(d)["p"]["id"]
    r = d.get(f"/api/v1/watch/monitors/{mid}", headers=KEY)
    assert r.status_code == 200 and r.json()["status"] is None
    assert d.get("/api/v1/watch/monitors/999/heartbeats",
                 headers=KEY).status_code == 404
    assert d.get(f"/api/v1/watch/monitors/{mid}/heartbeats?limit=0",
                 headers=KEY).status_code == 400


def test_reload_adds_and_removes(hearthd_factory, tmp_path):
    cfg = watch_config(tmp_path, [
        {"name": "a", "type": "push", "token": "aaaa", "interval": "60s"},
        {"name": "b", "type": "push", "token": "bbbb", "interval": "60s"}])
    d = hearthd_factory(cfg)
    code, _ = curl(d.url + "/api/push/aaaa")
    assert code == 200
    ida = monitors(d)["a"]["id"]
    cfg = watch_config(tmp_path, [
        {"name": "a", "type": "push", "token": "aaaa", "interval": "60s"},
        {"name": "c", "type": "push", "token": "cccc", "interval": "60s"}])
    start = len(d.stderr())
    d.write_config(cfg)
    d.signal(signal.SIGHUP)
    d.wait_log("watch: 2 monitors", 10, start)
    ms = monitors(d)
    assert sorted(ms) == ["a", "c"]
    # a kept its state and row; b's push URL is gone.
    assert ms["a"]["id"] == ida and ms["a"]["status_text"] == "UP"
    assert curl(d.url + "/api/push/bbbb")[0] == 404
    assert curl(d.url + "/api/push/cccc")[0] == 200
    assert d.stop() == 0


def test_check_refuses_with_position(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("watch:\n  monitors:\n    - name: a\n      type: http\n"
                 "      url: http://x/\n      accepted_statuscodes: [2xx]\n")
    out = subprocess.run([HEARTHD, "-c", str(p), "--check"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode != 0
    assert f"{p}:6:29: accepted_statuscodes: '2xx'" in out.stderr
    p.write_text("watch:\n  enabled: false\n")
    out = subprocess.run([HEARTHD, "-c", str(p), "--check"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr


@pytest.fixture
def nginx(tmp_path):
    from nginx_helpers import Nginx
    n = Nginx(tmp_path, free_port()).start()
    yield n
    n.stop()


def test_http_checks_against_nginx(hearthd_factory, nginx, tmp_path):
    url = f"http://127.0.0.1:{nginx.port}"
    cfg = watch_config(tmp_path, [
        {"name": "root", "type": "http", "url": url + "/", "interval": "1s"},
        {"name": "head", "type": "http", "url": url + "/", "method": "HEAD",
         "interval": "1s"},
        {"name": "post", "type": "keyword", "url": url + "/", "method": "POST",
         "body": "ping", "headers": ["Content-Type: text/plain"],
         "keyword": "hello", "interval": "1s"},
        {"name": "broken", "type": "http", "url": url + "/broken",
         "interval": "1s"},
        {"name": "broken-ok", "type": "http", "url": url + "/broken",
         "accepted_statuscodes": ["200-299", "500-599"], "interval": "1s"},
        {"name": "broken-inverted", "type": "http", "url": url + "/broken",
         "upside_down": True, "interval": "1s"},
        {"name": "moved", "type": "http", "url": url + "/moved",
         "interval": "1s"},
        {"name": "auth", "type": "keyword", "url": url + "/auth",
         "basic_auth": "watch:secret", "keyword": "welcome", "interval": "1s"},
        {"name": "noauth", "type": "http", "url": url + "/auth",
         "interval": "1s"},
        {"name": "health", "type": "json-query", "url": url + "/health",
         "json_path": "tags", "json_path_operator": "contains",
         "expected_value": "prod", "interval": "1s"},
        {"name": "health-eq", "type": "json-query", "url": url + "/health",
         "json_path": "$.status", "expected_value": "degraded",
         "interval": "1s"},
    ])
    d = hearthd_factory(cfg)
    want = {"root": "UP", "head": "UP", "post": "UP", "broken": "DOWN",
            "broken-ok": "UP", "broken-inverted": "UP", "moved": "UP",
            "auth": "UP", "noauth": "DOWN", "health": "UP",
            "health-eq": "DOWN"}
    ms = wait_for(d, lambda ms: {n: m["status_text"] for n, m in ms.items()}
                  == want, "the expected states")
    assert ms["broken"]["msg"] == "Request failed with status code 503"
    assert ms["noauth"]["msg"] == "Request failed with status code 401"
    assert ms["health-eq"]["msg"] == ("JSON query does not pass (comparing "
                                      "ok == degraded)")
    # nginx stops: everything that was UP goes DOWN (no retries).
    nginx.stop()
    ms = wait_for(d, lambda ms: ms["root"]["status_text"] == "DOWN" and
                  ms["health"]["status_text"] == "DOWN", "DOWN", 10)
    assert "Couldn't connect" in ms["root"]["msg"] or \
        "refused" in ms["root"]["msg"].lower()
    nginx.start()
    wait_for(d, lambda ms: ms["root"]["status_text"] == "UP", "UP again", 10)
