"""docs/market-data.md names every calibration quantity and every trade-file problem code."""

from __future__ import annotations

import re
from pathlib import Path

from tanshi.resources import exchange_calibration

DOC = (Path(__file__).resolve().parents[1] / "docs" / "market-data.md").read_text(encoding="utf-8")
SOURCE = Path(__file__).resolve().parents[1] / "src" / "tanshi" / "market"


def test_every_calibration_quantity_is_documented() -> None:
    quantities = {target.quantity for target in exchange_calibration().targets}
    assert {quantity for quantity in quantities if f"`{quantity}`" not in DOC} == set()


def test_every_trade_file_problem_code_is_documented() -> None:
    code = (SOURCE / "tape.py").read_text(encoding="utf-8") + (SOURCE / "tape_csv.py").read_text(
        encoding="utf-8"
    )
    codes = set(re.findall(r'Issue\(\s*"([a-z_]+)"', code))
    assert codes and {name for name in codes if f"`{name}`" not in DOC} == set()
