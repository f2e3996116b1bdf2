"""Bids and bid guarantees as records, read from CSV text with every problem located by line.

Bid file (UTF-8 CSV with a header; ``#`` lines are comments)::

    bidder,price_per_t,quantity_t
    KR-C001,25500,100000

``price_per_t`` is in the rulebook's currency (a decimal such as 25500 or 17.80);
``quantity_t`` is whole allowances. Guarantee file: ``bidder,guarantee`` with the amount
each bidder has lodged, in the same currency.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tanshi.core.issues import Issue

BID_COLUMNS = ("bidder", "price_per_t", "quantity_t")
GUARANTEE_COLUMNS = ("bidder", "guarantee")


@dataclass(frozen=True, slots=True)
class Bid:
    """One sealed bid: up to ``quantity_t`` allowances at ``price_per_t`` or less."""

    bid_id: str
    bidder: str
    price_per_t: Decimal
    quantity_t: int


def _rows(
    text: str, origin: str, columns: tuple[str, ...]
) -> tuple[list[tuple[int, dict[str, str]]], list[Issue]]:
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        return [], [
            Issue("empty_file", f"no header; the first line must be {','.join(columns)}", origin)
        ]
    reader = csv.reader(io.StringIO("\n".join(line for _, line in lines)))
    header = [cell.strip() for cell in next(reader)]
    if header != list(columns):
        return [], [
            Issue(
                "bad_header",
                f"the header is {','.join(header)}; write exactly {','.join(columns)}",
                f"{origin}:{lines[0][0]}",
            )
        ]
    rows = []
    issues = []
    for (number, _), cells in zip(lines[1:], reader, strict=False):
        if len(cells) != len(columns):
            issues.append(
                Issue(
                    "bad_row",
                    f"{len(cells)} fields; each row needs {len(columns)}: {','.join(columns)}",
                    f"{origin}:{number}",
                )
            )
            continue
        rows.append((number, dict(zip(columns, (cell.strip() for cell in cells), strict=True))))
    return rows, issues


def _decimal(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_bids(text: str, origin: str = "<bids>") -> tuple[list[Bid], list[Issue]]:
    """The bids of a bid file; every malformed row is an Issue and left out."""
    rows, issues = _rows(text, origin, BID_COLUMNS)
    bids = []
    for number, row in rows:
        where = f"{origin}:{number}"
        price = _decimal(row["price_per_t"])
        quantity = row["quantity_t"]
        problems = []
        if not row["bidder"]:
            problems.append(Issue("missing_bidder", "the bidder is empty", where))
        if price is None or price <= 0:
            problems.append(
                Issue(
                    "bad_price",
                    f"price_per_t '{row['price_per_t']}' is not a positive number",
                    where,
                )
            )
        if not quantity.isdigit() or int(quantity) <= 0:
            problems.append(
                Issue(
                    "bad_quantity", f"quantity_t '{quantity}' is not a whole number above 0", where
                )
            )
        issues.extend(problems)
        if not problems:
            assert price is not None
            bids.append(Bid(f"line-{number}", row["bidder"], price, int(quantity)))
    return bids, issues


def parse_guarantees(
    text: str, origin: str = "<guarantees>"
) -> tuple[dict[str, Decimal], list[Issue]]:
    """Bidder → amount lodged as bid guarantee."""
    rows, issues = _rows(text, origin, GUARANTEE_COLUMNS)
    guarantees: dict[str, Decimal] = {}
    for number, row in rows:
        amount = _decimal(row["guarantee"])
        where = f"{origin}:{number}"
        if amount is None or amount < 0:
            issues.append(
                Issue("bad_guarantee", f"guarantee '{row['guarantee']}' is not a number ≥ 0", where)
            )
        elif row["bidder"] in guarantees:
            issues.append(Issue("duplicate_guarantee", f"{row['bidder']} is listed twice", where))
        else:
            guarantees[row["bidder"]] = amount
    return guarantees, issues
