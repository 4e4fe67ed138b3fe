# SPDX-License-Identifier: MIT
"""The dns room against NSD: the same zone, the same queries, the same answers.

NSD (the anchor) and hearthd serve data/dns/example.com.zone; every query of
data/dns/diff_queries.txt goes to both over UDP or TCP, and the responses must
agree on rcode, flags (QR AA TC RD RA), EDNS presence/version, and each section
as a set of RRsets (owner lowercased, type, class, TTL, RDATA).

One normalisation, applied to both sides: on a positive authoritative answer,
NSD (minimal-responses: no, its default) adds the apex NS RRset to the
authority section and the addresses of those servers to the additional
section. That is optional (RFC 2181 §9, RFC 1034 §4.3.2), so the apex NS in
authority, and additional addresses that no NS/MX/SRV of the answer refers
to, are dropped before comparing. Referrals, negative answers and the
additional addresses of NS/MX/SRV targets are compared in full.

There is no skip: if NSD or hearthd cannot start, the tests fail.

Validating the harness without hearthd: DNS_DIFF_SUBJECT=knot (or nsd)
compares NSD with Knot (or with a second NSD) instead of hearthd.
"""
import os
import random

import dns.flags
import dns.name
import dns.rcode
import dns.rdatatype
import pytest

from dns_helpers import (DATA_DIR, NSD, ZONE, ZONE_FILE, HearthDNS, Knot,
                         ask, diff_responses, make_query)

QUERY_FILE = DATA_DIR / "diff_queries.txt"
SUBJECT = os.environ.get("DNS_DIFF_SUBJECT", "hearth")
APEX = dns.name.from_text(ZONE)


def load_queries(path=QUERY_FILE):
    """[(lineno, qname, qtype, opts dict)] from the query file."""
    out = []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        qname, qtype, rest = words[0], words[1], words[2:]
        opts = {"proto": "udp", "edns": 0, "payload": 1232, "case": False,
                "rd": False, "addsubset": False}
        for w in rest:
            if w in ("udp", "tcp"):
                opts["proto"] = w
            elif w == "noedns":
                opts["edns"] = None
            elif w.startswith("edns="):
                opts["edns"], opts["payload"] = 0, int(w[5:])
            elif w == "case":
                opts["case"] = True
            elif w == "rd":
                opts["rd"] = True
            elif w == "addsubset":
                opts["addsubset"] = True
            else:
                raise ValueError(f"{path}:{lineno}: unknown option {w!r}")
        dns.rdatatype.from_text(qtype)  # fail early on a typo
        out.append((lineno, qname, qtype, opts))
    return out


QUERIES = load_queries()


def query_id(q):
    lineno, qname, qtype, o = q
    edns = "noedns" if o["edns"] is None else f"edns{o['payload']}"
    extra = "".join(f"-{k}" for k in ("case", "rd", "addsubset") if o[k])
    return f"L{lineno}-{qname}-{qtype}-{o['proto']}-{edns}{extra}"


def build_query(q):
    lineno, qname, qtype, o = q
    rng = random.Random(lineno) if o["case"] else None
    return make_query(qname, qtype, edns=o["edns"], payload=o["payload"],
                      rd=o["rd"], case=rng)


def strip_optional(msg):
    """Drops what NSD adds to positive answers and hearth need not: the apex
    NS RRset in authority and additional RRsets no answer NS/MX/SRV names."""
    if (msg.rcode() != dns.rcode.NOERROR or not msg.answer
            or not msg.flags & dns.flags.AA):
        return msg
    msg.authority = [r for r in msg.authority
                     if not (r.rdtype == dns.rdatatype.NS and r.name == APEX)]
    targets = set()
    for rrset in msg.answer + msg.authority:
        for rd in rrset:
            if rrset.rdtype in (dns.rdatatype.NS, dns.rdatatype.MX,
                                dns.rdatatype.SRV):
                t = rd.target if rrset.rdtype != dns.rdatatype.MX else rd.exchange
                targets.add(t)
    msg.additional = [r for r in msg.additional if r.name in targets]
    return msg


def _rrs(section):
    return {(r.name.to_text().lower(), r.rdtype, r.ttl, rd.to_text().lower())
            for r in section for rd in r}


