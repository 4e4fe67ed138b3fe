# SPDX-License-Identifier: MIT
"""PowerDNS API parity for the server-level endpoints, side by side with
pdns_server 4.7 (the reference, started as in test_dns_api.py): the
Access-Control-Allow-Origin header on non-preflight answers, autoprimaries
(list, add, delete; stored across a restart) and statistics (item names,
types, maps, rings, ?statistic= and ?includerings=). No skip: if either
server cannot start, the tests fail.
"""
from test_dns_api import Z, hearth, pdns  # noqa: F401 (fixtures)

S = "/api/v1/servers/localhost"
ZONE = {"name": "cors.example.", "kind": "Native",
        "nameservers": ["ns1.cors.example."]}
A_RR = {"rrsets": [{"name": "www.cors.example.", "type": "A", "ttl": 60,
                    "changetype": "REPLACE",
                    "records": [{"content": "192.0.2.1",
                                 "disabled": False}]}]}
BAD_RR = {"rrsets": [{"name": "www.cors.example.", "type": "CNAME",
                      "ttl": 60, "changetype": "REPLACE",
                      "records": [{"content": "no-dot", "disabled": False}]}]}

# (method, path, body, call options): answers of every kind pdns gives —
# 2xx, 422 from its handlers, and 400/401/404/405/409 from its HTTP
# exceptions.
CORS_STEPS = [
    ("GET", "/api", None, {}),
    ("GET", "/api/v1", None, {}),
    ("GET", "/api/v1/servers", None, {}),
    ("GET", S, None, {}),
    ("GET", S, None, {"key": False}),
    ("GET", S + "/zones", None, {"key": "wrong"}),
    ("GET", S + "/nothing", None, {}),
    ("GET", "/api/v1/servers/other", None, {}),
    ("POST", Z, ZONE, {}),
    ("POST", Z, ZONE, {}),
    ("POST", Z, {"name": "nodot.example", "kind": "Native"}, {}),
    ("POST", Z, None, {"data": "not json"}),
    ("PUT", Z, {}, {}),
    ("GET", Z, None, {}),
    ("GET", Z + "/cors.example.", None, {}),
    ("GET", Z + "/cors.example.", None, {"params": {"rrsets": "x"}}),
    ("GET", Z + "/nope.example.", None, {}),
    ("PATCH", Z + "/cors.example.", A_RR, {}),
    ("PATCH", Z + "/cors.example.", BAD_RR, {}),
    ("PATCH", Z + "/nope.example.", A_RR, {}),
    ("PUT", Z + "/cors.example.", {"account": "x"}, {}),
    ("GET", Z + "/cors.example./export", None, {}),
    ("PUT", Z + "/cors.example./notify", None, {}),
    ("PUT", Z + "/cors.example./axfr-retrieve", None, {}),
    ("GET", Z + "/cors.example./metadata", None, {}),
    ("PUT", Z + "/cors.example./metadata/X-A", {"metadata": ["1"]}, {}),
    ("PUT", Z + "/cors.example./metadata/BOGUS", {"metadata": ["1"]}, {}),
    ("DELETE", Z + "/cors.example./metadata/X-A", None, {}),
    ("GET", S + "/statistics", None, {}),
    ("GET", S + "/statistics", None, {"params": {"statistic": "nope"}}),
    ("GET", S + "/config", None, {}),
    ("GET", S + "/search-data", None, {"params": {"q": "cors*"}}),
    ("GET", S + "/search-data", None, {"params": {"q": ""}}),
    ("PUT", S + "/cache/flush", None, {"params": {"domain": "cors.example."}}),
    ("DELETE", Z + "/cors.example.", None, {}),
    ("DELETE", Z + "/cors.example.", None, {}),
]

ACAO = "Access-Control-Allow-Origin"


def test_cors_origin_on_answers_matches_powerdns(pdns, hearth):  # noqa: F811
    seen = set()
    for method, path, body, kw in CORS_STEPS:
        a = pdns.call(method, path, body=body, **kw)
        b = hearth.call(method, path, body=body, **kw)
        step = (method, path, body, kw)
        assert a.status == b.status, (step, a, b)
        assert b.headers.get(ACAO) == a.headers.get(ACAO), (step, a.status)
        seen.add((a.status, a.headers.get(ACAO)))
    # The script covers answers with and without the header.
    assert (200, "*") in seen and (204, "*") in seen and (422, "*") in seen
    assert (404, None) in seen and (401, None) in seen
