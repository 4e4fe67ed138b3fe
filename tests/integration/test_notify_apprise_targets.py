# SPDX-License-Identifier: MIT
"""Apprise targets in detail: ?verify= against a loopback TLS sink with a
self-signed certificate, the discord payload (embeds, fields from markdown
headings, footer, image, tts), markdown and text bodies turned into HTML
for mailto://, and attachments (multipart uploads and URLs) forwarded to
the targets that take them."""
import base64
import json
import socket
import sqlite3
import ssl
import subprocess
import time
from email import message_from_bytes

import pytest

from helpers import free_port
from notify_helpers import notify_config, poll, session
from test_notify_apprise import Sink, run_apprise, url


class TlsSink(Sink):
    """The recording sink behind TLS with a fresh self-signed certificate."""

    def __init__(self, tmp_path):
        super().__init__()
        key, crt = tmp_path / "sink.key", tmp_path / "sink.crt"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", str(key), "-out", str(crt), "-days", "1",
                        "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(crt), str(key))
        self.srv.socket = ctx.wrap_socket(self.srv.socket, server_side=True)


@pytest.fixture
def tls_sink(tmp_path):
    s = TlsSink(tmp_path)
    yield s
    s.close()


@pytest.fixture
def sink():
    s = Sink()
    yield s
    s.close()


@pytest.fixture
def apprise_port(hearthd_factory):
    aport = free_port()
    cfg, _ = notify_config(hearthd_factory.tmp_path, apprise={
        "listen": f"127.0.0.1:{aport}", "timeout": "5s", "retries": 0})
    hearthd_factory(cfg)
    return aport


def test_verify_yes_by_default_refuses_a_self_signed_certificate(apprise_port, tls_sink):
    target = f"jsons://127.0.0.1:{tls_sink.port}/hook"
    r = session().post(url(apprise_port, "/notify"),
                       json={"urls": target, "body": "over tls"}, timeout=30)
    assert r.status_code == 424, r.text
    j = r.json()
    assert j["sent"] == 0 and j["total"] == 1
    reason = j["failed"][0]["reason"]
    assert "certificate" in reason.lower() or "ssl" in reason.lower(), reason
    assert not tls_sink.requests
    # the same with verify=yes spelled out
    r = session().post(url(apprise_port, "/notify"),
                       json={"urls": target + "?verify=yes", "body": "x"}, timeout=30)
    assert r.status_code == 424, r.text


def test_verify_no_delivers_to_a_self_signed_certificate(apprise_port, tls_sink):
    for target in (f"jsons://127.0.0.1:{tls_sink.port}/hook?verify=no",
                   f"forms://127.0.0.1:{tls_sink.port}/form?verify=no",
                   f"ntfys://127.0.0.1:{tls_sink.port}/topic1?verify=no"):
        r = session().post(url(apprise_port, "/notify"),
                           json={"urls": target, "body": "over tls"}, timeout=30)
        assert r.status_code == 200, (target, r.text)
    reqs = tls_sink.wait(3)
    by_path = {q["path"]: q for q in reqs}
    assert json.loads(by_path["/hook"]["body"])["message"] == "over tls"
    assert b"message=over+tls" in by_path["/form"]["body"]
    assert json.loads(by_path["/"]["body"]) == {"topic": "topic1", "message": "over tls"}


