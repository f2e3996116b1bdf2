"""Scenario files: a rulebook preset, companies, dated steps and the outcome expected (YAML).

A scenario is a test a regulator or researcher can write without Python: it names a preset,
registers companies, runs dated steps (activity data, reports, production data, allocation
and true-up, trades, offsets, surrenders, compliance; verified emissions entered directly,
banking, borrowing, forced compliance, penalty choices) and lists what each company's
allocation, obligation, offsets used, shortfall, penalty, banking, borrowing and status must
be. Numbers are exact: YAML floats are read as Decimal. The format is documented in
docs/scenarios.md."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from tanshi.core.issues import Issue
from tanshi.mrv.activity import SourceKind

Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$")]
Quantity = Annotated[int, Field(gt=0)]
STATUSES = ("compliant", "non_compliant", "no_verified_emissions", "excluded")
STATUS_CODES = ("A", "B", "C", "excluded")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Company(_Model):
    code: Code
    name: str
    sector: str


class Activity(_Model):
    company: Code
    year: int
    kind: SourceKind
    subject: str
    quantity: Decimal
    unit: str


class Report(_Model):
    """Report and verify the emissions of every company with activity in ``years``."""

    years: Annotated[list[int], Field(min_length=1)]


class Trade(_Model):
    seller: Code
    buyer: Code
    quantity_t: Quantity
    unit_class: str
    # In the rulebook's currency (KRW, EUR…); the older key price_cny_per_t still reads.
    price_per_t: Decimal = Field(validation_alias=AliasChoices("price_per_t", "price_cny_per_t"))


class OffsetIssue(_Model):
    project: Code
    vintage: int
    quantity_t: Quantity
    labels: list[str] = Field(default_factory=list)  # e.g. [international] (K-ETS phase 2)


class OffsetTransfer(_Model):
    project: Code
    vintage: int
    to: Code
    quantity_t: Quantity


class Surrender(_Model):
    company: Code
    quantity_t: Quantity
    unit_class: str
    year: int


class UnitOutputRow(_Model):
    """A generating unit's verified year (benchmark_output): docs/allocation.md."""

    company: Code
    unit: Code
    year: int
    unit_class: str
    cooling: Literal["water", "air"] = "water"
    load_factor: Decimal = Decimal(1)
    heat_ratio: Decimal = Decimal(0)
    electricity_mwh: Decimal
    heat_gj: Decimal = Decimal(0)


class InstallationRow(_Model):
    """An installation's activity in one year (eu_benchmark): docs/allocation.md."""

    company: Code
    installation: Code
    benchmark: str
    year: int
    activity: Decimal
    leakage_exposed: bool = True
    cbam_good: bool = False


class Output(_Model):
    """Production data for the benchmark methods: generating units and installations."""

    units: list[UnitOutputRow] = Field(default_factory=list)
    installations: list[InstallationRow] = Field(default_factory=list)


class VerifiedEmissions(_Model):
    """Verified emissions entered directly for a company-year, with where they come from."""

    company: Code
    year: int
    tco2: Annotated[Decimal, Field(ge=0)]
    source: Annotated[str, Field(min_length=1)]


class Bank(_Model):
    """Carry allowances of ``from_year`` over to the next vintage (within the banking rule)."""

    company: Code
    from_year: int
    quantity_t: Quantity


class Borrow(_Model):
    """Borrow later allowances for ``year``'s obligation (within the borrowing rule)."""

    company: Code
    year: int
    quantity_t: Quantity


class ForcedCompliance(_Model):
    """The regulator surrenders what a company still owes for ``year`` from its account."""

    company: Code
    year: int


class PenaltyChoice(_Model):
    """The regulator's multiple or fine within the penalty rule's range for a company-year."""

    company: Code
    year: int
    value: Decimal


COMPLIANCE_ACTIONS = (
    "verified_emissions", "bank", "borrow", "forced_compliance", "penalty_choice",
)  # fmt: skip
ACTIONS = (
    "activity", "report", "allocate", "trade", "offsets_issue", "offsets_transfer",
    "surrender", "compliance", "output", "true_up", *COMPLIANCE_ACTIONS,
)  # fmt: skip


