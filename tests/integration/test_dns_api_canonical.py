# SPDX-License-Identifier: MIT
"""Record content through the PowerDNS API, side by side with pdns_server
4.7: content that parses but does not print back as written is refused
with PowerDNS's "Not in expected format (parsed as '...')"; what it takes,
hearth takes and shows the same way. A zone file (or pdns's zone text)
still takes non-canonical spellings and stores the canonical form.

Each case is (type, content, how hearth differs): None (the same status,
message and stored content as pdns_server), or PARSE (both refuse with
422; pdns's parser words its reason differently)."""
from test_dns_api import (Z, ask, hearth, patch, pdns, rr,  # noqa: F401
                          start_hearth)

PARSE = "parse"

CASES = [
    ("A", "192.0.2.1", None),
    ("A", "192.0.2.01", None),
    ("A", "192.000.2.1", None),
    ("A", " 192.0.2.1", None),
    ("A", "1.2.3", PARSE),
    ("AAAA", "2001:DB8::1", None),
    ("AAAA", "2001:db8:0:0:0:0:0:1", None),
    ("AAAA", "::ffff:192.0.2.1", None),
    ("AAAA", "2001:db8::192.0.2.1", None),
    ("MX", "10 mail.example.", None),
    ("MX", "10  mail.example.", None),
    ("MX", "10 mail.example", None),
    ("MX", "010 mail.example.", None),
    ("MX", "10 MAIL.Example.", None),
    ("MX", "0 .", None),
    ("MX", "65536 a.example.", PARSE),
    ("SRV", "0 5 5060 sip.example.", None),
    ("SRV", "0 5 5060 sip.example", None),
    ("SRV", "00 5 5060 sip.example.", None),
    ("SRV", "0 5  5060 sip.example.", None),
    ("CNAME", "Target.Example.", None),
    ("CNAME", "target.example", None),
    ("CNAME", r"a\065.example.", None),
    ("CNAME", r"a\.b.example.", None),
    ("CNAME", r"a\046b.example.", None),
    ("CNAME", "é.example.", None),
    ("NS", "NS1.example.", None),
    ("PTR", "host.example.", None),
    ("DNAME", "d.example.", None),
    ("ALIAS", "target.example.", None),
    ("ALIAS", "target.example", None),
    ("TXT", '"hello"', None),
    ("TXT", "hello", None),
    ("TXT", '"a" "b"', None),
    ("TXT", '"a"  "b"', None),
    ("TXT", '"a""b"', None),
    ("TXT", '"a;b"', None),
    ("TXT", r'"\"q\""', None),
    ("TXT", r'"a\\b"', None),
    ("TXT", r'"tab\009"', None),
    ("TXT", '""', None),
    ("TXT", '"café"', None),
    ("TXT", '"a" "日本"', None),
    ("TXT", r'"\255"', None),
    ("TXT", r'"\065"', None),
    ("TXT", r'"a\;b"', None),
    ("TXT", r'"caf\195\169"', None),
    ("TXT", "v=spf1 -all", PARSE),
    ("SPF", '"v=spf1 -all"', None),
    ("CAA", '0 issue "letsencrypt.org"', None),
    ("CAA", '0 ISSUE "x.org"', None),
    ("CAA", '128 issue "x.org"', None),
    ("CAA", '0 issue ""', None),
    ("CAA", '0  issue "x.org"', None),
    ("CAA", '0 issue "café"', None),
    ("CAA", "0 issue letsencrypt.org", PARSE),
    ("LOC", "52 22 23.000 N 4 53 32.000 E -2.00m 1.00m 10000.00m 10.00m",
     None),
    ("LOC", "42 21 54 N 71 06 18 W -24m 30m", None),
    ("LOC", "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000.00m 10.00m",
     None),
    ("LOC", "42 21 54.000 N 71 6 18.000 W -24.00m", None),
    ("LOC", "42 N 71 W 0.00m", None),
    ("SSHFP", "2 1 123456789abcdef67890123456789abcdef67890", None),
    ("SSHFP", "2 1 123456789ABCDEF67890123456789ABCDEF67890", None),
    ("SSHFP", "2 1 12345678 9abcdef67890123456789abcdef67890", None),
    ("TLSA", "3 1 1 abcdef01234567", None),
    ("TLSA", "3 1 1 ABCDEF01234567", None),
    ("TLSA", "3 1 1 abcdef 01234567", None),
    ("TLSA", "03 1 1 abcdef01234567", None),
    ("DS", "60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118", None),
    ("DS", "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", None),
    ("DS", "60485 5 1 2bb183af5f22588179a5 3b0a98631fad1a292118", None),
    ("DS", "60485 RSASHA1 1 2bb183af5f22588179a53b0a98631fad1a292118",
     PARSE),
    ("NAPTR", '100 10 "S" "SIP+D2U" "!^.*$!sip:info@example.com!" '
     '_sip._udp.example.org.', None),
    ("NAPTR", '100 10 "" "" "" .', None),
    ("NAPTR", '100 10 "s" "SIP+D2U" "" _sip._udp.example.org', None),
    ("NAPTR", '100 10 "é" "" "" .', None),
    ("NAPTR", '100 10 S SIP+D2U "" .', PARSE),
    ("SVCB", "1 . alpn=h2", None),
    ("SVCB", '1 . alpn="h2"', None),
    ("SVCB", "16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn "
     "ipv4hint=192.0.2.1", None),
    ("SVCB", "16 foo.example.org. mandatory=alpn,ipv4hint alpn=h2,h3-19 "
     "ipv4hint=192.0.2.1", None),
    ("SVCB", "1 . port=53", None),
    ("SVCB", "0 foo.example.org.", None),
    ("SVCB", "1 foo.example", None),
    ("SVCB", "1 . ipv6hint=2001:DB8::1", None),
    ("SVCB", "1 . ipv4hint=192.0.2.2,192.0.2.1", None),
    ("SVCB", "1 . key65000=x", None),
    ("SVCB", '1 . key65000="x"', None),
    ("SVCB", r'1 . key65000="\065"', None),
    ("SVCB", "1 . ech=AAEC", None),
    ("SVCB", '1 . ech="AAEC"', None),
    ("SVCB", '1 . port="53"', PARSE),
    ("HTTPS", "1 . alpn=h2 no-default-alpn", None),
    ("HTTPS", "1 . no-default-alpn alpn=h2", None),
    ("HTTPS", "1 . alpn=h3,h2", None),
    ("HTTPS", "0 www.example.org.", None),
    ("HINFO", '"PC" "Linux"', None),
    ("HINFO", '"café" "x"', None),
    ("HINFO", r'"\065" "b"', None),
    ("HINFO", "PC Linux", PARSE),
    ("RP", "admin.example.org. txt.example.org.", None),
    ("AFSDB", "1 afs.example.org.", None),
    ("URI", '10 1 "ftp://ftp1.example.com/public"', None),
    ("URI", "10 1 ftp://ftp1.example.com/public", PARSE),
    ("EUI48", "00-00-5e-00-53-2a", None),
    ("EUI48", "00-00-5E-00-53-2A", None),
    ("EUI64", "00-00-5e-ef-10-00-00-2a", None),
    ("OPENPGPKEY", "mQENBFVHm5sBCADLGRTuvw==", None),
    ("OPENPGPKEY", "mQENBFVH m5sBCADLGRTuvw==", None),
    ("TYPE12345", r"\# 4 0a000001", None),
    ("TYPE12345", r"\# 4 0A000001", None),
    ("SOA", "ns1.example.org. hostmaster.example.org. 1 10800 3600 604800 "
     "3600", None),
    ("SOA", "ns1.example.org. hostmaster.example.org. 01 10800 3600 "
     "604800 3600", None),
    ("SOA", "ns1.example.org. hostmaster.example.org. 1 3h 1h 1w 1h", PARSE),
    ("DNSKEY", "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpV"
     "XckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==", None),
    ("DNSKEY", "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpV"
     "XckHAeF+ KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==", None),
]
APEX = ("SOA", "DNSKEY")


