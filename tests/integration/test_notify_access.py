# SPDX-License-Identifier: MIT
"""notify.default_access for anonymous clients, and credentials refused
(401) while no user or token can match them."""
import base64
import json

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
