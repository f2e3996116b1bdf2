"""Registry controls: trusted lists, the second-approval waiver, frozen units and balances.

Changes of a trusted list by its representatives are in routers/trust_requests.py. The
regulator records a
holder's waiver of the second approval, and enters and lifts orders freezing units; anyone
who may read an account sees its trusted list, its freeze orders and its balances, available
against frozen.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from tanshi.api.context import (
    IdempotencyKey,
    Reader,
    Service,
    ServiceDep,
    idempotent_write,
    needs,
    registry_key,
)
from tanshi.api.errors import ApiError, body_field, from_result
from tanshi.api.limits import CONTROL_REASON_CHARS, DECLARED_BY_CHARS, ORDER_REFERENCE_CHARS
from tanshi.api.models import MAX_ID, Code, Done, Quantity, Strict
from tanshi.core.errors import TanshiError
from tanshi.registry import ResultCode
from tanshi.services import trusted_list, unit_freeze_reads, unit_freezes, views
from tanshi.services.principals import Principal, Scope

router = APIRouter(tags=["registry controls"])
Serial = Annotated[int, Field(ge=1, le=10**15)]
Reason = Annotated[
    str, StringConstraints(min_length=1, max_length=CONTROL_REASON_CHARS, pattern=r"\S")
]


class TrustedAccountOut(BaseModel):
    account: str
    requested_by: str
    approved_by: str
    active_from: str


class WaiverIn(Strict):
    waived: bool
    declared_by: Annotated[str, StringConstraints(min_length=1, max_length=DECLARED_BY_CHARS)]


class FreezeIn(Strict):
    unit_class: Code
    quantity_t: Quantity
    order_reference: Annotated[
        str, StringConstraints(min_length=1, max_length=ORDER_REFERENCE_CHARS, pattern=r"\S")
    ]
    reason: Reason
    serials: Annotated[list[tuple[Serial, Serial]], Field(max_length=100)] | None = Field(
        None, description="serial ranges [first, last] to freeze; default: by the split rule"
    )


class ReleaseIn(Strict):
    reason: Reason
    quantity_t: Quantity | None = Field(
        None, description="release only this many units: serials the order still holds go "
        "back by the split rule, the rest stay frozen (default: all it holds)",
    )  # fmt: skip


class ReductionOut(BaseModel):
    kind: str  # release, or court_transfer
    quantity_t: int
    made_by: str
    reason: str
    made_at: str
    blocks: list[tuple[int, int]]


class FreezeOut(BaseModel):
    id: int
    account: str
    unit_class: str
    quantity_t: int
    order_reference: str
    reason: str
    ordered_by: str
    frozen_at: str
    blocks: list[tuple[int, int]]
    released_at: str | None
    released_by: str | None
    release_reason: str | None
    frozen_t: int  # still frozen under the order
    frozen_blocks: list[tuple[int, int]]
    reductions: list[ReductionOut]


class BalanceOut(BaseModel):
    unit_class: str
    available_t: int
    frozen_t: int
    total_t: int


def _visible(svc: Service, who: Principal, code: str) -> None:
    if views.account_id_if_visible(svc.engine, who, code) is None:
        raise ApiError(404, "unknown_account", f"no account {code} that you may read", "path.code")


def _freeze_body(order: unit_freeze_reads.FreezeOrder) -> dict:
    return {
        "id": order.id, "account": order.account, "unit_class": order.unit_class,
        "quantity_t": order.quantity_units, "order_reference": order.order_reference,
        "reason": order.reason, "ordered_by": order.ordered_by,
        "frozen_at": order.frozen_at.isoformat(), "blocks": [list(b) for b in order.blocks],
        "released_at": order.released_at.isoformat() if order.released_at else None,
        "released_by": order.released_by, "release_reason": order.release_reason,
        "frozen_t": order.frozen_units, "frozen_blocks": [list(b) for b in order.frozen_blocks],
        "reductions": [
            {"kind": r.kind, "quantity_t": r.quantity_units, "made_by": r.made_by,
             "reason": r.reason, "made_at": r.made_at.isoformat(),
             "blocks": [list(b) for b in r.blocks]}
            for r in order.reductions
        ],
    }  # fmt: skip


@router.get("/accounts/{code}/trusted-accounts", response_model=list[TrustedAccountOut])
def get_trusted_accounts(code: str, who: Reader, svc: ServiceDep) -> list[dict]:
    """The account's trusted list, with when each entry counts from (pending ones too)."""
    _visible(svc, who, code)
    return [
        {"account": e.account, "requested_by": e.requested_by, "approved_by": e.approved_by,
         "active_from": e.active_from.isoformat()}
        for e in trusted_list.trusted_list(svc.engine, code)
    ]  # fmt: skip


