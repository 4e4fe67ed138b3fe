# SPDX-License-Identifier: MIT
"""The dns room's PowerDNS-compatible HTTP API, against PowerDNS itself.

PowerDNS Authoritative (pdns_server, gsqlite3 backend; the anchor) and hearthd
each get a fresh state; the same API script (spec §14 items 1-11, plus
statistics, search-data and export) runs against both, and every step must
agree on the status code and the JSON shape (keys and value types); values
are compared where they are deterministic, error messages where hearth uses
PowerDNS's wording. Then hearth alone: a PATCH is answered by its DNS at once,
bumps the serial and survives a restart; lego-like and Terraform-like call
sequences (spec §10) run against both servers; malformed bodies get 400/422
with a JSON error, never a crash.

There is no skip: if pdns_server or hearthd cannot start, the tests fail.
Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/integration
"""
import datetime
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
import requests

from helpers import API_KEY, free_port, sanitizer_report

DATA = Path(__file__).resolve().parent / "data" / "pdns"
PDNS_BIN = (os.environ.get("PDNS_SERVER") or shutil.which("pdns_server")
            or "/usr/sbin/pdns_server")
PDNS_SCHEMA = Path("/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql")
READY_TIMEOUT = 20.0
Z = "/api/v1/servers/localhost/zones"


# ---- clients and servers ----

class Resp:
    def __init__(self, r):
        self.status = r.status_code
        self.headers = r.headers
        self.content = r.content
        self.text = r.text
        try:
            self.json = r.json() if r.content else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<{self.status} {self.text[:300]!r}>"


class Api:
    """A PowerDNS API client the way the target clients call it."""

    def __init__(self, base, key=API_KEY, kind="?"):
        self.base = base
        self.key = key
        self.kind = kind
        self.session = requests.Session()
        self.session.trust_env = False  # never a proxy for loopback

    def call(self, method, path, body=None, params=None, key=True, data=None,
             accept="application/json", url=None):
        headers = {"Accept": accept}
        if key:
            headers["X-API-Key"] = self.key if key is True else key
        if body is not None:
            data = json.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        r = self.session.request(method, url or (self.base + path), data=data,
                                 params=params, headers=headers, timeout=10)
        return Resp(r)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)


def free_dns_port(attempts=50):
    """A port free for UDP and TCP on 127.0.0.1 at the moment of the probe."""
    for _ in range(attempts):
        port = free_port()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free DNS port on loopback")


class Pdns:
    """pdns_server in the foreground from a private dir, stopped by PID."""

    def __init__(self, tmp):
        self.dir = Path(tmp) / "pdns"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = None
        self.log = self.dir / "pdns.log"

    def start(self):
        if not os.path.exists(PDNS_BIN):
            pytest.fail(f"pdns_server not found ({PDNS_BIN}); run "
                        "scripts/install-deps.sh", pytrace=False)
        db = self.dir / "pdns.sqlite3"
        if not db.exists():
            con = sqlite3.connect(db)
            con.executescript(PDNS_SCHEMA.read_text())
            con.close()
        for _attempt in range(3):
            self.api_port, self.dns_port = free_port(), free_dns_port()
            conf = (DATA / "pdns.conf.in").read_text()
            for k, v in (("@DIR@", str(self.dir)),
                         ("@API_PORT@", str(self.api_port)),
                         ("@DNS_PORT@", str(self.dns_port)),
                         ("@API_KEY@", API_KEY)):
                conf = conf.replace(k, v)
            (self.dir / "pdns.conf").write_text(conf)
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    [PDNS_BIN, f"--config-dir={self.dir}"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    cwd=self.dir, start_new_session=True)
            api = Api(f"http://127.0.0.1:{self.api_port}", kind="pdns")
            deadline = time.monotonic() + READY_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if api.get("/api/v1/servers").status == 200:
                        return api
                except requests.RequestException:
                    pass
                time.sleep(0.1)
            self.stop()
        pytest.fail(f"pdns_server did not start:\n{self.log.read_text()}",
                    pytrace=False)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def hearth_config(tmp, dns_port, zones=()):
    zs = "".join(f"\n    - name: {n}\n      file: {json.dumps(str(f))}"
                 for n, f in zones)
    return (f"state_dir: {json.dumps(str(Path(tmp) / 'hearth-state'))}\n"
            "http:\n  listen: 127.0.0.1:@PORT@\n"
            f"  api_key: {API_KEY}\n"
            "dns:\n"
            f"  listen: [\"127.0.0.1:{dns_port}\"]\n"
            f"  zones:{zs if zs else ' []'}\n"
            "  upstream: []\n")


def start_hearth(factory, tmp, zones=()):
    last = None
    for _ in range(3):
        port = free_dns_port()
        try:
            d = factory(hearth_config(tmp, port, zones))
        except AssertionError as e:  # the DNS port was taken meanwhile
            last = e
            continue
        api = Api(d.url, kind="hearth")
        api.daemon = d
        api.dns_port = port
        return api
    raise last


@pytest.fixture
def pdns(tmp_path):
    p = Pdns(tmp_path)
    api = p.start()
    yield api
    p.stop()


@pytest.fixture
def hearth(hearthd_factory, tmp_path):
    return start_hearth(hearthd_factory, tmp_path)


@pytest.fixture(params=["pdns", "hearth"])
def server(request, tmp_path):
    if request.param == "pdns":
        return request.getfixturevalue("pdns")
    return request.getfixturevalue("hearth")


def ask(api, qname, qtype):
    q = dns.message.make_query(qname, qtype)
    q.flags &= ~dns.flags.RD
    for attempt in range(3):
        try:
            return dns.query.udp(q, "127.0.0.1", port=api.dns_port, timeout=3)
        except dns.exception.Timeout:
            if attempt == 2:
                raise


# ---- comparing ----

