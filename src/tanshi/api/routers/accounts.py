"""Registry accounts and their holdings; the regulator changes an account's status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from tanshi.api.context import (
    IdempotencyKey,
    Reader,
    Service,
    ServiceDep,
    idempotent_write,
    needs,
)
from tanshi.api.errors import ApiError
from tanshi.api.models import AccountDetail, AccountOut, Done, HoldingOut, Page, StatusChangeIn
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.core.errors import TanshiError
from tanshi.registry import AccountKind, AccountStatus
from tanshi.services import views
from tanshi.services.jurisdiction import change_account_status
from tanshi.services.principals import Principal, Scope

router = APIRouter(tags=["accounts"])
# Reads are ``async def`` and send only their database work to the thread pool: a sync route
# with a response model goes there twice (the route, then validating its answer).


@router.get("/accounts", response_model=Page[AccountOut])
async def list_accounts(
    who: Reader, svc: ServiceDep, paging: PagingDep,
    kind: Annotated[AccountKind | None, Query(description="an account kind")] = None,
    status: Annotated[AccountStatus | None, Query(description="an account status")] = None,
    company: Annotated[str | None, Query(max_length=40)] = None,
) -> dict:  # fmt: skip
    """The accounts you may read, filtered by kind, status and company."""
    return page_body(await run_in_threadpool(
        views.account_list, svc.engine, who, kind=kind, status=status, company_code=company,
        limit=paging.limit, offset=paging.offset,
    ))  # fmt: skip


async def account_answer(svc: Service, who: Principal, code: str) -> dict:
    """The account with its holdings, or 404 if it does not exist or is hidden from ``who``.

    The routes below and, on PostgreSQL, ``api/hot_reads.py`` both answer with it.
    """
    return await _read(svc, who, code, views.account_on_loop, views.account)


async def holdings_answer(svc: Service, who: Principal, code: str) -> list[dict]:
    """The account's holdings, or 404 as ``account_answer``."""
    return await _read(svc, who, code, views.account_holdings_on_loop, views.account_holdings)


async def _read(svc: Service, who: Principal, code: str, on_loop, in_thread) -> Any:
    if svc.reads is not None:  # PostgreSQL: read on the event loop, no thread at all
        found = await on_loop(svc.reads, who, code)
    else:
        found = await run_in_threadpool(in_thread, svc.engine, who, code)
    if found is None:
        raise ApiError(404, "unknown_account", f"no account {code} that you may read", "path.code")
    return found


# On PostgreSQL the two hottest reads are answered by api/hot_reads.py before FastAPI routes
# them; these routes declare them (OpenAPI) and answer them on SQLite.
@router.get("/accounts/{code}", response_model=AccountDetail)
async def get_account(code: str, who: Reader, request: Request) -> dict:
    return await account_answer(request.app.state.service, who, code)


@router.get("/accounts/{code}/holdings", response_model=list[HoldingOut])
async def get_holdings(code: str, who: Reader, request: Request) -> list[dict]:
    """What the account holds now, per unit class (zero holdings left out)."""
    return await holdings_answer(request.app.state.service, who, code)


@router.post("/accounts/{code}/status", response_model=Done)
def set_status(
    code: str, body: StatusChangeIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
    who: Annotated[Principal, Depends(needs(Scope.REGULATE))],
) -> dict:  # fmt: skip
    """Freeze, restrict, suspend, reopen or close an account, with the reason on record."""

    def run() -> tuple[int, dict]:
        if not views.in_scope(svc.engine, who, code):  # another jurisdiction's account
            raise ApiError(404, "unknown_account", f"no account {code} that you may read",
                           "path.code")  # fmt: skip
        try:
            status = AccountStatus(body.status)
        except ValueError as error:
            raise ApiError(422, "unknown_status",
                           "status must be one of "
                           f"{', '.join(s.value for s in AccountStatus)}",
                           "body.status") from error  # fmt: skip
        try:
            change_account_status(svc.engine, code, status, body.reason, svc.now())
        except TanshiError as error:
            raise ApiError(422, "status_change_refused", str(error), "body.status") from error
        return 200, {"result": "ok"}

    return idempotent_write(svc, request, who, key, "account_status", code,
                            body.model_dump(), run)[1]  # fmt: skip
