"""Before the deadline: each covered company's position without a status for regulators and
auditors, the covered companies (no figures) for the public, and the coverage counting the
companies without verified emissions (docs/api.md)."""

from __future__ import annotations

from sqlalchemy import select

from service_world import World
from tanshi.store.schema import allocations, companies
from two_jurisdictions import _compliance_row, verify_a1


def _allocated(world: World, *codes: str) -> None:
    """An allocation row of 2016 for each of ``codes``: they are covered in the year (C1,
    without one, emissions or surrenders, is not)."""
    with world.engine.begin() as connection:
        for code in codes:
            ident = connection.execute(select(companies.c.id).where(companies.c.code == code))
            connection.execute(allocations.insert().values(
                company_id=ident.scalar(), year=2016, base_average_kg=0, correction_factor="1",
                deduction_units=0, allocated_units=1000))  # fmt: skip


def test_positions_and_coverage_before_the_deadline(world: World) -> None:
    _allocated(world, "A1", "B1")
    verify_a1(world, "positions")
    regulator = world.token("regulator")
    found = world.client.get("/v1/compliance/2016/positions", headers=regulator)
    assert found.status_code == 200, found.json()
    rows = {row["company"]: row for row in found.json()}
    assert sorted(rows) == ["A1", "B1"]
    a1, b1 = rows["A1"], rows["B1"]
    assert a1["verified_kg"] > 0 and a1["obligation_t"] == a1["still_owed_t"] > 0
    assert (a1["surrendered_t"], a1["allocated_t"], a1["deadline"]) == (0, 1000, "2017-06-30")
    assert (a1["sector"], b1["sector"]) == ("power", "cement")
    assert (b1["verified_kg"], b1["obligation_t"], b1["still_owed_t"]) == (None, None, None)
    assert "status" not in a1
    coverage = world.client.get("/v1/compliance/2016/coverage", headers=regulator).json()
    assert coverage["by_status"] == {"no_verified_emissions": 1}
    auditor = world.client.get("/v1/compliance/2016/positions", headers=world.token("auditor"))
    assert auditor.json() == found.json()
    officer = world.client.get("/v1/compliance/2016/positions",
                               headers=world.token("officer-a"))  # fmt: skip
    assert officer.status_code == 403
    public = world.client.get("/v1/public/compliance/2016/covered").json()
    assert public[0] == {"company": "A1", "name": "Company A1", "sector": "power",
                         "deadline": "2017-06-30"}  # fmt: skip
    assert [line["company"] for line in public] == ["A1", "B1"]


def test_once_the_table_is_computed_it_says_it(world: World) -> None:
    _allocated(world, "A1", "B1")
    _compliance_row(world.engine, "A1", "compliant")
    regulator = world.token("regulator")
    assert world.client.get("/v1/compliance/2016/positions", headers=regulator).json() == []
    assert world.client.get("/v1/public/compliance/2016/covered").json() == []
    coverage = world.client.get("/v1/compliance/2016/coverage", headers=regulator).json()
    assert coverage["by_status"] == {"compliant": 1}
