"""Materiality by band: the EU AVR worked examples and the boundaries (shared/reference E1-E3)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tanshi.mrv.materiality import assess, band_for
from tanshi.mrv.verification_workflow import (
    CaseState,
    draw_recheck_sample,
    recheck_outcome,
    verify_outcome,
)
from tanshi.resources import verification_rules

BANDS = verification_rules("demo-province").materiality


@pytest.mark.parametrize(
    ("reported", "misstated", "share", "material"),
    [
        ("40000", "1900", "0.05", False),  # E1: 4.75% ≤ 5%
        ("100000", "4000", "0.05", False),  # E2: 4.0%
        ("600000", "13000", "0.02", True),  # E3: 2.17% > 2%
        ("100000", "5000", "0.05", False),  # exactly 5%: does not exceed the level
        ("100000", "5000.001", "0.05", True),
        ("500000", "25000", "0.05", False),  # 500 kt is still the 5% band
        ("500000.001", "10000.001", "0.02", True),  # just above: the 2% band
        ("500000.001", "10000", "0.02", False),
    ],
)
def test_bands_and_boundaries(reported: str, misstated: str, share: str, material: bool) -> None:
    result = assess(BANDS, D(reported), [D(misstated)])
    assert result.share == D(share)
    assert result.material is material


def test_misstatements_aggregate_by_absolute_value() -> None:
    # +3 000 and −3 000 cancel in the figure but not in materiality: 6 000 / 100 000 = 6%.
    result = assess(BANDS, D(100000), [D(3000), D(-3000)])
    assert result.aggregate_tco2 == D(6000) and result.material


def test_nothing_reported_is_material_only_with_a_misstatement() -> None:
    assert not assess(BANDS, D(0), []).material
    assert assess(BANDS, D(0), [D(1)]).material


def test_band_for_picks_the_first_band_that_holds() -> None:
    assert band_for(BANDS, D(1)).share == D("0.05")
    assert band_for(BANDS, D(10) ** 9).share == D("0.02")


def test_verify_outcome_corrects_an_immaterial_report() -> None:
    state, figure, _ = verify_outcome(BANDS, D("58569.6"), [D(-1000)])
    assert (state, figure) == (CaseState.VERIFIED, D("57569.6"))
    state, figure, _ = verify_outcome(BANDS, D("36606"), [D("3050.5")])
    assert (state, figure) == (CaseState.CORRECTION_REQUESTED, D("36606"))


def test_recheck_flags_a_material_discrepancy() -> None:
    state, discrepancy = recheck_outcome(BANDS, D("57569.6"), D("61000"))
    assert state is CaseState.RECHECK_FLAGGED and discrepancy.difference_tco2 == D("3430.4")
    state, _ = recheck_outcome(BANDS, D("57569.6"), D("60000"))  # 4.22%
    assert state is CaseState.RECHECK_CONFIRMED


def test_the_sample_is_seeded_and_at_least_one() -> None:
    companies = [f"C{i:03d}" for i in range(1, 61)]
    first = draw_recheck_sample(companies, D("0.10"), 7)
    assert first == draw_recheck_sample(list(reversed(companies)), D("0.10"), 7)
    assert len(first) == 6
    assert first != draw_recheck_sample(companies, D("0.10"), 8)
    assert len(draw_recheck_sample(["A"], D("0.10"), 1)) == 1
    assert draw_recheck_sample([], D("0.10"), 1) == []


amounts = st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False)


@given(st.decimals(min_value=1, max_value=10**7, places=3), st.lists(amounts, max_size=5))
def test_a_passing_report_moves_at_most_by_the_level(reported: D, misstatements) -> None:
    state, figure, result = verify_outcome(BANDS, reported, misstatements)
    if state is CaseState.VERIFIED:
        assert abs(figure - reported) <= result.aggregate_tco2 <= result.share * reported
    else:
        assert figure == reported and result.aggregate_tco2 > result.share * reported
