"""The reference docs list what the code declares, in the code's order."""

from __future__ import annotations

import re
from pathlib import Path

from tanshi.registry import PRECEDENCE
from tanshi.registry.transaction_types import TRANSACTION_TYPES

REGISTRY_DOC = (Path(__file__).resolve().parents[1] / "docs" / "registry.md").read_text(
    encoding="utf-8"
)


def test_result_codes_are_documented_in_precedence_order() -> None:
    section = REGISTRY_DOC.split("## Result codes", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\d+\. `([a-z0-9_]+)`", section, flags=re.MULTILINE)
    assert listed == [code.value for code in PRECEDENCE]


def test_every_transaction_type_is_in_the_table() -> None:
    rows = re.findall(r"^\| `([a-z_]+)` \|", REGISTRY_DOC, flags=re.MULTILINE)
    assert set(TRANSACTION_TYPES) <= set(rows)
