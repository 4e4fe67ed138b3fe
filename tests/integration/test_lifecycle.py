# SPDX-License-Identifier: MIT
"""hearthd's lifecycle: start, SIGTERM, SIGHUP reload, state, privileges."""
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import tempfile
import time
from pathlib import Path

import pytest

from helpers import (API_KEY, base_config, connect, metric_samples,
                     raw_request, sample, to_yaml)


def reload_and_wait(d, needle, since=None):
    """SIGHUP, then wait for @needle (str or regex) in the log written
    after the signal."""
    start = len(d.stderr()) if since is None else since
    d.signal(signal.SIGHUP)
    return d.wait_log(needle, timeout=10, start=start)


def reloads(d):
    s = metric_samples(d.metrics_text())
    return (sample(s, "hearth_config_reloads_total", result="ok"),
            sample(s, "hearth_config_reloads_total", result="error"))


# ---- start and stop ----

def test_start_logs_to_stderr(hearthd):
    # /healthz may answer before the line is out on a busy machine.
    hearthd.wait_log(re.compile(r"^info core: .*started", re.M))
    log = hearthd.stderr()
    for line in log.splitlines():
        assert re.match(r"^(error|warn|info|debug) [a-z]+: ", line), line


def test_sigterm_exits_zero_within_2s(hearthd):
    assert hearthd.get("/healthz").status_code == 200
    t0 = time.monotonic()
    hearthd.signal(signal.SIGTERM)
    try:
        rc = hearthd.proc.wait(timeout=5)
    except Exception:
        rc = None
    elapsed = time.monotonic() - t0
    assert rc == 0, f"exit code {rc}\n{hearthd.stderr()}"
    assert elapsed < 2.0, f"SIGTERM took {elapsed:.2f}s"
    # The port is released.
    with pytest.raises(OSError):
        connect(hearthd, timeout=1).close()


def test_sigterm_with_open_connections(hearthd_factory):
    """Idle and half-sent requests do not hold up a clean stop."""
    d = hearthd_factory(base_config(hearthd_factory.tmp_path,
                                    http={"idle_timeout": "1m"}))
    idle = connect(d)
    partial = connect(d)
    partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    keepalive = connect(d)
    keepalive.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    keepalive.recv(4096)
    try:
        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        try:
            rc = d.proc.wait(timeout=5)
        except Exception:
            rc = None
        elapsed = time.monotonic() - t0
        assert rc == 0, d.stderr()
        assert elapsed < 2.0, f"SIGTERM took {elapsed:.2f}s"
    finally:
        for s in (idle, partial, keepalive):
            s.close()


# ---- SIGHUP ----

def test_sighup_broken_file_keeps_old_config(hearthd_factory):
    tmp = hearthd_factory.tmp_path
    d = hearthd_factory()
    assert reloads(d) == (0, 0)

    # A new key in a file that is broken at a known position.
    broken = to_yaml(base_config(tmp, api_key="new-key"))
    lines = broken.splitlines()
    broken += "bogus_key: 1\n"
    d.write_config(broken)
    err_re = re.compile(
        r"^error core: reload refused, running config stays: "
        + re.escape(str(d.config_path)) + r":(\d+):(\d+): (.*)$", re.M)
    m = reload_and_wait(d, err_re)
    assert (int(m[1]), int(m[2])) == (len(lines) + 1, 1), m[0]
    assert "bogus_key" in m[3]

    # Still serving, with the old key.
    assert d.get("/healthz").status_code == 200
    assert d.get("/api/v1/status",
                 headers={"X-API-Key": API_KEY}).status_code == 200
    assert d.get("/api/v1/status",
                 headers={"X-API-Key": "new-key"}).status_code == 401
    assert reloads(d) == (0, 1)
    st = d.status()
    assert st["reloads"] == {"ok": 0, "failed": 1}
    assert st["lab"]["hosts"] == 3

    # A second broken file (a bad value this time) counts again.
    d.write_config(to_yaml(base_config(tmp)).replace(
        "vlan: 30", "vlan: 30000"))
    m = reload_and_wait(d, err_re)
    line_no = next(i for i, l in enumerate(broken.splitlines(), 1)
                   if "vlan: 30" in l)
    assert int(m[1]) == line_no, m[0]
    assert reloads(d) == (0, 2)
    assert d.alive()


