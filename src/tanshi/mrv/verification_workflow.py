"""The verification workflow as data: states, who may do what, and the result codes.

    (none) ─submit─▶ submitted ─assign─▶ assigned ─record_finding─▶ in_verification
    assigned ─reassign─▶ assigned          (another body, before it recorded anything)
    in_verification ─withdraw_finding─▶ in_verification
    assigned | in_verification ─verify─▶ verified            (misstatements not material)
                                       └▶ correction_requested (material)
    correction_requested ─resubmit─▶ in_verification
    verified ─assign_recheck─▶ recheck_assigned ─record_recheck─▶ recheck_confirmed
                                                              └▶ recheck_flagged

``check`` returns the first result code by the precedence of ``ResultCode`` (declared in
that order); only ``ok`` lets the step happen. docs/verification.md has the table.
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tanshi.mrv.materiality import Materiality, assess
from tanshi.mrv.verification_rules import MaterialityBand


class CaseState(enum.StrEnum):
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    IN_VERIFICATION = "in_verification"
    CORRECTION_REQUESTED = "correction_requested"
    VERIFIED = "verified"
    RECHECK_ASSIGNED = "recheck_assigned"
    RECHECK_CONFIRMED = "recheck_confirmed"
    RECHECK_FLAGGED = "recheck_flagged"


# States in which the case has a verified figure that compliance uses.
HAS_VERIFIED_FIGURE = frozenset(
    {
        CaseState.VERIFIED,
        CaseState.RECHECK_ASSIGNED,
        CaseState.RECHECK_CONFIRMED,
        CaseState.RECHECK_FLAGGED,
    }
)


class Action(enum.StrEnum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    ASSIGN = "assign"
    REASSIGN = "reassign"
    RECORD_FINDING = "record_finding"
    WITHDRAW_FINDING = "withdraw_finding"
    VERIFY = "verify"
    ASSIGN_RECHECK = "assign_recheck"
    RECORD_RECHECK = "record_recheck"


class Role(enum.StrEnum):
    COMPANY = "company"  # the covered company the case is about
    REGULATOR = "regulator"
    VERIFIER = "verifier"  # the body assigned to the case
    RECHECK_VERIFIER = "recheck_verifier"  # the body assigned to re-check it


class ResultCode(enum.StrEnum):
    """Outcomes of a step, in precedence order: the first that applies is returned."""

    OK = "ok"
    CASE_UNKNOWN = "case_unknown"
    CASE_EXISTS = "case_exists"
    NOT_PERMITTED = "not_permitted"
    INVALID_STATE = "invalid_state"
    BODY_UNKNOWN = "body_unknown"
    BODY_NOT_ACCREDITED = "body_not_accredited"
    RECHECK_BY_SAME_BODY = "recheck_by_same_body"
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    ROTATION_LIMIT = "rotation_limit"
    FINDING_INVALID = "finding_invalid"
    FINDING_UNKNOWN = "finding_unknown"
    REPORT_HAS_ERRORS = "report_has_errors"


@dataclass(frozen=True, slots=True)
class Transition:
    """Who may take ``action`` from which states, and the states it can lead to."""

    action: Action
    role: Role
    sources: frozenset[CaseState | None]  # None: no case yet
    targets: tuple[CaseState, ...]


TRANSITIONS: Mapping[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.SUBMIT, Role.COMPANY, frozenset({None}), (CaseState.SUBMITTED,)),
        Transition(
            Action.RESUBMIT,
            Role.COMPANY,
            frozenset({CaseState.CORRECTION_REQUESTED}),
            (CaseState.IN_VERIFICATION,),
        ),
        Transition(
            Action.ASSIGN, Role.REGULATOR, frozenset({CaseState.SUBMITTED}), (CaseState.ASSIGNED,)
        ),
        # Before the body recorded anything (a finding or its conclusion moves the case on).
        Transition(
            Action.REASSIGN, Role.REGULATOR, frozenset({CaseState.ASSIGNED}), (CaseState.ASSIGNED,)
        ),
        Transition(
            Action.RECORD_FINDING,
            Role.VERIFIER,
            frozenset({CaseState.ASSIGNED, CaseState.IN_VERIFICATION}),
            (CaseState.IN_VERIFICATION,),
        ),
        # Findings exist only in_verification; a withdrawal is recorded, the finding is kept.
        Transition(
            Action.WITHDRAW_FINDING,
            Role.VERIFIER,
            frozenset({CaseState.IN_VERIFICATION}),
            (CaseState.IN_VERIFICATION,),
        ),
        Transition(
            Action.VERIFY,
            Role.VERIFIER,
            frozenset({CaseState.ASSIGNED, CaseState.IN_VERIFICATION}),
            (CaseState.VERIFIED, CaseState.CORRECTION_REQUESTED),
        ),
        Transition(
            Action.ASSIGN_RECHECK,
            Role.REGULATOR,
            frozenset({CaseState.VERIFIED}),
            (CaseState.RECHECK_ASSIGNED,),
        ),
        Transition(
            Action.RECORD_RECHECK,
            Role.RECHECK_VERIFIER,
            frozenset({CaseState.RECHECK_ASSIGNED}),
            (CaseState.RECHECK_CONFIRMED, CaseState.RECHECK_FLAGGED),
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: ``regulator``, ``company:C001`` or ``body:VB01``."""

    kind: str  # "regulator" | "company" | "body"
    code: str = ""

    @classmethod
    def parse(cls, text: str) -> Actor:
        kind, _, code = text.partition(":")
        return cls(kind, code)

    def __str__(self) -> str:
        return self.kind if not self.code else f"{self.kind}:{self.code}"


