"""The demo runs on a grandfathering rulebook that allows no offsets in its first year."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine

from tanshi.resources import load_rulebook, parameter_table
from tanshi.services.demo import run_demo


def test_the_demo_runs_without_an_offset_rule(engine: Engine, tmp_path: Path) -> None:
    """With no [[offsets]] in force the offset share is a Decimal zero (an int zero broke
    the surrender plan: ``int`` has no ``to_integral_value``), and nobody counts offsets."""
    _, text = load_rulebook("demo-province")
    without = re.sub(r"\[\[offsets\]\]\n(?:.+\n)+?\n", "", text)
    assert without != text
    path = tmp_path / "no-offsets.toml"
    path.write_text(without, encoding="utf-8")
    rulebook, rulebook_text = load_rulebook(str(path))
    assert rulebook.offsets == ()
    result = run_demo(engine, rulebook, rulebook_text, parameter_table(), seed=1, company_count=2)
    assert len(result.lines) == 2
    assert all(line.offsets_counted_t == 0 for line in result.lines)
