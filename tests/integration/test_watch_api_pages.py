# SPDX-License-Identifier: MIT
"""Status pages and notifications (named alert routes) through the REST
API against a real hearthd: CRUD round trips, 400 naming the field, 404,
409 for the config's entries, kept across a restart; an API page served at
/status/<slug> (HTML, RSS with its incident) and /api/status-page/<slug>
(Kuma's shape); an API monitor's DOWN and UP alerts arriving through an
API-made route on a streaming ntfy subscription; the CLI on top."""
import json
import subprocess
import threading
import time

from helpers import API_KEY, base_config, free_port
from test_watch import KEY, curl, monitors, status_is, wait_for, yaml

P = "/api/v1/watch/pages"
N = "/api/v1/watch/notifications"
M = "/api/v1/watch/monitors"


def req(d, method, path, body=None):
    return d.request(method, path, json=body, headers=KEY)


def refused(d, method, path, body, status, field):
    r = req(d, method, path, body)
    assert r.status_code == status, (body, r.status_code, r.text)
    assert r.json()["error"].startswith(field + ":"), (body, r.text)


def test_status_pages_crud(hearthd_factory, tmp_path):
    cfg = base_config(tmp_path, watch={
        "monitors": [{"name": "web", "type": "push", "token": "webtoken",
                      "interval": 60}],
        "status_pages": [{"slug": "cfgpage", "title": "From config",
                          "groups": [{"name": "G", "monitors": ["web"]}]}]})
    d = hearthd_factory(yaml(cfg))
    r = req(d, "POST", M, {"name": "db", "type": "push", "token": "dbtoken",
                           "interval": 60})
    assert r.status_code == 201, r.text
    db = r.json()["id"]
    web = monitors(d)["web"]["id"]
    assert curl(f"{d.url}/api/push/webtoken?ping=12")[0] == 200
    assert curl(f"{d.url}/api/push/dbtoken?status=down&msg=disk")[0] == 200

    body = {"slug": "lab", "title": "Lab", "description": "our *lab*",
            "footer_text": "run by us", "theme": "dark", "show_tags": True,
            "auto_refresh": 60,
            "groups": [{"name": "Front", "monitors": ["web"]},
                       {"name": "Back", "monitors": [db]}],
            "incident": {"title": "Disk", "content": "**db** is full",
                         "style": "danger"}}
    assert d.request("POST", P, json=body).status_code == 401
    r = req(d, "POST", P, body)
    assert r.status_code == 201, r.text
    pg = r.json()
    assert pg["source"] == "api" and pg["url"] == "/status/lab"
    assert [(g["name"], [m["name"] for m in g["monitors"]])
            for g in pg["groups"]] == [("Front", ["web"]), ("Back", ["db"])]
    assert pg["incident"]["style"] == "danger" and pg["auto_refresh"] == 60
    assert [(p["slug"], p["source"]) for p in req(d, "GET", P).json()] == [
        ("cfgpage", "config"), ("lab", "api")]
    assert req(d, "GET", f"{P}/lab").json()["title"] == "Lab"

    # Kuma's status-page JSON, exactly as for config pages.
    j = d.get("/api/status-page/lab").json()
    assert set(j) == {"config", "incident", "publicGroupList",
                      "maintenanceList"}
    assert j["config"]["slug"] == "lab" and j["config"]["theme"] == "dark"
    assert j["config"]["showTags"] is True
    assert j["config"]["autoRefreshInterval"] == 60
    assert j["config"]["footerText"] == "run by us"
    assert j["incident"]["title"] == "Disk"
    assert j["incident"]["content"] == "**db** is full"
    assert [[(m["id"], m["name"]) for m in g["monitorList"]]
            for g in j["publicGroupList"]] == [[(web, "web")], [(db, "db")]]
    hb = d.get("/api/status-page/heartbeat/lab").json()
    assert set(hb["heartbeatList"]) == {str(web), str(db)}
    assert hb["uptimeList"][f"{db}_24"] == 0.0
    # The HTML page: groups, monitors, the incident banner (Markdown).
    r = d.get("/status/lab")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    html = r.text
    for text in ("<title>Lab", "Front", "Back", ">web<", ">db<",
                 "incident-danger", "<strong>db</strong> is full",
                 "run by us"):
        assert text in html, text
    # Badges: an API page publishes its monitors.
    assert "N/A" not in d.get(f"/api/badge/{db}/status").text
    # Refusals name the field; a slug is taken once.
    for bad, status, field in (
            ({"title": "x"}, 400, "slug"),
            ({"slug": "Bad Slug"}, 400, "slug"),
            ({"slug": "x", "theme": "neon"}, 400, "theme"),
            ({"slug": "x", "groups": [{"name": "G", "monitors": ["nope"]}]},
             400, "groups"),
            ({"slug": "x", "groups": [{"name": "G", "monitors": [99]}]},
             400, "groups"),
            ({"slug": "x", "groups": "G"}, 400, "groups"),
            ({"slug": "x", "groups": [{"monitors": ["web"]}]}, 400, "name"),
            ({"slug": "x", "incident": {"style": "loud"}}, 400,
             "incident.style"),
            ({"slug": "x", "incident": {"title": "t", "date": "soon"}}, 400,
             "incident.date"),
            ({"slug": "x", "auto_refresh": "5m"}, 400, "auto_refresh"),
            ({"slug": "x", "colour": 1}, 400, "colour"),
            ({"slug": "lab"}, 409, "slug"),
            ({"slug": "cfgpage"}, 409, "slug")):
        refused(d, "POST", P, bad, status, field)
    # The config's page is read-only; unknown pages are 404.
    for method in ("PUT", "DELETE"):
        assert req(d, method, f"{P}/cfgpage", {"title": "x"}).status_code \
            == 409
        assert req(d, method, f"{P}/nosuch", {"title": "x"}).status_code \
            == 404
    # ... but an incident may be posted on it (replacing the file's).
    r = req(d, "POST", f"{P}/cfgpage/incident",
            {"title": "Router swap", "content": "_tonight_", "style": "info",
             "date": "2026-12-02 20:00"})
    assert r.status_code == 200, r.text
    assert r.json()["incident"]["title"] == "Router swap"
    refused(d, "POST", f"{P}/cfgpage/incident", {"style": "loud"}, 400,
            "incident.style")
    assert req(d, "POST", f"{P}/cfgpage/nope", {}).status_code == 404
    assert req(d, "GET", f"{P}/nosuch").status_code == 404

    # Kept across a restart, monitors resolved again.
    assert d.stop() == 0
    hearthd_factory.restart(d)
    j = d.get("/api/status-page/lab").json()
    assert [[m["name"] for m in g["monitorList"]]
            for g in j["publicGroupList"]] == [["web"], ["db"]]
    j = d.get("/api/status-page/cfgpage").json()
    assert j["incident"]["title"] == "Router swap"
    assert j["incident"]["createdDate"] == "2026-12-02 20:00:00"
    assert "<em>tonight</em>" in d.get("/status/cfgpage").text
    assert "<title>Router swap</title>" in d.get("/status/cfgpage/rss").text
    r = req(d, "DELETE", f"{P}/cfgpage/incident")
    assert r.status_code == 200 and r.json()["incident"] is None, r.text
    assert d.get("/api/status-page/cfgpage").json()["incident"] is None
    # The incident unpinned, then posted again (dated now), in the RSS.
    r = req(d, "DELETE", f"{P}/lab/incident")
    assert r.status_code == 200 and r.json()["incident"] is None, r.text
    assert d.get("/api/status-page/lab").json()["incident"] is None
    r = req(d, "POST", f"{P}/lab/incident",
            {"title": "Power cut", "content": "UPS on *battery*",
             "style": "warning"})
    assert r.status_code == 200, r.text
    assert r.json()["incident"]["date"][:2] == "20"
    refused(d, "POST", f"{P}/lab/incident", {"style": "loud"}, 400,
            "incident.style")
    rss = d.get("/status/lab/rss").text
    assert "<title>Power cut</title>" in rss, rss
    assert d.get("/api/status-page/lab").json()["incident"]["createdDate"]
    # A monitor renamed through PUT stays on the page (by id); one
    # deleted drops off, one made again under the name comes back.
    r = req(d, "PUT", f"{M}/{db}", {"name": "database", "type": "push",
                                    "token": "dbtoken", "interval": 60})
    assert r.status_code == 200, r.text
    names = [[m["name"] for m in g["monitorList"]]
             for g in d.get("/api/status-page/lab").json()["publicGroupList"]]
    assert names == [["web"], ["database"]]
    r = req(d, "PUT", f"{P}/lab", {"title": "Lab 2", "groups": [
        {"name": "All", "monitors": ["web", "later"]}]})
    assert r.status_code == 400 and r.json()["error"].startswith("groups:")
    r = req(d, "PUT", f"{P}/lab", {"title": "Lab 2", "published": False,
                                   "groups": [{"name": "All",
                                               "monitors": ["web",
                                                            "database"]}]})
    assert r.status_code == 200 and r.json()["slug"] == "lab", r.text
    assert d.get("/api/status-page/lab").status_code == 404  # unpublished
    assert d.get("/status/lab").status_code == 404
    r = req(d, "PUT", f"{P}/lab", {"slug": "home", "title": "Home",
                                   "groups": [{"name": "All",
                                               "monitors": ["database"]}]})
    assert r.status_code == 200 and r.json()["slug"] == "home", r.text
    assert req(d, "GET", f"{P}/lab").status_code == 404
    assert req(d, "DELETE", f"{M}/{db}").status_code == 204
    assert d.get("/api/status-page/home").json()["publicGroupList"][0][
        "monitorList"] == []
    r = req(d, "POST", M, {"name": "database", "type": "push",
                           "token": "dbtoken", "interval": 60})
    assert r.status_code == 201
    # Made again under its name, it has its row (and id) again: back.
    assert [m["name"] for m in d.get("/api/status-page/home").json()[
        "publicGroupList"][0]["monitorList"]] == ["database"]
    assert d.stop() == 0
    hearthd_factory.restart(d)
    assert [p["slug"] for p in req(d, "GET", P).json()] == ["cfgpage", "home"]
    assert d.get("/api/status-page/cfgpage").json()["incident"] is None
    assert req(d, "DELETE", f"{P}/home").status_code == 204
    assert d.get("/status/home").status_code == 404
    assert d.stop() == 0
    hearthd_factory.restart(d)
    assert [p["slug"] for p in req(d, "GET", P).json()] == ["cfgpage"]
    assert d.stop() == 0


