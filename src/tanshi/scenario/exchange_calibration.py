"""Calibration targets of the synthetic exchanges, parsed from a sourced CSV table."""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation

from tanshi.core.issues import Issue
from tanshi.market.tape import ClosingRule, Market

CONFIDENCES = frozenset({"V", "V3", "M", "assumption"})
COLUMNS = ("market", "quantity", "period", "value", "unit", "confidence", "source")
PILOTS = "pilots"  # the row applies to every pilot that does not give its own value


@dataclass(frozen=True, slots=True)
class Target:
    """One calibration figure with its unit, confidence tag and source."""

    market: str
    quantity: str
    period: str  # a year, or "all"
    value: str
    unit: str
    confidence: str
    source: str

    @property
    def number(self) -> Decimal:
        return Decimal(self.value)


@dataclass(frozen=True, slots=True)
class Calibration:
    """Every target, looked up by market, quantity and period."""

    targets: tuple[Target, ...]

    def find(self, market: Market, quantity: str, period: str = "all") -> Target | None:
        """The market's own target, else the pilots' shared one (for a pilot)."""
        for target in self.targets:
            if (target.market, target.quantity, target.period) == (market.code, quantity, period):
                return target
        if market.scope == "pilot":
            for target in self.targets:
                if (target.market, target.quantity, target.period) == (PILOTS, quantity, period):
                    return target
        return None

    def number(self, market: Market, quantity: str, period: str = "all") -> Decimal:
        found = self.find(market, quantity, period)
        assert found is not None, f"no calibration target {quantity} {period} for {market.code}"
        return found.number

    def by_year(self, market: Market, quantity: str) -> dict[int, Target]:
        """The market's targets of ``quantity`` for single years."""
        return {
            int(target.period): target
            for target in self.targets
            if target.market == market.code
            and target.quantity == quantity
            and target.period.isdigit()
        }

    def first_day(self, market: Market) -> date | None:
        """The market's first trading day, if the table names one."""
        for target in self.targets:
            if target.market == market.code and target.quantity == "first_trading_day":
                return date.fromisoformat(target.value)
        return None


def parse_calibration(text: str, origin: str) -> tuple[Calibration, list[Issue]]:
    """The targets of a calibration CSV and every problem in it (rows with problems are left out)."""
    reader = csv.DictReader(io.StringIO(text))
    issues: list[Issue] = []
    if tuple(reader.fieldnames or ()) != COLUMNS:
        issues.append(
            Issue("calibration_columns", f"the header must be {','.join(COLUMNS)}", f"{origin}:1")
        )
        return Calibration(()), issues
    targets = []
    for line, row in enumerate(reader, start=2):
        where = f"{origin}:{line}"
        if None in row:
            issues.append(
                Issue(
                    "calibration_fields", "more fields than columns: quote text with commas", where
                )
            )
            continue
        target = Target(*(row[column] or "" for column in COLUMNS))
        problems = []
        if target.confidence not in CONFIDENCES:
            problems.append(
                Issue(
                    "calibration_confidence",
                    f"confidence {target.confidence!r} is not one of {sorted(CONFIDENCES)}",
                    where,
                )
            )
        if not target.source.strip():
            problems.append(Issue("calibration_source", "every target needs a source", where))
        if target.unit != "date":
            try:
                Decimal(target.value)
            except InvalidOperation:
                problems.append(
                    Issue("calibration_value", f"{target.value!r} is not a number", where)
                )
        issues.extend(problems)
        if not problems:
            targets.append(target)
    return Calibration(tuple(targets)), issues


def parse_markets(text: str, origin: str) -> tuple[list[Market], list[Issue]]:
    """The markets of a markets CSV (code, names, exchange, product, time zone, source)."""
    reader = csv.DictReader(io.StringIO(text))
    markets, issues = [], []
    for line, row in enumerate(reader, start=2):
        where = f"{origin}:{line}"
        if None in row:
            issues.append(
                Issue("market_fields", "more fields than columns: quote text with commas", where)
            )
            continue
        if not (row.get("source") or "").strip() or not row.get("code"):
            issues.append(Issue("market_row", "every market needs a code and a source", where))
            continue
        if row.get("closing_rule") not in {rule.value for rule in ClosingRule}:
            issues.append(
                Issue(
                    "market_closing_rule",
                    f"closing_rule {row.get('closing_rule')!r} is not one of "
                    f"{[rule.value for rule in ClosingRule]}",
                    where,
                )
            )
            continue
        sessions = parse_sessions(row.get("sessions") or "")
        if sessions is None:
            issues.append(
                Issue(
                    "market_sessions",
                    f"sessions {row.get('sessions')!r} must read like 09:30-11:30 13:00-15:00",
                    where,
                )
            )
            continue
        markets.append(
            Market(
                code=row["code"],
                scope=row["scope"],
                name_en=row["name_en"],
                name_zh=row["name_zh"],
                exchange_en=row["exchange_en"],
                exchange_zh=row["exchange_zh"],
                product=row["product"],
                time_zone=row["time_zone"],
                sessions=sessions,
                closing_rule=ClosingRule(row["closing_rule"]),
                listed_max_t=int(row["listed_max_t"]) if row["listed_max_t"] else None,
                block_min_t=int(row["block_min_t"]) if row["block_min_t"] else None,
                source=row["source"],
            )
        )
    return markets, issues


def parse_sessions(text: str) -> tuple[tuple[time, time], ...] | None:
    """ "09:30-11:30 13:00-15:00" as opening and closing times; None if unreadable or unordered."""
    sessions = []
    try:
        for part in text.split():
            opening, closing = part.split("-")
            sessions.append((time.fromisoformat(opening), time.fromisoformat(closing)))
    except ValueError:
        return None
    moments = [moment for session in sessions for moment in session]
    if not sessions or any(b <= a for a, b in itertools.pairwise(moments)):
        return None
    return tuple(sessions)
