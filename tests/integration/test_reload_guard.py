# SPDX-License-Identifier: MIT
"""A reload never turns off by omission what runs: SIGHUP (or POST
/api/v1/reload) with an empty, comment-only or http-only file is refused
and logged; the lab's records are still served and the API key still
works. Turning things off needs the explicit forms (`dns: {enabled:
false}`, `lab: {enabled: false}`, `api_key: ""`)."""
import signal

import dns.message
import dns.query
import dns.rcode

from helpers import free_port

KEY = {"X-API-Key": "k"}


def full(state, dns_port):
    return f"""state_dir: {state}
http: {{listen: "127.0.0.1:@PORT@", api_key: k}}
dns: {{listen: ["127.0.0.1:{dns_port}"], upstream: []}}
lab:
  domain: lab.example
  networks: {{dmz: {{subnet: 192.168.30.0/24}}}}
  hosts: {{maestro: {{ip: 192.168.30.8, network: dmz}}}}
"""


def lab_answer(dns_port):
    r = dns.query.udp(dns.message.make_query("maestro.lab.example.", "A"),
                      "127.0.0.1", port=dns_port, timeout=5)
    return r.rcode(), sorted(x.to_text() for rr in r.answer for x in rr)


def status(d, key="k"):
    return d.session.get(f"http://127.0.0.1:{d.port}/api/v1/status",
                         headers={"X-API-Key": key}, timeout=10)


def test_sighup_with_empty_or_partial_file_is_refused(hearthd_factory,
                                                      tmp_path):
    dns_port = free_port()
    d = hearthd_factory(full(tmp_path / "state", dns_port))
    served = (dns.rcode.NOERROR, ["192.168.30.8"])
    assert lab_answer(dns_port) == served
    bad = ["", "# all commented out\n# dns: {}\n",
           'http: {listen: "127.0.0.1:@PORT@"}\n']
    for n, text in enumerate(bad, start=1):
        start = len(d.stderr())
        d.write_config(text)
        d.signal(signal.SIGHUP)
        d.wait_log("reload refused, running config stays", start=start)
        log = d.stderr()[start:]
        assert "room dns is running" in log and "{enabled: false}" in log
        assert lab_answer(dns_port) == served
        assert status(d).status_code == 200
        assert status(d).json()["reloads"]["failed"] == n
    # The API says why too.
    r = d.session.post(f"http://127.0.0.1:{d.port}/api/v1/reload",
                       headers=KEY, timeout=10)
    assert r.status_code == 422, r.text
    assert "room dns is running" in r.json()["error"]

    # dns kept, lab and key left out: refused, naming each.
    base = f'state_dir: {tmp_path / "state"}\n' \
           f'dns: {{listen: ["127.0.0.1:{dns_port}"], upstream: []}}\n'
    d.write_config(base + 'http: {listen: "127.0.0.1:@PORT@", api_key: k}\n')
    r = d.session.post(f"http://127.0.0.1:{d.port}/api/v1/reload",
                       headers=KEY, timeout=10)
    assert r.status_code == 422 and "no 'lab' section" in r.json()["error"]
    d.write_config(base + 'http: {listen: "127.0.0.1:@PORT@"}\n'
                   'lab: {domain: lab.example}\n')
    r = d.session.post(f"http://127.0.0.1:{d.port}/api/v1/reload",
                       headers=KEY, timeout=10)
    assert r.status_code == 422 and "http.api_key" in r.json()["error"]
    assert lab_answer(dns_port) == served

    # Said explicitly: the lab goes, the key goes (the management API
    # then refuses everything), dns is left running until restart.
    d.write_config(base + 'http: {listen: "127.0.0.1:@PORT@", api_key: ""}\n'
                   'lab: {enabled: false}\n')
    r = d.session.post(f"http://127.0.0.1:{d.port}/api/v1/reload",
                       headers=KEY, timeout=10)
    assert r.status_code == 200, r.text
    assert lab_answer(dns_port)[1] == []
    assert status(d).status_code in (401, 403)


def test_room_turned_off_explicitly_stops_at_restart(hearthd_factory,
                                                     tmp_path):
    dns_port = free_port()
    d = hearthd_factory(full(tmp_path / "state", dns_port))
    d.config = full(tmp_path / "state", dns_port).replace(
        'dns: {listen', 'dns: {enabled: false, listen')
    d.write_config()
    r = d.session.post(f"http://127.0.0.1:{d.port}/api/v1/reload",
                       headers=KEY, timeout=10)
    assert r.status_code == 200, r.text
    assert "dns" in r.json()["restart_needed"]
    assert "room dns was disabled; it stops at restart" in d.stderr()
    assert lab_answer(dns_port)[0] == dns.rcode.NOERROR
    assert d.stop() == 0
    hearthd_factory.restart(d)
    assert d.get("/healthz").json()["rooms"]["dns"] == "disabled"
