"""Production data that benchmark allocation multiplies, read from CSV text and checked.

Two files, one row per item and year (docs/allocation.md has the format):

    generating units (China power):  company, unit, year, unit_class, cooling, load_factor,
                                     heat_ratio, electricity_mwh, heat_gj
    installations (EU):              company, installation, benchmark, year, activity,
                                     leakage_exposed, cbam_good

Every problem of every row is returned at once, located as ``file:line column``. Storage
keeps quantities in thousandths (MWh, GJ, t, TJ) and ratios in millionths, so a value
finer than that is refused rather than silently rounded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from tanshi.core.issues import Issue
from tanshi.rulebook.model import BenchmarkRule

UNIT_COLUMNS = (
    "company", "unit", "year", "unit_class", "cooling", "load_factor", "heat_ratio",
    "electricity_mwh", "heat_gj",
)  # fmt: skip
INSTALLATION_COLUMNS = (
    "company", "installation", "benchmark", "year", "activity", "leakage_exposed", "cbam_good",
)  # fmt: skip
QUANTITY_PLACES = 3  # thousandths of a MWh, GJ, t or TJ
RATIO_PLACES = 6  # millionths of a load factor or heat ratio
COOLING = ("water", "air")


@dataclass(frozen=True, slots=True)
class UnitOutput:
    """A generating unit's verified year: what it supplied and the facts its corrections use."""

    company: str
    unit: str
    year: int
    unit_class: str  # an electricity [[benchmark]] code, e.g. coal_above_300mw
    cooling: Literal["water", "air"]
    load_factor: Decimal  # annual average load, 0 < load ≤ 1
    heat_ratio: Decimal  # 供热比, 0 ≤ ratio ≤ 1
    electricity_mwh: Decimal  # net supply or gross generation, as the rule's output_basis says
    heat_gj: Decimal


@dataclass(frozen=True, slots=True)
class ActivityLevel:
    """An installation's activity in one year for its product benchmark (t of product, TJ)."""

    company: str
    installation: str
    benchmark: str
    year: int
    activity: Decimal
    leakage_exposed: bool = True
    cbam_good: bool = False


def electricity_classes(benchmarks: Iterable[BenchmarkRule]) -> list[str]:
    """The unit classes a rulebook knows: its electricity benchmark codes, in any year."""
    return sorted({bench.code for bench in benchmarks if bench.product == "electricity"})


def check_unit_output(record: UnitOutput, classes: Sequence[str], where: str) -> list[Issue]:
    """Every problem of one unit-year: unknown class or cooling, negatives, ratios out of range."""
    issues: list[Issue] = []
    if record.unit_class not in classes:
        issues.append(
            Issue("unknown_unit_class",
                  f"unit class '{record.unit_class}' has no electricity benchmark in the "
                  f"rulebook; use one of {', '.join(classes)}", where)
        )  # fmt: skip
    if record.cooling not in COOLING:
        issues.append(
            Issue("unknown_cooling", f"cooling '{record.cooling}' is neither water nor air", where)
        )
    for name in ("electricity_mwh", "heat_gj"):
        value = getattr(record, name)
        if value < 0:
            issues.append(Issue("negative_output", f"{name} is {value}; output is ≥ 0", where))
        elif _places(value) > QUANTITY_PLACES:
            issues.append(_too_precise(name, value, QUANTITY_PLACES, where))
    if not 0 < record.load_factor <= 1:
        issues.append(
            Issue("load_factor_out_of_range",
                  f"load factor {record.load_factor} is not in (0, 1]; write 78% as 0.78", where)
        )  # fmt: skip
    if not 0 <= record.heat_ratio <= 1:
        issues.append(
            Issue("heat_ratio_out_of_range",
                  f"heat ratio (供热比) {record.heat_ratio} is not in [0, 1]", where)
        )  # fmt: skip
    if record.heat_gj > 0 and record.heat_ratio == 0:
        issues.append(
            Issue("heat_ratio_missing",
                  "the unit supplied heat but its heat ratio (供热比) is 0; give the ratio "
                  "from its emission report", where)
        )  # fmt: skip
    for name in ("load_factor", "heat_ratio"):
        value = getattr(record, name)
        if _places(value) > RATIO_PLACES:
            issues.append(_too_precise(name, value, RATIO_PLACES, where))
    return issues


def check_activity_level(record: ActivityLevel, products: Sequence[str], where: str) -> list[Issue]:
    """Every problem of one installation-year: unknown benchmark, negative or too fine."""
    issues: list[Issue] = []
    if record.benchmark not in products:
        issues.append(
            Issue("unknown_benchmark",
                  f"benchmark '{record.benchmark}' is not in the rulebook; use one of "
                  f"{', '.join(products)}", where)
        )  # fmt: skip
    if record.activity < 0:
        issues.append(
            Issue("negative_activity", f"activity is {record.activity}; it is ≥ 0", where)
        )
    elif _places(record.activity) > QUANTITY_PLACES:
        issues.append(_too_precise("activity", record.activity, QUANTITY_PLACES, where))
    return issues


