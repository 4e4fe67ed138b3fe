# SPDX-License-Identifier: MIT
"""Real ntfy clients against the notify room: Debian's apprise CLI
(ntfy://127.0.0.1:PORT/topic) publishing, the message arriving on a curl
JSON stream, the npm eventsource client (SSE) and python3-websockets; the
npm ntfy package publishing."""
import asyncio
import json
import shutil
import subprocess
import time

import pytest
import websockets

from notify_helpers import NODE_DIR, Stream, notify_config, ntfy_url, poll

NODE = shutil.which("node")


def node_ready():
    return NODE and (NODE_DIR / "node_modules" / "eventsource").exists() and \
        (NODE_DIR / "node_modules" / "ntfy").exists()


@pytest.fixture
def ntfy(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path)
    hearthd_factory(cfg)
    return port


def curl_stream(port, topic):
    return subprocess.Popen(
        ["curl", "-sN", "--max-time", "30", ntfy_url(port, f"/{topic}/json")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def read_message(proc, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        ev = json.loads(line)
        if ev["event"] == "message":
            return ev
    raise AssertionError("no message on the curl stream")


def three_subscribers(port, topic, apprise_argv):
    """Subscribes to @topic with curl (JSON stream), the npm eventsource
    client (SSE) and python3-websockets (WebSocket), runs the apprise CLI
    with @apprise_argv once all three are in, and returns the message
    event each one received: (curl, sse, ws)."""
    assert node_ready(), "run scripts/install-deps.sh (npm ci in tests/integration/node)"
    curl = curl_stream(port, topic)
    sse = subprocess.Popen([NODE, str(NODE_DIR / "sse_client.mjs"),
                            ntfy_url(port, f"/{topic}/sse"), "1", "20000"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, cwd=NODE_DIR)
    opened = []

    async def ws_recv():
        async with websockets.connect(f"ws://127.0.0.1:{port}/{topic}/ws") as ws:
            assert json.loads(await ws.recv())["event"] == "open"
            opened.append(1)
            while True:
                ev = json.loads(await asyncio.wait_for(ws.recv(), 20))
                if ev["event"] == "message":
                    return ev

    async def main():
        task = asyncio.create_task(ws_recv())
        # Every subscriber is in before apprise sends.
        deadline = time.monotonic() + 10
        while not opened and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, curl.stdout.readline)  # open
        line = await loop.run_in_executor(None, sse.stdout.readline)
        assert json.loads(line)["type"] == "open"
        r = await loop.run_in_executor(None, lambda: subprocess.run(
            ["apprise", "-vv", *apprise_argv], capture_output=True,
            text=True, timeout=60, stdin=subprocess.DEVNULL))
        assert r.returncode == 0, r.stdout + r.stderr
        return await task

    try:
        ws_ev = asyncio.run(main())
        curl_ev = read_message(curl)
        out, err = sse.communicate(timeout=25)
        assert sse.returncode == 0, err
        sse_ev = json.loads([json.loads(x) for x in out.splitlines()
                             if json.loads(x)["type"] == "message"][0]["data"])
    finally:
        curl.kill()
        curl.wait()
        if sse.poll() is None:
            sse.kill()
            sse.wait()
    return curl_ev, sse_ev, ws_ev


def test_apprise_cli_to_curl_sse_and_websocket(ntfy):
    curl_ev, sse_ev, ws_ev = three_subscribers(ntfy, "alerts", [
        "-t", "Backup failed", "-b", "disk full on nas",
        f"ntfy://127.0.0.1:{ntfy}/alerts?priority=high&tags=warning,skull"])
    for ev in (curl_ev, sse_ev, ws_ev):
        assert ev["topic"] == "alerts"
        assert ev["title"] == "Backup failed"
        assert ev["message"] == "disk full on nas"
        assert ev["priority"] == 4
        assert sorted(ev["tags"]) == ["skull", "warning"]  # apprise sorts them
        assert len(ev["id"]) == 12 and ev["time"] > 0 and ev["expires"] > ev["time"]
    assert curl_ev["id"] == sse_ev["id"] == ws_ev["id"]


def test_apprise_cli_attachment_is_stored_as_upload(ntfy, tmp_path):
    f = tmp_path / "log.txt"
    f.write_text("backup log\n" * 50)
    r = subprocess.run(["apprise", "-t", "with file", "-b", "see log",
                        "--attach", str(f), f"ntfy://127.0.0.1:{ntfy}/files"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    (m,) = poll(ntfy, "files")
    assert m["attachment"]["name"] == "log.txt"
    assert m["attachment"]["size"] > 500


def test_npm_ntfy_package_publishes(ntfy):
    assert node_ready(), "run scripts/install-deps.sh (npm ci in tests/integration/node)"
    cfg = {"topic": "npm", "message": "from node", "title": "Node title",
           "priority": 5, "tags": ["tada", "ci"], "clickURL": "https://x.test",
           "actions": [{"type": "view", "label": "Open", "url": "https://x.test/a"}]}
    r = subprocess.run([NODE, str(NODE_DIR / "publish.mjs"), ntfy_url(ntfy),
                        json.dumps(cfg)], capture_output=True, text=True,
                       timeout=30, cwd=NODE_DIR)
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    (m,) = poll(ntfy, "npm")
    assert m["id"] == answer["id"]
    assert (m["message"], m["title"], m["priority"], m["tags"]) == \
        ("from node", "Node title", 5, ["tada", "ci"])
    assert m["actions"][0]["label"] == "Open"
    assert m["actions"][0]["url"] == "https://x.test/a"
    r = subprocess.run([NODE, str(NODE_DIR / "publish.mjs"), ntfy_url(ntfy),
                        json.dumps({"topic": "npm", "message": "later",
                                    "delay": "30s"})],
                       capture_output=True, text=True, timeout=30, cwd=NODE_DIR)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["time"] >= int(time.time()) + 25
