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
  - at: 2017-06-01
    surrender: {{company: A, quantity_t: 970, unit_class: DPEA-2016, year: 2016}}
  - at: 2017-07-01   # a fixed amount leaves no choice
    penalty_choice: {{company: A, year: 2016, value: 100}}
    refused: penalty_choice_not_applicable
  - {{at: 2017-07-01, compliance: 2016}}
  - {{at: 2017-07-02, allocate: 2017}}
  - {{at: 2018-03-31, verified_emissions: [{{company: A, year: 2017, tco2: 940, source: test}}]}}
  - at: 2018-06-01
    surrender: {{company: A, quantity_t: 970, unit_class: DPEA-2017, year: 2017}}
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


# K-ETS phase 2: offsets ≤ 10% of the obligation, international credits ≤ 5% inside it.
# Allocation 2018 = average of 2014-2016 (100 000) × 1 = 100 000 (no auction share in 2018).
# Verified 2018: 100 000 → offsets cap 10 000, international cap 5 000:
#   5 001 international refused, 5 000 counted; 5 001 domestic refused (5 000 + 5 001 > 10 000),
#   5 000 counted; 90 000 allowances → A.
KETS_PHASE_2 = """
scenario: kets-international
preset: kr-kets
companies:
  - {code: P, name: Pyeong Power, sector: power}
steps:
  - at: 2017-12-01
    verified_emissions:
      - {company: P, year: 2014, tco2: 100000, source: test}
      - {company: P, year: 2015, tco2: 100000, source: test}
      - {company: P, year: 2016, tco2: 100000, source: test}
  - {at: 2018-01-10, allocate: 2018}
  - {at: 2018-03-01, offsets_issue: {project: I1, vintage: 2018, quantity_t: 6000,
                                     labels: [international]}}
  - {at: 2018-03-01, offsets_issue: {project: D1, vintage: 2018, quantity_t: 6000}}
  - {at: 2018-03-02, offsets_transfer: {project: I1, vintage: 2018, to: P, quantity_t: 6000}}
  - {at: 2018-03-02, offsets_transfer: {project: D1, vintage: 2018, to: P, quantity_t: 6000}}
  - {at: 2019-03-31, verified_emissions: [{company: P, year: 2018, tco2: 100000, source: test}]}
  - at: 2019-05-01
    surrender: {company: P, quantity_t: 5001, unit_class: KCU-2018-I1, year: 2018}
    refused: international_offset_cap_exceeded
  - {at: 2019-05-01, surrender: {company: P, quantity_t: 5000, unit_class: KCU-2018-I1, year: 2018}}
  - at: 2019-05-01
    surrender: {company: P, quantity_t: 5001, unit_class: KCU-2018-D1, year: 2018}
    refused: offset_cap_exceeded
  - {at: 2019-05-01, surrender: {company: P, quantity_t: 5000, unit_class: KCU-2018-D1, year: 2018}}
  - {at: 2019-05-02, surrender: {company: P, quantity_t: 90000, unit_class: KAU-2018, year: 2018}}
  - {at: 2019-07-01, compliance: 2018}
expect:
  - year: 2018
    companies:
      P: {allocation_t: 100000, obligation_t: 100000, offsets_used_t: 10000, shortfall_t: 0,
          status_code: A}
"""


def test_kets_phase_2_international_sub_cap(engine: Engine) -> None:
    scenario, issues = parse_scenario(KETS_PHASE_2)
    assert scenario is not None, issues
    result = run_scenario(engine, scenario)
    assert result.passed, "\n".join(str(d) for d in result.differences)


CHINA_RULES = """[[obligation_limits]]
valid_from = 2016
valid_to = 2020
max_gap_share_of_verified = 0.20
source = "test: China's 20% cap on the gap (ICAP news 804)"
confidence = "assumption"

[[borrowing]]
valid_from = 2016
valid_to = 2020
allowed = true
min_gap_share_of_allocation = 0.10
max_share_of_gap = 0.50
within_phase_only = false
source = "test: China 2021-2022 borrowing (climatecooperation.cn)"
confidence = "assumption"

[[penalty]]
valid_from = 2016
valid_to = 2020
kind = "lump_sum_fine"
fine_min = 20000
fine_max = 30000
deduct_shortfall_from_next_allocation = true
source = "test: the 2021 Measures' fine"
confidence = "assumption"
"""

