"""A finding checked against its report: a negative misstatement takes at most the reported
figure off (the correct figure is never below zero); positive ones are bounded only by
materiality; 0 t is no misstatement."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tanshi.mrv.findings import finding_issues
from tanshi.mrv.materiality import assess
from tanshi.resources import verification_rules

REPORTED = Decimal("3577393")
TONNES = st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False)


def _codes(kind: str, amount: Decimal | None, reported: Decimal | None = REPORTED) -> list[str]:
    return [issue.code for issue in finding_issues(kind, amount, reported)]


def test_the_walkthroughs_understatement_is_refused_and_its_bound_allowed() -> None:
    assert _codes("misstatement", Decimal("-99999999")) == ["misstatement_exceeds_report"]
    assert _codes("misstatement", -REPORTED) == []  # the whole report off: correct figure 0
    assert _codes("misstatement", -REPORTED - Decimal("0.001")) == ["misstatement_exceeds_report"]
    assert _codes("misstatement", Decimal("99999999")) == []  # under-reported: materiality
    assert _codes("misstatement", Decimal(0)) == ["misstatement_zero"]


def test_kind_and_amount_go_together() -> None:
    assert _codes("misstatement", None) == ["misstatement_amount_missing"]
    assert _codes("non_conformity", Decimal(5)) == ["finding_amount_not_allowed"]
    assert _codes("non_conformity", None) == []
    assert _codes("opinion", None) == ["finding_kind_unknown"]


@given(TONNES, st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False))
def test_an_accepted_misstatement_never_makes_the_correct_figure_negative(amount, reported):
    accepted = not finding_issues("misstatement", amount, reported)
    assert accepted == (amount != 0 and reported + amount >= 0)


@given(st.lists(TONNES.filter(lambda m: m != 0), min_size=1, max_size=5))
def test_accepted_findings_that_would_go_below_zero_are_material(amounts):
    """Each finding is checked alone; together they are judged by materiality, which calls
    any aggregate beyond the reported figure material (the figure is then not published)."""
    bands = verification_rules("demo-province").materiality
    if REPORTED + sum(amounts) < 0:
        assert assess(bands, REPORTED, amounts).material