@router.post("/accounts/{code}/approval-waiver", response_model=Done)
def set_approval_waiver(
    code: str, body: WaiverIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.REGULATE))],
) -> dict:  # fmt: skip
    """Record the holder's declaration (by ``declared_by``, a representative) that transfers to
    its trusted list need no second approval, or its withdrawal (``waived`` false)."""

    def run() -> tuple[int, dict]:
        _visible(svc, who, code)
        jurisdiction = svc.jurisdiction_of_account(code)
        try:
            trusted_list.set_approval_waiver(svc.engine, jurisdiction, code, body.waived,
                                             body.declared_by, who.username, svc.now())  # fmt: skip
        except TanshiError as error:
            raise ApiError(422, "approval_waiver_refused", str(error), "body.waived") from error
        return 200, {"result": "ok"}

    return idempotent_write(svc, request, who, key, "approval_waiver", code,
                            body.model_dump(), run)[1]  # fmt: skip


@router.get("/accounts/{code}/balances", response_model=list[BalanceOut])
async def get_balances(code: str, who: Reader, svc: ServiceDep) -> list[dict]:
    """Per unit class: units the account may use, units frozen in it by order, and the total."""

    def read() -> list[dict]:
        _visible(svc, who, code)
        return [
            {"unit_class": b.unit_class, "available_t": b.available_units,
             "frozen_t": b.frozen_units, "total_t": b.total_units}
            for b in unit_freeze_reads.balances(svc.engine, code)
        ]  # fmt: skip

    return await run_in_threadpool(read)


@router.get("/accounts/{code}/freezes", response_model=list[FreezeOut])
async def get_freezes(code: str, who: Reader, svc: ServiceDep) -> list[dict]:
    """The account's freeze orders, in force and released, with the serials each froze."""

    def read() -> list[dict]:
        _visible(svc, who, code)
        return [_freeze_body(order) for order in unit_freeze_reads.freeze_orders(svc.engine, code)]

    return await run_in_threadpool(read)


@router.post("/accounts/{code}/freezes", response_model=FreezeOut, status_code=201)
def freeze(
    code: str, body: FreezeIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.REGULATE))],
) -> dict:  # fmt: skip
    """Freeze a quantity (or the named serials) of a unit class in the account, by order."""

    def run() -> tuple[int, dict]:
        _visible(svc, who, code)
        serials = None if body.serials is None else tuple(body.serials)
        try:
            outcome = unit_freezes.freeze_units(
                svc.engine, code, body.unit_class, body.quantity_t, body.order_reference,
                body.reason, who.username, registry_key(who, key), svc.now(), serials=serials,
            )  # fmt: skip
        except TanshiError as error:
            raise ApiError(422, "freeze_refused", str(error), "body.unit_class") from error
        if outcome.freeze_id is None:
            raise from_result(outcome.result, figures=outcome.detail, body=body)
        order = unit_freeze_reads.freeze_order(svc.engine, outcome.freeze_id)
        assert order is not None
        return 201, _freeze_body(order)

    return idempotent_write(svc, request, who, key, "freeze", code, body.model_dump(), run)[1]


@router.post("/freezes/{freeze_id}/release", response_model=FreezeOut)
def release(
    freeze_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: ReleaseIn, request: Request,
    key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.REGULATE))],
) -> dict:  # fmt: skip
    """Lift a freeze order, or ``quantity_t`` of it: serials it still holds go back to the
    account by the split rule, each release its own transaction; the order keeps the rest frozen."""

    def run() -> tuple[int, dict]:
        if views.freeze_order_hidden(svc.engine, who, freeze_id):  # another jurisdiction's
            raise ApiError(404, "freeze_order_not_found", f"no freeze order {freeze_id}",
                           "path.freeze_id")  # fmt: skip
        partial = None if body.quantity_t is None else registry_key(who, key)
        try:
            outcome = unit_freezes.release_freeze(
                svc.engine, freeze_id, who.username, body.reason, svc.now(),
                quantity_units=body.quantity_t, idempotency_key=partial,
            )  # fmt: skip
        except unit_freezes.FreezeOrderNotFound as error:
            raise ApiError(404, "freeze_order_not_found", str(error), "path.freeze_id") from error
        except TanshiError as error:
            raise ApiError(409, "freeze_order_released", str(error), "path.freeze_id") from error
        if outcome.result is not ResultCode.OK:  # more than it holds: body.quantity_t
            field = body_field(outcome.result.value, body)
            raise from_result(outcome.result, "path.freeze_id" if field == "body" else field,
                              figures=outcome.detail)  # fmt: skip
        order = unit_freeze_reads.freeze_order(svc.engine, freeze_id)
        assert order is not None
        return 200, _freeze_body(order)

    return idempotent_write(svc, request, who, key, "unfreeze", str(freeze_id),
                            body.model_dump(), run)[1]  # fmt: skip
