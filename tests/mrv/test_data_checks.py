"""Every data check can fail, and a clean report passes all of them at once."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from tanshi.core.issues import Severity
from tanshi.mrv.annual_report import AnnualReport, MonthlyValue, ParameterValue, parse_report_csv
from tanshi.mrv.data_checks import check_report
from tanshi.mrv.monitoring_plan import Basis, parse_plan
from tanshi.mrv.verification_rules import parse_verification_rules
from tanshi.resources import verification_rules

RULES = verification_rules("demo-province")
PLAN_TEXT = """
company = "A"
version = 1
valid_from_year = 2016

[[streams]]
unit = "boiler-1"
stream = "coal"
kind = "fuel"
subject = "other_bituminous_coal"
activity_unit = "t"
parameters = { quantity = "measured", ncv = "measured" }
"""
PLAN = parse_plan(PLAN_TEXT, "plan.toml")[0]
NCV = (ParameterValue("ncv", D("25.0"), Basis.MEASURED),)
MONTHS = tuple(MonthlyValue("boiler-1", "coal", m, D(100), NCV) for m in range(1, 13))
# 1 200 t × 25.8 GJ/t × 94 600 kg/TJ / 10^6 = 2 928.816 t (the Tier 1 default NCV is used)
CLEAN = AnnualReport("A", 2016, MONTHS, (("boiler-1", "coal", D(1200)),), D("2928.816"))


def codes(report: AnnualReport, calculated=D("2928.816"), previous=None) -> list[str]:
    assert PLAN is not None
    return [issue.code for issue in check_report(report, PLAN, RULES, calculated, previous)]


def test_a_clean_report_passes() -> None:
    assert codes(CLEAN, previous=D(3000)) == []


def months(*replace: tuple[int, MonthlyValue | None]) -> tuple[MonthlyValue, ...]:
    changed = dict(enumerate(MONTHS, start=1)) | dict(replace)
    return tuple(value for value in changed.values() if value is not None)


def month(number: int, quantity: str = "100", ncv: str = "25.0", basis=Basis.MEASURED):
    return MonthlyValue("boiler-1", "coal", number, D(quantity),
                        (ParameterValue("ncv", D(ncv), basis),))  # fmt: skip


CASES = [
    ("missing_months", {"months": months((4, None), (5, None)), "totals": (("boiler-1", "coal", D(1000)),)}, {}),
    ("month_duplicate", {"months": (*MONTHS, month(3, "0"))}, {}),
    ("month_invalid", {"months": (*MONTHS, month(13, "0"))}, {}),
    ("negative_quantity", {"months": months((2, month(2, "-1"))), "totals": (("boiler-1", "coal", D(1099)),)}, {}),
    ("stream_not_in_plan", {"months": (*MONTHS, MonthlyValue("boiler-2", "coal", 1, D(1)))}, {}),
    ("parameter_out_of_range", {"months": months((6, month(6, ncv="31.0")))}, {}),
    ("parameter_out_of_range", {"months": months((6, month(6, ncv="19.8")))}, {}),
    ("default_where_measured", {"months": months((7, month(7, ncv="25.8", basis=Basis.DEFAULT)))}, {}),
    ("annual_total_mismatch", {"totals": (("boiler-1", "coal", D("1200.001")),)}, {}),
    ("annual_total_missing", {"totals": ()}, {}),
    ("emissions_total_mismatch", {"stated_tco2": D("2928.817")}, {}),
    ("year_on_year_change", {}, {"previous": D("2440.679")}),  # +20.0003%
    ("year_on_year_change", {}, {"previous": D("3661.021")}),  # −20.0002%
    ("plan_of_another_company", {"company": "B"}, {}),
]  # fmt: skip


@pytest.mark.parametrize(("code", "changes", "context"), CASES)
def test_each_check_fails(code: str, changes: dict, context: dict) -> None:
    found = codes(dataclasses.replace(CLEAN, **changes), **context)
    assert found == [code]


def test_boundaries_pass() -> None:
    assert codes(CLEAN, previous=D("2440.68")) == []  # +19.99998%: not more than 20%
    assert codes(dataclasses.replace(CLEAN, months=months((6, month(6, ncv="30.5"))))) == []
    assert codes(dataclasses.replace(CLEAN, stated_tco2=D("2928.8164"))) == []  # same kg


def test_all_problems_come_back_at_once_with_severities() -> None:
    report = dataclasses.replace(
        CLEAN, months=months((1, None), (6, month(6, ncv="40"))), stated_tco2=D(1)
    )
    assert PLAN is not None
    issues = check_report(report, PLAN, RULES, D("2928.816"), D(1000))
    severity = {issue.code: issue.severity for issue in issues}
    assert severity == {
        "missing_months": Severity.ERROR,
        "parameter_out_of_range": Severity.WARNING,
        "annual_total_mismatch": Severity.ERROR,
        "emissions_total_mismatch": Severity.ERROR,
        "year_on_year_change": Severity.WARNING,
    }


def test_report_csv_round_trip() -> None:
    text = (
        "unit,stream,month,quantity,ncv,ncv_basis\n"
        + "".join(f"boiler-1,coal,{m},100,25.0,measured\n" for m in range(1, 13))
        + "boiler-1,coal,total,1200,,\n"
    )
    report, issues = parse_report_csv(text, "A", 2016, D("2928.816"), "a.csv")
    assert issues == [] and report == CLEAN


def test_report_csv_problems() -> None:
    assert parse_report_csv("u,s\n", "A", 2016, D(0), "a.csv")[1][0].code == "report_header"
    no_basis = "unit,stream,month,quantity,ncv\n"
    assert parse_report_csv(no_basis, "A", 2016, D(0), "a.csv")[1][0].code == "report_header"
    bad = "unit,stream,month,quantity\nb,c,one,1\nb,c,2,x\n"
    assert [i.code for i in parse_report_csv(bad, "A", 2016, D(0), "a.csv")[1]] == [
        "month_invalid", "not_a_number"]  # fmt: skip


def test_plan_problems() -> None:
    text = (
        PLAN_TEXT.replace('activity_unit = "t"', 'activity_unit = "ton"').replace(
            'quantity = "measured", ', ""
        )
        + PLAN_TEXT[PLAN_TEXT.index("[[streams]]") :]
    )
    _, issues = parse_plan(text, "plan.toml")
    assert sorted(i.code for i in issues) == [
        "plan_quantity_basis_missing", "plan_stream_duplicate", "unknown_unit"]  # fmt: skip
    assert parse_plan("company = ", "p")[1][0].code == "plan_toml_invalid"
    assert parse_plan("company = 'A'", "p")[1][0].code == "plan_field_invalid"


RULES_TEXT = """
[rules]
rulebook = "x"
valid_from = 2016
valid_to = 2020
[[materiality]]
share = 0.02
source = "s"
confidence = "M"
[[materiality]]
up_to_t = 500000
share = 0.05
source = "s"
confidence = "M"
[rotation]
max_consecutive_years = 0
source = "s"
confidence = "M"
[recheck]
sample_share = 0.1
confidence = "M"
[data_checks]
year_on_year_change_share = 0.2
source = "s"
confidence = "M"
"""


def test_rules_need_sources_and_ordered_bands() -> None:
    _, issues = parse_verification_rules(RULES_TEXT, "x.toml")
    assert sorted(issue.code for issue in issues) == [
        "materiality_bands_invalid", "rotation_invalid", "rule_without_source"]  # fmt: skip
    _, issues = parse_verification_rules("[rules]\n", "x.toml")
    assert issues[0].code == "rules_field_invalid"


def test_every_shipped_rule_has_a_source() -> None:
    bands = RULES.materiality
    assert all(band.origin.source and band.origin.confidence for band in bands)
    assert all(item.origin.source for item in RULES.plausible_ranges)
