"""Monthly reports computed by the method a rulebook rule names: the version of each reporting
year, measured values only where the plan says measured, and the checks against the method."""

from __future__ import annotations

from decimal import Decimal

from cn_power_text import CO2_PER_C, OF_COAL, PLAN, REPORT, default_months_t
from cn_power_text import MEASURED_T as CN2
from hypothesis import given, settings
from hypothesis import strategies as st

from tanshi.mrv import IpccTier1Co2, MethodologyContext
from tanshi.mrv.annual_report import annual_activity, parse_report_csv
from tanshi.mrv.monitoring_plan import parse_plan
from tanshi.mrv.report_calculation import MrvChoice, calculate_report
from tanshi.mrv.snapshot import reproduce
from tanshi.resources import parameter_table

CN_POWER = MrvChoice("CN-ETS:power", ("CN-ETS",), "cn_national_grid")
TABLE = parameter_table()


def _run(plan_text: str, report_text: str, year: int, choice: MrvChoice = CN_POWER):
    plan, problems = parse_plan(plan_text, "plan.toml")
    assert plan is not None and problems == []
    report, problems = parse_report_csv(report_text, "P1", year, Decimal(0), "report.csv")
    assert report is not None and problems == []
    return calculate_report(report, plan, choice, TABLE)


def test_each_reporting_year_takes_its_own_version() -> None:
    # 2022: four measured months (0.55 tC/t), so the June 2022 notice fills May–December
    # with their mean, 0.55 (100 000 t × 0.55 × 0.99 × 44/12 = 199 650, as CN2), and grid
    # 0.5703 (CN3: 5 703): 199 650 + 199 650 + 5 703
    found = _run(PLAN, REPORT, 2022)
    assert found.calculation is not None
    assert found.calculation.methodology == "CN-ETS:power:2022"
    assert found.calculation.emissions_tco2 == 2 * CN2 + Decimal(5703)
    assert found.reported_tco2 == Decimal(405003)
    assert {line.basis for line in found.calculation.lines if line.month and line.month > 4} == {
        "measured_mean"
    }
    # 2021: the same rule, grid 0.5810: 199 650 + 199 650 + 5 810
    assert _run(PLAN, REPORT, 2021).reported_tco2 == Decimal(405110)
    # With three or fewer measured months… two: May–December take the default carbon 0.03085
    # (CN1: 234 139.2834): 2 × 25 000 t measured = 99 825, plus the default months
    two = REPORT.replace("G1,coal,3,25000,20.908,measured,0.55,measured",
                         "G1,coal,3,25000,20.908,measured,,")  # fmt: skip
    two = two.replace("G1,coal,4,25000,20.908,measured,0.55,measured",
                      "G1,coal,4,25000,20.908,measured,,")  # fmt: skip
    fewer = _run(PLAN, two, 2022).calculation
    assert fewer is not None
    march_april = Decimal(50000) * Decimal("20.908") * Decimal("0.03085") * OF_COAL * CO2_PER_C
    assert fewer.emissions_tco2 == (
        CN2 / 2 + march_april + default_months_t("0.03085") + Decimal(5703)
    )
    # 2023 on: purchased electricity is outside the boundary (reported, not counted)
    later = _run(PLAN, REPORT, 2023)
    assert later.calculation is not None
    assert later.calculation.methodology == "CN-ETS:power:2023+"
    assert later.reported_tco2 == Decimal(433789)
    assert "outside_boundary" in {issue.code for issue in later.calculation.issues}


def test_a_measured_value_enters_only_where_the_plan_says_measured() -> None:
    plan = PLAN.replace('carbon_content_ar = "measured"', 'carbon_content_ar = "default"')
    found = _run(plan, REPORT, 2022)
    assert found.calculation is not None
    # every coal month now takes the default: 200 000 t × 20.908 × 0.03085 × 0.99 × 44/12
    assert found.calculation.emissions_tco2 == 2 * default_months_t("0.03085") + Decimal(5703)
    (flag,) = [issue for issue in found.issues if issue.code == "measured_where_default"]
    assert flag.where == "G1/coal carbon_content_ar" and "1, 2, 3, 4" in flag.message
    assert "measurement_missing" not in {issue.code for issue in found.issues}


def test_idle_months_need_no_measurements() -> None:
    report = REPORT.replace("G1,coal,12,12500,20.908,measured,,", "G1,coal,12,0,,,,")
    report = report.replace("G1,coal,total,200000", "G1,coal,total,187500")
    found = _run(PLAN, report, 2020)  # 2020: missing months take the default (0.03356)
    assert found.calculation is not None
    assert not [issue for issue in found.calculation.issues if issue.severity.value == "error"]
    assert found.calculation.emissions_tco2 == (
        CN2 + default_months_t("0.03356") * 7 / 8 + Decimal(10000) * Decimal("0.6101")
    )


