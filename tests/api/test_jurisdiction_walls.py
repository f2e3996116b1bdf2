"""Two jurisdictions in one database: each regulator reads and acts on its own only.

DP (tests/service_world.py) and SZ (tests/two_jurisdictions.py); ``regulator`` is DP's,
``regulator-sz`` SZ's; the auditor's organisation serves both (docs/security.md,
"Jurisdictions").
"""

from __future__ import annotations

import pytest

from service_world import NOW, World
from tanshi.services import identity, user_admin
from tanshi.store.schema import organisations
from two_jurisdictions import add_shenzhen

DP_REGULATOR, SZ_REGULATOR = "regulator", "regulator-sz"


@pytest.fixture
def two(world: World) -> tuple[World, dict[str, int]]:
    return world, add_shenzhen(world)


def _get(world: World, username: str, path: str):
    return world.client.get(f"/v1{path}", headers=world.token(username))


def test_each_regulator_lists_only_its_own_companies(two) -> None:
    world, _ = two
    assert _get(world, SZ_REGULATOR, "/me").json()["jurisdiction"] == "SZ"
    assert _get(world, "auditor", "/me").json()["jurisdiction"] is None
    dp = [c["code"] for c in _get(world, DP_REGULATOR, "/companies").json()["items"]]
    sz = [c["code"] for c in _get(world, SZ_REGULATOR, "/companies").json()["items"]]
    both = [c["code"] for c in _get(world, "auditor", "/companies").json()["items"]]
    assert dp == ["A1", "B1", "C1"]
    assert sz == ["S1", "S2"]
    assert both == ["A1", "B1", "C1", "S1", "S2"]


@pytest.mark.parametrize(("username", "path"), [
    (DP_REGULATOR, "/companies/S1"), (SZ_REGULATOR, "/companies/A1"),
    (DP_REGULATOR, "/accounts/SZ-OH-S1"), (SZ_REGULATOR, "/accounts/DP-OH-A1"),
    (SZ_REGULATOR, "/accounts/DP-HOLDING"), (DP_REGULATOR, "/accounts/SZ-OH-S1/freezes"),
    (SZ_REGULATOR, "/accounts/DP-OH-A1/balances"), (SZ_REGULATOR, "/accounts/DP-OH-A1/holdings"),
    (DP_REGULATOR, "/accounts/SZ-OH-S1/holdings"), (SZ_REGULATOR, "/accounts/DP-OH-A1/court-transfers"),
])  # fmt: skip
def test_the_other_jurisdictions_rows_answer_404(two, username: str, path: str) -> None:
    world, _ = two
    answer = _get(world, username, path)
    assert answer.status_code == 404, answer.text
    assert set(answer.json()["error"]) >= {"code", "message"}


def test_own_accounts_are_read(two) -> None:
    world, _ = two
    assert _get(world, DP_REGULATOR, "/accounts/DP-OH-A1").status_code == 200
    assert _get(world, SZ_REGULATOR, "/accounts/SZ-OH-S1").status_code == 200
    assert _get(world, "auditor", "/accounts/SZ-OH-S1").status_code == 200
    codes = {a["code"] for a in _get(world, SZ_REGULATOR, "/accounts?limit=200").json()["items"]}
    assert codes and all(code.startswith("SZ-") for code in codes)


def test_each_approvals_queue_holds_its_own_proposals(two) -> None:
    world, waiting = two
    for username, mine, theirs in ((DP_REGULATOR, "DP", "SZ"), (SZ_REGULATOR, "SZ", "DP")):
        listed = _get(world, username, "/proposals?status=awaiting_approval").json()["items"]
        assert [p["id"] for p in listed] == [waiting[mine]]
        assert _get(world, username, f"/proposals/{waiting[theirs]}").status_code == 404


def test_each_compliance_table_and_coverage_is_its_own(two) -> None:
    world, _ = two
    dp = _get(world, DP_REGULATOR, "/compliance/2016").json()["items"]
    sz = _get(world, SZ_REGULATOR, "/compliance/2016").json()["items"]
    assert [line["company"] for line in dp] == ["A1"]
    assert [line["company"] for line in sz] == ["S1"]
    dp_cover = _get(world, DP_REGULATOR, "/compliance/2016/coverage").json()
    sz_cover = _get(world, SZ_REGULATOR, "/compliance/2016/coverage").json()
    assert (dp_cover["companies"], dp_cover["allocated_t"]) == (3, 0)
    assert (sz_cover["companies"], sz_cover["by_status"]) == (2, {"shortfall": 1})
    everyone = _get(world, "auditor", "/compliance/2016/coverage").json()
    assert everyone["companies"] == 5


def test_naming_the_other_jurisdiction_is_refused(two) -> None:
    world, _ = two
    answer = _get(world, DP_REGULATOR, "/allocation/2016/summary?jurisdiction=SZ")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "not_your_jurisdiction"
    run = world.client.post("/v1/allocation/2016/run?jurisdiction=DP", headers={
        **world.token(SZ_REGULATOR), "Idempotency-Key": "sz-runs-dp"})  # fmt: skip
    assert run.status_code == 403
    assert run.json()["error"]["code"] == "not_your_jurisdiction"


