"""A proposal as the API lists it names everything its approver approves: the destination
and its holder, the unit class, and what approval now leads to (docs/api.md "Proposals")."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from registry_controls import CONTROLS
from service_world import NOW, World


def _with_controls(world: World) -> None:
    """The 26-hour delay to an untrusted account (before the service loads the rulebook)."""
    with world.engine.begin() as connection:
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :x"),
                           {"x": CONTROLS})  # fmt: skip
    world.moment[0] = NOW + timedelta(hours=1)  # Wednesday 11:00 in the province: open


def test_the_approval_queue_says_where_which_units_go_and_when(world: World) -> None:
    _with_controls(world)
    officer, approver = world.token("officer-a"), world.token("approver-a")
    transfer = {"from_account": "DP-OH-A1", "to_account": "DP-OH-C1", "unit_class": "DPEA-2016",
                "quantity_t": 100, "memo": "for C1"}  # fmt: skip
    proposed = world.client.post("/v1/transfers", json=transfer,
                                 headers=officer | {"Idempotency-Key": "p1"})  # fmt: skip
    assert proposed.status_code == 202, proposed.text
    assert (proposed.json()["to_account"], proposed.json()["to_holder"]) == (
        "DP-OH-C1",
        "Company C1",
    )
    assert proposed.json()["unit_class"] == "DPEA-2016"
    queue = world.client.get("/v1/proposals?awaiting_my_approval=true", headers=approver)
    [shown] = queue.json()["items"]
    assert {k: shown[k] for k in ("type", "source_account", "to_account", "to_holder",
                                  "unit_class", "quantity_units", "initiator", "memo")} == {
        "type": "transfer", "source_account": "DP-OH-A1", "to_account": "DP-OH-C1",
        "to_holder": "Company C1", "unit_class": "DPEA-2016", "quantity_units": 100,
        "initiator": "officer-a", "memo": "for C1"}  # fmt: skip
    assert shown["proposed_at"].startswith("2017-03-01T03:00")
    assert shown["destination_trusted"] is False
    held_until = shown["release_if_approved_now"]
    assert held_until is not None and held_until > shown["proposed_at"]
    one = world.client.get(f"/v1/proposals/{shown['id']}", headers=approver).json()
    assert one["release_if_approved_now"] == held_until and one["to_holder"] == "Company C1"
    # Approved: held until the time the queue gave.
    approved = world.client.post(f"/v1/proposals/{shown['id']}/approve",
                                 headers=approver | {"Idempotency-Key": "a1"})  # fmt: skip
    assert approved.json()["status"] == "delayed", approved.text
    assert approved.json()["release_at"] == held_until
    assert approved.json()["release_if_approved_now"] is None  # no longer awaiting approval
