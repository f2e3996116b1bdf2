"""``tanshi cycle run``: allocation once, compliance only after the deadline, safe to rerun."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.resources import load_rulebook, parameter_table
from tanshi.services import jurisdiction, mrv
from tanshi.store.engine import open_database

runner = CliRunner(env={"COLUMNS": "200"})  # rich wraps tables to the terminal width


def test_cycle_allocates_then_runs_compliance_after_the_deadline(tmp_path: Path) -> None:
    db = str(tmp_path / "cycle.sqlite")
    engine = open_database(f"sqlite:///{db}")
    rulebook, text = load_rulebook("demo-province")
    j = jurisdiction.open_jurisdiction(
        engine, rulebook, text, datetime(2016, 1, 1, tzinfo=UTC), is_demo=False
    )
    jurisdiction.register_company(engine, j, "A", "Alpha Power", "power")
    for year in (2013, 2014, 2015):  # 10 000 MWh × 0.6101 = 6 101 t a year
        grid = ActivityRecord("A", year, SourceKind.ELECTRICITY, "grid", Decimal(10000), "MWh")
        assert not mrv.record_activity(engine, [grid])
        mrv.report_and_verify(engine, j, parameter_table(), "A", year)
    engine.dispose()
    base = ["cycle", "run", "--rulebook", "demo-province", "--year", "2016", "--db", db]
    before = runner.invoke(app, [*base, "--at", "2016-06-30T10:00+08:00"])
    assert before.exit_code == 0, before.output
    # floor(6 101 × 0.97) = 5 917
    assert "2016: allocated 5,917 t to 1 companies" in before.output
    assert "compliance runs after the surrender deadline 2017-06-30" in before.output
    after = runner.invoke(app, [*base, "--at", "2017-07-01T10:00+08:00"])
    assert after.exit_code == 0, after.output
    assert "2016: already allocated" in after.output
    assert "compliance 2016" in after.output
    assert "no verified emissions" in after.output
    wrong = runner.invoke(app, [*base[:2], "--rulebook", "kr-kets", *base[4:]])
    assert wrong.exit_code == 2
    assert "runs rulebook demo-province, not kr-kets" in wrong.output