def owner(i, t):
    return "c.example." if t in APEX else f"n{i}.c.example."


def create(api, zone="c.example.", **extra):
    body = {"name": zone, "kind": "Native", "nameservers": ["ns1." + zone],
            "soa_edit_api": ""}
    body.update(extra)
    return api.call("POST", Z, body)


def stored(api, zone, name, t):
    g = api.get(Z + "/" + zone, params={"rrset_name": name, "rrset_type": t})
    assert g.status == 200, g
    return [x["content"] for s in g.json["rrsets"] for x in s["records"]]


def outcome(api, i, t, content):
    name = owner(i, t)
    r = api.call("PATCH", Z + "/c.example.", patch(rr(name, t, 60, content)))
    if r.status != 204:
        return r.status, r.json["error"]
    return r.status, stored(api, "c.example.", name, t)


def test_patch_content_as_pdns(pdns, hearth):
    got = {}
    for api in (pdns, hearth):
        assert create(api).status == 201
        got[api.kind] = [outcome(api, i, t, c)
                         for i, (t, c, _) in enumerate(CASES)]
    bad = []
    refused = 0
    for i, (t, c, differs) in enumerate(CASES):
        p, h = got["pdns"][i], got["hearth"][i]
        if differs is None:
            ok = p == h
        else:
            ok = p[0] == h[0] == 422 and h[1].startswith(
                f"Record {owner(i, t)}/{t} '{c}': ")
        if not ok:
            bad.append(f"{t} {c!r}: pdns {p} hearth {h}")
        refused += p[0] == 422 and "Not in expected format" in p[1]
    assert not bad, "\n".join(bad)
    # The table holds many of pdns's refusals, with its message.
    assert refused >= 30, refused


