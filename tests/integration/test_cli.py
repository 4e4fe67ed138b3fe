# SPDX-License-Identifier: MIT
"""The hearth CLI against a real hearthd, and against a fake server for the
error paths a healthy daemon never takes."""
import http.server
import json
import re
import socket
import textwrap
import threading

import pytest

from helpers import API_KEY, base_config, free_port, hearthd_version

ROOMS = ("store", "http", "lab")


def status_args(d, key=API_KEY):
    return ["--url", d.url, "--api-key", key]


# ---- a fake daemon ----

class FakeServer:
    """Answers every GET with a canned status/body and records requests."""

    def __init__(self, port=0):
        self.status = 200
        self.body = b"{}"
        self.content_type = "application/json"
        self.requests = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests.append({"path": self.path,
                                       "headers": dict(self.headers)})
                self.send_response(owner.status)
                self.send_header("Content-Type", owner.content_type)
                self.send_header("Content-Length", str(len(owner.body)))
                self.end_headers()
                self.wfile.write(owner.body)

            do_POST = do_GET

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                     Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def fake_status_body():
    return json.dumps({
        "version": hearthd_version(), "pid": 4242, "uptime_seconds": 12.5,
        "config": "/etc/hearth/hearth.yaml", "state_dir": "/var/lib/hearth",
        "store": {"path": "/var/lib/hearth/hearth.db", "schema_version": 1,
                  "starts": 7},
        "rooms": {"store": "running", "http": "running", "lab": "disabled", "dns": "disabled", "dhcp": "disabled"},
        "reloads": {"ok": 0, "failed": 0}}).encode()


@pytest.fixture
def fake():
    s = FakeServer()
    s.body = fake_status_body()
    yield s
    s.close()


def dead_url():
    return f"http://127.0.0.1:{free_port()}"


# ---- version, help, usage ----

def test_version(cli):
    r = cli("version")
    assert r.returncode == 0, r
    assert r.stdout.strip() == f"hearth {hearthd_version()}", r


@pytest.mark.parametrize("args", [
    ["--help"], ["help"], ["version", "--help"], ["status", "--help"],
    ["config", "--help"], ["config", "check", "--help"]])
def test_help(cli, args):
    r = cli(*args)
    assert r.returncode == 0, r
    assert "usage" in r.stdout.lower(), r


def test_help_lists_commands(cli):
    out = cli("--help").stdout
    for cmd in ("status", "version", "config"):
        assert cmd in out, out


@pytest.mark.parametrize("args", [
    [], ["bogus"], ["--bogus"], ["--bogus", "status"], ["status", "--bogus"],
    ["version", "extra"], ["config"], ["config", "bogus"], ["config", "check"],
    ["--url"], ["--api-key"], ["-c"], ["--config"]])
def test_usage_errors(cli, args):
    r = cli(*args)
    assert r.returncode == 2, r
    assert r.stderr.strip(), r


# ---- config check ----

def test_config_check_ok(cli, tmp_path):
    p = tmp_path / "good.yaml"
    p.write_text(textwrap.dedent(f"""\
        state_dir: {tmp_path / 'state'}
        http:
          listen: 127.0.0.1:8080
          api_key: k
        lab:
          domain: lab.example
          networks:
            dmz: {{vlan: 30, subnet: 192.168.30.0/24, gateway: 192.168.30.1}}
          hosts:
            web: {{ip: 192.168.30.10, network: dmz}}
        """))
    r = cli("config", "check", p)
    assert r.returncode == 0, r
    assert r.stdout.strip() == f"{p}: ok", r
    assert not (tmp_path / "state").exists()


