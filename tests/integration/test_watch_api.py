# SPDX-License-Identifier: MIT
"""Every monitor type through POST /api/v1/watch/monitors against a real
hearthd, read by the config loader's own rules: a push monitor driven over
HTTP, an smtp monitor against a banner server on loopback, dns, redis,
postgres and mysql monitors against closed loopback ports (DOWN with the
check's words), a group; refusals are 400/409 naming the field; all kept
across a restart."""
import socket
import threading

from helpers import free_port
from test_watch import KEY, monitors, status_is, wait_for, watch_config


def smtp_sink(stop):
    """A tiny SMTP banner server: 220, 250 to EHLO, 221 to QUIT."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)

    def serve():
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            with c:
                c.settimeout(2)
                try:
                    c.sendall(b"220 sink ESMTP\r\n")
                    f = c.makefile("rb")
                    for _ in range(4):
                        line = f.readline()
                        if not line:
                            break
                        if line.upper().startswith(b"EHLO"):
                            c.sendall(b"250-sink\r\n250 SIZE 1000\r\n")
                        elif line.upper().startswith(b"QUIT"):
                            c.sendall(b"221 bye\r\n")
                            break
                except OSError:
                    pass
        srv.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return srv.getsockname()[1], t


def post(d, body):
    return d.request("POST", "/api/v1/watch/monitors", json=body, headers=KEY)


def test_every_type_through_the_api(hearthd_factory, tmp_path):
    cfg = watch_config(tmp_path, [
        {"name": "cfg", "type": "push", "token": "cfgtoken"}])
    d = hearthd_factory(cfg)
    stop = threading.Event()
    smtp_port, sink = smtp_sink(stop)
    closed = free_port()
    fast = {"interval": 1, "retries": 0, "timeout": 1}
    try:
        specs = [
            {"name": "job", "type": "push", "token": "jobtoken42",
             "interval": 30},
            {"name": "mail", "type": "smtp", "hostname": "127.0.0.1",
             "port": smtp_port, **fast},
            {"name": "dns", "type": "dns", "hostname": "example.lab",
             "dns_resolve_type": "MX", "dns_resolve_server": "127.0.0.1",
             "port": closed, "dns_transport": "tcp", **fast},
            {"name": "cache", "type": "redis", **fast,
             "database_connection_string": f"redis://127.0.0.1:{closed}/2"},
            {"name": "pg", "type": "postgres", **fast,
             "database_connection_string":
                 f"postgres://u:p@127.0.0.1:{closed}/db"},
            {"name": "maria", "type": "mysql", **fast,
             "database_connection_string": f"mysql://u:p@127.0.0.1:{closed}/db"},
            {"name": "all", "type": "group", "interval": 1},
        ]
        ids = {}
        for s in specs:
            r = post(d, s)
            assert r.status_code == 201, (s, r.text)
            assert r.json()["type"] == s["type"] and r.json()["source"] == "api"
            ids[s["name"]] = r.json()["id"]
        # The push URL works for the API's push monitor.
        r = d.get("/api/push/jobtoken42?status=up&msg=fine&ping=7")
        assert r.status_code == 200 and r.json() == {"ok": True}, r.text
        wait_for(d, status_is("job", "UP"), "push UP")
        wait_for(d, status_is("mail", "UP"), "smtp UP")
        ms = wait_for(d, lambda ms: all(ms[n]["status_text"] == "DOWN"
                                        for n in ("dns", "cache", "pg",
                                                  "maria")),
                      "db and dns monitors DOWN")
        assert "refused" in ms["pg"]["msg"].lower(), ms["pg"]
        assert ms["maria"]["msg"].startswith("Database connection/query "
                                             "failed"), ms["maria"]
        assert ms["all"]["status_text"] == "PENDING"  # an empty group
        # Refusals name the field (the config's own rules); taken: 409.
        for bad, field in (
                ({"name": "x", "type": "push"}, "token"),
                ({"name": "x", "type": "push", "token": "a b"}, "token"),
                ({"name": "x", "type": "dns", "hostname": "a.lab",
                  "dns_resolve_type": "BOGUS"}, "dns_resolve_type"),
                ({"name": "x", "type": "dns", "hostname": "a.lab",
                  "dns_resolve_server": "not-an-ip"}, "dns_resolve_server"),
                ({"name": "x", "type": "dns", "hostname": "a.lab",
                  "dns_transport": "quic"}, "dns_transport"),
                ({"name": "x", "type": "smtp", "hostname": "h", "port": 25,
                  "smtp_security": "secure"}, "smtp_security"),
                ({"name": "x", "type": "redis",
                  "database_connection_string": "http://h"},
                 "database_connection_string"),
                ({"name": "x", "type": "mysql"}, "database_connection_string"),
                ({"name": "x", "type": "postgres",
                  "database_connection_string": "host=h bogus=1"},
                 "database_connection_string"),
                ({"name": "x", "type": "tls"}, "hostname"),
                ({"name": "x", "type": "tls", "hostname": "h",
                  "ca_file": ""}, "ca_file"),
                ({"name": "x", "type": "mariadb"},
                 "database_connection_string"),
                ({"name": "x", "type": "docker"}, "type"),
                ({"name": "x", "type": "ping", "hostname": "h",
                  "interval": "5s"}, "interval"),
                ({"name": "x", "type": "ping", "hostname": "h",
                  "ping_count": 0}, "ping_count"),
                ({"name": "x", "type": "ping", "hostname": "h",
                  "depends_on": "cfg"}, "depends_on"),
                ({"name": "x", "type": "ping", "hostname": "h", "id": 5},
                 "id"),
                ({"name": "x", "type": "http", "url": "http://h/",
                  "accepted_statuscodes": ["2xx"]}, "accepted_statuscodes"),
                ({"name": ["x"], "type": "ping", "hostname": "h"}, "name")):
            r = post(d, bad)
            assert r.status_code == 400, (bad, r.text)
            assert r.json()["error"].startswith(field + ":"), (bad, r.text)
        for bad, field in (({"name": "y", "type": "push",
                             "token": "cfgtoken"}, "token"),
                           ({"name": "z", "type": "push",
                             "token": "jobtoken42"}, "token")):
            r = post(d, bad)
            assert r.status_code == 409, (bad, r.text)
            assert r.json()["error"].startswith(field + ":"), r.text
        # Kept across a restart, with their ids and settings.
        assert d.stop() == 0
        hearthd_factory.restart(d)
        ms = monitors(d)
        for name, mid in ids.items():
            assert ms[name]["id"] == mid and ms[name]["source"] == "api"
        assert d.get("/api/push/jobtoken42").status_code == 200
    finally:
        stop.set()
        sink.join(timeout=5)


def test_from_lab_pings_ipv6_hosts(hearthd_factory, tmp_path):
    """watch.from_lab derives a ping monitor for an IPv6 lab host too,
    answered over ICMPv6 on loopback."""
    from helpers import base_config
    from test_watch import yaml
    cfg = base_config(tmp_path, lab=False, watch={
        "from_lab": True, "lab_interval": "1s", "lab_retries": 0})
    cfg["lab"] = {"domain": "lab.example", "hosts": {
        "v4": {"ip": "127.0.0.1"}, "v6": {"ip": "::1"}}}
    d = hearthd_factory(yaml(cfg))
    ms = wait_for(d, lambda ms: all(ms.get(n, {}).get("status_text") == "UP"
                                    for n in ("v4", "v6")), "lab pings UP")
    assert sorted(ms) == ["v4", "v6"]
    assert ms["v6"]["type"] == "ping" and ms["v6"]["source"] == "lab"
    assert ms["v6"]["hostname"] == "::1", ms["v6"]
    assert d.stop() == 0


def test_tags_in_config_api_and_pages(hearthd_factory, tmp_path):
    """Kuma's tags (name, optional value, colour) on config and API
    monitors: in the API JSON, on a page with show_tags (its JSON and its
    HTML); a bad colour is a 400 naming tags."""
    from helpers import base_config
    from test_watch import yaml
    cfg = base_config(tmp_path, watch={
        "monitors": [{"name": "cfg", "type": "push", "token": "cfgtoken",
                      "tags": [{"name": "env", "value": "prod",
                                "color": "#DC2626"}, {"name": "nas"}]},
                     {"name": "quiet", "type": "push", "token": "qtoken1"}],
        "status_pages": [
            {"slug": "lab", "title": "Lab", "show_tags": True,
             "groups": [{"name": "All", "monitors": ["cfg"]}]},
            {"slug": "plain", "title": "Plain",
             "groups": [{"name": "All", "monitors": ["cfg"]}]}]})
    d = hearthd_factory(yaml(cfg))
    r = post(d, {"name": "api", "type": "push", "token": "apitoken",
                 "tags": [{"name": "team", "value": "ops <&>",
                           "color": "#2563EB"}]})
    assert r.status_code == 201, r.text
    assert r.json()["tags"] == [{"name": "team", "value": "ops <&>",
                                 "color": "#2563EB"}]
    r = post(d, {"name": "bad", "type": "push", "token": "badtoken",
                 "tags": [{"name": "x", "color": "red"}]})
    assert r.status_code == 400 and r.json()["error"].startswith("tags:"), \
        r.text
    r = post(d, {"name": "bad", "type": "push", "token": "badtoken",
                 "tags": {"name": "x"}})
    assert r.status_code == 400 and r.json()["error"].startswith("tags:"), \
        r.text
    r = post(d, {"name": "bad", "type": "push", "token": "badtoken",
                 "tags": [""]})
    assert r.status_code == 400 and r.json()["error"].startswith("tags:"), \
        r.text
    ms = monitors(d)
    assert ms["cfg"]["tags"] == [
        {"name": "env", "value": "prod", "color": "#DC2626"},
        {"name": "nas", "value": "", "color": "#4B5563"}]
    assert ms["quiet"]["tags"] == []
    page = d.get("/api/status-page/lab").json()
    assert page["config"]["showTags"] is True
    mon = page["publicGroupList"][0]["monitorList"][0]
    assert mon["tags"] == ms["cfg"]["tags"]
    plain = d.get("/api/status-page/plain").json()
    assert plain["config"]["showTags"] is False
    assert "tags" not in plain["publicGroupList"][0]["monitorList"][0]
    html = d.get("/status/lab").text
    assert '<span class="tag" style="background:#DC2626">env:prod</span>' \
        in html
    assert '<span class="tag" style="background:#4B5563">nas</span>' in html
    assert 'class="tag"' not in d.get("/status/plain").text
    assert d.stop() == 0


def test_maintenance_crud(hearthd_factory, tmp_path):
    """Maintenance windows through the API: created (stored, kept across a
    restart), in force (a push beat is MAINTENANCE), replaced, deleted;
    the config's windows are read-only (409); bodies read by the config's
    rules, 400 naming the field."""
    from helpers import base_config
    from test_watch import yaml
    cfg = base_config(tmp_path, watch={
        "monitors": [{"name": "job", "type": "push", "token": "jobtoken",
                      "interval": 60}],
        "maintenance": [{"name": "cfgwin", "strategy": "manual",
                         "active": False}]})
    d = hearthd_factory(yaml(cfg))
    M = "/api/v1/watch/maintenance"
    body = {"name": "swap", "strategy": "manual", "active": True,
            "monitors": ["job"], "description": "switch swap"}
    assert d.request("POST", M, json=body).status_code == 401
    r = d.request("POST", M, json=body, headers=KEY)
    assert r.status_code == 201, r.text
    win = r.json()
    assert win["title"] == "swap" and win["monitors"] == ["job"]
    assert win["status"] == "under-maintenance" and win["id"] > 1
    wid = win["id"]
    lst = d.get(M, headers=KEY).json()
    assert [(w["title"], w["source"]) for w in lst] == [("cfgwin", "config"),
                                                      ("swap", "api")]
    assert d.get("/api/push/jobtoken?status=up").status_code == 200
    wait_for(d, status_is("job", "MAINTENANCE"), "push in maintenance")
    for bad, field in (({"name": "x", "strategy": "sometimes"}, "strategy"),
                       ({"name": "x", "strategy": "manual",
                         "monitors": ["nope"]}, "monitors"),
                       ({"name": "x", "strategy": "manual",
                         "monitors": "job"}, "monitors"),
                       ({"name": "x", "strategy": "single",
                         "start": "tomorrow", "end": "2027-01-01 00:00"},
                        "start"),
                       ({"name": "x", "strategy": "cron", "cron": "61 * * * *",
                         "duration": 60}, "cron"),
                       ({"strategy": "manual"}, "name"),
                       ({"name": "x", "strategy": "manual", "colour": 1},
                        "colour")):
        r = d.request("POST", M, json=bad, headers=KEY)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["error"].startswith(field + ":"), (bad, r.text)
    # The config's window is read-only; unknown ids are 404.
    for method in ("PUT", "DELETE"):
        r = d.request(method, f"{M}/1", json=body, headers=KEY)
        assert r.status_code == 409, r.text
        assert d.request(method, f"{M}/99999", json=body,
                         headers=KEY).status_code == 404
    # Kept across a restart.
    assert d.stop() == 0
    hearthd_factory.restart(d)
    lst = d.get(M, headers=KEY).json()
    assert [(w["id"], w["title"]) for w in lst][1] == (wid, "swap")
    # Replaced: off, so a push is UP again.
    r = d.request("PUT", f"{M}/{wid}", json={**body, "active": False},
                  headers=KEY)
    assert r.status_code == 200 and r.json()["status"] == "inactive", r.text
    assert d.get("/api/push/jobtoken?status=up").status_code == 200
    wait_for(d, status_is("job", "UP"), "push UP after the window")
    assert d.request("DELETE", f"{M}/{wid}", headers=KEY).status_code == 204
    assert [w["title"] for w in d.get(M, headers=KEY).json()] == ["cfgwin"]
    assert d.stop() == 0
    hearthd_factory.restart(d)
    assert [w["title"] for w in d.get(M, headers=KEY).json()] == ["cfgwin"]
    assert d.stop() == 0
