# SPDX-License-Identifier: MIT
"""The watch room's public faces against the ASan hearthd, with push
monitors driven by curl and history written into the aggregates: Kuma
1.23's status-page JSON (config, incident, publicGroupList; heartbeatList,
uptimeList) with its cache headers; every badge kind and style parsed as
SVG with Kuma's texts and colours; Kuma's metrics through promtool;
/status/<slug> (incident Markdown escaped, 90 daily bars, response-time
chart, themes) in headless Chromium with screenshots kept as artefacts;
and the RSS feed."""
import math
import re
import sqlite3
import struct
import subprocess
import time
import xml.etree.ElementTree as ET
import zlib

from test_status_page import ARTEFACTS, chromium
from helpers import free_port
from test_watch import curl, monitors, watch_config

SVG = "{http://www.w3.org/2000/svg}"
INCIDENT = ("Disks are *slow*; see [the log](https://status.example/log?a=1&b=2)."
            "\n\n<script>alert(1)</script> `df -h` **now**")
CONFIG_KEYS = {"slug", "title", "description", "icon", "theme", "published",
               "showTags", "customCSS", "footerText", "showPoweredBy",
               "googleAnalyticsId", "showCertificateExpiry",
               "autoRefreshInterval"}


def kuma_color(ratio):
    """Kuma's percentageToColor: hsl(10 + 80 r, 90 %, 40 %)."""
    h, s, l = 10 + 80 * ratio, 0.9, 0.4
    c = (1 - abs(2 * l - 1)) * s
    x = c * (1 - abs((h / 60) % 2 - 1))
    m = l - c / 2
    r, g = (c, x) if h < 60 else (x, c)
    return "#%02x%02x%02x" % tuple(round((v + m) * 255) for v in (r, g, 0))


def to_precision4(v):
    """JavaScript's v.toPrecision(4) for 0 < v < 1000."""
    return f"{v:.{max(0, 3 - math.floor(math.log10(v)))}f}"


def start_page(hearthd_factory, tmp_path, theme="dark", **watch):
    push = lambda name, **kw: {"name": name, "type": "push",
                               "token": f"{name}-token", "interval": "1h",
                               **kw}
    cfg = watch_config(tmp_path, [
        push("api"), push("db"), push("web"), push("flaky", retries=2),
        push("hidden"),
    ], status_pages=[{
        "slug": "lab", "title": "Lab & Co", "description": "Home lab",
        "footer_text": "Run by <us>", "theme": theme, "auto_refresh": "30s",
        "incident": {"title": "Slow storage", "content": INCIDENT,
                     "style": "danger", "date": "2026-12-01 22:30"},
        "groups": [{"name": "Core", "monitors": ["api", "db"]},
                   {"name": "Edge", "monitors": ["web", "flaky"]}]}],
        **watch)
    d = hearthd_factory(cfg)
    for name, q in (("api", "ping=10"), ("api", "ping=30"),
                    ("api", "status=down&msg=boom"), ("api", "ping=20"),
                    ("db", "ping=5"), ("web", "status=down"),
                    ("flaky", "status=down"), ("hidden", "")):
        assert curl(f"{d.url}/api/push/{name}-token?{q}")[0] == 200
    ms = monitors(d)
    assert ms["flaky"]["status_text"] == "PENDING"
    return d, ms


def test_maintenance_on_the_page(hearthd_factory, tmp_path):
    d, ms = start_page(hearthd_factory, tmp_path, maintenance=[
        {"name": "NAS swap", "description": "New disks <today>",
         "monitors": ["db"], "strategy": "manual", "active": True},
        {"name": "elsewhere", "monitors": ["hidden"], "strategy": "manual",
         "active": True},
        {"name": "over", "monitors": ["api"], "strategy": "single",
         "start": "2020-01-01 00:00", "end": "2020-01-02 00:00"}])
    assert ms["db"]["status_text"] == "MAINTENANCE"
    j = d.get("/api/status-page/lab").json()
    assert j["maintenanceList"] == [{
        "id": 1, "title": "NAS swap", "description": "New disks <today>",
        "strategy": "manual", "active": True, "status": "under-maintenance"}]
    t = d.get("/status/lab").text
    assert t.count('class="banner maintenance maintenance-window"') == 1
    assert "<strong>Maintenance: NAS swap</strong><p>New disks &lt;today&gt;" in t
    assert 'class="pill maint">MAINTENANCE<' in monitor_block(t, ms["db"]["id"])
    assert "elsewhere" not in t and ">over<" not in t
    _, texts, fills = badge(d, f"/api/badge/{ms['db']['id']}/status")
    assert texts == ["Status", "Maintenance"] and "#1747f5" in fills


