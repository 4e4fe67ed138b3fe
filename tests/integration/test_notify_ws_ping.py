# SPDX-License-Identifier: MIT
"""WebSocket subscriptions get ping frames from the server every
notify.keepalive_interval (ntfy sends pings, not JSON keepalive events,
over WebSocket), and one that never answers them is closed."""
import os
import socket
import struct
import time

from notify_helpers import notify_config, ws_upgrade_headers


def ws_open(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{ws_upgrade_headers()}\r\n"
              .encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        assert chunk, data
        data += chunk
    assert b" 101 " in data.split(b"\r\n", 1)[0], data
    return s, data.split(b"\r\n\r\n", 1)[1]


def frames(s, buf, until):
    """Yields (opcode, payload, arrival) of server frames until @until."""
    while time.monotonic() < until:
        while len(buf) < 2 or len(buf) < 2 + (buf[1] & 0x7F if buf[1] & 0x7F < 126 else 0):
            s.settimeout(max(0.05, until - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return
            if not chunk:
                yield (None, b"", time.monotonic())
                return
            buf += chunk
        n, off = buf[1] & 0x7F, 2
        if n == 126:
            n, off = struct.unpack(">H", buf[2:4])[0], 4
        elif n == 127:
            n, off = struct.unpack(">Q", buf[2:10])[0], 10
        while len(buf) < off + n:
            buf += s.recv(65536)
        yield (buf[0] & 0x0F, buf[off:off + n], time.monotonic())
        buf = buf[off + n:]


def pong(s, payload):
    mask = os.urandom(4)
    s.sendall(bytes([0x8A, 0x80 | len(payload)]) + mask +
              bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def test_server_pings_every_keepalive_interval(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path, keepalive_interval="1s")
    hearthd_factory(cfg)
    s, buf = ws_open(port, "/pinged/ws")
    t0 = time.monotonic()
    pings, texts = [], []
    for op, payload, at in frames(s, buf, t0 + 4.5):
        if op == 0x9:
            pings.append(at - t0)
            pong(s, payload)
        elif op == 0x1:
            texts.append(payload)
        elif op is None:
            break
    s.close()
    assert b'"event":"open"' in texts[0]
    assert not any(b'"keepalive"' in t for t in texts), texts  # pings, not JSON
    assert len(pings) >= 3, pings  # about one a second, answered each time
    assert all(0.5 < b - a < 2.0 for a, b in zip(pings, pings[1:])), pings


def test_a_peer_that_never_pongs_is_closed(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path, keepalive_interval="1s")
    hearthd_factory(cfg)
    s, buf = ws_open(port, "/silent/ws")
    t0 = time.monotonic()
    ended = None
    for op, _payload, at in frames(s, buf, t0 + 20):
        if op in (None, 0x8):  # the server's close frame or EOF
            ended = at - t0
            break
    s.close()
    assert ended is not None, "a silent peer was never closed"
    assert ended < 20
