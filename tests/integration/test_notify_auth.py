# SPDX-License-Identifier: MIT
"""ntfy access control against hearthd: users (argon2id), tokens, ACL per
topic pattern, notify.default_access, Basic/Bearer/?auth=, /<topic>/auth,
ntfy's 401/403/429 JSON, per-visitor limits, the `hearth notify` CLI and
the tables surviving a restart."""
import asyncio
import base64
import json
import os
import socket
import subprocess
import threading
import time

import pytest
import websockets

from conftest import HEARTH, clean_env
from helpers import API_KEY
from notify_helpers import notify_config, ntfy_url, publish, session

LINK_AUTH = "https://ntfy.sh/docs/publish/#authentication"


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def start(hearthd_factory, **notify):
    cfg, port = notify_config(hearthd_factory.tmp_path, **notify)
    d = hearthd_factory(cfg)
    return d, port


def api(d, method, path, body=None):
    return d.request(method, "/api/v1/notify" + path,
                     headers={"X-API-Key": API_KEY},
                     data=None if body is None else json.dumps(body))


def add_user(d, name, password, role="user"):
    r = api(d, "POST", "/users", {"username": name, "password": password,
                                  "role": role})
    assert r.status_code == 201, r.text
    return r.json()


def grant(d, user, topic, perm):
    r = api(d, "POST", "/access", {"username": user, "topic": topic,
                                   "permission": perm})
    assert r.status_code == 200, r.text


def add_token(d, user, **kw):
    r = api(d, "POST", "/tokens", {"username": user, **kw})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def get(port, path, headers=None, params=None):
    return session().get(ntfy_url(port, path), headers=headers or {},
                         params=params or {}, timeout=10)


def assert_ntfy_error(r, http, code, error=None):
    assert r.status_code == http, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers.get("Access-Control-Allow-Origin") == "*"
    j = json.loads(r.text)
    assert j["code"] == code and j["http"] == http, j
    assert isinstance(j["error"], str) and j["error"]
    assert j["link"].startswith("https://ntfy.sh/docs/")
    if error:
        assert j["error"] == error, j
    return j


def messages(r):
    assert r.status_code == 200, r.text
    return [json.loads(x) for x in r.text.splitlines() if x.strip()]


