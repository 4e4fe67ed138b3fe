# SPDX-License-Identifier: MIT
"""The watch room's public surface: Kuma's status-page JSON and heartbeat
JSON in Kuma's shapes, SVG badges (grey N/A for monitors on no published
page), the server-rendered /status/<slug> page, rendered by headless
Chromium (DOM asserted, screenshot kept as an artefact)."""
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from test_watch import curl, monitors, watch_config

SVG = "{http://www.w3.org/2000/svg}"


def setup_page(hearthd_factory, tmp_path):
    cfg = watch_config(tmp_path, [
        {"name": "api", "type": "push", "token": "apitoken", "interval": "60s"},
        {"name": "db", "type": "push", "token": "dbtoken", "interval": "60s"},
        {"name": "secret", "type": "push", "token": "sectoken",
         "interval": "60s"},
        {"name": "draft-only", "type": "push", "token": "drafttok",
         "interval": "60s"},
    ], status_pages=[
        {"slug": "lab", "title": "Lab <status>", "description": "Our lab",
         "footer_text": "Run by us", "groups": [
             {"name": "Services", "monitors": ["api", "db"]}]},
        {"slug": "draft", "title": "Draft", "published": False,
         "groups": [{"name": "X", "monitors": ["draft-only"]}]},
    ])
    d = hearthd_factory(cfg)
    for tok, q in (("apitoken", "ping=10"), ("apitoken", "ping=30"),
                   ("apitoken", "status=down&msg=secret%20detail"),
                   ("apitoken", "ping=20"), ("dbtoken", "ping=5"),
                   ("sectoken", ""), ("drafttok", "")):
        assert curl(f"{d.url}/api/push/{tok}?{q}")[0] == 200
    return d, monitors(d)


def test_status_page_json_in_kumas_shapes(hearthd_factory, tmp_path):
    d, ms = setup_page(hearthd_factory, tmp_path)
    r = d.get("/api/status-page/lab")
    assert r.status_code == 200
    j = r.json()
    assert set(j) == {"config", "incident", "publicGroupList",
                      "maintenanceList"}
    assert j["config"]["slug"] == "lab"
    assert j["config"]["title"] == "Lab <status>"
    assert j["config"]["published"] is True
    assert j["incident"] is None
    [g] = j["publicGroupList"]
    assert g["name"] == "Services"
    assert [(m["id"], m["name"], m["type"]) for m in g["monitorList"]] == [
        (ms["api"]["id"], "api", "push"), (ms["db"]["id"], "db", "push")]
    # Case-insensitive slug; unknown and unpublished pages are 404.
    assert d.get("/api/status-page/LAB").status_code == 200
    for slug in ("nope", "draft"):
        r = d.get(f"/api/status-page/{slug}")
        assert r.status_code == 404
        assert r.json()["status"] == "fail"

    r = d.get("/api/status-page/heartbeat/lab")
    assert r.status_code == 200
    j = r.json()
    api = str(ms["api"]["id"])
    beats = j["heartbeatList"][api]
    assert [b["status"] for b in beats] == [1, 1, 0, 1]  # oldest first
    assert all(b["msg"] == "" for b in beats)  # public JSON hides msg
    assert beats[0]["ping"] == 10
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$",
                    beats[0]["time"])
    assert j["uptimeList"] == {f"{api}_24": 0.75,
                               f"{ms['db']['id']}_24": 1.0}
    assert str(ms["secret"]["id"]) not in j["heartbeatList"]
    assert d.get("/api/status-page/heartbeat/draft").status_code == 404


def parse_badge(d, path):
    r = d.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "image/svg+xml"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    root = ET.fromstring(r.text)  # well-formed SVG
    assert root.tag == SVG + "svg"
    texts = [t.text for t in root.iter(SVG + "text")]
    fills = [x.get("fill") for x in root.iter(SVG + "rect")]
    return root.find(SVG + "title").text, texts, fills


