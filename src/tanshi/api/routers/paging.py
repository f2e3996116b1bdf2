"""Limit and offset on every list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from tanshi.api.models import MAX_PAGE
from tanshi.services.views import Page as ViewPage


@dataclass(frozen=True, slots=True)
class Paging:
    limit: int
    offset: int


async def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="rows per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9, description="rows to skip")] = 0,
) -> Paging:
    return Paging(limit, offset)


PagingDep = Annotated[Paging, Depends(paging)]


def page_body(page: ViewPage) -> dict:
    return {"items": page.items, "total": page.total, "limit": page.limit,
            "offset": page.offset, "next_offset": page.next_offset}  # fmt: skip
