# SPDX-License-Identifier: MIT
"""Helpers of the notify room's integration tests: configs and a URL."""
from helpers import base_config, free_port


def notify_config(tmp_path, port=None, **notify):
    """A config with the notify room on a free loopback port (or @port);
    returns (config dict, port)."""
    port = port or free_port()
    n = {"listen": f"127.0.0.1:{port}"}
    n.update(notify)
    cfg = base_config(tmp_path, lab=False, dns={"enabled": False},
                      notify=n)
    cfg.pop("dns")
    return cfg, port


def ntfy_url(port, path=""):
    return f"http://127.0.0.1:{port}{path}"


import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import queue  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import requests  # noqa: E402

NODE_DIR = __import__("pathlib").Path(__file__).resolve().parent / "node"


def session():
    s = requests.Session()
    s.trust_env = False
    return s


class Stream:
    """A subscription read line by line on a thread (requests, stream=True).
    lines() / next_line(timeout) / json_events(); close() ends it."""

    def __init__(self, url, timeout=30, headers=None):
        self.q = queue.Queue()
        self.s = session()
        self.resp = self.s.get(url, stream=True, timeout=(5, timeout),
                               headers=headers or {})
        self.headers = self.resp.headers
        self.status = self.resp.status_code
        self.closed = threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            for line in self.resp.iter_lines(decode_unicode=False):
                self.q.put(line.decode("utf-8", "replace"))
        except Exception as e:  # the server or close() ended it
            self.q.put(e)
        finally:
            self.closed.set()
            self.q.put(None)

    def next_line(self, timeout=10):
        item = self.q.get(timeout=timeout)
        if isinstance(item, Exception):
            return None
        return item

    def next_event(self, timeout=10):
        """The next JSON line (blank lines skipped, e.g. SSE separators)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no event")
            line = self.next_line(left)
            if line is None:
                return None
            if line.strip():
                return json.loads(line)

    def close(self):
        # Shut the socket down first: closing a socket another thread is
        # reading only takes effect once that read returns (at the read
        # timeout), so the server would not see the client leave.
        try:
            self.resp.raw._fp.fp.raw._sock.shutdown(socket.SHUT_RDWR)
        except Exception:
            pass
        try:
            self.resp.close()
        except Exception:
            pass
        self.t.join(5)


def publish(port, topic, body="", headers=None, params=None, method="POST"):
    s = session()
    return s.request(method, ntfy_url(port, f"/{topic}"), data=body,
                     headers=headers or {}, params=params or {}, timeout=10)


def poll(port, topic, **params):
    s = session()
    params.setdefault("poll", "1")
    r = s.get(ntfy_url(port, f"/{topic}/json"), params=params, timeout=10)
    assert r.status_code == 200, r.text
    return [json.loads(line) for line in r.text.splitlines() if line.strip()]


def ws_upgrade_headers():
    """The request headers of a WebSocket handshake (a fresh key), each
    line ending in CRLF."""
    key = base64.b64encode(os.urandom(16)).decode()
    return ("Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n")


def subscribe_request(topic, kind):
    """The raw GET of a /<topic>/<kind> subscription (json, sse, raw or
    ws, this one with the handshake's headers)."""
    extra = ws_upgrade_headers() if kind == "ws" else ""
    return f"GET /{topic}/{kind} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode()
