# SPDX-License-Identifier: MIT
"""ntfy publishing on notify.listen: every header and query alias, JSON
publish, publish via GET, topic rules, body size, attachments, delays."""
import json
import re
import time

import pytest

from notify_helpers import notify_config, ntfy_url, poll, publish, session


@pytest.fixture
def ntfy(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path, delay_min="2s",
                              message_size_limit="4k",
                              attachment_file_limit="64k",
                              attachment_total_limit="100k")
    hearthd_factory(cfg)
    return port


def test_curl_publish_answers_exactly_200_with_message_json(ntfy):
    r = publish(ntfy, "mytopic", "Disk full")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.text.endswith("}\n") and r.text.count("\n") == 1
    m = r.json()
    assert re.fullmatch(r"[A-Za-z0-9]{12}", m["id"])
    assert m["event"] == "message" and m["topic"] == "mytopic"
    assert m["message"] == "Disk full"
    assert abs(m["time"] - time.time()) < 5
    assert m["expires"] - m["time"] == 12 * 3600
    assert set(m) == {"id", "time", "expires", "event", "topic", "message"}


@pytest.mark.parametrize("how", ["X-Title", "Title", "t"])
def test_title_aliases_headers_and_query(ntfy, how):
    r = publish(ntfy, "t1", "x", headers={how: "hello"})
    assert r.json()["title"] == "hello", r.text
    r = publish(ntfy, "t1", "x", params={how.lower(): "hello q"})
    assert r.json()["title"] == "hello q", r.text


def test_header_wins_over_query(ntfy):
    r = publish(ntfy, "t1", "x", headers={"Title": "header"},
                params={"title": "query"})
    assert r.json()["title"] == "header"


@pytest.mark.parametrize("value,want", [
    ("1", 1), ("min", 1), ("2", 2), ("low", 2), ("3", 3), ("default", 3),
    ("4", 4), ("high", 4), ("5", 5), ("max", 5), ("urgent", 5), ("HIGH", 4)])
def test_priority_numbers_and_names(ntfy, value, want):
    for alias in ("X-Priority", "Priority", "prio", "p"):
        r = publish(ntfy, "prio", "x", headers={alias: value})
        assert r.status_code == 200 and r.json()["priority"] == want, r.text
    r = publish(ntfy, "prio", "x", params={"p": value})
    assert r.json()["priority"] == want


def test_bad_priority_is_40007(ntfy):
    r = publish(ntfy, "prio", "x", headers={"Priority": "9"})
    assert r.status_code == 400 and r.json()["code"] == 40007
    # Cloudflare's RFC 9218 header is ignored, not an error.
    r = publish(ntfy, "prio", "x", headers={"Priority": "u=3, i"})
    assert r.status_code == 200 and "priority" not in r.json()


def test_message_tags_click_icon_attach_markdown(ntfy):
    r = publish(ntfy, "misc", "", headers={
        "X-Message": "line1\\nline2", "Tags": "warning, skull,,",
        "Click": "https://example.org/c", "Icon": "https://example.org/i.png",
        "Attach": "https://example.org/files/report.pdf?x=1",
        "Markdown": "yes", "Firebase": "no"})
    m = r.json()
    assert m["message"] == "line1\nline2"
    assert m["tags"] == ["warning", "skull"]
    assert m["click"] == "https://example.org/c"
    assert m["icon"] == "https://example.org/i.png"
    assert m["attachment"] == {"name": "report.pdf",
                               "url": "https://example.org/files/report.pdf?x=1"}
    assert m["content_type"] == "text/markdown"
    r = publish(ntfy, "misc", "# hi", params={"ta": "a", "md": "1",
                                              "a": "https://x/f.jpg",
                                              "filename": "pic.jpg"})
    m = r.json()
    assert m["tags"] == ["a"] and m["content_type"] == "text/markdown"
    assert m["attachment"]["name"] == "pic.jpg" and m["message"] == "# hi"
    r = publish(ntfy, "misc", "x", headers={"Content-Type": "text/markdown"})
    assert r.json()["content_type"] == "text/markdown"


def test_empty_message_is_triggered_and_mime_words_decode(ntfy):
    assert publish(ntfy, "misc").json()["message"] == "triggered"
    r = publish(ntfy, "misc", "x",
                headers={"Title": "=?UTF-8?B?SGVsbG8gw6l0w6k=?="})
    assert r.json()["title"] == "Hello été"


def test_bad_icon_and_attach_urls(ntfy):
    r = publish(ntfy, "misc", "x", headers={"Icon": "ftp://x/i.png"})
    assert r.status_code == 400 and r.json()["code"] == 40021
    r = publish(ntfy, "misc", "x", headers={"Attach": "file:///etc/passwd"})
    assert r.status_code == 400 and r.json()["code"] == 40013
    r = publish(ntfy, "misc", "x", headers={"Email": "a@b.c"})
    assert r.status_code == 400 and r.json()["code"] == 40001


