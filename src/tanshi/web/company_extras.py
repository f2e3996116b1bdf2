"""What the company page shows beside holdings and compliance: its facilities, its allocation
of the year (free and won at auction), the auctions it won in, and its cash at the exchange."""

from __future__ import annotations

from typing import Any

from tanshi.api.context import Service
from tanshi.core.errors import TanshiError
from tanshi.services import allocation_desk, auction_reads, cash_reads, facilities
from tanshi.services.jurisdiction import Jurisdiction, operator_account_code
from tanshi.services.principals import Principal
from tanshi.web.cash import yuan


def company_extras(
    svc: Service, me: Principal, company: str, place: Jurisdiction, year: int | None
) -> dict[str, Any]:
    """Template values for ``_company_more.html`` (each part empty when there is nothing).

    The caller has checked that ``me`` may see ``company`` (its own, or a regulator's).
    """
    allocated = None
    if year:
        try:
            _stage, rows = allocation_desk.by_company(svc.engine, place, year)
            allocated = next((row for row in rows if row["company"] == company), None)
        except TanshiError:
            allocated = None
    won = auction_reads.awards_of(svc.engine, company)
    cash = cash_reads.cash_account_list(
        svc.engine, me, registry_account=operator_account_code(place.code, company), limit=1
    ).items
    return {"facilities": facilities.facilities_of(svc.engine, company), "allocated": allocated,
            "won": won, "cash": cash[0] if cash else None, "yuan": yuan}  # fmt: skip