def test_badges(hearthd_factory, tmp_path):
    d, ms = setup_page(hearthd_factory, tmp_path)
    api, db = ms["api"]["id"], ms["db"]["id"]
    title, texts, fills = parse_badge(d, f"/api/badge/{api}/status")
    assert texts == ["Status", "Up"] and "#4c1" in fills
    _, texts, fills = parse_badge(
        d, f"/api/badge/{api}/status?label=API&upLabel=fine&upColor=00ff00")
    assert texts == ["API", "fine"] and "#00ff00" in fills
    _, texts, fills = parse_badge(d, f"/api/badge/{api}/uptime")
    assert texts == ["Uptime (24h)", "75.00%"]
    _, texts, _ = parse_badge(d, f"/api/badge/{db}/uptime/30d?suffix=%20pct")
    assert texts == ["Uptime (30d)", "100.00 pct"]
    _, texts, _ = parse_badge(d, f"/api/badge/{api}/ping/24h")
    assert texts == ["Avg. Ping (24h)", "20ms"]
    _, texts, _ = parse_badge(d, f"/api/badge/{api}/avg-response")
    assert texts == ["Avg. Response (24h)", "20ms"]
    _, texts, _ = parse_badge(d, f"/api/badge/{api}/response")
    assert texts == ["Response", "20ms"]
    # Markup in parameters stays text; a bad colour falls back.
    title, texts, fills = parse_badge(
        d, f"/api/badge/{api}/status?label=%3Cscript%3E&upColor=%22%3E%3Cx")
    assert texts[0] == "<script>" and "#4c1" in fills
    # Not on a published page, unknown, or a kind Kuma lacks: grey N/A.
    for path in (f"/api/badge/{ms['secret']['id']}/status",
                 f"/api/badge/{ms['draft-only']['id']}/status",
                 "/api/badge/424242/status", f"/api/badge/{api}/nonsense",
                 f"/api/badge/{api}/uptime/forever"):
        _, texts, fills = parse_badge(d, path)
        assert texts[1] == "N/A" and "#9f9f9f" in fills, path


def test_status_page_html(hearthd_factory, tmp_path):
    d, ms = setup_page(hearthd_factory, tmp_path)
    r = d.get("/status/lab")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    t = r.text
    assert "<title>Lab &lt;status&gt;</title>" in t
    assert "<script" not in t  # works without JavaScript
    assert "All Systems Operational" in t
    assert 'data-monitor="%d"' % ms["api"]["id"] in t
    assert "secret" not in t
    assert "75.00 % (24h)" in t
    assert t.count("<rect") == 5  # api's 4 beats, db's 1
    assert d.get("/status/draft").status_code == 404
    assert d.get("/status/nope").status_code == 404


@pytest.mark.skipif(not shutil.which("chromium"), reason="no chromium")
def test_status_page_in_chromium(hearthd_factory, tmp_path):
    d, ms = setup_page(hearthd_factory, tmp_path)
    # One monitor DOWN: the banner says so.
    assert curl(f"{d.url}/api/push/dbtoken?status=down")[0] == 200
    shot = tmp_path / "status-page.png"
    base = ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
            "--no-proxy-server", f"--user-data-dir={tmp_path / 'chrome'}",
            "--window-size=420,900"]
    dom = subprocess.run(base + ["--dump-dom", f"{d.url}/status/lab"],
                         capture_output=True, text=True, timeout=60).stdout
    assert 'id="overall"' in dom and "Partially Degraded Service" in dom
    assert re.search(r'class="pill down">DOWN<', dom)
    assert re.search(r'class="pill up">UP<', dom)
    subprocess.run(base + [f"--screenshot={shot}", f"{d.url}/status/lab"],
                   capture_output=True, timeout=60)
    assert shot.exists() and shot.stat().st_size > 1000
    art = d.tmp.parents[0] / "watch-status-page.png"
    shutil.copy(shot, art)  # kept with the test's files