def test_actions_json_and_simple_format(ntfy):
    simple = ('view, Open portal, https://home.nest.com/, clear=true; '
              'http, Turn down, https://api.nest.com/, method=put, '
              'headers.Authorization=Bearer zAzsx1sk, '
              'body=\'{"temp": 65}\'; broadcast, Take picture, '
              'extras.cmd=pic, extras.camera=front')
    r = publish(ntfy, "act", "x", headers={"Actions": simple})
    assert r.status_code == 200, r.text
    a = r.json()["actions"]
    assert [x["action"] for x in a] == ["view", "http", "broadcast"]
    assert all(re.fullmatch(r"[A-Za-z0-9]{10}", x["id"]) for x in a)
    assert a[0] == {"id": a[0]["id"], "action": "view",
                    "label": "Open portal", "clear": True,
                    "url": "https://home.nest.com/"}
    assert a[1]["method"] == "PUT" and a[1]["body"] == '{"temp": 65}'
    assert a[1]["headers"] == {"Authorization": "Bearer zAzsx1sk"}
    assert a[2]["intent"] == "io.heckel.ntfy.USER_ACTION"
    assert a[2]["extras"] == {"cmd": "pic", "camera": "front"}
    j = json.dumps([{"action": "VIEW", "label": "Open", "url": "https://x"}])
    r = publish(ntfy, "act", "x", headers={"X-Actions": j})
    assert r.json()["actions"][0]["action"] == "view"
    for bad in ["view, Open", "dance, x, https://x",
                json.dumps([{"action": "view", "label": "x", "url": "u"}] * 4),
                "[not json", "http, Get, https://x, method=GET, body=x"]:
        r = publish(ntfy, "act", "x", headers={"Actions": bad})
        assert r.status_code == 400 and r.json()["code"] == 40018, (bad, r.text)


def test_cache_no_is_not_stored_and_sequence_id(ntfy):
    r = publish(ntfy, "nocache", "gone", headers={"Cache": "no"})
    assert r.status_code == 200 and "expires" not in r.json()
    publish(ntfy, "nocache", "kept")
    assert [m["message"] for m in poll(ntfy, "nocache")] == ["kept"]
    r = publish(ntfy, "seq", "a", headers={"X-Sequence-ID": "job-42"})
    assert r.json()["sequence_id"] == "job-42"
    r = publish(ntfy, "seq/job-43", "b")
    assert r.json()["sequence_id"] == "job-43" and r.json()["topic"] == "seq"
    r = publish(ntfy, "seq", "c", params={"sid": "job-44"})
    assert r.json()["sequence_id"] == "job-44"


def test_json_publish_to_root(ntfy):
    s = session()
    body = {"topic": "jt", "message": "Disk full", "title": "host1",
            "priority": 4, "tags": ["warning", "env: prod"],
            "click": "https://x", "markdown": True,
            "actions": [{"action": "view", "label": "Open", "url": "https://x",
                         "clear": True}]}
    r = s.post(ntfy_url(ntfy, "/"), data=json.dumps(body), timeout=10)
    assert r.status_code == 200, r.text
    m = r.json()
    assert (m["topic"], m["title"], m["priority"], m["tags"]) == \
        ("jt", "host1", 4, ["warning", "env: prod"])
    assert m["content_type"] == "text/markdown"
    assert m["actions"][0]["clear"] is True
    for bad in ['{"topic":"jt","priority":"4"}', '{"topic":"jt","tags":"a"}',
                '{"topic":"jt","markdown":"yes"}', "not json", "[1]",
                '{"topic":"jt","message":5}']:
        r = s.put(ntfy_url(ntfy, "/"), data=bad, timeout=10)
        assert r.status_code == 400 and r.json()["code"] == 40024, (bad, r.text)
    r = s.post(ntfy_url(ntfy, "/"), data='{"topic":"no/slash","message":"x"}')
    assert r.status_code == 400 and r.json()["code"] == 40009
    r = s.post(ntfy_url(ntfy, "/"), data='{"message":"x"}')
    assert r.status_code == 400 and r.json()["code"] == 40009
    r = s.post(ntfy_url(ntfy, "/"), data=json.dumps({"topic": "jt",
                                                     "message": "x" * 9000}))
    assert r.status_code == 413 and r.json()["code"] == 41303


@pytest.mark.parametrize("verb", ["publish", "send", "trigger"])
def test_publish_via_get(ntfy, verb):
    s = session()
    r = s.get(ntfy_url(ntfy, f"/gt/{verb}"),
              params={"message": "from get", "title": "T", "priority": "high",
                      "tags": "a,b"}, timeout=10)
    assert r.status_code == 200, r.text
    m = r.json()
    assert (m["message"], m["title"], m["priority"], m["tags"]) == \
        ("from get", "T", 4, ["a", "b"])


def test_topic_rules_and_reserved_names(ntfy):
    assert publish(ntfy, "a" * 64, "x").status_code == 200
    r = publish(ntfy, "a" * 65, "x")
    assert r.status_code == 400 and r.json()["code"] == 40009
    r = publish(ntfy, "bad.name", "x")
    assert r.status_code == 400 and r.json()["code"] == 40009
    for name in ["docs", "static", "file", "app", "metrics", "account",
                 "settings", "signup", "login", "v1"]:
        r = publish(ntfy, name, "x")
        assert r.status_code == 400 and r.json()["code"] == 40010, name


