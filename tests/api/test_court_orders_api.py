"""Partial releases of freeze orders and court-ordered transfers over the API."""

from __future__ import annotations

from service_world import NOW, PASSWORD, World
from tanshi.services import identity


def _write(key: str, headers: dict[str, str]) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


def _second_regulator(world: World) -> dict[str, str]:
    _, issues = identity.create_user(world.engine, "regulator-2", "Regulator Two", "REG",
                                     "regulator", PASSWORD, NOW, locale="zh")  # fmt: skip
    assert not issues, issues
    return world.token("regulator-2")


def _freeze(world: World, regulator: dict[str, str], quantity: int) -> dict:
    order = {"unit_class": "DPEA-2016", "quantity_t": quantity,
             "order_reference": "court 17/2017", "reason": "debt claim"}  # fmt: skip
    made = world.client.post("/v1/accounts/DP-OH-A1/freezes", json=order,
                             headers=_write("f1", regulator))  # fmt: skip
    assert made.status_code == 201, made.json()
    return made.json()


def test_part_of_a_freeze_is_released_each_time_under_its_own_key(world: World) -> None:
    regulator = world.token("regulator")
    order = _freeze(world, regulator, 100)
    path = f"/v1/freezes/{order['id']}/release"
    part = world.client.post(path, json={"reason": "part paid", "quantity_t": 30},
                             headers=_write("r1", regulator))  # fmt: skip
    assert part.status_code == 200, part.json()
    body = part.json()
    assert (body["frozen_t"], body["frozen_blocks"], body["released_at"]) == (70, [[31, 100]], None)
    assert [(r["kind"], r["quantity_t"], r["blocks"]) for r in body["reductions"]] == [
        ("release", 30, [[1, 30]])
    ]
    replay = world.client.post(path, json={"reason": "part paid", "quantity_t": 30},
                               headers=_write("r1", regulator))  # fmt: skip
    assert replay.json() == body
    second = world.client.post(path, json={"reason": "more paid", "quantity_t": 30},
                               headers=_write("r2", regulator))  # fmt: skip
    assert second.json()["frozen_blocks"] == [[61, 100]]
    too_much = world.client.post(path, json={"reason": "x", "quantity_t": 41},
                                 headers=_write("r3", regulator))  # fmt: skip
    assert (too_much.status_code, too_much.json()["error"]["code"]) == (422, "insufficient_units")
    assert too_much.json()["error"]["field"] == "body.quantity_t"
    # The figures, as other registry refusals give them: what the order holds, what was asked.
    assert "freeze order 1 holds 40 frozen units of DPEA-2016, 41 are asked" in (
        too_much.json()["error"]["message"])  # fmt: skip
    rest = world.client.post(path, json={"reason": "settled"}, headers=_write("r4", regulator))
    assert rest.json()["frozen_t"] == 0 and rest.json()["released_at"] is not None
    balances = world.client.get("/v1/accounts/DP-OH-A1/balances", headers=regulator).json()
    assert balances[0]["frozen_t"] == 0 and balances[0]["available_t"] == 1000