def canon(v):
    """Order-insensitive form of a JSON value, without what depends on the
    clock (modified_at) or the implementation's version string."""
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()
                if k not in ("modified_at", "version")}
    if isinstance(v, list):
        return sorted((canon(x) for x in v),
                      key=lambda x: json.dumps(x, sort_keys=True))
    return v


def shape(v):
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        shapes = {json.dumps(shape(x), sort_keys=True) for x in v}
        return sorted(shapes)
    return type(v).__name__


def today_serial(n=1):
    return int(datetime.datetime.now().strftime("%Y%m%d")) * 100 + n


# What each step compares: "value" (status + canonical JSON), "message"
# (status + shape + the error text), "shape" (status + shape), "status".
TF_ZONE = {"id": "", "name": "example.com.", "url": "", "kind": "Native",
           "dnsssec": False, "serial": 0, "account": "admin",
           "nameservers": ["ns1.example.com.", "ns2.example.com."],
           "soa_edit_api": ""}


def rr(name, typ, ttl, *contents, ct="REPLACE", **extra):
    d = {"name": name, "type": typ, "changetype": ct, "ttl": ttl,
         "records": [{"content": c, "disabled": False} for c in contents]}
    d.update(extra)
    return d


def patch(*rrsets):
    return {"rrsets": list(rrsets)}


