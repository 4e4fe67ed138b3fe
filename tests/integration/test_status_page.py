# SPDX-License-Identifier: MIT
"""The status page (`/`) as a phone's browser shows it: headless Chromium
(390 x 844) loads it from hearthd on loopback; the test asserts on the DOM
it dumps (zones with their serials, lease counts per subnet, the newest
leases, the last reload, a warning the test provoked, escaped) and saves a
screenshot as a test artefact (HEARTH_ARTEFACTS, default
tests/integration/artefacts/).

Chromium talks only to loopback: no background networking, component
updates, sync or QUIC, names resolve to nothing but 127.0.0.1, and no
proxy. Each run is bounded and its process group killed afterwards."""
import os
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import tempfile
import time
from html import escape as html_escape
from html.parser import HTMLParser
from pathlib import Path

import dns.message
import dns.query
import pytest
import requests

from dns_helpers import free_dns_port, wait_dns_ready
from helpers import API_KEY, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTEFACTS = Path(os.environ.get("HEARTH_ARTEFACTS") or
                 Path(__file__).resolve().parent / "artefacts")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--no-proxy-server", "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=390,844"]
CHROMIUM_TIMEOUT = 90

ZONE = "home.example"
SERIAL = 2026120207
ZONE_TEXT = f"""$ORIGIN {ZONE}.
$TTL 300
@    IN SOA ns1 hostmaster {SERIAL} 3600 600 86400 300
@    IN NS  ns1
ns1  IN A   127.0.0.1
www  IN A   192.0.2.80
mail IN A   192.0.2.25
"""
SUBNET = "192.168.32.0/24"
# (ip, mac, hostname, seconds from now): one has ended. The page lists
# the five that end last, latest first.
LEASES = [("192.168.32.101", "02:00:5e:10:00:01", "work-laptop", 12 * 3600),
          ("192.168.32.102", "02:00:5e:10:00:02", "pixel-phone", 6 * 3600),
          ("192.168.32.103", "02:00:5e:10:00:03", "gone-box", -600),
          ("192.168.32.104", "02:00:5e:10:00:04", "lounge-tv", 2 * 3600),
          ("192.168.32.105", "02:00:5e:10:00:05", "hp-printer", 3 * 3600),
          ("192.168.32.106", "02:00:5e:10:00:06", "synology-nas", 11 * 3600),
          ("192.168.32.107", "02:00:5e:10:00:07", "pebble-watch", 1 * 3600),
          ("192.168.32.108", "02:00:5e:10:00:08", "smart-kettle", 20 * 3600)]
HELD = sorted((x for x in LEASES if x[3] > 0), key=lambda x: -x[3])
NEWEST = HELD[:5]


def config(tmp, dns_port, dhcp_port, extra=""):
    return f"""state_dir: {tmp / "var"}
http: {{listen: "127.0.0.1:@PORT@", api_key: {API_KEY}}}
lab:
  domain: lab.example
  networks: {{dmz: {{subnet: 192.168.30.0/24}}}}
  hosts: {{web: {{ip: 192.168.30.10, network: dmz}}}}
dns:
  listen: ["127.0.0.1:{dns_port}"]
  upstream: []
  zones: [{{name: {ZONE}, file: {tmp / "home.zone"}}}]
dhcp:
  interfaces: [lo]
  port: {dhcp_port}
  subnets: [{{subnet: {SUBNET}, ranges: ["192.168.32.100-192.168.32.120"]}}]
{extra}"""


def ip_int(ip):
    a, b, c, d = map(int, ip.split("."))
    return a << 24 | b << 16 | c << 8 | d


def insert_leases(db_path):
    db = sqlite3.connect(db_path)
    now = int(time.time())
    with db:
        for ip, mac, host, delta in LEASES:
            raw = bytes.fromhex(mac.replace(":", ""))
            db.execute("INSERT INTO dhcp_leases(ip, mac, client_id, hostname,"
                       " expires, state) VALUES(?, ?, ?, ?, ?, 'bound')",
                       (ip_int(ip), raw, b"\x01" + raw, host, now + delta))
    db.close()


