"""The compliance engine through the services: a penalty that leaves the shortfall still owed,
and the refusals of banking, borrowing and penalty choices where the rulebook has no rule."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tanshi.resources import rulebook_text
from tanshi.scenario.spec import parse_scenario
from tanshi.services.scenario_run import run_scenario

FIXED_PENALTY = """[[penalty]]
valid_from = 2016
valid_to = 2020
kind = "fixed_per_tonne"
amount_per_t = 100
surrender_still_owed = true
deduct_shortfall_from_next_allocation = false
source = "test: the EU's rule (Directive Art. 16(3)) on demo-province"
confidence = "assumption"
"""

# Allocation = floor(average of 2013-2015 × 0.97) = floor(1 000 × 0.97) = 970 a year.
# 2016: verified 1 000; 970 surrendered → short 30; penalty 30 × 100 = 3 000.00; the 30 t are
#       still owed in 2017 and nothing is deducted (deduct_shortfall_from_next_allocation false).
# 2017: verified 940; obligation 940 + 30 = 970; 970 surrendered → A.
SCENARIO = """
scenario: still-owed
preset: {preset}
companies:
  - {{code: A, name: Alpha, sector: power}}
steps:
  - at: 2016-01-05
    verified_emissions:
      - {{company: A, year: 2013, tco2: 1000, source: test}}
      - {{company: A, year: 2014, tco2: 1000, source: test}}
      - {{company: A, year: 2015, tco2: 1000, source: test}}
  - {{at: 2016-01-10, allocate: 2016}}
  - at: 2016-02-01   # demo-province has no [[banking]] rule
    bank: {{company: A, from_year: 2016, quantity_t: 1}}
    refused: banking_not_allowed
  - {{at: 2017-03-31, verified_emissions: [{{company: A, year: 2016, tco2: 1000, source: test}}]}}
  - at: 2017-04-01   # nor a [[borrowing]] rule
    borrow: {{company: A, year: 2016, quantity_t: 1}}
    refused: borrowing_not_allowed
  - {{at: 2017-06-01, surrender: {{company: A, quantity_t: 970, unit_class: DPEA-2016, year: 2016}}}}
  - at: 2017-07-01   # a fixed amount leaves no choice
    penalty_choice: {{company: A, year: 2016, value: 100}}
    refused: penalty_choice_not_applicable
  - {{at: 2017-07-01, compliance: 2016}}
  - {{at: 2017-07-02, allocate: 2017}}
  - {{at: 2018-03-31, verified_emissions: [{{company: A, year: 2017, tco2: 940, source: test}}]}}
  - {{at: 2018-06-01, surrender: {{company: A, quantity_t: 970, unit_class: DPEA-2017, year: 2017}}}}
  - {{at: 2018-07-01, compliance: 2017}}
expect:
  - year: 2016
    companies:
      A: {{allocation_t: 970, obligation_t: 1000, shortfall_t: 30, penalty: 3000.00,
          still_owed_next_year_t: 30, deduction_next_year_t: 0, status_code: B}}
  - year: 2017
    companies:
      A: {{allocation_t: 970, obligation_t: 970, shortfall_t: 0, status_code: A}}
"""


def test_shortfall_still_owed_next_year(engine: Engine, tmp_path: Path) -> None:
    text, _ = rulebook_text("demo-province")
    start = text.index("[[penalty]]")
    end = text.index("[[mrv]]", start)
    rulebook = tmp_path / "demo-fixed.toml"
    rulebook.write_text(text[:start] + FIXED_PENALTY + "\n" + text[end:], encoding="utf-8")
    scenario, issues = parse_scenario(SCENARIO.format(preset=rulebook))
    assert scenario is not None, issues
    result = run_scenario(engine, scenario)
    assert result.passed, "\n".join(str(d) for d in result.differences)
    assert result.lines[2017][0].obligation_t == 970
