"""Emission-calculation parameters with provenance, and their unambiguous resolution."""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from tanshi.core.issues import FILE_LINE, Issue, Where

COLUMNS = (
    "regime",
    "document",
    "clause",
    "parameter",
    "subject",
    "value",
    "unit",
    "year_from",
    "year_to",
    "status",
    "confidence",
    "source",
)


# V primary text read; V3 secondary source only; M unconfirmed (from memory); D derived by
# arithmetic (molar masses); reconstructed: stoichiometry or IPCC defaults standing in for a
# guideline not yet read; assumption: a fictional jurisdiction's choice.
CONFIDENCE_TAGS = frozenset({"V", "V3", "M", "D", "reconstructed", "assumption"})


class ParameterStatus(enum.StrEnum):
    OFFICIAL = "official"
    DRAFT = "draft"
    SUPERSEDED = "superseded"


# Where a parameter that cannot be resolved was asked for (a page says it in its language).
PARAMETER_OF = "{parameter} of {subject} for {year} in {regimes}"


@dataclass(frozen=True, slots=True)
class Parameter:
    """One published value, e.g. the default NCV of anthracite in the 2006 IPCC Guidelines.

    Attributes:
      regime: the family of rules it belongs to, e.g. ``IPCC-2006`` or ``CN-ETS``.
      document: the title or number of the text that publishes it.
      clause: the table or clause in that document, e.g. ``Table 1.2``.
      parameter: what it is: ``ncv``, ``ef_co2``, ``ef_grid``, ...
      subject: what it is about: a fuel, a grid region, a unit class, a gas.
      value: the exact value as printed.
      unit: the unit of ``value``, e.g. ``GJ/t``, ``kgCO2/TJ``, ``tCO2/MWh``.
      year_from, year_to: the reporting years it applies to, inclusive.
      status: only ``official`` values are used in calculations.
      confidence: one of ``CONFIDENCE_TAGS`` (V primary, V3 secondary, M unconfirmed, ...).
      source: where the value was checked.
    """

    regime: str
    document: str
    clause: str
    parameter: str
    subject: str
    value: Decimal
    unit: str
    year_from: int
    year_to: int
    status: ParameterStatus
    confidence: str
    source: str

    @property
    def key(self) -> str:
        """A readable identity: ``IPCC-2006/ncv/anthracite/2006-2099``."""
        return f"{self.regime}/{self.parameter}/{self.subject}/{self.year_from}-{self.year_to}"

    def applies(self, year: int) -> bool:
        return self.status is ParameterStatus.OFFICIAL and self.year_from <= year <= self.year_to


def parse_parameter_table(text: str, origin: str) -> tuple[list[Parameter], list[Issue]]:
    """Read a parameter CSV (header ``COLUMNS``); returns the good rows and every problem."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        return [], [
            Issue.of(
                "parameter_table_header",
                "the header must be: {columns}",
                origin,
                columns=",".join(COLUMNS),
            )
        ]
    parameters: list[Parameter] = []
    issues: list[Issue] = []
    for line, row in enumerate(reader, start=2):
        where = Where.of(FILE_LINE, file=origin, line=line)
        missing = [name for name in COLUMNS if not (row.get(name) or "").strip()]
        if missing:
            issues.append(
                Issue.of(
                    "parameter_field_missing", "empty fields: {missing}", where, missing=missing
                )
            )
            continue
        try:
            value = Decimal(row["value"])
            year_from, year_to = int(row["year_from"]), int(row["year_to"])
            status = ParameterStatus(row["status"])
            if row["confidence"] not in CONFIDENCE_TAGS:
                raise ValueError(f"confidence must be one of {sorted(CONFIDENCE_TAGS)}")
        except (InvalidOperation, ValueError) as error:
            issues.append(
                Issue.of(
                    "parameter_field_invalid", "cannot read the row: {error}", where, error=error
                )
            )
            continue
        parameters.append(
            Parameter(
                regime=row["regime"],
                document=row["document"],
                clause=row["clause"],
                parameter=row["parameter"],
                subject=row["subject"],
                value=value,
                unit=row["unit"],
                year_from=year_from,
                year_to=year_to,
                status=status,
                confidence=row["confidence"],
                source=row["source"],
            )
        )
    return parameters, issues


@dataclass(frozen=True, slots=True)
class ParameterTable:
    """Every parameter known to a deployment; resolution picks exactly one or says why not."""

    parameters: tuple[Parameter, ...]
    # Resolutions already made; the table is immutable, so an answer never changes.
    _memo: dict[tuple[object, ...], Parameter | Issue] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def of(cls, parameters: Iterable[Parameter]) -> ParameterTable:
        return cls(tuple(parameters))

    def resolve(
        self,
        regimes: Sequence[str],
        year: int,
        subject: str,
        parameter: str,
        unit_denominator: str | None = None,
    ) -> Parameter | Issue:
        """The one official value for (regimes, year, subject, parameter).

        ``unit_denominator`` narrows the choice to values per that unit (``t`` picks
        ``GJ/t`` over ``GJ/10^4Nm3``). Two candidates are an ambiguity, reported as an
        Issue: the table must be fixed, never "the most recent wins".
        """
        key = (tuple(regimes), year, subject, parameter, unit_denominator)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._resolve(*key)
        return found

    def _resolve(
        self,
        regimes: Sequence[str],
        year: int,
        subject: str,
        parameter: str,
        unit_denominator: str | None,
    ) -> Parameter | Issue:
        candidates = [
            item
            for item in self.parameters
            if item.regime in regimes
            and item.subject == subject
            and item.parameter == parameter
            and item.applies(year)
            and (unit_denominator is None or item.unit.endswith(f"/{unit_denominator}"))
        ]
        where = Where.of(PARAMETER_OF, parameter=parameter, subject=subject, year=year,
                         regimes=list(regimes))  # fmt: skip
        if not candidates:
            per = f" per {unit_denominator}" if unit_denominator else ""
            return Issue.of(
                "parameter_not_found",
                "no official {parameter}{per} for {subject} "
                "in {year}; add it to the parameter table or report the activity in "
                "a unit that has one",
                where,
                parameter=parameter,
                per=per,
                subject=subject,
                year=year,
            )
        if len(candidates) > 1:
            keys = ", ".join(item.key for item in candidates)
            return Issue.of(
                "parameter_ambiguous",
                "{count} official values apply ({keys}); mark "
                "all but one superseded or narrow their years",
                where,
                count=len(candidates),
                keys=keys,
            )
        return candidates[0]
