"""Court-ordered transfers of frozen units (司法扣划): one regulator proposes, another approves.

The regulator proposes moving units frozen under a freeze order to the account a court order
names, with the order's reference; a second regulator user approves, and the transfer
executes at once, whatever the hour (docs/registry.md, "Court-ordered transfers"). Anyone
who may read the frozen account sees its court transfers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, StringConstraints
from starlette.concurrency import run_in_threadpool

from tanshi.api.context import (
    IdempotencyKey,
    Reader,
    ServiceDep,
    idempotent_write,
    needs,
    registry_key,
)
from tanshi.api.errors import ApiError, from_result
from tanshi.api.models import MAX_ID, Code, Quantity, Strict
from tanshi.core.errors import TanshiError
from tanshi.registry import ResultCode
from tanshi.services import court_transfers, unit_freezes, views
from tanshi.services.principals import Principal, Scope

router = APIRouter(tags=["registry controls"])
Regulator = Annotated[Principal, Depends(needs(Scope.REGULATE))]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"\S")]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=r"\S")]
TransferId = Annotated[int, Path(ge=1, le=MAX_ID)]


class CourtTransferIn(Strict):
    destination: Code
    quantity_t: Quantity
    court_order_reference: Reference
    reason: Reason


class CourtTransferOut(BaseModel):
    id: int
    freeze_id: int
    account: str
    unit_class: str
    destination: str
    quantity_t: int
    court_order_reference: str
    reason: str
    proposed_by: str
    proposed_at: str
    status: str  # awaiting_approval, executed, failed or cancelled
    result: str
    decided_by: str | None
    decided_at: str | None
    blocks: list[tuple[int, int]]


def _body(item: court_transfers.CourtTransfer) -> dict:
    return {
        "id": item.id, "freeze_id": item.freeze_id, "account": item.account,
        "unit_class": item.unit_class, "destination": item.destination,
        "quantity_t": item.quantity_units, "court_order_reference": item.court_order_reference,
        "reason": item.reason, "proposed_by": item.proposed_by,
        "proposed_at": item.proposed_at.isoformat(), "status": item.status,
        "result": item.result, "decided_by": item.decided_by,
        "decided_at": item.decided_at.isoformat() if item.decided_at else None,
        "blocks": [list(b) for b in item.blocks],
    }  # fmt: skip


def _answer(svc, outcome: court_transfers.CourtTransferOutcome, field: str | None,
            body: CourtTransferIn | None = None) -> dict:  # fmt: skip
    if outcome.result is not ResultCode.OK or outcome.transfer_id is None:
        raise from_result(outcome.result, field, figures=outcome.detail, body=body)
    found = court_transfers.court_transfer(svc.engine, outcome.transfer_id)
    assert found is not None
    return _body(found)


def _in_scope(svc, who: Principal, transfer_id: int) -> None:
    """Another jurisdiction's court transfer answers as an unknown one."""
    found = court_transfers.court_transfer(svc.engine, transfer_id)
    if found is not None and not views.in_scope(svc.engine, who, found.account):
        raise from_result(ResultCode.PROPOSAL_NOT_FOUND, "path.transfer_id")


@router.post(
    "/freezes/{freeze_id}/court-transfers", response_model=CourtTransferOut, status_code=201
)
def propose(
    freeze_id: TransferId, body: CourtTransferIn, request: Request, key: IdempotencyKey,
    svc: ServiceDep, who: Regulator,
) -> dict:  # fmt: skip
    """Propose moving ``quantity_t`` units frozen under the order to the account the court
    names; it executes when another regulator user approves it."""

    def run() -> tuple[int, dict]:
        if views.freeze_order_hidden(svc.engine, who, freeze_id):  # another jurisdiction's
            raise ApiError(404, "freeze_order_not_found", f"no freeze order {freeze_id}",
                           "path.freeze_id")  # fmt: skip
        try:
            outcome = court_transfers.propose_court_transfer(
                svc.engine, freeze_id, body.destination, body.quantity_t,
                body.court_order_reference, body.reason, who.username, registry_key(who, key),
                svc.now(),
            )  # fmt: skip
        except unit_freezes.FreezeOrderNotFound as error:
            raise ApiError(404, "freeze_order_not_found", str(error), "path.freeze_id") from error
        except TanshiError as error:
            raise ApiError(409, "freeze_order_released", str(error), "path.freeze_id") from error
        return 201, _answer(svc, outcome, None, body)

    return idempotent_write(svc, request, who, key, "court_transfer", str(freeze_id),
                            body.model_dump(), run)[1]  # fmt: skip


@router.post("/court-transfers/{transfer_id}/approve", response_model=CourtTransferOut)
def approve(
    transfer_id: TransferId, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Regulator,
) -> dict:  # fmt: skip
    """Approve (a regulator user other than the proposer): the transfer executes now, or is
    recorded as failed with the registry's result code, which is then the answer."""

    def run() -> tuple[int, dict]:
        _in_scope(svc, who, transfer_id)
        outcome = court_transfers.approve_court_transfer(svc.engine, transfer_id, who.username,
                                                         svc.now())  # fmt: skip
        return 200, _answer(svc, outcome, "path.transfer_id")

    return idempotent_write(svc, request, who, key, "court_transfer_approve", str(transfer_id),
                            {}, run)[1]  # fmt: skip


@router.post("/court-transfers/{transfer_id}/cancel", response_model=CourtTransferOut)
def cancel(
    transfer_id: TransferId, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Regulator,
) -> dict:  # fmt: skip
    """Withdraw a court transfer that awaits approval."""

    def run() -> tuple[int, dict]:
        _in_scope(svc, who, transfer_id)
        outcome = court_transfers.cancel_court_transfer(svc.engine, transfer_id, who.username,
                                                        svc.now())  # fmt: skip
        return 200, _answer(svc, outcome, "path.transfer_id")

    return idempotent_write(svc, request, who, key, "court_transfer_cancel", str(transfer_id),
                            {}, run)[1]  # fmt: skip


@router.get("/accounts/{code}/court-transfers", response_model=list[CourtTransferOut])
async def of_account(code: str, who: Reader, svc: ServiceDep) -> list[dict]:
    """The court transfers of the account's freeze orders, oldest first."""

    def read() -> list[dict]:
        if views.account_id_if_visible(svc.engine, who, code) is None:
            raise ApiError(404, "unknown_account", f"no account {code} that you may read",
                           "path.code")  # fmt: skip
        return [_body(t) for t in court_transfers.court_transfers_of(svc.engine, account_code=code)]

    return await run_in_threadpool(read)
