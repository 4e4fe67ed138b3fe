# SPDX-License-Identifier: MIT
"""notify.default_access for anonymous clients, and credentials refused
(401) while no user or token can match them."""
import base64
import json
import re

import pytest

from notify_helpers import notify_config, ntfy_url, publish, session


def start(hearthd_factory, access):
    cfg, port = notify_config(hearthd_factory.tmp_path, default_access=access)
    hearthd_factory(cfg)
    return port


def can(port):
    s = session()
    w = publish(port, "acl", "x").status_code
    j = s.post(ntfy_url(port, "/"), data=json.dumps({"topic": "acl",
                                                     "message": "x"}),
               timeout=5).status_code
    g = s.get(ntfy_url(port, "/acl/publish?m=x"), timeout=5).status_code
    r = s.get(ntfy_url(port, "/acl/json?poll=1"), timeout=5)
    a = s.get(ntfy_url(port, "/acl/auth"), timeout=5)
    if r.status_code == 403:
        body = r.json()
        assert body["code"] == 40301 and body["http"] == 403
        assert body["error"] == "forbidden" and "link" in body
    return {"write": (w, j, g), "read": (r.status_code, a.status_code)}


@pytest.mark.parametrize("access,write,read", [
    ("read-write", 200, 200), ("read-only", 403, 200),
    ("write-only", 200, 403), ("deny-all", 403, 403)])
def test_default_access_for_anonymous(hearthd_factory, access, write, read):
    port = start(hearthd_factory, access)
    got = can(port)
    assert got["write"] == (write, write, write), got
    assert got["read"] == (read, read), got
    # Health and the discovery endpoints stay open.
    assert session().get(ntfy_url(port, "/v1/health"), timeout=5).status_code == 200


def test_credentials_that_match_nothing_are_401(hearthd_factory):
    port = start(hearthd_factory, "read-write")
    basic = "Basic " + base64.b64encode(b"phil:wrong").decode()
    for h in ({"Authorization": basic},
              {"Authorization": "Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"}):
        r = publish(port, "open", "x", headers=h)
        assert r.status_code == 401 and r.json()["code"] == 40101, r.text
        r = session().get(ntfy_url(port, "/open/json?poll=1"), headers=h, timeout=5)
        assert r.status_code == 401
    q = base64.urlsafe_b64encode(basic.encode()).decode().rstrip("=")
    r = session().get(ntfy_url(port, f"/open/json?poll=1&auth={q}"), timeout=5)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    # Another scheme is anonymous, as in ntfy.
    r = publish(port, "open", "x", headers={"Authorization": "WebPush abc"})
    assert r.status_code == 200


