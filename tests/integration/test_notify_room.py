# SPDX-License-Identifier: MIT
"""The notify room as a room: it starts on notify.listen, answers /v1/health,
is off with enabled: false, and its section is checked by --check."""
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
