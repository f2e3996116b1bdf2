"""A scenario file's semantic problems come back all at once; prices read under either key."""

from __future__ import annotations

import textwrap
from pathlib import Path

from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.services.scenario_run import validate_scenario

SLIPS = textwrap.dedent("""\
    scenario: slips
    preset: kr-kets
    companies:
      - {code: A, name: Alpha, sector: nosector}
      - {code: A, name: Alpha again, sector: power}
    steps:
      - {at: 2016-01-01, surrender: {company: Z, quantity_t: 10, unit_class: KAU-2015, year: 2015}}
      - at: 2016-02-01
        trade: {seller: A, buyer: Q, quantity_t: 5, unit_class: KAU-2015, price_per_t: 1}
""")


def test_every_semantic_problem_is_reported_with_its_line() -> None:
    scenario, issues = validate_scenario(SLIPS, "s.yaml")
    assert scenario is None
    assert [(issue.code, issue.where) for issue in issues] == [
        ("unknown_sector", "s.yaml:4 companies[0].sector"),
        ("duplicate_company", "s.yaml:5 companies[1].code"),
        ("unknown_company", "s.yaml:7 steps[0].surrender.company"),
        ("unknown_company", "s.yaml:9 steps[1].trade.buyer"),
    ]


def test_an_unknown_preset_is_reported_beside_schema_problems() -> None:
    text = (
        "scenario: x\npreset: nope\ncompanies: []\nsteps:\n  - {at: 2016-01-01, allocate: 2015}\n"
    )
    scenario, issues = validate_scenario(text, "x.yaml")
    assert scenario is None
    assert [issue.code for issue in issues] == ["scenario_invalid", "unknown_preset"]
    assert "no rulebook preset 'nope'" in issues[1].message


def test_prices_read_under_the_neutral_key_and_the_old_one() -> None:
    new = (
        SLIPS.replace("  - {code: A, name: Alpha, sector: nosector}\n", "")
        .replace("Alpha again", "Alpha")
        .replace("company: Z", "company: A")
        .replace("buyer: Q", "buyer: A")
    )
    old = new.replace("price_per_t: 1", "price_cny_per_t: 1")
    for text in (new, old):
        scenario, issues = validate_scenario(text, "p.yaml")
        assert issues == []
        assert scenario is not None
        trade = scenario.steps[1].trade
        assert trade is not None and trade.price_per_t == 1
    both = new.replace("price_per_t: 1", "price_per_t: 1, price_cny_per_t: 1")
    _, issues = validate_scenario(both, "b.yaml")
    assert [issue.code for issue in issues] == ["scenario_invalid"]


def test_piped_tables_are_not_squeezed_to_80_columns(tmp_path: Path) -> None:
    result = CliRunner(env={"COLUMNS": None}).invoke(app, ["scenario", "run", "kr-kets"])
    assert result.exit_code == 0, result.output
    assert "Verified tCO2" in result.output and "Com…" not in result.output
