"""A sector that joins later: no allocation and no compliance before it joins, both after.

Shenzhen's public transport is covered from 2015 (cn-pilot-shenzhen 2026.4). A manufacturer
M and a bus company T have the same base-year emissions (2009-2011) and 2014/2015 emissions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine

from tanshi.core.issues import Severity
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.resources import load_rulebook, parameter_table
from tanshi.rulebook.in_force import sectors_not_in_force
from tanshi.services import allocation, jurisdiction, mrv, views
from tanshi.services.allocation_methods import plan_year
from tanshi.services.compliance import positions

OPENED = datetime(2013, 1, 1, tzinfo=UTC)


def _shenzhen(engine: Engine):
    rulebook, text = load_rulebook("cn-pilot-shenzhen")
    j = jurisdiction.open_jurisdiction(engine, rulebook, text, OPENED, is_demo=False)
    jurisdiction.register_company(engine, j, "M", "A manufacturer", "manufacturing")
    jurisdiction.register_company(engine, j, "T", "A bus company", "transport")
    for company in ("M", "T"):
        for year in (2009, 2010, 2011, 2014, 2015):
            diesel = ActivityRecord(
                company, year, SourceKind.FUEL, "gas_diesel_oil", Decimal(1000), "t"
            )
            assert not mrv.record_activity(engine, [diesel])
            mrv.report_and_verify(engine, j, parameter_table(), company, year)
    return j


def test_allocation_and_compliance_before_and_after_the_sector_joins(engine: Engine) -> None:
    j = _shenzhen(engine)
    before = plan_year(engine, j, 2014)
    assert [line.company for line in before.table.lines] == ["M"]
    notes = [issue for issue in before.issues if issue.code == "sector_not_covered"]
    assert [(n.where, n.severity) for n in notes] == [
        ("company T, allocation 2014", Severity.WARNING)
    ]
    assert "covered 2015-, not in 2014" in notes[0].message
    assert notes[0] in before.table.issues
    after = plan_year(engine, j, 2015)
    assert [line.company for line in after.table.lines] == ["M", "T"]
    assert not any(issue.code == "sector_not_covered" for issue in after.issues)
    m_2014 = before.table.lines[0].allocated_t
    assert m_2014 > 0 and [line.allocated_t for line in after.table.lines] == [m_2014, m_2014]

    table = allocation.allocate_year(engine, j, 2014, datetime(2014, 6, 30, tzinfo=UTC))
    assert allocation.allocated_units(engine, j, 2014) == {"M": m_2014}
    assert any(issue.code == "sector_not_covered" for issue in table.issues)

    covered = {
        year: {p.company: p.covered for p in positions(engine, j, year)} for year in (2014, 2015)
    }
    assert covered == {2014: {"M": True, "T": False}, 2015: {"M": True, "T": True}}


def test_the_coverage_headline_counts_the_sectors_of_the_year(engine: Engine) -> None:
    j = _shenzhen(engine)
    counted = {
        year: views.coverage(engine, year, "SZ", {"SZ": sectors_not_in_force(j.rulebook, year)})
        for year in (2014, 2015)
    }
    assert (counted[2014]["companies"], counted[2014]["verified_reports"]) == (1, 1)
    assert (counted[2015]["companies"], counted[2015]["verified_reports"]) == (2, 2)
    assert counted[2015]["verified_kg"] == 2 * counted[2014]["verified_kg"] > 0
    assert views.coverage(engine, 2014, "SZ")["companies"] == 2  # without the years, as before
