"""Methodology inputs as long-format rows: read, unit-converted and checked, errors as data.

One row is one measured value: ``facility, year, month, source, subject, input, amount,
unit``. The shell reads CSV or Excel into ``(row number, {column: text})`` pairs; this
module converts each amount to the unit the methodology declares and reports every problem
with its file, row and column, all at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from tanshi.core.issues import FILE_LINE, Issue, Where
from tanshi.mrv.units import conversion_factor

COLUMNS = ("facility", "year", "month", "source", "subject", "input", "amount", "unit")
REQUIRED_COLUMNS = ("facility", "year", "input", "amount", "unit")


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One input a methodology reads.

    Attributes:
      name: the ``input`` column value, e.g. ``fuel_consumed``.
      units: the units it is kept in; a row's unit is converted to the first one of the
        same kind (coal in ``t``, gas in ``10^4Nm3``).
      description: what it is, for ``tanshi mrv methods`` and the docs.
      per: ``source-month``, ``source`` or ``facility`` — the level it is reported at.
      required: whether a facility-year without it is an error.
    """

    name: str
    units: tuple[str, ...]
    description: str
    per: str = "source-month"
    required: bool = False


@dataclass(frozen=True, slots=True)
class InputValue:
    """One converted value; ``amount`` is exact and in ``unit`` (one of the spec's units).

    ``where`` says where the value was read; ``at``, when set, is the same location as a
    pattern (``core.issues.Where``), so that a page says a problem found there in its
    language. ``at`` is not compared and not kept in snapshots (``where`` is).
    """

    facility: str
    year: int
    month: int | None
    source: str
    subject: str
    name: str
    amount: Decimal
    unit: str
    where: str
    at: Where | None = field(default=None, compare=False)

    @property
    def place(self) -> str | Where:
        """Where the value is, as a problem found there is located (``Issue.of``)."""
        return self.at if self.at is not None else self.where


@dataclass(frozen=True, slots=True)
class FacilityInputs:
    """Every value of one facility-year, in file order."""

    facility: str
    year: int
    values: tuple[InputValue, ...]

    def named(self, name: str) -> list[InputValue]:
        return [value for value in self.values if value.name == name]


def _convert(
    amount: Decimal, unit: str, spec: InputSpec, where: str
) -> tuple[Decimal, str] | Issue:
    last: Issue | None = None
    for target in spec.units:
        factor = conversion_factor(unit, target, where)
        if not isinstance(factor, Issue):
            return amount * factor if factor != 1 else amount, target
        if factor.code != "unit_dimension":
            return factor
        last = factor
    assert last is not None
    return Issue(
        "unit_dimension",
        f"'{unit}' cannot be converted to any unit of {spec.name} ({', '.join(spec.units)})",
        where,
    )


def read_rows(
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    origin: str,
    specs: Mapping[str, InputSpec],
    year_wanted: int | None = None,
) -> tuple[list[InputValue], list[Issue]]:
    """Every row converted to its input's unit, and every problem found, located by column.

    With ``year_wanted``, a row of another year is an ``input_year`` error.
    """
    values: list[InputValue] = []
    issues: list[Issue] = []
    seen: dict[tuple[str, int, int | None, str, str, str], int] = {}
    for line, raw in rows:
        cells = {column: (raw.get(column) or "").strip() for column in COLUMNS}
        cell = cells.__getitem__

        def at(column: str, line: int = line) -> str:
            return f"{origin}:{line} {column}"

        row_issues: list[Issue] = []
        for column in REQUIRED_COLUMNS:
            if not cell(column):
                row_issues.append(Issue("input_field_missing", f"{column} is empty", at(column)))
        name = cell("input")
        spec = specs.get(name)
        if name and spec is None:
            row_issues.append(
                Issue(
                    "input_unknown",
                    f"'{name}' is not an input of this methodology; known: {', '.join(specs)}",
                    at("input"),
                )
            )
        year = _integer(cell("year"), at("year"), row_issues)
        if year is not None and year_wanted is not None and year != year_wanted:
            row_issues.append(
                Issue(
                    "input_year",
                    f"year {year} differs from the year computed ({year_wanted})",
                    at("year"),
                )
            )
        month: int | None = None
        if cell("month"):
            month = _integer(cell("month"), at("month"), row_issues)
            if month is not None and not 1 <= month <= 12:
                row_issues.append(Issue("input_month", "month must be 1 to 12", at("month")))
        amount: Decimal | None = None
        if cell("amount"):
            try:
                # A comma is refused, not stripped: "1,5" is 1.5 in much of the world.
                amount = Decimal(cell("amount")) if "," not in cell("amount") else None
                if amount is None or not amount.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                row_issues.append(
                    Issue(
                        "input_amount",
                        f"'{cell('amount')}' is not a number; write digits with a decimal "
                        "point and no thousands separators, e.g. 1234.5",
                        at("amount"),
                    )
                )
                amount = None
        if amount is not None and amount < 0:
            row_issues.append(
                Issue("input_negative", f"{amount} is negative; amounts are ≥ 0", at("amount"))
            )
        converted: tuple[Decimal, str] | Issue | None = None
        if spec is not None and amount is not None and cell("unit"):
            converted = _convert(amount, cell("unit"), spec, at("unit"))
            if isinstance(converted, Issue):
                row_issues.append(converted)
        if row_issues or year is None or spec is None or not isinstance(converted, tuple):
            issues.extend(row_issues)
            continue
        key = (cell("facility"), year, month, cell("source"), cell("subject"), name)
        if key in seen:
            issues.append(
                Issue(
                    "input_duplicate",
                    f"the same value is also given in row {seen[key]}; keep one row",
                    at("input"),
                )
            )
            continue
        seen[key] = line
        values.append(
            InputValue(
                facility=key[0],
                year=year,
                month=month,
                source=key[3],
                subject=key[4],
                name=name,
                amount=converted[0],
                unit=converted[1],
                where=f"{origin}:{line}",
                at=Where.of(FILE_LINE, file=origin, line=line),
            )
        )
    return values, issues


def _integer(text: str, where: str, issues: list[Issue]) -> int | None:
    if not text:
        return None
    try:
        return int(text.removesuffix(".0"))
    except ValueError:
        issues.append(Issue("input_integer", f"'{text}' is not a whole number", where))
        return None


def by_facility_year(values: Iterable[InputValue]) -> list[FacilityInputs]:
    """Values grouped by (facility, year), in order of first appearance."""
    groups: dict[tuple[str, int], list[InputValue]] = defaultdict(list)
    for value in values:
        groups[value.facility, value.year].append(value)
    return [
        FacilityInputs(facility, year, tuple(items)) for (facility, year), items in groups.items()
    ]