SCRIPT = [
    # 1. discovery, with and without the key
    ("api", "GET", "/api", None, {}, "value"),
    ("api without key", "GET", "/api", None, {"key": False}, "shape"),
    ("api/v1", "GET", "/api/v1", None, {}, "value"),
    ("servers", "GET", "/api/v1/servers", None, {}, "value"),
    ("servers with a wrong key", "GET", "/api/v1/servers", None,
     {"key": "wrong"}, "shape"),
    ("localhost", "GET", "/api/v1/servers/localhost", None, {}, "value"),
    ("localhost without key", "GET", "/api/v1/servers/localhost", None,
     {"key": False}, "shape"),
    ("other server", "GET", "/api/v1/servers/other/zones", None, {},
     "message"),
    # 2. create with nameservers; again: 409
    ("create terraform-style", "POST", Z, TF_ZONE, {}, "value"),
    ("create again", "POST", Z, TF_ZONE, {}, "message"),
    ("create with soa_edit_api DEFAULT", "POST", Z,
     {"name": "example.org.", "kind": "Native",
      "nameservers": ["ns1.example.org."]}, {}, "value"),
    ("create uppercase", "POST", Z,
     {"name": "UPPER.Example.", "kind": "master", "masters": []}, {},
     "value"),
    # 3. not canonical
    ("create without dot", "POST", Z,
     {"name": "example.net", "kind": "Native"}, {}, "message"),
    ("create without kind", "POST", Z, {"name": "x.example."}, {},
     "message"),
    ("create nameservers not a list", "POST", Z,
     {"name": "x.example.", "kind": "Native", "nameservers": "a"}, {},
     "message"),
    ("create nameserver not canonical", "POST", Z,
     {"name": "x.example.", "kind": "Native", "nameservers": ["ns"]}, {},
     "message"),
    ("create empty nameserver", "POST", Z,
     {"name": "x.example.", "kind": "Native", "nameservers": [""]}, {},
     "message"),
    ("create without name", "POST", Z, {"kind": "Native"}, {}, "message"),
    # 4. zone ids with and without the dot; unknown zone
    ("get without dot", "GET", Z + "/example.com", None, {}, "value"),
    ("get with dot", "GET", Z + "/example.com.", None, {}, "value"),
    ("get unknown", "GET", Z + "/nope.example.", None, {}, "message"),
    ("get rrsets=false", "GET", Z + "/example.org.", None,
     {"params": {"rrsets": "false"}}, "value"),
    ("get rrsets=x", "GET", Z + "/example.org.", None,
     {"params": {"rrsets": "x"}}, "message"),
    ("list", "GET", Z, None, {}, "value"),
    ("list one", "GET", Z, None, {"params": {"zone": "example.org."}},
     "value"),
    ("list absent", "GET", Z, None, {"params": {"zone": "nothere."}},
     "value"),
    ("list dnssec=false", "GET", Z, None, {"params": {"dnssec": "false"}},
     "value"),
    # 5. PATCH REPLACE; CNAME beside it conflicts
    ("replace A (terraform body)", "PATCH", Z + "/example.org.",
     patch({"name": "www.example.org.", "type": "A", "changetype": "REPLACE",
            "ttl": 300,
            "records": [{"name": "www.example.org.", "type": "A",
                         "content": "192.0.2.11", "ttl": 300,
                         "disabled": False, "set-ptr": False}]}), {},
     "value"),
    ("get after replace", "GET", Z + "/example.org", None, {}, "value"),
    ("replace CNAME beside A", "PATCH", Z + "/example.org.",
     patch(rr("www.example.org.", "CNAME", 300, "web.example.org.")), {},
     "message"),
    ("replace CNAME at apex", "PATCH", Z + "/example.org.",
     patch(rr("example.org.", "CNAME", 300, "web.example.org.")), {},
     "message"),
    # 6. targets need the trailing dot
    ("CNAME without dot", "PATCH", Z + "/example.org.",
     patch(rr("c.example.org.", "CNAME", 300, "foo.example.org")), {},
     "message"),
    ("MX without dot", "PATCH", Z + "/example.org.",
     patch(rr("mx.example.org.", "MX", 300, "10 mail.example.org")), {},
     "message"),
    ("TXT unquoted", "PATCH", Z + "/example.org.",
     patch(rr("t.example.org.", "TXT", 300, "hello")), {}, "message"),
    ("A not an address", "PATCH", Z + "/example.org.",
     patch(rr("a.example.org.", "A", 300, "192.0.2")), {}, "status"),
    # 7. DELETE with ttl 0 and no records; of nothing
    ("delete (terraform body)", "PATCH", Z + "/example.org.",
     patch({"name": "www.example.org.", "type": "A", "changetype": "DELETE",
            "ttl": 0}), {}, "value"),
    ("delete nothing", "PATCH", Z + "/example.org.",
     patch({"name": "nothing.example.org.", "type": "A",
            "changetype": "DELETE", "ttl": 0}), {}, "value"),
    ("get after delete", "GET", Z + "/example.org.", None, {}, "value"),
    # 8. out of zone
    ("replace out of zone", "PATCH", Z + "/example.org.",
     patch(rr("www.example.com.", "A", 300, "192.0.2.1")), {}, "message"),
    # RRset validation
    ("several types, comments, case", "PATCH", Z + "/example.org.",
     patch(rr("txt.example.org.", "TXT", 60, '"hello world"', '"a" "b"',
              comments=[{"content": "c1", "account": "me"}]),
           rr("mx.example.org.", "MX", 60, "10 mail.example.org."),
           rr("v6.example.org.", "AAAA", 60, "2001:DB8::1"),
           rr("Up.Example.Org.", "a", 60, "10.0.0.1", ct="replace"),
           rr("srv._tcp.example.org.", "SRV", 60, "0 5 5060 sip.example.org."),
           rr("caa.example.org.", "CAA", 60, '0 issue "letsencrypt.org"'),
           rr("*.wild.example.org.", "A", 60, "192.0.2.80")), {}, "value"),
    ("get everything", "GET", Z + "/example.org.", None, {}, "value"),
    ("get one rrset", "GET", Z + "/example.org.", None,
     {"params": {"rrset_name": "txt.example.org.", "rrset_type": "TXT"}},
     "value"),
    ("comments only", "PATCH", Z + "/example.org.",
     patch({"name": "mx.example.org.", "type": "MX", "changetype": "REPLACE",
            "comments": [{"content": "mail", "account": ""}]}), {}, "value"),
    # PowerDNS 4.7 also lists other RRsets' comments here (as comment-only
    # RRsets, "records": []), which hearth does not: status only.
    ("get comments", "GET", Z + "/example.org.", None,
     {"params": {"rrset_name": "mx.example.org."}}, "status"),
    ("TXT with two blanks", "PATCH", Z + "/example.org.",
     patch(rr("txt2.example.org.", "TXT", 60, '"a"  "b"')), {}, "message"),
    ("duplicate rrset", "PATCH", Z + "/example.org.",
     patch(rr("d.example.org.", "A", 5, "192.0.2.1"),
           rr("d.example.org.", "A", 5, "192.0.2.2")), {}, "message"),
    ("duplicate record", "PATCH", Z + "/example.org.",
     patch(rr("d.example.org.", "A", 5, "192.0.2.1", "192.0.2.1")), {},
     "message"),
    ("two CNAME records", "PATCH", Z + "/example.org.",
     patch(rr("d.example.org.", "CNAME", 5, "a.example.org.",
              "b.example.org.")), {}, "message"),
    ("SOA below the apex", "PATCH", Z + "/example.org.",
     patch(rr("d.example.org.", "SOA", 5,
              "ns.example.org. h.example.org. 1 2 3 4 5")), {}, "status"),
    ("no ttl", "PATCH", Z + "/example.org.",
     patch({"name": "d.example.org.", "type": "A", "changetype": "REPLACE",
            "records": [{"content": "192.0.2.1"}]}), {}, "message"),
    ("ttl as a string", "PATCH", Z + "/example.org.",
     patch(rr("d.example.org.", "A", "5", "192.0.2.1")), {}, "value"),
    ("no change", "PATCH", Z + "/example.org.",
     patch({"name": "d.example.org.", "type": "A", "changetype": "REPLACE",
            "ttl": 5}), {}, "message"),
    ("unknown type", "PATCH", Z + "/example.org.",
     patch(rr("d.example.org.", "FOO", 5, "1")), {}, "message"),
    ("bad changetype", "PATCH", Z + "/example.org.",
     patch(rr("d.example.org.", "A", 5, "192.0.2.1", ct="UPSERT")), {},
     "message"),
    ("name not canonical", "PATCH", Z + "/example.org.",
     patch(rr("d.example.org", "A", 5, "192.0.2.1")), {}, "message"),
    ("no name", "PATCH", Z + "/example.org.",
     patch({"type": "A", "changetype": "REPLACE", "ttl": 5,
            "records": [{"content": "192.0.2.1"}]}), {}, "message"),
    ("no content", "PATCH", Z + "/example.org.",
     patch({"name": "d.example.org.", "type": "A", "changetype": "REPLACE",
            "ttl": 5, "records": [{"disabled": False}]}), {}, "message"),
    ("no rrsets", "PATCH", Z + "/example.org.", {"rrset": []}, {},
     "message"),
    ("rrsets not a list", "PATCH", Z + "/example.org.", {"rrsets": 5}, {},
     "message"),
    ("not JSON", "PATCH", Z + "/example.org.", None, {"data": '{"rrsets":['},
     "shape"),
    ("empty body", "PATCH", Z + "/example.org.", None, {"data": ""},
     "shape"),
    ("patch unknown zone", "PATCH", Z + "/nope.example.",
     patch(rr("nope.example.", "A", 5, "192.0.2.1")), {}, "message"),
    ("get after failures", "GET", Z + "/example.org.", None, {}, "value"),
    # 9. PUT settings
    ("put kind and account", "PUT", Z + "/example.com.",
     {"name": "example.com.", "kind": "Master",
      "soa_edit_api": "INCEPTION-INCREMENT", "account": "admin"}, {},
     "value"),
    ("get after put", "GET", Z + "/example.com.", None, {}, "value"),
    ("put unknown zone", "PUT", Z + "/nope.example.", {"kind": "Master"},
     {}, "message"),
    # 10. secondary zone; notify, axfr-retrieve, rectify
    ("create secondary", "POST", Z,
     {"name": "sec.example.", "kind": "Slave", "masters": ["192.0.2.1"]},
     {}, "value"),
    ("axfr-retrieve", "PUT", Z + "/sec.example./axfr-retrieve", None, {},
     "value"),
    ("axfr-retrieve of a primary", "PUT",
     Z + "/example.org./axfr-retrieve", None, {}, "message"),
    ("notify", "PUT", Z + "/example.com./notify", None, {}, "value"),
    ("notify secondary", "PUT", Z + "/sec.example./notify", None, {},
     "value"),
    ("notify unknown", "PUT", Z + "/nope.example./notify", None, {},
     "message"),
    ("rectify", "PUT", Z + "/example.org./rectify", None, {}, "value"),
    # 11. delete
    ("delete secondary", "DELETE", Z + "/sec.example.", None, {}, "value"),
    ("get deleted", "GET", Z + "/sec.example.", None, {}, "message"),
    ("delete again", "DELETE", Z + "/sec.example.", None, {}, "message"),
    # zone ids with =XX escapes
    ("create RFC 2317 zone", "POST", Z,
     {"name": "0/26.2.0.192.in-addr.arpa.", "kind": "Native"}, {}, "value"),
    ("get by escaped id", "GET", Z + "/0=2F26.2.0.192.in-addr.arpa.", None,
     {}, "value"),
    ("bad escape", "GET", Z + "/ex=ZZample.org.", None, {}, "message"),
    ("delete by escaped id", "DELETE", Z + "/0=2F26.2.0.192.in-addr.arpa",
     None, {}, "value"),
    ("wrong method", "POST", Z + "/example.org.", None, {}, "message"),
    # export, search-data, statistics
    ("export as JSON", "GET", Z + "/example.org./export", None, {}, "value"),
    ("search zones", "GET", "/api/v1/servers/localhost/search-data", None,
     {"params": {"q": "*example*", "object_type": "zone"}}, "value"),
    ("search a record", "GET", "/api/v1/servers/localhost/search-data",
     None, {"params": {"q": "10.0.0.1", "object_type": "record"}}, "value"),
    ("search a comment", "GET", "/api/v1/servers/localhost/search-data",
     None, {"params": {"q": "c1"}}, "value"),
    ("search all", "GET", "/api/v1/servers/localhost/search-data", None,
     {"params": {"q": "up.example.org", "max": "100"}}, "value"),
    ("search blank", "GET", "/api/v1/servers/localhost/search-data", None,
     {"params": {"q": ""}}, "message"),
    ("search max 0", "GET", "/api/v1/servers/localhost/search-data", None,
     {"params": {"q": "x", "max": "0"}}, "message"),
    ("search bad object_type", "GET",
     "/api/v1/servers/localhost/search-data", None,
     {"params": {"q": "x", "object_type": "foo"}}, "message"),
    ("statistic uptime", "GET", "/api/v1/servers/localhost/statistics",
     None, {"params": {"statistic": "uptime"}}, "shape"),
    ("statistic unknown", "GET", "/api/v1/servers/localhost/statistics",
     None, {"params": {"statistic": "nope"}}, "message"),
    ("statistics", "GET", "/api/v1/servers/localhost/statistics", None, {},
     "stats"),
]