def test_large_body_becomes_attachment_served_at_file(ntfy):
    data = bytes(range(256)) * 20  # 5 KiB, not UTF-8
    r = publish(ntfy, "files", data)
    assert r.status_code == 200, r.text
    m = r.json()
    a = m["attachment"]
    assert a["name"] == "attachment.bin" and a["size"] == len(data)
    assert a["type"] == "application/octet-stream"
    assert m["message"] == "You received a file: attachment.bin"
    assert a["url"] == ntfy_url(ntfy, f"/file/{m['id']}.bin")
    assert a["expires"] - m["time"] == 3 * 3600
    s = session()
    g = s.get(a["url"], timeout=10)
    assert g.status_code == 200 and g.content == data
    assert g.headers["Content-Disposition"] == 'attachment; filename="attachment.bin"'
    assert g.headers["Access-Control-Allow-Origin"] == "*"
    h = s.head(a["url"], timeout=10)
    assert h.status_code == 200
    # A small text body with a filename is an upload too.
    r = publish(ntfy, "files", "tiny", headers={"Filename": "note.txt"})
    a = r.json()["attachment"]
    assert a["name"] == "note.txt" and a["type"].startswith("text/plain")
    assert s.get(a["url"], timeout=10).content == b"tiny"
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    r = publish(ntfy, "files", png, params={"filename": "x"})
    assert r.json()["attachment"]["type"] == "image/png"
    assert r.json()["attachment"]["url"].endswith(".png")
    assert s.get(ntfy_url(ntfy, "/file/AAAAAAAAAAAA"), timeout=5).status_code == 404


def test_attachment_limits(ntfy):
    r = publish(ntfy, "files", b"\xff" * (65 * 1024))
    assert r.status_code == 413 and r.json()["code"] == 41301
    # The total: 100k; each of these is 40k.
    for i in range(2):
        assert publish(ntfy, "files", b"\xfe" * 40000).status_code == 200
    r = publish(ntfy, "files", b"\xfe" * 40000)
    assert r.status_code == 413 and r.json()["code"] == 41301


def test_attachments_disabled_and_non_utf8(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path,
                              attachment_file_limit="0")
    hearthd_factory(cfg)
    r = publish(port, "t", b"\xc3\x28 invalid utf-8")
    assert r.status_code == 400 and r.json()["code"] == 40011
    r = publish(port, "t", "x" * 5000)
    assert r.status_code == 400 and r.json()["code"] == 40014
    r = publish(port, "t", "x", headers={"Title": b"\xff\xfe bad"})
    assert r.status_code == 400 and r.json()["code"] == 40011


def test_delay_forms_and_limits(ntfy):
    now = int(time.time())
    for headers in [{"X-Delay": "30s"}, {"Delay": "1h"}, {"X-At": str(now + 60)},
                    {"At": "tomorrow 9am"}, {"In": "30 minutes"},
                    {"X-In": "2 hours"}, {"Delay": "1h30m"}]:
        r = publish(ntfy, "later", "x", headers=headers)
        assert r.status_code == 200, (headers, r.text)
        assert r.json()["time"] > now + 10, headers
    r = publish(ntfy, "later", "x", params={"delay": "10m"})
    assert abs(r.json()["time"] - (now + 600)) < 5
    for value, code in [("soon-ish", 40004), ("1s", 40005), ("4d", 40006),
                        (str(now - 100), 40005)]:
        r = publish(ntfy, "later", "x", headers={"Delay": value})
        assert r.status_code == 400 and r.json()["code"] == code, (value, r.text)
    r = publish(ntfy, "later", "x", headers={"Delay": "30s", "Cache": "no"})
    assert r.status_code == 400 and r.json()["code"] == 40002
    # Scheduled messages are not in a plain poll, but with scheduled=1.
    assert poll(ntfy, "later") == []
    assert len(poll(ntfy, "later", scheduled="1")) == 8


def test_attachment_expiry(hearthd_factory):
    cfg, port = notify_config(hearthd_factory.tmp_path, attachment_expiry="2s")
    d = hearthd_factory(cfg)
    m = publish(port, "exp", "file", headers={"Filename": "a.txt"}).json()
    assert m["attachment"]["expires"] - m["time"] == 2
    s = session()
    assert s.get(m["attachment"]["url"], timeout=5).status_code == 200
    files = list((hearthd_factory.tmp_path / "state" / "notify" / "attachments").iterdir())
    assert [f.name for f in files] == [m["id"]]
    time.sleep(3.1)
    r = s.get(m["attachment"]["url"], timeout=5)
    assert r.status_code == 404 and r.json()["code"] == 40401
    # The message itself stays cached (12 h), with its attachment entry.
    assert [x["id"] for x in poll(port, "exp")] == [m["id"]]
    del d
