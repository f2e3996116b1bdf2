"""docs/market.md lists the market's result codes in the code's precedence order."""

from __future__ import annotations

import re
from pathlib import Path

from tanshi.market.orders import PRECEDENCE

MARKET_DOC = (Path(__file__).resolve().parents[2] / "docs" / "market.md").read_text("utf-8")


def test_result_codes_are_documented_in_precedence_order() -> None:
    section = MARKET_DOC.split("## Result codes", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\d+\. `([a-z0-9_]+)`", section, flags=re.MULTILINE)
    assert listed == [code.value for code in PRECEDENCE]