def add_history(d, tmp_path, mid):
    """Daily aggregates for days before today, and response times two hours
    ago, written as the room writes them."""
    now = int(time.time())
    today = now - now % 86400
    db = sqlite3.connect(tmp_path / "state" / "hearth.db", timeout=10)
    with db:
        for days_ago, up, down, maint in ((3, 90, 10, 0), (2, 100, 0, 0),
                                          (1, 0, 0, 5), (89, 1, 1, 0)):
            db.execute("INSERT INTO watch_stat_daily(monitor, timestamp, up, "
                       "down, maintenance, ping, ping_min, ping_max) "
                       "VALUES(?, ?, ?, ?, ?, 15, 5, 40)",
                       (mid, today - days_ago * 86400, up, down, maint))
        t = (now - 7200) - (now - 7200) % 60
        for i, ping in enumerate((100, 120, 80)):
            db.execute("INSERT INTO watch_stat_minutely(monitor, timestamp, "
                       "up, down, maintenance, ping, ping_min, ping_max) "
                       "VALUES(?, ?, 1, 0, 0, ?, ?, ?)",
                       (mid, t + 60 * i, ping, ping - 5, ping + 5))
    db.close()
    return today


def test_status_page_json_is_kumas(hearthd_factory, tmp_path):
    d, ms = start_page(hearthd_factory, tmp_path)
    r = d.get("/api/status-page/lab")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=300"
    j = r.json()
    assert set(j) == {"config", "incident", "publicGroupList",
                      "maintenanceList"}
    assert set(j["config"]) == CONFIG_KEYS
    c = j["config"]
    assert (c["slug"], c["title"], c["description"], c["theme"],
            c["published"], c["footerText"], c["autoRefreshInterval"]) == (
        "lab", "Lab & Co", "Home lab", "dark", True, "Run by <us>", 30)
    assert j["incident"] == {
        "id": 1, "style": "danger", "title": "Slow storage",
        "content": INCIDENT, "pin": True, "createdDate": "2026-12-01 22:30:00",
        "lastUpdatedDate": None}
    assert [g["name"] for g in j["publicGroupList"]] == ["Core", "Edge"]
    for g in j["publicGroupList"]:
        assert set(g) == {"id", "name", "weight", "monitorList"}
        for m in g["monitorList"]:
            assert set(m) >= {"id", "name", "sendUrl", "type"}
    assert [m["name"] for m in j["publicGroupList"][1]["monitorList"]] == [
        "web", "flaky"]
    assert j["maintenanceList"] == []

    r = d.get("/api/status-page/heartbeat/lab")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=60"
    j = r.json()
    ids = {str(ms[n]["id"]) for n in ("api", "db", "web", "flaky")}
    assert set(j["heartbeatList"]) == ids
    assert set(j["uptimeList"]) == {f"{i}_24" for i in ids}
    for beats in j["heartbeatList"].values():
        for b in beats:
            assert set(b) == {"status", "time", "msg", "ping"}
    assert [b["status"] for b in j["heartbeatList"][str(ms["flaky"]["id"])]] == [2]
    # Kuma's answer for a page it does not have.
    r = d.get("/api/status-page/nope")
    assert r.status_code == 404
    assert r.json() == {"status": "fail", "msg": "Status Page Not Found"}
    assert d.get("/api/status-page/heartbeat/nope").status_code == 404


