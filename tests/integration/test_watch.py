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
    # Kuma's metric names and labels, clean for promtool.
    text = d.metrics_text()
    assert re.search(r'^monitor_status\{monitor_id="\d+",monitor_name="cron",'
                     r'monitor_type="push",[^}]*\} 1$', text, re.M), text
    assert re.search(r'^monitor_response_time\{[^}]*monitor_name="cron"'
                     r'[^}]*\} 12\.5$', text, re.M), text
    assert 'monitor_name="inverse"' not in text  # no beat yet
    p = subprocess.run(["promtool", "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr
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


def test_uptime_and_cli(hearthd_factory, tmp_path, cli):
    cfg = watch_config(tmp_path, [
        {"name": "job", "type": "push", "token": "jobtoken",
         "interval": "60s"}])
    d = hearthd_factory(cfg)
    # 3 UP (pings 10, 20, 30), 1 DOWN: 75 %, avg ping over the UP beats.
    for q in ("ping=10", "ping=20", "status=down&ping=99", "ping=30"):
        assert curl(f"{d.url}/api/push/jobtoken?{q}")[0] == 200
    mid = monitors(d)["job"]["id"]
    r = d.get(f"/api/v1/watch/monitors/{mid}/uptime?window=24h", headers=KEY)
    assert r.status_code == 200, r.text
    u = r.json()
    assert (u["up"], u["down"], u["maintenance"]) == (3, 1, 0)
    assert u["uptime"] == 0.75
    assert u["ping_avg"] == 20 and u["ping_min"] == 10 and u["ping_max"] == 30
    for w in ("7d", "30d", "1y", "90m", "12"):
        r = d.get(f"/api/v1/watch/monitors/{mid}/uptime?window={w}",
                  headers=KEY)
        assert r.status_code == 200 and r.json()["uptime"] == 0.75, (w, r.text)
    assert d.get(f"/api/v1/watch/monitors/{mid}/uptime?window=soon",
                 headers=KEY).status_code == 400
    assert d.get(f"/api/v1/watch/monitors/{mid}", headers=KEY).json()[
        "uptime"] == {"24h": 0.75, "7d": 0.75, "30d": 0.75, "1y": 0.75}

    env = {"HEARTH_URL": d.url, "HEARTH_API_KEY": API_KEY}
    r = cli("watch", "list", env=env)
    assert r.returncode == 0, r.stderr
    assert re.search(rf"^{mid}\s+job\s+push\s+UP\s+30 ms\s+OK$", r.stdout,
                     re.M), r.stdout
    r = cli("watch", "list", "--json", env=env)
    assert json.loads(r.stdout)[0]["name"] == "job"
    r = cli("watch", "show", "job", env=env)
    assert r.returncode == 0, r.stderr
    assert "job (id" in r.stdout and "24h 75.00 %" in r.stdout
    r = cli("watch", "history", "job", "2", env=env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 3 and lines[1].split()[2] == "UP"
    assert "DOWN *" in cli("watch", "history", str(mid), env=env).stdout
    assert cli("watch", "show", "nosuch", env=env).returncode != 0


def test_manual_maintenance_then_off(hearthd_factory, tmp_path):
    closed = free_port()  # nothing listens there
    mons = [{"name": "svc", "type": "port", "hostname": "127.0.0.1",
             "port": closed, "interval": "1s"},
            {"name": "other", "type": "port", "hostname": "127.0.0.1",
             "port": closed, "interval": "1s"}]
    win = {"name": "swap", "strategy": "manual", "active": True,
           "monitors": ["svc"]}
    d = hearthd_factory(watch_config(tmp_path, mons, maintenance=[win]))
    ms = wait_for(d, lambda ms: ms["svc"]["status_text"] == "MAINTENANCE" and
                  ms["other"]["status_text"] == "DOWN", "maintenance")
    assert ms["svc"]["msg"] == "Under maintenance: swap"
    time.sleep(1.5)
    assert "[svc] [" not in d.stderr()  # no alert while in maintenance
    assert "alert watch.down: [other]" in d.stderr()
    # The window is switched off by a reload: the next check is DOWN,
    # announced (MAINTENANCE -> DOWN).
    start = len(d.stderr())
    d.write_config(watch_config(tmp_path, mons,
                                maintenance=[dict(win, active=False)]))
    d.signal(signal.SIGHUP)
    d.wait_log("alert watch.down: [svc] [\U0001f534 Down] connect: "
               "connection refused", 10, start)
    hist = wait_beats(d, ms["svc"]["id"], lambda h: h and h[0]["status"] == 0)
    assert [b["status"] for b in hist][:1] == [0] and 3 in \
        [b["status"] for b in hist]
    assert d.stop() == 0


@pytest.fixture
def netns():
    """A network namespace with one end of a veth pair, 10.231.N.2/30, the
    other end here (10.231.N.1); removed at the end."""
    def ip(*args, check=True):
        return subprocess.run(["ip", *args], capture_output=True, text=True,
                              timeout=10, check=check)
    # N is claimed by creating hwatchN: another test process (a parallel
    # worker) holding that N makes `netns add` fail, and the next N is tried.
    for k in range(200):
        n = (os.getpid() + k) % 200 + 10
        ns, host, peer = f"hwatch{n}", f"hwh{n}", f"hwn{n}"
        sub = f"10.231.{n}"
        if ip("netns", "add", ns, check=False).returncode == 0:
            break
    else:
        pytest.fail("no free hwatchN namespace name")
    ip("link", "del", host, check=False)  # a crashed run's, now ours
    try:
        ip("link", "add", host, "type", "veth", "peer", "name", peer)
        ip("link", "set", peer, "netns", ns)
        ip("addr", "add", f"{sub}.1/30", "dev", host)
        ip("link", "set", host, "up")
        ip("-n", ns, "addr", "add", f"{sub}.2/30", "dev", peer)
        ip("-n", ns, "link", "set", peer, "up")
        ip("-n", ns, "link", "set", "lo", "up")
        yield {"ns": ns, "peer": peer, "addr": f"{sub}.2", "ip": ip}
    finally:
        ip("netns", "del", ns, check=False)
        ip("link", "del", host, check=False)


def test_ping_into_a_namespace_taken_down(hearthd_factory, tmp_path, netns):
    cfg = watch_config(tmp_path, [
        {"name": "vm", "type": "ping", "hostname": netns["addr"],
         "interval": "1s", "ping_timeout": "1s", "ping_count": 2},
        {"name": "self", "type": "ping", "hostname": "127.0.0.1",
         "interval": "1s"},
    ])
    d = hearthd_factory(cfg)
    ms = wait_for(d, lambda ms: ms["vm"]["status_text"] == "UP" and
                  ms["self"]["status_text"] == "UP", "pings UP")
    assert ms["vm"]["msg"] == f"2 of 2 replies from {netns['addr']}"
    assert 0 <= ms["vm"]["ping"] < 1000
    start = len(d.stderr())
    netns["ip"]("-n", netns["ns"], "link", "set", netns["peer"], "down")
    ms = wait_for(d, lambda ms: ms["vm"]["status_text"] == "DOWN",
                  "ping DOWN", 15)
    assert ms["vm"]["msg"] == f"no reply from {netns['addr']} (2 sent)"
    d.wait_log("alert watch.down: [vm] [\U0001f534 Down] no reply", 5, start)
    assert monitors(d)["self"]["status_text"] == "UP"
    netns["ip"]("-n", netns["ns"], "link", "set", netns["peer"], "up")
    wait_for(d, lambda ms: ms["vm"]["status_text"] == "UP", "ping UP", 15)
    assert d.stop() == 0


def test_pause_resume_survives_restart(hearthd_factory, tmp_path, cli):
    cfg = watch_config(tmp_path, [
        {"name": "job", "type": "push", "token": "jobtoken", "interval": "2s"}])
    d = hearthd_factory(cfg)
    mid = monitors(d)["job"]["id"]
    assert d.request("POST", f"/api/v1/watch/monitors/{mid}/pause"
                     ).status_code == 401
    r = d.request("POST", f"/api/v1/watch/monitors/{mid}/pause", headers=KEY)
    assert r.status_code == 200 and r.json() == {"ok": True, "id": mid,
                                                 "active": False}
    assert monitors(d)["job"]["active"] is False
    # Paused: pushes are refused as Kuma does, and no watchdog fires.
    code, body = curl(f"{d.url}/api/push/jobtoken")
    assert code == 404 and json.loads(body)["ok"] is False
    time.sleep(3.5)
    assert monitors(d)["job"]["status"] is None
    # Still paused after a restart.
    assert d.stop() == 0
    hearthd_factory.restart(d)
    assert monitors(d)["job"]["active"] is False
    env = {"HEARTH_URL": d.url, "HEARTH_API_KEY": API_KEY}
    r = cli("watch", "resume", "job", env=env)
    assert r.returncode == 0, r.stderr
    assert monitors(d)["job"]["active"] is True
    assert curl(f"{d.url}/api/push/jobtoken")[0] == 200
    assert monitors(d)["job"]["status_text"] == "UP"
    assert cli("watch", "pause", str(mid), env=env).returncode == 0
    assert monitors(d)["job"]["active"] is False
    assert d.request("POST", f"/api/v1/watch/monitors/{mid}/frobnicate",
                     headers=KEY).status_code == 404
    assert d.request("POST", "/api/v1/watch/monitors/999/pause",
                     headers=KEY).status_code == 404


def make_certs(d):
    """A test CA and server certificates for 127.0.0.1 that expire in 5, 10
    and 30 days (openssl)."""
    def ossl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True,
                       timeout=30, cwd=d)
    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
         "-out", "ca.crt", "-days", "60", "-subj", "/CN=hearth test CA")
    (d / "ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for days in (5, 10, 30):
        ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", f"s{days}.key", "-out", f"s{days}.csr",
             "-subj", "/CN=127.0.0.1")
        ossl("x509", "-req", "-in", f"s{days}.csr", "-CA", "ca.crt", "-CAkey",
             "ca.key", "-CAcreateserial", "-out", f"s{days}.crt", "-days",
             str(days), "-extfile", "ext")


def test_tls_expiry_thresholds(hearthd_factory, tmp_path):
    from nginx_helpers import Nginx
    certs = tmp_path / "certs"
    certs.mkdir()
    make_certs(certs)
    ports = {days: free_port() for days in (5, 10, 30)}
    servers = "".join(
        f"server {{ listen 127.0.0.1:{p} ssl; ssl_certificate {certs}/s{d}.crt;"
        f" ssl_certificate_key {certs}/s{d}.key;"
        f" location / {{ return 200 \"tls ok\\n\"; }} }}\n"
        for d, p in ports.items())
    n = Nginx(tmp_path, free_port(), extra_servers=servers).start()
    try:
        mons = [{"name": f"tls{d}", "type": "keyword",
                 "url": f"https://127.0.0.1:{p}/", "keyword": "tls ok",
                 "ignore_tls": True, "expiry_notification": True,
                 "interval": "1s"} for d, p in ports.items()]
        # Verified (the default): our test CA is unknown, so DOWN.
        mons.append({"name": "strict", "type": "http",
                     "url": f"https://127.0.0.1:{ports[30]}/",
                     "interval": "1s"})
        d = hearthd_factory(watch_config(
            tmp_path, mons,
            status_pages=[{"slug": "tls", "groups": [
                {"name": "certs", "monitors": ["tls5", "tls30"]}]}]))
        ms = wait_for(d, lambda ms: all(ms[f"tls{x}"]["status_text"] == "UP"
                                        and "cert_days_remaining" in
                                        ms[f"tls{x}"] for x in ports) and
                      ms["strict"]["status_text"] == "DOWN", "TLS states")
        assert "certificate" in ms["strict"]["msg"].lower()
        left = {x: ms[f"tls{x}"]["cert_days_remaining"] for x in ports}
        assert left[5] in (4, 5) and left[10] in (9, 10) and left[30] in (29, 30)
        assert ms["tls5"]["cert_valid"] is False  # not signed by a known CA
        # One alert per crossing: 5 days crossed 7, 10 days crossed 14;
        # none for 30; and no repeat on later checks.
        time.sleep(2.5)
        err = d.stderr()
        assert err.count("alert watch.cert_expiry: [tls5]") == 1, err
        assert err.count("alert watch.cert_expiry: [tls10]") == 1, err
        assert "alert watch.cert_expiry: [tls30]" not in err
        assert re.search(r"alert watch\.cert_expiry: \[tls5\]\[https://127\."
                         r"0\.0\.1:\d+/\] Certificate will expire in [45] "
                         r"days", err)
        # Kuma's cert metrics and the cert-exp badge.
        text = d.metrics_text()
        assert re.search(r'^monitor_cert_days_remaining\{[^}]*monitor_name='
                         r'"tls30"[^}]*\} (29|30)$', text, re.M)
        assert re.search(r'^monitor_cert_is_valid\{[^}]*monitor_name="tls30"'
                         r'[^}]*\} 0$', text, re.M)
        import xml.etree.ElementTree as ET
        # Kuma's cert-exp badge: a certificate that did not verify (our
        # test CA is unknown; ignore_tls only lets the check pass) is
        # "Bad Cert" in its down colour.
        for name in ("tls5", "tls30"):
            svg = ET.fromstring(d.get(f"/api/badge/{ms[name]['id']}/cert-exp"
                                      ).text)
            texts = [t.text for t in
                     svg.iter("{http://www.w3.org/2000/svg}text")]
            assert texts == ["Bad Cert"], texts
            assert "#c2290a" in d.get(
                f"/api/badge/{ms[name]['id']}/cert-exp").text
    finally:
        n.stop()


def test_tls_monitors_and_ca_file(hearthd_factory, tmp_path):
    """The tls type: a handshake, the certificate's expiry and verdict
    (against ca_file or the system's CAs); it alerts on each threshold
    crossed without expiry_notification. ca_file verifies https too;
    'tcp' and 'mariadb' are the port and mysql types."""
    from nginx_helpers import Nginx
    certs = tmp_path / "certs"
    certs.mkdir()
    make_certs(certs)
    ports = {days: free_port() for days in (5, 30)}
    servers = "".join(
        f"server {{ listen 127.0.0.1:{p} ssl; ssl_certificate {certs}/s{d}.crt;"
        f" ssl_certificate_key {certs}/s{d}.key;"
        f" location / {{ return 200 \"tls ok\\n\"; }} }}\n"
        for d, p in ports.items())
    n = Nginx(tmp_path, free_port(), extra_servers=servers).start()
    plain = free_port()
    try:
        ca = str(certs / "ca.crt")
        mons = [{"name": f"tls{d}", "type": "tls", "hostname": "127.0.0.1",
                 "port": p, "ca_file": ca, "interval": "1s"}
                for d, p in ports.items()]
        mons += [
            # The system's CAs do not know the test CA.
            {"name": "unknown-ca", "type": "tls", "hostname": "127.0.0.1",
             "port": ports[30], "interval": "1s"},
            {"name": "unknown-ok", "type": "tls", "hostname": "127.0.0.1",
             "port": ports[30], "ignore_tls": True, "interval": "1s"},
            {"name": "https-ca", "type": "keyword", "keyword": "tls ok",
             "url": f"https://127.0.0.1:{ports[30]}/", "ca_file": ca,
             "interval": "1s"},
            # nginx's plain port speaks HTTP, not TLS.
            {"name": "not-tls", "type": "tls", "hostname": "127.0.0.1",
             "port": n.port, "interval": "1s"},
            {"name": "closed", "type": "tcp", "hostname": "127.0.0.1",
             "port": plain, "interval": "1s"},
        ]
        d = hearthd_factory(watch_config(tmp_path, mons))
        ms = wait_for(d, lambda ms: all(
            ms[x]["status_text"] != "PENDING" and ms[x].get("msg")
            for x in ("tls5", "tls30", "unknown-ca", "unknown-ok",
                      "https-ca", "not-tls", "closed")), "tls states")
        assert ms["tls5"]["status_text"] == "UP", ms["tls5"]
        assert ms["tls30"]["status_text"] == "UP", ms["tls30"]
        assert ms["tls30"]["msg"].startswith("certificate valid, expires "), \
            ms["tls30"]["msg"]
        assert ms["tls30"]["cert_valid"] is True
        assert ms["tls5"]["cert_days_remaining"] in (4, 5)
        assert ms["tls30"]["cert_days_remaining"] in (29, 30)
        assert ms["unknown-ca"]["status_text"] == "DOWN"
        assert ms["unknown-ca"]["msg"].startswith(
            "certificate not valid: unable to "), ms["unknown-ca"]
        assert ms["unknown-ok"]["status_text"] == "UP"
        assert ms["unknown-ok"]["cert_valid"] is False
        assert ms["https-ca"]["status_text"] == "UP", ms["https-ca"]
        assert ms["https-ca"]["cert_valid"] is True
        assert ms["not-tls"]["status_text"] == "DOWN"
        assert ms["not-tls"]["msg"].startswith("tls: "), ms["not-tls"]
        assert ms["closed"]["type"] == "port"
        assert ms["closed"]["status_text"] == "DOWN"
        time.sleep(2.5)
        err = d.stderr()
        assert err.count("alert watch.cert_expiry: [tls5]") == 1, err
        assert re.search(r"alert watch\.cert_expiry: \[tls5\]\[127\.0\.0\.1:"
                         r"\d+\] Certificate will expire in [45] days", err)
        assert "alert watch.cert_expiry: [tls30]" not in err
        text = d.metrics_text()
        assert re.search(r'^monitor_cert_is_valid\{[^}]*monitor_name="tls30"'
                         r'[^}]*\} 1$', text, re.M), text
    finally:
        n.stop()


def test_ping_monitors_derived_from_lab(hearthd_factory, tmp_path, netns):
    cfg = base_config(tmp_path, lab=False, watch={
        "from_lab": True, "lab_interval": "1s", "lab_retries": 0,
        "monitors": [{"name": "router", "type": "push", "token": "rtrtoken"}]})
    cfg["lab"] = {"domain": "lab.example", "hosts": {
        "router": {"ip": "127.0.0.1"},  # a monitor of the file wins
        "vm": {"ip": netns["addr"]}}}
    d = hearthd_factory(yaml(cfg))
    ms = wait_for(d, lambda ms: ms.get("vm", {}).get("status_text") == "UP",
                  "derived ping UP")
    assert sorted(ms) == ["router", "vm"]
    assert ms["vm"]["type"] == "ping" and ms["vm"]["source"] == "lab"
    assert ms["router"]["type"] == "push" and ms["router"]["source"] == "config"
    netns["ip"]("-n", netns["ns"], "link", "set", netns["peer"], "down")
    wait_for(d, lambda ms: ms["vm"]["status_text"] == "DOWN", "derived DOWN",
             15)
    assert d.stop() == 0


def test_dns_monitors_against_the_dns_room(hearthd_factory, tmp_path):
    port, closed = free_port(), free_port()
    cfg = base_config(tmp_path, lab=False, watch={"monitors": [
        {"name": "web-a", "type": "dns", "hostname": "web.lab.example",
         "dns_resolve_server": "127.0.0.1", "port": port,
         "expected_value": "192.168.30.10", "interval": "1s"},
        {"name": "any-a", "type": "dns", "hostname": "web.lab.example.",
         "dns_resolve_server": "127.0.0.1", "port": port, "interval": "1s"},
        {"name": "wrong", "type": "dns", "hostname": "web.lab.example",
         "dns_resolve_server": "127.0.0.1", "port": port,
         "expected_value": "10.0.0.1", "interval": "1s"},
        {"name": "nx", "type": "dns", "hostname": "nope.lab.example",
         "dns_resolve_server": "127.0.0.1", "port": port, "interval": "1s"},
        {"name": "nodata", "type": "dns", "hostname": "web.lab.example",
         "dns_resolve_type": "MX", "dns_resolve_server": "127.0.0.1",
         "port": port, "interval": "1s"},
        {"name": "silent", "type": "dns", "hostname": "web.lab.example",
         "dns_resolve_server": "127.0.0.1", "port": closed,
         "interval": "2s", "timeout": "1s"},
    ]}, dns={"listen": [f"127.0.0.1:{port}"], "upstream": []})
    cfg["lab"] = {"domain": "lab.example",
                  "hosts": {"web": {"ip": "192.168.30.10"}}}
    d = hearthd_factory(yaml(cfg))
    want = {"web-a": "UP", "any-a": "UP", "wrong": "DOWN", "nx": "DOWN",
            "nodata": "DOWN", "silent": "DOWN"}
    ms = wait_for(d, lambda ms: {n: m["status_text"] for n, m in ms.items()}
                  == want, "dns states", 20)
    assert ms["web-a"]["msg"] == "Records: 192.168.30.10"
    assert ms["wrong"]["msg"] == ("Records: 192.168.30.10 (expected value "
                                  "not found)")
    assert ms["nx"]["msg"] == "NXDOMAIN"
    assert ms["nodata"]["msg"] == "no MX record"
    assert ms["silent"]["msg"] == "no answer from 127.0.0.1 within 1000ms"
    assert d.stop() == 0


def test_smtp_banner_against_aiosmtpd(hearthd_factory, tmp_path):
    """An SMTP sink (aiosmtpd) on loopback: plain, and with STARTTLS
    offered (--tlscert); a smtp monitor wanting STARTTLS from the plain one
    is DOWN; a sink stopped is DOWN."""
    import socket
    certs = tmp_path / "certs"
    certs.mkdir()
    make_certs(certs)

    def sink(port, *extra):
        p = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l",
             f"127.0.0.1:{port}", *extra], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return p
            except OSError:
                time.sleep(0.05)
        raise AssertionError("aiosmtpd did not listen")

    plain_port, tls_port = free_port(), free_port()
    plain = sink(plain_port)
    tls = sink(tls_port, "--tlscert", str(certs / "s30.crt"), "--tlskey",
               str(certs / "s30.key"), "--no-requiretls")
    try:
        d = hearthd_factory(watch_config(tmp_path, [
            {"name": "mail", "type": "smtp", "hostname": "127.0.0.1",
             "port": plain_port, "interval": "1s"},
            {"name": "mail-tls", "type": "smtp", "hostname": "127.0.0.1",
             "port": tls_port, "smtp_security": "starttls", "interval": "1s"},
            {"name": "mail-no-tls", "type": "smtp", "hostname": "127.0.0.1",
             "port": plain_port, "smtp_security": "starttls",
             "interval": "1s"},
        ]))
        want = {"mail": "UP", "mail-tls": "UP", "mail-no-tls": "DOWN"}
        ms = wait_for(d, lambda ms: {n: m["status_text"] for n, m in
                                     ms.items()} == want, "smtp states")
        assert ms["mail"]["msg"].startswith("220 ")
        assert ms["mail-tls"]["msg"].endswith("(STARTTLS offered)")
        assert ms["mail-no-tls"]["msg"].startswith("smtp: STARTTLS not "
                                                   "offered")
        os.kill(plain.pid, signal.SIGTERM)
        plain.wait(timeout=10)
        wait_for(d, lambda ms: ms["mail"]["status_text"] == "DOWN",
                 "smtp DOWN", 10)
    finally:
        for p in (plain, tls):
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
                p.wait(timeout=10)