@dataclass(frozen=True, slots=True)
class Case:
    """What the checks need to know about one company-year's verification."""

    company: str
    year: int
    state: CaseState | None  # None: nothing submitted yet
    body: str | None = None
    recheck_body: str | None = None


@dataclass(frozen=True, slots=True)
class Body:
    """A verification body as the checks see it."""

    code: str
    accredited: bool


def plays(actor: Actor, role: Role, case: Case) -> bool:
    """Does ``actor`` hold ``role`` on ``case``?"""
    match role:
        case Role.COMPANY:
            return actor.kind == "company" and actor.code == case.company
        case Role.REGULATOR:
            return actor.kind == "regulator"
        case Role.VERIFIER:
            return actor.kind == "body" and actor.code == case.body
        case Role.RECHECK_VERIFIER:
            return actor.kind == "body" and actor.code == case.recheck_body


def consecutive_years(history: Mapping[int, str], body: str, year: int) -> int:
    """How many years right before ``year`` ``body`` verified the company (history: year → body)."""
    count = 0
    while history.get(year - count - 1) == body:
        count += 1
    return count


def check(
    action: Action,
    case: Case,
    actor: Actor,
    *,
    body: Body | None = None,
    conflicts: frozenset[str] = frozenset(),
    history: Mapping[int, str] | None = None,
    max_consecutive_years: int | None = None,
    finding_valid: bool = True,
    finding_known: bool = True,
    report_ok: bool = True,
) -> ResultCode:
    """The result of ``actor`` taking ``action`` on ``case``: ``ok`` or the first problem.

    For assignments ``body`` is what is known of the body asked for (None: unknown); ``conflicts`` are the bodies that declared a conflict with the
    company, ``history`` the company's verifier by year.
    """
    transition = TRANSITIONS[action]
    if case.state is None and action is not Action.SUBMIT:
        return ResultCode.CASE_UNKNOWN
    if case.state is not None and action is Action.SUBMIT:
        return ResultCode.CASE_EXISTS
    if not plays(actor, transition.role, case):
        return ResultCode.NOT_PERMITTED
    if case.state not in transition.sources:
        return ResultCode.INVALID_STATE
    if action in (Action.ASSIGN, Action.REASSIGN, Action.ASSIGN_RECHECK):
        if body is None:
            return ResultCode.BODY_UNKNOWN
        if not body.accredited:
            return ResultCode.BODY_NOT_ACCREDITED
        if action is Action.ASSIGN_RECHECK and body.code == case.body:
            return ResultCode.RECHECK_BY_SAME_BODY
        if body.code in conflicts:
            return ResultCode.CONFLICT_OF_INTEREST
        limit = max_consecutive_years
        if (
            action in (Action.ASSIGN, Action.REASSIGN)
            and limit is not None
            and consecutive_years(history or {}, body.code, case.year) >= limit
        ):
            return ResultCode.ROTATION_LIMIT
    if not finding_valid:
        return ResultCode.FINDING_INVALID
    if not finding_known:
        return ResultCode.FINDING_UNKNOWN
    if not report_ok:
        return ResultCode.REPORT_HAS_ERRORS
    return ResultCode.OK


def verify_outcome(
    bands: Sequence[MaterialityBand], reported_tco2: Decimal, misstatements: Sequence[Decimal]
) -> tuple[CaseState, Decimal, Materiality]:
    """The verifier's conclusion: the next state, the verified figure and the assessment.

    Misstatements are signed (verified minus reported). If their aggregate is not material
    the report passes and the verified figure is the reported one corrected by them;
    otherwise the company must correct and resubmit.
    """
    materiality = assess(bands, reported_tco2, misstatements)
    if materiality.material:
        return CaseState.CORRECTION_REQUESTED, reported_tco2, materiality
    return CaseState.VERIFIED, reported_tco2 + sum(misstatements, Decimal(0)), materiality


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """The regulator's re-check against the first verification."""

    verified_tco2: Decimal
    recheck_tco2: Decimal
    materiality: Materiality

    @property
    def difference_tco2(self) -> Decimal:
        return self.recheck_tco2 - self.verified_tco2

    @property
    def flagged(self) -> bool:
        return self.materiality.material


def recheck_outcome(
    bands: Sequence[MaterialityBand], verified_tco2: Decimal, recheck_tco2: Decimal
) -> tuple[CaseState, Discrepancy]:
    """Flag the case when the re-check differs materially from the verified figure."""
    materiality = assess(bands, verified_tco2, [recheck_tco2 - verified_tco2])
    discrepancy = Discrepancy(verified_tco2, recheck_tco2, materiality)
    state = CaseState.RECHECK_FLAGGED if discrepancy.flagged else CaseState.RECHECK_CONFIRMED
    return state, discrepancy


def draw_recheck_sample(companies: Sequence[str], share: Decimal, seed: int) -> list[str]:
    """A seeded random sample of ``share`` of the verified companies (at least one, if any).

    The same companies, share and seed always give the same sample, so the draw can be
    repeated by anyone who audits it.
    """
    population = sorted(set(companies))
    if not population:
        return []
    count = min(len(population), max(1, math.ceil(share * len(population))))
    return sorted(random.Random(seed).sample(population, count))


@dataclass(frozen=True, slots=True)
class CaseView:
    """One company-year's verification, for tables and reports."""

    company: str
    year: int
    state: CaseState
    body: str | None
    recheck_body: str | None
    reported_tco2: Decimal
    verified_tco2: Decimal | None
    recheck_tco2: Decimal | None
    materiality_share: str | None
    revisions: int
    misstatements: int
    non_conformities: int

    @property
    def compliance_tco2(self) -> Decimal | None:
        """The figure compliance runs on: the re-checked one when the re-check flagged it."""
        if self.state is CaseState.RECHECK_FLAGGED:
            return self.recheck_tco2
        return self.verified_tco2