def test_sighup_valid_file_applies_api_key(hearthd_factory):
    tmp = hearthd_factory.tmp_path
    d = hearthd_factory()
    assert d.get("/api/v1/status",
                 headers={"X-API-Key": API_KEY}).status_code == 200
    d.write_config(base_config(tmp, api_key="rotated-key"))
    reload_and_wait(d, re.compile(r"^info core: reloaded", re.M))
    assert d.get("/api/v1/status",
                 headers={"X-API-Key": "rotated-key"}).status_code == 200
    r = d.get("/api/v1/status", headers={"X-API-Key": API_KEY})
    assert r.status_code == 401
    assert reloads(d) == (1, 0)
    assert d.status("rotated-key")["reloads"] == {"ok": 1, "failed": 0}

    # Removing the key disables the management API (said explicitly: a
    # file that merely lacks the key is refused, see test_reload_guard).
    d.write_config(base_config(tmp, api_key=""))
    d.signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and reloads(d)[0] != 2:
        time.sleep(0.05)
    assert reloads(d) == (2, 0)
    assert d.get("/api/v1/status",
                 headers={"X-API-Key": "rotated-key"}).status_code == 401


def test_sighup_broken_then_fixed(hearthd_factory):
    tmp = hearthd_factory.tmp_path
    d = hearthd_factory()
    d.write_config("http: [unclosed\n")
    reload_and_wait(d, "reload refused")
    d.write_config(base_config(tmp, api_key="fixed-key"))
    reload_and_wait(d, re.compile(r"^info core: reloaded", re.M))
    assert reloads(d) == (1, 1)
    assert d.status("fixed-key")["reloads"] == {"ok": 1, "failed": 1}


def test_sighup_applies_max_body_bytes(hearthd_factory):
    tmp = hearthd_factory.tmp_path
    d = hearthd_factory()
    req = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           b"Content-Length: 2048\r\n\r\n" + b"x" * 2048)
    assert raw_request(d, req)[0] == 200
    d.write_config(base_config(tmp, http={"max_body_bytes": "1k"}))
    reload_and_wait(d, re.compile(r"^info core: reloaded", re.M))
    assert raw_request(d, req)[0] == 413
    assert d.get("/healthz").status_code == 200


def test_sighup_applies_log_level(hearthd_factory):
    tmp = hearthd_factory.tmp_path
    d = hearthd_factory()
    # To "error": the reload's own info line is already filtered out.
    d.write_config(base_config(tmp, log_level="error"))
    mark = len(d.stderr())
    d.signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and reloads(d)[0] != 1:
        time.sleep(0.05)
    assert reloads(d)[0] == 1
    assert "info " not in d.stderr()[mark:], d.stderr()[mark:]
    # Errors still show at level error.
    d.write_config("log: {level: loud}\n")
    reload_and_wait(d, "error core: reload refused")
    # Back to info.
    d.write_config(base_config(tmp, log_level="info"))
    reload_and_wait(d, re.compile(r"^info core: reloaded", re.M))


def test_sighup_applies_lab(hearthd_factory):
    tmp = hearthd_factory.tmp_path
    d = hearthd_factory()
    assert d.status()["lab"] == {"domain": "lab.example", "networks": 2,
                                 "hosts": 3}
    cfg = base_config(tmp)
    cfg["lab"]["domain"] = "home.arpa"
    cfg["lab"]["hosts"]["nas"] = {"ip": "192.168.20.6", "network": "hyper"}
    d.write_config(cfg)
    reload_and_wait(d, re.compile(r"^info core: reloaded", re.M))
    assert d.status()["lab"] == {"domain": "home.arpa", "networks": 2,
                                 "hosts": 4}
    s = metric_samples(d.metrics_text())
    assert sample(s, "hearth_lab_hosts") == 4
    # With the lab section turned off the room is disabled (said
    # explicitly: a file that merely lacks it is refused).
    cfg = base_config(tmp, lab=False)
    cfg["lab"] = {"enabled": False}
    d.write_config(cfg)
    reload_and_wait(d, re.compile(r"^info core: reloaded", re.M))
    assert d.get("/healthz").json()["rooms"]["lab"] == "disabled"


# ---- state ----

def test_starts_persist_across_restarts(hearthd_factory):
    tmp = hearthd_factory.tmp_path
    d = hearthd_factory()
    st = d.status()
    state_dir = tmp / "state"
    assert st["state_dir"] == str(state_dir)
    assert st["store"]["path"] == str(state_dir / "hearth.db")
    assert st["store"]["schema_version"] >= 1
    assert st["store"]["starts"] == 1
    assert (state_dir / "hearth.db").is_file()
    assert d.stop() == 0, d.stderr_since_start()
    hearthd_factory.restart(d)
    st2 = d.status()
    assert st2["store"]["starts"] == 2
    assert st2["store"]["schema_version"] == st["store"]["schema_version"]
    assert st2["pid"] == d.pid != st["pid"]
    # A reload is not a start.
    reload_and_wait(d, re.compile(r"^info core: reloaded", re.M))
    assert d.status()["store"]["starts"] == 2


def test_state_dir_created_if_missing(hearthd_factory):
    tmp = hearthd_factory.tmp_path
    state_dir = tmp / "deep" / "er" / "state"
    d = hearthd_factory(base_config(tmp, state_dir=state_dir))
    assert state_dir.is_dir()
    assert (state_dir / "hearth.db").is_file()
    st = d.status()
    assert st["state_dir"] == str(state_dir)
    assert st["store"]["starts"] == 1