def chromium(tmp, url, *extra):
    """Runs headless Chromium on @url with a fresh profile; returns its
    stdout. Bounded in time; its process group is killed afterwards."""
    profile = tempfile.mkdtemp(dir=tmp, prefix="chromium-profile-")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": profile,
           "LANG": "C.UTF-8", "TZ": "UTC"}
    p = subprocess.Popen([CHROMIUM, *CHROMIUM_FLAGS,
                          f"--user-data-dir={profile}", *extra, url],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError(f"chromium took over {CHROMIUM_TIMEOUT}s on {url}")
    finally:
        # Helpers (crashpad, zygote) may outlive the browser: they are in
        # the group it leads.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert p.returncode == 0, (p.returncode, err.decode(errors="replace"))
    return out.decode()


class Page(HTMLParser):
    """Tables by id (rows of cell texts) and elements' texts by id."""

    def __init__(self, html):
        super().__init__()
        self.tables, self.texts, self.tags = {}, {}, []
        self.text = ""  # all of it, as a reader sees it
        self._table = None
        self._row = None
        self._open = []  # (id, depth) of elements with an id
        self._depth = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        self._depth += 1
        if a.get("id"):
            self._open.append((a["id"], self._depth))
            self.texts[a["id"]] = ""
        if tag == "table":
            self._table = a.get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
            self.tables[self._table].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._row.append("")

    def handle_endtag(self, tag):
        if self._open and self._open[-1][1] == self._depth:
            self._open.pop()
        self._depth -= 1
        if tag == "tr" and self._row is not None:
            self._row[:] = [c.strip() for c in self._row]
            self._row = None
        elif tag == "table":
            self._table = self._row = None

    def handle_data(self, data):
        self.text += data
        for name, _ in self._open:
            self.texts[name] += data
        if self._row is not None and self._row:
            self._row[-1] += data

    def rows(self, table):
        """Header row -> list of dicts."""
        head, *rest = self.tables[table]
        return [dict(zip(head, r)) for r in rest]


def png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    w, h = struct.unpack(">II", data[16:24])
    return len(data), w, h


@pytest.fixture
def hearth(hearthd_factory, tmp_path):
    (tmp_path / "home.zone").write_text(ZONE_TEXT)
    for _ in range(3):
        dns_port, dhcp_port = free_dns_port(), free_port()
        text = config(tmp_path, dns_port, dhcp_port)
        try:
            d = hearthd_factory(text)
        except AssertionError as e:
            if "in use" in str(e).lower():
                continue
            raise
        break
    # The leases go into the store between two starts, as a running
    # server would have left them.
    d.stop()
    insert_leases(tmp_path / "var" / "hearth.db")
    hearthd_factory.restart(d)
    wait_dns_ready("127.0.0.1", dns_port, proc=d.proc, what=d.stderr())
    d.dns_port, d.text = dns_port, text
    return d


def test_status_page_in_headless_chromium(hearth, tmp_path):
    d = hearth
    for name in ("www", "mail", "nothere", "www"):
        q = dns.message.make_query(f"{name}.{ZONE}.", "A")
        dns.query.udp(q, "127.0.0.1", port=d.dns_port, timeout=5)
    # A refused reload: an error line, and the reload's result. Its text
    # carries markup, which the page must show as text.
    d.config_path.write_text(d.text.replace(
        "@PORT@", str(d.port)) + "\n<b>bogus</b>: 1\n")
    r = d.request("POST", "/api/v1/reload", headers={"X-API-Key": API_KEY})
    assert r.status_code == 422, r.text
    d.wait_log("reload refused")

    # The page a browser gets with the key (Basic auth: any user name).
    url = f"http://status:{API_KEY}@127.0.0.1:{d.port}/?details=1"
    t0 = time.monotonic()
    dom = chromium(tmp_path, url, "--dump-dom")
    took = time.monotonic() - t0
    page = Page(dom)

    rooms = {r[0]: r[1] for r in page.tables["rooms"][1:]}
    assert rooms["dns"] == "running" and rooms["dhcp"] == "running", rooms
    zones = {z["zone"]: z for z in page.rows("dns-served_zones")}
    assert zones[f"{ZONE}."]["serial"] == str(SERIAL), zones
    assert zones[f"{ZONE}."]["records"] == "5", zones
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$",
                    zones[f"{ZONE}."]["changed"]), zones
    assert "lab.example." in zones, zones   # the lab's zone is listed too
    subnets = page.rows("dhcp-subnets")
    assert subnets == [{"subnet": SUBNET, "leases": str(len(HELD)),
                        "pool size": "21"}], subnets
    newest = page.rows("dhcp-newest_leases")
    assert [(x["ip"], x["hostname"], x["mac"]) for x in newest] == \
        [(ip, host, mac) for ip, mac, host, _ in NEWEST], newest
    dns_text = page.texts["room-dns"]
    m = re.search(r"queries\s*(\d+)\n", dns_text)
    assert m and int(m.group(1)) >= 4, dns_text  # and the readiness probe
    assert "queries per second" in dns_text and "cache hit ratio" in dns_text
    reload_text = page.texts["reload"]
    assert "refused" in reload_text and "1 refused" in reload_text, reload_text
    assert "<b>bogus</b>" in page.texts["reload-error"], page.texts
    log = page.tables["log"]
    hits = [row for row in log if "reload refused" in row[2]]
    assert hits and hits[0][1] == "error", log
    assert "<b>bogus</b>" in hits[0][2], hits
    # Shown as text, never as markup.
    assert not [t for t, _ in page.tags if t == "b"], page.tags
    # Nothing from elsewhere: no script, stylesheet link, image or frame,
    # and every link stays on the server.
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "img", "iframe", "object"), tag
        assert "src" not in attrs, (tag, attrs)
        assert attrs.get("href", "/").startswith("/"), (tag, attrs)

    # Fixed, then applied: the reload's result says so.
    d.config_path.write_text(d.text.replace("@PORT@", str(d.port)))
    r = d.request("POST", "/api/v1/reload", headers={"X-API-Key": API_KEY})
    assert r.status_code == 200, r.text

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "status_page.png"
    if shot.exists():
        shot.unlink()
    chromium(tmp_path, url, f"--screenshot={shot}")
    size, w, h = png_size(shot)
    assert size > 1000 and (w, h) == (390, 844), (size, w, h)

    # No sideways scrolling at 390 px: the live page runs no script (its
    # CSP forbids one), so a copy of it (it is self-contained) is measured
    # in a 390 px frame. A frame, because a headless window is never
    # narrower than 500 px.
    html = requests.get(f"http://127.0.0.1:{d.port}/", timeout=5,
                        auth=("status", API_KEY)).text
    assert ">ok<" in html and "1 applied" in html, html
    probe = ('<!doctype html><html><body style="margin:0"><iframe id="f" '
             'style="width:390px;height:844px;border:0" onload="'
             "var e = this.contentDocument.documentElement; "
             "document.body.dataset.scroll = e.scrollWidth + 'x' + "
             "e.clientWidth;\" srcdoc=\"" + html_escape(html) +
             '"></iframe></body></html>')
    copy = tmp_path / "probe.html"
    copy.write_text(probe)
    measured = chromium(tmp_path, copy.as_uri(), "--dump-dom")
    m = re.search(r'data-scroll="(\d+)x(\d+)"', measured)
    assert m, measured[-500:]
    scroll, client = int(m.group(1)), int(m.group(2))
    assert 300 < client <= 390 and scroll <= client, (scroll, client)
    print(f"page {len(html.encode())} bytes; chromium dump {took:.1f}s")


