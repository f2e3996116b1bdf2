"""A scenario's ``report`` step under cn-national-power: from 2019 the year is verified by a
body, so the runner files a plan and twelve equal months and CN-ETS:power computes them."""

from __future__ import annotations

from sqlalchemy import Engine, select

from tanshi.scenario.spec import parse_scenario
from tanshi.services.scenario_run import run_scenario
from tanshi.store.schema import emission_reports

SCENARIO = """
scenario: cn-power-report
description: A gas plant's 2021 through the verification workflow.
preset: cn-national-power
companies:
  - {code: G, name: Gas Power, sector: power}
steps:
  - at: 2022-01-10
    activity:
      - {company: G, year: 2021, kind: fuel, subject: natural_gas, quantity: 12000,
         unit: 10^4Nm3}
      - {company: G, year: 2021, kind: electricity, subject: grid, quantity: 1200, unit: MWh}
  - {at: 2022-03-31, report: {years: [2021]}}
"""


def test_a_gas_plant_year_is_computed_by_the_guideline_and_verified(engine: Engine) -> None:
    """CN-ETS:power:2021 with defaults (the 2021 guideline's 附表B.1): 12 000 × 389.31 GJ ×
    0.01532 tC/GJ × 0.99 × 44/12 = 259 801.823952 t, plus 1 200 MWh × 0.5810 = 697.2 t:
    260 499.023952, reported 260 499 t."""
    scenario, issues = parse_scenario(SCENARIO, "cn.yaml")
    assert scenario is not None, issues
    result = run_scenario(engine, scenario)
    assert result.passed, "\n".join(map(str, result.differences))
    with engine.connect() as connection:
        row = connection.execute(select(emission_reports)).one()
    assert (row.methodology, row.verification_method) == ("CN-ETS:power:2021", "verification_body")
    assert row.verified_kg == 260_499_000


def test_coal_without_a_measured_ncv_is_refused_with_its_cause(engine: Engine) -> None:
    """The guideline has no default NCV for coal, and annual activity carries none."""
    text = SCENARIO.replace("subject: natural_gas, quantity: 12000,\n         unit: 10^4Nm3",
                            "subject: coal, quantity: 12000, unit: t")  # fmt: skip
    scenario, issues = parse_scenario(text, "cn.yaml")
    assert scenario is not None, issues
    (difference,) = run_scenario(engine, scenario).differences
    assert "report_has_errors" in difference.actual and "ncv_missing" in difference.actual