def test_plan_and_report_are_checked_against_the_method_inputs() -> None:
    plan = (
        PLAN.replace("ncv_ar =", "ncv =").replace('activity_unit = "MWh"', 'activity_unit = "t"')
        + '\n[[streams]]\nunit = "G1"\nstream = "coal-b"\nkind = "fuel"\nsubject = "coal"\n'
        'activity_unit = "t"\nparameters = { quantity = "measured" }\n'
    )
    report = REPORT.replace("ncv_ar,ncv_ar_basis", "heat_ratio,heat_ratio_basis")
    found = _run(plan, report, 2022)
    codes = {(issue.code, issue.severity.value) for issue in found.issues}
    assert ("plan_parameter_not_an_input", "warning") in codes  # ncv: the method reads ncv_ar
    (ncv,) = [issue for issue in found.issues if issue.code == "plan_parameter_not_an_input"]
    assert (ncv.where, ncv.message.split("? ")[0]) == (
        "G1/coal ncv",
        "CN-ETS:power:2022 does not read ncv: did you mean ncv_ar",
    )
    assert ("activity_unit_not_accepted", "error") in codes  # electricity in t
    assert ("stream_subject_shared", "error") in codes  # two coal streams in G1
    assert ("input_not_monthly", "warning") in codes  # 供热比 is per unit, not per month


def test_a_stream_the_method_does_not_cover_is_an_error() -> None:
    choice = MrvChoice("IPCC-2006:stationary-tier1", ("IPCC-2006",), "cn_national_grid")
    found = _run(PLAN, REPORT, 2022, choice)
    (issue,) = [i for i in found.issues if i.code == "stream_kind_not_an_input"]
    assert issue.where == "site/grid" and issue.severity.value == "error"


def test_no_version_for_the_year_is_an_issue_not_a_figure() -> None:
    found = _run(PLAN, REPORT, 2018)
    assert found.calculation is None
    assert [issue.code for issue in found.issues] == ["method_not_found"]


def test_the_rulebook_methodology_still_reads_summed_months_and_reproduces() -> None:
    plan = PLAN.replace('"coal"\nactivity_unit', '"other_bituminous_coal"\nactivity_unit')
    choice = MrvChoice("ipcc2006-tier1-co2", ("IPCC-2006", "DEMO-PROVINCE"), "cn_national_grid")
    found = _run(plan, REPORT, 2020, choice)
    assert found.calculation is not None
    plan_record, _ = parse_plan(plan, "plan.toml")
    report, _ = parse_report_csv(REPORT, "P1", 2020, Decimal(0), "report.csv")
    assert plan_record is not None and report is not None
    direct = IpccTier1Co2().calculate(
        "P1",
        2020,
        annual_activity(report, plan_record),
        MethodologyContext(TABLE, choice.parameter_regimes, choice.grid_region),
    )
    assert found.calculation.emissions_tco2 == direct.emissions_tco2
    assert reproduce(found.snapshot).emissions_tco2 == direct.emissions_tco2


def test_a_plugin_snapshot_reproduces_from_itself() -> None:
    found = _run(PLAN, REPORT, 2020)
    assert found.calculation is not None
    again = reproduce(found.snapshot)
    assert again.emissions_tco2 == found.calculation.emissions_tco2
    assert again.lines == found.calculation.lines


MONTH = st.tuples(
    st.integers(min_value=0, max_value=50_000),  # t of coal
    st.sampled_from([None, "0.48", "0.55", "0.61"]),  # element carbon, None: not measured
    st.sampled_from(["measured", "default"]),  # its basis
    st.sampled_from(["19.5", "20.908", "23.1"]),  # NCV_ar
)


@settings(max_examples=60, deadline=None)
@given(months=st.lists(MONTH, min_size=12, max_size=12), year=st.sampled_from([2020, 2022]))
def test_each_month_is_measured_or_its_own_default_and_the_snapshot_reproduces(
    months: list, year: int
) -> None:
    """Whatever the mix of months: the total is Σ per month of FC × (C_ar if measured, else —
    2022 with ≥ 3 measured months — their mean C_ar, else that month's NCV × the year's
    default) × 0.99 × 44/12, and reproduces from its snapshot."""
    rows = "".join(
        f"G1,coal,{n},{fc},{ncv},measured,{c or ''},{basis if c else ''}\n"
        for n, (fc, c, basis, ncv) in enumerate(months, start=1)
    )
    total = sum(fc for fc, *_ in months)
    header = REPORT.splitlines()[0] + "\n"
    report = header + rows + f"G1,coal,total,{total},,,,\n"
    plan = PLAN.split('[[streams]]\nunit = "site"')[0]
    found = _run(plan, report, year)
    assert found.calculation is not None
    default = Decimal("0.03356") if year == 2020 else Decimal("0.03085")
    measured = [Decimal(c) for fc, c, basis, _ in months if fc and c and basis == "measured"]
    # 2021–2022 (June 2022 notice): with ≥ 3 measured months, missing ones take their mean
    mean = sum(measured) / len(measured) if year == 2022 and len(measured) >= 3 else None
    expected = sum(
        (
            Decimal(fc)
            * (
                Decimal(c)
                if c and basis == "measured"
                else mean
                if mean is not None
                else Decimal(ncv) * default
            )
            * Decimal("0.99")
            * Decimal(44)
            / Decimal(12)
            for fc, c, basis, ncv in months
            if fc
        ),
        Decimal(0),
    )
    assert abs(found.calculation.emissions_tco2 - expected) < Decimal("1e-15")
    again = reproduce(found.snapshot)
    assert again.emissions_tco2 == found.calculation.emissions_tco2
