# SPDX-License-Identifier: MIT
"""ntfy subscriptions on notify.listen: JSON, SSE, raw and WebSocket
streams, since=, poll=1, scheduled=1, filters, keepalive, CORS, and the
small discovery endpoints."""
import asyncio
import json
import time

import pytest
import websockets

from notify_helpers import Stream, notify_config, ntfy_url, poll, publish, session


@pytest.fixture
def ntfy(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path, keepalive_interval="1s",
                              delay_min="1s")
    hearthd_factory(cfg)
    return port


def test_json_stream_open_first_then_live_messages(ntfy):
    st = Stream(ntfy_url(ntfy, "/a,b/json"))
    try:
        assert st.status == 200
        assert st.headers["Content-Type"] == "application/x-ndjson; charset=utf-8"
        assert st.headers["Access-Control-Allow-Origin"] == "*"
        ev = st.next_event()
        assert ev["event"] == "open" and ev["topic"] == "a,b"
        assert set(ev) == {"id", "time", "event", "topic"}
        publish(ntfy, "a", "one")
        publish(ntfy, "c", "not mine")
        publish(ntfy, "b", "two", headers={"Title": "T"})
        got = []
        while len(got) < 2:
            ev = st.next_event()
            if ev["event"] == "message":
                got.append(ev)
        assert [(m["topic"], m["message"]) for m in got] == [("a", "one"), ("b", "two")]
        assert got[1]["title"] == "T" and "expires" in got[1]
    finally:
        st.close()


def test_keepalive_at_the_configured_interval(ntfy):
    st = Stream(ntfy_url(ntfy, "/ka/json"))
    try:
        assert st.next_event()["event"] == "open"
        t0 = time.monotonic()
        ev = st.next_event(timeout=5)
        assert ev["event"] == "keepalive" and ev["topic"] == "ka"
        assert set(ev) == {"id", "time", "event", "topic"}
        assert time.monotonic() - t0 < 3
    finally:
        st.close()


def test_sse_and_raw_framing(ntfy):
    s = session()
    sse = s.get(ntfy_url(ntfy, "/fr/sse"), stream=True, timeout=10)
    raw = s.get(ntfy_url(ntfy, "/fr/raw"), stream=True, timeout=10)
    assert sse.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert raw.headers["Content-Type"] == "text/plain; charset=utf-8"
    publish(ntfy, "fr", "multi\nline")
    sse_lines = sse.iter_lines(decode_unicode=True)
    assert next(sse_lines) == "event: open"
    assert json.loads(next(sse_lines)[6:])["event"] == "open"
    assert next(sse_lines) == ""
    line = next(sse_lines)
    assert line.startswith("data: ")  # message events have no event: line
    assert json.loads(line[6:])["message"] == "multi\nline"
    raw_lines = raw.iter_lines(decode_unicode=True)
    assert next(raw_lines) == ""  # open
    assert next(raw_lines) == "multi line"
    sse.close()
    raw.close()


def test_since_forms_and_poll(ntfy):
    ids = []
    for i in range(3):
        ids.append(publish(ntfy, "si", f"m{i}").json()["id"])
        time.sleep(1.05)  # distinct seconds for since=<unix time>
    msgs = poll(ntfy, "si")
    assert [m["message"] for m in msgs] == ["m0", "m1", "m2"]
    assert [m["message"] for m in poll(ntfy, "si", since="all")] == ["m0", "m1", "m2"]
    assert [m["message"] for m in poll(ntfy, "si", since="latest")] == ["m2"]
    assert poll(ntfy, "si", since="none") == []
    assert [m["message"] for m in poll(ntfy, "si", since=ids[0])] == ["m1", "m2"]
    assert [m["message"] for m in poll(ntfy, "si", since=str(msgs[1]["time"]))] == ["m1", "m2"]
    assert [m["message"] for m in poll(ntfy, "si", since="1h")] == ["m0", "m1", "m2"]
    # An unknown id: everything cached.
    assert len(poll(ntfy, "si", since="AAAAAAAAAAAA")) == 3
    # A stream with since replays after open, then stays open.
    st = Stream(ntfy_url(ntfy, f"/si/json?since={ids[1]}"))
    try:
        assert st.next_event()["event"] == "open"
        assert st.next_event()["message"] == "m2"
    finally:
        st.close()
    s = session()
    for bad in ["yesterday-ish", "-5", "10q", "1" * 40, "99999999999999999999h",
                "999999999999d", "9999999999999999w"]:
        r = s.get(ntfy_url(ntfy, "/si/json"), params={"poll": "1", "since": bad},
                  timeout=5)
        assert r.status_code == 400 and r.json()["code"] == 40008, (bad, r.text)
    # Absurd but well-formed: nothing, promptly.
    assert poll(ntfy, "si", since="999999999999999") == []
    assert len(poll(ntfy, "si", since="36500d")) == 3