def test_redis_against_redis_server(hearthd_factory, tmp_path):
    """Debian's redis-server on loopback (its own dir, no persistence),
    with and without a password: PING answered PONG is UP; a wrong
    password or a stopped server is DOWN."""
    import socket

    def server(port, *extra):
        d = tmp_path / f"redis-{port}"
        d.mkdir()
        p = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(d), *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return p
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not listen")

    open_port, auth_port = free_port(), free_port()
    procs = [server(open_port), server(auth_port, "--requirepass", "s3cret")]
    try:
        d = hearthd_factory(watch_config(tmp_path, [
            {"name": "cache", "type": "redis", "interval": "1s",
             "database_connection_string": f"redis://127.0.0.1:{open_port}/2"},
            {"name": "sessions", "type": "redis", "interval": "1s",
             "database_connection_string":
                 f"redis://:s3cret@127.0.0.1:{auth_port}"},
            {"name": "bad-pass", "type": "redis", "interval": "1s",
             "database_connection_string":
                 f"redis://:nope@127.0.0.1:{auth_port}"},
            {"name": "no-pass", "type": "redis", "interval": "1s",
             "database_connection_string": f"redis://127.0.0.1:{auth_port}"},
        ]))
        want = {"cache": "UP", "sessions": "UP", "bad-pass": "DOWN",
                "no-pass": "DOWN"}
        ms = wait_for(d, lambda ms: {n: m["status_text"] for n, m in
                                     ms.items()} == want, "redis states")
        assert ms["cache"]["msg"] == "PONG"
        assert ms["bad-pass"]["msg"].startswith("redis: WRONGPASS")
        assert ms["no-pass"]["msg"].startswith("redis: NOAUTH")
        os.kill(procs[0].pid, signal.SIGTERM)
        procs[0].wait(timeout=10)
        wait_for(d, lambda ms: ms["cache"]["status_text"] == "DOWN",
                 "redis DOWN", 10)
    finally:
        for p in procs:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
                p.wait(timeout=10)


