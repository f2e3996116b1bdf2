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

from tanshi.core.issues import FILE_LINE, Issue, Where

BID_COLUMNS = ("bidder", "price_per_t", "quantity_t")
GUARANTEE_COLUMNS = ("bidder", "guarantee")


@dataclass(frozen=True, slots=True)
class Bid:
    """One sealed bid: up to ``quantity_t`` allowances at ``price_per_t`` or less."""

    bid_id: str
    bidder: str
    price_per_t: Decimal
    quantity_t: int


# Where a problem is: a named file's line (core.issues.FILE_LINE, ``bids.csv:3``), or the line
# of bids or guarantees pasted into a form (no file name); patterns, so a page says them in
# its language.
BID_LINE = "bid line {line}"
GUARANTEE_LINE = "guarantee line {line}"
# A bid's id is the line it was read from (``line-15``): the clearing's notes are located at it.
BID_ID = "line-{line}"


def bid_line(bid_id: str) -> int | None:
    """The line a bid was read from, by its id (``line-15`` → 15); None for another id."""
    head, _, number = bid_id.partition("-")
    return int(number) if head == "line" and number.isdigit() else None


def _at(origin: str, columns: tuple[str, ...], line: int) -> Where:
    if origin:
        return Where.of(FILE_LINE, file=origin, line=line)
    if columns == GUARANTEE_COLUMNS:
        return Where.of(GUARANTEE_LINE, line=line)
    return Where.of(BID_LINE, line=line)


def _rows(
    text: str, origin: str, columns: tuple[str, ...]
) -> tuple[list[tuple[int, dict[str, str]]], list[Issue]]:
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    names = ",".join(columns)
    if not lines:
        return [], [
            Issue.of(
                "empty_file", "no header; the first line must be {columns}", origin, columns=names
            )
        ]
    reader = csv.reader(io.StringIO("\n".join(line for _, line in lines)))
    header = [cell.strip() for cell in next(reader)]
    if header != list(columns):
        return [], [
            Issue.of(
                "bad_header",
                "the header is {header}; write exactly {columns}",
                _at(origin, columns, lines[0][0]),
                header=",".join(header),
                columns=names,
            )
        ]
    rows = []
    issues = []
    for (number, _), cells in zip(lines[1:], reader, strict=False):
        if len(cells) != len(columns):
            issues.append(
                Issue.of(
                    "bad_row",
                    "{fields} fields; each row needs {count}: {columns}",
                    _at(origin, columns, number),
                    fields=len(cells),
                    count=len(columns),
                    columns=names,
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
        where = _at(origin, BID_COLUMNS, number)
        price = _decimal(row["price_per_t"])
        quantity = row["quantity_t"]
        problems = []
        if not row["bidder"]:
            problems.append(Issue.of("missing_bidder", "the bidder is empty", where))
        if price is None or price <= 0:
            problems.append(
                Issue.of(
                    "bad_price",
                    "price_per_t '{price}' is not a positive number",
                    where,
                    price=row["price_per_t"],
                )
            )
        if not quantity.isdigit() or int(quantity) <= 0:
            problems.append(
                Issue.of(
                    "bad_quantity",
                    "quantity_t '{quantity}' is not a whole number above 0",
                    where,
                    quantity=quantity,
                )
            )
        issues.extend(problems)
        if not problems:
            assert price is not None
            bids.append(Bid(BID_ID.format(line=number), row["bidder"], price, int(quantity)))
    return bids, issues


def parse_guarantees(
    text: str, origin: str = "<guarantees>"
) -> tuple[dict[str, Decimal], list[Issue]]:
    """Bidder → amount lodged as bid guarantee."""
    rows, issues = _rows(text, origin, GUARANTEE_COLUMNS)
    guarantees: dict[str, Decimal] = {}
    for number, row in rows:
        amount = _decimal(row["guarantee"])
        where = _at(origin, GUARANTEE_COLUMNS, number)
        if amount is None or amount < 0:
            issues.append(Issue.of("bad_guarantee", "guarantee '{guarantee}' is not a number ≥ 0",
                                   where, guarantee=row["guarantee"]))  # fmt: skip
        elif row["bidder"] in guarantees:
            issues.append(Issue.of("duplicate_guarantee", "{bidder} is listed twice", where,
                                   bidder=row["bidder"]))  # fmt: skip
        else:
            guarantees[row["bidder"]] = amount
    return guarantees, issues
