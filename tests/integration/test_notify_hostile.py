# SPDX-License-Identifier: MIT
"""Hostile input to the notify room: oversized bodies and headers, a
subscriber that never reads, floods of subscriptions from one address,
malformed WebSocket frames. The daemon stays up, bounded, and answers."""
import socket
import time

import pytest

from notify_helpers import (notify_config, ntfy_url, publish, session,
                            ws_upgrade_headers)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def raw_get(port, path, rcvbuf=None, extra=""):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode())
    return s


def head_of(s, timeout=5):
    s.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@pytest.fixture
def hostile(hearthd_factory):
    # Thousands of requests from this one address: ntfy's per-visitor
    # request limit (60 at once) would answer 429 first; the caps under
    # test here are the room's own, which exemption does not lift.
    cfg, port = notify_config(hearthd_factory.tmp_path,
                              subscriber_buffer="16k",
                              attachment_file_limit="64k",
                              limits={"exempt": "127.0.0.1/32"})
    d = hearthd_factory(cfg)
    return d, port


def test_oversized_body_and_headers(hostile):
    d, port = hostile
    r = publish(port, "big", b"x" * (300 * 1024))
    assert r.status_code == 413
    r = publish(port, "big", "x", headers={"X-Title": "t" * 40000})
    assert r.status_code == 431
    r = publish(port, "big", "still fine")
    assert r.status_code == 200


def test_slow_subscriber_is_dropped_after_a_bounded_buffer(hostile):
    d, port = hostile
    s = raw_get(port, "/slow/raw", rcvbuf=4096)
    assert b" 200 " in head_of(s)
    before = rss_kib(d.pid)
    body = "y" * 3900
    sess = session()
    dropped = False
    start = d.stderr().__len__()
    for i in range(4000):
        r = sess.post(ntfy_url(port, "/slow"), data=body,
                      headers={"Cache": "no"}, timeout=10)
        assert r.status_code == 200
        if i % 50 == 0 and "dropped a subscriber of slow" in d.stderr()[start:]:
            dropped = True
            break
    assert dropped, "a subscriber that never reads was never dropped"
    # Dropped once the kernel's socket buffers and the room's 16 KiB were
    # full: a few MB at most, not the 16 MB an unbounded backlog takes.
    assert i * len(body) < 10 * 1024 * 1024, i
    # (RSS is not compared: ASan's quarantine keeps freed memory.)
    del before
    # Its response ends (the last chunk) once the kernel's buffers are
    # read: nothing more was queued for it.
    s.settimeout(10)
    total, tail = 0, b""
    while not tail.endswith(b"\r\n0\r\n\r\n"):
        chunk = s.recv(65536)
        assert chunk, "closed before the last chunk"
        total += len(chunk)
        tail = (tail + chunk)[-16:]
        assert total < 64 * 1024 * 1024
    s.close()
    assert publish(port, "slow", "after").status_code == 200


def test_subscription_flood_from_one_address_is_limited(hostile):
    d, port = hostile
    socks, ok, limited = [], 0, 0
    try:
        for _ in range(300):
            try:
                s = raw_get(port, "/flood/json")
            except OSError:
                limited += 1
                continue
            socks.append(s)
            try:
                head = head_of(s, timeout=5)
            except (socket.timeout, OSError):
                head = b""
            if b" 200 " in head:
                ok += 1
            else:
                assert head == b"" or b" 429 " in head, head[:200]
                if b" 429 " in head and b"42903" not in head:
                    s.settimeout(5)
                    head += s.recv(4096)
                if b" 429 " in head:
                    assert b'"code":42903' in head, head
                limited += 1
                socks.pop().close()
        assert ok == 30, (ok, limited)  # max_subscribers_per_client
        assert limited == 270
        r = session().get(ntfy_url(port, "/v1/health"), timeout=5)
        assert r.status_code == 200
    finally:
        for s in socks:
            s.close()
    # The slots come back once they are gone.
    deadline = time.monotonic() + 10
    while True:
        s = raw_get(port, "/flood/json")
        head = head_of(s)
        s.close()
        if b" 200 " in head or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert b" 200 " in head


def ws_handshake(port, path):
    s = raw_get(port, path, extra=ws_upgrade_headers())
    head = head_of(s)
    assert b" 101 " in head, head
    return s


