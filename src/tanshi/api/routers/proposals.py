"""What people ask the registry to do: transfers and retirements, approved by a second user.

Each user is the registry representative of their username, so the lifecycle's four-eyes
rule (the approver differs from the initiator) and account rights apply per user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from tanshi.api.context import (
    IdempotencyKey,
    Reader,
    Service,
    ServiceDep,
    idempotent_write,
    idempotent_write_in,
    needs,
    registry_key,
)
from tanshi.api.errors import ApiError, body_field, from_issues, from_result
from tanshi.api.models import (
    MAX_ID,
    CertificateOut,
    Page,
    ProposalOut,
    RetirementIn,
    TransferIn,
)
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.services import approval_outlook, lifecycle, operations, refusal_figures, views
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.principals import Principal, Scope
from tanshi.store.prepared import Send

router = APIRouter(tags=["proposals"])
ProposalId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _unit_class(svc: Service, code: str, field: str) -> tuple[int, Jurisdiction]:
    found = svc.unit_class(code, field)
    if found is None:
        raise ApiError(422, "unknown_unit_class", f"no unit class {code}", field)
    return found


def _visible_account(svc: Service, who: Principal, code: str, field: str) -> int:
    found = views.account_id_if_visible(svc.engine, who, code)
    if found is None:
        raise ApiError(404, "unknown_account", f"no account {code} that you may use", field)
    return found


def _outcome_body(svc: Service, who: Principal, proposal_id: int | None) -> dict:
    shown = None if proposal_id is None else views.proposal(svc.engine, who, proposal_id)
    if shown is None:
        raise ApiError(404, "proposal_not_found", f"no proposal {proposal_id} that you may read",
                       "path.proposal_id")  # fmt: skip
    return shown


@router.post("/transfers", response_model=ProposalOut, status_code=201,
             responses={202: {"model": ProposalOut, "description": "awaiting approval or delayed"}})  # fmt: skip
def transfer(
    body: TransferIn, request: Request, key: IdempotencyKey,
    who: Annotated[Principal, Depends(needs(Scope.PROPOSE))],
) -> JSONResponse:  # fmt: skip
    """Propose a transfer from an account you represent; 201 if executed, 202 if it waits.

    A second representative approves it with POST /v1/proposals/{id}/approve.
    """
    svc: Service = request.app.state.service  # not a dependency: see routers/accounts.py
    unit = svc.unit_class(body.unit_class, "body.unit_class")  # before the write transaction

    def ahead(send: Send) -> Callable[[], dict[str, tuple[int, bool, int, str]]]:
        return views.send_two_accounts(send, who, body.from_account, body.to_account)

    def run(
        connection: Connection, accounts: Callable[[], dict[str, tuple[int, bool, int, str]]]
    ) -> tuple[int, dict] | ApiError:
        found = accounts()
        source, visible, source_jurisdiction, _ = found.get(body.from_account, (0, False, 0, ""))
        if not visible:
            raise ApiError(404, "unknown_account", f"no account {body.from_account} that you "
                           "may use", "body.from_account")  # fmt: skip
        if body.to_account not in found:
            raise ApiError(422, "unknown_account", f"no account {body.to_account}",
                           "body.to_account")  # fmt: skip
        if unit is None:
            raise ApiError(422, "unknown_unit_class", f"no unit class {body.unit_class}",
                           "body.unit_class")  # fmt: skip
        (unit_class, jurisdiction), now = unit, svc.now()
        if jurisdiction.id != source_jurisdiction:  # another registry's units: its rules apply
            if isinstance(source_registry, ApiError):
                raise source_registry  # kept and audited as any refusal
            loaded = source_registry or svc.loaded_jurisdiction(source_jurisdiction)
            if loaded is None:
                raise _SourceRegistryNotLoaded  # loaded outside this transaction, then again
            jurisdiction = loaded
        request_ = TransactionRequest(
            "transfer", registry_key(who, key),
            (Movement(source, found[body.to_account][0], unit_class, body.quantity_t),), now,
            memo=body.memo,
        )  # fmt: skip
        outcome = lifecycle.propose_in(connection, jurisdiction, request_, who.username, now)
        if outcome.result is not ResultCode.OK:
            said = refusal_figures.figures(connection, request_, outcome.result)
            return from_result(outcome.result, figures=said, body=body)  # kept on record
        status = 201 if outcome.status is ProposalStatus.EXECUTED else 202
        if outcome.replayed or outcome.status is not ProposalStatus.AWAITING_APPROVAL:
            shown = views.proposal_in(connection, who, outcome.proposal_id or 0)
            if shown is None:
                raise ApiError(404, "proposal_not_found", "the proposal is not visible to you")
            return status, shown
        assert outcome.proposal_id is not None
        return status, views.proposal_body(
            outcome.proposal_id, "transfer", outcome.status.value, outcome.result.value,
            body.from_account, body.quantity_t, who.username, None, now, None, None, body.memo,
            to_account=body.to_account, to_holder=found[body.to_account][3],
            unit_class=body.unit_class,
        )  # fmt: skip

    source_registry: Jurisdiction | ApiError | None = None
    try:
        status, shown = idempotent_write_in(svc, request, who, key, "transfer",
                                            body.from_account, body.model_dump(), ahead, run)  # fmt: skip
    except _SourceRegistryNotLoaded:
        # Rare (an account holding another jurisdiction's units, not yet loaded here):
        # loading it inside the write would wait on SQLite's write lock, which the write holds.
        try:
            source_registry = svc.jurisdiction_of_account(body.from_account, "body.from_account")
        except ApiError as refused:
            source_registry = refused
        status, shown = idempotent_write_in(svc, request, who, key, "transfer",
                                            body.from_account, body.model_dump(), ahead, run)  # fmt: skip
    return JSONResponse(shown, status_code=status)


class _SourceRegistryNotLoaded(Exception):
    """The transfer's source account is in another jurisdiction than its unit class."""