def test_a_court_transfer_is_proposed_by_one_regulator_and_approved_by_another(
    world: World,
) -> None:
    regulator, other = world.token("regulator"), _second_regulator(world)
    order = _freeze(world, regulator, 100)
    body = {"destination": "DP-OH-C1", "quantity_t": 40,
            "court_order_reference": "(2017) 京01执123号", "reason": "enforcement"}  # fmt: skip
    officer = world.token("officer-a")
    assert world.client.post(f"/v1/freezes/{order['id']}/court-transfers", json=body,
                             headers=_write("c0", officer)).status_code == 403  # fmt: skip
    proposed = world.client.post(f"/v1/freezes/{order['id']}/court-transfers", json=body,
                                 headers=_write("c1", regulator))  # fmt: skip
    assert proposed.status_code == 201, proposed.json()
    transfer = proposed.json()
    assert (transfer["status"], transfer["proposed_by"], transfer["blocks"]) == (
        "awaiting_approval",
        "regulator",
        [],
    )
    approve = f"/v1/court-transfers/{transfer['id']}/approve"
    same = world.client.post(approve, headers=_write("a1", regulator))
    assert (same.status_code, same.json()["error"]["code"]) == (
        403,
        "approver_must_differ_from_initiator",
    )
    done = world.client.post(approve, headers=_write("a2", other))
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["decided_by"], done.json()["blocks"]) == (
        "executed",
        "regulator-2",
        [[1, 40]],
    )
    listed = world.client.get("/v1/accounts/DP-OH-A1/court-transfers", headers=officer).json()
    assert [(t["destination"], t["quantity_t"]) for t in listed] == [("DP-OH-C1", 40)]
    balances = world.client.get("/v1/accounts/DP-OH-A1/balances", headers=officer).json()
    assert (balances[0]["available_t"], balances[0]["frozen_t"]) == (900, 60)
    again = world.client.post(approve, headers=_write("a3", other))
    assert (again.status_code, again.json()["error"]["code"]) == (
        409,
        "proposal_not_awaiting_approval",
    )
    own = world.client.post(f"/v1/freezes/{order['id']}/court-transfers",
                            json=body | {"destination": "DP-OH-A1"},
                            headers=_write("c2", regulator))  # fmt: skip
    assert own.json()["error"]["code"] == "court_transfer_must_go_to_another_account"
    withdrawn = world.client.post(f"/v1/freezes/{order['id']}/court-transfers",
                                  json=body | {"quantity_t": 5}, headers=_write("c3", regulator))  # fmt: skip
    cancelled = world.client.post(f"/v1/court-transfers/{withdrawn.json()['id']}/cancel",
                                  headers=_write("x1", other))  # fmt: skip
    assert cancelled.json()["status"] == "cancelled"
    missing = world.client.post("/v1/freezes/999/court-transfers", json=body,
                                headers=_write("c4", regulator))  # fmt: skip
    assert missing.status_code == 404
    assert world.client.post("/v1/court-transfers/999/approve",
                             headers=_write("a4", other)).status_code == 404  # fmt: skip
    assert world.client.post("/v1/court-transfers/999/cancel",
                             headers=_write("x2", other)).status_code == 404  # fmt: skip


def test_a_court_transfer_of_more_than_the_order_holds_says_how_much_it_holds(
    world: World,
) -> None:
    regulator, other = world.token("regulator"), _second_regulator(world)
    order = _freeze(world, regulator, 100)
    path = f"/v1/freezes/{order['id']}/court-transfers"
    body = {"destination": "DP-OH-C1", "quantity_t": 150,
            "court_order_reference": "(2017) 京01执123号", "reason": "enforcement"}  # fmt: skip
    refused = world.client.post(path, json=body, headers=_write("c1", regulator))
    error = refused.json()["error"]
    assert (refused.status_code, error["code"], error["field"]) == (
        422, "insufficient_units", "body.quantity_t")  # fmt: skip
    assert "freeze order 1 holds 100 frozen units of DPEA-2016, 150 are asked" in error["message"]
    # Proposed while the order held enough; released meanwhile, the approval fails with how
    # much it holds now.
    proposed = world.client.post(path, json=body | {"quantity_t": 80},
                                 headers=_write("c2", regulator))  # fmt: skip
    assert proposed.status_code == 201, proposed.json()
    released = world.client.post(f"/v1/freezes/{order['id']}/release",
                                 json={"reason": "part paid", "quantity_t": 50},
                                 headers=_write("r1", regulator))  # fmt: skip
    assert released.status_code == 200, released.json()
    failed = world.client.post(f"/v1/court-transfers/{proposed.json()['id']}/approve",
                               headers=_write("a1", other))  # fmt: skip
    error = failed.json()["error"]
    assert (failed.status_code, error["code"]) == (422, "insufficient_units")
    assert "freeze order 1 holds 50 frozen units of DPEA-2016, 80 are asked" in error["message"]