class Step(_Model):
    """One dated action; ``refused`` names the result code it must be refused with.

    ``at`` is a day (the step happens at noon in the jurisdiction's time zone) or an exact
    moment with its offset. (Not ``on``: YAML 1.1 reads that key as the boolean true.)
    """

    at: date | datetime
    refused: str | None = None
    activity: list[Activity] | None = None
    report: Report | None = None
    allocate: int | None = None
    trade: Trade | None = None
    offsets_issue: OffsetIssue | None = None
    offsets_transfer: OffsetTransfer | None = None
    surrender: Surrender | None = None
    compliance: int | None = None
    output: Output | None = None  # production data (benchmark allocation)
    true_up: int | None = None  # the true-up of a benchmark_output year
    verified_emissions: list[VerifiedEmissions] | None = None
    bank: Bank | None = None
    borrow: Borrow | None = None
    forced_compliance: ForcedCompliance | None = None
    penalty_choice: PenaltyChoice | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        given = [name for name in ACTIONS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a step does exactly one of {', '.join(ACTIONS)}; this one has "
                f"{', '.join(given) or 'none'}"
            )
        return self

    @property
    def action(self) -> str:
        return next(name for name in ACTIONS if getattr(self, name) is not None)


class Outcome(_Model):
    """What one company's year must come to; fields left out are not checked."""

    allocation_t: int | None = None
    verified_tco2: Decimal | None = None
    obligation_t: int | None = None
    surrendered_allowances_t: int | None = None
    offsets_used_t: int | None = None
    shortfall_t: int | None = None
    penalty_cny: Decimal | None = None
    deduction_next_year_t: int | None = None
    status: Literal["compliant", "non_compliant", "no_verified_emissions", "excluded"] | None = None
    # The compliance engine's fields: status code, penalty in the rulebook's currency,
    # allowances banked from and borrowed for the year, units still owed next year.
    status_code: Literal["A", "B", "C", "excluded"] | None = None
    penalty: Decimal | None = None
    banked_t: int | None = None
    borrowed_t: int | None = None
    still_owed_next_year_t: int | None = None
    # benchmark_output: what the pre-allocation gave and the true-up's net change (− taken back)
    preallocation_t: int | None = None
    true_up_t: int | None = None


class YearOutcome(_Model):
    year: int
    # The price in the rulebook's currency; the older key penalty_price_cny_per_t still reads.
    penalty_price_per_t: Decimal | None = Field(
        default=None,
        validation_alias=AliasChoices("penalty_price_per_t", "penalty_price_cny_per_t"),
    )
    companies: dict[Code, Outcome] = Field(default_factory=dict)


class Scenario(_Model):
    scenario: Code
    description: str = ""
    preset: str
    companies: Annotated[list[Company], Field(min_length=1)]
    steps: Annotated[list[Step], Field(min_length=1)]
    expect: list[YearOutcome] = Field(default_factory=list)

    @model_validator(mode="after")
    def _steps_in_time_order(self) -> Scenario:
        days = [s.at.date() if isinstance(s.at, datetime) else s.at for s in self.steps]
        for number, (before, after) in enumerate(pairwise(days), start=1):
            if after < before:
                raise ValueError(
                    f"steps run in the order written and must be in time order: steps[{number}] "
                    f"({after}) comes before steps[{number - 1}] ({before}); move it up"
                )
        return self

    @model_validator(mode="after")
    def _known_companies(self) -> Scenario:
        known = {company.code for company in self.companies}
        unknown = sorted({code for outcome in self.expect for code in outcome.companies} - known)
        if unknown:
            raise ValueError(f"expected outcomes name companies not registered: {unknown}")
        return self


