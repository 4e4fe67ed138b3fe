# SPDX-License-Identifier: MIT
"""Debian's nginx on a loopback port with its own config, logs and pid file
in a test's tmp dir; stopped by PID. Answers come from `return` directives,
so no file needs to be readable by nginx's workers."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

NGINX = "/usr/sbin/nginx"

LOCATIONS = r"""
    location = / { return 200 "hello lab\n"; }
    location = /health {
        default_type application/json;
        return 200 '{"status":"ok","db":{"connections":5},"tags":["prod"]}';
    }
    location = /broken { return 503; }
    location = /moved { return 301 /; }
    location = /auth {
        if ($http_authorization != "Basic d2F0Y2g6c2VjcmV0") { return 401; }
        return 200 "welcome\n";
    }
"""


class Nginx:
    def __init__(self, tmp, port, locations=LOCATIONS, workers=1,
                 extra_servers=""):
        self.dir = Path(tmp) / f"nginx-{port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port
        self.proc = None
        d = self.dir
        (d / "nginx.conf").write_text(f"""
daemon off;
worker_processes {workers};
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        {locations}
    }}
    {extra_servers}
}}
""")

    def start(self, timeout=10):
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.dir), "-e", str(self.dir / "error.log"),
             "-c", str(self.dir / "nginx.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("nginx exited: " +
                                     self.proc.stderr.read().decode())
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not listen")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)  # fast shutdown
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
