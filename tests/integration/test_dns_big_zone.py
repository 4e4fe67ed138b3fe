# SPDX-License-Identifier: MIT
"""Long work stays off the loop (issue 8): a big zone's import and the
PATCHes of one record in it leave TCP DNS and /healthz answering at once,
a PATCH costs what the change costs (not what the zone does) and is
served when it is answered; an RRset too large to be served even over TCP
is refused (422), from the API and from a zone file import."""
import copy
import signal
import threading
import time

import dns.message
import dns.query
import dns.rcode
import requests

from dns_helpers import LAB, dns_config, free_dns_port, wait_dns_ready

Z = "/api/v1/servers/localhost/zones"
RECORDS = 200_000  # about 4 s to import on the ASan build
WORST_MS = 100     # a loop stall any probe may see, at the worst


def config_text(tmp, port, lab=None):
    return dns_config(tmp, port, zones=(), ipv6=False, lab=lab).replace(
        "  api_key: k\n", "  api_key: k\n  max_body_bytes: 64M\n")


def start(factory, tmp, lab=None):
    port = free_dns_port()
    d = factory(config_text(tmp, port, lab))
    d.dns_port = port
    wait_dns_ready("127.0.0.1", port, proc=d.proc, what=d.stderr())
    return d


def url(d, path):
    return f"http://127.0.0.1:{d.port}{path}"


def api(d, method, path, body=None, **kw):
    return d.session.request(method, url(d, path), json=body,
                             headers={"X-API-Key": "k"}, timeout=120, **kw)


def put_file(d, zone, text):
    return d.session.put(url(d, f"/api/v1/dns/zones/{zone}/file"),
                         data=text.encode(),
                         headers={"X-API-Key": "k",
                                  "Content-Type": "text/plain"},
                         timeout=300)


def answer(d, name, rtype="A", tcp=False):
    q = dns.message.make_query(name, rtype)
    ask = dns.query.tcp if tcp else dns.query.udp
    r = ask(q, "127.0.0.1", port=d.dns_port, timeout=5)
    return r.rcode(), sorted(x.to_text() for rr in r.answer for x in rr)


def patch(d, zone, name, rtype, records, ttl=60):
    return api(d, "PATCH", f"{Z}/{zone}", {"rrsets": [
        {"name": name, "type": rtype, "ttl": ttl, "changetype": "REPLACE",
         "records": [{"content": c, "disabled": False} for c in records]}]})


class Probe:
    """A TCP DNS query and a GET /healthz, back to back on two threads:
    the worst time each took while running (bounded by @seconds)."""

    def __init__(self, d, seconds=240):
        self.d, self.stop_at = d, time.monotonic() + seconds
        self.worst = {"tcp": 0.0, "healthz": 0.0}
        self.count = {"tcp": 0, "healthz": 0}
        self.errors = []
        self.running = True
        self.threads = [threading.Thread(target=self.loop, args=(k,))
                        for k in self.worst]
        for t in self.threads:
            t.start()

    def one(self, kind, session):
        if kind == "tcp":
            assert answer(self.d, "www.small.example.", tcp=True) == (
                dns.rcode.NOERROR, ["10.1.1.1"])
        else:
            r = session.get(url(self.d, "/healthz"), timeout=10)
            assert r.status_code == 200

    def loop(self, kind):
        s = requests.Session()
        s.trust_env = False
        while self.running and time.monotonic() < self.stop_at:
            t0 = time.monotonic()
            try:
                self.one(kind, s)
            except Exception as e:  # reported by finish()
                self.errors.append(f"{kind}: {e!r}")
                return
            self.worst[kind] = max(self.worst[kind], time.monotonic() - t0)
            self.count[kind] += 1
            time.sleep(0.002)

    def finish(self):
        self.running = False
        for t in self.threads:
            t.join(30)
        assert not self.errors, self.errors
        return {k: round(v * 1000, 1) for k, v in self.worst.items()}


