# SPDX-License-Identifier: MIT
"""More real clients: Debian's apprise CLI through apprise://HOST:PORT/KEY
(the Apprise API, then a topic of this hearth) arriving on a curl JSON
stream, the npm eventsource client and python3-websockets; the npm ntfy
package publishing with a good token, a bad token, a user the ACL does not
let write, and anonymously where anonymous is denied, and a delayed
message it published surviving a restart (not early, not lost, not twice)."""
import json
import subprocess
import time


from helpers import free_port
from notify_helpers import NODE_DIR, notify_config, ntfy_url, poll, session
from test_notify_auth import add_token, add_user, grant
from test_notify_clients import NODE, node_ready, three_subscribers


def test_apprise_cli_through_a_key_to_curl_sse_and_websocket(hearthd_factory):
    assert node_ready(), "run scripts/install-deps.sh (npm ci in tests/integration/node)"
    aport = free_port()
    cfg, nport = notify_config(hearthd_factory.tmp_path,
                               apprise={"listen": f"127.0.0.1:{aport}"})
    hearthd_factory(cfg)
    r = session().post(f"http://127.0.0.1:{aport}/add/phone", data={
        "urls": f"ntfy://127.0.0.1:{nport}/viakey?priority=high&tags=warning"}, timeout=10)
    assert r.status_code == 200, r.text
    curl_ev, sse_ev, ws_ev = three_subscribers(nport, "viakey", [
        "-t", "Via key", "-b", "through the Apprise API",
        f"apprise://127.0.0.1:{aport}/phone"])
    for ev in (curl_ev, sse_ev, ws_ev):
        assert (ev["topic"], ev["title"], ev["message"]) == \
            ("viakey", "Via key", "through the Apprise API")
        assert ev["priority"] == 4 and ev["tags"] == ["warning"]
    assert curl_ev["id"] == sse_ev["id"] == ws_ev["id"]


def npm_publish(port, **cfg):
    return subprocess.run([NODE, str(NODE_DIR / "publish.mjs"), ntfy_url(port),
                           json.dumps(cfg)], capture_output=True, text=True, timeout=30,
                          cwd=NODE_DIR)


def test_npm_client_auth_good_bad_wrong_acl_anonymous(hearthd_factory):
    assert node_ready(), "run scripts/install-deps.sh (npm ci in tests/integration/node)"
    cfg, port = notify_config(hearthd_factory.tmp_path, default_access="deny-all",
                              limits={"exempt": "127.0.0.1/32"})
    d = hearthd_factory(cfg)
    add_user(d, "phil", "pw")
    add_user(d, "reader", "pw2")
    grant(d, "phil", "ops*", "read-write")
    grant(d, "reader", "ops*", "read-only")
    token = add_token(d, "phil")
    r = npm_publish(port, topic="ops1", message="with a token", authorization=token)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["message"] == "with a token"
    r = npm_publish(port, topic="ops1", message="basic",
                    authorization={"username": "phil", "password": "pw"})
    assert r.returncode == 0, r.stderr
    bad = npm_publish(port, topic="ops1", message="x", authorization="tk_" + "a" * 29)
    assert bad.returncode == 1 and "Unauthorized" in bad.stderr, bad.stderr  # 401
    wrong = npm_publish(port, topic="ops1", message="x",
                        authorization={"username": "reader", "password": "pw2"})
    assert wrong.returncode == 1 and "Forbidden" in wrong.stderr, wrong.stderr  # 403
    anon = npm_publish(port, topic="ops1", message="x")
    assert anon.returncode == 1 and "Forbidden" in anon.stderr, anon.stderr
    h = {"Authorization": f"Bearer {token}"}
    r = session().get(ntfy_url(port, "/ops1/json"), params={"poll": "1"}, headers=h, timeout=10)
    assert [json.loads(x)["message"] for x in r.text.splitlines()] == ["with a token", "basic"]


def test_npm_delayed_message_survives_a_restart(hearthd_factory):
    assert node_ready(), "run scripts/install-deps.sh (npm ci in tests/integration/node)"
    cfg, port = notify_config(hearthd_factory.tmp_path, delay_min="1s",
                              limits={"exempt": "127.0.0.1/32"})
    d = hearthd_factory(cfg)
    r = npm_publish(port, topic="later", message="in four seconds", delay="4s")
    assert r.returncode == 0, r.stderr
    due = json.loads(r.stdout)["time"]
    d.stop()
    hearthd_factory.restart(d)
    # listed as scheduled, not delivered before its time
    assert [m["message"] for m in poll(port, "later", scheduled="1")] == ["in four seconds"]
    if time.time() < due - 1:
        assert poll(port, "later") == []
    deadline = time.monotonic() + 20
    while time.time() < due + 15 and time.monotonic() < deadline:
        got = poll(port, "later")
        if got:
            break
        time.sleep(0.3)
    assert [m["message"] for m in got] == ["in four seconds"]
    assert got[0]["time"] >= due
    time.sleep(1.5)
    assert len(poll(port, "later")) == 1  # not twice
