"""The small compliance year of small_year.txt, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from scenario_text import run_scenario
from sqlalchemy import Engine, text


def test_small_year(engine: Engine) -> None:
    """Numbers derived by hand in the header of small_year.txt."""
    run_scenario(engine, (Path(__file__).parent / "small_year.txt").read_text(encoding="utf-8"))
    with engine.connect() as connection:
        deduction = connection.execute(
            text("SELECT year, quantity_units FROM allocation_deductions")
        ).all()
    assert [tuple(row) for row in deduction] == [(2017, 893)]