def big_zone_text(n):
    lines = ["$ORIGIN big.example.", "$TTL 300",
             "@ SOA ns1 hostmaster 1 3600 600 86400 300", "@ NS ns1",
             "ns1 A 10.0.0.1"]
    lines += [f"h{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
              for i in range(n - 3)]
    return "\n".join(lines) + "\n"


def small_zone(d):
    r = api(d, "POST", Z, {"name": "small.example.", "kind": "Native",
                           "nameservers": ["ns1.small.example."]})
    assert r.status_code == 201, r.text
    assert patch(d, "small.example.", "www.small.example.", "A",
                 ["10.1.1.1"]).status_code == 204


def test_patches_in_a_big_zone_leave_the_loop_free(hearthd_factory,
                                                   tmp_path):
    d = start(hearthd_factory, tmp_path)
    small_zone(d)
    text = big_zone_text(RECORDS)
    # What the machine alone makes a probe wait (another test process, a
    # busy CI host) is allowed on top of WORST_MS: the same probes, idle.
    probe = Probe(d)
    time.sleep(2)
    noise = max(probe.finish().values())
    worst = WORST_MS + 2 * noise

    probe = Probe(d)
    t0 = time.monotonic()
    r = put_file(d, "big.example", text)
    imported = time.monotonic() - t0
    during_import = probe.finish()
    assert r.status_code == 200, r.text
    assert r.json()["records"] == RECORDS
    assert answer(d, f"h{RECORDS - 4}.big.example.")[0] == dns.rcode.NOERROR

    probe = Probe(d)
    took = []
    for i in range(30):
        ip = f"10.200.{i}.7"
        t0 = time.monotonic()
        r = patch(d, "big.example.", "h7.big.example.", "A", [ip])
        took.append(time.monotonic() - t0)
        assert r.status_code == 204, r.text
        # Answered once durable and published: served at once.
        assert answer(d, "h7.big.example.") == (dns.rcode.NOERROR, [ip])
        # A new name (and its removal) too.
        if i % 10 == 0:
            r = patch(d, "big.example.", f"new{i}.deep.big.example.", "A",
                      [ip])
            assert r.status_code == 204, r.text
            assert answer(d, f"new{i}.deep.big.example.") == (
                dns.rcode.NOERROR, [ip])
    during_patches = probe.finish()
    took.sort()
    median = took[len(took) // 2]
    print(f"import of {RECORDS} records {imported * 1000:.0f} ms, worst "
          f"probes {during_import}; PATCH median {median * 1000:.1f} ms, "
          f"worst {took[-1] * 1000:.1f} ms, worst probes {during_patches}, "
          f"idle {noise} ms")
    assert max(during_patches.values()) < worst, (during_patches, noise)
    # The import's parse, commit and build are off the loop too (what
    # is left on it: receiving the body).
    assert max(during_import.values()) < 2 * worst, (during_import, noise)
    assert probe.count["tcp"] > 0 and probe.count["healthz"] > 0
    # What the zone costs to build (the import) is not what a PATCH
    # costs: it changes one RRset and pays for that.
    assert median < imported / 20, (median, imported)
    # Everything else is still served; unchanged names, the SOA's serial.
    assert answer(d, "h8.big.example.") == (dns.rcode.NOERROR, ["10.0.0.8"])
    assert answer(d, "new0.big.example.")[0] == dns.rcode.NXDOMAIN
    assert answer(d, "deep.big.example.")[0] == dns.rcode.NOERROR  # ENT
    z = api(d, "GET", f"{Z}/big.example.?rrsets=false").json()
    assert answer(d, "big.example.", "SOA")[1][0].split()[2] == str(
        z["serial"])


def test_an_rrset_too_large_to_serve_is_refused(hearthd_factory, tmp_path):
    d = start(hearthd_factory, tmp_path)
    small_zone(d)
    # 280 strings of 250 bytes: ~71 KB, more than any answer can carry.
    big = [f'"{i:03d}{"x" * 247}"' for i in range(280)]
    r = patch(d, "small.example.", "txt.small.example.", "TXT", big)
    assert r.status_code == 422, r.text
    assert "txt.small.example." in r.json()["error"]
    assert "too large" in r.json()["error"]
    assert answer(d, "txt.small.example.", "TXT", tcp=True)[0] == \
        dns.rcode.NXDOMAIN
    # Just below the limit: accepted and served whole over TCP.
    fits = big[:240]
    r = patch(d, "small.example.", "txt.small.example.", "TXT", fits)
    assert r.status_code == 204, r.text
    q = dns.message.make_query("txt.small.example.", "TXT")
    m = dns.query.tcp(q, "127.0.0.1", port=d.dns_port, timeout=5)
    assert not m.flags & dns.flags.TC
    assert sum(len(rr) for rr in m.answer) == 240

    # A zone file with one such RRset: 422 with file:line, nothing kept.
    lines = ["$ORIGIN imp.example.", "$TTL 300",
             "@ SOA ns1 hostmaster 1 3600 600 86400 300", "@ NS ns1",
             "ns1 A 10.0.0.1", "www A 10.0.0.2"]
    lines += [f"txt TXT {s}" for s in big]
    r = put_file(d, "imp.example", "\n".join(lines) + "\n")
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err.startswith("imp.example:7: "), err
    assert "txt.imp.example." in err and "too large" in err
    assert answer(d, "www.imp.example.")[0] == dns.rcode.REFUSED
    lines = lines[:7 + 200]
    r = put_file(d, "imp.example", "\n".join(lines) + "\n")
    assert r.status_code == 200, r.text
    assert answer(d, "www.imp.example.") == (dns.rcode.NOERROR, ["10.0.0.2"])


def test_patches_and_reloads_interleaved(hearthd_factory, tmp_path):
    """Reloads (which rebuild the lab's zone on the loop) while PATCHes
    are built on the write strand: every PATCH is served when answered,
    and once both stop, the zones are what store and config say."""
    lab = copy.deepcopy(LAB)
    d = start(hearthd_factory, tmp_path, lab=lab)
    r = put_file(d, "big.example", big_zone_text(20_000))
    assert r.status_code == 200, r.text
    errors, done = [], threading.Event()

    def patcher():
        try:
            for i in range(60):
                ip = f"10.201.{i}.1"
                r = patch(d, "big.example.", "h7.big.example.", "A", [ip])
                assert r.status_code == 204, r.text
                assert answer(d, "h7.big.example.") == (
                    dns.rcode.NOERROR, [ip])
        except Exception as e:  # reported below
            errors.append(repr(e))
        finally:
            done.set()

    t = threading.Thread(target=patcher)
    t.start()
    n = 0
    while not done.is_set() and n < 200:
        lab["hosts"]["extra"] = {"ip": f"192.168.30.{20 + n % 50}",
                                 "network": "dmz"}
        d.write_config(config_text(tmp_path, d.dns_port, lab))
        d.signal(signal.SIGHUP)
        n += 1
        time.sleep(0.03)
    t.join(120)
    assert not errors, errors
    assert n > 1
    start_log = len(d.stderr())
    lab["hosts"]["extra"]["ip"] = "192.168.30.99"
    d.write_config(config_text(tmp_path, d.dns_port, lab))
    d.signal(signal.SIGHUP)
    d.wait_log("reloaded config=", timeout=10, start=start_log)
    assert answer(d, "extra.lab.example.") == (dns.rcode.NOERROR,
                                               ["192.168.30.99"])
    assert answer(d, "web.lab.example.") == (dns.rcode.NOERROR,
                                             ["192.168.30.10"])
    assert answer(d, "h7.big.example.") == (dns.rcode.NOERROR,
                                            ["10.201.59.1"])
    assert answer(d, "h8.big.example.") == (dns.rcode.NOERROR, ["10.0.0.8"])