def run_script(api):
    out = {}
    for name, method, path, body, kw, _mode in SCRIPT:
        out[name] = api.call(method, path, body=body, **kw)
    return out


def compare_step(name, mode, a, b):
    """Differences between PowerDNS's answer @a and hearth's @b."""
    errs = []
    if a.status != b.status:
        return [f"{name}: status pdns={a.status} hearth={b.status} "
                f"(pdns {a.text[:200]!r}, hearth {b.text[:200]!r})"]
    if a.status == 204:
        for who, r in (("pdns", a), ("hearth", b)):
            if r.content:
                errs.append(f"{name}: {who} 204 with a body")
        if "Content-Type" in b.headers:
            errs.append(f"{name}: hearth 204 with a Content-Type")
        return errs
    if mode == "status":
        return errs
    if (a.json is None) != (b.json is None):
        return [f"{name}: JSON pdns={a.text[:200]!r} hearth={b.text[:200]!r}"]
    if mode == "stats":
        return compare_stats(name, a.json, b.json)
    if shape(a.json) != shape(b.json) and mode != "value":
        errs.append(f"{name}: shape differs\n  pdns   {shape(a.json)}\n"
                    f"  hearth {shape(b.json)}")
    if mode == "value" and canon(a.json) != canon(b.json):
        errs.append(f"{name}: value differs\n  pdns   {canon(a.json)}\n"
                    f"  hearth {canon(b.json)}")
    if mode == "message" and a.json.get("error") != b.json.get("error"):
        errs.append(f"{name}: message pdns={a.json.get('error')!r} "
                    f"hearth={b.json.get('error')!r}")
    return errs


def compare_stats(name, a, b):
    errs = []
    for who, items in (("pdns", a), ("hearth", b)):
        if not isinstance(items, list) or not items:
            errs.append(f"{name}: {who} not a non-empty list")
            continue
        for it in items:
            if not {"type", "name", "value"} <= set(it):
                errs.append(f"{name}: {who} item {it}")
            elif it["type"] == "StatisticItem" and not isinstance(
                    it["value"], str):
                errs.append(f"{name}: {who} value not a string: {it}")
            elif it["type"] == "MapStatisticItem" and not all(
                    isinstance(v["value"], str) for v in it["value"]):
                errs.append(f"{name}: {who} map values: {it}")
    kinds = lambda items: {(i["type"], i["name"]) for i in items}  # noqa
    for item in (("StatisticItem", "uptime"),
                 ("StatisticItem", "udp-queries"),
                 ("StatisticItem", "tcp-queries"),
                 ("StatisticItem", "corrupt-packets"),
                 ("StatisticItem", "servfail-packets"),
                 ("MapStatisticItem", "response-by-qtype"),
                 ("MapStatisticItem", "response-by-rcode")):
        for who, items in (("pdns", a), ("hearth", b)):
            if item not in kinds(items):
                errs.append(f"{name}: {who} lacks {item}")
    return errs