def test_monitors_created_through_the_api(hearthd_factory, tmp_path, target,
                                          cli):
    cfg = watch_config(tmp_path, [
        {"name": "cfg", "type": "push", "token": "cfgtoken"}])
    d = hearthd_factory(cfg)
    url = f"http://127.0.0.1:{target.port}/"
    body = {"name": "site", "type": "keyword", "url": url,
            "keyword": "hello lab", "interval": 1, "retries": 1}
    assert d.request("POST", "/api/v1/watch/monitors", json=body
                     ).status_code == 401
    r = d.request("POST", "/api/v1/watch/monitors", json=body, headers=KEY)
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["name"] == "site" and m["source"] == "api" and m["retries"] == 1
    wait_for(d, status_is("site", "UP"), "api monitor UP")
    # Refusals name the field; a taken name is 409.
    for bad, field in (({"type": "http", "url": url}, "name"),
                       ({"name": "x", "type": "docker"}, "type"),
                       ({"name": "x", "type": "http", "url": "ftp://a"}, "url"),
                       ({"name": "x", "type": "port", "hostname": "h"},
                        "hostname"),
                       ({"name": "x", "type": "http", "url": url,
                         "interval": 0}, "interval"),
                       ({"name": "x", "type": "http", "url": url,
                         "colour": "red"}, "colour")):
        r = d.request("POST", "/api/v1/watch/monitors", json=bad, headers=KEY)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["error"].startswith(field + ":"), r.text
    r = d.request("POST", "/api/v1/watch/monitors", data="{", headers=KEY)
    assert r.status_code == 400
    for name in ("site", "cfg"):
        r = d.request("POST", "/api/v1/watch/monitors", headers=KEY,
                      json={"name": name, "type": "ping",
                            "hostname": "127.0.0.1"})
        assert r.status_code == 409, r.text
    # Kept across a restart, with its history.
    assert d.stop() == 0
    hearthd_factory.restart(d)
    ms = monitors(d)
    assert ms["site"]["source"] == "api" and ms["site"]["id"] == m["id"]
    env = {"HEARTH_URL": d.url, "HEARTH_API_KEY": API_KEY}
    assert "site" in cli("watch", "list", env=env).stdout
    # Deleted: only what the API made.
    cfg_id = ms["cfg"]["id"]
    assert d.request("DELETE", f"/api/v1/watch/monitors/{cfg_id}",
                     headers=KEY).status_code == 409
    assert d.request("DELETE", f"/api/v1/watch/monitors/{m['id']}",
                     headers=KEY).status_code == 204
    assert "site" not in monitors(d)
    assert d.stop() == 0
    hearthd_factory.restart(d)
    assert "site" not in monitors(d)