def _too_precise(name: str, value: Decimal, places: int, where: str) -> Issue:
    return Issue("too_precise", f"{name} {value} has more than {places} decimals; round it", where)


def _places(value: Decimal) -> int:
    """Digits after the point; none for NaN and infinities (the parsers refuse them)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def parse_unit_outputs(text: str, origin: str) -> tuple[list[UnitOutput], list[Issue]]:
    """The unit-years of a generating-unit CSV, or every problem found in it."""
    records: list[UnitOutput] = []
    issues: list[Issue] = []
    for _, row, where in _rows(text, origin, UNIT_COLUMNS, issues):
        values = _Values(row, where, issues)
        record = UnitOutput(
            company=values.text("company"),
            unit=values.text("unit"),
            year=values.year(),
            unit_class=values.text("unit_class"),
            cooling=values.text("cooling") or "water",  # type: ignore[arg-type]  # checked later: unknown_cooling
            load_factor=values.number("load_factor", Decimal(1)),
            heat_ratio=values.number("heat_ratio", Decimal(0)),
            electricity_mwh=values.number("electricity_mwh"),
            heat_gj=values.number("heat_gj", Decimal(0)),
        )
        if values.ok:
            records.append(record)
    return records, issues


def parse_activity_levels(text: str, origin: str) -> tuple[list[ActivityLevel], list[Issue]]:
    """The installation-years of an activity-level CSV, or every problem found in it."""
    records: list[ActivityLevel] = []
    issues: list[Issue] = []
    for _, row, where in _rows(text, origin, INSTALLATION_COLUMNS, issues):
        values = _Values(row, where, issues)
        record = ActivityLevel(
            company=values.text("company"),
            installation=values.text("installation"),
            benchmark=values.text("benchmark"),
            year=values.year(),
            activity=values.number("activity"),
            leakage_exposed=values.flag("leakage_exposed", True),
            cbam_good=values.flag("cbam_good", False),
        )
        if values.ok:
            records.append(record)
    return records, issues


def _rows(
    text: str, origin: str, columns: Sequence[str], issues: list[Issue]
) -> Iterable[tuple[int, dict[str, str], str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in columns if name not in header]
    needed = {"company", "year", "unit", "unit_class", "electricity_mwh", "installation",
              "benchmark", "activity"} & set(columns)  # fmt: skip
    if needed & set(missing):
        issues.append(
            Issue("missing_columns",
                  f"the header lacks the column(s) "
                  f"{', '.join(name for name in missing if name in needed)}; the first line "
                  f"names the columns {', '.join(columns)}", f"{origin}:1")
        )  # fmt: skip
        return
    unknown = [name for name in header if name not in columns]
    if unknown:
        issues.append(
            Issue("unknown_columns",
                  f"the column(s) {', '.join(unknown)} are not part of the format; the first "
                  f"line names the columns {', '.join(columns)}",
                  f"{origin}:1")
        )  # fmt: skip
        return
    for number, raw in enumerate(reader, start=2):
        row = {key.strip(): (value or "").strip() for key, value in raw.items() if key}
        if not any(row.values()):
            continue
        yield number, row, f"{origin}:{number}"


class _Values:
    """Typed cells of one row; a bad cell adds an Issue and marks the row not ok."""

    def __init__(self, row: dict[str, str], where: str, issues: list[Issue]) -> None:
        self.row, self.where, self.issues, self.ok = row, where, issues, True

    def _bad(self, column: str, message: str) -> None:
        self.issues.append(Issue("bad_value", message, f"{self.where} {column}"))
        self.ok = False

    def text(self, column: str) -> str:
        value = self.row.get(column, "")
        if not value and column != "cooling":
            self._bad(column, f"{column} is empty")
        return value

    def year(self) -> int:
        value = self.row.get("year", "")
        if not value.isdigit() or not 1990 <= int(value) <= 2100:
            self._bad("year", f"year '{value}' is not a year such as 2019")
            return 0
        return int(value)

    def number(self, column: str, default: Decimal | None = None) -> Decimal:
        value = self.row.get(column, "").replace(",", "").replace("_", "")
        if not value and default is not None:
            return default
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self._bad(column, f"{column} '{value}' is not a number")
            return Decimal(0)
        return number

    def flag(self, column: str, default: bool) -> bool:
        value = self.row.get(column, "").lower()
        if not value:
            return default
        if value in ("yes", "true", "1"):
            return True
        if value in ("no", "false", "0"):
            return False
        self._bad(column, f"{column} '{value}' is neither yes nor no")
        return default
