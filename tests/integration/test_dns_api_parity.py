# SPDX-License-Identifier: MIT
"""PowerDNS API parity beyond the conformance script: CORS preflight, zone
metadata, server config, each side by side with pdns_server 4.7 (the
reference for status codes, headers and JSON), started as in
test_dns_api.py. No skip: if either server cannot start, the tests fail.
"""
import pytest

from test_dns_api import Z, canon, hearth, pdns  # noqa: F401 (fixtures)

CORS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Headers",
        "Access-Control-Allow-Methods", "Access-Control-Max-Age")

PREFLIGHT_PATHS = ["/api", "/api/v1", "/api/v1/servers",
                   "/api/v1/servers/localhost",
                   "/api/v1/servers/localhost/zones",
                   "/api/v1/servers/localhost/zones/nope.example.",
                   "/api/v1/servers/localhost/zones/nope.example./metadata",
                   "/api/v1/servers/localhost/statistics",
                   "/api/v1/servers/localhost/config"]


def preflight(api, path, key):
    r = api.call("OPTIONS", path, key=key)
    return (r.status, {h: r.headers.get(h) for h in CORS},
            r.headers.get("Content-Type", "").split(";")[0], r.content)


@pytest.mark.parametrize("key", [True, False], ids=["key", "nokey"])
def test_cors_preflight_matches_powerdns(pdns, hearth, key):  # noqa: F811
    for path in PREFLIGHT_PATHS:
        want = preflight(pdns, path, key)
        got = preflight(hearth, path, key)
        assert want[0] == 200, (path, want)
        assert got == want, path


CONFIG = "/api/v1/servers/localhost/config"


def test_config_list_matches_powerdns(pdns, hearth):  # noqa: F811
    want, got = pdns.get(CONFIG), hearth.get(CONFIG)
    assert want.status == got.status == 200
    assert got.headers["Content-Type"] == want.headers["Content-Type"]
    for items in (want.json, got.json):
        assert items and all(set(x) == {"type", "name", "value"}
                             and x["type"] == "ConfigSetting"
                             and isinstance(x["value"], str) for x in items)
    pd = {x["name"]: x["value"] for x in want.json}
    hd = {x["name"]: x["value"] for x in got.json}
    assert len(hd) == len(got.json)  # each name once
    assert set(hd) <= set(pd), set(hd) - set(pd)  # only pdns's names
    for name in ("api", "api-key", "daemon", "local-port", "webserver",
                 "also-notify", "log-dns-queries", "query-logging"):
        assert hd[name] == pd[name], name
    assert hd["local-address"] == f"127.0.0.1:{hearth.dns_port}"
    assert hd["udp-truncation-threshold"] == pd["udp-truncation-threshold"]
    # No config/{name} on the authoritative server, nor writes.
    for api in (pdns, hearth):
        assert api.get(CONFIG + "/api").json == {"error": "Not Found"}
        assert api.get(CONFIG + "/api").status == 404
    for m in ("POST", "PUT", "DELETE"):
        a, b = pdns.call(m, CONFIG, body={}), hearth.call(m, CONFIG, body={})
        assert (a.status, a.json) == (b.status, b.json), m
    a = hearth.get(CONFIG, key=False)
    assert a.status == pdns.get(CONFIG, key=False).status == 401
