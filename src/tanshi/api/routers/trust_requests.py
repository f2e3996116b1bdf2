"""Changing a trusted list through the API: one representative proposes, another confirms.

A pending addition waits for a second, different representative who may approve
(services/trust_requests.py); confirmed, it counts from the rulebook's N-th working day
after. A removal is done at once by one representative, or, where the rulebook has two
remove (``trusted_list_removal``), waits as a request like an addition and is executed at
once when confirmed. The proposer withdraws a request, or another representative turns it
down.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, StringConstraints

from tanshi.api.context import IdempotencyKey, Reader, Service, ServiceDep, idempotent_write, needs
from tanshi.api.errors import ApiError, from_issues
from tanshi.api.limits import ACCOUNT_CODE_CHARS
from tanshi.api.models import MAX_ID, Done, Strict
from tanshi.api.routers.registry_controls import TrustedAccountOut
from tanshi.services import trust_requests, views
from tanshi.services.principals import Principal, Scope

router = APIRouter(tags=["registry controls"])
RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]
# The status of each refusal: "you may not" (403), a conflict with what is there (409).
STATUS = {"initiator_lacks_right_on_source_account": 403,
          "approver_lacks_right_on_source_account": 403,
          "approver_must_differ_from_initiator": 403, "already_trusted": 409,
          "trusted_account_request_pending": 409, "request_not_pending": 409,
          "not_on_trusted_list": 409, "trusted_account_removal_pending": 409}  # fmt: skip


class TrustRequestIn(Strict):
    account: Annotated[str, StringConstraints(min_length=1, max_length=ACCOUNT_CODE_CHARS)]


class TrustRequestOut(BaseModel):
    id: int
    account: str
    trusted: str
    change: str  # "add" or "remove"
    state: str
    requested_by: str
    requested_at: datetime


class TrustRemovedOut(BaseModel):
    account: str
    removed_by: str
    confirmed_by: str
    removed_at: str


def require_visible(svc: Service, who: Principal, code: str) -> None:
    if views.account_id_if_visible(svc.engine, who, code) is None:
        raise ApiError(404, "unknown_account", f"no account {code} that you may read", "path.code")


def _refused(issues, field: str) -> ApiError:
    return from_issues(STATUS.get(issues[0].code, 422), issues, lambda _i: field)


def _body(made: trust_requests.TrustRequest, state: str) -> dict:
    return {"id": made.id, "account": made.account, "trusted": made.trusted,
            "change": made.change, "state": state, "requested_by": made.requested_by,
            "requested_at": made.requested_at.isoformat()}  # fmt: skip


@router.post("/accounts/{code}/trusted-accounts", response_model=TrustRequestOut,
             status_code=202)  # fmt: skip
def propose_trusted_account(
    code: str, body: TrustRequestIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.PROPOSE))],
) -> dict:  # fmt: skip
    """Propose an account for this account's trusted list (a representative who may
    initiate); it awaits another representative's confirmation."""

    def run() -> tuple[int, dict]:
        require_visible(svc, who, code)
        made, issues = trust_requests.propose(svc.engine, code, body.account, who, svc.now())
        if issues:
            raise _refused(issues, "body.account")
        assert made is not None
        return 202, _body(made, trust_requests.PENDING)

    return idempotent_write(svc, request, who, key, "trusted_list_add", f"{code}/{body.account}",
                            {"code": code, **body.model_dump()}, run)[1]  # fmt: skip


@router.get("/accounts/{code}/trusted-account-requests", response_model=list[TrustRequestOut])
def pending_trusted_accounts(code: str, who: Reader, svc: ServiceDep) -> list[dict]:
    """The changes of the account's trusted list awaiting confirmation (``change`` add or
    remove), oldest first."""
    require_visible(svc, who, code)
    return [_body(r, trust_requests.PENDING) for r in trust_requests.pending(svc.engine, code)]


@router.post("/accounts/{code}/trusted-accounts/{trusted}/remove", response_model=Done,
             responses={202: {"model": TrustRequestOut,
                              "description": "the removal awaits a second representative"}})  # fmt: skip
def remove_trusted_account(
    code: str, trusted: str, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.PROPOSE))],
) -> JSONResponse:  # fmt: skip
    """Take an account off this account's trusted list: at once (200) by one representative,
    or, where the rulebook has two representatives remove, as a request (202) that another
    representative who may approve confirms."""

    def run() -> tuple[int, dict]:
        require_visible(svc, who, code)
        jurisdiction = svc.jurisdiction_of_account(code)
        done, issues = trust_requests.remove(svc.engine, jurisdiction, code, trusted, who,
                                             svc.now())  # fmt: skip
        if issues:
            raise _refused(issues, "path.trusted")
        if isinstance(done, trust_requests.TrustRequest):
            return 202, _body(done, trust_requests.PENDING)
        return 200, {"result": "ok"}

    status, body = idempotent_write(svc, request, who, key, "trusted_list_remove",
                                    f"{code}/{trusted}", {"code": code, "trusted": trusted},
                                    run)  # fmt: skip
    return JSONResponse(body, status_code=status)


@router.post("/accounts/{code}/trusted-account-requests/{request_id}/confirm",
             response_model=TrustedAccountOut | TrustRemovedOut)  # fmt: skip
def confirm_trusted_account(
    code: str, request_id: RequestId, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.APPROVE))],
) -> dict:  # fmt: skip
    """Confirm a colleague's proposed change (another representative, who may approve): an
    addition counts from the rulebook's N-th working day after now (the entry is answered),
    a removal at once (``removed_by``, ``confirmed_by``, ``removed_at``)."""

    def run() -> tuple[int, dict]:
        require_visible(svc, who, code)
        jurisdiction = svc.jurisdiction_of_account(code)
        done, issues = trust_requests.confirm(svc.engine, jurisdiction, code, request_id, who,
                                              svc.now())  # fmt: skip
        if issues:
            raise _refused(issues, "path.request_id")
        if isinstance(done, trust_requests.Removed):
            return 200, {"account": done.trusted, "removed_by": done.requested_by,
                         "confirmed_by": done.approved_by or "",
                         "removed_at": done.removed_at.isoformat()}  # fmt: skip
        assert done is not None
        return 200, {"account": done.trusted, "requested_by": done.requested_by,
                     "approved_by": done.approved_by, "active_from": done.active_from.isoformat()}  # fmt: skip

    return idempotent_write(svc, request, who, key, "trusted_list_confirm",
                            f"{code}/{request_id}", {"code": code, "request": request_id},
                            run)[1]  # fmt: skip


@router.post("/accounts/{code}/trusted-account-requests/{request_id}/withdraw",
             response_model=Done)  # fmt: skip
def withdraw_trusted_account(
    code: str, request_id: RequestId, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.PROPOSE))],
) -> dict:  # fmt: skip
    """Withdraw a proposed change (its proposer) or turn it down (another representative)."""

    def run() -> tuple[int, dict]:
        require_visible(svc, who, code)
        issues = trust_requests.withdraw(svc.engine, code, request_id, who, svc.now())
        if issues:
            raise _refused(issues, "path.request_id")
        return 200, {"result": "ok"}

    return idempotent_write(svc, request, who, key, "trusted_list_withdraw",
                            f"{code}/{request_id}", {"code": code, "request": request_id},
                            run)[1]  # fmt: skip
