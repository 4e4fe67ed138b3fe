# SPDX-License-Identifier: MIT
"""Zone creation through the PowerDNS API, side by side with pdns_server 4.7:
the first serial per soa_edit_api kind (with and without a SOA given), and
zones given as text (`zone`: BIND or AXFR format)."""
import re
import time

from test_dns_api import Z, ask, pdns, hearth  # noqa: F401

KINDS = [None, "DEFAULT", "INCREASE", "EPOCH", "SOA-EDIT",
         "SOA-EDIT-INCREASE", "INCEPTION-INCREMENT", "", "NONE", "bogus",
         "increase"]
# (label, serial of the SOA given or None for none, "serial" key or None)
CASES = [("no SOA", None, None), ("no SOA, serial 77", None, 77),
         ("SOA 0", 0, None), ("SOA 5", 5, None),
         ("SOA in the future", 2030010100, None),
         ("SOA at the top", 4294967295, None)]


def first_serials(api):
    got = {}
    for i, kind in enumerate(KINDS):
        for j, (label, soa, serial) in enumerate(CASES):
            zone = f"k{i}c{j}.example."
            body = {"name": zone, "kind": "Native",
                    "nameservers": ["ns1." + zone]}
            if kind is not None:
                body["soa_edit_api"] = kind
            if serial is not None:
                body["serial"] = serial
            if soa is not None:
                body["rrsets"] = [{"name": zone, "type": "SOA", "ttl": 3600,
                                   "records": [{"content": f"ns1.{zone} h.{zone}"
                                                f" {soa} 1 2 3 4",
                                                "disabled": False}]}]
            t0 = int(time.time())
            r = api.call("POST", Z, body)
            assert r.status == 201, (kind, label, r)
            s = r.json["serial"]
            soa_text = [x for x in r.json["rrsets"] if x["type"] == "SOA"][0]
            assert int(soa_text["records"][0]["content"].split()[2]) == s
            assert api.get(Z + "/" + zone).json["serial"] == s
            # EPOCH: the clock's seconds, which differ by a few between runs.
            got[(kind, label)] = "now" if abs(s - t0) <= 5 else s
    return got


def test_first_serial_per_soa_edit_api_kind(pdns, hearth):
    want, have = first_serials(pdns), first_serials(hearth)
    diff = {k: (want[k], have[k]) for k in want if want[k] != have[k]}
    assert not diff, diff
    today = int(time.strftime("%Y%m%d")) * 100 + 1
    assert have[(None, "no SOA")] == today
    assert have[("DEFAULT", "SOA 5")] == today
    assert have[("INCREASE", "SOA 5")] == 6
    assert have[("EPOCH", "SOA 0")] == "now"


def summary(r):
    """Status and, for a created zone, its RRsets without the clock."""
    if r.status != 201:
        return r.status, r.json
    sets = sorted((s["name"], s["type"], s["ttl"],
                   sorted(x["content"] for x in s["records"]))
                  for s in r.json["rrsets"])
    return r.status, sets


BIND = ("$TTL 300\n"
        "@ IN SOA ns1 hostmaster 5 10800 3600 604800 3600\n"
        "@ IN NS ns1\n"
        "ns1 IN A 192.0.2.1\n"
        "www 60 IN A 192.0.2.2\n"
        "    60 IN A 192.0.2.3 ; a comment\n"
        "Mix IN CNAME Target.Example.\n"
        "mail IN MX 10 mail\n"
        "txt IN TXT \"a\" \"b\"\n"
        "$ORIGIN sub.{z}\n"
        "deep IN A 192.0.2.4\n")
AXFR = ("{z}\t3600\tIN\tSOA\tns1.{z} h.{z} 9 1 2 3 4\n"
        "{z}\t3600\tIN\tNS\tns1.{z}\n"
        "www.{z}\t60\tIN\tA\t192.0.2.9\n"
        "{z}\t3600\tIN\tSOA\tns1.{z} h.{z} 9 1 2 3 4\n")
TEXTS = [
    # (zone text, extra body keys)
    (BIND, {}),
    (AXFR, {}),
    ("www IN A 192.0.2.1\n", {}),                   # no SOA: synthesised
    ("www IN A 192.0.2.1\n", {"soa_edit_api": "", "serial": 77}),
    ("www IN A 192.0.2.1\n", {"nameservers": ["ns1.{z}"]}),
    ("", {}),                                       # empty text: none
    (BIND, {"rrsets": []}),                         # both: 422
    (BIND, {"rrsets": "x"}),                        # not an array: text only
    ("@ IN NS ns1\n", {"nameservers": ["ns1.{z}"]}),  # mixed: 422
    ("www.other. IN A 192.0.2.1\n", {}),            # out of zone
    ("$ORIGIN other.\nwww IN A 192.0.2.1\n", {}),
    ("www IN CNAME x.\nwww IN A 192.0.2.1\n", {}),  # CNAME and other data
    ("@ IN CNAME x.\n", {}),
    ("www IN A 192.0.2.1\nwww IN A 192.0.2.1\n", {}),  # duplicate
    ("sub IN SOA ns1 h 1 2 3 4 5\n", {}),           # SOA below the apex
    ("www IN BOGUS 1\n", {}),                       # syntax: line number
    ("www IN A 192.0.2.1\nbad line here\n", {}),
    ("$INCLUDE /etc/passwd\n", {}),
]


