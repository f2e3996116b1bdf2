"""Allocation through the API on both stores: the plan, the regulator's run (safe to repeat),
each company's allocation walled off per organisation, and a pre-allocation trued up."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service_world import PASSWORD, World, fast_hashing
from tanshi.allocation.production import UnitOutput, parse_unit_outputs
from tanshi.api.app import make_service
from tanshi.api.settings import Settings
from tanshi.core.errors import TanshiError
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.resources import load_rulebook, parameter_table
from tanshi.services import allocation_desk, credentials, identity, mrv, production
from tanshi.services.jurisdiction import (
    Jurisdiction,
    load_jurisdiction,
    open_jurisdiction,
    register_company,
)
from tanshi.web.app import create_app

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "allocation"
# 10 000, 20 000 and 30 000 MWh a year × 0.6101 t/MWh = 6 101, 12 202 and 18 303 t; × 0.97
ALLOCATED = {"A1": 5917, "B1": 11835, "C1": 17753}


def _write(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


def _base_years(world: World) -> None:
    """Verified emissions of 2013-2015, the base years of the 2016 grandfathering."""
    place = load_jurisdiction(world.engine, "DP")
    for index, company in enumerate(("A1", "B1", "C1"), start=1):
        for year in (2013, 2014, 2015):
            grid = ActivityRecord(company, year, SourceKind.ELECTRICITY, "grid",
                                  Decimal(10_000 * index), "MWh")  # fmt: skip
            assert not mrv.record_activity(world.engine, [grid])
            mrv.report_and_verify(world.engine, place, parameter_table(), company, year)


def test_the_plan_then_the_run_then_a_safe_rerun(world: World) -> None:
    _base_years(world)
    regulator = world.token("regulator")
    planned = world.client.get("/v1/allocation/2016", headers=regulator).json()
    assert (planned["stage"], planned["method"]) == ("planned", "grandfathering")
    assert {r["company"]: r["free_t"] for r in planned["items"]} == ALLOCATED
    run = world.client.post("/v1/allocation/2016/run", headers=_write(world, "regulator", "r1"))
    assert run.status_code == 200, run.json()
    assert run.json() | {"notes": []} == {
        "year": 2016, "allocation": "allocated", "allocated_t": sum(ALLOCATED.values()),
        "companies": 3, "true_up": "not_applicable", "true_up_given_t": 0,
        "true_up_taken_t": 0, "notes": []}  # fmt: skip
    again = world.client.post("/v1/allocation/2016/run", headers=_write(world, "regulator", "r2"))
    assert (again.status_code, again.json()["allocation"]) == (200, "already_allocated")
    stored = world.client.get("/v1/allocation/2016?limit=2", headers=regulator).json()
    assert (stored["stage"], stored["total"], stored["next_offset"]) == ("allocated", 3, 2)
    first = stored["items"][0]
    assert (first["company"], first["free_t"], first["preallocated_t"], first["won_at_auction_t"]) \
        == ("A1", 5917, None, 0)  # fmt: skip
    assert first["transaction_id"] is not None
    held = world.client.get("/v1/accounts/DP-OH-A1/holdings", headers=world.token("officer-a"))
    assert held.json()[0]["quantity_units"] == 1000 + 5917
    summary = world.client.get("/v1/allocation/2016/summary", headers=world.token("trader")).json()
    assert (summary["cap_t"], summary["free_t"], summary["companies"], summary["auctions"]) == (
        112_000_000, sum(ALLOCATED.values()), 3, 0)  # fmt: skip
    filtered = world.client.get("/v1/allocation/2016?company=B1", headers=regulator).json()
    assert [r["company"] for r in filtered["items"]] == ["B1"]


def test_a_company_sees_only_its_own_allocation(world: World) -> None:
    _base_years(world)
    mine = world.client.get("/v1/allocation/2016", headers=world.token("officer-b")).json()
    assert [r["company"] for r in mine["items"]] == ["B1"]
    assert world.client.get("/v1/allocation/2016?company=A1",
                            headers=world.token("officer-b")).json()["items"] == []  # fmt: skip
    assert world.client.get("/v1/allocation/2016",
                            headers=world.token("trader")).json()["total"] == 0  # fmt: skip
    own = world.client.get("/v1/allocation/2016/companies/B1", headers=world.token("officer-b"))
    assert own.status_code == 200 and own.json()["free_t"] == ALLOCATED["B1"]
    hidden = world.client.get("/v1/allocation/2016/companies/A1", headers=world.token("officer-b"))
    assert hidden.status_code == 404
    assert hidden.json()["error"]["code"] == "unknown_company"
    refused = world.client.post("/v1/allocation/2016/run",
                                headers=_write(world, "officer-b", "x"))  # fmt: skip
    assert refused.status_code == 403


def test_years_that_cannot_be_allocated_are_refused_and_nothing_written(world: World) -> None:
    outside = world.client.get("/v1/allocation/2030", headers=world.token("regulator"))
    assert (outside.status_code, outside.json()["error"]["code"]) == (422, "no_rule_in_force")
    # No company has base-year emissions: the run would issue the cap and give it to no one.
    empty = world.client.post("/v1/allocation/2016/run", headers=_write(world, "regulator", "e"))
    assert (empty.status_code, empty.json()["error"]["code"]) == (422, "allocation_not_possible")
    holding = world.client.get("/v1/accounts/DP-HOLDING", headers=world.token("regulator"))
    assert holding.json()["holdings"] == []


def _power_service(engine: Engine) -> tuple[TestClient, Jurisdiction, list[UnitOutput], datetime]:
    """cn-national-power with the three power companies of docs/examples/allocation, their
    2018 output, and a regulator."""
    fast_hashing()
    now = datetime(2020, 12, 30, 2, 0, tzinfo=UTC)
    rulebook, text = load_rulebook("cn-national-power")
    place = open_jurisdiction(engine, rulebook, text, now, is_demo=False)
    for line in (EXAMPLES / "companies.csv").read_text().splitlines()[1:]:
        code, name, sector = line.split(",")
        register_company(engine, place, code, name, sector)
    records, issues = parse_unit_outputs((EXAMPLES / "units-2018-2019.csv").read_text(), "units")
    assert not issues
    assert not production.record_unit_outputs(engine, place, [r for r in records if r.year == 2018],
                                              now)  # fmt: skip
    for code, kind, company in (("MEE", "regulator", None), ("ORG-H", "company", "H")):
        assert not identity.create_organisation(engine, code, code, kind, now, company)[1]
    assert not identity.create_user(engine, "mee", "MEE", "MEE", "regulator", PASSWORD, now)[1]
    assert not identity.create_user(engine, "officer-h", "H", "ORG-H", "compliance_officer",
                                    PASSWORD, now)[1]  # fmt: skip
    service = make_service(Settings(), engine, clock=lambda: now)
    return TestClient(create_app(service), base_url="http://testserver"), place, records, now


def _headers(engine: Engine, username: str, key: str | None = None) -> dict[str, str]:
    principal = identity.principal_named(engine, username)
    assert principal is not None
    raw, _ = credentials.issue_token(engine, principal, "t", sorted(principal.scopes),
                                     datetime(2020, 12, 30, tzinfo=UTC))  # fmt: skip
    return {"Authorization": f"Bearer {raw}"} | ({"Idempotency-Key": key} if key else {})


def test_a_pre_allocation_waits_for_output_then_is_trued_up(engine: Engine) -> None:
    client, place, records, now = _power_service(engine)
    first = client.post("/v1/allocation/2019/run", headers=_headers(engine, "mee", "p1")).json()
    # docs/allocation.md: 613 900 + 180 098 + 79 083 pre-allocated on the 2018 output.
    assert (first["allocation"], first["allocated_t"], first["true_up"]) == (
        "allocated", 873_081, "waiting")  # fmt: skip
    assert "no_verified_output" in {note["code"] for note in first["notes"]}
    assert not production.record_unit_outputs(engine, place, [r for r in records if r.year == 2019],
                                              now)  # fmt: skip
    second = client.post("/v1/allocation/2019/run", headers=_headers(engine, "mee", "p2")).json()
    assert (second["allocation"], second["true_up"]) == ("already_allocated", "booked")
    assert (second["true_up_given_t"], second["true_up_taken_t"]) == (350_800 + 16_014, 38_687)
    third = client.post("/v1/allocation/2019/run", headers=_headers(engine, "mee", "p3")).json()
    assert third["true_up"] == "already_booked"
    table = client.get("/v1/allocation/2019", headers=_headers(engine, "mee")).json()
    assert table["stage"] == "trued_up"
    rows = {r["company"]: (r["preallocated_t"], r["true_up_t"], r["free_t"])
            for r in table["items"]}  # fmt: skip
    assert sum(pre for pre, _, _ in rows.values()) == 873_081
    assert sum(up for _, up, _ in rows.values()) == 350_800 + 16_014 - 38_687
    assert all(pre + up == free for pre, up, free in rows.values())
    h = client.get("/v1/allocation/2019/companies/H", headers=_headers(engine, "officer-h")).json()
    assert [(i["item"], i["stage"]) for i in h["items"]] == [("H1", "preallocation"),
                                                             ("H1", "true_up")]  # fmt: skip
    assert "benchmark" in " ".join(h["items"][0]["detail"])
    facilities = client.get("/v1/companies/H/facilities", headers=_headers(engine, "officer-h"))
    units = facilities.json()["generating_units"]
    assert [(u["unit"], [o["year"] for o in u["output"]]) for u in units] == [("H1", [2018, 2019])]
    assert units[0]["output"][0]["electricity_mwh"] == "1000000.000"
    other = client.get("/v1/companies/S/facilities", headers=_headers(engine, "officer-h"))
    assert other.status_code == 404


def test_a_run_that_loses_the_race_to_another_gets_409(world: World, monkeypatch) -> None:
    """Two runs at once: the second finds the year unallocated, then the write refuses."""
    _base_years(world)
    seen = iter([False, True])  # not allocated at the check; allocated after the refusal
    monkeypatch.setattr(allocation_desk, "_allocated", lambda *_: next(seen))

    def refused(*_args: object) -> None:
        raise TanshiError("2016 is already allocated; corrections need new transactions")

    monkeypatch.setattr(allocation_desk.allocation, "allocate_year", refused)
    lost = world.client.post("/v1/allocation/2016/run", headers=_write(world, "regulator", "l"))
    assert (lost.status_code, lost.json()["error"]["code"]) == (409, "already_allocated")