def test_multi_topic_poll_is_ordered_by_time(ntfy):
    publish(ntfy, "x1", "first")
    time.sleep(1.05)
    publish(ntfy, "x2", "second")
    publish(ntfy, "x1", "third")
    assert [m["message"] for m in poll(ntfy, "x1,x2")] == ["first", "second", "third"]


def test_filters(ntfy):
    publish(ntfy, "fl", "a", headers={"Tags": "red,blue", "Priority": "5", "Title": "T1"})
    publish(ntfy, "fl", "b", headers={"Tags": "red"})
    mid = publish(ntfy, "fl", "c", headers={"Priority": "low"}).json()["id"]
    msgs = lambda **f: [m["message"] for m in poll(ntfy, "fl", **f)]  # noqa: E731
    assert msgs(tags="red") == ["a", "b"]
    assert msgs(tags="red,blue") == ["a"]
    assert msgs(priority="5") == ["a"]
    assert msgs(priority="default") == ["b"]  # unset priority matches 3
    assert msgs(priority="low,urgent") == ["a", "c"]
    assert msgs(title="T1") == ["a"]
    assert msgs(message="b") == ["b"]
    assert msgs(id=mid) == ["c"]
    r = session().get(ntfy_url(ntfy, "/fl/json"), headers={"X-Tags": "blue"},
                      params={"poll": "1"}, timeout=5)
    assert [json.loads(x)["message"] for x in r.text.splitlines()] == ["a"]
    # Live messages pass the same filter.
    st = Stream(ntfy_url(ntfy, "/fl/json?tags=blue"))
    try:
        st.next_event()
        publish(ntfy, "fl", "no")
        publish(ntfy, "fl", "yes", headers={"Tags": "blue"})
        assert st.next_event()["message"] == "yes"
    finally:
        st.close()


def test_scheduled_delivery_on_time_and_listed(ntfy):
    st = Stream(ntfy_url(ntfy, "/sch/json"))
    try:
        st.next_event()
        t0 = time.time()
        m = publish(ntfy, "sch", "wake", headers={"Delay": "3s"}).json()
        assert poll(ntfy, "sch") == []
        assert [x["id"] for x in poll(ntfy, "sch", scheduled="1")] == [m["id"]]
        while True:
            ev = st.next_event(timeout=10)
            if ev["event"] == "message":
                break
        assert time.time() >= m["time"] - 0.01 and time.time() - t0 < 8
        assert ev["id"] == m["id"] and ev["time"] == m["time"]
        assert [x["id"] for x in poll(ntfy, "sch")] == [m["id"]]
    finally:
        st.close()


def test_websocket(ntfy):
    async def run():
        async with websockets.connect(f"ws://127.0.0.1:{ntfy}/w1/ws") as ws:
            ev = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert ev["event"] == "open" and ev["topic"] == "w1"
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: publish(ntfy, "w1", "over ws", headers={"Tags": "t"}))
            msg = await asyncio.wait_for(ws.recv(), 5)
            assert isinstance(msg, str)  # a text frame
            ev = json.loads(msg)
            assert ev["message"] == "over ws" and ev["tags"] == ["t"]
            # Pings keep it alive (answered by the client library): no
            # JSON keepalive events over WebSocket, and it stays open.
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(ws.recv(), 2.5)
            pong = await ws.ping()
            await asyncio.wait_for(pong, 5)
    asyncio.run(run())
    r = session().get(ntfy_url(ntfy, "/w1/ws"), timeout=5)
    assert r.status_code == 400 and r.json()["code"] == 40016


