# SPDX-License-Identifier: MIT
"""The notify room as a room: it starts on notify.listen, answers /v1/health,
is off with enabled: false, and its section is checked by --check."""
import time

import requests

from notify_helpers import notify_config, ntfy_url


def test_health_on_notify_listen(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path)
    d = hearthd_factory(cfg)
    r = requests.get(ntfy_url(port, "/v1/health"), timeout=5)
    assert r.status_code == 200
    assert r.json() == {"healthy": True}
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert d.get("/healthz").json()["rooms"]["notify"] == "running"
    # Unknown paths: ntfy's error shape.
    r = requests.get(ntfy_url(port, "/v1/nothing/here"), timeout=5)
    assert r.status_code == 404
    assert r.json()["code"] == 40401 and r.json()["http"] == 404


def test_enabled_false_leaves_it_off(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path, enabled=False)
    d = hearthd_factory(cfg)
    assert d.get("/healthz").json()["rooms"]["notify"] == "disabled"
    try:
        requests.get(ntfy_url(port, "/v1/health"), timeout=2)
        assert False, "notify.listen answered with the room disabled"
    except requests.ConnectionError:
        pass


def test_check_validates_the_section(run_hearthd, tmp_path):
    bad = {
        "default_access: everyone": "default_access must be",
        "keepalive_interval: 90s": "out of range",
        "routes:\n    - event: x\n      to: [ntfy:v1]": "reserved name",
        "routes:\n    - event: x\n      to: [nowhere]": "neither ntfy:TOPIC",
        "cache_duration: forever": "cache_duration",
    }
    for i, (text, msg) in enumerate(bad.items()):
        p = tmp_path / f"bad{i}.yaml"
        p.write_text(f"state_dir: {tmp_path}/s\nnotify:\n  {text}\n")
        r = run_hearthd("-c", p, "--check")
        assert r.returncode != 0, (text, r)
        assert f"{p}:" in r.stderr and msg in r.stderr, (text, r.stderr)
    p = tmp_path / "good.yaml"
    p.write_text(f"state_dir: {tmp_path}/s\nnotify:\n"
                 "  listen: 127.0.0.1:2586\n  default_access: deny-all\n"
                 "  apprise:\n    listen: 127.0.0.1:8000\n"
                 "  routes:\n    - event: backup.failed\n"
                 "      to: [ntfy:alerts, \"mailto://u:p@example.org\"]\n")
    r = run_hearthd("-c", p, "--check")
    assert r.returncode == 0, r
    assert "notify" in r.stdout


def test_metrics_pass_promtool(hearthd_factory):
    import subprocess

    from notify_helpers import Stream, publish
    cfg, port = notify_config(hearthd_factory.tmp_path)
    cfg["http"]["metrics_public"] = True
    d = hearthd_factory(cfg)
    st = Stream(ntfy_url(port, "/m/json"))
    try:
        st.next_event()
        assert publish(port, "m", "counted").status_code == 200
        assert st.next_event()["message"] == "counted"
        text = d.get("/metrics").text
    finally:
        st.close()
    p = subprocess.run(["promtool", "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr
    assert 'hearth_notify_messages_published_total{source="http"} 1' in text
    assert 'hearth_notify_messages_delivered_total{transport="json"} 1' in text
    assert 'hearth_notify_subscribers{transport="json"} 1' in text
    # One message handed to its subscribers: one fan-out timed.
    assert "hearth_notify_fanout_duration_seconds_count 1" in text
    assert 'hearth_notify_fanout_duration_seconds_bucket{le="+Inf"} 1' in text


def test_routes_publish_events_to_ntfy_topics(hearthd_factory):
    from helpers import API_KEY
    from notify_helpers import poll
    cfg, port = notify_config(hearthd_factory.tmp_path, routes=None)
    cfg["notify"]["routes"] = None
    text = __import__("helpers").to_yaml(cfg).replace(
        "  routes: null\n",
        "  routes:\n"
        "    - event: backup.failed\n"
        "      to: [ntfy:alerts, ntfy:backups]\n"
        "    - event: watch.down\n"
        "      to: [\"json://127.0.0.1:9/hook\"]\n")
    d = hearthd_factory(text)
    key = {"X-API-Key": API_KEY}
    ev = {"event": "backup.failed", "title": "nas backup", "message": "exit 3",
          "priority": 5, "tags": ["floppy_disk", "nas"],
          "click": "https://nas.lab"}
    r = d.request("POST", "/api/v1/notify/publish", json=ev, headers=key)
    assert r.status_code == 202, r.text
    for topic in ("alerts", "backups"):
        deadline = time.monotonic() + 5
        while not (msgs := poll(port, topic)) and time.monotonic() < deadline:
            time.sleep(0.1)
        (m,) = msgs
        assert (m["title"], m["message"], m["priority"], m["tags"], m["click"]) == \
            ("nas backup", "exit 3", 5, ["floppy_disk", "nas"], "https://nas.lab")
    # No route: 404; a route to Apprise URLs is taken (202) and sent on
    # by the Apprise side (this one's target is a closed port).
    r = d.request("POST", "/api/v1/notify/publish", json={"event": "nope"},
                  headers=key)
    assert r.status_code == 404
    r = d.request("POST", "/api/v1/notify/publish",
                  json={"event": "watch.down", "message": "x"}, headers=key)
    assert r.status_code == 202, r.text
    r = d.request("POST", "/api/v1/notify/publish", json=ev)
    assert r.status_code == 401
    r = d.request("POST", "/api/v1/notify/publish",
                  json={"event": "backup.failed", "priority": 9}, headers=key)
    assert r.status_code == 400