class SmtpSink:
    """A loopback SMTP server (aiosmtpd) keeping every message."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        self.got = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session_, envelope):
                sink.got.append(message_from_bytes(envelope.original_content))
                return "250 OK"

        self.port = free_port()
        self.ctl = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.ctl.start()

    def close(self):
        self.ctl.stop()


@pytest.fixture
def smtp():
    s = SmtpSink()
    yield s
    s.close()


@pytest.fixture
def hearth(hearthd_factory, sink):
    """hearthd whose discord:// goes to the sink, attachments up to 1 MiB.
    Returns (apprise port, ntfy port)."""
    aport = free_port()
    cfg, nport = notify_config(hearthd_factory.tmp_path, apprise={
        "listen": f"127.0.0.1:{aport}", "timeout": "5s", "retries": 0,
        "attach_size": "1M", "telegram_url": f"http://127.0.0.1:{sink.port}/tg",
        "discord_url": f"http://127.0.0.1:{sink.port}/api/webhooks"})
    hearthd_factory(cfg)
    return aport, nport


def parts_of(req):
    """The parts of a recorded multipart request: {name: (filename, type, bytes)}."""
    ct = req["headers"]["content-type"]
    assert ct.startswith("multipart/form-data; boundary="), ct
    msg = message_from_bytes(b"Content-Type: " + ct.encode() + b"\r\n\r\n" + req["body"])
    out = {}
    for p in msg.get_payload():
        out[p.get_param("name", header="content-disposition")] = (
            p.get_filename(), p.get("Content-Type"), p.get_payload(decode=True))
    return out


IMG = "https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-"


def test_discord_payload_as_apprise_sends_it(hearth, sink):
    aport, _ = hearth
    body = "Nightly run\n# Disk\nsda ok\nsdb ok\n## Net\nup\n"
    r = session().post(url(aport, "/notify"), json={
        "urls": "discord://bot@123456/tok-EN_1?format=markdown&footer=yes&image=yes&thread=42",
        "title": "Backups", "body": body, "format": "markdown", "type": "warning"},
        timeout=20)
    assert r.status_code == 200, r.text
    q = sink.wait(1)[0]
    assert q["method"] == "POST" and q["path"] == "/api/webhooks/123456/tok-EN_1"
    assert q["headers"]["content-type"] == "application/json; charset=utf-8"
    assert q["headers"]["user-agent"] == "Apprise"
    assert json.loads(q["body"]) == {
        "tts": False, "wait": True,
        "embeds": [{
            "author": {"name": "Apprise", "url": "https://github.com/caronc/apprise"},
            "title": "Backups", "description": "Nightly run", "color": 0xCACF29,
            "footer": {"text": "Apprise Notifications",
                       "icon_url": IMG.rsplit("-", 1)[0] + "-logo.png"},
            "thumbnail": {"url": IMG + "warning-256x256.png", "height": 256, "width": 256},
            "fields": [{"name": "Disk", "value": "```md\nsda ok\nsdb ok\n```"},
                       {"name": "Net", "value": "```md\nup\n```"}]}],
        "thread_id": "42", "avatar_url": IMG + "warning-256x256.png", "username": "bot"}
    # tts, avatar=no and text format: plain content
    r = session().post(url(aport, "/notify"), json={
        "urls": "discord://123456/tok-EN_1?tts=yes&avatar=no", "title": "T", "body": "b"},
        timeout=20)
    assert r.status_code == 200, r.text
    assert json.loads(sink.wait(2)[1]["body"]) == {"tts": True, "wait": False,
                                                   "content": "T\r\nb"}


def test_uploaded_attachment_reaches_every_target_that_takes_one(hearth, sink, smtp):
    aport, nport = hearth
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    urls = [f"json://127.0.0.1:{sink.port}/j", f"form://127.0.0.1:{sink.port}/f",
            "discord://123/tok", "hearth://attached",
            f"ntfy://127.0.0.1:{nport}/attached2", f"ntfy://127.0.0.1:{sink.port}/remote",
            "tgram://123456789:AABB/-100",
            f"mailto://bob@127.0.0.1:{smtp.port}/alice@example.org?from=ops@example.org"]
    r = session().post(url(aport, "/notify"), data={
        "urls": " ".join(urls), "title": "Graph", "body": "see attached"},
        files={"attach": ("graph.png", png, "image/png")}, timeout=30)
    assert r.status_code == 200, r.text
    reqs = sink.wait(7)
    by = {}
    for q in reqs:
        by.setdefault(q["path"], []).append(q)
    # telegram: the message, then the image by sendPhoto
    assert json.loads(by["/tg/bot123456789:AABB/sendMessage"][0]["body"])["chat_id"] == -100
    parts = parts_of(by["/tg/bot123456789:AABB/sendPhoto"][0])
    assert parts["chat_id"][2] == b"-100"
    assert parts["photo"][0] == "graph.png" and parts["photo"][2] == png
    # a remote ntfy server: the file as the body of POST /TOPIC?filename=
    (n,) = by["/remote?filename=graph.png&title=Graph&message=see+attached"]
    assert n["method"] == "POST" and n["body"] == png
    # json://: Apprise's attachments array
    j = json.loads(by["/j"][0]["body"])
    assert j["message"] == "see attached"
    assert [(a["filename"], a["mimetype"], base64.b64decode(a["base64"]))
            for a in j["attachments"]] == [("graph.png", "image/png", png)]
    # form://: the fields and file01
    parts = parts_of(by["/f"][0])
    assert parts["message"][2] == b"see attached" and parts["version"][2] == b"1.0"
    assert parts["file01"] == ("graph.png", "image/png", png)
    # discord: the message, then the file in a multipart post
    d = by["/api/webhooks/123/tok"]
    assert len(d) == 2
    assert json.loads(d[0]["body"])["content"] == "Graph\r\nsee attached"
    parts = parts_of(d[1])
    assert parts["file"][0] == "graph.png" and parts["file"][2] == png
    assert parts["tts"][2] == b"False" and parts["wait"][2] == b"True"
    # hearth:// and ntfy:// to this hearth: an ntfy attachment, downloadable
    for topic in ("attached", "attached2"):
        # published in process: stored (the file written) on the room's strand
        deadline = time.monotonic() + 10
        while not (msgs := poll(nport, topic)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(msgs) == 1, msgs
        m = msgs[0]
        assert m["title"] == "Graph" and m["message"] == "see attached"
        att = m["attachment"]
        assert att["name"] == "graph.png" and att["size"] == len(png)
        assert att["type"] == "image/png"
        f = session().get(att["url"], timeout=10)
        assert f.status_code == 200 and f.content == png
    # mailto: multipart/mixed with the file as a base64 part
    assert len(smtp.got) == 1
    msg = smtp.got[0]
    assert msg.get_content_type() == "multipart/mixed"
    files = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True))
             for p in msg.walk() if p.get_filename()]
    assert files == [("graph.png", "image/png", png)]


def test_attachments_by_url_and_base64(hearth, sink):
    aport, _ = hearth
    sink.reply["/files/report.txt"] = b"uptime report\n"
    r = session().post(url(aport, "/notify"), json={
        "urls": f"json://127.0.0.1:{sink.port}/j", "body": "two files",
        "attachment": [{"base64": base64.b64encode(b"\0\1binary").decode(),
                        "filename": "b.bin", "mimetype": "application/x-thing"},
                       f"http://127.0.0.1:{sink.port}/files/report.txt"]}, timeout=30)
    assert r.status_code == 200, r.text
    reqs = sink.wait(2)
    assert reqs[0]["method"] == "GET" and reqs[0]["path"] == "/files/report.txt"
    j = json.loads(reqs[1]["body"])
    assert [(a["filename"], a["mimetype"], base64.b64decode(a["base64"]))
            for a in j["attachments"]] == [
        ("b.bin", "application/x-thing", b"\0\1binary"),
        ("report.txt", "text/plain", b"uptime report\n")]
    # no body but an attachment is enough
    r = session().post(url(aport, "/notify"), json={
        "urls": f"json://127.0.0.1:{sink.port}/j2",
        "attach": {"base64": "aGk=", "filename": "hi.txt"}}, timeout=30)
    assert r.status_code == 200, r.text
    # a URL that cannot be fetched, a bad scheme, too many, too large: 400
    sink.status["/files/gone"] = 404
    for att in (f"http://127.0.0.1:{sink.port}/files/gone", "file:///etc/passwd",
                [f"http://127.0.0.1:{sink.port}/x{i}" for i in range(7)],
                {"base64": base64.b64encode(b"x" * (1024 * 1024 + 1)).decode()}):
        r = session().post(url(aport, "/notify"), json={
            "urls": f"json://127.0.0.1:{sink.port}/never", "body": "x", "attachment": att},
            timeout=30)
        assert r.status_code == 400, (att if isinstance(att, str) else "...", r.text)
        assert r.json()["error"] == "Bad Attachment" and r.json()["detail"], r.text
    assert not [q for q in sink.requests if q["path"] == "/never"]
    st = session().get(url(aport, "/status"), headers={"Accept": "application/json"},
                       timeout=10).json()
    assert st["attach_lock"] is False and st["max_attachments"] == 6
    assert st["attach_size"] == 1024 * 1024


def test_markdown_and_text_become_html_for_mail(hearth, smtp):
    aport, _ = hearth
    target = f"mailto://bob@127.0.0.1:{smtp.port}/alice@example.org?from=ops@example.org"
    r = session().post(url(aport, "/notify"), json={
        "urls": target, "title": "Report", "format": "markdown",
        "body": "# Disk\n**sda** is *fine* <script>alert(1)</script>\n\n"
                "* [dash](https://h/d?a=1&b=2)\n* [bad](javascript:alert(1))"}, timeout=30)
    assert r.status_code == 200, r.text
    r = session().post(url(aport, "/notify"), json={
        "urls": target, "title": "Plain", "body": "a <b> & c\nline"}, timeout=30)
    assert r.status_code == 200, r.text
    assert len(smtp.got) == 2
    html = [{p.get_content_type(): p.get_payload(decode=True).decode()
             for p in m.walk() if not p.is_multipart()} for m in smtp.got]
    assert html[0]["text/html"] == (  # lines end in CRLF on the wire, as Apprise's do
        "<h1>Disk</h1>\r\n<p><strong>sda</strong> is <em>fine</em> "
        "&lt;script&gt;alert(1)&lt;/script&gt;</p>\r\n"
        "<ul>\r\n<li><a href=\"https://h/d?a=1&amp;b=2\">dash</a></li>\r\n<li>bad)</li>\r\n</ul>")
    assert "Disk" in html[0]["text/plain"] and "<h1>" not in html[0]["text/plain"]
    assert html[1]["text/html"] == "a&nbsp;&lt;b&gt;&nbsp;&amp;&nbsp;c<br/>line"


def test_slack_and_pushover_through_configured_bases(hearthd_factory, sink):
    aport = free_port()
    base = f"http://127.0.0.1:{sink.port}"
    cfg, _ = notify_config(hearthd_factory.tmp_path, apprise={
        "listen": f"127.0.0.1:{aport}", "retries": 0,
        "slack_url": base + "/services", "pushover_url": base})
    hearthd_factory(cfg)
    r = session().post(url(aport, "/notify"), json={
        "urls": ["slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/ops",
                 "pover://ukey@atoken/dev1?priority=high"],
        "title": "Disk", "body": "nas <full>", "type": "failure"}, timeout=20)
    assert r.status_code == 200, r.text
    by = {q["path"]: q for q in sink.wait(2)}
    s = by["/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"]
    assert s["method"] == "POST"
    assert s["headers"]["content-type"] == "application/json; charset=utf-8"
    j = json.loads(s["body"])
    assert j["channel"] == "#ops" and j["username"] == "Apprise"
    att = j["attachments"][0]
    assert att["title"] == "Disk" and att["text"] == "nas &lt;full&gt;"
    assert att["color"] == "#A32037"
    p = by["/1/messages.json"]
    assert p["headers"]["content-type"] == "application/x-www-form-urlencoded"
    form = dict(x.split("=", 1) for x in p["body"].decode().split("&"))
    assert form["token"] == "atoken" and form["user"] == "ukey" and form["device"] == "dev1"
    assert form["priority"] == "1" and form["title"] == "Disk"


def test_a_stored_config_that_no_longer_reads_is_500(hearthd_factory):
    aport = free_port()
    cfg, _ = notify_config(hearthd_factory.tmp_path, apprise={"listen": f"127.0.0.1:{aport}"})
    d = hearthd_factory(cfg)
    r = session().post(url(aport, "/add/k"), data={"urls": "json://127.0.0.1:9/x"}, timeout=10)
    assert r.status_code == 200, r.text
    d.stop()
    # what a damaged or hand-edited store holds: YAML that is not a config
    db = sqlite3.connect(str(hearthd_factory.tmp_path / "state" / "hearth.db"))
    with db:
        db.execute("UPDATE notify_apprise_keys SET format = 'yaml', config = ? WHERE key = 'k'",
                   ("urls: [unclosed\n",))
    db.close()
    hearthd_factory.restart(d)
    s = session()
    r = s.post(url(aport, "/notify/k"), data={"body": "x"}, timeout=10)
    assert r.status_code == 500 and r.text == "An error occurred accessing configuration"
    r = s.post(url(aport, "/notify/k"), json={"body": "x"}, timeout=10)
    assert r.status_code == 500
    assert r.json() == {"error": "An error occurred accessing configuration"}
    assert d.alive()


def test_attachments_on_by_default_and_empty_fields_name_none(apprise_port, sink):
    """Attachments work without configuration (16 MiB each, as a small
    lab wants; Apprise API's own default is 200 MB); empty fields name
    none."""
    s = session()
    target = f"json://127.0.0.1:{sink.port}/j"
    for empty in (None, "", []):
        r = s.post(url(apprise_port, "/notify"),
                   json={"urls": target, "body": "x", "attach": empty}, timeout=10)
        assert r.status_code == 200, (empty, r.text)
    r = s.post(url(apprise_port, "/notify"),
               json={"urls": target, "body": "x",
                     "attach": {"base64": "aGk=", "filename": "hi.txt"}}, timeout=10)
    assert r.status_code == 200, r.text
    st = s.get(url(apprise_port, "/status"), headers={"Accept": "application/json"},
               timeout=10).json()
    assert st["attach_lock"] is False and st["attach_size"] == 16 << 20, st
    assert st["max_attachments"] == 6, st
    reqs = sink.wait(4)
    assert len(reqs) == 4
    last = json.loads(reqs[-1]["body"])
    assert [a["filename"] for a in last["attachments"]] == ["hi.txt"], last


def test_same_requests_as_the_apprise_cli_for_files_markdown_mail_and_apprise(
        hearth, sink, smtp, tmp_path):
    """What Debian's apprise 1.2.0 sends and what hearth sends for the same
    input: json:// with a file, markdown mail (Python-Markdown's HTML) and
    apprise:// to another Apprise API (the recursion count incremented)."""
    aport, _ = hearth
    f = tmp_path / "report.csv"
    f.write_bytes(b"host,disk\nnas,91%\n")
    target = f"json://127.0.0.1:{sink.port}/j"
    r = run_apprise("-t", "T", "-b", "B", "--attach", str(f), target)
    assert r.returncode == 0, r.stderr
    theirs = json.loads(sink.wait(1)[0]["body"])["attachments"]
    sink.requests.clear()
    r = session().post(url(aport, "/notify"), data={"urls": target, "title": "T", "body": "B"},
                       files={"attachment": ("report.csv", f.read_bytes(), "text/csv")},
                       timeout=20)
    assert r.status_code == 200, r.text
    ours = json.loads(sink.wait(1)[0]["body"])["attachments"]
    assert ours == theirs
    sink.requests.clear()
    # markdown into an HTML mail
    md = ("Nightly run\n# Disk\n**sda** is *fine*, `df -h` says 91%\n\n"
          "* [dash](https://h/d?a=1&b=2)\n* second  \nline\n\nText after & more.\n\n"
          "    code & more\n\n> quoted\n\n---\n\n1. one\n2. two ![i](https://h/i.png)")
    mail = f"mailto://bob@127.0.0.1:{smtp.port}/alice@example.org?from=ops@example.org"
    r = run_apprise("-i", "markdown", "-t", "Report", "-b", md, mail)
    assert r.returncode == 0, r.stderr
    r = session().post(url(aport, "/notify"), json={
        "urls": mail, "title": "Report", "body": md, "format": "markdown"}, timeout=20)
    assert r.status_code == 200, r.text
    assert len(smtp.got) == 2
    html = [next(p.get_payload(decode=True).decode() for p in m.walk()
                 if p.get_content_type() == "text/html") for m in smtp.got]
    assert html[1] == html[0]
    # apprise:// to another Apprise API (the sink)
    fwd = f"apprise://127.0.0.1:{sink.port}/otherkey?tags=a,b"
    r = run_apprise("-t", "T", "-b", "B", fwd)
    theirs = sink.wait(1)[0]
    sink.requests.clear()
    r = session().post(url(aport, "/notify"), json={"urls": fwd, "title": "T", "body": "B"},
                       timeout=20)
    assert r.status_code == 200, r.text
    ours = sink.wait(1)[0]
    assert ours["path"] == theirs["path"] == "/notify/otherkey"
    assert json.loads(ours["body"]) == json.loads(theirs["body"])
    # the CLI starts at 1; hearth received none, so sends 1 too
    assert ours["headers"]["x-apprise-recursion-count"] == \
        theirs["headers"]["x-apprise-recursion-count"] == "1"


def test_discord_fields_match_apprises_own_extraction(hearth, sink):
    """Apprise 1.2.0's extract_markdown_sections (imported from Debian's
    package) is the oracle for the embeds' description and fields."""
    from apprise.plugins.NotifyDiscord import NotifyDiscord
    aport, _ = hearth
    bodies = ["Backup report\n# Disk\nsda ok\nsdb ok\n## Net\nup\n# Empty",
              "# Only\nvalue here", "a#b\n#x\ny", "text only", "  \n# A\n\nB\n\n# C\nx",
              "# \n## \nz", "#### Deep ###\n`code` *x*\nmore\n# last\nq",
              "intro line\nsecond line\n\n# H1 `x`\nvalue one\n  # indented\nv2\nv3 # not a head",
              "x\r\n# crlf\r\nvalue\r\n# two\r\nmore\r\n", "##\n#\n###", "desc ## mid\n#h\nab"]
    for i, body in enumerate(bodies):
        r = session().post(url(aport, "/notify"), json={
            "urls": "discord://123/tok?format=markdown&avatar=no", "title": "t",
            "body": body, "format": "markdown"}, timeout=20)
        assert r.status_code == 200, r.text
        got = json.loads(sink.wait(i + 1)[i]["body"])["embeds"][0]
        desc, fields = NotifyDiscord.extract_markdown_sections(body.rstrip())
        assert got["description"] == desc, body
        assert got.get("fields", []) == fields[:10], body


def test_a_target_that_never_answers_times_out_alone(hearthd_factory, sink):
    aport = free_port()
    cfg, _ = notify_config(hearthd_factory.tmp_path, apprise={
        "listen": f"127.0.0.1:{aport}", "timeout": "1s", "retries": 2,
        "retry_delay_ms": 100})
    hearthd_factory(cfg)
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(8)  # connections complete in the kernel; nothing ever answers
    try:
        t0 = time.monotonic()
        r = session().post(url(aport, "/notify"), json={
            "urls": [f"json://127.0.0.1:{mute.getsockname()[1]}/hang",
                     f"json://127.0.0.1:{sink.port}/ok"], "body": "x"}, timeout=30)
        took = time.monotonic() - t0
        assert r.status_code == 424, r.text
        (f,) = r.json()["failed"]
        assert "/hang" in f["url"] and "time" in f["reason"].lower(), f
        # one try of a second: a timeout is not repeated
        assert 0.9 < took < 3, took
        ok = [q for q in sink.wait(1) if q["path"] == "/ok"]
        assert ok and ok[0]["at"] - t0 < 0.9
    finally:
        mute.close()
