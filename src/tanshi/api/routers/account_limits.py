"""An account's own limit of units per transfer through the API (EU Reg. 2019/1122 Art.
23(3b)): one representative proposes a change, another or the regulator confirms it (as
the rulebook says), and it counts from the confirmation (services/account_limits.py). The
proposer withdraws a request, or another representative (or the regulator who may confirm
it) turns it down.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from tanshi.api.context import IdempotencyKey, Reader, ServiceDep, idempotent_write, needs
from tanshi.api.errors import from_issues
from tanshi.api.models import MAX_ID, Done, Strict
from tanshi.api.routers.trust_requests import require_visible
from tanshi.services import account_limits
from tanshi.services.principals import Principal, Scope

router = APIRouter(tags=["registry controls"])
RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]
STATUS = {"initiator_lacks_right_on_source_account": 403,
          "approver_lacks_right_on_source_account": 403,
          "approver_must_differ_from_initiator": 403, "account_limit_change_refused": 403,
          "account_limit_needs_regulator": 403,
          "account_limit_request_pending": 409, "request_not_pending": 409,
          "limit_unchanged": 409, "account_limits_not_offered": 409}  # fmt: skip
FIELD = {"limit_must_be_positive": "body.max_units_per_transaction",
         "limit_above_registry_threshold": "body.max_units_per_transaction",
         "limit_unchanged": "body.max_units_per_transaction"}  # fmt: skip


class LimitChangeIn(Strict):
    # The new limit in units per transfer; null removes the limit.
    max_units_per_transaction: Annotated[int, Field(le=2**62)] | None


class LimitRequestOut(BaseModel):
    id: int
    account: str
    max_units_per_transaction: int | None
    state: str
    requested_by: str
    requested_at: datetime


class AccountLimitOut(BaseModel):
    account: str
    offered: bool  # whether the rulebook in force lets representatives set one
    # Who confirms a proposed change: "representative" (another one), "regulator", or both.
    confirmed_by: list[str]
    max_units_per_transaction: int | None  # null: no limit of its own
    requested_by: str | None
    approved_by: str | None
    set_at: datetime | None
    pending: list[LimitRequestOut]


def _refused(issues, field: str, fields: dict[str, str] | None = None):
    """The refusal; ``fields`` names the body field at fault (a proposal has a body, a
    confirmation or a withdrawal only the path)."""
    return from_issues(STATUS.get(issues[0].code, 422), issues,
                       lambda issue: (fields or {}).get(issue.code, field))  # fmt: skip


def _request(made: account_limits.LimitRequest, state: str) -> dict:
    return {"id": made.id, "account": made.account,
            "max_units_per_transaction": made.max_units_per_transaction, "state": state,
            "requested_by": made.requested_by, "requested_at": made.requested_at.isoformat()}  # fmt: skip


@router.get("/accounts/{code}/transaction-limit", response_model=AccountLimitOut)
def transaction_limit(code: str, who: Reader, svc: ServiceDep) -> dict:
    """The account's own limit per transfer in force (who proposed and confirmed it, since
    when) and the change awaiting confirmation."""
    require_visible(svc, who, code)
    jurisdiction = svc.jurisdiction_of_account(code)
    now_in_force = account_limits.current(svc.engine, code)
    return {
        "account": code, "offered": account_limits.offered(jurisdiction, svc.now()),
        "confirmed_by": sorted(account_limits.confirmers(jurisdiction, svc.now())),
        "max_units_per_transaction": now_in_force and now_in_force.max_units_per_transaction,
        "requested_by": now_in_force and now_in_force.requested_by,
        "approved_by": now_in_force and now_in_force.approved_by,
        "set_at": now_in_force and now_in_force.set_at.isoformat(),
        "pending": [_request(r, "pending") for r in account_limits.pending(svc.engine, code)],
    }  # fmt: skip


@router.post("/accounts/{code}/transaction-limit-requests", response_model=LimitRequestOut,
             status_code=202)  # fmt: skip
def propose_transaction_limit(
    code: str, body: LimitChangeIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.PROPOSE))],
) -> dict:  # fmt: skip
    """Propose a new limit per transfer for the account, or null to remove it (a
    representative who may initiate); it awaits another representative's confirmation."""

    def run() -> tuple[int, dict]:
        require_visible(svc, who, code)
        jurisdiction = svc.jurisdiction_of_account(code)
        made, issues = account_limits.propose(svc.engine, jurisdiction, code,
                                              body.max_units_per_transaction, who, svc.now())  # fmt: skip
        if issues:
            raise _refused(issues, "path.code", FIELD)
        assert made is not None
        return 202, _request(made, "pending")

    return idempotent_write(svc, request, who, key, "account_limit_propose", code,
                            {"code": code, **body.model_dump()}, run)[1]  # fmt: skip


@router.post("/accounts/{code}/transaction-limit-requests/{request_id}/confirm",
             response_model=AccountLimitOut)  # fmt: skip
def confirm_transaction_limit(
    code: str, request_id: RequestId, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.APPROVE))],
) -> dict:  # fmt: skip
    """Confirm a colleague's proposed change (another representative who may approve, or the
    jurisdiction's regulator, as the rulebook says); it counts from now."""

    def run() -> tuple[int, dict]:
        require_visible(svc, who, code)
        jurisdiction = svc.jurisdiction_of_account(code)
        done, issues = account_limits.confirm(svc.engine, jurisdiction, code, request_id, who,
                                              svc.now())  # fmt: skip
        if issues:
            raise _refused(issues, "path.request_id")
        assert done is not None
        return 200, {"account": code, "offered": True,
                     "confirmed_by": sorted(account_limits.confirmers(jurisdiction, svc.now())),
                     "max_units_per_transaction": done.max_units_per_transaction,
                     "requested_by": done.requested_by, "approved_by": done.approved_by,
                     "set_at": done.set_at.isoformat(), "pending": []}  # fmt: skip

    return idempotent_write(svc, request, who, key, "account_limit_confirm",
                            f"{code}/{request_id}", {"code": code, "request": request_id},
                            run)[1]  # fmt: skip


@router.post("/accounts/{code}/transaction-limit-requests/{request_id}/withdraw",
             response_model=Done)  # fmt: skip
def withdraw_transaction_limit(
    code: str, request_id: RequestId, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.PROPOSE))],
) -> dict:  # fmt: skip
    """Withdraw a proposed change (its proposer) or turn it down (another representative, or
    the regulator where it may confirm)."""

    def run() -> tuple[int, dict]:
        require_visible(svc, who, code)
        jurisdiction = svc.jurisdiction_of_account(code)
        issues = account_limits.withdraw(svc.engine, code, request_id, who, svc.now(),
                                         jurisdiction)  # fmt: skip
        if issues:
            raise _refused(issues, "path.request_id")
        return 200, {"result": "ok"}

    return idempotent_write(svc, request, who, key, "account_limit_withdraw",
                            f"{code}/{request_id}", {"code": code, "request": request_id},
                            run)[1]  # fmt: skip
