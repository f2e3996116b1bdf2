"""The rulebook of a jurisdiction as typed, immutable records validated by pydantic.

Every rule carries the years it is in force (``valid_from``..``valid_to``), a ``source``
citing the text it comes from and a ``confidence`` tag saying how sure that citation is.
"""

from __future__ import annotations

import enum
from datetime import date, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, StringConstraints, field_validator

from tanshi.rulebook.allocation_rules import (  # noqa: F401 - re-exported
    CAPPED_METHODS,
    AllocationRule,
    AuctionShareRule,
    BenchmarkOutputRule,
    BenchmarkRule,
    EuBenchmarkRule,
    GeneratingUnitKind,
    GrandfatheringRule,
    LoadBand,
)
from tanshi.rulebook.flexibility_rules import (  # noqa: F401 - re-exported
    AnyPenaltyRule,
    BankingRule,
    BorrowingRule,
    FixedPenaltyRule,
    LumpSumPenaltyRule,
    ObligationLimitRule,
    PenaltyRule,
    PriceWindow,
)
from tanshi.rulebook.publication_rules import PublicationRule
from tanshi.rulebook.records import (  # noqa: F401 - re-exported
    Bounded,
    Code,
    Confidence,
    Record,
    Ruled,
    Share,
    Sourced,
    Text,
    Year,
)
from tanshi.rulebook.supply_rules import (
    AuctionRule,
    CapRule,
    PhaseRule,
    ReserveRule,
)


class UnitKind(enum.StrEnum):
    """Allowances are issued under a cap; credits (offsets, carbon-inclusive credits) by projects."""

    ALLOWANCE = "allowance"
    OFFSET = "offset"  # e.g. CCER
    CARBON_INCLUSIVE_CREDIT = "carbon_inclusive_credit"  # 碳普惠, e.g. Guangdong PHCER

    @property
    def is_credit(self) -> bool:
        """Credits come from a project and may count as offsets in surrender."""
        return self is not UnitKind.ALLOWANCE


class Header(Record):
    """What the rulebook is: identity and version of the jurisdiction's rules."""

    id: Code
    name: Text
    version: Text
    jurisdiction: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,6}$")]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    timezone: Text = "Asia/Shanghai"
    fictional: bool = False
    description: Text

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown time zone '{value}'; use an IANA name such as Asia/Shanghai"
            ) from error
        return value


class UnitType(Sourced):
    """A kind of unit the registry holds, e.g. the jurisdiction's allowance or offset."""

    code: Code
    kind: UnitKind
    name: Text


class Sector(Bounded):
    """A covered sector, in the years it is covered (every year when it gives none)."""

    code: Code
    name: Text


class CompliancePeriodRule(Ruled):
    """How long a compliance period lasts and when units must be surrendered."""

    period_years: Annotated[int, Field(ge=1, le=10)]
    surrender_deadline_month_day: Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$")]
    deadline_years_after_period: Annotated[int, Field(ge=0, le=3)]
    allowance_unit_type: Code
    obligation_rounding: Literal["half_up", "up", "down"]
    surrender_reversal_window_days: Annotated[int, Field(ge=0, le=365)] = 0  # 0: no reversal

    @field_validator("surrender_deadline_month_day")
    @classmethod
    def _real_day(cls, value: str) -> str:
        month, day = (int(part) for part in value.split("-"))
        try:
            date(2001, month, day)  # a common year: 29 February would not exist every year
        except ValueError as error:
            raise ValueError(
                f"'{value}' is not a day of every year; write MM-DD, e.g. 06-30"
            ) from error
        return value

    def surrender_deadline(self, period_end_year: int) -> date:
        month, day = (int(part) for part in self.surrender_deadline_month_day.split("-"))
        return date(period_end_year + self.deadline_years_after_period, month, day)


class OffsetRule(Ruled):
    """Which offsets count in surrender, and how many at most."""

    cap_share_of_obligation: Share
    eligible_unit_types: Annotated[tuple[Code, ...], Field(min_length=1)]
    # Of the cap above, the most that international credits may cover (K-ETS phase 2: 5%).
    international_max_share_of_obligation: Share | None = None