class _ExactLoader(yaml.SafeLoader):
    """YAML's safe loader, reading floats as Decimal so no number passes through binary."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return Decimal(str(loader.construct_scalar(node)).replace("_", ""))


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def yaml_problem(error: yaml.YAMLError) -> str:
    """The parser's complaint on one line: its problem and column (the line is in the
    location), with what it was reading; PyYAML's own text spans lines and quotes the file."""
    problem = getattr(error, "problem", None)
    if not problem:
        return "not valid YAML: " + " ".join(str(error).split())
    mark = getattr(error, "problem_mark", None)
    column = f" at column {mark.column + 1}" if mark is not None else ""
    context = getattr(error, "context", None)
    reading = f" ({context})" if context else ""
    return f"not valid YAML{column}: {problem}{reading}; fix the syntax there"


def parse_scenario(text: str, origin: str = "scenario.yaml") -> tuple[Scenario | None, list[Issue]]:
    """The scenario in ``text``, or None and every problem found, each located by line."""
    try:
        data = yaml.load(text, Loader=_ExactLoader)  # a SafeLoader subclass
        root = yaml.compose(text, Loader=_ExactLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}" if mark is not None else origin
        return None, [Issue("yaml_invalid", yaml_problem(error), where)]
    if not isinstance(data, dict):
        return None, [Issue("scenario_invalid", "a scenario is a mapping of keys", origin)]
    try:
        return Scenario.model_validate(data), []
    except ValidationError as error:
        return None, [
            Issue(
                "scenario_invalid",
                f"{problem['msg']}",
                _locate(origin, root, problem["loc"]),
            )
            for problem in error.errors()
        ]


COMPANY_KEYS = frozenset({"company", "seller", "buyer", "to"})


def raw_preset(text: str) -> str | None:
    """The ``preset`` a scenario text names, even when the rest of it is invalid."""
    try:
        data = yaml.load(text, Loader=_ExactLoader)
    except yaml.YAMLError:
        return None
    preset = data.get("preset") if isinstance(data, dict) else None
    return preset if isinstance(preset, str) else None


def check_scenario(
    scenario: Scenario, text: str, origin: str, sectors: frozenset[str] | None
) -> list[Issue]:
    """Every problem a valid file can still have: a company registered twice, a sector not in
    the rulebook (``sectors``; None when the rulebook could not be read), a step naming a
    company that is not registered. Each is located by file line."""
    root = yaml.compose(text, Loader=_ExactLoader)
    issues: list[Issue] = []
    seen: set[str] = set()
    for number, company in enumerate(scenario.companies):
        if company.code in seen:
            issues.append(Issue("duplicate_company", f"company {company.code} is listed twice",
                                _locate(origin, root, ["companies", number, "code"])))  # fmt: skip
        seen.add(company.code)
        if sectors is not None and company.sector not in sectors:
            issues.append(Issue(
                "unknown_sector",
                f"sector {company.sector} is not in the rulebook; use one of {sorted(sectors)}",
                _locate(origin, root, ["companies", number, "sector"]),
            ))  # fmt: skip
    for number, step in enumerate(scenario.steps):
        for path, code in _company_refs(step.model_dump(exclude_none=True), [number]):
            if code not in seen:
                issues.append(Issue(
                    "unknown_company",
                    f"company {code} is not in the scenario's companies; register it there",
                    _locate(origin, root, ["steps", *path]),
                ))  # fmt: skip
    return issues


def _company_refs(value: Any, path: list[str | int]) -> list[tuple[list[str | int], str]]:
    """(path, code) of every company a step names (company, seller, buyer, to)."""
    found: list[tuple[list[str | int], str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in COMPANY_KEYS and isinstance(item, str):
                found.append(([*path, key], item))
            else:
                found.extend(_company_refs(item, [*path, key]))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_company_refs(item, [*path, index]))
    return found


def _locate(origin: str, root: Any, loc: Sequence[str | int]) -> str:
    """``file:line path`` for a pydantic error location, the line taken from the YAML node."""
    node, line = root, None
    for part in loc:
        found = None
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == str(part)), None)
            if found is None:  # a missing key: point at the mapping that lacks it
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            found = node.value[part] if part < len(node.value) else None
        if found is None:
            break
        node = found
    if node is not None:
        line = node.start_mark.line + 1
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    place = f"{origin}:{line}" if line else origin
    return f"{place} {path}" if path else place