def line_of(msg):
    return re.search(r"line (\d+)", msg).group(1)


def test_zone_from_text_as_pdns(pdns, hearth):
    got = {}
    for api in (pdns, hearth):
        res = []
        for i, (text, extra) in enumerate(TEXTS):
            zone = f"t{i}.example."
            body = {"name": zone, "kind": "Native", "zone": text.replace(
                "{z}", zone)}
            for k, v in extra.items():
                body[k] = ([x.replace("{z}", zone) for x in v]
                           if isinstance(v, list) else v)
            r = api.call("POST", Z, body)
            res.append(summary(r))
            if r.status != 201:
                # Nothing is left behind by a refused zone.
                assert api.get(Z + "/" + zone).status == 404, (i, r)
        got[api.kind] = res
    for i, (p, h) in enumerate(zip(got["pdns"], got["hearth"])):
        if p[0] == 422 and "parsing the zonedata" in p[1]["error"]:
            # Syntax errors: PowerDNS's prefix and line, hearth's parser's
            # words after it.
            assert h[0] == 422, (i, p, h)
            assert h[1]["error"].startswith(
                "An error occurred while parsing the zonedata: Parsing zone "
                "content on line "), (i, h)
            assert line_of(p[1]["error"]) == line_of(h[1]["error"]), (p, h)
            continue
        if p[0] == 422 and "@ IN CNAME" in TEXTS[i][0]:
            # PowerDNS names the synthesised SOA as the conflict.
            assert h[0] == 422 and "CNAME" in h[1]["error"], (i, h)
            continue
        assert p == h, (i, TEXTS[i], p, h)
    # Relative names, $ORIGIN, $TTL, the lowest TTL, the AXFR-style SOA.
    status, sets = got["hearth"][0]
    assert ("www.t0.example.", "A", 60, ["192.0.2.2", "192.0.2.3"]) in sets
    assert ("deep.sub.t0.example.", "A", 300, ["192.0.2.4"]) in sets
    assert ("mail.t0.example.", "MX", 300, ["10 mail.t0.example."]) in sets
    assert [s for s in got["hearth"][1][1] if s[1] == "SOA"][0][3][0] \
        .startswith("ns1.t1.example. h.t1.example. ")


def test_zone_from_text_is_served_and_refusals_change_nothing(hearth):
    z = "served.example."
    r = hearth.call("POST", Z, {"name": z, "kind": "Native",
                                "zone": BIND.replace("{z}", z)})
    assert r.status == 201, r
    a = ask(hearth, "www." + z, "A")
    assert sorted(x.address for x in a.answer[0]) == ["192.0.2.2",
                                                      "192.0.2.3"]
    before = hearth.get(Z + "/" + z).json
    r = hearth.call("POST", Z, {"name": z, "kind": "Native",
                                "zone": "www IN CNAME x.\nwww IN A 1.2.3.4\n"})
    assert r.status == 409, r
    assert hearth.get(Z + "/" + z).json == before
    r = hearth.call("POST", Z, {"name": "bad.example.", "kind": "Native",
                                "zone": "www IN A 1.2.3.4 (\n"})
    assert r.status == 422, r
    assert "line" in r.json["error"], r
    assert hearth.get(Z + "/bad.example.").status == 404


def test_secondary_zone_text(pdns, hearth):
    got = []
    for api in (pdns, hearth):
        res = []
        for i, text in enumerate(("@ SOA ns1 h 5 2 3 4 5\nwww A 192.0.2.1\n",
                                  "www A 192.0.2.1\n")):
            r = api.call("POST", Z, {"name": f"sec{i}.example.",
                                     "kind": "Slave",
                                     "masters": ["192.0.2.53"],
                                     "zone": text})
            res.append(r.status if r.status != 201 else summary(r))
        got.append(res)
    assert got[0][0] == got[1][0]
    # Without its SOA the secondary's records could not be served: 422,
    # as pdns_server 4.7 answers (it then leaves the zone behind).
    assert got[0][1] == got[1][1] == 422
    assert hearth.get(Z + "/sec1.example.").status == 404
    assert ask(hearth, "www.sec0.example.", "A").answer
