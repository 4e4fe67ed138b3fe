# SPDX-License-Identifier: MIT
"""Helpers shared by the integration tests (no fixtures here)."""
import functools
import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HEARTHD = os.environ.get("HEARTHD") or str(REPO_ROOT / "build" / "src" / "hearthd")
HEARTH = os.environ.get("HEARTH") or str(REPO_ROOT / "build" / "src" / "hearth")
# The test-only HTTP daemon (tests/support/http_testd.c), ASan build.
HTTP_TESTD = os.environ.get("HTTP_TESTD") or str(
    REPO_ROOT / "build-asan" / "tests" / "support" / "http_testd")

# Generous: the suite also runs against AddressSanitizer builds.
STARTUP_TIMEOUT = 20.0

API_KEY = "test-key-0123456789"

SANITIZER_MARKERS = ("AddressSanitizer", "runtime error:", "ThreadSanitizer")
# ThreadSanitizer's exit status after a report (its default; scripts/test.sh
# sets it explicitly with halt_on_error=1): a process that ends with it was
# stopped by a sanitizer, whatever its stderr says.
SANITIZER_EXITCODE = 66


@functools.lru_cache(maxsize=None)
def hearthd_version():
    """The version hearthd reports (hearthd --version: "hearthd X.Y.Z")."""
    out = subprocess.run([HEARTHD, "--version"], capture_output=True,
                         text=True, timeout=20).stdout
    return out.split()[1]

_PLAIN = re.compile(r"^[A-Za-z0-9_/.][A-Za-z0-9_./:@+-]*$")
_YAML_WORDS = {"null", "Null", "NULL", "~", "true", "True", "TRUE", "false",
               "False", "FALSE", "yes", "no", "on", "off", "y", "n"}


def _scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if v is None:
        return "null"
    s = str(v)
    # Plain style when that is unambiguous: sizes and durations (16k, 1s)
    # must be plain for hearth; anything odd is double-quoted (JSON
    # strings are valid YAML double-quoted scalars).
    if _PLAIN.match(s) and s not in _YAML_WORDS and not s.endswith(":"):
        return s
    return json.dumps(s)


def to_yaml(obj, indent=0):
    """A small block-style YAML emitter for dicts of dicts and scalars."""
    pad = "  " * indent
    lines = []
    for k, v in obj.items():
        if isinstance(v, dict):
            if v:
                lines.append(f"{pad}{k}:")
                lines.append(to_yaml(v, indent + 1).rstrip("\n"))
            else:
                lines.append(f"{pad}{k}: {{}}")
        else:
            lines.append(f"{pad}{k}: {_scalar(v)}")
    return "\n".join(lines) + "\n"


def free_port(host="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def sanitizer_report(text):
    """The lines around the first sanitizer report in @text, or ''."""
    for marker in SANITIZER_MARKERS:
        i = text.find(marker)
        if i >= 0:
            start = max(0, text.rfind("\n", 0, max(0, i - 2000)))
            return text[start:i + 4000]
    return ""


def base_config(tmp_path, *, api_key=API_KEY, lab=True, http=None,
                log_level=None, state_dir=None, **top):
    """A complete, valid config as a dict; http.listen uses @PORT@, which the
    daemon fixture replaces with the port it picked."""
    cfg = {"state_dir": str(state_dir or (Path(tmp_path) / "state"))}
    if log_level:
        cfg["log"] = {"level": log_level}
    h = {"listen": "127.0.0.1:@PORT@"}
    if api_key is not None:
        h["api_key"] = api_key
    h.update(http or {})
    cfg["http"] = h
    if lab:
        cfg["lab"] = {
            "domain": "lab.example",
            "networks": {
                "dmz": {"vlan": 30, "subnet": "192.168.30.0/24",
                        "gateway": "192.168.30.1"},
                "hyper": {"vlan": 20, "subnet": "192.168.20.0/24",
                          "gateway": "192.168.20.1"},
            },
            "hosts": {
                "web": {"ip": "192.168.30.10", "mac": "52:54:00:00:00:01",
                        "network": "dmz", "public": "203.0.113.5"},
                "hv1": {"ip": "192.168.20.11", "network": "hyper"},
                "pi": {"ip": "192.168.20.2"},
            },
        }
    cfg.update(top)
    return cfg


# ---- raw sockets ----

def connect(daemon, timeout=5.0):
    fam = socket.AF_INET6 if ":" in daemon.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((daemon.host, daemon.port))
    return s


def read_response(sock, timeout=5.0, max_bytes=1 << 20):
    """Reads one HTTP/1.1 response (status, headers dict, body bytes).

    Returns None when the server closed (or reset) the connection before
    sending a status line."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            if time.monotonic() > deadline or len(data) > max_bytes:
                raise TimeoutError("no complete response head")
            chunk = sock.recv(65536)
            if not chunk:
                return None if not data else _parse(data, sock, deadline)
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        return None if not data else _parse(data, sock, deadline)
    return _parse(data, sock, deadline)


def _parse(data, sock, deadline):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    try:
        while len(body) < n and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    return status, headers, body[:n]


def raw_request(daemon, data, timeout=5.0):
    """Sends @data on a new connection and reads one response (or None)."""
    s = connect(daemon, timeout)
    try:
        try:
            s.sendall(data)
        except (ConnectionResetError, BrokenPipeError):
            pass
        return read_response(s, timeout)
    finally:
        s.close()


def wait_closed(sock, timeout):
    """Seconds until the peer closes @sock (EOF or reset), None if it stays
    open for @timeout seconds. Any data received is ignored."""
    start = time.monotonic()
    deadline = start + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            return None
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start
        if not chunk:
            return time.monotonic() - start


def metric_samples(text):
    """{(name, frozenset(labels.items())): value} using prometheus_client."""
    from prometheus_client.parser import text_string_to_metric_families
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def sample(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))