def test_unusable_state_dir_fails_cleanly(hearthd_factory):
    tmp = hearthd_factory.tmp_path
    blocker = tmp / "file"
    blocker.write_text("not a directory\n")
    d = hearthd_factory(base_config(tmp, state_dir=blocker / "state"),
                        wait=False)
    try:
        rc = d.proc.wait(timeout=20)
    except Exception:
        rc = None
    assert rc is not None and rc > 0, f"rc={rc}\n{d.stderr()}"
    assert re.search(r"^error ", d.stderr(), re.M), d.stderr()


def test_port_in_use_fails_cleanly(hearthd_factory):
    tmp = hearthd_factory.tmp_path
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        cfg = base_config(tmp, http={"listen": f"127.0.0.1:{port}"})
        d = hearthd_factory(cfg, wait=False)
        try:
            rc = d.proc.wait(timeout=20)
        except Exception:
            rc = None
    assert rc is not None and rc > 0, f"rc={rc}\n{d.stderr()}"
    assert re.search(r"^error http: .*" + str(port), d.stderr(), re.M), \
        d.stderr()


# ---- logging ----

def test_log_level_and_verbose_flag(hearthd_factory):
    tmp = hearthd_factory.tmp_path
    quiet = hearthd_factory(base_config(tmp, log_level="error",
                                        state_dir=tmp / "s1"), name="quiet")
    loud = hearthd_factory(base_config(tmp, log_level="error",
                                       state_dir=tmp / "s2"),
                           args=["-v"], name="loud")
    assert quiet.get("/healthz").status_code == 200
    assert loud.get("/healthz").status_code == 200
    assert "info " not in quiet.stderr(), quiet.stderr()
    assert re.search(r"^info core: .*started", loud.stderr(), re.M), \
        loud.stderr()
    # -v means debug: a refused request is worth a debug line.
    big = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 40000
           + b"\r\n\r\n")
    for d in (quiet, loud):
        raw_request(d, big)
    loud.wait_log(re.compile(r"^debug http: ", re.M), timeout=5)
    assert "debug " not in quiet.stderr(), quiet.stderr()


# ---- privileges ----

def _proc_ids(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return [int(x) for x in line.split()[1:]]
    raise AssertionError(f"no {field} in /proc/{pid}/status")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch users")
def test_user_nobody(hearthd_factory):
    nobody = pwd.getpwnam("nobody")
    # The state_dir and config must be reachable by nobody: pytest's own
    # tmp dirs are 0700, so use a world-traversable dir of our own.
    work = Path(tempfile.mkdtemp(prefix="hearth-it-nobody-"))
    d = None
    try:
        os.chmod(work, 0o755)
        state_dir = work / "state"
        cfg = base_config(work, user="nobody", state_dir=state_dir)
        d = hearthd_factory(cfg, workdir=work)
        assert _proc_ids(d.pid, "Uid") == [nobody.pw_uid] * 4
        assert _proc_ids(d.pid, "Gid") == [nobody.pw_gid] * 4
        assert _proc_ids(d.pid, "Groups") == []
        assert re.search(r"^info core: running as user=nobody", d.stderr(),
                         re.M), d.stderr()
        # Serving, and the state belongs to nobody.
        st = d.status()
        assert st["store"]["starts"] == 1
        assert st["rooms"]["store"] == "running"
        for p in [state_dir] + sorted(state_dir.glob("hearth.db*")):
            assert p.stat().st_uid == nobody.pw_uid, f"{p} not owned by nobody"
        # Reload works as nobody (the config is world-readable here).
        os.chmod(d.config_path, 0o644)
        reload_and_wait(d, re.compile(r"^info core: reloaded", re.M))
        assert d.stop() == 0, d.stderr_since_start()
        # Restart on the same, now nobody-owned, state.
        hearthd_factory.restart(d)
        assert d.status()["store"]["starts"] == 2
        assert _proc_ids(d.pid, "Uid") == [nobody.pw_uid] * 4
        for p in [state_dir] + sorted(state_dir.glob("hearth.db*")):
            assert p.stat().st_uid == nobody.pw_uid, f"{p} not owned by nobody"
        assert stat.S_ISDIR(state_dir.stat().st_mode)
        assert d.stop() == 0, d.stderr_since_start()
    finally:
        if d is not None:
            d.stop()
            # Keep the log for the fixture's sanitizer check.
            if d.stderr_path.exists():
                kept = hearthd_factory.tmp_path / d.stderr_path.name
                shutil.copy(d.stderr_path, kept)
                d.stderr_path = kept
        shutil.rmtree(work, ignore_errors=True)