def test_status_page_without_key_names_no_client(hearth):
    """Without the key: zones and counts (as /metrics shows them), but no
    MAC, host name or log line; ?details=1 asks for the key."""
    d = hearth
    r = d.get("/")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert r.headers["Cache-Control"] == "no-store"
    page = Page(r.text)
    assert page.rows("dhcp-subnets")[0]["leases"] == str(len(HELD))
    assert [x["ip"] for x in page.rows("dhcp-newest_leases")] == \
        [x[0] for x in NEWEST]
    assert f"{ZONE}." in {z["zone"] for z in page.rows("dns-served_zones")}
    for _, mac, host, _ in LEASES:
        assert mac not in page.text and host not in page.text, page.text
    assert "log" not in page.tables
    for auth in (None, ("x", "wrong")):
        r = d.get("/?details=1", auth=auth)
        assert r.status_code == 401, r.text
        assert r.headers["WWW-Authenticate"].startswith("Basic"), r.headers
        assert "laptop" not in r.text
    text = Page(d.get("/", headers={"X-API-Key": API_KEY}).text).text
    assert "laptop" in text and "02:00:5e:10:00:01" in text, text


def test_status_page_summaries_need_key_when_metrics_are_private(
        hearthd_factory, tmp_path):
    (tmp_path / "home.zone").write_text(ZONE_TEXT)
    text = config(tmp_path, free_dns_port(), free_port()).replace(
        f"api_key: {API_KEY}}}", f"api_key: {API_KEY}, metrics_public: false}}")
    d = hearthd_factory(text)
    r = d.get("/")
    assert r.status_code == 200
    assert ZONE not in r.text and "rooms" in Page(r.text).tables
    r = d.get("/", auth=("u", API_KEY))
    assert f"{ZONE}." in {z["zone"] for z in Page(r.text).rows(
        "dns-served_zones")}


