# SPDX-License-Identifier: MIT
"""The watch room's configuration and management surface against a real
hearthd: monitors derived from lab.services (http for a url, port for host +
port) checking a Python http.server on loopback; cron maintenance windows in
an IANA zone; PUT of an API monitor (persisted, 4xx naming the field) and
`hearth watch add|rm`; a status page's overall badge."""
import json
import re
import subprocess
import time

from helpers import API_KEY, HEARTHD, base_config, free_port
from test_watch import (KEY, Target, curl, monitors, status_is, target,  # noqa: F401
                        wait_for, yaml)


def test_lab_services_derive_monitors(hearthd_factory, tmp_path, target):  # noqa: F811
    closed = free_port()
    cfg = base_config(tmp_path, lab=False, watch={
        "from_lab": True, "lab_interval": "1s", "lab_retries": 0,
        "monitors": [{"name": "job", "type": "push", "token": "jobtoken"}]})
    cfg["lab"] = {"domain": "lab.example",
                  "hosts": {"box": {"ip": "127.0.0.1"}},
                  "services": [
                      {"name": "site", "host": "box",
                       "url": f"http://127.0.0.1:{target.port}/"},
                      {"name": "site-port", "host": "box",
                       "port": target.port},
                      {"name": "gone", "host": "box", "port": closed}]}
    d = hearthd_factory(yaml(cfg))
    want = {"site": "UP", "site-port": "UP", "gone": "DOWN", "box": "UP"}
    ms = wait_for(d, lambda ms: all(ms.get(n, {}).get("status_text") == s
                                    for n, s in want.items()),
                  "derived service checks", 20)
    assert sorted(ms) == ["box", "gone", "job", "site", "site-port"]
    assert ms["site"]["type"] == "http" and ms["site"]["source"] == "lab"
    assert ms["site"]["service"] == "site"
    assert ms["site"]["url"] == f"http://127.0.0.1:{target.port}/"
    assert ms["site-port"]["type"] == "port"
    assert ms["site-port"]["hostname"] == "127.0.0.1"
    assert ms["site-port"]["port"] == target.port
    assert ms["box"]["type"] == "ping" and "service" not in ms["box"]
    assert ms["job"]["source"] == "config"
    target.stop()
    wait_for(d, lambda ms: ms["site"]["status_text"] == "DOWN" and
             ms["site-port"]["status_text"] == "DOWN", "services DOWN", 15)
    assert d.stop() == 0