def test_discovery_auth_options_health(ntfy):
    s = session()
    r = s.get(ntfy_url(ntfy, "/upAbCdEf1234"), params={"up": "1"}, timeout=5)
    assert r.status_code == 200 and r.json() == {"unifiedpush": {"version": 1}}
    r = s.get(ntfy_url(ntfy, "/a,b/auth"), timeout=5)
    assert r.status_code == 200 and r.json() == {"success": True}
    r = s.options(ntfy_url(ntfy, "/anything"), timeout=5)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "PUT" in r.headers["Access-Control-Allow-Methods"]
    assert r.headers["Access-Control-Allow-Headers"] == "*"
    assert s.head(ntfy_url(ntfy, "/"), timeout=5).status_code == 200
    r = s.get(ntfy_url(ntfy, "/a/b/c"), timeout=5)
    assert r.status_code == 404 and r.json()["code"] == 40401
    r = s.get(ntfy_url(ntfy, "/bad.topic/json"), timeout=5)
    assert r.status_code == 400 and r.json()["code"] == 40009


def test_cache_survives_restart_and_expires(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path, cache_duration="3s")
    d = hearthd_factory(cfg)
    mid = publish(port, "keep", "durable").json()["id"]
    d.stop()
    hearthd_factory.restart(d)
    assert [m["id"] for m in poll(port, "keep")] == [mid]
    time.sleep(3.2)
    assert poll(port, "keep") == []


def test_delayed_message_after_restart_not_early_not_lost_not_twice(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path, delay_min="1s")
    d = hearthd_factory(cfg)
    due = publish(port, "dm", "in 4s", headers={"Delay": "4s"}).json()
    gone = publish(port, "dm", "in 1s, while down", headers={"Delay": "1s"}).json()
    d.stop()
    time.sleep(1.5)
    hearthd_factory.restart(d)
    st = Stream(ntfy_url(port, "/dm/json?since=all"))
    try:
        assert st.next_event()["event"] == "open"
        ev = st.next_event(timeout=5)
        # The one due while hearthd was down: delivered once it is back.
        assert ev["id"] == gone["id"]
        ev = st.next_event(timeout=10)
        assert ev["id"] == due["id"]
        assert time.time() >= due["time"]
        with pytest.raises(Exception):
            st.next_event(timeout=2)
    finally:
        st.close()
    assert [m["id"] for m in poll(port, "dm")] == [gone["id"], due["id"]]
    d.stop()
    hearthd_factory.restart(d)
    assert [m["id"] for m in poll(port, "dm")] == [gone["id"], due["id"]]


def test_sigterm_with_subscribers_and_pending_work_exits_cleanly(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path, delay_min="1s")
    d = hearthd_factory(cfg)
    streams = [Stream(ntfy_url(port, f"/bye/{kind}")) for kind in ("json", "sse", "raw")]

    async def ws_open():
        ws = await websockets.connect(f"ws://127.0.0.1:{port}/bye/ws")
        await ws.recv()
        return ws
    loop = asyncio.new_event_loop()
    ws = loop.run_until_complete(ws_open())
    try:
        publish(port, "bye", "later", headers={"Delay": "60s"})
        for _ in range(20):
            publish(port, "bye", "now")
        assert d.stop() == 0  # every handle closed, uv_loop_close succeeded
    finally:
        for st in streams:
            st.close()
        loop.run_until_complete(ws.close())
        loop.close()
    hearthd_factory.restart(d)
    assert len(poll(port, "bye", scheduled="1")) == 21
