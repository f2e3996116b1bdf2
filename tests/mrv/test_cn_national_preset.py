"""The shipped cn-national-power preset verifies a power company-year the Chinese way, on
SQLite and PostgreSQL: CN-ETS:power in the version of the reporting year, a verification
body appointed by the provincial department, and no materiality threshold — any misstatement
must be corrected by the company (data/verification/cn-national-power.toml)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from cn_power_text import MEASURED_T as CN2
from cn_power_text import PLAN, REPORT, default_months_t
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.mrv.annual_report import parse_report_csv
from tanshi.mrv.materiality import assess
from tanshi.mrv.monitoring_plan import parse_plan
from tanshi.mrv.verification_workflow import Actor, CaseState, ResultCode
from tanshi.resources import load_rulebook, parameter_table, verification_rules
from tanshi.rulebook.in_force import rule_for
from tanshi.services import jurisdiction
from tanshi.services import verification as vf
from tanshi.services.verification_records import StepOutcome
from tanshi.store.schema import emission_reports

NOW = datetime(2021, 4, 1, 12, tzinfo=UTC)
RULES = verification_rules("cn-national-power")
COMPANY = Actor("company", "P1")
# 2020, CN-ETS:power:2019-2020: 199 650 (CN2) + 254 707.110240 (CN1a, 0.03356 tC/GJ)
# + 10 000 MWh × 0.6101 = 460 458.110240, reported (rounded half up) 460 458 t.
FULL_2020 = CN2 + default_months_t("0.03356") + Decimal(10000) * Decimal("0.6101")
# December's purchase under-reported by 200 MWh: 200 × 0.6101 = 122.02 t missing.
SHORT_REPORT = REPORT.replace("site,grid,12,1200", "site,grid,12,1000").replace(
    "site,grid,total,10000", "site,grid,total,9800"
)


def _open(engine: Engine) -> jurisdiction.Jurisdiction:
    rulebook, text = load_rulebook("cn-national-power")
    j = jurisdiction.open_jurisdiction(engine, rulebook, text, NOW, is_demo=False)
    jurisdiction.register_company(engine, j, "P1", "Power One", "power")
    for body in ("VB1", "VB2"):
        assert vf.register_body(engine, body, f"Technical service body {body}", NOW) == []
    plan, problems = parse_plan(PLAN, "plan.toml")
    assert plan is not None and problems == []
    assert vf.file_plan(engine, plan, NOW) == []
    return j


def _submit(engine: Engine, j, text: str, year: int, stated_t: Decimal) -> StepOutcome:
    report, problems = parse_report_csv(text, "P1", year, stated_t, "report.csv")
    assert report is not None and problems == []
    return vf.submit_report(engine, j, parameter_table(), RULES, report, COMPANY, NOW)


def test_the_preset_names_the_power_guideline_and_a_verification_body() -> None:
    rulebook, _ = load_rulebook("cn-national-power")
    base, first = rule_for(rulebook.mrv, 2018, "mrv"), rule_for(rulebook.mrv, 2019, "mrv")
    assert (base.methodology, base.verification) == ("ipcc2006-tier1-co2", "accept_reported")
    assert (first.methodology, first.verification) == ("CN-ETS:power", "verification_body")
    assert rule_for(rulebook.mrv, 2024, "mrv") == first
    assert (RULES.valid_from, RULES.valid_to) == (2019, 2024)
    shown = CliRunner().invoke(
        app, ["rulebook", "show", "cn-national-power", "--year", "2021"], env={"COLUMNS": "200"}
    )
    assert shown.exit_code == 0, shown.output
    assert "CN-ETS:power, parameters ['CN-ETS'], verified by a verification body" in shown.output


def test_a_power_company_year_is_verified_by_the_preset(engine: Engine) -> None:
    j = _open(engine)
    assert round(FULL_2020, 2) == Decimal("460458.11")
    submitted = _submit(engine, j, REPORT, 2020, Decimal(460458))
    assert submitted.ok, submitted
    assert vf.assign(engine, RULES, "P1", 2020, "VB1", vf.REGULATOR, NOW).ok
    verified = vf.verify(engine, j, RULES, "P1", 2020, Actor("body", "VB1"), NOW)
    assert verified.state is CaseState.VERIFIED
    with engine.connect() as connection:
        stored = connection.execute(select(emission_reports)).one()
    assert stored.methodology == "CN-ETS:power:2019-2020"
    assert stored.reported_kg == stored.verified_kg == 460_458_000
    assert stored.verification_method == "verification_body"


def test_any_misstatement_must_be_corrected(engine: Engine) -> None:
    """122.02 t is 0.027% of 460 336 t: under EU AVR's 5%/2% the verifier would correct it and
    verify; under the Chinese rule the company must correct its report and resubmit."""
    eu = verification_rules("demo-province").materiality
    missing = [Decimal("122.02")]
    assert not assess(eu, Decimal(460336), missing).material
    assert assess(RULES.materiality, Decimal(460336), missing).material
    assert not assess(RULES.materiality, Decimal(460336), []).material
    j = _open(engine)
    # 460 458.110240 − 122.02 = 460 336.090240, reported 460 336.
    assert _submit(engine, j, SHORT_REPORT, 2020, Decimal(460336)).ok
    assert vf.assign(engine, RULES, "P1", 2020, "VB1", vf.REGULATOR, NOW).ok
    body = Actor("body", "VB1")
    found = vf.record_finding(engine, "P1", 2020, body, "misstatement",
                              "December purchase under-reported by 200 MWh", NOW,
                              misstatement_tco2=missing[0])  # fmt: skip
    assert found.ok
    assert vf.verify(engine, j, RULES, "P1", 2020, body, NOW).state is (
        CaseState.CORRECTION_REQUESTED
    )
    with engine.connect() as connection:
        assert connection.execute(select(emission_reports)).first() is None
    assert _submit(engine, j, REPORT, 2020, Decimal(460458)).ok  # the corrected report
    assert vf.verify(engine, j, RULES, "P1", 2020, body, NOW).state is CaseState.VERIFIED
    with engine.connect() as connection:
        assert connection.execute(select(emission_reports.c.verified_kg)).scalar() == (460_458_000)


def test_a_body_verifies_a_company_three_years_running_at_most(engine: Engine) -> None:
    """2019 and 2020: 460 458 t (0.03356 tC/GJ, grid 0.6101); 2021: 199 650 + 199 650 (the
    missing months take the mean of the four measured ones, 0.55 tC/t: June 2022 notice) +
    5 810 (0.5810) = 405 110. VB1 verified 2019-2021, so 2022 goes to another body."""
    assert RULES.max_consecutive_years == 3
    j = _open(engine)
    stated = {2019: Decimal(460458), 2020: Decimal(460458), 2021: Decimal(405110)}
    for year, figure in stated.items():
        assert _submit(engine, j, REPORT, year, figure).ok, year
        assert vf.assign(engine, RULES, "P1", year, "VB1", vf.REGULATOR, NOW).ok
        done = vf.verify(engine, j, RULES, "P1", year, Actor("body", "VB1"), NOW)
        assert done.state is CaseState.VERIFIED, year
    # 2022: 199 650 + 199 650 + 5 703 (0.5703) = 405 003.
    assert _submit(engine, j, REPORT, 2022, Decimal(405003)).ok
    refused = vf.assign(engine, RULES, "P1", 2022, "VB1", vf.REGULATOR, NOW)
    assert refused.result is ResultCode.ROTATION_LIMIT
    assert vf.assign(engine, RULES, "P1", 2022, "VB2", vf.REGULATOR, NOW).ok


def test_an_implausible_coal_measurement_is_flagged_for_the_verifier(engine: Engine) -> None:
    """January's NCV 9.5 GJ/t is below the 11.5 GJ/t of the rules: a warning, not an error."""
    j = _open(engine)
    low = REPORT.replace("G1,coal,1,25000,20.908,", "G1,coal,1,25000,9.5,")
    outcome = _submit(engine, j, low, 2020, Decimal(460458))
    assert outcome.ok
    flagged = [issue.where for issue in outcome.issues if issue.code == "parameter_out_of_range"]
    assert flagged == ["G1/coal month 1 ncv_ar"]