def test_lab_service_refused_with_position(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml({
        "state_dir": str(tmp_path / "state"),
        "lab": {"domain": "lab.example",
                "services": [{"name": "a", "host": "nosuch", "port": 80}]},
        "watch": {"from_lab": True}}))
    r = subprocess.run([HEARTHD, "-c", str(path), "--check"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode != 0
    m = re.search(r"bad\.yaml:(\d+):(\d+): host: 'nosuch' is not a lab host",
                  r.stderr)
    assert m, r.stderr
    line = path.read_text().splitlines()[int(m.group(1)) - 1]
    assert line[int(m.group(2)) - 1:].startswith("nosuch"), line


def test_cron_maintenance_in_a_zone(hearthd_factory, tmp_path):
    """A cron window that started a minute ago on Berlin's (or Kolkata's)
    wall clock covers its monitor now; one that starts in two hours there
    does not; the page JSON lists only the one that is on."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    def cron_at(zone, delta):
        t = datetime.now(ZoneInfo(zone)) + delta
        return f"{t.minute} {t.hour} * * *"

    cfg = base_config(tmp_path, watch={
        "monitors": [
            {"name": "a", "type": "push", "token": "atoken", "interval": "60s"},
            {"name": "b", "type": "push", "token": "btoken", "interval": "60s"},
            {"name": "c", "type": "push", "token": "ctoken", "interval": "60s"}],
        "maintenance": [
            {"name": "berlin-now", "strategy": "cron", "monitors": ["a"],
             "cron": cron_at("Europe/Berlin", timedelta(minutes=-1)),
             "duration": "10m", "timezone": "Europe/Berlin"},
            {"name": "kolkata-later", "strategy": "cron", "monitors": ["b"],
             "cron": cron_at("Asia/Kolkata", timedelta(hours=2)),
             "duration": "10m", "timezone": "Asia/Kolkata"},
            {"name": "utc-now", "strategy": "cron", "monitors": ["c"],
             "cron": cron_at("UTC", timedelta(minutes=-1)),
             "duration": "10m", "timezone": "Asia/Kolkata"}],
        "status_pages": [{"slug": "lab", "groups": [
            {"name": "G", "monitors": ["a", "b", "c"]}]}]})
    d = hearthd_factory(cfg if isinstance(cfg, str) else yaml(cfg))
    for tok in ("atoken", "btoken", "ctoken"):
        assert curl(f"{d.url}/api/push/{tok}?status=up")[0] == 200
    ms = monitors(d)
    assert ms["a"]["status_text"] == "MAINTENANCE", ms["a"]
    assert ms["a"]["msg"] == "Under maintenance: berlin-now"
    assert ms["b"]["status_text"] == "UP", ms["b"]
    # UTC's wall clock read as Kolkata's (+05:30): not on now.
    assert ms["c"]["status_text"] == "UP", ms["c"]
    page = d.get("/api/status-page/lab").json()
    assert [w["title"] for w in page["maintenanceList"]] == ["berlin-now"]
    # The REST listing: Kuma's maintenance JSON with status and offset.
    assert d.get("/api/v1/watch/maintenance").status_code == 401
    lst = d.get("/api/v1/watch/maintenance", headers=KEY).json()
    by = {w["title"]: w for w in lst}
    assert [w["id"] for w in lst] == [1, 2, 3]
    b = by["berlin-now"]
    assert b["status"] == "under-maintenance" and b["strategy"] == "cron"
    assert b["duration"] == 600 and b["durationMinutes"] == 10
    assert b["timezone"] == "Europe/Berlin" and b["monitors"] == ["a"]
    berlin = datetime.now(ZoneInfo("Europe/Berlin")).utcoffset()
    assert b["timezoneOffset"] == "+%02d:00" % (berlin.seconds // 3600)
    (slot,) = b["timeslotList"]
    start = datetime.fromisoformat(slot["startDate"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(slot["endDate"].replace("Z", "+00:00"))
    assert end - start == timedelta(minutes=10)
    assert start <= datetime.now(ZoneInfo("UTC")) < end
    k = by["kolkata-later"]
    assert k["status"] == "scheduled" and k["timeslotList"] == []
    assert k["timezoneOffset"] == "+05:30"
    assert d.stop() == 0


def test_put_and_cli_add_edit_rm(hearthd_factory, tmp_path, target, cli):  # noqa: F811
    cfg = base_config(tmp_path, watch={"monitors": [
        {"name": "cfg", "type": "push", "token": "cfgtoken"}]})
    d = hearthd_factory(yaml(cfg))
    env = {"HEARTH_URL": d.url, "HEARTH_API_KEY": API_KEY}
    url = f"http://127.0.0.1:{target.port}/"
    r = cli("watch", "add", "name=site", "type=keyword", f"url={url}",
            "keyword=hello lab", "interval=1", "retries=0", env=env)
    assert r.returncode == 0, r.stderr
    assert re.match(r"monitor 'site' added \(id \d+\)", r.stdout), r.stdout
    ms = wait_for(d, status_is("site", "UP"), "cli-made monitor UP")
    mid = ms["site"]["id"]
    assert ms["site"]["source"] == "api" and ms["site"]["retries"] == 0
    # PUT: the whole spec replaced; a bad field is a 400 naming it; the
    # config's monitors and unknown ids are refused.
    put = {"name": "site", "type": "keyword", "url": url,
           "keyword": "no such words", "interval": 1, "retries": 0}
    r = d.request("PUT", f"/api/v1/watch/monitors/{mid}", json=put)
    assert r.status_code == 401
    for bad, field in (({**put, "interval": "1s"}, "interval"),
                       ({**put, "url": "gopher://x"}, "url"),
                       ({**put, "colour": "red"}, "colour"),
                       ({**put, "name": "cfg"}, "name")):
        r = d.request("PUT", f"/api/v1/watch/monitors/{mid}", json=bad,
                      headers=KEY)
        assert r.status_code in (400, 409), (bad, r.text)
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.json()["error"].startswith(field + ":"), r.text
    r = d.request("PUT", f"/api/v1/watch/monitors/{mid}", data="{",
                  headers=KEY)
    assert r.status_code == 400 and r.json()["error"].startswith("body:")
    cfg_id = monitors(d)["cfg"]["id"]
    r = d.request("PUT", f"/api/v1/watch/monitors/{cfg_id}", json=put,
                  headers=KEY)
    assert r.status_code == 409 and "config file" in r.json()["error"]
    assert d.request("PUT", "/api/v1/watch/monitors/424242", json=put,
                     headers=KEY).status_code == 404
    r = d.request("PUT", f"/api/v1/watch/monitors/{mid}", json=put,
                  headers=KEY)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == mid
    wait_for(d, status_is("site", "DOWN"), "updated keyword DOWN")
    # Renamed by the CLI (GET spec, set, PUT): same id, history kept.
    before = len(d.get(f"/api/v1/watch/monitors/{mid}/heartbeats?limit=500",
                       headers=KEY).json()["heartbeats"])
    r = cli("watch", "edit", "site", "name=site2", "keyword=hello", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "monitor 'site2' updated"
    ms = wait_for(d, lambda ms: ms.get("site2", {}).get("status_text") ==
                  "UP", "renamed UP")
    assert "site" not in ms and ms["site2"]["id"] == mid
    assert d.get(f"/api/v1/watch/monitors/{mid}", headers=KEY).json()[
        "spec"]["keyword"] == "hello"
    h = d.get(f"/api/v1/watch/monitors/{mid}/heartbeats?limit=500",
              headers=KEY).json()["heartbeats"]
    assert len(h) > before
    r = cli("watch", "edit", "cfg", "interval=5", env=env)
    assert r.returncode != 0 and "config" in r.stderr
    r = cli("watch", "add", "name=x", "type=http", "url=ftp://x", env=env)
    assert r.returncode != 0 and "url:" in r.stderr
    # Kept across a restart as updated; then removed by the CLI.
    assert d.stop() == 0
    hearthd_factory.restart(d)
    ms = monitors(d)
    assert ms["site2"]["id"] == mid and "site" not in ms
    body = tmp_path / "m.json"
    body.write_text(json.dumps({"name": "ping1", "type": "ping",
                                "hostname": "127.0.0.1", "interval": 1}))
    r = cli("watch", "add", "--file", str(body), "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["name"] == "ping1"
    for name in ("site2", "ping1"):
        r = cli("watch", "rm", name, env=env)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == f"monitor {name} removed"
    assert cli("watch", "rm", "cfg", env=env).returncode != 0
    assert sorted(monitors(d)) == ["cfg"]
    assert d.stop() == 0
    hearthd_factory.restart(d)
    assert sorted(monitors(d)) == ["cfg"]
    assert d.stop() == 0


def test_page_badge_series_and_30_day_chart(hearthd_factory, tmp_path):
    """Kuma 2.x's /api/status-page/<slug>/badge over the page's monitors'
    last beats; /series from the minutely, hourly or daily aggregates by
    window; the status page's 30-day response-time chart from the hourly
    ones, in headless Chromium."""
    import sqlite3
    import xml.etree.ElementTree as ET
    from test_status_page import ARTEFACTS, chromium
    svg = "{http://www.w3.org/2000/svg}"

    def badge(path):
        r = d.get(path)
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == "image/svg+xml"
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        root = ET.fromstring(r.content)
        assert root.tag == svg + "svg"
        return ([t.text for t in root.iter(svg + "text")],
                {x.get("fill") for x in root.iter(svg + "rect")})

    push = lambda n: {"name": n, "type": "push", "token": f"{n}-token",
                      "interval": "1h"}
    cfg = base_config(tmp_path, watch={
        "monitors": [push("a"), push("b"), push("c"), push("quiet")],
        "status_pages": [
            {"slug": "lab", "groups": [{"name": "G",
                                        "monitors": ["a", "b", "quiet"]}]},
            {"slug": "off", "published": False,
             "groups": [{"name": "G", "monitors": ["c"]}]}]})
    d = hearthd_factory(yaml(cfg))
    # No beats yet: N/A (grey, the message alone).
    texts, fills = badge("/api/status-page/lab/badge")
    assert texts[-1] == "N/A" and "#999" in fills
    for n in ("a", "b"):
        assert curl(f"{d.url}/api/push/{n}-token?ping=20")[0] == 200
    texts, fills = badge("/api/status-page/lab/badge")
    assert texts[-1] == "Up" and "#66c20a" in fills
    texts, fills = badge("/api/status-page/lab/badge?label=Lab&upColor=blue")
    assert texts[0] == "Lab" and texts[-1] == "Up" and "#007ec6" in fills
    assert curl(f"{d.url}/api/push/b-token?status=down")[0] == 200
    texts, fills = badge("/api/status-page/lab/badge")
    assert texts[-1] == "Degraded" and "#F6BE00" in fills
    assert curl(f"{d.url}/api/push/a-token?status=down")[0] == 200
    texts, fills = badge("/api/status-page/LAB/badge?downColor=%23123456")
    assert texts[-1] == "Down" and "#123456" in fills
    # Unpublished or unknown pages: N/A, as for monitors off a page.
    assert curl(f"{d.url}/api/push/c-token")[0] == 200
    for slug in ("off", "nosuch"):
        texts, fills = badge(f"/api/status-page/{slug}/badge")
        assert texts[-1] == "N/A" and "#999" in fills
    assert d.get("/api/status-page/lab").status_code == 200

    # History: hourly aggregates 5 and 10 days ago, daily 100 days ago.
    mid = monitors(d)["a"]["id"]
    now = int(time.time())
    hour = now - now % 3600
    db = sqlite3.connect(tmp_path / "state" / "hearth.db", timeout=10)
    with db:
        for ago, up, down, ping in ((5, 9, 1, 100), (10, 10, 0, 300)):
            db.execute("INSERT INTO watch_stat_hourly(monitor, timestamp, up,"
                       " down, maintenance, ping, ping_min, ping_max) VALUES("
                       "?, ?, ?, ?, 0, ?, ?, ?)",
                       (mid, hour - ago * 86400, up, down, ping, ping - 50,
                        ping + 50))
        db.execute("INSERT INTO watch_stat_daily(monitor, timestamp, up, "
                   "down, maintenance, ping, ping_min, ping_max) VALUES("
                   "?, ?, 3, 1, 0, 42, 40, 44)",
                   (mid, now - now % 86400 - 100 * 86400))
    db.close()
    s = d.get(f"/api/v1/watch/monitors/{mid}/series?window=30d",
              headers=KEY).json()
    assert s["aggregate"] == "hourly" and s["bucket"] == 21600
    assert len(s["points"]) == 121
    full = [p for p in s["points"] if p["up"] + p["down"]]
    old = [p for p in full if p["time"] < now - 86400]
    assert [(p["up"], p["down"], p["ping_avg"], p["ping_max"]) for p in old] \
        == [(10, 0, 300, 350), (9, 1, 100, 150)]
    assert old[1]["uptime"] == 0.9
    assert s["points"][0]["uptime"] is None
    s = d.get(f"/api/v1/watch/monitors/{mid}/series?window=24h",
              headers=KEY).json()
    assert s["aggregate"] == "minutely" and s["bucket"] == 900
    assert sum(p["up"] for p in s["points"]) == 1
    assert sum(p["down"] for p in s["points"]) == 1
    s = d.get(f"/api/v1/watch/monitors/{mid}/series?window=1y",
              headers=KEY).json()
    assert s["aggregate"] == "daily" and s["bucket"] == 4 * 86400
    assert sum(p["up"] for p in s["points"]) == 3 + 1
    old_h = [p for p in d.get(f"/api/v1/watch/monitors/{mid}/series?window=30d",
                               headers=KEY).json()["points"]
             if p["up"] + p["down"] and p["time"] < now - 86400]
    assert [p["ping_p95"] for p in old_h] == [350, 150]  # no histogram: max
    # p95 from the histograms: 19 beats at 10 ms and one at 200 ms.
    cid = monitors(d)["c"]["id"]
    for ping in [10] * 19 + [200]:
        assert curl(f"{d.url}/api/push/c-token?ping={ping}")[0] == 200
    s = d.get(f"/api/v1/watch/monitors/{cid}/series?window=1y",
              headers=KEY).json()
    (p,) = [p for p in s["points"] if p["up"]]
    assert p["up"] == 21 and p["ping_min"] == 10 and p["ping_max"] == 200
    assert abs(p["ping_p95"] - 2 ** 3.5) < 0.01, p  # 10 ms's bin edge
    assert d.get(f"/api/v1/watch/monitors/{mid}/series?window=soon",
                 headers=KEY).status_code == 400
    assert d.get(f"/api/v1/watch/monitors/{mid}/series").status_code == 401
    # The page: a 24 h chart (minutely) and a 30-day one (hourly) each.
    t = d.get("/status/lab").text
    assert t.count('<svg class="ping" data-aggregate="minutely"') == 3
    assert t.count('<svg class="ping ping-30d" data-aggregate="hourly"') == 3
    block = t[t.index(f'data-monitor="{mid}"'):]
    block = block[:block.index('<div class="mon"', 1)] \
        if '<div class="mon"' in block[1:] else block
    m = re.search(r'<svg class="ping ping-30d"[^>]*>(.*?)</svg>', block)
    assert m and '<polyline class="avg"' in m.group(1), block
    assert "no response times in the last 30 days" in t  # quiet's
    dom = chromium(tmp_path, f"{d.url}/status/lab", "--dump-dom")
    assert dom.count('class="ping ping-30d"') == 3
    assert dom.count('<polyline class="avg"') >= 2
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    chromium(tmp_path, f"{d.url}/status/lab",
             f"--screenshot={ARTEFACTS / 'watch_status_page_30d.png'}")
    assert (ARTEFACTS / "watch_status_page_30d.png").stat().st_size > 1000
    assert d.stop() == 0


def test_pushes_under_load_batched_without_busy(hearthd_factory, tmp_path):
    """40 push monitors hammered by 16 threads (2000 pushes) while 4 more
    read heartbeats, series and status pages: every push is answered 200
    after its commit, every beat lands (heartbeats = pushes, daily
    aggregates too), writes went in batches (fewer commits than beats),
    and no SQLITE_BUSY or 'locked' appears anywhere."""
    import threading
    import requests
    n_mon, per_thread, threads = 40, 125, 16
    cfg = base_config(tmp_path, watch={
        "monitors": [{"name": f"p{i}", "type": "push", "token": f"tok{i:04d}",
                      "interval": "1h"} for i in range(n_mon)],
        "status_pages": [{"slug": "lab", "groups": [
            {"name": "G", "monitors": [f"p{i}" for i in range(n_mon)]}]}]})
    d = hearthd_factory(yaml(cfg))
    ids = {n: m["id"] for n, m in monitors(d).items()}
    codes, errors, stop = [], [], threading.Event()

    def pusher(k):
        s = requests.Session()
        for j in range(per_thread):
            i = (k * per_thread + j) % n_mon
            try:
                r = s.get(f"{d.url}/api/push/tok{i:04d}?status=up&ping={j % 50}",
                          timeout=30)
                codes.append(r.status_code)
            except requests.RequestException as e:
                errors.append(repr(e))

    def reader(k):
        s = requests.Session()
        paths = [f"/api/v1/watch/monitors/{ids['p%d' % k]}/heartbeats?limit=50",
                 f"/api/v1/watch/monitors/{ids['p%d' % k]}/series?window=24h",
                 "/api/status-page/heartbeat/lab", "/status/lab"]
        while not stop.is_set():
            for p in paths:
                r = s.get(d.url + p, headers=KEY, timeout=30)
                if r.status_code != 200:
                    errors.append(f"{p}: {r.status_code} {r.text[:80]}")

    ts = [threading.Thread(target=pusher, args=(k,)) for k in range(threads)]
    rs = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    t0 = time.monotonic()
    for t in rs + ts:
        t.start()
    for t in ts:
        t.join(timeout=300)
    stop.set()
    for t in rs:
        t.join(timeout=60)
    took = time.monotonic() - t0
    total = per_thread * threads
    assert not errors, errors[:5]
    assert codes.count(200) == total, {c: codes.count(c) for c in set(codes)}
    beats = sum(len(d.get(f"/api/v1/watch/monitors/{ids[f'p{i}']}/heartbeats"
                          "?limit=1000", headers=KEY).json()["heartbeats"])
                for i in range(n_mon))
    assert beats == total
    s = sum(p["up"] for i in range(n_mon)
            for p in d.get(f"/api/v1/watch/monitors/{ids[f'p{i}']}/series"
                           "?window=1y", headers=KEY).json()["points"])
    assert s == total
    metrics = d.get("/metrics").text
    written = re.search(r"^hearth_watch_heartbeats_written_total (\d+)",
                        metrics, re.M)
    batches = re.search(r"^hearth_watch_heartbeat_batches_total (\d+)",
                        metrics, re.M)
    assert written and int(written.group(1)) == total, metrics[-2000:]
    assert batches and 0 < int(batches.group(1)) < total
    log = d.stderr()
    assert "SQLITE_BUSY" not in log and "locked" not in log.lower()
    print(f"{total} pushes from {threads} threads with 4 readers: "
          f"{took:.1f}s, {total / took:.0f}/s, in {batches.group(1)} "
          "transactions")
    assert d.stop() == 0
