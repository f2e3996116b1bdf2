"""What the registry publishes, and when: the public transaction log's delay and fields."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, StringConstraints, field_validator

from tanshi.rulebook.records import Ruled

# Account kinds as the registry names them (registry/accounts.py AccountKind); the rulebook
# cannot import the registry, so the names are repeated here and a test keeps them equal.
AccountKindName = Literal[
    "issuance", "jurisdiction_holding", "operator_holding", "trading", "exchange_clearing",
    "project", "surrender", "cancellation", "deletion", "reserve_new_entrant",
    "reserve_market_stability", "reserve_auction", "frozen_units",
]  # fmt: skip
MonthDay = Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$")]


class PublicationRule(Ruled):
    """The public transaction log: the transactions booked before ``release_month_day`` of
    a year are published on that day ``transaction_log_delay_years`` later (EU: booked by
    30 April, published on 1 May three years later). The rule in force in the year of
    publication applies. Each published line gives the transaction's number, type and
    completion time, the transferring and acquiring accounts with their holders' names, the
    unit class and the quantity, never serial numbers. Transactions between two accounts of
    the kinds in ``transaction_log_hidden_between`` (the regulator's own accounts) are not
    published."""

    transaction_log_delay_years: Annotated[int, Field(ge=0, le=10)]
    transaction_log_release_month_day: MonthDay
    transaction_log_hidden_between: tuple[AccountKindName, ...] = ()
    # An IANA name; None: the jurisdiction's own zone ([rulebook] timezone).
    transaction_log_display_timezone: str | None = None

    @field_validator("transaction_log_display_timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone '{value}'; use an IANA name such as Europe/Brussels"
            ) from error
        return value

    @field_validator("transaction_log_release_month_day")
    @classmethod
    def _real_day(cls, value: str) -> str:
        month, day = (int(part) for part in value.split("-"))
        try:
            date(2001, month, day)  # a common year: 29 February is not a day of every year
        except ValueError as error:
            raise ValueError(
                f"'{value}' is not a day of every year; write MM-DD, e.g. 05-01"
            ) from error
        return value

    def _release_day(self, year: int) -> date:
        month, day = (int(part) for part in self.transaction_log_release_month_day.split("-"))
        return date(year, month, day)

    def published_before(self, today: date) -> date:
        """Transactions booked before this day (in the jurisdiction's time) are public on
        ``today``: the release day of the latest year whose publication day has come."""
        year = today.year - self.transaction_log_delay_years
        if today < self._release_day(today.year):
            year -= 1
        return self._release_day(year)

    def next_release(self, today: date) -> date:
        """The next publication day after ``today``."""
        this_year = self._release_day(today.year)
        return this_year if today < this_year else self._release_day(today.year + 1)