def check_additional_subset(query, anchor, responses):
    """When the additional section cannot hold everything, which records
    a server keeps is its own choice: each one's additional section must be
    a subset of the complete one (the anchor's answer over TCP)."""
    full = _rrs(ask(query, anchor.host, anchor.port, "tcp").additional)
    report = []
    for n, r in responses.items():
        extra = _rrs(r.additional) - full
        if extra:
            report.append(f"  {n}: additional records not in the complete "
                          f"additional section: {sorted(extra)}")
    return "\n".join(report) + ("\n" if report else "")


# ---- servers (one of each for the whole module) ----

def _start_subject(tmp):
    if SUBJECT == "hearth":
        return HearthDNS(tmp, ipv6=False).start()
    if SUBJECT == "knot":
        return Knot(tmp, [(ZONE, ZONE_FILE)]).start()
    if SUBJECT == "nsd":
        return NSD(tmp, [(ZONE, ZONE_FILE)]).start()
    raise ValueError(f"DNS_DIFF_SUBJECT={SUBJECT!r}: hearth, knot or nsd")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    anchor = NSD(tmp_path_factory.mktemp("nsd"), [(ZONE, ZONE_FILE)])
    anchor.start()  # raises (fails the tests) if NSD cannot start
    subject = None
    try:
        subject = _start_subject(tmp_path_factory.mktemp(SUBJECT))
        yield anchor, subject
    finally:
        problems = []
        if subject is not None:
            p = subject.stop()
            if isinstance(p, list):
                problems += p
        anchor.stop()
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)


# ---- the comparison ----

@pytest.mark.parametrize("q", QUERIES, ids=[query_id(q) for q in QUERIES])
def test_same_answer_as_nsd(servers, q):
    anchor, subject = servers
    _lineno, qname, qtype, o = q
    query = build_query(q)
    sent = query.question[0].name.to_text()
    got = {}
    for srv in (anchor, subject):
        assert srv.alive(), f"{srv.name} is not running:\n{srv.log()}"
        try:
            got[srv.name] = ask(query, srv.host, srv.port, o["proto"])
        except Exception as e:
            pytest.fail(f"{srv.name}: no valid response to {qname} {qtype} "
                        f"over {o['proto']}: {e!r}", pytrace=False)
    a, b = got[anchor.name], got[subject.name]
    name_b = subject.name if subject.name != anchor.name else "nsd2"

    # The question comes back exactly as sent (0x20 case included).
    for n, r in ((anchor.name, a), (name_b, b)):
        assert len(r.question) == 1, f"{n}: question section {r.question}"
        assert r.question[0].name.to_text() == sent, \
            f"{n}: question {r.question[0].name} != sent {sent}"

    if qtype == "ANY":
        report = diff_responses(a, b, anchor.name, name_b, sections=False)
        if bool(a.answer) != bool(b.answer):
            report += (f"\n  answer non-empty: {anchor.name}={bool(a.answer)}"
                       f" {name_b}={bool(b.answer)}")
    else:
        a, b = strip_optional(a), strip_optional(b)
        report = ""
        if o["addsubset"]:
            report = check_additional_subset(query, anchor, {anchor.name: a,
                                                             name_b: b})
            a.additional, b.additional = [], []
        report += diff_responses(a, b, anchor.name, name_b)
    if report:
        pytest.fail(f"{qname} {qtype} over {o['proto']} "
                    f"({query_id(q)}): responses differ\n{report}\n"
                    f"--- {anchor.name}:\n{a}\n--- {name_b}:\n{b}",
                    pytrace=False)


def test_query_set_covers_enough():
    """The query set stays broad: ≥ 60 queries, both transports, every
    payload case, and every record type the zone holds."""
    assert len(QUERIES) >= 60
    protos = {o["proto"] for *_x, o in QUERIES}
    assert protos == {"udp", "tcp"}
    assert any(o["edns"] is None for *_x, o in QUERIES)
    assert any(o["case"] for *_x, o in QUERIES)
    types = {t for _l, _n, t, _o in QUERIES}
    for t in ("SOA", "NS", "A", "AAAA", "CNAME", "MX", "TXT", "SRV", "PTR",
              "CAA", "TYPE65280", "ANY"):
        assert t in types, t
