"""The verification workflow from the command line, as a regulator, a company and verifiers."""

from __future__ import annotations

from pathlib import Path

from tests_support import real_database
from typer.testing import CliRunner

from grid_site_text import grid_site_plan
from tanshi.cli.main import app
from tanshi.services.jurisdiction import load_jurisdiction, register_company
from tanshi.store.engine import open_database

runner = CliRunner()
PLAN = grid_site_plan("A")


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_a_report_from_plan_to_recheck(tmp_path: Path) -> None:
    db = str(real_database(tmp_path / "t.sqlite"))
    engine = open_database(f"sqlite:///{db}")
    register_company(engine, load_jurisdiction(engine, "DP"), "A", "Alpha", "power")
    engine.dispose()
    at = ["--db", db, "--at", "2017-04-01T10:00+08:00"]
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    # 12 × 1 000 MWh × 0.6101 = 7 321.2 t
    months = "unit,stream,month,quantity\n" + "".join(f"site,grid,{m},1000\n" for m in range(1, 13))
    (tmp_path / "a.csv").write_text(months + "site,grid,total,12000\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text(months, encoding="utf-8")
    for body in ("VB01", "VB02", "VB03"):
        run("verification", "body", body, f"Body {body}", *at)
    run("verification", "conflict", "VB03", "A", "--reason", "advised A", *at)
    run("verification", "plan", str(tmp_path / "plan.toml"), *at)
    checked = run("verification", "check", "A", "2016", str(tmp_path / "bad.csv"),
                  "--stated-t", "7000", "--db", db, code=1)  # fmt: skip
    assert "annual_total_missing" in checked and "emissions_total_mismatch" in checked
    run("verification", "submit", "A", "2016", str(tmp_path / "a.csv"), "--stated-t", "7321.2",
        *at)  # fmt: skip
    refused = run("verification", "assign", "A", "2016", "VB03", *at, code=1)
    assert "conflict_of_interest" in refused
    run("verification", "assign", "A", "2016", "VB02", *at)  # meant VB01: changed, not stuck
    run("verification", "reassign", "A", "2016", "VB01", *at)
    run("verification", "finding", "A", "2016", "--as", "VB01", "--kind", "misstatement",
        "--amount-t", "-100", "--description", "double-counted meter", *at)  # fmt: skip
    typo = runner.invoke(app, ["verification", "finding", "A", "2016", "--as", "VB01", "--kind",
                               "misstatement", "--amount-t", "-99999999", "--description",
                               "typo", *at])  # fmt: skip
    assert typo.exit_code == 1 and "finding on A 2016: finding_invalid" in typo.stdout
    assert "[misstatement_exceeds_report]" in typo.stderr  # every problem, then the count
    assert typo.stderr.endswith("; finding on A 2016 was refused\n")
    run("verification", "finding", "A", "2016", "--as", "VB01", "--kind", "misstatement",
        "--amount-t", "-50", "--description", "a second look", *at)  # fmt: skip
    run("verification", "withdraw", "A", "2016", "2", "--as", "VB01", "--reason", "no", *at)
    assert "invalid_state" in run("verification", "reassign", "A", "2016", "VB02", *at, code=1)
    verified = run("verification", "verify", "A", "2016", "--as", "VB01", *at)
    assert "verified_t: 7221.2" in verified
    sources = run("verification", "sources", "A", "2016", "--db", db)
    assert "verified 7221.2 t (verification_body) by ipcc2006-tier1-co2" in sources
    assert "re-derived from the stored snapshot: 7321.2 t (matches" in sources
    assert "DEMO-PROVINCE/ef_grid/cn_national_grid" in sources and "0.6101 tCO2/MWh" in sources
    assert "no emissions figure" in run("verification", "sources", "Z", "2016", "--db", db,
                                        code=1)  # fmt: skip
    assert run("verification", "sample", "2016", "--seed", "1", *at).strip() == "A"
    run("verification", "recheck-assign", "A", "2016", "VB02", *at)
    flagged = run("verification", "recheck", "A", "2016", "--as", "VB02", "--figure-t", "7700",
                  *at)  # fmt: skip
    assert "recheck_flagged" in flagged and "difference_t: 478.8" in flagged
    status = run("verification", "status", "2016", "--db", db)
    assert "recheck_flagged" in status and "7700.000" in status
    report = run("verification", "discrepancies", "2016", "--db", db)
    assert "478.800" in report and "6.630%" in report and "flagged" in report  # 478.8 / 7 221.2
    trail = run("verification", "events", "A", "2016", "--db", db)
    assert trail.count("\n") == 12 and "conflict_of_interest" in trail
    unknown = run("verification", "events", "UNKNOWN", "2016", "--db", db, code=1)
    assert "no company UNKNOWN in this database" in unknown
    assert "no verification case for A in 2015" in run("verification", "events", "A", "2015",
                                                        "--db", db, code=1)  # fmt: skip


def test_a_report_with_unreadable_lines_lists_every_problem(tmp_path: Path) -> None:
    """The command line reads the file as the web and the API do (tests/web/test_report_rows):
    every unreadable line at its line and column, and the plan's checks of the lines read."""
    db = str(real_database(tmp_path / "t.sqlite"))
    engine = open_database(f"sqlite:///{db}")
    register_company(engine, load_jurisdiction(engine, "DP"), "A", "Alpha", "power")
    engine.dispose()
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    run("verification", "plan", str(tmp_path / "plan.toml"), "--db", db)
    bad = ("unit,stream,month,quantity\nsite,grid,1,\nsite,grid,2,abc\n"
           + "".join(f"site,grid,{m},1000\n" for m in range(3, 13))
           + "site,boiler,1,5\nsite,grid,13,1000\nsite,grid,total,12000\n")  # fmt: skip
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    for command in ("check", "submit"):
        said = run("verification", command, "A", "2016", str(tmp_path / "bad.csv"),
                   "--stated-t", "7321.2", "--db", db, code=2)  # fmt: skip
        lines = [line.strip() for line in said.splitlines() if line.strip()]
        assert [line.rsplit("[", 1)[1] for line in lines[:4]] == [
            "missing_value]",
            "not_a_number]",
            "month_invalid]",
            "stream_not_in_plan]",
        ]
        assert lines[0].startswith(f"{tmp_path / 'bad.csv'} line 2, column 4: error: the "
                                   "quantity is empty; give a number such as 1234.5")  # fmt: skip
        assert "missing_months" not in said and "cannot read" not in said