# ---- (a) the same script against PowerDNS and hearth ----

def test_conformance_with_powerdns(pdns, hearth):
    a = run_script(pdns)
    b = run_script(hearth)
    errs = []
    for name, _m, _p, _b, _kw, mode in SCRIPT:
        errs += compare_step(name, mode, a[name], b[name])
    # Spec §14 item 4: the id with and without the dot is the same zone.
    assert b["get without dot"].json == b["get with dot"].json
    # 401 carries WWW-Authenticate and a JSON error, on both.
    for r in (a["api without key"], b["api without key"],
              b["localhost without key"], b["servers with a wrong key"]):
        assert r.status == 401
        assert r.headers.get("WWW-Authenticate", "").startswith("X-API-Key")
        assert isinstance(r.json["error"], str)
    # Created "today" with SOA-EDIT-API DEFAULT: serial YYYYMMDD01.
    created = b["create with soa_edit_api DEFAULT"].json
    assert created["serial"] == today_serial(1), created
    assert created["url"].startswith("/api/v1/")
    assert b["create RFC 2317 zone"].json["id"] == \
        "0=2F26.2.0.192.in-addr.arpa."
    assert not errs, "hearth differs from PowerDNS:\n" + "\n".join(errs)


def test_export_text_matches_powerdns(pdns, hearth):
    for api in (pdns, hearth):
        assert api.call("POST", Z, {"name": "exp.example.", "kind": "Native",
                                    "soa_edit_api": "",
                                    "nameservers": ["ns.exp.example."]}
                        ).status == 201
        assert api.call("PATCH", Z + "/exp.example.", patch(
            rr("exp.example.", "MX", 300, "10 mx.exp.example."),
            rr("b.exp.example.", "TXT", 60, '"x y"', '"z"'),
            rr("a.exp.example.", "A", 60, "192.0.2.1", "192.0.2.2"))
        ).status == 204
    texts = [api.get(Z + "/exp.example./export", accept="text/plain")
             for api in (pdns, hearth)]
    assert texts[1].status == 200
    assert texts[1].headers["Content-Type"].startswith("text/plain")
    lines = [sorted(t.text.strip("\n").split("\n")) for t in texts]
    assert lines[0] == lines[1]


# ---- (b) changes reach DNS at once, bump the serial, survive a restart ----

def soa_serial(api, zone):
    r = ask(api, zone, "SOA")
    assert r.rcode() == dns.rcode.NOERROR, r
    return r.answer[0][0].serial


def test_patch_is_served_at_once_and_survives_restart(hearthd_factory,
                                                      tmp_path):
    api = start_hearth(hearthd_factory, tmp_path)
    assert api.call("POST", Z, {"name": "live.example.", "kind": "Native",
                                "nameservers": ["ns1.live.example."]}
                    ).status == 201
    s0 = soa_serial(api, "live.example.")
    assert s0 == today_serial(1)

    r = api.call("PATCH", Z + "/live.example", patch(
        rr("www.live.example.", "A", 120, "192.0.2.7", "192.0.2.8"),
        rr("live.example.", "MX", 300, "10 mail.live.example.")))
    assert r.status == 204, r
    a = ask(api, "www.live.example.", "A")
    assert a.rcode() == dns.rcode.NOERROR and a.flags & dns.flags.AA
    assert sorted(x.address for x in a.answer[0]) == ["192.0.2.7",
                                                      "192.0.2.8"]
    assert a.answer[0].ttl == 120
    s1 = soa_serial(api, "live.example.")
    assert s1 == s0 + 1
    assert api.get(Z + "/live.example.").json["serial"] == s1

    # A request with an error changes nothing, not even the serial.
    r = api.call("PATCH", Z + "/live.example.", patch(
        rr("new.live.example.", "A", 60, "192.0.2.9"),
        rr("bad.live.example.", "CNAME", 60, "no-dot.example")))
    assert r.status == 422, r
    assert ask(api, "new.live.example.", "A").rcode() == dns.rcode.NXDOMAIN
    assert soa_serial(api, "live.example.") == s1

    r = api.call("PATCH", Z + "/live.example.", patch(
        {"name": "www.live.example.", "type": "A", "changetype": "DELETE"},
        rr("txt.live.example.", "TXT", 60, '"kept"')))
    assert r.status == 204, r
    assert ask(api, "www.live.example.", "A").rcode() == dns.rcode.NXDOMAIN
    s2 = soa_serial(api, "live.example.")
    assert s2 == s1 + 1
    before = api.get(Z + "/live.example.").json

    d = api.daemon
    assert d.stop() == 0
    hearthd_factory.restart(d)
    after = api.get(Z + "/live.example.").json
    assert after == before
    assert soa_serial(api, "live.example.") == s2
    t = ask(api, "txt.live.example.", "TXT")
    assert t.answer[0][0].strings == (b"kept",)
    # EXTEND / PRUNE (PowerDNS 5.0.2+): one record in, one record out.
    assert api.call("PATCH", Z + "/live.example.", patch(
        rr("txt.live.example.", "TXT", 60, '"more"', ct="EXTEND"))
    ).status == 204
    assert api.call("PATCH", Z + "/live.example.", patch(
        rr("txt.live.example.", "TXT", 60, '"kept"', ct="PRUNE"))
    ).status == 204
    t = ask(api, "txt.live.example.", "TXT")
    assert [x.strings for x in t.answer[0]] == [(b"more",)]
    assert soa_serial(api, "live.example.") == s2 + 2