class Subscription:
    """curl -sN on the notify listener's /<topic>/json: ntfy's stream,
    read line by line on a thread."""

    def __init__(self, port, topic):
        self.proc = subprocess.Popen(
            ["curl", "-sN", f"http://127.0.0.1:{port}/{topic}/json"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            start_new_session=True)
        self.lines = []
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.strip():
                self.lines.append(json.loads(line))

    def wait_open(self, timeout=10):
        deadline = time.monotonic() + timeout
        while not any(m.get("event") == "open" for m in self.lines):
            assert time.monotonic() < deadline, "no open event"
            time.sleep(0.05)

    def messages(self, n, timeout=15):
        deadline = time.monotonic() + timeout
        while True:
            got = [m for m in self.lines if m.get("event") == "message"]
            if len(got) >= n or time.monotonic() > deadline:
                return got
            time.sleep(0.05)

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def test_notifications_route_alerts(hearthd_factory, tmp_path, cli):
    nport = free_port()
    cfg = base_config(tmp_path, watch={
        "notifications": [{"name": "cfg-ops", "to": ["ntfy:cfgops"],
                           "events": ["down"]}],
        "monitors": [{"name": "cron", "type": "push", "token": "crontoken",
                      "interval": 60, "notifications": ["cfg-ops"]}]},
        notify={"listen": f"127.0.0.1:{nport}",
                "limits": {"exempt": "127.0.0.1/32"}})
    d = hearthd_factory(yaml(cfg))
    assert [(n["name"], n["source"], n["events"]) for n in
            req(d, "GET", N).json()] == [("cfg-ops", "config", ["down"])]
    body = {"name": "phone", "to": ["ntfy:phone-alerts"],
            "events": ["down", "up"], "default": True}
    r = req(d, "POST", N, body)
    assert r.status_code == 201, r.text
    assert r.json() == {"name": "phone", "to": ["ntfy:phone-alerts"],
                        "events": ["down", "up"], "default": True,
                        "source": "api", "spec": body}
    for bad, status, field in (
            ({"to": ["ntfy:x"]}, 400, "name"),
            ({"name": "x"}, 400, "to"),
            ({"name": "x", "to": ["nowhere"]}, 400, "to"),
            ({"name": "x", "to": ["ntfy:bad topic"]}, 400, "to"),
            ({"name": "x", "to": ["ntfy:t"], "events": ["sideways"]}, 400,
             "events"),
            ({"name": "x", "to": ["ntfy:t"], "default": "yes"}, 400,
             "default"),
            ({"name": "phone", "to": ["ntfy:t"]}, 409, "name"),
            ({"name": "cfg-ops", "to": ["ntfy:t"]}, 409, "name")):
        refused(d, "POST", N, bad, status, field)
    for method in ("PUT", "DELETE"):
        assert req(d, method, f"{N}/cfg-ops", body).status_code == 409
        assert req(d, method, f"{N}/nosuch", body).status_code == 404
    # A monitor names notifications in its body; unknown names are 400.
    refused(d, "POST", M, {"name": "job", "type": "push", "token": "jobtok",
                           "notifications": ["nope"]}, 400, "notifications")
    refused(d, "POST", M, {"name": "job", "type": "push", "token": "jobtok",
                           "notifications": "phone"}, 400, "notifications")
    r = req(d, "POST", M, {"name": "job", "type": "push", "token": "jobtok",
                           "interval": 60})
    assert r.status_code == 201 and r.json()["notifications"] == ["phone"]
    job = r.json()["id"]
    assert monitors(d)["cron"]["notifications"] == ["cfg-ops"]

    sub = Subscription(nport, "phone-alerts")
    cfgsub = Subscription(nport, "cfgops")
    try:
        sub.wait_open()
        cfgsub.wait_open()
        assert curl(f"{d.url}/api/push/jobtok?status=down&msg=backup%20late"
                    )[0] == 200
        assert curl(f"{d.url}/api/push/jobtok?msg=done")[0] == 200
        got = sub.messages(2)
        assert [m["message"] for m in got] == [
            "[job] [\U0001f534 Down] backup late", "[job] [\u2705 Up] done"]
        assert got[0]["title"] == "job" and "red_circle" in got[0]["tags"]
        assert got[0]["priority"] == 5
        # The config's route takes DOWN only, from the monitor naming it.
        assert curl(f"{d.url}/api/push/crontoken?status=down&msg=x")[0] == 200
        assert curl(f"{d.url}/api/push/crontoken?msg=y")[0] == 200
        assert [m["message"] for m in cfgsub.messages(1)] == [
            "[cron] [\U0001f534 Down] x"]
        # Replaced: UP only, not default; the monitor attached by its PUT.
        r = req(d, "PUT", f"{N}/phone", {"to": ["ntfy:phone-alerts"],
                                         "events": ["up"]})
        assert r.status_code == 200 and r.json()["default"] is False, r.text
        assert monitors(d)["job"]["notifications"] == []
        r = req(d, "PUT", f"{M}/{job}", {"name": "job", "type": "push",
                                         "token": "jobtok", "interval": 60,
                                         "notifications": ["phone"]})
        assert r.status_code == 200 and r.json()["notifications"] == [
            "phone"], r.text
        assert curl(f"{d.url}/api/push/jobtok?status=down&msg=again")[0] \
            == 200
        assert curl(f"{d.url}/api/push/jobtok?msg=back")[0] == 200
        got = sub.messages(3)
        assert [m["message"] for m in got][2:] == ["[job] [\u2705 Up] back"]
        time.sleep(0.3)
        assert len(cfgsub.messages(1, timeout=0)) == 1
        # A test send, by the API and the CLI.
        r = req(d, "POST", f"{N}/phone/test")
        assert r.status_code == 200 and r.json()["ok"] is True, r.text
        env = {"HEARTH_URL": d.url, "HEARTH_API_KEY": API_KEY}
        r = cli("watch", "notification", "test", "cfg-ops", env=env)
        assert r.returncode == 0, r.stderr
        assert [m["message"] for m in sub.messages(4)][3] == \
            "[phone] Test notification from hearth's watch room"
        assert [m["message"] for m in cfgsub.messages(2)][1] == \
            "[cfg-ops] Test notification from hearth's watch room"
        assert req(d, "POST", f"{N}/nosuch/test").status_code == 404
    finally:
        sub.close()
        cfgsub.close()

    env = {"HEARTH_URL": d.url, "HEARTH_API_KEY": API_KEY}
    r = cli("watch", "notification", "list", env=env)
    assert r.returncode == 0, r.stderr
    assert "cfg-ops" in r.stdout and "phone" in r.stdout
    r = cli("watch", "notification", "add", "name=mail",
            'to=["mailto://root@lab.example"]', "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["to"] == ["mailto://root@lab.example"]
    # Kept across a restart, with the monitor's attachment.
    assert d.stop() == 0
    hearthd_factory.restart(d)
    assert [n["name"] for n in req(d, "GET", N).json()] == [
        "cfg-ops", "phone", "mail"]
    assert monitors(d)["job"]["notifications"] == ["phone"]
    r = cli("watch", "notification", "rm", "mail", env=env)
    assert r.returncode == 0, r.stderr
    assert cli("watch", "notification", "rm", "cfg-ops",
               env=env).returncode != 0
    assert req(d, "DELETE", f"{N}/phone").status_code == 204
    assert [n["name"] for n in req(d, "GET", N).json()] == ["cfg-ops"]
    assert d.stop() == 0


def test_cli_pages_and_maintenance(hearthd_factory, tmp_path, cli):
    cfg = base_config(tmp_path, watch={
        "monitors": [{"name": "web", "type": "push", "token": "webtoken",
                      "interval": 60}]})
    d = hearthd_factory(yaml(cfg))
    env = {"HEARTH_URL": d.url, "HEARTH_API_KEY": API_KEY}
    r = cli("watch", "page", "add", "slug=lab", "title=Lab",
            'groups=[{"name": "Web", "monitors": ["web"]}]', env=env)
    assert r.returncode == 0, r.stderr
    assert "lab" in r.stdout
    r = cli("watch", "page", "list", env=env)
    assert r.returncode == 0 and "lab" in r.stdout and "Lab" in r.stdout
    r = cli("watch", "page", "show", "lab", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["groups"][0]["monitors"][0]["name"] == "web"
    r = cli("watch", "page", "show", "lab", env=env)
    assert r.returncode == 0 and "Web: web" in r.stdout, r.stdout
    r = cli("watch", "page", "add", "slug=Bad Slug", env=env)
    assert r.returncode != 0 and "slug:" in r.stderr
    assert d.get("/status/lab").status_code == 200
    r = cli("watch", "maint", "add", "name=swap", "strategy=manual",
            "active=true", 'monitors=["web"]', "--json",
            env=env)
    assert r.returncode == 0, r.stderr
    wid = json.loads(r.stdout)["id"]
    r = cli("watch", "maint", "list", env=env)
    assert r.returncode == 0 and "swap" in r.stdout, r.stdout
    assert "under-maintenance" in r.stdout
    assert curl(f"{d.url}/api/push/webtoken")[0] == 200
    wait_for(d, status_is("web", "MAINTENANCE"), "maintenance")
    r = cli("watch", "maint", "rm", str(wid), env=env)
    assert r.returncode == 0, r.stderr
    assert "swap" not in cli("watch", "maint", "list", env=env).stdout
    r = cli("watch", "page", "rm", "lab", env=env)
    assert r.returncode == 0, r.stderr
    assert "lab" not in cli("watch", "page", "list", env=env).stdout
    assert d.stop() == 0


def test_reload_keeps_what_the_api_made(hearthd_factory, tmp_path):
    """SIGHUP swaps the config's monitors and notifications; the API's
    page and notification stay, the page follows the monitors there are
    (one removed drops off, one added back returns), an API monitor
    naming the config's notification keeps routing through it."""
    import signal

    def config(monitors, notifications):
        return yaml(base_config(tmp_path, watch={
            "monitors": monitors, "notifications": notifications}))
    web = {"name": "web", "type": "push", "token": "webtoken", "interval": 60}
    db = {"name": "db", "type": "push", "token": "dbtoken", "interval": 60}
    ops = {"name": "ops", "to": ["ntfy:ops"]}
    d = hearthd_factory(config([web, db], [ops]))
    assert req(d, "POST", N, {"name": "phone", "to": ["ntfy:phone"]}
               ).status_code == 201
    assert req(d, "POST", M, {"name": "job", "type": "push", "token": "jobtok",
                              "interval": 60,
                              "notifications": ["ops", "phone"]}
               ).status_code == 201
    r = req(d, "POST", P, {"slug": "lab", "groups": [
        {"name": "All", "monitors": ["web", "db", "job"]}]})
    assert r.status_code == 201, r.text

    def on_page():
        return [m["name"] for m in d.get("/api/status-page/lab").json()[
            "publicGroupList"][0]["monitorList"]]
    assert on_page() == ["web", "db", "job"]
    for cfg, count, page, notifs in (
            (config([web], []), 2, ["web", "job"], ["phone"]),
            (config([db, web], [ops]), 3, ["web", "db", "job"],
             ["ops", "phone"])):
        start = len(d.stderr())
        d.write_config(cfg)
        d.signal(signal.SIGHUP)
        d.wait_log(f"watch: {count} monitors", 10, start)
        assert on_page() == page
        assert [n["name"] for n in req(d, "GET", N).json()] == notifs
        assert monitors(d)["job"]["notifications"] == notifs
    assert d.get("/status/lab").status_code == 200
    assert d.stop() == 0
