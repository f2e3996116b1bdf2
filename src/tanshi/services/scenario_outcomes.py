"""What a scenario run came out with: its result, every difference, the figures compared.

``scenario_run`` runs the steps and compares; the store's staged allocation and a
compliance line's figures, named as a scenario's ``expect`` names them, are read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from tanshi.compliance import ComplianceLine
from tanshi.scenario.spec import Scenario
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.store.schema import allocation_lines, companies


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the run differed from the scenario: ``where`` (step or outcome) and what."""

    where: str
    field: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field} expected {self.expected}, got {self.actual}"


@dataclass
class ScenarioResult:
    """The compliance tables the run produced and every difference from the scenario."""

    scenario: Scenario
    lines: dict[int, list[ComplianceLine]] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.differences


ALLOCATION_FIELDS = frozenset({"allocation_t", "preallocation_t", "true_up_t"})


def staged_allocation(
    engine: Engine, jurisdiction: Jurisdiction, year: int
) -> dict[str, dict[str, int]]:
    """Company → ``preallocation_t`` and ``true_up_t`` booked for ``year`` (benchmark_output)."""
    query = (
        select(companies.c.code, allocation_lines.c.stage, allocation_lines.c.allocated_units,
               allocation_lines.c.adjustment_units)
        .join(companies)
        .where(allocation_lines.c.year == year, companies.c.jurisdiction_id == jurisdiction.id)
    )  # fmt: skip
    staged: dict[str, dict[str, int]] = {}
    with engine.connect() as connection:
        for row in connection.execute(query):
            if row.stage == "allocation":
                continue
            name, value = (
                ("preallocation_t", row.allocated_units)
                if row.stage == "preallocation"
                else ("true_up_t", row.adjustment_units)
            )
            figures = staged.setdefault(row.code, {})
            figures[name] = figures.get(name, 0) + int(value)
    return staged


def actual_compliance(line: ComplianceLine | None) -> dict[str, object]:
    """A compliance line as a scenario's expected outcome is written (empty if none)."""
    if line is None:
        return {}
    p = line.position
    return {
        "verified_tco2": p.verified_tco2,
        "obligation_t": line.obligation_t,
        "surrendered_allowances_t": p.surrendered_allowances_t,
        "offsets_used_t": line.offsets_counted_t,
        "shortfall_t": line.shortfall_t,
        "penalty_cny": line.penalty_cny,
        "deduction_next_year_t": line.deduction_next_year_t,
        "status": line.status.value,
        "status_code": line.status_code.value,
        "penalty": line.penalty,
        "banked_t": p.banked_t,
        "borrowed_t": p.borrowed_t,
        "still_owed_next_year_t": line.still_owed_next_year_t,
    }
