"""The journal: executed transactions and their movements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from tanshi.api.context import Reader, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.models import MAX_ID, Page, TransactionDetail, TransactionOut
from tanshi.api.routers.paging import PagingDep, page_body
from tanshi.registry.transaction_types import TRANSACTION_TYPES
from tanshi.services import views

router = APIRouter(tags=["transactions"])
# async reads with their database work in the thread pool: see routers/accounts.py


@router.get("/transactions", response_model=Page[TransactionOut])
async def list_transactions(
    who: Reader, svc: ServiceDep, paging: PagingDep,
    type: Annotated[str | None, Query(max_length=40, description="transaction type")] = None,
    account: Annotated[str | None, Query(max_length=40)] = None,
    year: Annotated[int | None, Query(ge=1990, le=2200, description="compliance year")] = None,
) -> dict:  # fmt: skip
    """Transactions touching accounts you may read, newest first."""
    if type is not None and type not in TRANSACTION_TYPES:
        raise ApiError(422, "unknown_transaction_type", f"type must be one of "
                       f"{', '.join(sorted(TRANSACTION_TYPES))}; you sent \"{type}\"",
                       "query.type")  # fmt: skip
    return page_body(await run_in_threadpool(
        views.transaction_list, svc.engine, who, type_code=type, account_code=account, year=year,
        limit=paging.limit, offset=paging.offset,
    ))  # fmt: skip


@router.get("/transactions/{transaction_id}", response_model=TransactionDetail)
async def get_transaction(
    transaction_id: Annotated[int, Path(ge=1, le=MAX_ID)], who: Reader, svc: ServiceDep
) -> dict:
    found = await run_in_threadpool(views.transaction, svc.engine, who, transaction_id)
    if found is None:
        raise ApiError(404, "unknown_transaction", f"no transaction {transaction_id} that you "
                       "may read", "path.transaction_id")  # fmt: skip
    return found
