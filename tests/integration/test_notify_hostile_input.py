# SPDX-License-Identifier: MIT
"""Hostile input to the notify room's parsers: invalid UTF-8 in every place
a publish or an Apprise call carries text, absurd since= values, and the
per-visitor message and attachment-bandwidth limits (429 42908, 413 41301).
Each is answered at once with ntfy's (or Apprise's) error, and the daemon
stays up."""
import time

from helpers import free_port
from notify_helpers import notify_config, ntfy_url, poll, publish, session


def code_of(r):
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    return r.json()["code"]


def test_invalid_utf8_is_40011_everywhere_text_goes(hearthd_factory):
    aport = free_port()
    cfg, port = notify_config(hearthd_factory.tmp_path, limits={"exempt": "127.0.0.1/32"},
                              apprise={"listen": f"127.0.0.1:{aport}"})
    d = hearthd_factory(cfg)
    s = session()
    for h in ({"X-Title": b"\xff\xfe"}, {"X-Tags": b"ok,\xc3"}, {"X-Click": b"http://x/\xff"},
              {"X-Message": b"\xed\xa0\x80"}, {"X-Filename": b"\xff.txt"}):
        r = s.post(ntfy_url(port, "/u8"), data=b"x", headers=h, timeout=10)
        assert r.status_code == 400 and code_of(r) == 40011, (h, r.text)
    for q in ("title=%FF%FE", "tags=a,%C3", "message=%C0%80"):
        r = s.post(ntfy_url(port, f"/u8?{q}"), data=b"", timeout=10)
        assert r.status_code == 400 and code_of(r) == 40011, (q, r.text)
    raw = b"\xff\xfe not text but short"
    r = publish(port, "u8", raw)
    assert r.status_code == 200 and r.json()["attachment"]["size"] == len(raw)  # a file
    # JSON publish: invalid UTF-8 or a lone surrogate is not JSON
    for body in (b'{"topic":"u8","message":"\xff"}', b'{"topic":"u8","message":"\\ud800"}'):
        r = s.post(ntfy_url(port, "/"), data=body, timeout=10)
        assert r.status_code == 400 and code_of(r) == 40024, r.text
    # topics are ASCII: an encoded byte is an invalid topic
    assert code_of(s.post(ntfy_url(port, "/%FF"), data=b"x", timeout=10)) == 40009
    assert code_of(s.get(ntfy_url(port, "/%FF/json?poll=1"), timeout=10)) == 40009
    # a filter that cannot match anything matches nothing
    r = s.get(ntfy_url(port, "/u8/json?poll=1&tags=%FF"), timeout=10)
    assert r.status_code == 200 and r.text == ""
    # Apprise: raw bytes in JSON are refused; in a form the field is dropped
    u = f"http://127.0.0.1:{aport}/notify"
    r = s.post(u, data=b'{"urls":"json://h/","body":"\xff"}',
               headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "Invalid JSON Payload provided"
    r = s.post(u, data=b"urls=json://h/&body=ok&title=%ff", timeout=10)
    assert r.status_code == 424  # sent (h is not there) without the bad title
    (m,) = poll(port, "u8")  # only the file went through
    assert m["message"].startswith("You received a file: ")
    assert d.alive()


def test_absurd_since_values_are_answered_at_once(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path, limits={"exempt": "127.0.0.1/32"})
    d = hearthd_factory(cfg)
    assert publish(port, "si", "m0").status_code == 200
    s = session()
    refused = ["-1", "-5m", "99999999999999999999999999", "18446744073709551616",
               "9223372036854775807", "-9223372036854775808", "1e10", "0x10", "9999999999h",
               "100000000000d", "1h-1h", "P1D", "latestX", "%00", "abcdefghijk!",
               "AAAAAAAAAAAAA", "1" * 5000]
    for v in refused:
        t0 = time.monotonic()
        r = s.get(ntfy_url(port, "/si/json"), params={"poll": "1", "since": v}, timeout=10)
        assert r.status_code == 400 and code_of(r) == 40008, (v[:40], r.status_code, r.text)
        assert time.monotonic() - t0 < 2, v[:40]
    # odd but valid: everything, nothing, or a window
    # ("": no since, so poll's default, all)
    for v, n in (("0", 1), ("", 1), ("1.5h", 1), ("1h" * 1000, 1), ("36500d", 1),
                 ("none", 0), ("99999999999", 0),
                 ("999999999999", 1)):  # 12 characters: an unknown message id, so all
        r = s.get(ntfy_url(port, "/si/json"), params={"poll": "1", "since": v}, timeout=10)
        assert r.status_code == 200, (v[:40], r.text)
        assert len(r.text.splitlines()) == n, (v[:40], r.text)
    # a stream with an absurd since is refused before it starts
    r = s.get(ntfy_url(port, "/si/sse"), params={"since": "-1"}, timeout=10)
    assert r.status_code == 400 and code_of(r) == 40008
    assert d.alive()


def test_messages_per_day_and_attachment_bandwidth_per_visitor(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path,
                              limits={"messages_per_day": 3, "attachment_bandwidth": "10k"})
    d = hearthd_factory(cfg)
    for i in range(3):
        assert publish(port, "lim", f"m{i}").status_code == 200
    r = publish(port, "lim", "one too many")
    assert r.status_code == 429 and code_of(r) == 42908, r.text
    assert r.json()["error"].startswith("limit reached")
    # another visitor (authenticated later, or another address) is not
    # limited by this one: the address 127.0.0.2 publishes
    import requests
    from requests.adapters import HTTPAdapter

    class From(HTTPAdapter):
        def init_poolmanager(self, *a, **kw):
            kw["source_address"] = ("127.0.0.2", 0)
            super().init_poolmanager(*a, **kw)

    other = requests.Session()
    other.trust_env = False
    other.mount("http://", From())
    r = other.post(ntfy_url(port, "/lim"), data=b"y" * 6000, headers={"Filename": "a.bin"},
                   timeout=10)
    assert r.status_code == 200, r.text
    r = other.post(ntfy_url(port, "/lim"), data=b"y" * 6000, headers={"Filename": "b.bin"},
                   timeout=10)
    assert r.status_code == 413 and code_of(r) == 41301, r.text
    assert d.alive()
