# SPDX-License-Identifier: MIT
"""The Apprise-compatible API on notify.apprise.listen, driven by Debian's
apprise CLI 1.2.0, curl-like requests, a local HTTP sink (json://, form://,
xml://, gotify- and discord-shaped requests), a local SMTP sink (aiosmtpd)
for mailto://, a dead target, stored keys and hostile input."""
import json
import socket
import subprocess
import threading
import time
import urllib.parse
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import free_port
from notify_helpers import notify_config, poll, session

APPRISE = "/usr/bin/apprise"


class Sink:
    """A loopback HTTP server that records every request and answers
    with the status the test sets per path (200 by default)."""

    def __init__(self):
        self.requests = []
        self.status = {}
        self.reply = {}  # path -> body (bytes) to answer with
        self.cond = threading.Condition()
        sink = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                with sink.cond:
                    sink.requests.append({
                        "at": time.monotonic(),
                        "method": self.command, "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body})
                    sink.cond.notify_all()
                path = urllib.parse.urlsplit(self.path).path
                code = sink.status.get(path, 200)
                out = b'{"ok": true}' if code < 300 else b'{"error": "sink says no"}'
                out = sink.reply.get(path, out)
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        self.t = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.t.start()

    def wait(self, n, timeout=15):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.requests) < n:
                left = deadline - time.monotonic()
                assert left > 0, f"sink got {len(self.requests)} of {n}"
                self.cond.wait(left)
            return list(self.requests)

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def sink():
    s = Sink()
    yield s
    s.close()


@pytest.fixture
def hearth(hearthd_factory):
    """hearthd with the notify room (ntfy on one port, Apprise on another).
    Returns (apprise port, ntfy port, daemon)."""
    aport = free_port()
    # hosted services point at a closed loopback port: nothing leaves
    off = f"http://127.0.0.1:{dead_port()}"
    cfg, nport = notify_config(hearthd_factory.tmp_path,
                               apprise={"listen": f"127.0.0.1:{aport}",
                                        "timeout": "5s", "retries": 1,
                                        "retry_delay_ms": 200,
                                        # refused (the default takes 16M)
                                        "attach_size": 0,
                                        "discord_url": off, "slack_url": off,
                                        "telegram_url": off, "pushover_url": off,
                                        "ntfy_url": off})
    d = hearthd_factory(cfg)
    return aport, nport, d


def url(port, path):
    return f"http://127.0.0.1:{port}{path}"


def dead_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()  # nobody listens there now
    return p


def run_apprise(*args, timeout=60):
    return subprocess.run([APPRISE, *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def test_status_and_methods(hearth):
    aport, _, _ = hearth
    s = session()
    r = s.get(url(aport, "/status"), timeout=10)
    assert r.status_code == 200 and r.text == "OK"
    r = s.get(url(aport, "/status"), headers={"Accept": "application/json"}, timeout=10)
    assert r.json()["status"]["details"] == ["OK"]
    r = s.get(url(aport, "/details"), headers={"Accept": "application/json"}, timeout=10)
    assert {"json", "ntfy", "mailto", "gotify", "discord"} <= {
        p for x in r.json()["schemas"] for p in x["protocols"]}
    assert s.get(url(aport, "/get/abc"), timeout=10).status_code == 405
    assert s.get(url(aport, "/notify"), timeout=10).status_code == 405
    assert s.post(url(aport, "/nothing"), timeout=10).status_code == 404
    assert s.post(url(aport, "/add/bad.key"), data={"urls": "json://h"}, timeout=10).status_code == 404


def test_stateless_json_form_xml_reach_the_sink_as_apprise_sends_them(hearth, sink):
    aport, _, _ = hearth
    s = session()
    urls = (f"json://u:p@127.0.0.1:{sink.port}/hook?+X-Token=abc&-apikey=1&:source=ci, "
            f"form://127.0.0.1:{sink.port}/form?:extra=1 "
            f"xml://127.0.0.1:{sink.port}/xml")
    r = s.post(url(aport, "/notify"), json={"urls": urls, "title": "T", "body": "B \"q\"",
                                            "type": "warning"}, timeout=20)
    assert r.status_code == 200, r.text
    assert r.json()["error"] is None
    got = {q["path"].split("?")[0]: q for q in sink.wait(3)}
    j = got["/hook"]
    assert j["method"] == "POST" and j["path"] == "/hook?apikey=1"
    assert j["headers"]["content-type"] == "application/json"
    assert j["headers"]["user-agent"] == "Apprise"
    assert j["headers"]["x-token"] == "abc"
    assert j["headers"]["authorization"] == "Basic dTpw"
    assert json.loads(j["body"]) == {"version": "1.0", "title": "T", "message": "B \"q\"",
                                     "attachments": [], "type": "warning", "source": "ci"}
    f = got["/form"]
    assert f["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(f["body"].decode()) == {
        "version": ["1.0"], "title": ["T"], "message": ["B \"q\""], "type": ["warning"],
        "extra": ["1"]}
    x = got["/xml"]
    assert x["headers"]["content-type"] == "application/xml"
    assert b"<Subject>T</Subject><MessageType>warning</MessageType>" \
           b"<Message>B &quot;q&quot;</Message>" in x["body"]


def test_our_requests_match_what_apprise_itself_sends(hearth, sink):
    """The same URLs sent by the apprise CLI and through hearth: same
    method, path, content type and body at the sink."""
    aport, _, _ = hearth
    targets = [f"json://127.0.0.1:{sink.port}/j1?:k=v",
               f"form://127.0.0.1:{sink.port}/f1",
               f"xml://127.0.0.1:{sink.port}/x1",
               f"gotify://127.0.0.1:{sink.port}/sub/TOKEN1?priority=high",
               f"ntfy://127.0.0.1:{sink.port}/topic1?priority=max&tags=a,b"]
    for t in targets:
        sink.requests.clear()
        r = run_apprise("-t", "Title", "-b", "Body line\nTwo", t)
        assert r.returncode == 0, r.stderr
        theirs = sink.wait(1)[0]
        sink.requests.clear()
        r = session().post(url(aport, "/notify"),
                           json={"urls": t, "title": "Title", "body": "Body line\nTwo"},
                           timeout=20)
        assert r.status_code == 200, r.text
        ours = sink.wait(1)[0]
        assert ours["method"] == theirs["method"], t
        assert ours["path"] == theirs["path"], t
        for h in ("content-type", "user-agent", "x-gotify-key", "x-priority", "x-tags"):
            assert ours["headers"].get(h) == theirs["headers"].get(h), (t, h)
        if "gotify" in t:
            assert ours["path"] == "/sub/message" and ours["headers"]["x-gotify-key"] == "TOKEN1"
            assert json.loads(ours["body"]) == {"priority": 8, "title": "Title",
                                                "message": "Body line\nTwo"}
        if ours["headers"]["content-type"].startswith("application/x-www-form"):
            assert urllib.parse.parse_qs(ours["body"].decode()) == \
                urllib.parse.parse_qs(theirs["body"].decode()), t
        else:
            assert ours["body"] == theirs["body"], t


def test_discord_shaped_request_through_a_configured_base(hearthd_factory, sink):
    aport = free_port()
    cfg, _ = notify_config(hearthd_factory.tmp_path, apprise={
        "listen": f"127.0.0.1:{aport}",
        "discord_url": f"http://127.0.0.1:{sink.port}/api/webhooks"})
    hearthd_factory(cfg)
    r = session().post(url(aport, "/notify"), data={
        "urls": "discord://123456/tok-EN_1?avatar=no", "title": "Up", "body": "web is up"},
        timeout=20)
    assert r.status_code == 200, r.text
    q = sink.wait(1)[0]
    assert q["method"] == "POST" and q["path"] == "/api/webhooks/123456/tok-EN_1"
    assert q["headers"]["content-type"] == "application/json; charset=utf-8"
    assert json.loads(q["body"]) == {"tts": False, "wait": True,
                                     "content": "Up\r\nweb is up"}


def test_dead_target_is_424_with_reason_and_others_still_delivered(hearth, sink):
    aport, _, _ = hearth
    dead = dead_port()
    sink.status["/fail"] = 500
    t0 = time.monotonic()
    r = session().post(url(aport, "/notify"), json={
        "urls": [f"json://127.0.0.1:{dead}/x", f"json://127.0.0.1:{sink.port}/ok",
                 f"json://127.0.0.1:{sink.port}/fail"],
        "body": "hello"}, timeout=30)
    took = time.monotonic() - t0
    assert r.status_code == 424, r.text
    j = r.json()
    assert j["error"] == "One or more notification could not be sent"
    assert j["sent"] == 1 and j["total"] == 3
    reasons = {f["url"]: f["reason"] for f in j["failed"]}
    assert any(str(dead) in u for u in reasons), reasons
    dead_reason = next(v for u, v in reasons.items() if str(dead) in u)
    assert "onnect" in dead_reason or "refused" in dead_reason, dead_reason
    fail_reason = next(v for u, v in reasons.items() if "/fail" in u)
    assert "HTTP 500" in fail_reason and "sink says no" in fail_reason
    reqs = sink.wait(3)  # /ok once, /fail twice (one retry)
    assert sum(q["path"] == "/ok" for q in reqs) == 1
    # the live target was served at once, not after the others' retries
    ok_at = next(q["at"] for q in reqs if q["path"] == "/ok")
    assert ok_at - t0 < 0.15 + 0.5 and took > 0.2, (ok_at - t0, took)
    assert sum(q["path"] == "/fail" for q in reqs) == 2
    # one retry after 200 ms: the dead target costs well under a second
    assert took < 5, took


def test_stateful_keys_add_get_notify_del(hearth, sink):
    aport, _, _ = hearth
    s = session()
    key = "lab-Alerts_1"
    assert s.post(url(aport, f"/get/{key}"), timeout=10).status_code == 204
    assert s.post(url(aport, f"/notify/{key}"), data={"body": "x"}, timeout=10).status_code == 204
    cfg = (f"# lab\nops, admin = json://127.0.0.1:{sink.port}/ops\n"
           f"json://127.0.0.1:{sink.port}/untagged\n")
    r = s.post(url(aport, f"/add/{key}"), data={"config": cfg, "format": "text"}, timeout=10)
    assert r.status_code == 200 and "Successfully saved" in r.text, r.text
    r = s.post(url(aport, f"/get/{key}"), timeout=10)
    assert r.status_code == 200 and r.text == cfg
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    r = s.get(url(aport, f"/json/urls/{key}"), params={"privacy": "1"}, timeout=10)
    j = r.json()
    assert sorted(j["tags"]) == ["admin", "ops"]
    assert {u["url"] for u in j["urls"]} == {f"json://127.0.0.1:{sink.port}/ops",
                                             f"json://127.0.0.1:{sink.port}/untagged"}
    # no tag: only the untagged URL
    r = s.post(url(aport, f"/notify/{key}"), json={"body": "one"}, timeout=20)
    assert r.status_code == 200, r.text
    assert [q["path"] for q in sink.wait(1)] == ["/untagged"]
    sink.requests.clear()
    # "ops, nobody" = ops OR nobody; "ops admin" = ops AND admin
    r = s.post(url(aport, f"/notify/{key}"), json={"body": "two", "tag": "ops, nobody"}, timeout=20)
    assert r.status_code == 200
    assert [q["path"] for q in sink.wait(1)] == ["/ops"]
    sink.requests.clear()
    r = s.post(url(aport, f"/notify/{key}"), json={"body": "3", "tag": "ops nobody"}, timeout=20)
    assert r.status_code == 424 and r.json()["total"] == 0
    r = s.post(url(aport, f"/notify/{key}?tag=all"), data={"body": "4"}, timeout=20)
    assert r.status_code == 200
    assert sorted(q["path"] for q in sink.wait(2)) == ["/ops", "/untagged"]
    r = s.post(url(aport, f"/del/{key}"), json={}, timeout=10)
    assert r.status_code == 200 and r.json() == {"error": None}
    assert s.post(url(aport, f"/notify/{key}"), data={"body": "x"}, timeout=10).status_code == 204


def test_keys_survive_a_restart_and_yaml(hearthd_factory, sink):
    aport = free_port()
    cfg, _ = notify_config(hearthd_factory.tmp_path, apprise={"listen": f"127.0.0.1:{aport}"})
    d = hearthd_factory(cfg)
    s = session()
    y = (f"version: 1\nurls:\n  - json://127.0.0.1:{sink.port}/y1:\n"
         f"     - tag: team\n  - json://127.0.0.1:{sink.port}/y2\n")
    r = s.post(url(aport, "/add/yk"), json={"config": y, "format": "yaml"}, timeout=10)
    assert r.status_code == 200 and r.json() == {"error": None}
    d.stop()
    hearthd_factory.restart(d)
    r = s.post(url(aport, "/get/yk"), timeout=10)
    assert r.status_code == 200 and r.text == y
    assert r.headers["Content-Type"] == "text/yaml; charset=utf-8"
    r = s.post(url(aport, "/notify/yk"), json={"body": "b", "tag": "team"}, timeout=20)
    assert r.status_code == 200
    assert [q["path"] for q in sink.wait(1)] == ["/y1"]
    r = s.post(url(aport, "/del/yk"), timeout=10)
    assert r.status_code == 200 and "Successfully removed" in r.text
    assert s.post(url(aport, "/del/yk"), timeout=10).status_code == 204
    assert s.post(url(aport, "/get/yk"), timeout=10).status_code == 204


def test_apprise_cli_to_a_stored_key_and_config_over_http(hearth, sink):
    aport, _, _ = hearth
    s = session()
    r = s.post(url(aport, "/add/cli"), data={"urls": f"json://127.0.0.1:{sink.port}/cli"},
               timeout=10)
    assert r.status_code == 200, r.text
    r = run_apprise("-vv", "-t", "Hi", "-b", "from the CLI", f"apprise://127.0.0.1:{aport}/cli")
    assert r.returncode == 0, r.stdout + r.stderr
    q = sink.wait(1)[0]
    assert q["path"] == "/cli"
    body = json.loads(q["body"])
    assert body["title"] == "Hi" and body["message"] == "from the CLI"
    sink.requests.clear()
    # apprise -c http://.../get/KEY: the CLI fetches the config and sends itself
    r = run_apprise("-b", "via config", "-c", f"http://127.0.0.1:{aport}/get/cli")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(sink.wait(1)[0]["body"])["message"] == "via config"
    # a key with nothing stored: the CLI fails (204 is not 200)
    r = run_apprise("-b", "x", f"apprise://127.0.0.1:{aport}/nothing")
    assert r.returncode == 1


def test_apprise_cli_into_a_hearth_topic(hearth):
    """apprise -> /notify/KEY -> ntfy:// this hearth's own topic (in process)."""
    aport, nport, _ = hearth
    s = session()
    r = s.post(url(aport, "/add/tophone"), data={
        "urls": f"ntfy://127.0.0.1:{nport}/phone?priority=high&tags=warning hearth://other"},
        timeout=10)
    assert r.status_code == 200, r.text
    r = run_apprise("-t", "Backup", "-b", "backup failed", f"apprise://127.0.0.1:{aport}/tophone")
    assert r.returncode == 0, r.stdout + r.stderr
    msgs = poll(nport, "phone")
    assert len(msgs) == 1
    m = msgs[0]
    assert m["title"] == "Backup" and m["message"] == "backup failed"
    assert m["priority"] == 4 and m["tags"] == ["warning"]
    assert poll(nport, "other")[0]["message"] == "backup failed"


def test_mailto_reaches_an_smtp_sink(hearth):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    aport, _, _ = hearth
    got = []

    class Handler:
        async def handle_DATA(self, server, session_, envelope):
            got.append(envelope)
            return "250 OK"

    port = free_port()
    ctl = aiosmtpd.Controller(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        r = session().post(url(aport, "/notify"), json={
            "urls": f"mailto://bob@127.0.0.1:{port}/alice@example.org?from=ops@example.org",
            "title": "Disk", "body": "almost full <90%>"}, timeout=30)
        assert r.status_code == 200, r.text
        assert len(got) == 1
        env = got[0]
        assert env.mail_from == "ops@example.org"
        assert env.rcpt_tos == ["alice@example.org"]
        msg = message_from_bytes(env.original_content)
        assert msg["Subject"] == "Disk" and msg["To"] == "alice@example.org"
        assert msg["X-Application"] == "Apprise"
        parts = {p.get_content_type(): p.get_payload(decode=True).decode()
                 for p in msg.walk() if not p.is_multipart()}
        assert parts["text/plain"] == "almost full <90%>"
        assert parts["text/html"] == "almost&nbsp;full&nbsp;&lt;90%&gt;"
        # a closed SMTP port: 424 naming the connection failure
        r = session().post(url(aport, "/notify"), json={
            "urls": f"mailto://bob@127.0.0.1:{dead_port()}/a@example.org", "body": "x"},
            timeout=30)
        assert r.status_code == 424
        assert "connect" in r.json()["failed"][0]["reason"]
    finally:
        ctl.stop()


def test_hostile_input(hearth):
    aport, _, d = hearth
    s = session()
    u = url(aport, "/notify")
    assert s.post(u, data=b"{not json", headers={"Content-Type": "application/json"},
                  timeout=10).status_code == 400
    assert s.post(u, json=["a list"], timeout=10).status_code == 400
    assert s.post(u, json={"urls": "json://127.0.0.1:9/"}, timeout=10).status_code == 400
    assert s.post(u, json={"urls": "json://h/", "body": "x", "type": "panic"},
                  timeout=10).status_code == 400
    assert s.post(u, json={"urls": "json://h/", "body": "x", "format": "rtf"},
                  timeout=10).status_code == 400
    assert s.post(u, json={"urls": "json://h/", "body": "x", "tag": "a;b"},
                  timeout=10).status_code == 400
    # nothing that parses: 204
    for bad in ("not a url", "foo://x", "json://bad_host_/", "gotify://h", "json://h:99x/"):
        r = s.post(u, json={"urls": bad, "body": "x"}, timeout=10)
        assert r.status_code == 204, (bad, r.status_code)
    r = s.post(u, json={"urls": "json://h/", "body": "x"},
               headers={"X-Apprise-Recursion-Count": "2"}, timeout=10)
    assert r.status_code == 406
    assert s.post(u, json={"urls": "json://h/", "body": "x"},
                  headers={"X-Apprise-Recursion-Count": "-1"}, timeout=10).status_code == 400
    # over max_body (3M): 431, as Apprise API answers
    r = s.post(u, data=b"x" * (3 * 1024 * 1024 + 10),
               headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 431
    # huge headers: 431 from the server
    r = s.post(u, json={"body": "x"}, headers={"X-Big": "a" * 70000}, timeout=10)
    assert r.status_code == 431
    # bad config text and YAML bombs: 400, nothing stored
    for cfg, fmt in (("this is not a url\n", "text"), ("!!!", "auto"),
                     ("a: &a [x,x]\nb: [*a,*a]\n", "yaml"), ("version: 2\nurls: []", "yaml"),
                     ("json://bad_host_/\n", "text")):
        r = s.post(url(aport, "/add/k1"), data={"config": cfg, "format": fmt}, timeout=10)
        assert r.status_code == 400, (cfg, r.status_code, r.text)
    assert s.post(url(aport, "/add/k1"), data={"config": "json://h/", "format": "toml"},
                  timeout=10).status_code == 400
    assert s.post(url(aport, "/add/k1"), data={}, timeout=10).status_code == 400
    assert s.post(url(aport, "/add/k1"), json={"config": "json://h/"}, timeout=10).status_code == 400
    assert s.post(url(aport, "/get/k1"), timeout=10).status_code == 204
    # attachments are off (attach_size 0): 400 Bad Attachment, as Apprise API
    assert s.post(u, files={"attach": ("a.txt", b"data")}, data={"urls": "json://h/", "body": "x"},
                  timeout=10).status_code == 400
    assert s.post(u, json={"urls": "json://h/", "body": "x", "attachment": "http://x/y"},
                  timeout=10).status_code == 400
    # multipart text fields are read like form fields
    r = s.post(u, files={"body": (None, "x"), "urls": (None, "foo://nothing")}, timeout=10)
    assert r.status_code == 204
    # more targets than one call may name: 400, nothing sent
    many = " ".join(f"json://127.0.0.1:9/{i}" for i in range(300))
    assert s.post(u, json={"urls": many, "body": "x"}, timeout=10).status_code == 400
    # invalid UTF-8 in a form body: the field is dropped, so no body: 400
    assert s.post(u, data=b"urls=json://h/&body=%ff%fe", timeout=10).status_code == 400
    assert d.alive()


def test_route_hook_sends_an_event_to_apprise_urls(hearthd_factory, sink):
    """notify.routes: the dns room's dns.zone_refused event goes to a
    json:// URL (the Apprise hook) and a hearth:// topic (in process)."""
    tmp = hearthd_factory.tmp_path
    bad = tmp / "broken.zone"
    bad.write_text("$ORIGIN broken.example.\n@ IN SOA oops\nthis is not a record\n")
    nport = free_port()
    cfg = {
        "state_dir": str(tmp / "state"),
        "http": {"listen": "127.0.0.1:@PORT@", "api_key": "k"},
        "dns": {"listen": [f"127.0.0.1:{free_port()}"], "upstream": [],
                "zones": [{"name": "broken.example", "file": str(bad)}]},
        "notify": {"listen": f"127.0.0.1:{nport}",
                   "routes": [{"event": "dns.zone_refused",
                               "to": [f"json://127.0.0.1:{sink.port}/route",
                                      "hearth://alerts?priority=high"]}]},
    }
    hearthd_factory(json.dumps(cfg))  # JSON is YAML
    q = sink.wait(1)[0]
    assert q["path"] == "/route"
    body = json.loads(q["body"])
    assert body["title"] == "Zone broken.example refused"
    assert body["type"] == "warning"  # priority 4
    assert "served as it was before" in body["message"]
    deadline = time.monotonic() + 10
    msgs = []
    while not msgs and time.monotonic() < deadline:
        msgs = poll(nport, "alerts")
        time.sleep(0.1)
    assert msgs and msgs[0]["title"] == "Zone broken.example refused"
    assert msgs[0]["priority"] == 4


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_mailtos_starttls_and_auth(hearth, tmp_path):
    """mailtos://: STARTTLS is required, then AUTH; a server that offers no
    STARTTLS is refused (424), credentials reach the server over TLS."""
    ctl_mod = pytest.importorskip("aiosmtpd.controller")
    import ssl
    from aiosmtpd.smtp import AuthResult
    aport, _, _ = hearth
    key, crt = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", str(key), "-out", str(crt), "-days", "1",
                    "-subj", "/CN=127.0.0.1"], check=True, capture_output=True, timeout=60)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(crt), str(key))
    got, logins = [], []

    class Handler:
        async def handle_DATA(self, server, session_, envelope):
            got.append(envelope)
            return "250 OK"

    def auth(server, session_, envelope, mechanism, data):
        logins.append((mechanism, data.login, data.password, session_.ssl is not None))
        return AuthResult(success=data.login == b"bob" and data.password == b"s3cret")

    port = free_port()
    ctl = ctl_mod.Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=tls,
                             require_starttls=True, authenticator=auth, auth_required=True,
                             auth_require_tls=True)
    ctl.start()
    plain_port = free_port()
    plain = ctl_mod.Controller(Handler(), hostname="127.0.0.1", port=plain_port)
    plain.start()
    tls_port = free_port()  # implicit TLS (smtps), for ?mode=ssl
    implicit = ctl_mod.Controller(Handler(), hostname="127.0.0.1", port=tls_port,
                                  ssl_context=tls, authenticator=auth, auth_required=True,
                                  # aiosmtpd counts only STARTTLS as TLS
                                  auth_require_tls=False)
    implicit.start()
    try:
        s = session()
        r = s.post(url(aport, "/notify"), json={
            "urls": f"mailtos://bob:s3cret@127.0.0.1:{port}/alice@example.org"
                    "?from=ops@example.org&verify=no&mode=starttls",
            "title": "TLS", "body": "over starttls"}, timeout=30)
        assert r.status_code == 200, r.text
        assert len(got) == 1 and got[0].rcpt_tos == ["alice@example.org"]
        assert logins and all(tls_on for *_, tls_on in logins)
        assert (b"bob", b"s3cret") in [(l, p) for _, l, p, _ in logins]
        # a wrong password: 424 with the server's refusal
        r = s.post(url(aport, "/notify"), json={
            "urls": f"mailtos://bob:wrong@127.0.0.1:{port}/a@example.org"
                    "?from=ops@example.org&verify=no", "body": "x"}, timeout=30)
        assert r.status_code == 424, r.text
        # the certificate is checked unless verify=no
        r = s.post(url(aport, "/notify"), json={
            "urls": f"mailtos://bob:s3cret@127.0.0.1:{port}/a@example.org"
                    "?from=ops@example.org", "body": "x"}, timeout=30)
        assert r.status_code == 424, r.text
        # mailtos:// to a server without STARTTLS: refused, nothing sent in clear
        r = s.post(url(aport, "/notify"), json={
            "urls": f"mailtos://bob:s3cret@127.0.0.1:{plain_port}/a@example.org"
                    "?from=ops@example.org&verify=no", "body": "x"}, timeout=30)
        assert r.status_code == 424, r.text
        assert len(got) == 1
        # ?mode=ssl: TLS from the first byte, then AUTH
        r = s.post(url(aport, "/notify"), json={
            "urls": f"mailtos://bob:s3cret@127.0.0.1:{tls_port}/carol@example.org"
                    "?from=ops@example.org&verify=no&mode=ssl", "body": "over tls"}, timeout=30)
        assert r.status_code == 200, r.text
        assert len(got) == 2 and got[1].rcpt_tos == ["carol@example.org"]
    finally:
        ctl.stop()
        plain.stop()
        implicit.stop()


def test_matrix_server_mode_logs_in_joins_and_sends(hearth, sink):
    aport, _, _ = hearth
    api = "/_matrix/client/r0"
    sink.reply[f"{api}/login"] = b'{"access_token": "TOK", "home_server": "local"}'
    sink.reply[f"{api}/join/%23ops%3Alocal"] = b'{"room_id": "!r1:local"}'
    r = session().post(url(aport, "/notify"), json={
        "urls": f"matrix://bob:pw@127.0.0.1:{sink.port}/#ops", "title": "T",
        "body": "matrix body"}, timeout=20)
    assert r.status_code == 200, r.text
    reqs = sink.wait(3)
    assert [(q["method"], q["path"]) for q in reqs] == [
        ("POST", f"{api}/login"), ("POST", f"{api}/join/%23ops%3Alocal"),
        ("POST", f"{api}/rooms/%21r1%3Alocal/send/m.room.message")]
    assert json.loads(reqs[0]["body"]) == {"type": "m.login.password", "user": "bob",
                                           "password": "pw"}
    assert reqs[2]["headers"]["authorization"] == "Bearer TOK"
    assert json.loads(reqs[2]["body"]) == {"msgtype": "m.text", "body": "# T\r\nmatrix body"}
    # a refused login: 424 saying so, nothing else sent
    sink.requests.clear()
    sink.status[f"{api}/login"] = 403
    r = session().post(url(aport, "/notify"), json={
        "urls": f"matrix://bob:bad@127.0.0.1:{sink.port}/#ops", "body": "x"}, timeout=20)
    assert r.status_code == 424
    assert "login" in r.json()["failed"][0]["reason"]
    assert len(sink.wait(1)) == 1


def test_metrics_count_deliveries_and_pass_promtool(hearth, sink):
    aport, _, d = hearth
    s = session()
    r = s.post(url(aport, "/notify"), json={
        "urls": [f"json://127.0.0.1:{sink.port}/m", f"form://127.0.0.1:{dead_port()}/x"],
        "body": "m"}, timeout=20)
    assert r.status_code == 424
    text = s.get(f"http://127.0.0.1:{d.port}/metrics", timeout=10).text
    assert 'hearth_notify_apprise_deliveries_total{scheme="json",result="ok"} 1' in text
    assert 'hearth_notify_apprise_deliveries_total{scheme="form",result="failed"} 1' in text
    assert "hearth_notify_apprise_failed_total 1" in text
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr


def test_sigterm_while_retries_wait_exits_cleanly(hearthd_factory, sink):
    """A notify whose dead target waits for a retry, and a route doing the
    same, when the daemon stops: the client gets its answer (424) and
    hearthd exits 0 with every handle closed (no sanitizer report)."""
    aport = free_port()
    dead = dead_port()
    cfg, _ = notify_config(hearthd_factory.tmp_path, apprise={
        "listen": f"127.0.0.1:{aport}", "retries": 3, "retry_delay_ms": 10000})
    d = hearthd_factory(cfg)
    out = {}

    def call():
        try:
            out["r"] = session().post(url(aport, "/notify"), json={
                "urls": [f"json://127.0.0.1:{dead}/", f"json://127.0.0.1:{sink.port}/ok"],
                "body": "x"}, timeout=30)
        except Exception as e:  # the server may close first
            out["e"] = e

    t = threading.Thread(target=call)
    t.start()
    sink.wait(1)  # the live target is done; the dead one waits 10 s
    time.sleep(0.3)
    t0 = time.monotonic()
    assert d.stop() == 0
    assert time.monotonic() - t0 < 5
    t.join(10)
    if "r" in out:
        assert out["r"].status_code == 424
        assert "closing" in out["r"].text or "onnect" in out["r"].text


def test_json_urls_privacy_masks_secrets(hearth):
    aport, _, _ = hearth
    s = session()
    dead = dead_port()  # every target is a closed loopback port
    urls = (f"json://user:secretpw@127.0.0.1:{dead}/hook "
            f"gotify://127.0.0.1:{dead}/TOKENSECRET discord://123456/WEBHOOKSECRET "
            f"mailtos://bob:mailpw@127.0.0.1:{dead}/?to=a@b.example")
    assert s.post(url(aport, "/add/priv"), data={"urls": urls}, timeout=10).status_code == 200
    plain = s.get(url(aport, "/json/urls/priv"), timeout=10).json()
    assert any("TOKENSECRET" in u["url"] for u in plain["urls"])
    masked = s.get(url(aport, "/json/urls/priv"), params={"privacy": "1"}, timeout=10).text
    for secret in ("secretpw", "TOKENSECRET", "WEBHOOKSECRET", "mailpw"):
        assert secret not in masked, masked
    assert "****" in masked
    # failures name the target masked too
    r = s.post(url(aport, "/notify/priv"), json={"body": "x"}, timeout=30)
    assert r.status_code == 424
    for secret in ("secretpw", "TOKENSECRET", "WEBHOOKSECRET", "mailpw"):
        assert secret not in r.text


def test_telegram_finds_the_bot_owner_then_sends(hearthd_factory, sink):
    aport = free_port()
    cfg, _ = notify_config(hearthd_factory.tmp_path, apprise={
        "listen": f"127.0.0.1:{aport}", "telegram_url": f"http://127.0.0.1:{sink.port}"})
    hearthd_factory(cfg)
    sink.reply["/bot123456:ABC/getUpdates"] = (
        b'{"ok": true, "result": [{"message": {"from": {"id": 4242}}}]}')
    r = session().post(url(aport, "/notify"), json={
        "urls": "tgram://123456:ABC", "title": "T", "body": "b"}, timeout=20)
    assert r.status_code == 200, r.text
    probe, send = sink.wait(2)
    assert probe["path"] == "/bot123456:ABC/getUpdates"
    assert send["path"] == "/bot123456:ABC/sendMessage"
    body = json.loads(send["body"])
    assert body["chat_id"] == 4242 and body["parse_mode"] == "HTML"
    assert body["text"] == "<b>T</b>\r\nb"
    # no message to the bot yet: 424 saying what to do
    sink.requests.clear()
    sink.reply["/bot9:X/getUpdates"] = b'{"ok": true, "result": []}'
    r = session().post(url(aport, "/notify"), json={"urls": "tgram://9:X", "body": "b"},
                       timeout=20)
    assert r.status_code == 424 and "send the bot a message" in r.text


def test_ntfy_self_respects_the_acl(hearthd_factory):
    """ntfy:// to this hearth's own topics without credentials is published
    in process only when anonymous clients may write there; with
    default_access deny-all it goes over HTTP and ntfy's 403 is the reason."""
    aport = free_port()
    cfg, nport = notify_config(hearthd_factory.tmp_path, default_access="deny-all",
                               apprise={"listen": f"127.0.0.1:{aport}", "retries": 0})
    hearthd_factory(cfg)
    r = session().post(url(aport, "/notify"), json={
        "urls": f"ntfy://127.0.0.1:{nport}/locked", "body": "x"}, timeout=20)
    assert r.status_code == 424, r.text
    reason = r.json()["failed"][0]["reason"]
    assert "HTTP 403" in reason, reason
    # hearth:// is this room's own way in: always in process
    r = session().post(url(aport, "/notify"), json={"urls": "hearth://locked", "body": "y"},
                       timeout=20)
    assert r.status_code == 200, r.text


def test_reload_changes_retries(hearthd_factory, sink):
    """notify.apprise.retries is reloadable: SIGHUP takes it for the next
    notification (a 500 from the sink is tried 1, then 3 times)."""
    import signal
    aport = free_port()
    cfg, _ = notify_config(hearthd_factory.tmp_path, apprise={
        "listen": f"127.0.0.1:{aport}", "retries": 0, "retry_delay_ms": 50})
    d = hearthd_factory(cfg)
    sink.status["/five"] = 500
    target = {"urls": f"json://127.0.0.1:{sink.port}/five", "body": "x"}
    assert session().post(url(aport, "/notify"), json=target, timeout=20).status_code == 424
    assert len(sink.wait(1)) == 1
    cfg["notify"]["apprise"]["retries"] = 2
    mark = len(d.stderr())
    d.write_config(cfg)
    d.signal(signal.SIGHUP)
    d.wait_log("reloaded", start=mark)
    sink.requests.clear()
    assert session().post(url(aport, "/notify"), json=target, timeout=20).status_code == 424
    assert len(sink.wait(3)) == 3
    time.sleep(0.3)
    assert len(sink.requests) == 3
