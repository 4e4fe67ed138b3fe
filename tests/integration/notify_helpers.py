# SPDX-License-Identifier: MIT
"""Helpers of the notify room's integration tests: configs and a URL."""
from helpers import base_config, free_port


def notify_config(tmp_path, port=None, **notify):
    """A config with the notify room on a free loopback port (or @port);
    returns (config dict, port)."""
    port = port or free_port()
    n = {"listen": f"127.0.0.1:{port}"}
    n.update(notify)
    cfg = base_config(tmp_path, lab=False, dns={"enabled": False},
                      notify=n)
    cfg.pop("dns")
    return cfg, port


def ntfy_url(port, path=""):
    return f"http://127.0.0.1:{port}{path}"