def test_file_zone_is_editable(hearthd_factory, tmp_path):
    zone = tmp_path / "file.example.zone"
    zone.write_text((DATA / "file.example.zone").read_text())
    api = start_hearth_with_zone(hearthd_factory, tmp_path, zone)
    z = api.get(Z + "/file.example.").json
    assert z["serial"] == 2024010101
    r = api.call("PATCH", Z + "/file.example.", patch(
        rr("api.file.example.", "AAAA", 60, "2001:db8::53")))
    assert r.status == 204, r
    a = ask(api, "api.file.example.", "AAAA")
    assert a.answer[0][0].address == "2001:db8::53"
    assert soa_serial(api, "file.example.") == today_serial(1)


def start_hearth_with_zone(factory, tmp, zone):
    for _ in range(3):
        port = free_dns_port()
        try:
            d = factory(hearth_config(tmp, port, [("file.example", zone)]))
        except AssertionError:
            continue
        api = Api(d.url, kind="hearth")
        api.daemon, api.dns_port = d, port
        return api
    pytest.fail("hearthd did not start")


# ---- (c) client call sequences (spec §10), on both servers ----

def test_lego_sequence(server):
    api = server
    assert api.call("POST", Z, {"name": "acme.example.", "kind": "Master",
                                "nameservers": ["ns.acme.example."]}
                    ).status == 201
    # 1. version detection: the highest version wins.
    versions = api.get("/api").json
    best = max(versions, key=lambda v: v["version"])
    assert best == {"version": 1, "url": "/api/v1"}
    # 2. the auth zone, by name with the dot.
    r = api.get(best["url"] + "/servers/localhost/zones/acme.example.")
    assert r.status == 200
    zone = r.json
    assert zone["url"].startswith("/api/v1/")
    # 3. present: REPLACE the challenge TXT at Host + zone.url.
    fqdn = "_acme-challenge.www.acme.example."
    body = patch({"name": fqdn, "type": "TXT", "ttl": 120,
                  "changetype": "REPLACE",
                  "records": [{"content": '"tok-123"', "disabled": False}]})
    r = api.call("PATCH", None, body, url=api.base + zone["url"])
    assert 200 <= r.status < 300, r
    assert not (r.json or {}).get("error")
    # 4. Master zone: notify.
    if zone["kind"] in ("Master", "Slave"):
        r = api.call("PUT", None, url=api.base + zone["url"] + "/notify")
        assert 200 <= r.status < 300 and r.json["result"], r
    got = api.get(zone["url"], params={"rrset_name": fqdn}).json["rrsets"]
    assert [x["records"][0]["content"] for x in got] == ['"tok-123"']
    if api.kind == "hearth":
        t = ask(api, fqdn, "TXT")
        assert t.answer[0][0].strings == (b"tok-123",)
    # cleanup
    body = patch({"name": fqdn, "type": "TXT", "ttl": 120,
                  "changetype": "DELETE", "records": []})
    r = api.call("PATCH", None, body, url=api.base + zone["url"])
    assert 200 <= r.status < 300, r
    rrsets = api.get(zone["url"]).json["rrsets"]
    assert not [x for x in rrsets if x["name"] == fqdn]
    if api.kind == "hearth":
        assert ask(api, fqdn, "TXT").rcode() == dns.rcode.NXDOMAIN


def tf_read_zone(api, zid):
    r = api.get(Z + "/" + zid)
    assert r.status == 200, r
    z = r.json
    state = {k: z[k] for k in ("name", "kind", "account", "soa_edit_api",
                               "masters")}
    if z["kind"] != "Slave":
        z2 = api.get(Z + "/" + z["name"]).json
        state["nameservers"] = sorted(
            rec["content"] for s in z2["rrsets"]
            if s["name"] == z["name"] and s["type"] == "NS"
            for rec in s["records"])
    return state


def tf_read_record(api, zone, name, typ):
    """(ttl, sorted contents) or None; the provider ignores the status."""
    z = api.get(Z + "/" + zone).json or {}
    for s in z.get("rrsets", []):
        if s["name"] == name and s["type"] == typ:
            return s["ttl"], sorted(r["content"] for r in s["records"])
    return None


