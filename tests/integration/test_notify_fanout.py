# SPDX-License-Identifier: MIT
"""The notify room's fan-out to hundreds of subscribers at once (the sends
shared between the loop thread and the HTTP server's sender thread): every
json, sse and WebSocket subscriber that reads gets every message, in
publish order, while subscribers that never read, among them, are dropped
after the bounded buffer (subscriber_buffer) without holding up the
others; subscribers reset while a fan-out runs are let go. Each test runs
twice: the sends batched through io_uring (the default) and one sendmsg
each (HEARTH_IO_URING=0, the way a kernel without io_uring is served)."""
import re
import struct
import selectors
import socket
import threading
import time

import pytest

from notify_helpers import notify_config, ntfy_url, session, subscribe_request

KINDS = ("json", "sse", "ws")
READERS_PER_KIND = 90  # 270 readers + 6 stuck: over the 256 that split
STUCK_PER_KIND = 2
BODY_PAD = "p" * 3800


def open_sub(port, kind, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(30)
    s.connect(("127.0.0.1", port))
    s.sendall(subscribe_request("fan", kind))
    return s


def wait_open(socks, timeout=60):
    """Reads each socket until its "open" event; returns what each had."""
    bufs = {s: b"" for s in socks}
    deadline = time.monotonic() + timeout
    for s in socks:
        while b'"open"' not in bufs[s]:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            chunk = s.recv(65536)
            assert chunk, "closed before its open event"
            bufs[s] += chunk
    return bufs


class Readers(threading.Thread):
    """Reads every socket of @socks until stopped; seen[s] lists the
    message numbers (body "n<k> ...") in the order they arrived."""

    def __init__(self, socks, bufs):
        super().__init__(daemon=True)
        self.socks = socks
        self.bufs = dict(bufs)
        self.seen = {s: [] for s in socks}
        self.closed = set()
        self.stop = threading.Event()

    def run(self):
        sel = selectors.DefaultSelector()
        for s in self.socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        pat = re.compile(rb'"message":"n(\d+) ')
        while not self.stop.is_set():
            for key, _ in sel.select(0.2):
                s = key.fileobj
                try:
                    chunk = s.recv(1 << 20)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(s)
                    self.closed.add(s)
                    continue
                data = self.bufs[s] + chunk
                end = 0
                for m in pat.finditer(data):
                    self.seen[s].append(int(m.group(1)))
                    end = m.end()
                # Keep what may hold the start of the next match.
                self.bufs[s] = data[max(end, len(data) - 64):]
        sel.close()


def wait_seen(r, socks, n_msgs, timeout=60):
    """Until every one of @socks saw @n_msgs messages (or @timeout s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and \
            any(len(r.seen[s]) < n_msgs for s in socks):
        time.sleep(0.2)


def assert_seen(r, socks, n_msgs, kinds):
    """Each of @socks (transport kinds[i]) open, with messages 0..n_msgs-1
    in publish order."""
    want = list(range(n_msgs))
    for i, s in enumerate(socks):
        assert s not in r.closed, f"reader {i} ({kinds[i]}) was closed"
        assert r.seen[s] == want, \
            f"reader {i} ({kinds[i]}) saw {len(r.seen[s])} of {n_msgs} messages, " \
            f"in order: {r.seen[s] == sorted(r.seen[s])}"


def fan_daemon(hearthd_factory, n_all, buffer):
    """A daemon taking @n_all subscribers from this one address, each
    dropped beyond @buffer bytes behind; (daemon, notify port)."""
    cfg, port = notify_config(hearthd_factory.tmp_path,
                              subscriber_buffer=buffer,
                              max_subscribers=n_all + 50,
                              max_subscribers_per_client=n_all + 50,
                              limits={"exempt": "127.0.0.1/32"})
    return hearthd_factory(cfg), port


SEND_PATHS = {"io_uring": "fan-out sends batched through io_uring",
              "sendmsg": "fan-out sends one sendmsg each (HEARTH_IO_URING=0)"}


@pytest.fixture(params=sorted(SEND_PATHS))
def send_path(request, monkeypatch):
    """The fan-out's way of sending; the daemon's log must name it."""
    if request.param == "sendmsg":
        monkeypatch.setenv("HEARTH_IO_URING", "0")
    else:
        monkeypatch.delenv("HEARTH_IO_URING", raising=False)
    return SEND_PATHS[request.param]


def test_fanout_to_hundreds_keeps_order_and_drops_only_the_stuck(hearthd_factory, send_path):
    n_all = len(KINDS) * (READERS_PER_KIND + STUCK_PER_KIND)
    d, port = fan_daemon(hearthd_factory, n_all, "16k")
    readers, stuck = [], []
    for i in range(READERS_PER_KIND + STUCK_PER_KIND):
        for k in KINDS:
            if i < STUCK_PER_KIND:
                stuck.append(open_sub(port, k, rcvbuf=4096))
            else:
                readers.append(open_sub(port, k))
    wait_open(stuck)
    r = Readers(readers, wait_open(readers))
    r.start()
    sess = session()
    start = len(d.stderr())
    n_msgs, dropped = 0, 0
    try:
        # Until every stuck one is dropped (their kernel buffers and the
        # 16 KiB full), at least 50 messages, at most 1500.
        while n_msgs < 1500 and (n_msgs < 50 or dropped < len(stuck)):
            resp = sess.post(ntfy_url(port, "/fan"),
                             data=f"n{n_msgs} {BODY_PAD}",
                             headers={"Cache": "no"}, timeout=30)
            assert resp.status_code == 200, resp.text
            n_msgs += 1
            if n_msgs % 10 == 0:
                dropped = d.stderr()[start:].count("dropped a subscriber of fan")
        assert dropped == len(stuck), \
            f"{dropped} of {len(stuck)} stuck subscribers dropped after {n_msgs} messages"
        print(f"\n{n_msgs} messages to {len(readers)} readers; {dropped} stuck dropped")
        assert send_path in d.stderr()
        wait_seen(r, readers, n_msgs)
    finally:
        r.stop.set()
        r.join(10)
    assert_seen(r, readers, n_msgs, [KINDS[i % len(KINDS)] for i in range(len(readers))])
    # The stuck ones end: what the kernel held, then the close (a stream's
    # last chunk, a WebSocket's close frame or the connection closed).
    for s in stuck:
        s.settimeout(10)
        total, tail = 0, b""
        while True:
            try:
                chunk = s.recv(1 << 20)
            except ConnectionResetError:
                break
            if not chunk:
                break
            total += len(chunk)
            tail = (tail + chunk)[-16:]
            assert total < 64 * 1024 * 1024
            if tail.endswith(b"\r\n0\r\n\r\n") or b"\x88\x02\x03\xe8" in tail:
                break
        s.close()
    for s in readers:
        s.close()


def test_subscribers_reset_during_fanouts_are_let_go(hearthd_factory, send_path):
    """A third of 300 subscribers reset (RST) while messages are fanned out
    back to back: the daemon stays up, forgets them, and the others get
    every message in order."""
    n_all = 300
    d, port = fan_daemon(hearthd_factory, n_all, "64k")
    socks = [open_sub(port, KINDS[i % len(KINDS)]) for i in range(n_all)]
    bufs = wait_open(socks)
    keep = [s for i, s in enumerate(socks) if i % 3]
    gone = [s for i, s in enumerate(socks) if not i % 3]
    r = Readers(keep, {s: bufs[s] for s in keep})
    r.start()
    sess = session()
    n_msgs = 60
    try:
        for k in range(n_msgs):
            resp = sess.post(ntfy_url(port, "/fan"), data=f"n{k} {BODY_PAD}",
                             headers={"Cache": "no"}, timeout=30)
            assert resp.status_code == 200, resp.text
            if k == 5:
                # Reset while the next ones go out: SO_LINGER 0, close.
                for s in gone:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
                    s.close()
        wait_seen(r, keep, n_msgs)
    finally:
        r.stop.set()
        r.join(10)
    assert d.alive()
    assert_seen(r, keep, n_msgs, [KINDS[i % len(KINDS)] for i in range(n_all) if i % 3])
    # The reset ones are gone from the room's count.
    deadline = time.monotonic() + 10
    text = ""
    while time.monotonic() < deadline:
        text = sess.get(f"{d.url}/metrics", timeout=10).text
        subs = sum(float(line.split()[-1]) for line in text.splitlines()
                   if line.startswith("hearth_notify_subscribers{"))
        if subs == len(keep):
            break
        time.sleep(0.2)
    assert subs == len(keep), text
    assert send_path in d.stderr()
    for s in keep:
        s.close()
