"""A China power company-year through the workflow on SQLite and PostgreSQL: plan → monthly
report → checks → submission → verification → emission_reports → compliance, computed by
CN-ETS:power in the version of the reporting year, with the parameters used stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from cn_power_text import MEASURED_T as CN2
from cn_power_text import PLAN, REPORT, default_months_t, rulebook_text
from sqlalchemy import Engine, select

from tanshi.core.errors import RulebookInvalid
from tanshi.core.issues import Severity
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.mrv.annual_report import parse_report_csv
from tanshi.mrv.monitoring_plan import parse_plan
from tanshi.mrv.parameters import ParameterTable
from tanshi.mrv.snapshot import reproduce
from tanshi.mrv.verification_workflow import Actor, CaseState
from tanshi.resources import parameter_table, parse_installed, preset_text, verification_rules
from tanshi.services import jurisdiction
from tanshi.services import verification as vf
from tanshi.services.compliance import positions
from tanshi.services.mrv import figure_sources, record_activity, report_and_verify
from tanshi.store.schema import annual_reports, emission_reports

NOW = datetime(2021, 4, 1, 12, tzinfo=UTC)
RULES = verification_rules("demo-province")
# 2020 is governed by CN-ETS:power:2019-2020: default carbon 0.03356 tC/GJ (CN1a), grid
# 0.6101 tCO2/MWh (CN3): 199 650 + 254 707.110240 + 6 101 = 460 458.110240, reported 460 458.
FULL_2020 = CN2 + default_months_t("0.03356") + Decimal(10000) * Decimal("0.6101")
REPORTED_2020 = Decimal(460458)


def _open(engine: Engine) -> jurisdiction.Jurisdiction:
    text = rulebook_text()
    rulebook, issues = parse_installed(text, "cn-power-test.toml")
    if rulebook is None or issues:
        raise RulebookInvalid("test rulebook", issues)
    j = jurisdiction.open_jurisdiction(engine, rulebook, text, NOW, is_demo=False)
    jurisdiction.register_company(engine, j, "P1", "Power One", "power")
    assert vf.register_body(engine, "VB1", "VB1", NOW) == []
    plan, problems = parse_plan(PLAN, "plan.toml")
    assert plan is not None and problems == []
    assert vf.file_plan(engine, plan, NOW) == []
    return j


def _submit_and_verify(engine: Engine, j, table: ParameterTable) -> vf.StepOutcome:
    report, problems = parse_report_csv(REPORT, "P1", 2020, REPORTED_2020, "report.csv")
    assert report is not None and problems == []
    submitted = vf.submit_report(engine, j, table, RULES, report, Actor("company", "P1"), NOW)
    assert submitted.ok, submitted
    assert vf.assign(engine, RULES, "P1", 2020, "VB1", vf.REGULATOR, NOW).ok
    verified = vf.verify(engine, j, RULES, "P1", 2020, Actor("body", "VB1"), NOW)
    assert verified.state is CaseState.VERIFIED
    return submitted


def test_a_power_company_year_is_verified_by_the_method_of_its_year(engine: Engine) -> None:
    assert round(FULL_2020, 2) == Decimal("460458.11")
    j = _open(engine)
    submitted = _submit_and_verify(engine, j, parameter_table())
    warnings = {(issue.code, issue.where) for issue in submitted.issues}
    assert all(issue.severity is Severity.WARNING for issue in submitted.issues)
    # May's element carbon is a default although the plan says measured: flagged, not used;
    # May–December carry no measurement: the missing-month rule applies to them.
    assert ("default_where_measured", "G1/coal month 5 carbon_content_ar") in warnings
    assert ("measurement_missing", "G1/coal carbon_content_ar") in warnings
    with engine.connect() as connection:
        stored = connection.execute(select(emission_reports)).one()
        report_row = connection.execute(select(annual_reports)).one()
    assert stored.methodology == "CN-ETS:power:2019-2020"
    assert stored.reported_kg == stored.verified_kg == 460_458_000
    assert report_row.calculated_kg == 460_458_000
    shot = stored.calculation
    assert Decimal(shot["emissions_tco2"]) == FULL_2020
    by_month = {line["month"]: line for line in shot["lines"] if line["kind"] == "fuel"}
    assert by_month[1]["basis"] == "measured"
    assert by_month[5]["basis"] == by_month[12]["basis"] == "default"
    # each default month: its own 12 500 t × 20.908 GJ/t × 0.03356 × 0.99 × 44/12
    assert Decimal(by_month[5]["emissions_tco2"]) == default_months_t("0.03356") / 8
    keys = {row["subject"]: row for row in shot["parameters"] if row["parameter"] == "cc_default"}
    assert keys["coal"]["value"] == "0.03356" and "9号" in keys["coal"]["document"]
    assert {row["parameter"] for row in shot["parameters"]} == {
        "cc_default", "of", "ef_grid", "molar_mass_rounded"
    }  # fmt: skip
    (verify_event,) = [e for e in vf.events(engine, "P1", 2020) if e.action == "verify"]
    assert verify_event.detail["methodology"] == "CN-ETS:power:2019-2020"
    assert Decimal(verify_event.detail["reproduced_t"]) == REPORTED_2020
    # compliance reads the verified figure
    (position,) = [p for p in positions(engine, j, 2020) if p.company == "P1"]
    assert position.verified_tco2 == REPORTED_2020


def test_a_changed_parameter_table_does_not_change_a_stored_result(engine: Engine) -> None:
    j = _open(engine)
    _submit_and_verify(engine, j, parameter_table())
    # The table is revised afterwards: the 2019–2020 default carbon content becomes 0.04.
    revised = ParameterTable.of(
        replace(p, value=Decimal("0.04"))
        if p.parameter == "cc_default" and p.year_from == 2019
        else p
        for p in parameter_table().parameters
    )
    report, _ = parse_report_csv(REPORT, "P1", 2020, REPORTED_2020, "report.csv")
    assert report is not None
    recalculated = vf.check_only(engine, j, revised, RULES, report)
    assert "emissions_total_mismatch" in {issue.code for issue in recalculated}
    with engine.connect() as connection:
        stored = connection.execute(select(emission_reports)).one()
    assert stored.verified_kg == 460_458_000
    again = reproduce(stored.calculation)
    assert again.methodology == "CN-ETS:power:2019-2020"
    assert again.emissions_tco2 == FULL_2020 and again.reported_tco2 == REPORTED_2020
    (position,) = [p for p in positions(engine, j, 2020) if p.company == "P1"]
    assert position.verified_tco2 == REPORTED_2020
    sources = figure_sources(engine, "P1", 2020)
    assert sources is not None and sources.reproduced_tco2 == REPORTED_2020


def test_an_accept_reported_year_may_name_a_method_too(engine: Engine) -> None:
    """Base years by IPCC-2006:stationary-tier1 from annual activity (vector I1, AR5)."""
    text = preset_text("demo-province").replace(
        'methodology = "ipcc2006-tier1-co2"\nparameter_regimes = ["IPCC-2006", "DEMO-PROVINCE"]',
        'methodology = "IPCC-2006:stationary-tier1"\nparameter_regimes = ["IPCC-2006"]',
        1,
    )
    rulebook, issues = parse_installed(text, "stationary.toml")
    assert rulebook is not None and issues == []
    j = jurisdiction.open_jurisdiction(engine, rulebook, text, NOW, is_demo=False)
    jurisdiction.register_company(engine, j, "D1", "Diesel One", "power")
    diesel = ActivityRecord("D1", 2014, SourceKind.FUEL, "gas_diesel_oil", Decimal(1000), "t")
    assert record_activity(engine, [diesel]) == []
    report_and_verify(engine, j, parameter_table(), "D1", 2014)
    # 1 000 t × 43.0 GJ/t = 43 TJ: CO2 3 186.3 t, CH4 0.129 t × 28, N2O 0.0258 t × 265 (AR5)
    expected = Decimal("3186.3") + Decimal("0.129") * 28 + Decimal("0.0258") * 265
    assert expected == Decimal("3196.749")
    with engine.connect() as connection:
        stored = connection.execute(select(emission_reports)).one()
    assert stored.methodology == "IPCC-2006:stationary-tier1:2006"
    assert stored.verified_kg == 3_196_749
    assert stored.calculation["gwp_set"] == "AR5"
    assert reproduce(stored.calculation).emissions_tco2 == expected
