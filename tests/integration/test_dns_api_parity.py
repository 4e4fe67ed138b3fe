# SPDX-License-Identifier: MIT
"""PowerDNS API parity beyond the conformance script: CORS preflight, zone
metadata, server config, each side by side with pdns_server 4.7 (the
reference for status codes, headers and JSON), started as in
test_dns_api.py. No skip: if either server cannot start, the tests fail.
"""
import pytest

from test_dns_api import Z, canon, hearth, pdns  # noqa: F401 (fixtures)

CORS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Headers",
        "Access-Control-Allow-Methods", "Access-Control-Max-Age")

PREFLIGHT_PATHS = ["/api", "/api/v1", "/api/v1/servers",
                   "/api/v1/servers/localhost",
                   "/api/v1/servers/localhost/zones",
                   "/api/v1/servers/localhost/zones/nope.example.",
                   "/api/v1/servers/localhost/zones/nope.example./metadata",
                   "/api/v1/servers/localhost/statistics",
                   "/api/v1/servers/localhost/config"]


def preflight(api, path, key):
    r = api.call("OPTIONS", path, key=key)
    return (r.status, {h: r.headers.get(h) for h in CORS},
            r.headers.get("Content-Type", "").split(";")[0], r.content)


@pytest.mark.parametrize("key", [True, False], ids=["key", "nokey"])
def test_cors_preflight_matches_powerdns(pdns, hearth, key):  # noqa: F811
    for path in PREFLIGHT_PATHS:
        want = preflight(pdns, path, key)
        got = preflight(hearth, path, key)
        assert want[0] == 200, (path, want)
        assert got == want, path