class MrvRule(Ruled):
    """How emissions are monitored, calculated and verified."""

    # a rulebook methodology, or a calculation method regime:methodology[:version]
    methodology: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.:+-]{0,79}$")]
    parameter_regimes: Annotated[tuple[Code, ...], Field(min_length=1)]
    grid_region: Code
    # accept_reported: the calculated figure is taken as verified (history, base years);
    # verification_body: the verification workflow (docs/verification.md) decides it.
    verification: Literal["accept_reported", "verification_body"]


Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class RegistryRule(Ruled):
    """Security controls of the registry: business hours, delays, trusted lists, limits."""

    business_hours_start: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")]
    business_hours_end: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")]
    business_days: Annotated[tuple[Annotated[int, Field(ge=1, le=7)], ...], Field(min_length=1)]
    holidays: tuple[date, ...] = ()
    # A transfer to an untrusted account waits either a number of hours (EU until 2020: 26)
    # or until a time of day on a later working day (EU since 2021: 12:00 of the next working
    # day if approved before 12:00, else of the second); exactly one of the two is given.
    untrusted_transfer_delay_hours: Annotated[int, Field(ge=0, le=240)] | None = None
    untrusted_transfer_release_time: Clock | None = None
    trusted_list_activation_working_days: Annotated[int, Field(ge=0, le=30)]
    trusted_list_activation_time: Clock | None = None  # default: the opening
    daily_limit_units: Annotated[int, Field(gt=0)] | None = None
    # What happens to a proposal or approval made while the registry is closed: "queue" (EU
    # Reg. 2019/1122 Art. 35(2); the UK registry shifts it to the next working start) waits
    # for the next opening, "refuse" answers outside_business_hours. No default: each
    # jurisdiction's rule states its own, citing it in ``source``.
    out_of_hours: Literal["queue", "refuse"]
    # Accounts with the same holder trust each other without a list entry (EU Art. 23(2)).
    same_holder_trusted: bool = False
    # An account holder may declare that transfers to its trusted list need no second
    # approval (EU Art. 20(4)); without it every transfer needs one.
    second_approval_waiver: bool = False
    # Who takes an account off a trusted list: one representative, at once (tanshi's rule
    # before this switch), or one proposes and a second confirms, executed at once on the
    # confirmation (EU Reg. 2019/1122 Art. 23(4): every change is initiated and approved by
    # two representatives). Each rule cites its choice in ``source``.
    trusted_list_removal: Literal["one_representative", "two_representatives"] = (
        "one_representative"
    )
    # Whether an account's representatives may set its own limit of units per transfer, and
    # who confirms each change one of them proposes (it counts from the confirmation):
    # "not_offered"; "two_representatives" (a different representative); "regulator" (the
    # regulator of the account's jurisdiction, its national administrator); or
    # "representative_or_regulator" (either; EU Reg. 2019/1122 Art. 23(3b)).
    account_transaction_limits: Literal[
        "not_offered", "two_representatives", "regulator", "representative_or_regulator"
    ] = "not_offered"
    # Above this many units a transfer may only go to an account its source trusts (EU
    # Art. 23(3a): a threshold the central administrator may set); None: no such threshold.
    untrusted_transfer_max_units: Annotated[int, Field(gt=0)] | None = None
    # An account's own limit may not be set above ``untrusted_transfer_max_units`` (the EU
    # registry "does not allow the account holder to set account limits higher than those
    # set by central or national administrator", per a national administrator's notice).
    account_limit_at_most_threshold: bool = False

    def opening(self) -> time:
        return time.fromisoformat(self.business_hours_start)

    def closing(self) -> time:
        return time.fromisoformat(self.business_hours_end)

    def release_clock(self) -> time | None:
        text = self.untrusted_transfer_release_time
        return None if text is None else time.fromisoformat(text)

    def activation_clock(self) -> time:
        text = self.trusted_list_activation_time
        return self.opening() if text is None else time.fromisoformat(text)


class Rulebook(Record):
    """A jurisdiction's rules, as loaded from one rulebook file."""

    rulebook: Header
    unit_types: Annotated[tuple[UnitType, ...], Field(min_length=1)]
    sectors: Annotated[tuple[Sector, ...], Field(min_length=1)]
    compliance: Annotated[tuple[CompliancePeriodRule, ...], Field(min_length=1)]
    phase: tuple[PhaseRule, ...] = ()
    cap: tuple[CapRule, ...] = ()
    reserve: tuple[ReserveRule, ...] = ()
    allocation: Annotated[tuple[AllocationRule, ...], Field(min_length=1)]
    benchmark: tuple[BenchmarkRule, ...] = ()
    auction_share: tuple[AuctionShareRule, ...] = ()
    auction: tuple[AuctionRule, ...] = ()
    offsets: tuple[OffsetRule, ...] = ()
    banking: tuple[BankingRule, ...] = ()
    borrowing: tuple[BorrowingRule, ...] = ()
    obligation_limits: tuple[ObligationLimitRule, ...] = ()
    penalty: Annotated[tuple[AnyPenaltyRule, ...], Field(min_length=1)]
    mrv: Annotated[tuple[MrvRule, ...], Field(min_length=1)]
    registry: tuple[RegistryRule, ...] = ()
    publication: tuple[PublicationRule, ...] = ()