# Non-canonical content in the rrsets of a zone POST and of a zone PUT.
WHOLE = [("MX", "10 mail.example", 422),
         ("LOC", "42 21 54 N 71 06 18 W -24m 30m", 422),
         ("TXT", '"a"  "b"', 422), ("DS", "60485 5 1 2BB183AF 5F225881", 422),
         ("A", "192.0.2.01", 422), ("TXT", '"café"', 201),
         ("TXT", r'"\065"', 201)]


def test_post_and_put_rrsets_check_content_as_pdns(pdns, hearth):
    """POST zone with rrsets: the same check and messages as pdns_server.
    pdns_server 4.7 ignores the rrsets of a zone PUT (204, nothing
    replaced); hearth replaces the records (as later PowerDNS versions
    do) and checks them as POST and PATCH do."""
    got = {}
    for api in (pdns, hearth):
        res = []
        for i, (t, c, _) in enumerate(WHOLE):
            zone = f"w{i}.example."
            sets = [{"name": f"x.{zone}", "type": t, "ttl": 60,
                     "records": [{"content": c, "disabled": False}]}]
            r = create(api, zone, rrsets=sets)
            res.append((r.status, (r.json or {}).get("error")))
        got[api.kind] = res
    assert got["hearth"] == got["pdns"]
    assert [s for s, _ in got["hearth"]] == [w[2] for w in WHOLE]
    for i, (t, c, want) in enumerate(WHOLE):
        zone = f"w{i}.example."
        if want != 201:
            assert create(hearth, zone).status == 201
        soa = [s for s in hearth.get(Z + "/" + zone).json["rrsets"]
               if s["type"] == "SOA"]
        r = hearth.call("PUT", Z + "/" + zone, {"rrsets": soa + [
            {"name": f"y.{zone}", "type": t, "ttl": 60,
             "records": [{"content": c, "disabled": False}]}]})
        if want == 201:
            assert r.status == 204, r
            assert stored(hearth, zone, f"y.{zone}", t) == [c]
        else:
            post = got["hearth"][i][1]
            assert (r.status, r.json["error"]) == \
                (422, post.replace(f"x.{zone}", f"y.{zone}")), r
            assert stored(hearth, zone, f"y.{zone}", t) == []


ZONE_TEXT = r'''$ORIGIN f.example.
$TTL 300
@ SOA ns1 hostmaster 1 3h 1h 1w 1h
@ NS ns1
ns1 A 192.0.2.1
loc LOC 42 21 54 N 71 06 18 W -24m 30m
mx MX 10  mail
mx2 MX 010 Mail.F.Example.
txt TXT hello
txt2 TXT "a"  "b"
txt3 TXT "café"
ds DS 60485 5 1 2BB183AF 5F22588179A53B0A98631FAD1A292118
svcb SVCB 16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1
https HTTPS 1 . no-default-alpn alpn=h2
caa CAA 0  issue "letsencrypt.org"
aaaa AAAA 2001:DB8:0::1
sshfp SSHFP 2 1 123456789ABCDEF6789 0123456789ABCDEF67890
tlsa TLSA 03 1 1 ABCDEF01234567
naptr NAPTR 100 10 "S" "SIP+D2U" "!^.*$!sip:a@example.com!" _sip._udp.f.example.
srv SRV 0 5 5060 sip
cname CNAME Target
eui EUI48 00-00-5E-00-53-2A
key OPENPGPKEY mQENBFVH m5sBCADLGRTuvw==
'''