def test_zone_change_moves_its_changed_time(hearth):
    """A change through the API gives the zone a new serial and a new
    "changed" time on the page; the other zones keep theirs."""
    d = hearth
    auth = ("u", API_KEY)

    def zones():
        r = d.get("/", auth=auth)
        assert r.status_code == 200, r.text
        return {z["zone"]: z for z in Page(r.text).rows("dns-served_zones")}

    before = zones()
    time.sleep(1.1)  # the page shows whole seconds
    r = d.request("PATCH", f"/api/v1/servers/localhost/zones/{ZONE}.",
                  headers={"X-API-Key": API_KEY},
                  json={"rrsets": [{"name": f"www.{ZONE}.", "type": "A",
                                    "ttl": 300, "changetype": "REPLACE",
                                    "records": [{"content": "192.0.2.81",
                                                 "disabled": False}]}]})
    assert r.status_code == 204, r.text
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after = zones()
        if after[f"{ZONE}."]["serial"] != before[f"{ZONE}."]["serial"]:
            break
        time.sleep(0.05)
    assert int(after[f"{ZONE}."]["serial"]) > SERIAL, after
    assert after[f"{ZONE}."]["changed"] > before[f"{ZONE}."]["changed"], \
        (before, after)
    # (lab.example. takes the leases' names when they are published: not this)
    keep = "30.168.192.in-addr.arpa."
    assert after[keep] == before[keep], (before, after)


def test_degraded_room_shows_why_and_the_line_that_says_so(hearthd_factory,
                                                           tmp_path):
    """A zone file that cannot load: the dns room is degraded; the page
    says why under the rooms, and its log line names the file and line."""
    bad = tmp_path / "bad.zone"
    bad.write_text("$ORIGIN bad.example.\n@ IN SOA ns1 host 1 2 3 4 5\n"
                   "@ IN NS ns1\nns1 IN A 127.0.0.1\n"
                   "x IN CNAME y\nx IN A 192.0.2.1\n")
    d = hearthd_factory(f"""state_dir: {tmp_path / "var"}
http: {{listen: "127.0.0.1:@PORT@", api_key: {API_KEY}}}
dns:
  listen: ["127.0.0.1:{free_dns_port()}"]
  upstream: []
  zones: [{{name: bad.example, file: {bad}}}]
""")
    r = d.get("/", auth=("u", API_KEY))
    assert r.status_code == 200, r.text
    page = Page(r.text)
    assert dict(page.tables["rooms"][1:])["dns"] == "degraded"
    assert page.texts["room-reasons"].startswith(
        "dns: a zone file"), page.texts["room-reasons"]
    lines = [row for row in page.tables["log"] if f"{bad}:6:" in row[2]]
    assert lines and lines[0][1] == "error", page.tables["log"]
    assert "CNAME and other data" in lines[0][2], lines