def test_deny_all_default_user_with_rw_and_no_acl(hearthd_factory):
    d, port = start(hearthd_factory, default_access="deny-all")
    # Anonymous: denied both ways, in ntfy's shape.
    assert_ntfy_error(publish(port, "alerts", "x"), 403, 40301, "forbidden")
    assert_ntfy_error(get(port, "/alerts/json", params={"poll": "1"}), 403, 40301)
    assert_ntfy_error(get(port, "/alerts/auth"), 403, 40301)
    add_user(d, "phil", "correct horse")
    grant(d, "phil", "alerts", "rw")
    h = {"Authorization": basic("phil", "correct horse")}
    r = publish(port, "alerts", "disk full", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "disk full"
    assert [m["message"] for m in messages(get(port, "/alerts/json", h, {"poll": "1"}))] == ["disk full"]
    r = get(port, "/alerts/auth", h)
    assert r.status_code == 200 and r.json() == {"success": True}
    # JSON publish to / is checked against the topic in the body.
    r = session().post(ntfy_url(port, "/"), headers=h, timeout=10,
                       data=json.dumps({"topic": "alerts", "message": "j"}))
    assert r.status_code == 200, r.text
    # No ACL entry for the topic: the default (deny-all) decides -> 403.
    assert_ntfy_error(publish(port, "other", "x", headers=h), 403, 40301)
    assert_ntfy_error(get(port, "/other/auth", h), 403, 40301)
    r = session().post(ntfy_url(port, "/"), headers=h, timeout=10,
                       data=json.dumps({"topic": "other", "message": "j"}))
    assert_ntfy_error(r, 403, 40301)
    # A multi-topic subscription needs every topic readable.
    assert_ntfy_error(get(port, "/alerts,other/json", h, {"poll": "1"}), 403, 40301)
    # Anonymous stays denied on the topic phil may use.
    assert_ntfy_error(publish(port, "alerts", "x"), 403, 40301)


def test_wrong_password_on_an_open_topic_is_401(hearthd_factory):
    d, port = start(hearthd_factory, default_access="read-write")
    add_user(d, "phil", "right")
    assert publish(port, "open", "anonymous is fine").status_code == 200
    for h in (basic("phil", "wrong"), basic("nobody", "right"), "Basic !!"):
        r = publish(port, "open", "x", headers={"Authorization": h})
        j = assert_ntfy_error(r, 401, 40101, "unauthorized")
        assert j["link"] == LINK_AUTH
        r = get(port, "/open/json", {"Authorization": h}, {"poll": "1"})
        assert_ntfy_error(r, 401, 40101)
    r = publish(port, "open", "x", headers={"Authorization": basic("phil", "right")})
    assert r.status_code == 200


def test_tokens_good_bad_deleted_expired(hearthd_factory):
    d, port = start(hearthd_factory, default_access="deny-all")
    add_user(d, "ci", "pw")
    grant(d, "ci", "builds", "write-only")
    tok = add_token(d, "ci", label="ci runner")
    assert tok.startswith("tk_") and len(tok) == 32 and tok[3:].isalnum()
    r = publish(port, "builds", "ok", headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 200, r.text
    # ":"+token in Basic is the same token.
    r = publish(port, "builds", "ok", headers={"Authorization": basic("", tok)})
    assert r.status_code == 200, r.text
    # write-only: reading is refused.
    r = get(port, "/builds/json", {"Authorization": f"Bearer {tok}"}, {"poll": "1"})
    assert_ntfy_error(r, 403, 40301)
    # A token of the right shape that is not one of ours.
    bad = "tk_" + "a" * 29
    assert_ntfy_error(publish(port, "builds", "x", headers={"Authorization": f"Bearer {bad}"}),
                      401, 40101)
    # The list shows only the start of it, never the token.
    r = api(d, "GET", "/tokens")
    listed = r.json()
    assert len(listed) == 1 and listed[0]["label"] == "ci runner"
    assert listed[0]["token"] == tok[:8] and tok not in r.text
    # Expired tokens are refused.
    old = add_token(d, "ci", expires=int(time.time()) - 5)
    assert_ntfy_error(publish(port, "builds", "x", headers={"Authorization": f"Bearer {old}"}),
                      401, 40101)
    # Deleted: refused.
    assert api(d, "DELETE", f"/tokens/{tok}").status_code == 200
    assert_ntfy_error(publish(port, "builds", "x", headers={"Authorization": f"Bearer {tok}"}),
                      401, 40101)


def test_auth_query_parameter_and_topic_auth(hearthd_factory):
    d, port = start(hearthd_factory, default_access="deny-all")
    add_user(d, "web", "s3cret")
    grant(d, "web", "news", "read-only")
    grant(d, "*", "public", "ro")
    q = base64.urlsafe_b64encode(basic("web", "s3cret").encode()).decode().rstrip("=")
    r = get(port, "/news/auth", params={"auth": q})
    assert r.status_code == 200 and r.json() == {"success": True}
    r = get(port, "/news/json", params={"poll": "1", "auth": q})
    assert r.status_code == 200, r.text
    # ?auth= wins over the header (as in ntfy) ...
    r = get(port, "/news/json", {"Authorization": "Bearer tk_" + "b" * 29},
            {"poll": "1", "auth": q})
    assert r.status_code == 200, r.text
    # ... and a broken one is 401.
    assert_ntfy_error(get(port, "/news/json", params={"poll": "1", "auth": "%%%"}), 401, 40101)
    # read-only: no publishing.
    assert_ntfy_error(publish(port, "news", "x", params={"auth": q}), 403, 40301)
    # Everyone's entry: anonymous may read "public", not write it.
    assert get(port, "/public/auth").status_code == 200
    assert get(port, "/public/json", params={"poll": "1"}).status_code == 200
    assert_ntfy_error(publish(port, "public", "x"), 403, 40301)
    # A live stream with ?auth= (what browsers' WebSockets do).
    st, head = open_stream(port, f"/news/sse?auth={q}")
    try:
        assert b" 200 " in head, head
        if b"event: open" not in head:
            head += st.recv(4096)
        assert b"event: open" in head
    finally:
        st.close()
    st, head = open_stream(port, "/news/sse")
    st.close()
    assert b" 403 " in head


def test_concurrent_first_logins_share_one_check(hearthd_factory):
    d, port = start(hearthd_factory)
    add_user(d, "phone", "pw")
    h = {"Authorization": basic("phone", "pw")}
    results = []

    def one():
        results.append(get(port, "/many/auth", h).status_code)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [200] * 8
    text = d.metrics_text()
    assert "hearth_notify_users 1" in text
    assert "hearth_notify_auth_failures_total 0" in text


def test_admin_and_patterns(hearthd_factory):
    d, port = start(hearthd_factory, default_access="deny-all")
    add_user(d, "root", "toor", role="admin")
    add_user(d, "ben", "pw")
    grant(d, "ben", "ben_*", "rw")
    grant(d, "ben", "ben_secret", "deny")
    grant(d, "*", "up*", "write-only")
    adm = {"Authorization": basic("root", "toor")}
    ben = {"Authorization": basic("ben", "pw")}
    assert publish(port, "anything", "x", headers=adm).status_code == 200
    assert get(port, "/anything/auth", adm).status_code == 200
    assert publish(port, "ben_alerts", "x", headers=ben).status_code == 200
    # The longer pattern decides: deny.
    assert_ntfy_error(publish(port, "ben_secret", "x", headers=ben), 403, 40301)
    # The user's entries come before everyone's: ben has none for up*,
    # so everyone's write-only applies to him as to anonymous.
    assert publish(port, "up1234", "x").status_code == 200
    assert publish(port, "up1234", "x", headers=ben).status_code == 200
    assert_ntfy_error(get(port, "/up1234/auth"), 403, 40301)


def test_request_rate_limit_burst_is_429_json(hearthd_factory):
    d, port = start(hearthd_factory, default_access="read-write")
    add_user(d, "phil", "pw")
    s = session()
    codes = [s.get(ntfy_url(port, "/rl/json?poll=1"), timeout=10).status_code
             for _ in range(60)]
    assert codes == [200] * 60
    r = s.post(ntfy_url(port, "/rl"), data="over", timeout=10)
    j = assert_ntfy_error(r, 429, 42901)
    assert "limit" in j["error"]
    assert_ntfy_error(s.get(ntfy_url(port, "/rl/json?poll=1"), timeout=10), 429, 42901)
    # An authenticated user is a visitor of its own.
    h = {"Authorization": basic("phil", "pw")}
    assert s.post(ntfy_url(port, "/rl"), data="mine", headers=h, timeout=10).status_code == 200
    # Health is not limited.
    assert s.get(ntfy_url(port, "/v1/health"), timeout=10).status_code == 200


def test_auth_failures_are_rate_limited(hearthd_factory):
    d, port = start(hearthd_factory, limits={"auth_failure_burst": 3})
    add_user(d, "phil", "pw")
    for _ in range(3):
        r = publish(port, "t", "x", headers={"Authorization": basic("phil", "no")})
        assert_ntfy_error(r, 401, 40101)
    # Used up: even the right password waits.
    r = publish(port, "t", "x", headers={"Authorization": basic("phil", "pw")})
    assert_ntfy_error(r, 429, 42909)
    # Anonymous requests are not failures.
    assert publish(port, "t", "x").status_code == 200


def open_stream(port, path, headers=None):
    """A subscription on a raw socket: (socket, the response head)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return s, data


def test_subscription_limit_per_visitor(hearthd_factory):
    d, port = start(hearthd_factory, limits={"subscriptions": 2})
    add_user(d, "phil", "pw")
    h = {"Authorization": basic("phil", "pw")}
    a, ha = open_stream(port, "/s1/json", h)
    b, hb = open_stream(port, "/s2/json", h)
    try:
        assert b" 200 " in ha and b" 200 " in hb, (ha, hb)
        assert_ntfy_error(get(port, "/s3/json", h), 429, 42903)
        # The address is another visitor, with two of its own.
        c, hc = open_stream(port, "/s3/json")
        assert b" 200 " in hc
        c.close()
    finally:
        a.close()
        b.close()
    # Closed subscriptions give their slots back.
    deadline = time.monotonic() + 10
    while True:
        s, head = open_stream(port, "/s4/json", h)
        s.close()
        if b" 200 " in head or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert b" 200 " in head, head


def test_management_api_refusals(hearthd_factory):
    d, port = start(hearthd_factory)
    r = d.request("GET", "/api/v1/notify/users")
    assert r.status_code == 401
    add_user(d, "phil", "pw")
    assert api(d, "POST", "/users", {"username": "phil", "password": "x"}).status_code == 409
    assert api(d, "POST", "/users", {"username": "a b", "password": "x"}).status_code == 400
    assert api(d, "POST", "/users", {"username": "x", "password": ""}).status_code == 400
    assert api(d, "POST", "/users", {"username": "x", "password": "p", "role": "god"}).status_code == 400
    assert api(d, "POST", "/access", {"username": "phil", "topic": "a/b", "permission": "rw"}).status_code == 400
    assert api(d, "POST", "/access", {"username": "phil", "topic": "a", "permission": "all"}).status_code == 400
    assert api(d, "POST", "/access", {"username": "ghost", "topic": "a", "permission": "rw"}).status_code == 404
    assert api(d, "POST", "/tokens", {"username": "ghost"}).status_code == 404
    assert api(d, "DELETE", "/users/ghost").status_code == 404
    assert api(d, "DELETE", "/tokens/tk_nothing").status_code == 404
    # The stored hash is argon2id, never the password.
    users = api(d, "GET", "/users").json()
    assert [u["username"] for u in users] == ["phil"] and "pw" not in json.dumps(users)


def hearth(d, *args, input=None):
    cp = subprocess.run([HEARTH, "-c", str(d.config_path), *args],
                        input=input, capture_output=True, text=True,
                        timeout=30, env=clean_env())
    assert "AddressSanitizer" not in cp.stderr and "runtime error" not in cp.stderr, cp.stderr
    return cp


def test_cli_round_trip_and_restart(hearthd_factory, tmp_path):
    d, port = start(hearthd_factory, default_access="deny-all")
    pwfile = tmp_path / "pw"
    pwfile.write_text("from a file\n")
    os.chmod(pwfile, 0o600)
    r = hearth(d, "notify", "user", "add", "phil", "--password-file", str(pwfile))
    assert r.returncode == 0, r.stderr
    assert "from a file" not in r.stdout + r.stderr
    # From stdin (not a terminal), with --json.
    r = hearth(d, "notify", "user", "add", "admin1", "--role", "admin", "--json",
               input="piped secret\n")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"username": "admin1", "role": "admin"}
    assert "piped secret" not in r.stdout + r.stderr
    r = hearth(d, "notify", "user", "add", "phil", "--password-file", str(pwfile))
    assert r.returncode == 5 and "exists" in r.stderr
    r = hearth(d, "notify", "access", "phil", "alerts*", "read-write")
    assert r.returncode == 0 and "phil may read-write topic alerts*" in r.stdout, r
    r = hearth(d, "notify", "access", "*", "public", "read-only", "--json")
    assert json.loads(r.stdout)["permission"] == "read-only"
    r = hearth(d, "notify", "access")
    assert r.returncode == 0
    assert "alerts*" in r.stdout and "(default)" in r.stdout and "deny-all" in r.stdout
    r = hearth(d, "notify", "access", "admin1", "--json")
    assert [e["topic"] for e in json.loads(r.stdout)["access"]] == ["public"]
    acl = json.loads(hearth(d, "notify", "access", "--json").stdout)
    assert acl["default"] == "deny-all"
    assert {"username": "phil", "topic": "alerts*", "permission": "read-write"} in acl["access"]
    r = hearth(d, "notify", "token", "add", "phil", "--label", "phone", "--json")
    assert r.returncode == 0, r.stderr
    tok = json.loads(r.stdout)["token"]
    r = hearth(d, "notify", "token", "list")
    assert r.returncode == 0 and tok[:8] in r.stdout and "phone" in r.stdout
    assert tok not in r.stdout
    r = hearth(d, "notify", "user", "list")
    assert "phil" in r.stdout and "admin1" in r.stdout and "alerts*:read-write" in r.stdout
    users = json.loads(hearth(d, "notify", "user", "list", "--json").stdout)
    assert {u["username"]: u["role"] for u in users} == {"admin1": "admin", "phil": "user"}
    h = {"Authorization": basic("phil", "from a file")}
    assert publish(port, "alerts-db", "one", headers=h).status_code == 200
    assert publish(port, "alerts-db", "two", headers={"Authorization": f"Bearer {tok}"}).status_code == 200
    assert publish(port, "x", "x", headers={"Authorization": basic("admin1", "piped secret")}).status_code == 200

    # Everything is in the store: the same answers after a restart.
    d.stop()
    hearthd_factory.restart(d)
    assert publish(port, "alerts-db", "three", headers=h).status_code == 200
    assert publish(port, "alerts-db", "four", headers={"Authorization": f"Bearer {tok}"}).status_code == 200
    assert get(port, "/public/auth").status_code == 200
    assert_ntfy_error(publish(port, "alerts-db", "x"), 403, 40301)

    # Removing: the grant, the token, the user.
    r = hearth(d, "notify", "access", "phil", "alerts*", "reset")
    assert r.returncode == 0, r.stderr
    assert_ntfy_error(publish(port, "alerts-db", "x", headers=h), 403, 40301)
    r = hearth(d, "notify", "token", "del", tok[:8])
    assert r.returncode == 0, r.stderr
    assert_ntfy_error(publish(port, "alerts-db", "x", headers={"Authorization": f"Bearer {tok}"}),
                      401, 40101)
    r = hearth(d, "notify", "user", "del", "phil", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["deleted"] is True
    assert_ntfy_error(publish(port, "alerts-db", "x", headers=h), 401, 40101)
    r = hearth(d, "notify", "user", "del", "phil")
    assert r.returncode == 5


def test_websocket_with_auth_query(hearthd_factory):
    """Browsers cannot set headers on a WebSocket: ?auth= carries them."""
    d, port = start(hearthd_factory, default_access="deny-all")
    add_user(d, "web", "pw")
    grant(d, "web", "live", "rw")
    q = base64.urlsafe_b64encode(basic("web", "pw").encode()).decode().rstrip("=")

    async def run():
        async with websockets.connect(f"ws://127.0.0.1:{port}/live/ws?auth={q}") as ws:
            ev = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert ev["event"] == "open" and ev["topic"] == "live"
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: publish(port, "live", "hi",
                                      headers={"Authorization": basic("web", "pw")}))
            ev = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert ev["message"] == "hi"
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
            async with websockets.connect(f"ws://127.0.0.1:{port}/live/ws"):
                pass
        assert e.value.status_code == 403
    asyncio.run(run())
    # ntfy writes only the status to a refused WebSocket upgrade.
    s, head = open_stream(port, "/live/ws", {
        "Upgrade": "websocket", "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13"})
    s.close()
    assert b" 403 " in head and b"\r\ncontent-length: 0\r\n" in head.lower(), head


def test_reload_changes_default_access_and_limits(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path, default_access="read-write")
    d = hearthd_factory(cfg)
    add_user(d, "phil", "pw")
    assert publish(port, "r", "x").status_code == 200
    cfg["notify"]["default_access"] = "read-only"
    cfg["notify"]["limits"] = {"request_burst": 2}
    d.write_config(cfg)
    r = d.session.post(f"{d.url}/api/v1/reload", headers={"X-API-Key": API_KEY},
                       timeout=10)
    assert r.status_code == 200, r.text
    assert_ntfy_error(publish(port, "r", "x"), 403, 40301)
    # The users are still there; the smaller burst applies at once.
    h = {"Authorization": basic("phil", "pw")}
    codes = [get(port, "/r/auth", h).status_code for _ in range(4)]
    assert codes[0] == 200 and codes[-1] == 429, codes


def test_password_change_and_role_take_effect_at_once(hearthd_factory, tmp_path):
    d, port = start(hearthd_factory, default_access="deny-all")
    add_user(d, "phil", "old")
    grant(d, "phil", "t", "rw")
    old = {"Authorization": basic("phil", "old")}
    assert publish(port, "t", "x", headers=old).status_code == 200  # remembered now
    pw = tmp_path / "new"
    pw.write_text("new\n")
    r = hearth(d, "notify", "user", "passwd", "phil", "--password-file", str(pw))
    assert r.returncode == 0, r.stderr
    # The remembered old password is forgotten with the change.
    assert_ntfy_error(publish(port, "t", "x", headers=old), 401, 40101)
    new = {"Authorization": basic("phil", "new")}
    assert publish(port, "t", "x", headers=new).status_code == 200
    assert_ntfy_error(publish(port, "other", "x", headers=new), 403, 40301)
    r = api(d, "PUT", "/users/phil", {"role": "admin"})
    assert r.status_code == 200 and r.json()["role"] == "admin"
    assert publish(port, "other", "x", headers=new).status_code == 200
    # Bad bodies and paths.
    r = d.request("POST", "/api/v1/notify/users", data="{nope",
                  headers={"X-API-Key": API_KEY})
    assert r.status_code == 400
    assert api(d, "PUT", "/users/phil", {"role": "root"}).status_code == 400
    assert api(d, "PUT", "/users/phil", {"password": 5}).status_code == 400
    assert api(d, "PUT", "/users/ghost", {"password": "x"}).status_code == 404
    assert api(d, "DELETE", "/access/").status_code == 404
    assert api(d, "POST", "/tokens", {"username": "phil", "expires": "soon"}).status_code == 400
