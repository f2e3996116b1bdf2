"""Scenario files: the shipped ones pass on both stores; mistakes are reported, all of them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.resources import scenario_ids, scenario_text
from tanshi.scenario.spec import parse_scenario
from tanshi.services.scenario_run import run_scenario


@pytest.mark.parametrize("name", scenario_ids())
def test_shipped_scenarios_pass(engine: Engine, name: str) -> None:
    scenario, issues = parse_scenario(*scenario_text(name))
    assert scenario is not None, issues
    result = run_scenario(engine, scenario)
    assert result.passed, "\n".join(str(d) for d in result.differences)


def _demo_with(replacements: dict[str, str]) -> str:
    text, _ = scenario_text("demo-province")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_every_difference_is_reported(engine: Engine) -> None:
    text = _demo_with({
        "shortfall_t: 893,": "shortfall_t: 900,",
        "penalty_cny: 83049.00": "penalty_cny: 83049.01",
        "C: {allocation_t: 11050}": "C: {allocation_t: 11051}",
        "refused: insufficient_units": "refused: account_frozen",
    })  # fmt: skip
    scenario, issues = parse_scenario(text)
    assert scenario is not None, issues
    result = run_scenario(engine, scenario)
    found = {(d.field, d.expected, d.actual) for d in result.differences}
    assert found == {
        ("shortfall_t", "900", "893"),
        ("penalty_cny", "83049.01", "83049.00"),
        ("allocation_t", "11051", "11050"),
        ("refused", "account_frozen", "insufficient_units"),
    }


def test_yaml_numbers_are_exact() -> None:
    scenario, _ = parse_scenario(scenario_text("demo-province")[0])
    assert scenario is not None
    trade = next(step.trade for step in scenario.steps if step.trade is not None)
    assert trade.price_per_t == Decimal("30.00")
    refused = [step for step in scenario.steps if step.refused == "price_off_tick"]
    assert refused[0].trade is not None
    assert refused[0].trade.price_per_t == Decimal("30.005")


def test_mistakes_are_located_and_all_reported() -> None:
    text = """\
scenario: broken
preset: demo-province
companies:
  - {code: A, name: Alpha, sector: power}
steps:
  - at: 2016-06-30
    allocate: 2016
    compliance: 2016
  - at: 2016-01-01
    trade: {seller: A, buyer: B, quantity_t: -5, unit_class: DPEA-2016, price_cny_per_t: 30}
"""
    scenario, issues = parse_scenario(text, "broken.yaml")
    assert scenario is None
    where = {issue.where for issue in issues}
    assert "broken.yaml:6 steps[0]" in where  # two actions in one step
    assert "broken.yaml:10 steps[1].trade.quantity_t" in where
    assert any("steps[0]" in issue.message or "one of" in issue.message for issue in issues)


def test_invalid_yaml_names_the_line() -> None:
    scenario, issues = parse_scenario("scenario: x\nsteps: [\n", "bad.yaml")
    assert scenario is None
    assert issues[0].code == "yaml_invalid" and issues[0].where.startswith("bad.yaml:")
    # One line (a problem line of the CLI), the column in the message, the line in ``where``.
    assert "\n" not in issues[0].message
    _, indented = parse_scenario("a: 1\n  b: 2\n", "y.yaml")
    assert (indented[0].where, indented[0].message) == (
        "y.yaml:2", "not valid YAML at column 4: mapping values are not allowed here; fix the "
        "syntax there")  # fmt: skip


def test_cli_runs_a_shipped_scenario_and_fails_on_differences(tmp_path) -> None:
    runner = CliRunner()
    passed = runner.invoke(app, ["scenario", "run", "demo-province"])
    assert passed.exit_code == 0, passed.output
    assert "every expected outcome met" in passed.output
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(_demo_with({"shortfall_t: 893,": "shortfall_t: 1,"}), encoding="utf-8")
    failed = runner.invoke(app, ["scenario", "run", str(wrong)])
    assert failed.exit_code == 1, failed.output
    assert "DIFFERS expect 2016 C: shortfall_t expected 1, got 893" in failed.output
    missing = runner.invoke(app, ["scenario", "run", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2
