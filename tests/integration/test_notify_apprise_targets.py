# SPDX-License-Identifier: MIT
"""Apprise targets in detail: ?verify= against a loopback TLS sink with a
self-signed certificate, the discord payload (embeds, fields from markdown
headings, footer, image, tts), markdown and text bodies turned into HTML
for mailto://, and attachments (multipart uploads and URLs) forwarded to
the targets that take them."""
import base64
import json
import ssl
import subprocess

import pytest

from helpers import free_port
from notify_helpers import notify_config, poll, session
from test_notify_apprise import Sink, url


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
