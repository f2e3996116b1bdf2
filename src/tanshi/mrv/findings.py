"""A verifier's finding checked against the report it is about."""

from __future__ import annotations

from decimal import Decimal

from tanshi.core.issues import Issue

FINDING_KINDS = ("misstatement", "non_conformity")


def finding_issues(kind: str, misstatement_tco2: Decimal | None,
                   reported_tco2: Decimal | None) -> list[Issue]:  # fmt: skip
    """Every problem of a finding on a report of ``reported_tco2`` (None: no report known).

    A misstatement is signed, correct minus reported: negative when the company reported
    too much, positive when too little. The correct figure cannot be below zero, so a
    negative misstatement takes at most the reported figure off; a positive one has no such
    bound (a company may report a third of what it emitted), and materiality judges it.
    """
    if kind not in FINDING_KINDS:
        return [
            Issue.of(
                "finding_kind_unknown", "kind must be one of {kinds}", "kind", kinds=FINDING_KINDS
            )
        ]
    if kind == "non_conformity":
        if misstatement_tco2 is None:
            return []
        return [Issue.of("finding_amount_not_allowed", "a non-conformity has no amount",
                         "misstatement_t")]  # fmt: skip
    if misstatement_tco2 is None:
        return [Issue.of("misstatement_amount_missing", "a misstatement needs an amount in t "
                         "(correct minus reported)", "misstatement_t")]  # fmt: skip
    if misstatement_tco2 == 0:
        return [Issue.of("misstatement_zero", "a misstatement of 0 t changes nothing: record a "
                         "non-conformity instead, or no finding", "misstatement_t")]  # fmt: skip
    if reported_tco2 is not None and misstatement_tco2 < -reported_tco2:
        return [Issue.of("misstatement_exceeds_report", "a misstatement of {misstatement_tco2} t "
                         "would make the correct figure negative: the report states "
                         "{reported_tco2} t, so a negative misstatement (correct minus reported) "
                         "takes at most that off", "misstatement_t",
                         misstatement_tco2=misstatement_tco2, reported_tco2=reported_tco2)]  # fmt: skip
    return []
