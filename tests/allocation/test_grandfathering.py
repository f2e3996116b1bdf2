"""Grandfathering: base-year averages, reduction factor, cap correction and deductions."""

from __future__ import annotations

from decimal import Decimal

from tanshi.allocation import grandfather
from tanshi.rulebook.model import CapRule, Confidence, GrandfatheringRule

RULE = GrandfatheringRule(
    valid_from=2016,
    valid_to=2016,
    method="grandfathering",
    base_years=(2013, 2014, 2015),
    reduction_factor=Decimal("0.97"),
    source="test",
    confidence=Confidence.ASSUMPTION,
)


def cap(cap_t: int, reserve_t: int = 0) -> CapRule:
    return CapRule(
        year=2016, cap_t=cap_t, reserve_t=reserve_t, source="t", confidence=Confidence.ASSUMPTION
    )


HISTORY = {
    "A": {2013: Decimal(1000), 2014: Decimal(1100), 2015: Decimal(1200)},
    "B": {2013: Decimal(500), 2015: Decimal(700)},
    "C": {},
}


def test_average_times_factor_rounded_down() -> None:
    """A: (1000+1100+1200)/3 = 1100 × 0.97 = 1067. B: (500+700)/2 = 600 × 0.97 = 582."""
    table = grandfather(2016, RULE, cap(10_000), HISTORY)
    allocated = {line.company: line.allocated_t for line in table.lines}
    assert allocated == {"A": 1067, "B": 582}
    codes = {issue.code: issue.severity.value for issue in table.issues}
    assert codes == {"missing_base_year": "warning", "no_base_year_emissions": "error"}


def test_uniform_correction_when_the_cap_binds() -> None:
    """Preliminary 1067 + 582 = 1649 > 1000 − 100: factor 900/1649; A 1067×f = 582.35 → 582."""
    table = grandfather(2016, RULE, cap(1000, 100), HISTORY)
    allocated = {line.company: line.allocated_t for line in table.lines}
    assert allocated == {"A": 582, "B": 317}
    assert table.total_t <= 900
    assert "correction_applied" in {issue.code for issue in table.issues}


def test_deduction_of_a_carried_shortfall() -> None:
    table = grandfather(2016, RULE, cap(10_000), HISTORY, {"A": 67, "B": 600})
    lines = {line.company: line for line in table.lines}
    assert lines["A"].allocated_t == 1000
    assert lines["A"].deduction_t == 67
    assert lines["B"].allocated_t == 0
    assert "deduction_exceeds_allocation" in {issue.code for issue in table.issues}


def test_half_up_rounding_never_exceeds_the_cap() -> None:
    """Two companies of 1.5 t against a cap of 3: half up would give 2 + 2 = 4."""
    half_up = RULE.model_copy(update={"rounding": "half_up", "reduction_factor": Decimal(1)})
    history = {"A": {2013: Decimal("1.5")}, "B": {2013: Decimal("1.5")}}
    table = grandfather(2016, half_up, cap(3), history)
    assert table.total_t == 2
    assert "rounded_down_to_fit_cap" in {issue.code for issue in table.issues}


def test_deductions_that_cannot_be_applied_are_carried() -> None:
    table = grandfather(2016, RULE, cap(10_000), HISTORY, {"B": 600, "C": 40, "Z": 5})
    assert table.carried_deductions_t == {"B": 18, "C": 40, "Z": 5}
