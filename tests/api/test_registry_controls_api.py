"""Trusted-list removal, the second-approval waiver, frozen units and balances over the API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text

from registry_controls import EU_CONTROLS
from service_world import NOW, World
from tanshi.services import lifecycle, trusted_list
from tanshi.services.jurisdiction import account_id, load_jurisdiction

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _write(key: str, headers: dict[str, str]) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


def test_a_representative_removes_a_trusted_account_at_once(world: World) -> None:
    jurisdiction = load_jurisdiction(world.engine, "DP")
    lifecycle.trust_account(world.engine, jurisdiction, "DP-OH-A1", "DP-OH-C1", "officer-a",
                            "approver-a", NOW)  # fmt: skip
    officer = world.token("officer-a")
    listed = world.client.get("/v1/accounts/DP-OH-A1/trusted-accounts", headers=officer).json()
    assert [(e["account"], e["approved_by"]) for e in listed] == [("DP-OH-C1", "approver-a")]
    removed = world.client.post("/v1/accounts/DP-OH-A1/trusted-accounts/DP-OH-C1/remove",
                                headers=_write("u1", officer))  # fmt: skip
    assert removed.status_code == 200, removed.json()
    assert world.client.get("/v1/accounts/DP-OH-A1/trusted-accounts", headers=officer).json() == []
    again = world.client.post("/v1/accounts/DP-OH-A1/trusted-accounts/DP-OH-C1/remove",
                              headers=_write("u2", officer))  # fmt: skip
    assert (again.status_code, again.json()["error"]["code"]) == (
        422, "trusted_list_change_refused",
    )  # fmt: skip
    other = world.client.post("/v1/accounts/DP-OH-B1/trusted-accounts/DP-OH-C1/remove",
                              headers=_write("u3", officer))  # fmt: skip
    assert other.status_code == 404
    hidden = world.client.get("/v1/accounts/DP-OH-B1/trusted-accounts", headers=officer)
    assert hidden.status_code == 404


def test_the_regulator_records_a_waiver_only_where_the_rulebook_allows_it(world: World) -> None:
    regulator = world.token("regulator")
    body = {"waived": True, "declared_by": "approver-a"}
    refused = world.client.post("/v1/accounts/DP-OH-A1/approval-waiver", json=body,
                                headers=_write("w1", regulator))  # fmt: skip
    assert (refused.status_code, refused.json()["error"]["code"]) == (
        422, "approval_waiver_refused",
    )  # fmt: skip
    withdrawn = world.client.post("/v1/accounts/DP-OH-A1/approval-waiver",
                                  json=body | {"waived": False},
                                  headers=_write("w2", regulator))  # fmt: skip
    assert withdrawn.status_code == 200
    with world.engine.connect() as connection:
        account = account_id(connection, "DP-OH-A1")
        assert not trusted_list.approval_waiver_on(connection, account)
        waivers = connection.execute(text("SELECT waived, declared_by, set_by FROM "
                                          "approval_waivers")).all()  # fmt: skip
    assert [tuple(row) for row in waivers] == [(False, "approver-a", "regulator")]
    officer = world.token("officer-a")
    assert world.client.post("/v1/accounts/DP-OH-A1/approval-waiver", json=body,
                             headers=_write("w3", officer)).status_code == 403  # fmt: skip


def test_frozen_units_show_in_balances_and_cannot_be_transferred(world: World) -> None:
    regulator, officer = world.token("regulator"), world.token("officer-a")
    order = {"unit_class": "DPEA-2016", "quantity_t": 100, "order_reference": "court 17/2017",
             "reason": "debt claim"}  # fmt: skip
    made = world.client.post("/v1/accounts/DP-OH-A1/freezes", json=order,
                             headers=_write("f1", regulator))  # fmt: skip
    assert made.status_code == 201, made.json()
    frozen = made.json()
    assert (frozen["blocks"], frozen["ordered_by"]) == ([[1, 100]], "regulator")
    balances = world.client.get("/v1/accounts/DP-OH-A1/balances", headers=officer).json()
    assert balances == [{"unit_class": "DPEA-2016", "available_t": 900, "frozen_t": 100,
                         "total_t": 1000}]  # fmt: skip
    transfer = {"from_account": "DP-OH-A1", "to_account": "DP-OH-C1", "unit_class": "DPEA-2016",
                "quantity_t": 901}  # fmt: skip
    refused = world.client.post("/v1/transfers", json=transfer, headers=_write("t1", officer))
    assert refused.json()["error"]["code"] == "insufficient_units"
    named = world.client.post("/v1/accounts/DP-OH-A1/freezes",
                              json=order | {"quantity_t": 2, "serials": [[999, 1000]]},
                              headers=_write("f2", regulator))  # fmt: skip
    assert named.json()["blocks"] == [[999, 1000]]
    not_held = world.client.post("/v1/accounts/DP-OH-A1/freezes",
                                 json=order | {"quantity_t": 1, "serials": [[2500, 2500]]},
                                 headers=_write("f3", regulator))  # fmt: skip
    assert not_held.json()["error"]["code"] == "serials_not_held_by_source"
    listed = world.client.get("/v1/accounts/DP-OH-A1/freezes", headers=officer).json()
    assert [f["quantity_t"] for f in listed] == [100, 2]
    assert world.client.post("/v1/accounts/DP-OH-A1/freezes", json=order,
                             headers=_write("f4", officer)).status_code == 403  # fmt: skip
    lifted = world.client.post(f"/v1/freezes/{frozen['id']}/release", json={"reason": "settled"},
                               headers=_write("r1", regulator))  # fmt: skip
    assert lifted.status_code == 200 and lifted.json()["released_by"] == "regulator"
    again = world.client.post(f"/v1/freezes/{frozen['id']}/release", json={"reason": "again"},
                              headers=_write("r2", regulator))  # fmt: skip
    assert again.status_code == 409
    missing = world.client.post("/v1/freezes/999/release", json={"reason": "x"},
                                headers=_write("r3", regulator))  # fmt: skip
    assert missing.status_code == 404
    after = world.client.get("/v1/accounts/DP-OH-A1/balances", headers=officer).json()
    assert after[0]["frozen_t"] == 2
    assert world.client.get("/v1/accounts/DP-OH-B1/balances",
                            headers=world.token("officer-a")).status_code == 404  # fmt: skip


def test_transfers_are_queued_while_closed_and_waived_to_trusted_accounts(world: World) -> None:
    """With the EU-style rule: a Saturday approval is queued to Monday's opening; with the
    holder's waiver, a transfer to a trusted account needs no approver."""
    with world.engine.begin() as connection:
        connection.execute(
            text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :extra"),
            {"extra": EU_CONTROLS},
        )
    jurisdiction = load_jurisdiction(world.engine, "DP")
    lifecycle.trust_account(world.engine, jurisdiction, "DP-OH-A1", "DP-OH-C1", "officer-a",
                            "approver-a", NOW)  # fmt: skip
    service = world.client.app.state.service  # type: ignore[attr-defined]
    service.clock = lambda: datetime(2017, 3, 11, 11, 0, tzinfo=SHANGHAI)  # a Saturday
    officer, approver = world.token("officer-a"), world.token("approver-a")
    transfer = {"from_account": "DP-OH-A1", "to_account": "DP-OH-C1", "unit_class": "DPEA-2016",
                "quantity_t": 10}  # fmt: skip
    proposed = world.client.post("/v1/transfers", json=transfer, headers=_write("q1", officer))
    assert (proposed.status_code, proposed.json()["status"]) == (202, "awaiting_approval")
    queued = world.client.post(f"/v1/proposals/{proposed.json()['id']}/approve",
                               headers=_write("q2", approver))  # fmt: skip
    assert queued.json()["status"] == "queued"
    assert queued.json()["release_at"].startswith("2017-03-13T02:00")  # Monday 10:00 local
    [done] = lifecycle.release_due(world.engine, datetime(2017, 3, 13, 10, 0, tzinfo=SHANGHAI))
    assert done.status.value == "executed"
    service.clock = lambda: datetime(2017, 3, 13, 11, 0, tzinfo=SHANGHAI)
    waiver = {"waived": True, "declared_by": "approver-a"}
    assert world.client.post("/v1/accounts/DP-OH-A1/approval-waiver", json=waiver,
                             headers=_write("w1", world.token("regulator"))).status_code == 200  # fmt: skip
    at_once = world.client.post("/v1/transfers", json=transfer, headers=_write("q3", officer))
    assert (at_once.status_code, at_once.json()["status"]) == (201, "executed")
