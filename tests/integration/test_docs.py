# SPDX-License-Identifier: MIT
"""docs/config.md is what `hearthd --config-reference` prints: the reference
comes from the schema table, so the two never drift apart."""
import subprocess
from pathlib import Path

from helpers import HEARTHD

DOC = Path(__file__).resolve().parents[2] / "docs" / "config.md"


def test_config_reference_matches_docs():
    out = subprocess.run([HEARTHD, "--config-reference"], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    table = [l for l in DOC.read_text().splitlines() if l.startswith("|")]
    assert table == out.splitlines(), \
        "docs/config.md is stale: regenerate it with hearthd --config-reference"