def test_certificate_expiry_on_the_page(hearthd_factory, tmp_path):
    cfg = watch_config(tmp_path, [
        {"name": "tls", "type": "http", "interval": "1h",
         "url": f"https://127.0.0.1:{free_port()}/"},
        {"name": "api", "type": "push", "token": "api-token"},
    ], status_pages=[{"slug": "certs", "show_certificate_expiry": True,
                      "groups": [{"name": "G", "monitors": ["tls", "api"]}]},
                     {"slug": "plain", "groups": [
                         {"name": "G", "monitors": ["tls"]}]}])
    d = hearthd_factory(cfg)
    j = d.get("/api/status-page/certs").json()
    assert j["config"]["showCertificateExpiry"] is True
    tls, api = j["publicGroupList"][0]["monitorList"]
    # Kuma's getCertExpiry without a verified certificate; only for http
    # monitors of https URLs.
    assert (tls["certExpiryDaysRemaining"], tls["validCert"]) == ("", False)
    assert "validCert" not in api and "certExpiryDaysRemaining" not in api
    assert '<span class="muted cert">no valid cert</span>' in d.get(
        "/status/certs").text
    j = d.get("/api/status-page/plain").json()
    assert j["config"]["showCertificateExpiry"] is False
    assert "validCert" not in j["publicGroupList"][0]["monitorList"][0]
    assert 'class="muted cert"' not in d.get("/status/plain").text


def badge(d, path, status=200):
    r = d.get(path)
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "image/svg+xml"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Cache-Control"] == "public, max-age=300"
    root = ET.fromstring(r.content)
    assert root.tag == SVG + "svg"
    texts = [t.text for t in root.iter(SVG + "text")]
    fills = {x.get("fill") for x in root.iter(SVG + "rect")}
    return root, texts, fills


def test_badges_kinds_styles_and_colours(hearthd_factory, tmp_path):
    d, ms = start_page(hearthd_factory, tmp_path)
    api, web, flaky = ms["api"]["id"], ms["web"]["id"], ms["flaky"]["id"]
    _, t, f = badge(d, f"/api/badge/{web}/status")
    assert t == ["Status", "Down"] and "#c2290a" in f and "#555" in f
    _, t, f = badge(d, f"/api/badge/{flaky}/status?pendingLabel=Wait"
                       f"&pendingColor=orange&label=Flaky")
    assert t == ["Flaky", "Wait"] and "#fe7d37" in f
    _, t, f = badge(d, f"/api/badge/{api}/status")
    assert t == ["Status", "Up"] and "#66c20a" in f
    # Uptime: 3 UP, 1 DOWN in 24 h; percentageToColor; toPrecision(4).
    _, t, f = badge(d, f"/api/badge/{api}/uptime")
    assert t == ["Uptime (24h)", "75.00%"] and kuma_color(0.75) in f
    _, t, _ = badge(d, f"/api/badge/{api}/uptime/48?labelPrefix=Lab%20"
                       f"&labelSuffix=%20hours&prefix=~&suffix=%20pct")
    assert t == ["Lab Uptime (48 hours)", "~75.00 pct"]
    _, t, f = badge(d, f"/api/badge/{api}/uptime/30d?color=ff00ff"
                       f"&labelColor=%23123456")
    assert t == ["Uptime (30d)", "75.00%"] and {"#ff00ff", "#123456"} <= f
    _, t, f = badge(d, f"/api/badge/{api}/ping/24")
    assert t == ["Avg. Ping (24h)", "20ms"] and "#007ec6" in f
    _, t, _ = badge(d, f"/api/badge/{api}/avg-response/7d?suffix=%20ms")
    assert t == ["Avg. Response (7d)", "20 ms"]
    _, t, _ = badge(d, f"/api/badge/{api}/response?label=Last")
    assert t == ["Last", "20ms"]
    # No TLS certificate seen: Kuma's "No/Bad Cert", grey, no label.
    _, t, f = badge(d, f"/api/badge/{api}/cert-exp")
    assert t == ["No/Bad Cert"] and "#999" in f and "#555" not in f
    # Styles.
    root, t, _ = badge(d, f"/api/badge/{web}/status?style=for-the-badge")
    assert t == ["STATUS", "DOWN"] and root.get("height") == "28"
    root, _, _ = badge(d, f"/api/badge/{web}/status?style=plastic")
    assert root.get("height") == "18"
    root, _, _ = badge(d, f"/api/badge/{web}/status?style=flat-square")
    assert root.find(f"{SVG}linearGradient") is None
    root, t, _ = badge(d, f"/api/badge/{web}/status?style=social")
    assert t == ["Status", "Down"]
    # A longer label makes a wider badge; markup stays text.
    w1 = int(badge(d, f"/api/badge/{api}/status?label=a")[0].get("width"))
    w2 = int(badge(d, f"/api/badge/{api}/status?label=a%20much%20longer"
                      f"%20label")[0].get("width"))
    assert w2 > w1 + 50
    root, t, _ = badge(d, f"/api/badge/{api}/status?label=%3C%2Ftext%3E%26"
                          f"&upLabel=%22%3E%3Cscript%3E")
    assert t == ["</text>&", '"><script>']
    assert root.find(f".//{SVG}script") is None
    # Not on a published page, or no such monitor: N/A.
    for path in (f"/api/badge/{ms['hidden']['id']}/status",
                 "/api/badge/999999/uptime/24h", "/api/badge/x/status"):
        _, t, f = badge(d, path)
        assert t == ["N/A"] and "#999" in f and "#555" not in f, path