def test_terraform_sequence(server):
    api = server
    # provider init
    assert api.get("/api/v1/servers").status == 200
    r = api.get("/api/v1/servers/localhost")
    assert r.status == 200 and isinstance(r.json["version"], str)
    # powerdns_zone create + read
    body = dict(TF_ZONE, name="tf.example.",
                nameservers=["ns1.tf.example.", "ns2.tf.example."])
    r = api.call("POST", Z, body)
    assert r.status == 201, r
    zid = r.json["id"]
    want = {"name": "tf.example.", "kind": "Native", "account": "admin",
            "soa_edit_api": "", "masters": [],
            "nameservers": ["ns1.tf.example.", "ns2.tf.example."]}
    assert tf_read_zone(api, zid) == want
    # powerdns_record create (zone given without the dot) + read; a second
    # plan must find nothing to change.
    records = [
        ("www.tf.example.", "A", 300, ["192.0.2.11", "192.0.2.12"]),
        ("alias.tf.example.", "CNAME", 300, ["www.tf.example."]),
        ("tf.example.", "MX", 3600, ["10 mail.tf.example."]),
        ("tf.example.", "TXT", 3600, ['"v=spf1 -all"']),
        ("v6.tf.example.", "AAAA", 60, ["2001:db8::1"]),
        ("_sip._tcp.tf.example.", "SRV", 60, ["10 5 5060 sip.tf.example."]),
    ]
    for name, typ, ttl, contents in records:
        recs = [{"name": name, "type": typ, "content": c, "ttl": ttl,
                 "disabled": False, "set-ptr": False} for c in contents]
        r = api.call("PATCH", Z + "/tf.example", {"rrsets": [
            {"name": name, "type": typ, "changetype": "REPLACE", "ttl": ttl,
             "records": recs}]})
        assert r.status in (200, 204), r
    for _plan in range(2):
        for name, typ, ttl, contents in records:
            assert tf_read_record(api, "tf.example.", name, typ) == \
                (ttl, sorted(contents))
        assert tf_read_zone(api, zid) == want
    # zone update: 204 exactly
    r = api.call("PUT", Z + "/" + zid, {"name": "tf.example.",
                                        "kind": "Master",
                                        "soa_edit_api": "INCEPTION-INCREMENT",
                                        "account": "admin"})
    assert r.status == 204, r
    want.update(kind="Master", soa_edit_api="INCEPTION-INCREMENT")
    assert tf_read_zone(api, zid) == want
    # record destroy, then Exists
    for name, typ, _ttl, _c in records:
        r = api.call("PATCH", Z + "/tf.example.", {"rrsets": [
            {"name": name, "type": typ, "changetype": "DELETE", "ttl": 0}]})
        assert r.status in (200, 204), r
        assert tf_read_record(api, "tf.example.", name, typ) is None
    # zone destroy: 204 exactly; Exists: 404 means gone.
    assert api.call("DELETE", Z + "/" + zid).status == 204
    r = api.get(Z + "/" + zid)
    assert r.status == 404 and r.json == {"error": "Not Found"}
    assert tf_read_record(api, "tf.example.", "www.tf.example.", "A") is None


# ---- robustness: malformed bodies ----

BAD_PATCHES = [
    # (body text, status, a word the error names)
    ("", 400, None), ("{", 400, None), ("nul", 400, None),
    ('{"rrsets": [}', 400, None), ("[" * 5000 + "]" * 5000, 400, None),
    ("null", 422, "rrsets"), ("[]", 422, "rrsets"), ("5", 422, "rrsets"),
    ('"x"', 422, "rrsets"), ('{"rrsets": null}', 422, "rrsets"),
    ('{"rrsets": {}}', 422, "rrsets"), ('{"rrsets": [null]}', 422, "RRset"),
    ('{"rrsets": [5]}', 422, "RRset"),
    ('{"rrsets": [{}]}', 422, "name"),
    ('{"rrsets": [{"name": 5}]}', 422, "name"),
    ('{"rrsets": [{"name": "a.z.example."}]}', 422, "type"),
    ('{"rrsets": [{"name": "a.z.example.", "type": null}]}', 422, "type"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A"}]}', 422,
     "changetype"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": 5}]}',
     422, "changetype"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "OPT", "changetype": '
     '"REPLACE", "ttl": 1, "records": []}]}', 422, "type"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "TYPE99999", '
     '"changetype": "REPLACE", "ttl": 1, "records": []}]}', 422, "type"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "ttl": -1, "records": []}]}', 422, "ttl"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "ttl": 4294967296, "records": []}]}', 422, "ttl"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "ttl": 1.5, "records": []}]}', 422, "ttl"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "ttl": 1, "records": {}}]}', 422, "RRset"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "ttl": 1, "records": [5]}]}', 422, "record"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "ttl": 1, "records": [{"content": 5}]}]}', 422, "content"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "ttl": 1, "records": [{"content": "192.0.2.1", '
     '"disabled": "yes"}]}]}', 422, "disabled"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "ttl": 1, "records": [{"content": "1.2.3.4\\u0001"}]}]}',
     422, "character"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "ttl": 1, "records": [{"content": "1.2.3.4\\u0000"}]}]}',
     400, None),
    ('{"rrsets": [{"name": "a.z.example.", "type": "TXT", "changetype": '
     '"REPLACE", "ttl": 1, "records": [{"content": "\\"' + "x" * 70000 +
     '\\""}]}]}', 422, "Record"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "comments": [5]}]}', 422, "comment"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "comments": [{"content": "x", "modified_at": "y"}]}]}',
     422, "modified_at"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "A", "changetype": '
     '"REPLACE", "comments": [{"content": "x", "account": 1}]}]}', 422,
     "account"),
    ('{"rrsets": [{"name": "a\\u0001b.z.example.", "type": "A", '
     '"changetype": "DELETE"}]}', 422, "Name"),
    ('{"rrsets": [{"name": "' + "a" * 64 + '.z.example.", "type": "A", '
     '"changetype": "DELETE"}]}', 422, "Name"),
    ('{"rrsets": [{"name": "' + "a." * 130 + '", "type": "A", '
     '"changetype": "DELETE"}]}', 422, "Name"),
    ('{"rrsets": [{"name": "\\u00e9.z.example.", "type": "A", '
     '"changetype": "DELETE"}]}', 422, "Name"),
    ('{"rrsets": [{"name": "a.z.example.", "type": "TXT", "changetype": '
     '"EXTEND", "ttl": 1, "records": []}]}', 422, "record"),
    ('{"rrsets": [{"name": "z.example.", "type": "SOA", "changetype": '
     '"DELETE"}]}', 422, "SOA"),
]

