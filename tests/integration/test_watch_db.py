# SPDX-License-Identifier: MIT
"""The watch room's database monitors against real servers the tests start
on loopback, each in a private directory, stopped by PID: Debian's
postgresql (initdb) for `postgres`, mariadbd (mariadb-install-db) for
`mysql`. Up, a wrong password (DOWN with the server's words), a bad query,
the server stopped."""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from helpers import free_port
from test_watch import wait_for, watch_config

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]


def wait_listening(port, proc, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port}")


def stop(proc, sig=signal.SIGTERM):
    if proc and proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


class Postgres:
    """initdb into a directory of the postgres user (postgres refuses to
    run as root), password auth for user hearth over loopback TCP, its
    socket in that directory."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="hearth-pg-"))
        self.port = free_port()
        self.proc = None
        pw = pwd.getpwnam("postgres")
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        (self.dir / "pw").write_text("s3cret\n")
        os.chown(self.dir / "pw", pw.pw_uid, pw.pw_gid)
        # As the postgres user (the server refuses root), spawned directly
        # so that the PID stopped is the server's own.
        self.as_pg = {"user": pw.pw_uid, "group": pw.pw_gid,
                      "extra_groups": []}
        subprocess.run([
            str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-U",
            "hearth", "--pwfile", str(self.dir / "pw"),
            "--auth", "scram-sha-256", "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True, timeout=120, **self.as_pg)

    def start(self):
        self.proc = subprocess.Popen([
            str(PG_BIN / "postgres"), "-D", str(self.dir / "data"),
            "-p", str(self.port), "-k", str(self.dir),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, **self.as_pg)
        wait_listening(self.port, self.proc, "postgres")

    def stop(self):
        stop(self.proc, signal.SIGINT)  # fast shutdown
        self.proc = None

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def postgres():
    pg = Postgres()
    try:
        pg.start()
        yield pg
    finally:
        pg.remove()


def test_postgres_up_wrong_password_bad_query_stopped(hearthd_factory,
                                                      tmp_path, postgres):
    base = f"127.0.0.1:{postgres.port}/postgres"
    d = hearthd_factory(watch_config(tmp_path, [
        {"name": "pg", "type": "postgres", "interval": "1s",
         "database_connection_string": f"postgres://hearth:s3cret@{base}"},
        {"name": "pg-kv", "type": "postgres", "interval": "1s",
         "database_connection_string":
             f"host=127.0.0.1 port={postgres.port} user=hearth "
             "password=s3cret dbname=postgres",
         "database_query": "SELECT count(*) FROM pg_database"},
        {"name": "pg-pass", "type": "postgres", "interval": "1s",
         "database_connection_string": f"postgres://hearth:nope@{base}"},
        {"name": "pg-query", "type": "postgres", "interval": "1s",
         "database_connection_string": f"postgres://hearth:s3cret@{base}",
         "database_query": "SELECT * FROM no_such_table"},
    ]))
    want = {"pg": "UP", "pg-kv": "UP", "pg-pass": "DOWN", "pg-query": "DOWN"}
    ms = wait_for(d, lambda ms: {n: m["status_text"] for n, m in ms.items()}
                  == want, "postgres states", 30)
    assert ms["pg"]["msg"] == ""
    assert ms["pg"]["ping"] is not None and ms["pg"]["ping"] >= 0
    assert ms["pg-pass"]["msg"] == ('password authentication failed for '
                                    'user "hearth"'), ms["pg-pass"]["msg"]
    assert ms["pg-query"]["msg"] == ('relation "no_such_table" does not '
                                     'exist'), ms["pg-query"]["msg"]
    postgres.stop()
    ms = wait_for(d, lambda ms: ms["pg"]["status_text"] == "DOWN",
                  "postgres DOWN", 20)
    assert "Connection refused" in ms["pg"]["msg"], ms["pg"]["msg"]
    postgres.start()
    wait_for(d, lambda ms: ms["pg"]["status_text"] == "UP", "postgres UP", 30)
    assert d.stop() == 0


def test_postgres_timeout_on_a_silent_server(hearthd_factory, tmp_path):
    """A listener that accepts and never answers: each monitor is DOWN at
    its timeout; the checks blocked in libpq take at most two pool
    threads, so a push (answered once its beat is written, on the pool
    too) is still answered at once."""
    import requests
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    port = srv.getsockname()[1]
    try:
        mons = [{"name": f"pg{i}", "type": "postgres", "interval": "2s",
                 "timeout": "1s", "database_connection_string":
                     f"postgres://hearth:x@127.0.0.1:{port}/postgres"}
                for i in range(6)]
        mons.append({"name": "job", "type": "push", "token": "jobtoken",
                     "interval": "60s"})
        d = hearthd_factory(watch_config(tmp_path, mons))
        t0 = time.monotonic()
        ms = wait_for(d, lambda ms: all(ms[f"pg{i}"]["status_text"] == "DOWN"
                                        for i in range(6)),
                      "postgres timeouts", 15)
        assert time.monotonic() - t0 < 10
        for i in range(6):
            assert ms[f"pg{i}"]["msg"] == "timeout of 1000ms exceeded"
        for _ in range(3):
            t = time.monotonic()
            r = requests.get(f"{d.url}/api/push/jobtoken?msg=ok", timeout=10)
            assert r.status_code == 200 and r.json() == {"ok": True}
            assert time.monotonic() - t < 1.5
            time.sleep(0.5)
        assert d.get("/healthz").status_code == 200
        assert d.stop() == 0
    finally:
        srv.close()


class Mariadb:
    """mariadb-install-db into a private directory, mariadbd on a private
    socket and a loopback port; a user hearth with a password."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="hearth-my-"))
        self.port = free_port()
        self.sock = self.dir / "sock"
        self.proc = None
        subprocess.run([
            "mariadb-install-db", "--no-defaults", "--user=root",
            f"--datadir={self.dir / 'data'}", "--skip-test-db",
            "--auth-root-authentication-method=socket"],
            check=True, capture_output=True, timeout=180)

    def start(self):
        self.proc = subprocess.Popen([
            "mariadbd", "--no-defaults", "--user=root",
            f"--datadir={self.dir / 'data'}", f"--socket={self.sock}",
            f"--port={self.port}", "--bind-address=127.0.0.1",
            f"--pid-file={self.dir / 'pid'}", "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M", "--skip-log-bin",
            f"--log-error={self.dir / 'err.log'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        wait_listening(self.port, self.proc, "mariadbd")

    def sql(self, text):
        subprocess.run(["mariadb", "--no-defaults", "-uroot",
                        f"--socket={self.sock}", "-e", text],
                       check=True, capture_output=True, timeout=60)

    def stop(self):
        stop(self.proc)
        self.proc = None

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def mariadb():
    my = Mariadb()
    try:
        my.start()
        my.sql("CREATE DATABASE lab; CREATE USER 'hearth'@'127.0.0.1' "
               "IDENTIFIED BY 's3cret'; GRANT ALL ON lab.* TO "
               "'hearth'@'127.0.0.1'; CREATE TABLE lab.t (x INT); "
               "INSERT INTO lab.t VALUES (1), (2), (3);")
        yield my
    finally:
        my.remove()


def test_mysql_up_wrong_password_bad_query_stopped(hearthd_factory, tmp_path,
                                                   mariadb):
    at = f"127.0.0.1:{mariadb.port}/lab"
    d = hearthd_factory(watch_config(tmp_path, [
        {"name": "my", "type": "mysql", "interval": "1s",
         "database_connection_string": f"mysql://hearth:s3cret@{at}"},
        {"name": "my-rows", "type": "mysql", "interval": "1s",
         "database_connection_string": f"mysql://hearth:s3cret@{at}",
         "database_query": "SELECT x FROM t"},
        {"name": "my-pass", "type": "mysql", "interval": "1s",
         "database_connection_string": f"mysql://hearth:nope@{at}"},
        {"name": "my-query", "type": "mysql", "interval": "1s",
         "database_connection_string": f"mysql://hearth:s3cret@{at}",
         "database_query": "SELECT * FROM no_such_table"},
    ]))
    want = {"my": "UP", "my-rows": "UP", "my-pass": "DOWN",
            "my-query": "DOWN"}
    ms = wait_for(d, lambda ms: {n: m["status_text"] for n, m in ms.items()}
                  == want, "mysql states", 30)
    assert ms["my"]["msg"] == "Rows: 1"
    assert ms["my-rows"]["msg"] == "Rows: 3"
    assert ms["my-pass"]["msg"].startswith(
        "Database connection/query failed: Access denied for user "
        "'hearth'@'"), ms["my-pass"]["msg"]
    assert ms["my-query"]["msg"] == ("Database connection/query failed: "
                                     "Table 'lab.no_such_table' doesn't "
                                     "exist"), ms["my-query"]["msg"]
    mariadb.stop()
    ms = wait_for(d, lambda ms: ms["my"]["status_text"] == "DOWN",
                  "mysql DOWN", 20)
    assert ms["my"]["msg"].startswith("Database connection/query failed: "
                                      "Can't connect"), ms["my"]["msg"]
    assert d.stop() == 0