def test_users_tokens_and_acl_with_the_cli(hearthd_factory, cli):
    from helpers import API_KEY
    cfg, port = notify_config(hearthd_factory.tmp_path, default_access="deny-all")
    d = hearthd_factory(cfg)
    base = ("--url", d.url, "--api-key", API_KEY)
    r = cli(*base, "notify", "user", "add", "phil",
            env={"HEARTH_NOTIFY_PASSWORD": "s3cret pass"})
    assert r.returncode == 0, r
    r = cli(*base, "notify", "user", "add", "boss", "--role", "admin",
            env={"HEARTH_NOTIFY_PASSWORD": "bosspw"})
    assert r.returncode == 0, r
    r = cli(*base, "notify", "access", "phil", "alerts*", "read-write")
    assert r.returncode == 0, r
    r = cli(*base, "notify", "access", "phil", "alerts-secret", "read-only")
    assert r.returncode == 0, r
    r = cli(*base, "notify", "access", "*", "public", "read-only")
    assert r.returncode == 0, r
    r = cli(*base, "notify", "token", "add", "phil", "ci")
    assert r.returncode == 0, r
    token = r.stdout.strip()
    assert re.fullmatch(r"tk_[A-Za-z0-9]{29}", token), token
    r = cli(*base, "notify", "user", "list")
    assert r.returncode == 0 and "phil" in r.stdout and "alerts*:read-write" in r.stdout, r
    r = cli(*base, "notify", "token", "list", "--json")
    assert json.loads(r.stdout)[0]["token"] == token

    basic = {"Authorization": "Basic " + base64.b64encode(b"phil:s3cret pass").decode()}
    bearer = {"Authorization": f"Bearer {token}"}
    tok_basic = {"Authorization": "Basic " + base64.b64encode(f":{token}".encode()).decode()}
    s = session()
    # Good credentials, good ACL: password, token, token as Basic, ?auth=.
    for h in (basic, bearer, tok_basic):
        assert publish(port, "alerts", "x", headers=h).status_code == 200
        r = s.get(ntfy_url(port, "/alerts,alerts-x/json?poll=1"), headers=h, timeout=5)
        assert r.status_code == 200
        assert s.get(ntfy_url(port, "/alerts/auth"), headers=h, timeout=5).json() == {"success": True}
    q = base64.urlsafe_b64encode(f"Bearer {token}".encode()).decode().rstrip("=")
    assert s.get(ntfy_url(port, f"/alerts/json?poll=1&auth={q}"), timeout=5).status_code == 200
    # The longer pattern wins: read-only on alerts-secret.
    r = publish(port, "alerts-secret", "x", headers=bearer)
    assert r.status_code == 403 and r.json()["code"] == 40301
    assert s.get(ntfy_url(port, "/alerts-secret/json?poll=1"), headers=bearer,
                 timeout=5).status_code == 200
    # Wrong ACL: no entry for phil on other topics, default deny-all.
    assert publish(port, "other", "x", headers=bearer).status_code == 403
    r = s.get(ntfy_url(port, "/alerts,other/json?poll=1"), headers=bearer, timeout=5)
    assert r.status_code == 403  # every topic of a subscription must be readable
    # Anonymous: denied, but everyone may read "public".
    assert publish(port, "alerts", "x").status_code == 403
    assert s.get(ntfy_url(port, "/public/json?poll=1"), timeout=5).status_code == 200
    assert publish(port, "public", "x").status_code == 403
    # Bad token, bad password: 401 even where anonymous could read.
    for h in ({"Authorization": "Bearer tk_" + "A" * 29},
              {"Authorization": "Basic " + base64.b64encode(b"phil:nope").decode()},
              {"Authorization": "Basic " + base64.b64encode(b"nobody:x").decode()}):
        r = s.get(ntfy_url(port, "/public/json?poll=1"), headers=h, timeout=5)
        assert r.status_code == 401 and r.json()["code"] == 40101, r.text
    # An admin may do anything.
    admin = {"Authorization": "Basic " + base64.b64encode(b"boss:bosspw").decode()}
    assert publish(port, "anything", "x", headers=admin).status_code == 200
    # Deleting the token and the user takes effect at once.
    assert cli(*base, "notify", "token", "del", token).returncode == 0
    assert publish(port, "alerts", "x", headers=bearer).status_code == 401
    assert cli(*base, "notify", "user", "del", "phil").returncode == 0
    assert publish(port, "alerts", "x", headers=basic).status_code == 401
    assert cli(*base, "notify", "user", "del", "phil").returncode != 0
    # Users survive a restart.
    d.stop()
    hearthd_factory.restart(d)
    assert publish(port, "anything", "x", headers=admin).status_code == 200


def test_auth_failures_are_rate_limited(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path)
    hearthd_factory(cfg)
    s = session()
    h = {"Authorization": "Bearer tk_" + "B" * 29}
    codes = [s.get(ntfy_url(port, "/t/json?poll=1"), headers=h, timeout=5).status_code
             for _ in range(35)]
    assert codes[:30] == [401] * 30
    assert codes[30:] == [429] * 5
    r = s.get(ntfy_url(port, "/t/json?poll=1"), headers=h, timeout=5)
    assert r.json()["code"] == 42909
    # Anonymous requests are not affected.
    assert s.get(ntfy_url(port, "/t/json?poll=1"), timeout=5).status_code == 200


def test_default_access_and_cache_change_on_reload(hearthd_factory):
    from helpers import API_KEY
    cfg, port = notify_config(hearthd_factory.tmp_path)
    d = hearthd_factory(cfg)
    mid = publish(port, "rl", "before").json()["id"]
    cfg["notify"]["default_access"] = "read-only"
    d.write_config(cfg)
    r = d.request("POST", "/api/v1/reload", headers={"X-API-Key": API_KEY})
    assert r.status_code == 200, r.text
    r = publish(port, "rl", "after")
    assert r.status_code == 403 and r.json()["code"] == 40301
    # The cache survived the reload, and reading is still allowed.
    r = session().get(ntfy_url(port, "/rl/json?poll=1"), timeout=5)
    assert [json.loads(x)["id"] for x in r.text.splitlines()] == [mid]
    # A bad value is refused with its line; the running config stays.
    cfg["notify"]["default_access"] = "everything"
    d.write_config(cfg)
    r = d.request("POST", "/api/v1/reload", headers={"X-API-Key": API_KEY})
    assert r.status_code >= 400
    assert publish(port, "rl", "still read-only").status_code == 403