BAD_POSTS = [
    ("{", 400, None), ("[]", 422, "name"), ('{"name": 5}', 422, "name"),
    ('{"name": "b.example.", "kind": 5}', 422, "kind"),
    ('{"name": "b.example.", "kind": "Native", "masters": "x"}', 422,
     "masters"),
    ('{"name": "b.example.", "kind": "Slave", "masters": [5]}', 422,
     "masters"),
    ('{"name": "b.example.", "kind": "Slave", "masters": ["nope"]}', 422,
     "IP"),
    ('{"name": "b.example.", "kind": "Slave", "masters": [""]}', 422,
     "empty"),
    ('{"name": "b.example.", "kind": "Native", "nameservers": [5]}', 422,
     "Nameservers"),
    ('{"name": "b.example.", "kind": "Native", "rrsets": "x"}', 422,
     "rrsets"),
    ('{"name": "b.example.", "kind": "Native", "rrsets": [], "zone": ""}',
     422, "rrsets"),
    ('{"name": "b.example.", "kind": "Native", "serial": -1}', 422,
     "serial"),
    ('{"name": "b.example.", "kind": "Native", "account": 5}', 422,
     "account"),
    ('{"name": "b.example.", "kind": "Native", "dnssec": "yes"}', 422,
     "dnssec"),
    ('{"name": "b.example.", "kind": "Native", "rrsets": [{"name": '
     '"x.other.", "type": "A", "ttl": 1, "records": []}]}', 422,
     "out of zone"),
    ('{"name": "b.example.", "kind": "Native", "nameservers": ["ns.b.example'
     '."], "rrsets": [{"name": "b.example.", "type": "NS", "ttl": 1, '
     '"records": [{"content": "ns.b.example."}]}]}', 422, "Nameservers"),
]

BAD_PUTS = [
    ("{", 400, None), ("[1]", 400, None), ('{"kind": 5}', 422, "kind"),
    ('{"masters": "x"}', 422, "masters"), ('{"api_rectify": 1}', 422,
                                           "api_rectify"),
    ('{"rrsets": [{"name": "z.example.", "type": "A", "ttl": 1, '
     '"records": [{"content": "192.0.2.1"}]}]}', 422, "SOA"),
]


def test_malformed_bodies_get_json_errors(hearth):
    api = hearth
    assert api.call("POST", Z, {"name": "z.example.", "kind": "Native",
                                "nameservers": ["ns.z.example."]}
                    ).status == 201
    before = api.get(Z + "/z.example.").json
    problems = []
    for method, path, cases in (("PATCH", Z + "/z.example.", BAD_PATCHES),
                                ("POST", Z, BAD_POSTS),
                                ("PUT", Z + "/z.example.", BAD_PUTS)):
        for text, status, word in cases:
            r = api.call(method, path, data=text)
            ok = (r.status == status and isinstance(r.json, dict)
                  and isinstance(r.json.get("error"), str)
                  and (word is None or word.lower() in
                       r.json["error"].lower()))
            if not ok:
                problems.append(f"{method} {text[:120]!r}: want {status} "
                                f"naming {word!r}, got {r!r}")
    assert api.daemon.alive()
    assert api.get(Z + "/z.example.").json == before
    assert api.get("/healthz").status == 200
    assert not problems, "\n".join(problems)
    assert not sanitizer_report(api.daemon.stderr())


def test_config_zone_without_file_is_editable(hearthd_factory, tmp_path):
    """A zone listed in the config without a file starts in the store with
    an SOA and NS, so the API can edit it (and a change to it does not
    rebuild the other zones)."""
    from dns_helpers import ZONE_FILE, start_hearth_dns
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False,
                         zones=(("example.com", ZONE_FILE),),
                         )
    # The helper lists zones with files; add one without through reload.
    cfg = d.config_path.read_text().replace(
        "zones:\n", "zones:\n    - name: small.test\n", 1)
    d.config_path.write_text(cfg)
    import signal
    mark = len(d.stderr())
    d.signal(signal.SIGHUP)
    d.wait_log("reloaded", start=mark)
    r = d.session.patch(
        f"http://127.0.0.1:{d.port}/api/v1/servers/localhost/zones/small.test.",
        headers={"X-API-Key": "k"}, timeout=10,
        json={"rrsets": [{"name": "h.small.test.", "type": "A", "ttl": 60,
                          "changetype": "REPLACE",
                          "records": [{"content": "192.0.2.9",
                                       "disabled": False}]}]})
    assert r.status_code == 204, r.text
    import dns.message
    import dns.query
    a = dns.query.udp(dns.message.make_query("h.small.test.", "A"),
                      "127.0.0.1", port=d.dns_port, timeout=5)
    assert [x.to_text() for rr in a.answer for x in rr] == ["192.0.2.9"]
    www = dns.query.udp(dns.message.make_query("www.example.com.", "A"),
                        "127.0.0.1", port=d.dns_port, timeout=5)
    assert www.answer


def test_patch_reports_serial_change_headers(hearthd_factory, tmp_path):
    """When SOA-EDIT-API moves the serial, the 204 carries
    X-PDNS-Old-Serial / X-PDNS-New-Serial, as PowerDNS sends them."""
    from dns_helpers import start_hearth_dns
    d = start_hearth_dns(hearthd_factory, tmp_path, ipv6=False)
    base = f"http://127.0.0.1:{d.port}/api/v1/servers/localhost/zones"
    h = {"X-API-Key": "k"}
    r = d.session.post(base, headers=h, timeout=10, json={
        "name": "serials.test.", "kind": "Native",
        "nameservers": ["ns1.serials.test."]})
    assert r.status_code == 201, r.text
    r = d.session.patch(base + "/serials.test.", headers=h, timeout=10,
                        json={"rrsets": [{
                            "name": "a.serials.test.", "type": "A",
                            "ttl": 60, "changetype": "REPLACE",
                            "records": [{"content": "192.0.2.1",
                                         "disabled": False}]}]})
    assert r.status_code == 204, r.text
    old, new = r.headers.get("X-PDNS-Old-Serial"), \
        r.headers.get("X-PDNS-New-Serial")
    assert old is not None and new is not None, dict(r.headers)
    assert int(new) > int(old)
    soa = d.session.get(base + "/serials.test.", headers=h,
                        timeout=10).json()["serial"]
    assert soa == int(new)
