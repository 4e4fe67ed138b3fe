# SPDX-License-Identifier: MIT
"""Deferred, streaming and WebSocket HTTP responses, request access and
per-route auth, through the test-only daemon tests/support/http_testd (ASan
build): every test ends it with SIGTERM and checks it exited 0 (it asserts
uv_loop_close() succeeds: no handle left open) with nothing from the
sanitizers."""
import asyncio
import base64
import hashlib
import json
import os
import re
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
import websockets

from helpers import HTTP_TESTD, SANITIZER_MARKERS


class HttpTestd:
    def __init__(self, tmp, args=()):
        self.stderr_path = Path(tmp) / "http_testd.stderr"
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        env["NO_PROXY"] = "127.0.0.1,localhost"
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [HTTP_TESTD, *args], stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=err, env=env,
                start_new_session=True)
        line = self.proc.stdout.readline().decode()
        assert line.startswith("listening "), (line, self.stderr())
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.session = requests.Session()
        self.session.trust_env = False

    def stderr(self):
        return self.stderr_path.read_text(errors="replace")

    def get(self, path, **kw):
        kw.setdefault("timeout", 10)
        return self.session.get(self.url + path, **kw)

    def stats(self):
        return self.get("/t/stats").json()

    def wait_stats(self, pred, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            s = self.stats()
            if pred(s) or time.monotonic() > deadline:
                return s
            time.sleep(0.05)

    def rss_kib(self):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def stop(self, timeout=20):
        """SIGTERM; returns the exit code (killed after @timeout)."""
        self.session.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                raise AssertionError("http_testd ignored SIGTERM\n" + self.stderr())
        self.proc.stdout.close()
        return self.proc.returncode

    def assert_clean_exit(self):
        rc = self.stop()
        err = self.stderr()
        assert rc == 0, f"http_testd exited {rc}\n{err}"
        for m in SANITIZER_MARKERS:
            assert m not in err, err
        assert "handle left open" not in err, err


@pytest.fixture(scope="module", autouse=True)
def asan_build():
    assert Path(HTTP_TESTD).exists(), \
        f"{HTTP_TESTD} missing: build build-asan (or set HTTP_TESTD)"
    assert b"libasan.so" in Path(HTTP_TESTD).read_bytes(), \
        f"{HTTP_TESTD} is not an ASan build"


@pytest.fixture
def testd_factory(tmp_path):
    started = []

    def make(*args):
        sub = tmp_path / f"d{len(started)}"
        sub.mkdir()
        d = HttpTestd(sub, args)
        started.append(d)
        return d

    yield make
    for d in started:
        d.assert_clean_exit()


@pytest.fixture
def testd(testd_factory):
    return testd_factory()


# ---- raw HTTP helpers ----

def connect(d, source=None, timeout=10):
    s = socket.create_connection(("127.0.0.1", d.port), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    return s


def send_get(s, path, headers=()):
    req = f"GET {path} HTTP/1.1\r\nHost: t\r\n"
    for h in headers:
        req += h + "\r\n"
    s.sendall((req + "\r\n").encode())


class Reader:
    """Reads an HTTP/1.1 response from a socket, chunk by chunk."""

    def __init__(self, s):
        self.s = s
        self.buf = b""

    def _fill(self):
        data = self.s.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self):
        status = self.line().decode()
        headers = {}
        while True:
            line = self.line().decode()
            if not line:
                break
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        return int(status.split()[1]), headers

    def chunk(self):
        """One chunk's payload (b"" for the last), framing checked."""
        size_line = self.line().decode()
        assert re.fullmatch(r"[0-9a-fA-F]+(;.*)?", size_line), size_line
        n = int(size_line.split(";")[0], 16)
        if n == 0:
            while self.line():  # trailers, up to the empty line
                pass
            return b""
        data = self.exact(n)
        assert self.exact(2) == b"\r\n", "chunk not followed by CRLF"
        return data


def open_hold(d, source=None):
    """A held stream: returns the socket once its first line arrived."""
    s = connect(d, source)
    send_get(s, "/t/hold")
    r = Reader(s)
    status, headers = r.head()
    assert status == 200, status
    assert headers.get("transfer-encoding") == "chunked"
    line = r.chunk()
    assert line.startswith(b'{"hold":'), line
    return s


# ---- deferred responses ----

def test_deferred_reply_arrives_later(testd):
    t0 = time.monotonic()
    r = testd.get("/t/defer?ms=300")
    elapsed = time.monotonic() - t0
    assert r.status_code == 200
    assert r.json() == {"waited_ms": 300}
    assert r.headers["Content-Type"] == "application/json"
    assert elapsed >= 0.29
    # Finished within the handler: answered at once.
    assert testd.get("/t/defer?ms=0").json() == {"waited_ms": 0}


def test_deferred_replies_do_not_block_the_loop(testd):
    """20 replies of 500 ms each, concurrently: ~0.5 s, not 10 s."""
    results = []

    def one():
        s = requests.Session()
        s.trust_env = False
        results.append(s.get(testd.url + "/t/defer?ms=500", timeout=10).status_code)

    threads = [threading.Thread(target=one) for _ in range(20)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    # The server keeps answering other requests meanwhile.
    assert testd.get("/t/stats").status_code == 200
    for t in threads:
        t.join(timeout=15)
    elapsed = time.monotonic() - t0
    assert results == [200] * 20
    assert elapsed < 4.0, elapsed


def test_deferred_client_gone_runs_on_abort(testd):
    before = testd.stats()
    s = connect(testd)
    send_get(s, "/t/defer?ms=5000")
    time.sleep(0.2)
    assert testd.stats()["jobs_open"] == before["jobs_open"] + 1
    s.close()
    st = testd.wait_stats(lambda x: x["aborts"] == before["aborts"] + 1)
    assert st["aborts"] == before["aborts"] + 1, st
    assert st["jobs_open"] == 0, st


# ---- streams ----

def test_ndjson_lines_arrive_one_by_one(testd):
    s = connect(testd)
    send_get(s, "/t/ndjson?n=4&ms=250")
    r = Reader(s)
    status, headers = r.head()
    assert status == 200
    assert headers["content-type"] == "application/x-ndjson"
    assert headers["transfer-encoding"] == "chunked"
    t0 = time.monotonic()
    arrivals, lines, pending = [], [], b""
    while True:
        data = r.chunk()
        if not data:
            break
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            lines.append(json.loads(line))
            arrivals.append(time.monotonic() - t0)
    end = time.monotonic() - t0
    s.close()
    assert lines == [{"i": i} for i in range(4)]
    # Each line is flushed when written, not when the stream ends.
    assert arrivals[0] < end - 0.5, (arrivals, end)
    for a, b in zip(arrivals, arrivals[1:]):
        assert b - a > 0.15, arrivals


def test_chunked_framing_and_end(testd):
    s = connect(testd)
    send_get(s, "/t/ndjson?n=2&ms=20")
    r = Reader(s)
    status, headers = r.head()
    assert status == 200
    assert "content-length" not in headers
    body = b""
    while True:
        c = r.chunk()  # checks hex size, payload, CRLF
        if not c:
            break
        body += c
    assert body == b'{"i":0}\n{"i":1}\n'
    # The connection stays usable for the next request (keep-alive).
    send_get(s, "/t/stats")
    status, _ = r.head()
    assert status == 200
    s.close()


def test_sse_format_and_keepalive(testd):
    r = testd.get("/t/sse?n=2&ms=150&ka=40", stream=True)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/event-stream"
    assert r.headers["Cache-Control"] == "no-store"
    text = b"".join(r.iter_content(chunk_size=None)).decode()
    events = [e for e in text.split("\n\n") if e]
    assert events[0] == "event: hello\ndata: line one\ndata: line two"
    ticks = [e for e in events if e.startswith("event: tick")]
    assert ticks == ["event: tick\ndata: 0", "event: tick\ndata: 1"]
    comments = [e for e in events if e.startswith(":")]
    assert comments and all(c == ": keepalive" for c in comments), events
    assert set(events) <= {events[0], *ticks, ": keepalive"}


def test_client_disconnect_mid_stream_frees_everything(testd):
    before = testd.stats()
    socks = [open_hold(testd) for _ in range(5)]
    s = connect(testd)
    send_get(s, "/t/ndjson?n=1000&ms=20")
    r = Reader(s)
    assert r.head()[0] == 200
    r.chunk()
    assert testd.stats()["streams"] == 6
    # Some leave politely, some reset the connection.
    for i, h in enumerate(socks):
        if i % 2:
            h.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b"\x01\x00\x00\x00\x00\x00\x00\x00")
        h.close()
    s.close()
    st = testd.wait_stats(lambda x: x["streams"] == 0 and x["jobs_open"] == 0)
    assert st["streams"] == 0 and st["jobs_open"] == 0, st
    assert st["closes"] == before["closes"] + 6, st
    m = testd.get("/metrics").text
    assert "hearth_http_streams 0\n" in m


def test_http10_stream_is_not_chunked_and_ends_with_the_close(testd):
    s = connect(testd)
    s.sendall(b"GET /t/ndjson?n=2&ms=20 HTTP/1.0\r\nHost: t\r\n\r\n")
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
    s.close()
    head, body = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"transfer-encoding" not in head.lower()
    assert b"connection: close" in head.lower()
    assert body == b'{"i":0}\n{"i":1}\n'
    st = testd.wait_stats(lambda x: x["streams"] == 0 and x["jobs_open"] == 0)
    assert st["streams"] == 0 and st["jobs_open"] == 0, st


def test_stream_ended_within_its_handler_then_keepalive(testd):
    s = connect(testd)
    for _ in range(3):
        send_get(s, "/t/flood?n=2")
        r = Reader(s)
        status, headers = r.head()
        assert status == 200
        body = b""
        while True:
            c = r.chunk()
            if not c:
                break
            body += c
        assert body == b"f" * 32768
    send_get(s, "/t/stats")
    assert r.head()[0] == 200
    s.close()
    st = testd.wait_stats(lambda x: x["streams"] == 0 and x["jobs_open"] == 0)
    assert st["streams"] == 0 and st["jobs_open"] == 0, st


def test_ended_stream_unread_is_closed_after_idle_timeout(testd_factory):
    """A stream that ended with bytes still pending for a client that
    never reads is closed after the idle timeout, not held forever."""
    d = testd_factory("--idle-timeout", "1")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", d.port))
    send_get(s, "/t/flood")
    t0 = time.monotonic()
    st = d.wait_stats(lambda x: x["jobs_open"] == 0)
    assert st["jobs_open"] == 0, st
    assert d.stats()["streams"] == 1  # ended, its rest pending
    st = d.wait_stats(lambda x: x["streams"] == 0, timeout=15)
    assert st["streams"] == 0, st
    assert time.monotonic() - t0 > 0.8
    # The client gets what the socket held, then the end of the
    # connection, without the last chunk.
    total, tail = 0, b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        total += len(chunk)
        tail = (tail + chunk)[-16:]
    s.close()
    assert 0 < total < 16384 * 1000
    assert not tail.endswith(b"\r\n0\r\n\r\n")


def test_stream_caps_answer_429(testd_factory):
    d = testd_factory("--max-streams", "5", "--max-streams-per-client", "3")
    mine = [open_hold(d) for _ in range(3)]
    r = d.get("/t/hold")
    assert r.status_code == 429
    assert r.headers["Content-Type"] == "application/json"
    assert "from this address" in r.json()["error"]
    # A WebSocket counts against the same caps.
    with pytest.raises(websockets.InvalidStatusCode) as e:
        asyncio.run(ws_connect_only(d, "/t/ws"))
    assert e.value.status_code == 429
    # Another client address still gets in, up to the total cap.
    other = [open_hold(d, source="127.0.0.2") for _ in range(2)]
    s = connect(d, source="127.0.0.3")
    send_get(s, "/t/hold")
    status, _ = Reader(s).head()
    assert status == 429
    s.close()
    assert d.stats()["streams"] == 5
    for h in mine + other:
        h.close()
    st = d.wait_stats(lambda x: x["streams"] == 0)
    assert st["streams"] == 0
    assert "hearth_http_streams_refused_total 3\n" in d.get("/metrics").text


def test_1000_streams_bounded_memory(testd_factory):
    n = 1000
    d = testd_factory("--max-streams", "5000", "--max-streams-per-client",
                      "5000", "--max-connections", "5000")
    # Warm up the allocator and libmicrohttpd's pools.
    warm = [open_hold(d) for _ in range(50)]
    for h in warm:
        h.close()
    d.wait_stats(lambda x: x["streams"] == 0)
    before = d.rss_kib()
    socks = [open_hold(d) for _ in range(n)]
    st = d.stats()
    assert st["streams"] == n, st
    after = d.rss_kib()
    per = (after - before) * 1024 / n
    print(f"\nRSS before {before} KiB, with {n} streams {after} KiB: "
          f"{per / 1024:.1f} KiB per stream (ASan build)")
    assert per < 32 * 1024, f"{per:.0f} bytes per stream"
    for h in socks:
        h.close()
    st = d.wait_stats(lambda x: x["streams"] == 0 and x["jobs_open"] == 0,
                      timeout=30)
    assert st["streams"] == 0 and st["jobs_open"] == 0, st


def test_shutdown_with_everything_open(testd_factory, tmp_path):
    d = testd_factory()
    holds = [open_hold(d) for _ in range(3)]
    deferred = connect(d)
    send_get(deferred, "/t/defer?ms=60000")
    codes = []

    async def ws_until_closed():
        async with websockets.connect(f"ws://127.0.0.1:{d.port}/t/ws") as ws:
            assert await ws.recv() == "welcome"
            codes.append("open")
            try:
                await asyncio.wait_for(ws.recv(), 20)
            except websockets.ConnectionClosed as e:
                codes.append(e.rcvd.code if e.rcvd else None)

    t = threading.Thread(target=lambda: asyncio.run(ws_until_closed()))
    t.start()
    deadline = time.monotonic() + 10
    while "open" not in codes and time.monotonic() < deadline:
        time.sleep(0.05)
    assert d.wait_stats(lambda x: x["jobs_open"] == 5)["jobs_open"] == 5
    t0 = time.monotonic()
    d.assert_clean_exit()  # SIGTERM: exit 0, loop closed, ASan silent
    assert time.monotonic() - t0 < 5
    t.join(timeout=10)
    assert codes == ["open", 1001]
    for h in holds:
        data = h.recv(65536)
        while data:  # the stream ends (cut) at shutdown
            data = h.recv(65536)
        h.close()
    deferred.close()


# ---- WebSocket ----

async def ws_connect_only(d, path):
    async with websockets.connect(f"ws://127.0.0.1:{d.port}{path}"):
        pass


def run_ws(d, path, fn, **kw):
    async def main():
        async with websockets.connect(f"ws://127.0.0.1:{d.port}{path}",
                                      **kw) as ws:
            assert await ws.recv() == "welcome"
            return await fn(ws)
    return asyncio.run(main())


def test_ws_echo_text_and_binary(testd):
    async def fn(ws):
        await ws.send("hello")
        assert await ws.recv() == "hello"
        await ws.send("ünïcödé ✓")
        assert await ws.recv() == "ünïcödé ✓"
        await ws.send(b"\x00\x01\xff")
        assert await ws.recv() == b"\x00\x01\xff"
        await ws.send("x" * 60000)  # one frame, 16-bit+ length
        assert await ws.recv() == "x" * 60000
    run_ws(testd, "/t/ws", fn)
    assert testd.stats()["ws_messages"] == 4


def test_ws_ping_pong_both_ways(testd):
    async def fn(ws):
        for _ in range(3):
            pong = await ws.ping(b"abc")
            await asyncio.wait_for(pong, 5)
        # The server pings too (every 100 ms): the client answers and
        # the connection stays up well past several intervals.
        await asyncio.sleep(0.5)
        await ws.send("still here")
        return await ws.recv()
    assert run_ws(testd, "/t/ws?ping=100", fn) == "still here"


def test_ws_close_handshake_from_client(testd):
    before = testd.stats()["closes"]

    async def fn(ws):
        await ws.close(code=1000, reason="done")
        return ws.close_code, ws.close_reason
    code, _ = run_ws(testd, "/t/ws", fn)
    assert code == 1000
    st = testd.wait_stats(lambda x: x["closes"] == before + 1)
    assert st["closes"] == before + 1 and st["jobs_open"] == 0, st


def test_ws_close_handshake_from_server(testd):
    async def fn(ws):
        await ws.send("close")
        with pytest.raises(websockets.ConnectionClosedOK) as e:
            await asyncio.wait_for(ws.recv(), 5)
        return e.value.rcvd.code, e.value.rcvd.reason
    assert run_ws(testd, "/t/ws", fn) == (1000, "bye")
    assert testd.wait_stats(lambda x: x["jobs_open"] == 0)["jobs_open"] == 0


def test_ws_oversize_message_closes_1009(testd):
    async def fn(ws):
        await ws.send("y" * 1000)
        assert await ws.recv() == "y" * 1000
        await ws.send("y" * 1001)
        with pytest.raises(websockets.ConnectionClosedError) as e:
            await asyncio.wait_for(ws.recv(), 5)
        return e.value.rcvd.code
    assert run_ws(testd, "/t/ws?max=1000", fn) == 1009


def test_ws_big_messages_from_server(testd):
    async def fn(ws):
        for n in (125, 126, 65535, 65536, 1 << 20):
            await ws.send(f"big {n}")
            m = await ws.recv()
            assert m == "b" * n, (n, len(m))
    run_ws(testd, "/t/ws", fn, max_size=None)


def test_ws_handshake_accept_key_and_refusals(testd):
    # RFC 6455 section 1.3's example key and answer.
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    s = connect(testd)
    send_get(s, "/t/ws", ["Upgrade: websocket", "Connection: keep-alive, Upgrade",
                          f"Sec-WebSocket-Key: {key}",
                          "Sec-WebSocket-Version: 13"])
    status, headers = Reader(s).head()
    s.close()
    assert status == 101
    assert headers["upgrade"].lower() == "websocket"
    assert "upgrade" in headers["connection"].lower()
    assert headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    expect = base64.b64encode(hashlib.sha1(
        (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    assert headers["sec-websocket-accept"] == expect
    # Not an upgrade: 400; another version: 426 naming ours.
    r = testd.get("/t/ws")
    assert r.status_code == 400 and "error" in r.json()
    r = testd.get("/t/ws", headers={"Upgrade": "websocket",
                                    "Connection": "Upgrade",
                                    "Sec-WebSocket-Key": key,
                                    "Sec-WebSocket-Version": "8"})
    assert r.status_code == 426
    assert r.headers["Sec-WebSocket-Version"] == "13"
    assert testd.wait_stats(lambda x: x["jobs_open"] == 0)["jobs_open"] == 0


def test_ws_client_vanishes(testd):
    """Gone without a close frame: right after the handshake (while the
    server sends its welcome), reset or not."""
    before = testd.stats()
    rounds = 20
    for i in range(rounds):
        s = connect(testd)
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b"\x01\x00\x00\x00\x00\x00\x00\x00")
        send_get(s, "/t/ws", ["Upgrade: websocket", "Connection: Upgrade",
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                              "Sec-WebSocket-Version: 13"])
        if i % 4 < 2:
            assert Reader(s).head()[0] == 101
        s.close()
    # Those that reached the handler (all that read the 101, maybe not
    # the others) were each told once.
    st = testd.wait_stats(lambda x: x["jobs_open"] == 0)
    accepted = st["opened"] - before["opened"]
    assert rounds // 2 <= accepted <= rounds, st
    assert st["closes"] - before["closes"] == accepted, st
    assert st["streams"] == 0 and st["jobs_open"] == 0, st


# ---- request access and auth ----

def test_request_access(testd):
    s = connect(testd)
    port = s.getsockname()[1]
    cred = base64.b64encode(b"al:pa:ss").decode()
    send_get(s, "/t/req?a=1&b=two%20words&a=3&flag",
             ["X-Test: Yes", f"Authorization: Basic {cred}"])
    r = Reader(s)
    status, headers = r.head()
    body = r.exact(int(headers["content-length"]))
    s.close()
    j = json.loads(body)
    assert status == 200
    assert j["args"] == [["a", "1"], ["b", "two words"], ["a", "3"], ["flag", ""]]
    assert j["n_args"] == 4
    assert j["x_test"] == "Yes"  # looked up as "x-TEST"
    assert ["X-Test", "Yes"] in j["headers"]
    assert (j["basic"], j["user"], j["pass"]) == ("ok", "al", "pa:ss")
    assert j["bearer"] is None
    assert j["client"] == f"127.0.0.1:{port}" and j["client_port"] == port

    j = testd.get("/t/req", headers={"Authorization": "Bearer t0k.en"}).json()
    assert (j["bearer"], j["basic"], j["n_args"]) == ("t0k.en", "none", 0)
    j = testd.get("/t/req", headers={"Authorization": "Basic !!notbase64"}).json()
    assert j["basic"] == "invalid"
    nocolon = base64.b64encode(b"justuser").decode()
    j = testd.get("/t/req", headers={"Authorization": f"basic {nocolon}"}).json()
    assert j["basic"] == "invalid"


def test_route_auth_hooks(testd):
    r = testd.get("/t/auth")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="t"'
    assert r.json() == {"error": "unauthorized"}
    r = testd.get("/t/auth", headers={"Authorization": "Bearer bad"})
    assert r.status_code == 403 and r.json() == {"error": "forbidden"}
    r = testd.get("/t/auth", headers={"Authorization": "Bearer good"})
    assert r.status_code == 200 and r.json() == {"ok": True}
    # The management check, as core provides it.
    r = testd.get("/t/mgmt")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'X-API-Key realm="hearth"'
    assert r.json() == {"error": "missing or wrong X-API-Key"}
    assert testd.get("/t/mgmt", headers={"X-API-Key": "nope"}).status_code == 401
    assert testd.get("/t/mgmt", headers={"X-API-Key": "k3y"}).status_code == 200
