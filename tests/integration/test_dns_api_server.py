# SPDX-License-Identifier: MIT
"""PowerDNS API parity for the server-level endpoints, side by side with
pdns_server 4.7 (the reference, started as in test_dns_api.py): the
Access-Control-Allow-Origin header on non-preflight answers, autoprimaries
(list, add, delete; stored across a restart) and statistics (item names,
types, maps, rings, ?statistic= and ?includerings=). No skip: if either
server cannot start, the tests fail.
"""
import pytest

from test_dns_api import Pdns, Z, hearth  # noqa: F401 (fixture)


@pytest.fixture
def pdns(tmp_path):
    """pdns_server's API, with the port it answers DNS on."""
    p = Pdns(tmp_path)
    api = p.start()
    api.dns_port = p.dns_port
    yield api
    p.stop()

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


def test_autoprimaries_preflight_matches_powerdns(pdns, hearth):  # noqa: F811
    from test_dns_api_endpoints import preflight
    for path in (AP, AP + "/192.0.2.1/ns1.example.org."):
        for key in (True, False):
            want = preflight(pdns, path, key)
            assert want[0] == 200
            assert preflight(hearth, path, key) == want, (path, key)


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


# ---- statistics ----

STATS = S + "/statistics"
SZ = "st.example."
SOA_TEXT = f"ns1.{SZ} hostmaster.{SZ} 1 10800 3600 604800 3600"
STATS_ZONE = {"name": SZ, "kind": "Native", "soa_edit_api": "", "rrsets": [
    {"name": SZ, "type": "SOA", "ttl": 3600,
     "records": [{"content": SOA_TEXT, "disabled": False}]},
    {"name": SZ, "type": "NS", "ttl": 3600,
     "records": [{"content": "ns1." + SZ, "disabled": False}]},
    {"name": "ns1." + SZ, "type": "A", "ttl": 3600,
     "records": [{"content": "192.0.2.53", "disabled": False}]},
    {"name": "www." + SZ, "type": "A", "ttl": 60,
     "records": [{"content": "192.0.2.1", "disabled": False}]},
    {"name": "txt." + SZ, "type": "TXT", "ttl": 60,
     "records": [{"content": '"' + "x" * 200 + '"', "disabled": False}]}]}

# (name, type, rd, tcp): answered alike by both servers (no upstream).
QUERIES = [("www." + SZ, "A", False, False), ("www." + SZ, "A", True, False),
           ("WWW.St.Example.", "A", False, False),
           (SZ, "SOA", False, True), (SZ, "A", False, False),
           ("nx." + SZ, "A", True, False), ("nx." + SZ, "AAAA", False, True),
           ("txt." + SZ, "TXT", False, False),
           ("www." + SZ, "SSHFP", False, False),
           ("www." + SZ, "TYPE65000", False, True),
           ("elsewhere.example.", "A", False, False),
           (".", "NS", False, False)]

# Items hearth offers under pdns_server's names and types.
OFFERED = {"corrupt-packets", "fd-usage", "latency", "noerror-packets",
           "nxdomain-packets", "rd-queries", "real-memory-usage",
           "servfail-packets", "sys-msec", "tcp-answers", "tcp-answers-bytes",
           "tcp-queries", "tcp4-answers", "tcp4-answers-bytes",
           "tcp6-answers", "tcp6-answers-bytes", "udp-answers",
           "udp-answers-bytes", "udp-do-queries", "udp-queries",
           "udp4-answers", "udp4-answers-bytes", "udp6-answers",
           "udp6-answers-bytes", "unauth-packets", "uptime", "user-msec"}
RINGS = {"remotes", "remotes-corrupt", "remotes-unauth", "noerror-queries",
         "nxdomain-queries", "queries", "servfail-queries", "unauth-queries"}
OFFERED |= {f"ring-{r}-{x}" for r in RINGS for x in ("capacity", "size")}
# Equal after the same queries (the rest depend on the process).
SAME = {"corrupt-packets", "noerror-packets", "nxdomain-packets",
        "rd-queries", "servfail-packets", "tcp-answers", "tcp-queries",
        "tcp4-answers", "tcp6-answers", "udp-answers", "udp-do-queries",
        "udp-queries", "udp4-answers", "udp6-answers", "unauth-packets",
        "udp4-answers-bytes", "tcp4-answers-bytes"}
SAME |= {f"ring-{r}-{x}" for r in RINGS for x in ("capacity", "size")}


def send_queries(api):
    import dns.flags
    import dns.message
    import dns.query
    for name, typ, rd, tcp in QUERIES:
        q = dns.message.make_query(name, typ)
        if not rd:
            q.flags &= ~dns.flags.RD
        if tcp:
            dns.query.tcp(q, "127.0.0.1", port=api.dns_port, timeout=3)
        else:
            dns.query.udp(q, "127.0.0.1", port=api.dns_port, timeout=3)


