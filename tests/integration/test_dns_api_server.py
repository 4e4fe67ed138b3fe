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


# ---- autoprimaries ----

AP = S + "/autoprimaries"
AP_STEPS = [
    ("GET", AP, None, {}),
    ("POST", AP, {"ip": "192.0.2.1", "nameserver": "ns1.example.org.",
                  "account": "acc"}, {}),
    # Kept as sent: without the dot it is another pair.
    ("POST", AP, {"ip": "192.0.2.1", "nameserver": "ns1.example.org",
                  "account": "acc"}, {}),
    ("POST", AP, {"ip": "2001:db8::1", "nameserver": "ns2.example.org."}, {}),
    ("POST", AP, {"ip": "192.0.2.9", "nameserver": "x", "account": 5}, {}),
    ("POST", AP, {"nameserver": "ns.example."}, {}),
    ("POST", AP, {"ip": "192.0.2.9"}, {}),
    ("POST", AP, {}, {}),
    ("POST", AP, [], {}),
    ("POST", AP, {"ip": "192.0.2.9", "nameserver": ""}, {}),
    ("POST", AP, {"ip": "", "nameserver": "ns.example."}, {}),
    ("POST", AP, {"ip": 5, "nameserver": "ns.example."}, {}),
    ("POST", AP, None, {"data": "not json"}),
    ("GET", AP, None, {}),
    ("DELETE", AP + "/192.0.2.1/ns1.example.org", None, {}),
    ("DELETE", AP + "/192.0.2.1/ns1.example.org", None, {}),
    ("DELETE", AP + "/192.0.2.1", None, {}),
    ("POST", AP, {"ip": "192.0.2.1", "nameserver": "a/b/"}, {}),
    ("DELETE", AP + "/192.0.2.1/a/b/", None, {}),
    ("DELETE", AP + "/192.0.2.1/", None, {}),
    ("DELETE", AP + "//x", None, {}),
    ("PUT", AP, {}, {}),
    ("DELETE", AP, None, {}),
    ("GET", AP + "/192.0.2.1/ns1.example.org.", None, {}),
    ("PATCH", AP + "/192.0.2.1/ns1.example.org.", {}, {}),
    ("GET", AP, None, {}),
    ("GET", AP, None, {"key": False}),
    ("POST", AP, {"ip": "192.0.2.7", "nameserver": "n."}, {"key": False}),
]


def ap_answer(api, method, path, body, kw):
    r = api.call(method, path, body=body, **kw)
    ctype = r.headers.get("Content-Type")
    if r.status in (400, 401):  # hearth says what is wrong in more words
        assert r.json["error"], r
        return (r.status, ctype.split(";")[0], None, r.headers.get(ACAO))
    return (r.status, ctype.split(";")[0] if ctype else None,
            r.json if r.json is not None else r.content,
            r.headers.get(ACAO))


def test_autoprimaries_match_powerdns(pdns, hearth):  # noqa: F811
    for method, path, body, kw in AP_STEPS:
        want = ap_answer(pdns, method, path, body, kw)
        got = ap_answer(hearth, method, path, body, kw)
        assert got == want, (method, path, body, kw)
    final = hearth.get(AP).json
    assert final == [{"account": "acc", "ip": "192.0.2.1",
                      "nameserver": "ns1.example.org."},
                     {"account": "", "ip": "2001:db8::1",
                      "nameserver": "ns2.example.org."},
                     {"account": "", "ip": "192.0.2.9", "nameserver": "x"}]
    # Deliberate differences: a pair already there is 409 (pdns_server
    # answers 500 from its backend's UNIQUE constraint) and an ip that is
    # not an address is refused (pdns_server stores it).
    dup = {"ip": "2001:db8::1", "nameserver": "ns2.example.org.",
           "account": "other"}
    assert pdns.call("POST", AP, body=dup).status == 500
    r = hearth.call("POST", AP, body=dup)
    assert (r.status, r.json) == (409, {"error": "Conflict"})
    r = hearth.call("POST", AP, body={"ip": "notanip", "nameserver": "n."})
    assert r.status == 422 and "not an IP address" in r.json["error"]
    assert hearth.get(AP).json == final


def test_autoprimaries_survive_restart(hearthd_factory, hearth):  # noqa: F811
    for ip, ns in (("192.0.2.53", "ns1.keep.example."),
                   ("2001:db8::53", "ns2.keep.example.")):
        r = hearth.call("POST", AP, body={"ip": ip, "nameserver": ns,
                                          "account": "lab"})
        assert r.status == 201, r
    assert hearth.call("DELETE", AP + "/2001:db8::53/ns2.keep.example.").status == 204
    assert hearth.daemon.stop() == 0
    hearthd_factory.restart(hearth.daemon)
    assert hearth.get(AP).json == [{"account": "lab", "ip": "192.0.2.53",
                                    "nameserver": "ns1.keep.example."}]