@router.post("/retirements", response_model=CertificateOut, status_code=201)
def retire(
    body: RetirementIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.PROPOSE))],
) -> JSONResponse:  # fmt: skip
    """Retire units for good on behalf of a beneficiary; returns the retirement certificate."""

    def run() -> tuple[int, dict]:
        _visible_account(svc, who, body.account, "body.account")
        _, jurisdiction = _unit_class(svc, body.unit_class, "body.unit_class")
        now = svc.now()
        certificate, issues = operations.retire(
            svc.engine, jurisdiction, body.account, body.unit_class, body.quantity_t,
            body.beneficiary, body.purpose, registry_key(who, key), who.username, now,
        )  # fmt: skip
        if certificate is None:
            codes = {r.value for r in ResultCode}
            if issues and issues[0].code in codes:
                raise from_result(ResultCode(issues[0].code), body=body)
            raise from_issues(422, issues, lambda i: body_field(i.code, body))
        return 201, {"number": certificate.number, "account": certificate.account,
                     "beneficiary": certificate.beneficiary, "purpose": certificate.purpose,
                     "quantity_t": certificate.quantity_t, "blocks": list(certificate.blocks),
                     "retired_at": certificate.retired_at.isoformat()}  # fmt: skip

    status, shown = idempotent_write(svc, request, who, key, "retirement", body.account,
                                     body.model_dump(), run)  # fmt: skip
    return JSONResponse(shown, status_code=status)


@router.get("/proposals", response_model=Page[ProposalOut])
async def list_proposals(
    who: Reader, svc: ServiceDep, paging: PagingDep,
    status: Annotated[ProposalStatus | None, Query(description="a proposal status")] = None,
    awaiting_my_approval: bool = False,
) -> dict:  # fmt: skip
    """Proposals from accounts you may read; ``awaiting_my_approval`` gives your queue.

    Each names its destination, holder and unit class; one awaiting approval also says
    whether approving it now executes it at once or holds it until ``release_if_approved_now``.
    """

    def read() -> views.Page:
        page = views.proposal_list(svc.engine, who, status=status,
                                   awaiting_my_approval=awaiting_my_approval,
                                   limit=paging.limit, offset=paging.offset)  # fmt: skip
        shown = approval_outlook.with_outlook(svc.engine, page.items, svc.jurisdiction, svc.now())
        return views.Page(shown, page.total, page.limit, page.offset)

    return page_body(await run_in_threadpool(read))


@router.get("/proposals/{proposal_id}", response_model=ProposalOut)
async def get_proposal(proposal_id: ProposalId, who: Reader, svc: ServiceDep) -> dict:
    # async, its read in the thread pool: see routers/accounts.py
    def read() -> dict:
        shown = _outcome_body(svc, who, proposal_id)
        return approval_outlook.with_outlook(svc.engine, [shown], svc.jurisdiction, svc.now())[0]

    return await run_in_threadpool(read)


def _jurisdiction_of(svc: Service, proposal: dict) -> Jurisdiction:
    """The jurisdiction the proposal's source account is in (not its code's prefix)."""
    return svc.jurisdiction_of_account(proposal["source_account"], "path.proposal_id")


def _step(svc: Service, request: Request, who: Principal, key: str, proposal_id: int,
          action: str) -> JSONResponse:  # fmt: skip
    def run() -> tuple[int, dict]:
        shown = _outcome_body(svc, who, proposal_id)
        jurisdiction, now = _jurisdiction_of(svc, shown), svc.now()
        step = lifecycle.approve if action == "approve" else None
        outcome = (
            step(svc.engine, jurisdiction, proposal_id, who.username, now)
            if step is not None
            else lifecycle.cancel(svc.engine, proposal_id, who.username, now)
        )
        if outcome.result is not ResultCode.OK:
            raise from_result(outcome.result, "path.proposal_id")
        return 200, _outcome_body(svc, who, proposal_id)

    status, shown = idempotent_write(svc, request, who, key, action, str(proposal_id),
                                     {"proposal": proposal_id}, run)  # fmt: skip
    return JSONResponse(shown, status_code=status)


@router.post("/proposals/{proposal_id}/approve", response_model=ProposalOut)
def approve(
    proposal_id: ProposalId, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.APPROVE))],
) -> JSONResponse:  # fmt: skip
    """Approve a proposal as a second representative (never the initiator)."""
    return _step(svc, request, who, key, proposal_id, "approve")


@router.post("/proposals/{proposal_id}/cancel", response_model=ProposalOut)
def cancel(
    proposal_id: ProposalId, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.PROPOSE))],
) -> JSONResponse:  # fmt: skip
    """Cancel a proposal that awaits approval or is delayed."""
    return _step(svc, request, who, key, proposal_id, "cancel")