def test_alerts_reach_ntfy_topics(hearthd_factory, tmp_path):
    """Through the notify room: alerts.to's ntfy:TOPIC and a notify route
    for watch.up; read back with ntfy's poll API."""
    nport = free_port()
    cfg = base_config(tmp_path, watch={
        "alerts": {"to": ["ntfy:lab-alerts"]},
        "monitors": [{"name": "cron", "type": "push", "token": "crontoken",
                      "interval": "60s"}]},
        notify={"listen": f"127.0.0.1:{nport}",
                "routes": [{"event": "watch.up", "to": ["ntfy:recoveries"]}]})
    d = hearthd_factory(yaml(cfg))
    assert curl(f"{d.url}/api/push/crontoken?status=down&msg=disk%20full"
                )[0] == 200
    assert curl(f"{d.url}/api/push/crontoken?msg=fixed")[0] == 200

    def poll(topic, want):
        """The topic's messages once @want are there (or after 10 s)."""
        deadline = time.monotonic() + 10
        while True:
            r = d.session.get(f"http://127.0.0.1:{nport}/{topic}/json?poll=1",
                              timeout=5)
            msgs = [json.loads(l) for l in r.text.splitlines() if l.strip()]
            msgs = [m for m in msgs if m.get("event") == "message"]
            if len(msgs) >= want or time.monotonic() > deadline:
                return msgs
            time.sleep(0.1)
    got = [m["message"] for m in poll("lab-alerts", 2)]
    assert got[:2] == ["[cron] [\U0001f534 Down] disk full",
                       "[cron] [\u2705 Up] fixed"], got
    rec = poll("recoveries", 1)
    assert [m["message"] for m in rec] == ["[cron] [\u2705 Up] fixed"]
    assert rec[0]["title"] == "cron" and "green_circle" in rec[0]["tags"]
