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


def meta_step(api, method, path, body):
    r = api.call(method, path, body=body)
    ctype = r.headers.get("Content-Type", "").split(";")[0]
    return r.status, ctype, canon(r.json) if r.content else r.content


KINDS = ["ALLOW-AXFR-FROM", "ALSO-NOTIFY", "API-RECTIFY", "AXFR-SOURCE",
         "AXFR-MASTER-TSIG", "LUA-AXFR-SCRIPT", "NSEC3NARROW", "NSEC3PARAM",
         "PRESIGNED", "PUBLISH-CDS", "SOA-EDIT", "SOA-EDIT-API",
         "SOA-EDIT-DNSUPDATE", "TSIG-ALLOW-AXFR", "TSIG-ALLOW-DNSUPDATE",
         "X-TEST", "x-lower", "BOGUS", "allow-axfr-from", "SIGNALING-ZONE",
         "SLAVE-RENOTIFY", "IXFR", "GSS-ACCEPTOR-PRINCIPAL",
         "RFC1123-CONFORMANCE"]


def test_zone_metadata_matches_powerdns(pdns, hearth):  # noqa: F811
    zone = {"name": "meta.example.", "kind": "Native",
            "nameservers": ["ns1.meta.example."]}
    M = Z + "/meta.example./metadata"
    steps = [("GET", M, None),
             ("POST", M, {"kind": "ALLOW-AXFR-FROM",
                          "metadata": ["192.0.2.0/24"]}),
             ("POST", M, {"kind": "ALLOW-AXFR-FROM",
                          "metadata": ["198.51.100.1", "192.0.2.0/24"]}),
             ("GET", M + "/ALLOW-AXFR-FROM", None),
             ("PUT", M + "/X-TEST", {"kind": "X-TEST", "metadata": ["a", "b"]}),
             ("PUT", M + "/X-TEST", {"kind": "X-OTHER", "metadata": ["c"]}),
             ("PUT", M + "/SOA-EDIT", {"metadata": ["INCEPTION-EPOCH"]}),
             ("GET", M, None),
             ("PUT", Z + "/meta.example.", {"soa_edit": "EPOCH"}),
             ("GET", M + "/SOA-EDIT", None),
             ("PUT", M + "/X-EMPTY", {"metadata": []}),
             ("POST", M, {"metadata": ["x"]}),
             ("POST", M, {"kind": "X-A"}),
             ("POST", M, {"kind": "X-A", "metadata": "s"}),
             ("POST", M, {"kind": "X-A", "metadata": [1]}),
             ("POST", M, []),
             ("PUT", M + "/X-A", {"kind": "X-A"}),
             ("PATCH", M, {}), ("DELETE", M, None), ("PATCH", M + "/X-A", {}),
             ("DELETE", M + "/X-TEST", None), ("DELETE", M + "/X-TEST", None),
             ("GET", M + "/X-TEST", None),
             ("GET", Z + "/nope.example./metadata", None),
             ("GET", Z + "/nope.example./metadata/X-A", None),
             ("POST", Z + "/nope.example./metadata",
              {"kind": "X-A", "metadata": []}),
             ("DELETE", Z + "/nope.example./metadata/X-A", None)]
    for kind in KINDS:
        steps += [("GET", M + "/" + kind, None),
                  ("POST", M, {"kind": kind, "metadata": ["1"]}),
                  ("PUT", M + "/" + kind, {"metadata": ["1"]}),
                  ("DELETE", M + "/" + kind, None)]
    steps.append(("GET", M, None))
    for api in (pdns, hearth):
        assert api.call("POST", Z, body=zone).status == 201
    for method, path, body in steps:
        want = meta_step(pdns, method, path, body)
        got = meta_step(hearth, method, path, body)
        assert got == want, (method, path, body)
    # Deleted with its zone: a new zone of the same name starts clean.
    for api in (pdns, hearth):
        assert api.call("PUT", M + "/X-KEEP", body={"metadata": ["v"]}).status == 200
        assert api.call("DELETE", Z + "/meta.example.").status == 204
        assert api.call("POST", Z, body=zone).status == 201
    assert meta_step(hearth, "GET", M, None) == meta_step(pdns, "GET", M, None)


def test_zone_metadata_survives_restart(hearthd_factory, hearth):  # noqa: F811
    M = Z + "/keep.example./metadata"
    assert hearth.call("POST", Z, body={"name": "keep.example.",
                                        "kind": "Native"}).status == 201
    assert hearth.call("PUT", M + "/ALSO-NOTIFY",
                       body={"metadata": ["192.0.2.53"]}).status == 200
    assert hearth.daemon.stop() == 0
    hearthd_factory.restart(hearth.daemon)
    r = hearth.get(M + "/ALSO-NOTIFY")
    assert r.status == 200 and r.json["metadata"] == ["192.0.2.53"]
