"""``tanshi rulebook show`` prints the rules of a year, with sources and confidence."""

from __future__ import annotations

from typer.testing import CliRunner

from tanshi.cli.main import app

runner = CliRunner()


def show(preset: str, year: int) -> str:
    result = runner.invoke(
        app, ["rulebook", "show", preset, "--year", str(year)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_kets_2016_shows_caps_reserves_borrowing_and_penalty() -> None:
    out = show("kr-kets", 2016)
    assert "562,183,138 t, pre-allocated 532,575,917 t, reserve 29,607,221 t" in out
    assert "14,300,000 t for 2015-2017, on top of the cap" in out
    assert "up to 20% of the obligation" in out
    assert "at most 100000 KRW/t" in out
    assert "[M]" in out and "[V3]" in out


def test_china_2020_shows_benchmarks_and_limits() -> None:
    out = show("cn-national-power", 2020)
    assert "0.877 tCO2/MWh" in out and "0.059 tCO2/GJ" in out
    assert "70% pre-allocated on 2018" in out
    assert "gas units surrender at most their allocation" in out
    assert "fine of 20000-30000 CNY" in out


def test_eu_shows_the_auctioned_part_and_the_fixed_penalty() -> None:
    out = show("eu-ets", 2022)
    assert "auctioned 871,290,310 t" in out
    assert "100 EUR per missing tonne; allowances still owed" in out


def test_a_year_without_rules_exits_1() -> None:
    result = runner.invoke(app, ["rulebook", "show", "eu-ets", "--year", "2019"])
    assert result.exit_code == 1
    outside = runner.invoke(app, ["rulebook", "show", "demo-province", "--year", "2099"])
    assert outside.exit_code == 1 and outside.stdout == ""
    assert outside.stderr == (
        "year 2099: error: the rulebook has no rules for 2099; it has rules for 2016-2020: "
        "choose one of those years [no_rule_in_force]\n1 error; nothing to show\n"
    )