@pytest.mark.parametrize("frame", [
    b"\x81\x05hello",                      # unmasked client frame
    b"\x83\x80\x00\x00\x00\x00",           # reserved opcode 3
    b"\xf1\x80\x00\x00\x00\x00",           # RSV bits set
    b"\x81\xff" + b"\xff" * 8 + b"\0" * 4,  # a 2^64 - 1 byte length
    b"\x89\xfe\x01\x00" + b"\0" * 4 + b"p" * 256,  # a ping over 125 bytes
])
def test_malformed_websocket_frames_close_the_connection(hostile, frame):
    d, port = hostile
    s = ws_handshake(port, "/wsbad/ws")
    s.sendall(frame)
    s.settimeout(10)
    # The server answers with a close frame or just closes: either way
    # the connection ends.
    end = time.monotonic() + 10
    got = b""
    while time.monotonic() < end:
        try:
            chunk = s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        got += chunk
    assert time.monotonic() < end, "the connection stayed open"
    s.close()
    assert publish(port, "wsbad", "still serving").status_code == 200
    r = session().get(ntfy_url(port, "/v1/health"), timeout=5)
    assert r.json() == {"healthy": True}


def test_sigterm_while_publishes_and_uploads_are_in_flight(hearthd_factory):
    import threading
    # Six clients publishing as fast as they can from one address: exempt
    # from the per-visitor request limit (429 after 60), not under test.
    cfg, port = notify_config(hearthd_factory.tmp_path,
                              limits={"exempt": "127.0.0.1/32"})
    d = hearthd_factory(cfg)
    stop = threading.Event()
    answered = []

    def spam(body):
        s = session()
        while not stop.is_set():
            try:
                answered.append(s.post(ntfy_url(port, "/st"), data=body,
                                       timeout=5).status_code)
            except Exception:
                pass

    threads = [threading.Thread(target=spam, args=(b,))
               for b in ["small"] * 3 + ["x" * 5000] * 3]
    for t in threads:
        t.start()
    time.sleep(1.5)
    rc = d.stop()
    stop.set()
    for t in threads:
        t.join(10)
    assert rc == 0  # every strand job and handle came back before exit
    assert answered.count(200) > 10
    # 429: the visitor's request bucket ran dry (ntfy's limits), a refusal
    # like 503 during shutdown; what matters is that every 200 is durable.
    assert set(answered) <= {200, 429, 503}
    hearthd_factory.restart(d)
    from notify_helpers import poll
    msgs = poll(port, "st")
    # Everything answered 200 was durable: in the cache after the restart.
    assert len(msgs) >= answered.count(200)


def test_headers_up_to_the_limit_fit_the_listeners_pool(hostile):
    # The notify listener keeps a smaller per-connection pool than the
    # daemon's (each held subscription keeps one): request headers up to
    # http.max_header_bytes (16 KiB here) in one header or in many still
    # (120 lines: libmicrohttpd keeps each line's record in the pool too)
    # open a subscription that delivers, and just past it the answer is
    # the server's own JSON 431, not libmicrohttpd's bare one.
    d, port = hostile
    one = "X-Filler: " + "a" * 16000 + "\r\n"
    many = "".join(f"X-F{i:03d}: {'b' * 120}\r\n" for i in range(120))
    for extra in (one, many):
        assert len(extra) < 16384 - 100
        s = raw_get(port, "/fat/json", extra=extra)
        head = head_of(s)
        assert b" 200 " in head, head[:200]
        data = head
        deadline = time.monotonic() + 5
        while b'"open"' not in data and time.monotonic() < deadline:
            data += s.recv(4096)
        assert publish(port, "fat", "through a fat request").status_code == 200
        while b"through a fat request" not in data and time.monotonic() < deadline:
            chunk = s.recv(4096)
            assert chunk, data[-200:]
            data += chunk
        assert b"through a fat request" in data
        s.close()
    s = raw_get(port, "/fat/json", extra="X-Filler: " + "c" * 17000 + "\r\n")
    data = b""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
        if b"}" in data:
            break
    s.close()
    assert b" 431 " in data.split(b"\r\n", 1)[0], data[:200]
    assert b"request header fields too large" in data, data[-300:]