def test_zone_file_takes_non_canonical_and_stores_canonical(pdns, hearth):
    """pdns_server's zone import (POST with "zone") and hearth's, and
    hearth's zone file import, take every spelling above and show the
    canonical content; the API would refuse most of them as written."""
    for api in (pdns, hearth):
        r = api.call("POST", Z, {"name": "f.example.", "kind": "Native",
                                 "zone": ZONE_TEXT, "soa_edit_api": ""})
        assert r.status == 201, (api.kind, r)
    r = hearth.daemon.request("PUT", "/api/v1/dns/zones/g.example/file",
                              data=ZONE_TEXT.replace("f.example", "g.example")
                              .encode(), headers={"X-API-Key": hearth.key})
    assert r.status_code == 200, r.text
    got = {}
    for api, zone in ((pdns, "f"), (hearth, "f"), (hearth, "g")):
        g = api.get(Z + f"/{zone}.example.")
        assert g.status == 200, g
        got[api.kind + zone] = {
            (s["name"].replace("g.example", "f.example"), s["type"]):
            [x["content"].replace("g.example", "f.example")
             for x in s["records"]]
            for s in g.json["rrsets"]}
    assert got["hearthf"] == got["pdnsf"]
    assert got["hearthg"] == got["pdnsf"]
    got["hearth"] = got["hearthf"]
    assert got["hearth"][("loc.f.example.", "LOC")] == [
        "42 21 54.000 N 71 6 18.000 W -24.00m 30.00m 10000.00m 10.00m"]
    assert got["hearth"][("mx.f.example.", "MX")] == ["10 mail.f.example."]
    # What the file took reads back through the API's own check.
    for (name, t), contents in got["hearth"].items():
        if t in ("SOA", "NS"):
            continue
        r = hearth.call("PATCH", Z + "/f.example.",
                        patch(rr(name, t, 300, *contents)))
        assert r.status == 204, (name, t, r)


def test_a_spelling_kept_as_sent_survives_and_serves(hearthd_factory,
                                                    tmp_path):
    """A TXT spelled with escapes PowerDNS keeps is stored as sent: shown
    and exported so after a restart, served as its bytes, and the same
    record in hearth's spelling is the same record (PRUNE, duplicates)."""
    api = start_hearth(hearthd_factory, tmp_path)
    assert create(api, "k.example.").status == 201
    sent = r'"\065\;" "caf\195\169"'
    r = api.call("PATCH", Z + "/k.example.", patch(
        rr("t.k.example.", "TXT", 60, sent, '"b"')))
    assert r.status == 204, r
    assert stored(api, "k.example.", "t.k.example.", "TXT") == [sent, '"b"']
    a = ask(api, "t.k.example.", "TXT")
    assert sorted(x.strings for x in a.answer[0]) == \
        [(b"A;", "café".encode()), (b"b",)]
    d = api.daemon
    assert d.stop() == 0
    hearthd_factory.restart(d)
    assert stored(api, "k.example.", "t.k.example.", "TXT") == [sent, '"b"']
    r = api.get(Z + "/k.example./export", accept="text/plain")
    assert f"t.k.example.\t60\tIN\tTXT\t{sent}\n" in r.text, r.text
    # The same bytes in another spelling: a duplicate, and what PRUNE takes.
    r = api.call("PATCH", Z + "/k.example.", patch(
        rr("t.k.example.", "TXT", 60, sent, '"A;" "café"')))
    assert r.status == 422, r
    assert r.json["error"].startswith("Duplicate record in RRset "
                                      "t.k.example. IN TXT"), r
    r = api.call("PATCH", Z + "/k.example.", patch(
        rr("t.k.example.", "TXT", 60, '"A;" "café"', ct="PRUNE")))
    assert r.status == 204, r
    assert stored(api, "k.example.", "t.k.example.", "TXT") == ['"b"']