def test_kuma_metrics_pass_promtool(hearthd_factory, tmp_path):
    d, ms = start_page(hearthd_factory, tmp_path)
    text = d.metrics_text()
    for fam in ("monitor_status", "monitor_response_time",
                "monitor_cert_days_remaining", "monitor_cert_is_valid"):
        assert f"# TYPE {fam} gauge" in text
    for name, value in (("web", "0"), ("api", "1"), ("flaky", "2")):
        line = re.search(rf'^monitor_status\{{([^}}]*monitor_name="{name}"'
                         rf'[^}}]*)\}} (\S+)$', text, re.M)
        assert line and line.group(2) == value, text
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line.group(1)))
        assert {"monitor_name", "monitor_type", "monitor_url",
                "monitor_hostname", "monitor_port"} <= set(labels)
        assert labels["monitor_type"] == "push"
    assert re.search(r'^monitor_response_time\{[^}]*monitor_name="api"'
                     r'[^}]*\} 20$', text, re.M)
    assert "hearth_" in text  # beside hearth's own
    p = subprocess.run(["promtool", "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr


def monitor_block(html, mid):
    start = html.index(f'class="mon" data-monitor="{mid}"')
    end = html.find('class="mon" data-monitor="', start + 10)
    return html[start:end if end > 0 else len(html)]


def test_status_page_html(hearthd_factory, tmp_path):
    d, ms = start_page(hearthd_factory, tmp_path)
    api = ms["api"]["id"]
    today = add_history(d, tmp_path, api)
    r = d.get("/status/lab")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Content-Encoding"] == "gzip"  # requests asks for it
    assert r.headers["Vary"] == "Accept-Encoding"
    t = r.text
    plain = d.get("/status/lab", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.text.startswith("<!doctype html>")
    assert len(plain.content) > 3 * int(r.headers["Content-Length"])
    assert "<script" not in t and "javascript:" not in t
    assert '<html lang="en" data-theme="dark">' in t
    assert '<meta http-equiv="refresh" content="30">' in t
    assert '<meta name="viewport" content="width=device-width' in t
    assert "<title>Lab &amp; Co</title>" in t
    assert "Run by &lt;us&gt;" in t
    # The incident, its Markdown rendered and everything else escaped.
    assert 'class="incident incident-danger" id="incident"' in t
    assert "<em>slow</em>" in t and "<strong>now</strong>" in t
    assert ('<a href="https://status.example/log?a=1&amp;b=2" '
            'rel="nofollow noopener">the log</a>') in t
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in t
    assert "<code>df -h</code>" in t
    assert 'id="overall" role="status">Partially Degraded Service<' in t
    # 90 daily bars per monitor, coloured by the day's uptime.
    block = monitor_block(t, api)
    days = re.findall(r'<rect class="day" data-day="([\d-]+)"[^>]*'
                      r'fill="([^"]+)"><title>([^<]*)</title>', block)
    assert len(days) == 90
    by_day = {day: (fill, title) for day, fill, title in days}
    iso = lambda ago: time.strftime("%Y-%m-%d",
                                    time.gmtime(today - ago * 86400))
    assert days[-1][0] == iso(0) and days[0][0] == iso(89)
    assert by_day[iso(3)] == (kuma_color(0.9), f"{iso(3)}: 90.00 %")
    assert by_day[iso(2)] == ("#66c20a", f"{iso(2)}: 100.00 %")
    assert by_day[iso(1)] == ("#1747f5", f"{iso(1)}: maintenance")
    assert by_day[iso(10)] == ("#8888", f"{iso(10)}: no data")
    assert by_day[iso(0)] == (kuma_color(0.75), f"{iso(0)}: 75.00 %")
    up, down = 90 + 100 + 1 + 3, 10 + 1 + 1
    assert (f'class="days-uptime">{100 * up / (up + down):.2f} %<'
            in block)
    # The response-time chart: an average line and a min-max band.
    assert re.search(r'<svg class="ping"[^>]*>.*<polyline class="avg" '
                     r'points="[\d., ]+"', block)
    assert '<span class="ping-top">200 ms</span>' in block
    web = monitor_block(t, ms["web"]["id"])
    assert "no response times in the last 24 h" in web
    assert 'class="pill down">DOWN<' in web
    assert 'class="pill pending">PENDING<' in monitor_block(
        t, ms["flaky"]["id"])
    assert "hidden" not in t
    print(f"status page: {len(r.content)} bytes, 4 monitors")


def test_rss_feed(hearthd_factory, tmp_path):
    d, ms = start_page(hearthd_factory, tmp_path)
    r = d.get("/status/lab/rss")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    root = ET.fromstring(r.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    ch = root.find("channel")
    assert ch.findtext("title") == "Lab & Co"
    assert ch.findtext("link") == f"{d.url}/status/lab"
    items = ch.findall("item")
    first = items[0]
    assert first.findtext("title") == "Slow storage"
    assert first.findtext("pubDate") == "Tue, 01 Dec 2026 22:30:00 +0000"
    assert "<em>slow</em>" in first.findtext("description")
    assert "<script>" not in first.findtext("description")
    titles = [i.findtext("title") for i in items[1:]]
    # Status changes, newest first: web and flaky's first beats, api's
    # DOWN and its recovery.
    assert "web is down" in titles and "api is down" in titles
    assert titles.count("api is up") == 2
    assert titles.index("api is up") < titles.index("api is down")
    assert "hidden is up" not in titles
    for i in items[1:]:
        assert re.match(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$",
                        i.findtext("pubDate"))
    assert d.get("/status/nope/rss").status_code == 404
    assert d.get("/status/lab/rss/more").status_code == 404


def png_first_pixel(path):
    """The top-left pixel of an 8-bit RGB(A) PNG: the first row's first
    pixel is its raw bytes whatever the row's filter."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert ihdr[2] == 8 and ihdr[3] in (2, 6), ihdr
    raw = zlib.decompress(idat)
    return tuple(raw[1:4])


def test_status_page_in_chromium(hearthd_factory, tmp_path):
    d, ms = start_page(hearthd_factory, tmp_path, theme="dark")
    add_history(d, tmp_path, ms["api"]["id"])
    url = f"{d.url}/status/lab"
    t0 = time.monotonic()
    dom = chromium(tmp_path, url, "--dump-dom")
    took = time.monotonic() - t0
    assert 'id="incident"' in dom and "<em>slow</em>" in dom
    assert "Partially Degraded Service" in dom
    assert dom.count('class="day"') == 4 * 90
    assert dom.count('class="beat"') == 4 + 1 + 1 + 1
    assert '<polyline class="avg"' in dom
    assert re.search(r'class="pill down">DOWN<', dom)
    assert "<script" not in dom
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "watch_status_page_dark.png"
    chromium(tmp_path, url, f"--screenshot={shot}")
    assert png_first_pixel(shot) == (0x0d, 0x11, 0x17)  # the dark theme
    print(f"status page: {len(d.get('/status/lab').content)} bytes; "
          f"chromium dump-dom {took:.2f}s")


def test_themes_light_and_auto(hearthd_factory, tmp_path):
    d, _ = start_page(hearthd_factory, tmp_path, theme="auto")
    url = f"{d.url}/status/lab"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    light = ARTEFACTS / "watch_status_page_auto_light.png"
    chromium(tmp_path, url, f"--screenshot={light}")
    assert png_first_pixel(light) == (255, 255, 255)
    dark = ARTEFACTS / "watch_status_page_auto_dark.png"
    chromium(tmp_path, url, "--force-dark-mode", f"--screenshot={dark}")
    assert png_first_pixel(dark) == (0x0d, 0x11, 0x17)
