"""Trade records as CSV text, both ways; a leading ``#`` line labels where the data came from."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from tanshi.core.issues import Issue
from tanshi.market.bars import Bar
from tanshi.market.tape import TradeKind, TradeRecord, check_trade_record

COLUMNS = ("exchange", "product", "traded_at", "price_cny_per_t", "quantity_t", "kind")


def to_csv(trades: Iterable[TradeRecord], label: str = "") -> str:
    """CSV text with a header; ``label`` (e.g. "synthetic ...") becomes a leading # line."""
    buffer = io.StringIO()
    if label:
        buffer.write(f"# {label}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for trade in trades:
        writer.writerow(
            (
                trade.exchange,
                trade.product,
                trade.traded_at.isoformat(),
                f"{trade.price_cny_per_t:.2f}",
                trade.quantity_t,
                trade.kind.value,
            )
        )
    return buffer.getvalue()


def label_of(text: str) -> str:
    """The text of the leading # lines (empty when there are none)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def parse_csv(text: str, origin: str) -> tuple[list[TradeRecord], list[Issue]]:
    """The trades of a CSV and every problem, each located by line; bad rows are left out."""
    lines = text.splitlines()
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        skipped += 1
    reader = csv.DictReader(io.StringIO("\n".join(lines[skipped:])))
    header = tuple(reader.fieldnames or ())
    if not set(COLUMNS) <= set(header):
        missing = ", ".join(column for column in COLUMNS if column not in header)
        return [], [
            Issue(
                "trade_csv_columns",
                f"the header lacks {missing}; it needs {','.join(COLUMNS)}",
                f"{origin}:{skipped + 1}",
            )
        ]
    trades, issues = [], []
    kinds = {kind.value for kind in TradeKind}
    for number, row in enumerate(reader, start=skipped + 2):
        where = f"{origin}:{number}"
        problems = []
        try:
            moment = datetime.fromisoformat(row["traded_at"] or "")
        except ValueError:
            problems.append(
                Issue(
                    "time_unreadable",
                    f"{row['traded_at']!r} is not an ISO time like 2017-09-08T10:30:00+08:00",
                    where,
                )
            )
        try:
            price = Decimal(row["price_cny_per_t"] or "")
        except InvalidOperation:
            problems.append(
                Issue("price_unreadable", f"{row['price_cny_per_t']!r} is not a number", where)
            )
        quantity_text = (row["quantity_t"] or "").strip()
        if not quantity_text.lstrip("-").isdigit():
            problems.append(
                Issue(
                    "quantity_unreadable",
                    f"{quantity_text!r} is not a whole number of tonnes",
                    where,
                )
            )
        if row["kind"] not in kinds:
            problems.append(
                Issue("kind_unknown", f"kind {row['kind']!r} is not one of {sorted(kinds)}", where)
            )
        if problems:
            issues.extend(problems)
            continue
        record = TradeRecord(
            row["exchange"] or "",
            row["product"] or "",
            moment,
            price,
            int(quantity_text),
            TradeKind(row["kind"]),
        )
        found = check_trade_record(record, where)
        issues.extend(found)
        if not found:
            trades.append(record)
    return trades, issues


BAR_COLUMNS = (
    "exchange",
    "product",
    "interval",
    "start",
    "open",
    "high",
    "low",
    "close",
    "volume_t",
    "turnover_cny",
    "vwap",
    "trades",
    "listed_t",
    "block_t",
    "otc_t",
)


def bars_to_csv(bars: Iterable[Bar], label: str = "") -> str:
    """Bars as CSV text; prices are empty where no price-forming trade happened."""
    buffer = io.StringIO()
    if label:
        buffer.write(f"# {label}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(BAR_COLUMNS)
    for bar in bars:
        prices = (bar.open, bar.high, bar.low, bar.close, bar.vwap)
        shown = ["" if price is None else f"{price:.2f}" for price in prices]
        writer.writerow(
            (
                bar.exchange,
                bar.product,
                bar.interval.value,
                bar.start.isoformat(),
                *shown[:4],
                bar.volume_t,
                f"{bar.turnover_cny:.2f}",
                shown[4],
                bar.trade_count,
                bar.listed_volume_t,
                bar.block_volume_t,
                bar.otc_volume_t,
            )
        )
    return buffer.getvalue()
