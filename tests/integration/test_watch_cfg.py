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