BAD = {
    "unknown_key": ("http:\n  listen: 127.0.0.1:8080\n  lisen: x\n", 3, 3),
    "bad_address": ("http:\n  listen: 300.1.2.3:80\n", 2, 11),
    "wrong_type": ("http:\n  max_connections: lots\n", 2, 20),
    "outside_network": ("lab:\n  networks:\n    dmz:\n"
                        "      subnet: 192.168.30.0/24\n  hosts:\n"
                        "    web:\n      ip: 10.0.0.5\n      network: dmz\n",
                        7, 11),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_config_check_invalid(cli, run_hearthd, tmp_path, name):
    text, line, col = BAD[name]
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    r = cli("config", "check", p)
    assert r.returncode == 1, r
    m = re.search(r"^(.+):(\d+):(\d+): (.+)$", r.stderr, re.M)
    assert m, r
    assert m[1] == str(p)
    assert (int(m[2]), int(m[3])) == (line, col), r.stderr
    # Same verdict and message as the daemon's own check.
    d = run_hearthd("-c", p, "--check")
    assert d.returncode == 2
    assert m[0] in d.stderr, (r.stderr, d.stderr)
    assert "ok" not in r.stdout


def test_config_check_missing_file(cli, tmp_path):
    p = tmp_path / "nope.yaml"
    r = cli("config", "check", p)
    assert r.returncode == 1, r
    assert str(p) in r.stderr


# ---- status against the real daemon ----

def check_human_status(out, st_rooms):
    assert hearthd_version() in out, out
    lines = out.splitlines()
    for room, state in st_rooms.items():
        assert any(re.search(rf"\b{room}\b", l) and re.search(rf"\b{state}\b", l)
                   for l in lines), f"no line with {room} and {state}:\n{out}"


def test_status_with_config(cli, hearthd):
    r = cli("-c", hearthd.config_path, "status")
    assert r.returncode == 0, r
    check_human_status(r.stdout, {"store": "running", "http": "running",
                                  "lab": "loaded", "dns": "disabled", "dhcp": "disabled"})


def test_status_with_long_config_option(cli, hearthd):
    r = cli("--config", hearthd.config_path, "status", "--json")
    assert r.returncode == 0, r
    assert json.loads(r.stdout)["pid"] == hearthd.pid


def test_status_json(cli, hearthd):
    r = cli(*status_args(hearthd), "status", "--json")
    assert r.returncode == 0, r
    j = json.loads(r.stdout)
    st = hearthd.status()
    assert j["pid"] == hearthd.pid == st["pid"]
    assert j["version"] == hearthd_version()
    assert j["rooms"] == st["rooms"]
    assert j["store"]["starts"] == 1
    assert j["lab"] == st["lab"]
    assert j["config"] == str(hearthd.config_path)


def test_status_lab_disabled(cli, hearthd_factory):
    d = hearthd_factory(base_config(hearthd_factory.tmp_path, lab=False))
    r = cli(*status_args(d), "status")
    assert r.returncode == 0, r
    check_human_status(r.stdout, {"store": "running", "http": "running",
                                  "lab": "disabled", "dns": "disabled", "dhcp": "disabled"})


def test_status_env(cli, hearthd):
    r = cli("status", "--json",
            env={"HEARTH_URL": hearthd.url, "HEARTH_API_KEY": API_KEY})
    assert r.returncode == 0, r
    assert json.loads(r.stdout)["pid"] == hearthd.pid


def test_status_wrong_key_is_refused(cli, hearthd):
    r = cli(*status_args(hearthd, "wrong"), "status")
    assert r.returncode == 5, r
    assert r.stderr.strip(), r
    r = cli("--url", hearthd.url, "status")
    assert r.returncode == 5, r


def test_status_nothing_listening(cli):
    r = cli("--url", dead_url(), "--api-key", "k", "status")
    assert r.returncode == 3, r
    assert r.stderr.strip(), r


def test_status_invalid_config(cli, tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("http:\n  listen: nowhere\n")
    # Issue 9: the broken file is reported, then the defaults apply (here
    # a URL where nothing listens: exit 3, not the config's exit 1).
    r = cli("-c", p, "status", env={"HEARTH_URL": dead_url()})
    assert r.returncode == 3, r
    assert f"{p}:2:11:" in r.stderr, r
    assert "warning" in r.stderr, r


# ---- where the URL and key come from ----

def test_config_url_beats_env_url(cli, hearthd):
    r = cli("-c", hearthd.config_path, "status", "--json",
            env={"HEARTH_URL": dead_url()})
    assert r.returncode == 0, r


def test_url_option_beats_config(cli, hearthd):
    r = cli("--url", dead_url(), "-c", hearthd.config_path, "status")
    assert r.returncode == 3, r


def test_url_option_beats_env(cli, hearthd):
    r = cli("--url", hearthd.url, "--api-key", API_KEY, "status",
            env={"HEARTH_URL": dead_url()})
    assert r.returncode == 0, r


def test_api_key_option_beats_env_and_config(cli, hearthd_factory):
    d = hearthd_factory(base_config(hearthd_factory.tmp_path,
                                    api_key="daemon-key"))
    # The config's key is wrong for this daemon on purpose.
    other = hearthd_factory.tmp_path / "client.yaml"
    other.write_text(f"http:\n  listen: 127.0.0.1:{d.port}\n"
                     "  api_key: config-key\n")
    r = cli("--api-key", "daemon-key", "-c", other, "status",
            env={"HEARTH_API_KEY": "env-key"})
    assert r.returncode == 0, r


def test_env_key_beats_config_key(cli, hearthd_factory):
    d = hearthd_factory(base_config(hearthd_factory.tmp_path,
                                    api_key="daemon-key"))
    other = hearthd_factory.tmp_path / "client.yaml"
    other.write_text(f"http:\n  listen: 127.0.0.1:{d.port}\n"
                     "  api_key: config-key\n")
    r = cli("-c", other, "status", env={"HEARTH_API_KEY": "daemon-key"})
    assert r.returncode == 0, r
    r = cli("-c", other, "status", env={"HEARTH_API_KEY": "wrong"})
    assert r.returncode == 5, r
    r = cli("-c", d.config_path, "status", env={"HEARTH_API_KEY": "wrong"})
    assert r.returncode == 5, r


def test_config_key_used_without_env(cli, hearthd_factory):
    d = hearthd_factory(base_config(hearthd_factory.tmp_path,
                                    api_key="daemon-key"))
    r = cli("-c", d.config_path, "status")
    assert r.returncode == 0, r


def test_request_sent(cli, fake):
    r = cli("--url", fake.url, "--api-key", "the-key", "status", "--json")
    assert r.returncode == 0, r
    assert json.loads(r.stdout)["pid"] == 4242
    assert len(fake.requests) >= 1
    req = fake.requests[-1]
    assert req["path"] == "/api/v1/status"
    hdrs = {k.lower(): v for k, v in req["headers"].items()}
    assert hdrs.get("x-api-key") == "the-key"


def test_url_with_trailing_slash(cli, fake):
    r = cli("--url", fake.url + "/", "--api-key", "k", "status")
    assert r.returncode == 0, r
    assert fake.requests[-1]["path"] == "/api/v1/status"


def test_default_url(cli):
    """Without --url, -c or HEARTH_URL the CLI asks http://127.0.0.1:8080."""
    try:
        s = FakeServer(port=8080)
    except OSError:
        pytest.skip("127.0.0.1:8080 is in use")
    try:
        s.body = fake_status_body()
        r = cli("--api-key", "k", "status", "--json")
        assert r.returncode == 0, r
        assert s.requests and s.requests[-1]["path"] == "/api/v1/status"
    finally:
        s.close()


# ---- server errors and refusals ----

@pytest.mark.parametrize("code", [500, 502, 503])
def test_server_error_exit_4(cli, fake, code):
    fake.status = code
    fake.body = b'{"error":"boom"}'
    r = cli("--url", fake.url, "--api-key", "k", "status")
    assert r.returncode == 4, r


@pytest.mark.parametrize("body,ctype", [
    (b"this is not json", "text/plain"),
    (b"{\"version\": ", "application/json"),
    (b"", "application/json")])
def test_bad_response_exit_4(cli, fake, body, ctype):
    fake.body = body
    fake.content_type = ctype
    r = cli("--url", fake.url, "--api-key", "k", "status")
    assert r.returncode == 4, r


@pytest.mark.parametrize("code", [400, 401, 403, 404])
def test_client_error_exit_5(cli, fake, code):
    fake.status = code
    fake.body = b'{"error":"no"}'
    r = cli("--url", fake.url, "--api-key", "k", "status")
    assert r.returncode == 5, r
    assert r.stderr.strip(), r


def test_status_human_from_fake(cli, fake):
    r = cli("--url", fake.url, "--api-key", "k", "status")
    assert r.returncode == 0, r
    check_human_status(r.stdout, {"store": "running", "http": "running",
                                  "lab": "disabled", "dns": "disabled", "dhcp": "disabled"})


def test_peer_closes_without_answer(cli):
    """A peer that accepts and closes without answering: a connection error
    (3) or a bad response (4), never success or a usage error."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    stop = threading.Event()

    def loop():
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            try:
                c.recv(4096)
            except OSError:
                pass
            c.close()
    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        r = cli("--url", f"http://127.0.0.1:{port}", "--api-key", "k",
                "status")
        assert r.returncode in (3, 4), r
    finally:
        stop.set()
        t.join(5)
        srv.close()