# Allocation 2016 = floor(1 000 × 0.97) = 970 for A and B.
# A: verified 2 000 → obligation min(2 000, 970 + 20% × 2 000) = 1 370; gap 400 > 10% × 970,
#    so up to 50% × 400 = 200 may be borrowed (from 2017): 201 refused, 200 borrowed;
#    970 + 200 surrendered → short 200; the regulator fines CNY 25 000 (within 20 000-30 000);
#    2017 allocation 970 − 200 borrowed − 200 deducted = 570.
# B: verified 1 000 → obligation min(1 000, 970 + 200) = 1 000; gap 30 ≤ 97: no borrowing;
#    970 surrendered → short 30 → the minimum fine CNY 20 000; 2017: 970 − 30 = 940.
CHINA_SCENARIO = """
scenario: china-rules
preset: {preset}
companies:
  - {{code: A, name: Alpha, sector: power}}
  - {{code: B, name: Beta, sector: power}}
steps:
  - at: 2016-01-05
    verified_emissions:
      - {{company: A, year: 2013, tco2: 1000, source: test}}
      - {{company: A, year: 2014, tco2: 1000, source: test}}
      - {{company: A, year: 2015, tco2: 1000, source: test}}
      - {{company: B, year: 2013, tco2: 1000, source: test}}
      - {{company: B, year: 2014, tco2: 1000, source: test}}
      - {{company: B, year: 2015, tco2: 1000, source: test}}
  - {{at: 2016-01-10, allocate: 2016}}
  - at: 2017-03-31
    verified_emissions:
      - {{company: A, year: 2016, tco2: 2000, source: test}}
      - {{company: B, year: 2016, tco2: 1000, source: test}}
  - at: 2017-04-01
    borrow: {{company: A, year: 2016, quantity_t: 201}}
    refused: borrowing_limit_exceeded
  - {{at: 2017-04-01, borrow: {{company: A, year: 2016, quantity_t: 200}}}}
  - at: 2017-04-01
    borrow: {{company: B, year: 2016, quantity_t: 1}}
    refused: borrowing_gap_too_small
  - at: 2017-06-01
    surrender: {{company: A, quantity_t: 970, unit_class: DPEA-2016, year: 2016}}
  - at: 2017-06-01
    surrender: {{company: A, quantity_t: 200, unit_class: DPEA-2017, year: 2016}}
  - at: 2017-06-01
    surrender: {{company: B, quantity_t: 970, unit_class: DPEA-2016, year: 2016}}
  - {{at: 2017-07-01, penalty_choice: {{company: A, year: 2016, value: 25000}}}}
  - {{at: 2017-07-01, compliance: 2016}}
expect:
  - year: 2016
    companies:
      A: {{obligation_t: 1370, borrowed_t: 200, surrendered_allowances_t: 1170, shortfall_t: 200,
          penalty: 25000.00, deduction_next_year_t: 200, status_code: B}}
      B: {{obligation_t: 1000, shortfall_t: 30, penalty: 20000.00, status_code: B}}
  - year: 2017
    companies:
      A: {{allocation_t: 570}}
      B: {{allocation_t: 940}}
"""


def test_china_obligation_limit_conditional_borrowing_and_fine(engine: Engine, tmp_path: Path):
    text, _ = rulebook_text("demo-province")
    start = text.index("[[penalty]]")
    end = text.index("[[mrv]]", start)
    rulebook = tmp_path / "demo-china.toml"
    rulebook.write_text(text[:start] + CHINA_RULES + "\n" + text[end:], encoding="utf-8")
    scenario, issues = parse_scenario(CHINA_SCENARIO.format(preset=rulebook))
    assert scenario is not None, issues
    result = run_scenario(engine, scenario)
    assert result.passed, "\n".join(str(d) for d in result.differences)