def send_corrupt(api):
    """A query whose name runs past the end of the packet."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x05abc",
                 ("127.0.0.1", api.dns_port))


def stats_by_name(api, **params):
    r = api.get(STATS, params=params)
    assert r.status == 200, r
    assert r.headers.get(ACAO) == "*"
    return {x["name"]: x for x in r.json}, r.json


def as_map(item):
    return {v["name"]: v["value"] for v in item["value"]}


def plus(m, extra):
    out = dict(m)
    for k, n in extra.items():
        out[k] = str(int(out.get(k, "0")) + n)
    return out


def test_statistics_match_powerdns(pdns, hearth):  # noqa: F811
    for api in (pdns, hearth):
        assert api.call("POST", Z, body=STATS_ZONE).status == 201
        send_queries(api)
    want, want_list = stats_by_name(pdns)
    got, got_list = stats_by_name(hearth)
    kinds = lambda items: {x["name"]: x["type"] for x in items}  # noqa
    pk, hk = kinds(want_list), kinds(got_list)
    # hearth offers only pdns_server's names, each with pdns's type ...
    assert set(hk) <= set(pk), set(hk) - set(pk)
    assert all(hk[n] == pk[n] for n in hk)
    # ... and all of these.
    assert OFFERED | RINGS | {"response-by-qtype", "response-sizes",
                              "response-by-rcode"} == set(hk)
    assert [x["name"] for x in got_list] == [
        x["name"] for x in want_list if x["name"] in hk]  # pdns's order
    for item in got_list:
        assert set(item) == set(want[item["name"]]), item
        if item["type"] == "StatisticItem":
            assert isinstance(item["value"], str) and item["value"].isdigit()
        else:
            assert all(set(v) == {"name", "value"} and
                       isinstance(v["value"], str) for v in item["value"])
    # pdns_server's queries and remotes rings leave out TCP queries (its
    # rcode rings hold them); hearth's hold them all.
    tcp = {"queries": {"st.example/SOA": 1, "nx.st.example/AAAA": 1,
                       "www.st.example/TYPE65000": 1},
           "remotes": {"127.0.0.1": 3}}
    ring_sizes = {f"ring-{r}-size": sum(n.values()) for r, n in tcp.items()}
    diff = {n: (want[n]["value"], got[n]["value"]) for n in SAME
            if got[n]["value"] != str(int(want[n]["value"]) +
                                      ring_sizes.get(n, 0))}
    assert not diff, diff
    for name in ("response-by-rcode", "response-by-qtype", "response-sizes"):
        assert as_map(got[name]) == as_map(want[name]), name
    assert as_map(got["response-by-rcode"]) == {
        "No Error": "8", "Non-Existent domain": "2", "Query Refused": "2"}
    assert as_map(got["response-by-qtype"]) == {
        "A": "6", "NS": "1", "SOA": "1", "TXT": "1", "AAAA": "1",
        "SSHFP": "1", "TYPE65000": "1"}
    for ring in RINGS:
        assert got[ring]["size"] == want[ring]["size"] == "10000"
        assert as_map(got[ring]) == plus(as_map(want[ring]),
                                         tcp.get(ring, {})), ring
    assert as_map(got["queries"])["www.st.example/A"] == "3"
    counts = [int(v["value"]) for v in got["queries"]["value"]]
    assert counts == sorted(counts, reverse=True)
    # An unreadable query: pdns_server drops it, hearth answers FORMERR;
    # both count it as corrupt and its sender in remotes-corrupt.
    import time
    for api in (pdns, hearth):
        send_corrupt(api)
        for _ in range(50):
            st = stats_by_name(api)[0]
            if st["corrupt-packets"]["value"] == "1":
                break
            time.sleep(0.1)
        assert st["corrupt-packets"]["value"] == "1", api.kind
        assert as_map(st["remotes-corrupt"]) == {"127.0.0.1": "1"}
        assert "./SOA" not in as_map(st["queries"])


def test_statistic_parameters_match_powerdns(pdns, hearth):  # noqa: F811
    cases = [{"statistic": "uptime"}, {"statistic": "udp-queries"},
             {"statistic": "ring-queries-size"}, {"statistic": "queries"},
             {"statistic": "response-sizes"}, {"statistic": "nope"},
             {"statistic": "uptime", "includerings": "false"},
             {"statistic": ""}, {"includerings": "false"},
             {"includerings": "0"}, {"includerings": "true"}]
    for params in cases:
        a, b = pdns.get(STATS, params=params), hearth.get(STATS, params=params)
        assert a.status == b.status, (params, a, b)
        assert b.headers.get(ACAO) == a.headers.get(ACAO)
        if a.status != 200:
            assert b.json == a.json, params
            continue
        pk = {(x["type"], x["name"]) for x in a.json}
        hk = {(x["type"], x["name"]) for x in b.json}
        assert hk <= pk, (params, hk - pk)
        for t in ("StatisticItem", "MapStatisticItem", "RingStatisticItem"):
            assert any(k[0] == t for k in hk) == any(k[0] == t for k in pk), \
                (params, t)
        if "statistic" in params and params["statistic"]:
            assert len(b.json) == len(a.json) == 1
