# SPDX-License-Identifier: MIT
"""Fixtures for hearth's integration tests.

The tests drive the real binaries: hearthd (the daemon) and hearth (the CLI).
They are found through the environment variables HEARTHD and HEARTH (absolute
paths); by default build/src/hearthd and build/src/hearth under the repository
root that holds this file.

Every test writes its own config into its tmp_path, with a free loopback port,
and every daemon is stopped by PID (SIGTERM, then SIGKILL) in the fixture
finalizer. At teardown a daemon's stderr must not contain sanitizer reports.

Run with Debian's interpreter:  /usr/bin/python3 -m pytest tests/integration
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import (  # noqa: E402
    API_KEY,
    HEARTH,
    HEARTHD,
    SANITIZER_EXITCODE,
    STARTUP_TIMEOUT,
    base_config,
    free_port,
    sanitizer_report,
    to_yaml,
)

# Variables that would change which daemon or key the CLI uses.
_CLI_ENV_VARS = ("HEARTH_URL", "HEARTH_API_KEY")


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if k not in _CLI_ENV_VARS}
    # requests/libcurl clients must not go through a proxy to reach loopback.
    for k in list(env):
        if k.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            del env[k]
    env["NO_PROXY"] = "127.0.0.1,::1,localhost"
    if extra:
        env.update(extra)
    return env


def http_session():
    s = requests.Session()
    s.trust_env = False  # never a proxy for loopback
    return s


class Daemon:
    """One hearthd process started from a config file in a tmp dir."""

    def __init__(self, tmp, name, config, args=()):
        self.tmp = Path(tmp)
        self.name = name
        self.config = config  # dict or str (str may contain @PORT@)
        self.args = list(args)
        self.config_path = self.tmp / f"{name}.yaml"
        self.stderr_path = self.tmp / f"{name}.stderr"
        self.stdout_path = self.tmp / f"{name}.stdout"
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"
        self.session = http_session()
        self.killed = False
        self.returncode = None
        self._stderr_offset = 0

    # -- config --
    def render(self, config=None):
        cfg = self.config if config is None else config
        if isinstance(cfg, dict):
            text = to_yaml(cfg)
        else:
            text = cfg
        return text.replace("@PORT@", str(self.port))

    def write_config(self, config=None):
        """Writes config (default: the start config) with this daemon's port."""
        self.config_path.write_text(self.render(config))

    @property
    def url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- process --
    def spawn(self, port):
        self.port = port
        self.write_config()
        # Each start appends to the same stderr file, so restarts keep
        # the whole history for assertions.
        self._stderr_offset = self.stderr_path.stat().st_size if self.stderr_path.exists() else 0
        with open(self.stderr_path, "ab") as err, open(self.stdout_path, "ab") as out:
            self.proc = subprocess.Popen(
                [HEARTHD, "-c", str(self.config_path), *self.args],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                cwd=self.tmp, env=clean_env(), start_new_session=True)
        self.killed = False
        self.returncode = None

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_healthy(self, timeout=STARTUP_TIMEOUT):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                r = self.session.get(self.url + "/healthz", timeout=2)
                # 503 "degraded": up and serving, with less (the
                # tests of a degraded room assert on it).
                if r.status_code == 200 or (
                        r.status_code == 503 and
                        r.json().get("status") == "degraded"):
                    return True
                last = r.status_code
            except requests.RequestException as e:
                last = e
            time.sleep(0.05)
        raise AssertionError(
            f"hearthd not healthy after {timeout}s (last: {last!r})\n"
            f"stderr:\n{self.stderr()}")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signals the daemon and waits; SIGKILL after @timeout. Returns the
        exit code (negative: killed by a signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.killed = True
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.returncode = self.proc.returncode
        return self.returncode

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    # -- output --
    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stderr_since_start(self):
        return self.stderr()[self._stderr_offset:]

    def wait_log(self, needle, timeout=10, start=0):
        """Waits until @needle (str or compiled regex) appears in stderr
        after character offset @start. Returns the match (str)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.stderr()[start:]
            if hasattr(needle, "search"):
                m = needle.search(text)
                if m:
                    return m
            elif needle in text:
                return needle
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{needle!r} not in hearthd stderr after {timeout}s:\n{text}")
            time.sleep(0.05)

    # -- HTTP --
    def get(self, path, **kw):
        kw.setdefault("timeout", 5)
        return self.session.get(self.url + path, **kw)

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 5)
        return self.session.request(method, self.url + path, **kw)

    def status(self, key=API_KEY):
        r = self.get("/api/v1/status", headers={"X-API-Key": key})
        assert r.status_code == 200, r.text
        return r.json()

    def metrics_text(self):
        r = self.get("/metrics")
        assert r.status_code == 200
        return r.text


@pytest.fixture
def hearthd_factory(tmp_path):
    """Starts hearthd daemons; all are stopped and checked at teardown.

    start(config=None, args=(), name=None, wait=True) -> Daemon
    restart(daemon, wait=True) -> the same Daemon, started again on its port.
    """
    daemons = []
    counter = [0]

    def start(config=None, args=(), name=None, wait=True, workdir=None):
        if config is None:
            config = base_config(tmp_path)
        counter[0] += 1
        d = Daemon(workdir or tmp_path, name or f"hearthd{counter[0]}",
                   config, args)
        daemons.append(d)
        # A free port can be taken between probing and binding; retry then.
        for _attempt in range(3):
            d.spawn(free_port())
            if not wait:
                return d
            if d.wait_healthy():
                return d
            if "cannot listen" not in d.stderr_since_start():
                break
        raise AssertionError(
            f"hearthd exited with {d.proc.returncode} during startup; "
            f"stderr:\n{d.stderr()}")

    def restart(d, wait=True):
        assert not d.alive()
        d.spawn(d.port)
        if wait:
            assert d.wait_healthy(), f"restart failed:\n{d.stderr()}"
        return d

    start.restart = restart
    start.tmp_path = tmp_path
    yield start

    problems = []
    for d in daemons:
        if d.alive():
            try:
                rc = d.stop()
            except Exception as e:  # keep stopping the others
                problems.append(f"{d.name}: stopping failed: {e!r}")
                continue
            if d.killed:
                problems.append(f"{d.name}: did not stop on SIGTERM within 10 s")
            elif rc != 0:
                problems.append(f"{d.name}: exit code {rc} after SIGTERM")
        elif d.proc is not None and d.proc.returncode == SANITIZER_EXITCODE:
            problems.append(f"{d.name}: exited with the sanitizer's status "
                            f"{SANITIZER_EXITCODE}")
        rep = sanitizer_report(d.stderr())
        if rep:
            problems.append(f"{d.name}: sanitizer report in stderr:\n{rep}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def hearthd(hearthd_factory):
    """One running daemon with the default config (api key, lab)."""
    return hearthd_factory()


class CliResult:
    def __init__(self, cp):
        self.returncode = cp.returncode
        self.stdout = cp.stdout
        self.stderr = cp.stderr
        self.args = cp.args

    def __repr__(self):
        return (f"<hearth {self.args[1:]!r} rc={self.returncode}\n"
                f"stdout={self.stdout!r}\nstderr={self.stderr!r}>")


def _run(argv, env=None, timeout=15, cwd=None):
    cp = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                        text=True, errors="replace", timeout=timeout,
                        env=clean_env(env), cwd=cwd)
    rep = sanitizer_report(cp.stderr)
    assert not rep, f"sanitizer report from {argv!r}:\n{rep}"
    assert cp.returncode != SANITIZER_EXITCODE, (
        f"{argv!r} exited with the sanitizer's status {SANITIZER_EXITCODE}")
    return CliResult(cp)


@pytest.fixture
def run_hearthd():
    """Runs hearthd to completion (for --check and friends)."""
    def run(*args, **kw):
        return _run([HEARTHD, *map(str, args)], **kw)
    return run


@pytest.fixture
def cli():
    """Runs the hearth CLI to completion: cli(*args, env={...})."""
    if not os.path.exists(HEARTH):
        pytest.fail(f"hearth CLI not built: {HEARTH} does not exist "
                    "(set HEARTH or build it)", pytrace=False)

    def run(*args, **kw):
        return _run([HEARTH, *map(str, args)], **kw)
    return run


def pytest_report_header(config):
    return [f"hearthd: {HEARTHD}", f"hearth: {HEARTH}"]

