"""The verification table says what happened to each report, and the re-check report its numbers."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tanshi.mrv.verification_workflow import CaseState, CaseView
from tanshi.reports.verification_table import discrepancy_rows, note, to_csv
from tanshi.resources import verification_rules

BANDS = verification_rules("demo-province").materiality


def case(state: CaseState, verified="100", recheck=None, revisions=1) -> CaseView:
    return CaseView("A", 2016, state, "VB1", "VB2" if recheck else None, D(100),
                    None if verified is None else D(verified),
                    None if recheck is None else D(recheck), "0.05", revisions, 0, 0)  # fmt: skip


@pytest.mark.parametrize(
    ("view", "text"),
    [
        (case(CaseState.RECHECK_FLAGGED, recheck="110"), "re-check found a material discrepancy"),
        (case(CaseState.CORRECTION_REQUESTED, verified=None), "waiting for the corrected report"),
        (case(CaseState.VERIFIED, revisions=2), "resubmitted and verified"),
        (case(CaseState.VERIFIED, verified="99"), "corrected by the verifier"),
        (case(CaseState.RECHECK_CONFIRMED, recheck="101"), "re-check confirmed"),
        (case(CaseState.VERIFIED), ""),
    ],
)
def test_notes(view: CaseView, text: str) -> None:
    assert text in note(view) and bool(note(view)) == bool(text)


def test_the_figure_used_is_the_recheck_only_when_flagged() -> None:
    assert case(CaseState.RECHECK_FLAGGED, recheck="110").compliance_tco2 == D(110)
    assert case(CaseState.RECHECK_CONFIRMED, recheck="101").compliance_tco2 == D(100)
    assert to_csv([case(CaseState.VERIFIED)]).splitlines()[1].startswith("A,verified,VB1,1,")


def test_discrepancy_rows() -> None:
    rows = discrepancy_rows(
        [case(CaseState.RECHECK_FLAGGED, recheck="105.001"), case(CaseState.VERIFIED)], BANDS
    )
    assert rows == [
        {"company": "A", "body": "VB1", "recheck_body": "VB2", "verified_tco2": "100.000",
         "recheck_tco2": "105.001", "difference_tco2": "5.001", "ratio": "5.001%", "level": "5%",
         "outcome": "flagged"}
    ]  # fmt: skip
