"""Rulebook parsing and checks: every problem reported with its line and rule path."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest

from registry_controls import CONTROLS
from tanshi.resources import parse_installed, preset_ids, preset_text
from tanshi.rulebook import parse_rulebook, rules_in_force

DEMO = preset_text("demo-province")


def test_every_preset_is_valid() -> None:
    for preset in preset_ids():
        rulebook, issues = parse_rulebook(preset_text(preset), preset)
        assert rulebook is not None
        assert issues == []


def test_demo_province_rules_match_issue_2() -> None:
    rulebook, _ = parse_rulebook(DEMO)
    assert rulebook is not None
    rules = rules_in_force(rulebook, 2016)
    assert rules.allocation.base_years == (2013, 2014, 2015)
    assert rules.offsets is not None
    assert rules.offsets.cap_share_of_obligation == Decimal("0.10")
    assert rules.penalty.multiple == 3
    assert rules.penalty.price_window.value == "compliance_year"
    assert rules.penalty.deduct_shortfall_from_next_allocation
    assert {sector.code for sector in rulebook.sectors} == {
        "power", "cement", "steel", "petrochemicals", "aviation",
    }  # fmt: skip


def test_decimals_are_exact_not_float() -> None:
    rulebook, _ = parse_rulebook(DEMO)
    assert rulebook is not None
    factor = rulebook.allocation[0].reduction_factor
    assert isinstance(factor, Decimal)
    assert factor == Decimal("0.97")


def test_schema_errors_are_all_listed_with_lines() -> None:
    broken = DEMO.replace("reduction_factor = 0.97", "reduction_factor = 1.7").replace(
        'kind = "offset"', 'kind = "voucher"'
    )
    broken = broken.replace(
        'source = "Demo cap: previous year', 'sauce = "Demo cap: previous year', 1
    )
    rulebook, issues = parse_rulebook(broken, "mine.toml")
    assert rulebook is None
    where = {issue.code: issue.where for issue in issues}
    lines = broken.splitlines()
    reduction = where["rulebook_less_than_equal"]
    assert reduction.endswith("allocation[0].reduction_factor")
    line = int(reduction.split(":")[1].split()[0])
    assert lines[line - 1].startswith("reduction_factor = 1.7")
    assert where["rulebook_enum"].endswith("unit_types[1].kind")
    assert "rulebook_extra_forbidden" in where  # 'sauce' is not a field
    assert "rulebook_missing" in where  # and 'source' is then missing


def test_overlapping_rules_are_an_error_not_most_recent_wins() -> None:
    extra = textwrap.dedent(
        """
        [[offsets]]
        valid_from = 2018
        valid_to = 2022
        cap_share_of_obligation = 0.05
        eligible_unit_types = ["DPCER"]
        source = "a second rule that overlaps 2018-2020"
        confidence = "assumption"
        """
    )
    rulebook, issues = parse_rulebook(DEMO + extra, "mine.toml")
    assert rulebook is not None
    assert [issue.code for issue in issues] == ["rules_overlap"]
    assert "offsets[1]" in issues[0].where
    assert "2018" in issues[0].message


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            ('eligible_unit_types = ["DPCER"]', 'eligible_unit_types = ["DPEA"]'),
            "unknown_offset_unit_type",
        ),
        (
            ("base_years = [2013, 2014, 2015]", "base_years = [2014, 2015, 2016]"),
            "base_year_not_in_past",
        ),
        (("year = 2018\n", "year = 2017\n"), "duplicate_cap"),
        (
            ('price_window = "compliance_year"', 'price_window = "months_before_deadline"'),
            "missing_window_months",
        ),
        (("valid_to = 2020\nmethod", "valid_to = 2021\nmethod"), "missing_cap"),
        (
            ("valid_to = 2020\nperiod_years", "valid_to = 2019\nperiod_years"),
            "missing_compliance_rule",
        ),
        (
            (
                "valid_from = 2013\nvalid_to = 2015\nmethodology",
                "valid_from = 2014\nvalid_to = 2015\nmethodology",
            ),
            "base_year_without_mrv_rule",
        ),
        (('code = "cement"', 'code = "power"'), "duplicate_sector"),
    ],
)
def test_cross_rule_checks(change: tuple[str, str], code: str) -> None:
    old, new = change
    assert old in DEMO
    _, issues = parse_rulebook(DEMO.replace(old, new, 1), "mine.toml")
    assert code in {issue.code for issue in issues}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (('"06-30"', '"02-30"'), "compliance[0].surrender_deadline_month_day"),
        (('timezone = "Asia/Shanghai"', 'timezone = "Nowhere/Land"'), "rulebook.timezone"),
    ],
)
def test_impossible_dates_and_zones_are_schema_errors(change: tuple[str, str], where: str) -> None:
    rulebook, issues = parse_rulebook(DEMO.replace(*change), "mine.toml")
    assert rulebook is None
    assert [issue.where.split()[-1] for issue in issues] == [where]


def test_installed_methodologies_and_regimes_are_checked() -> None:
    broken = DEMO.replace(
        'methodology = "ipcc2006-tier1-co2"', 'methodology = "guesswork"'
    ).replace('"DEMO-PROVINCE"]', '"ATLANTIS"]')
    _, issues = parse_installed(broken, "mine.toml")
    assert {issue.code for issue in issues} == {"unknown_methodology", "unknown_parameter_regime"}
    assert parse_rulebook(broken)[1] == []  # the domain alone cannot know what is installed


def test_not_toml_reports_the_syntax_error() -> None:
    rulebook, issues = parse_rulebook("[rulebook\nid = 1", "bad.toml")
    assert rulebook is None
    assert issues[0].code == "rulebook_not_toml"
    assert "line" in issues[0].message


def test_surrender_deadline_follows_the_period() -> None:
    rulebook, _ = parse_rulebook(DEMO)
    assert rulebook is not None
    assert str(rules_in_force(rulebook, 2016).compliance.surrender_deadline(2016)) == "2017-06-30"


def test_a_registry_rule_gives_exactly_one_kind_of_delay() -> None:
    both = CONTROLS.replace(
        "untrusted_transfer_delay_hours = 26",
        'untrusted_transfer_delay_hours = 26\nuntrusted_transfer_release_time = "12:00"',
    )
    neither = CONTROLS.replace("untrusted_transfer_delay_hours = 26\n", "")
    noon = CONTROLS.replace(
        "untrusted_transfer_delay_hours = 26", 'untrusted_transfer_release_time = "12:00"'
    )
    for text, codes in ((both, ["untrusted_delay_unclear"]), (neither, ["untrusted_delay_unclear"]),
                        (noon, [])):  # fmt: skip
        _, issues = parse_rulebook(preset_text("demo-province") + text)
        assert [i.code for i in issues if i.severity.value == "error"] == codes