def test_without_naming_one_each_regulator_gets_its_own(two) -> None:
    world, _ = two
    dp = _get(world, DP_REGULATOR, "/auction-terms/2016")
    sz = _get(world, SZ_REGULATOR, "/auction-terms/2016")
    auditor = _get(world, "auditor", "/auction-terms/2016")
    assert dp.status_code != 403 and sz.status_code != 403
    assert auditor.status_code == 422  # serves both: it must name one
    assert auditor.json()["error"]["code"] == "jurisdiction_required"


def test_a_regulator_freezes_only_in_its_own_jurisdiction(two) -> None:
    world, _ = two
    body = {"unit_class": "SZA-2016", "quantity_t": 5, "order_reference": "court order 1",
            "reason": "an order"}  # fmt: skip
    refused = world.client.post("/v1/accounts/SZ-OH-S1/freezes", json=body, headers={
        **world.token(DP_REGULATOR), "Idempotency-Key": "dp-freezes-sz"})  # fmt: skip
    assert refused.status_code == 404, refused.text
    done = world.client.post("/v1/accounts/SZ-OH-S1/freezes", json=body, headers={
        **world.token(SZ_REGULATOR), "Idempotency-Key": "sz-freezes-sz"})  # fmt: skip
    assert done.status_code == 201, done.text


def test_the_other_jurisdictions_transaction_log_is_not_shown(two) -> None:
    world, _ = two
    lines = _get(world, SZ_REGULATOR, "/registry/transaction-log?limit=500").json()["items"]
    assert lines
    assert all("SZ-" in line["from_account"] + line["to_account"] for line in lines)


def test_a_regulator_organisation_needs_a_jurisdiction_once_there_are_several(two) -> None:
    world, _ = two
    _, issues = identity.create_organisation(world.engine, "REG-X", "X", "regulator", NOW)
    assert [i.code for i in issues] == ["jurisdiction_required"]
    _, issues = identity.create_organisation(world.engine, "ORG-X", "X", "company", NOW, "S1",
                                             "DP")  # fmt: skip
    assert [i.code for i in issues] == ["jurisdiction_mismatch"]


def test_a_regulator_without_a_jurisdiction_sees_none_until_the_operator_places_it(two) -> None:
    world, _ = two
    with world.engine.begin() as connection:  # as migration 0018 leaves it with several
        connection.execute(organisations.update().where(organisations.c.code == "REG-SZ")
                           .values(jurisdiction_id=None))  # fmt: skip
    assert _get(world, SZ_REGULATOR, "/companies").json()["items"] == []
    assert _get(world, SZ_REGULATOR, "/accounts/SZ-OH-S1").status_code == 404
    refused = _get(world, SZ_REGULATOR, "/allocation/2016/summary")
    assert refused.json()["error"]["code"] == "no_jurisdiction"
    assert user_admin.set_organisation_jurisdiction(world.engine, "REG-SZ", "SZ") == []
    assert _get(world, SZ_REGULATOR, "/accounts/SZ-OH-S1").status_code == 200
    assert [i.code for i in user_admin.set_organisation_jurisdiction(
        world.engine, "ORG-A", "SZ")] == ["jurisdiction_mismatch"]  # fmt: skip


@pytest.mark.parametrize(("path", "body"), [
    ("/accounts/DP-OH-A1/status", {"status": "frozen", "reason": "an order"}),
    ("/verification/2016/A1/assign", {"body": "VER"}),
    ("/verification-bodies/VER/conflicts", {"company": "A1", "reason": "owned by A1"}),
])  # fmt: skip
def test_the_other_jurisdictions_writes_answer_404(two, path: str, body: dict) -> None:
    world, _ = two
    answer = world.client.post(f"/v1{path}", json=body, headers={
        **world.token(SZ_REGULATOR), "Idempotency-Key": f"sz{path}"})  # fmt: skip
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["code"] in {"unknown_account", "unknown_company"}


def test_a_freeze_is_lifted_only_by_its_own_jurisdictions_regulator(two) -> None:
    world, _ = two
    body = {"unit_class": "DPEA-2016", "quantity_t": 5, "order_reference": "court order 2",
            "reason": "an order"}  # fmt: skip
    made = world.client.post("/v1/accounts/DP-OH-B1/freezes", json=body, headers={
        **world.token(DP_REGULATOR), "Idempotency-Key": "dp-freezes-b1"})  # fmt: skip
    assert made.status_code == 201, made.text
    path = f"/v1/freezes/{made.json()['id']}/release"
    refused = world.client.post(path, json={"reason": "ruling"}, headers={
        **world.token(SZ_REGULATOR), "Idempotency-Key": "sz-lifts"})  # fmt: skip
    assert refused.status_code == 404
    lifted = world.client.post(path, json={"reason": "ruling"}, headers={
        **world.token(DP_REGULATOR), "Idempotency-Key": "dp-lifts"})  # fmt: skip
    assert lifted.status_code == 200, lifted.text


def test_a_jurisdiction_without_verification_rules_answers_409_not_a_server_error(two) -> None:
    world, _ = two
    drawn = world.client.post("/v1/verification/2016/sample", json={"seed": 1},
                              headers=world.token(SZ_REGULATOR) | {"Idempotency-Key": "s1"})  # fmt: skip
    assert drawn.status_code == 409, drawn.text
    error = drawn.json()["error"]
    assert error["code"] == "no_verification_rules" and "cn-pilot-shenzhen" in error["message"]
    page = world.client.get("/v1/verification/2016/report.html",
                            headers=world.token(SZ_REGULATOR))  # fmt: skip
    assert page.status_code == 409
