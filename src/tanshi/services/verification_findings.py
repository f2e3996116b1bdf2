"""A case's findings: listed with their withdrawals, and withdrawn by the body that made them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, select

from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.core.quantities import kg_to_t
from tanshi.mrv.verification_workflow import Action, Actor, ResultCode, check
from tanshi.services.verification_records import (
    StepOutcome,
    case_of,
    lock_case,
    record_event,
    standing_findings,
)
from tanshi.store.engine import reader
from tanshi.store.schema import (
    companies,
    verification_bodies,
    verification_cases,
    verification_finding_withdrawals,
    verification_findings,
)


@dataclass(frozen=True, slots=True)
class FindingView:
    """One recorded finding, and its withdrawal if the body took it back."""

    id: int
    revision_current: bool  # on the report revision the case is about now
    body: str
    kind: str
    misstatement_tco2: Decimal | None
    stream: str | None
    description: str
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None

    @property
    def counts(self) -> bool:
        """Whether the body's conclusion takes it into account."""
        return self.revision_current and self.withdrawn_at is None


def findings_of(engine: Engine, company: str, year: int) -> list[FindingView]:
    """Every finding recorded on the company-year's case, oldest first, withdrawn ones too."""
    withdrawn = verification_finding_withdrawals
    query = (
        select(verification_findings, verification_cases.c.report_id.label("current_report"),
               verification_bodies.c.code.label("body_code"),
               withdrawn.c.withdrawn_at, withdrawn.c.reason)
        .join(verification_cases, verification_cases.c.id == verification_findings.c.case_id)
        .join(companies, companies.c.id == verification_cases.c.company_id)
        .join(verification_bodies, verification_bodies.c.id == verification_findings.c.body_id)
        .outerjoin(withdrawn, withdrawn.c.finding_id == verification_findings.c.id)
        .where(companies.c.code == company, verification_cases.c.year == year)
        .order_by(verification_findings.c.id)
    )  # fmt: skip
    with reader(engine).connect() as connection:
        return [
            FindingView(
                row.id,
                row.report_id == row.current_report,
                row.body_code,
                row.kind,
                None if row.misstatement_kg is None else kg_to_t(row.misstatement_kg),
                row.stream,
                row.description,
                from_store(row.recorded_at),
                None if row.withdrawn_at is None else from_store(row.withdrawn_at),
                row.reason,
            )
            for row in connection.execute(query)
        ]


def withdraw_finding(
    engine: Engine, company: str, year: int, actor: Actor, finding_id: int, reason: str,
    now: datetime,
) -> StepOutcome:  # fmt: skip
    """The assigned body takes back one of its findings on the current report before it
    concludes; the finding stays recorded, a withdrawal row says it no longer counts."""
    with engine.begin() as connection:
        row = lock_case(connection, company, year)
        case = case_of(connection, row, company, year)
        standing = [] if row is None else standing_findings(connection, row.report_id)
        found = next((f for f in standing if f.id == finding_id and f.body_id == row.body_id),
                     None)  # fmt: skip
        result = check(Action.WITHDRAW_FINDING, case, actor, finding_valid=bool(reason.strip()),
                       finding_known=found is not None)  # fmt: skip
        detail = {"finding_id": finding_id, "reason": reason}
        if result is ResultCode.OK:
            assert row is not None and found is not None
            connection.execute(
                verification_finding_withdrawals.insert().values(
                    finding_id=finding_id, case_id=row.id, body_id=row.body_id,
                    reason=reason.strip(), withdrawn_at=to_utc(now),
                )
            )  # fmt: skip
            detail |= {"kind": found.kind, "misstatement_t": None if found.misstatement_kg is None
                       else str(kg_to_t(found.misstatement_kg))}  # fmt: skip
        state = case.state
        record_event(connection, row, company, year, Action.WITHDRAW_FINDING, actor, result,
                     state, detail, now)  # fmt: skip
    issues: tuple[Issue, ...] = ()
    if result is ResultCode.FINDING_INVALID:
        issues = (Issue("withdrawal_reason_missing", "say why the finding is withdrawn",
                        "reason"),)  # fmt: skip
    elif result is ResultCode.FINDING_UNKNOWN:
        issues = (Issue("finding_unknown", f"no finding {finding_id} of your body stands on "
                        "the current report (withdrawn already, or another's)",
                        "finding_id"),)  # fmt: skip
    return StepOutcome(result, state, issues, detail)
