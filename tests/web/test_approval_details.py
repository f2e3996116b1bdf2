"""The approvals queue shows a second approver everything they approve: where the units go
(account and holder), which units, when proposed, and any delay approval will bring."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import text

from registry_controls import CONTROLS
from service_world import NOW, World


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _proposed(world: World) -> int:
    """A1 → C1, 100 t of DPEA-2016, under a 26-hour delay to untrusted accounts."""
    with world.engine.begin() as connection:
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :x"),
                           {"x": CONTROLS})  # fmt: skip
    world.moment[0] = NOW + timedelta(hours=1)  # Wednesday 11:00 in the province: open
    transfer = {"from_account": "DP-OH-A1", "to_account": "DP-OH-C1", "unit_class": "DPEA-2016",
                "quantity_t": 100, "memo": "for C1"}  # fmt: skip
    proposed = world.client.post("/v1/transfers", json=transfer,
                                 headers=world.token("officer-a") | {"Idempotency-Key": "p"})  # fmt: skip
    assert proposed.status_code == 202, proposed.text
    return int(proposed.json()["id"])


def _row(page: str, proposal: int) -> str:
    found = re.search(rf'<tr id="proposal-{proposal}">(.*?)</tr>', page, re.S)
    assert found, page
    return found.group(1)


def test_the_approver_sees_destination_units_and_delay_in_both_languages(world: World) -> None:
    proposal = _proposed(world)
    held_until = world.client.get(f"/v1/proposals/{proposal}",
                                  headers=world.token("approver-a")).json()["release_if_approved_now"]  # fmt: skip
    local = f"{datetime.fromisoformat(held_until) + timedelta(hours=8):%Y-%m-%d %H:%M}"
    approver = world.browser("approver-a")
    page = approver.get("/approvals").text
    row = _row(page, proposal)
    for shown in ("DP-OH-A1", "DP-OH-C1", "Company C1", "DPEA-2016", "100", "officer-a",
                  "2017-03-01 11:00", "for C1"):  # fmt: skip
        assert shown in row, (shown, row)
    assert f"将延迟至 {local} 执行：接收账户不在可信名单上" in row
    assert "接收账户" in page and "批准之后" in page
    english = approver.post("/lang", data={"to": "en", "csrf_token": _csrf(page),
                                           "back": "/approvals"}, follow_redirects=True).text  # fmt: skip
    row = _row(english, proposal)
    assert "DP-OH-C1" in row and "Company C1" in row and "DPEA-2016" in row
    assert f"delayed until {local}: the destination is not on the trusted list" in row
    assert "To account" in english and "After approval" in english


def test_the_regulator_queue_and_the_registry_desk_name_the_destination(world: World) -> None:
    proposal = _proposed(world)
    regulator = world.browser("regulator")
    queue = regulator.get("/approvals", headers={"HX-Request": "true"}).text
    row = _row(queue, proposal)
    assert "DP-OH-C1" in row and "Company C1" in row and "DPEA-2016" in row
    assert "接收账户不在可信名单上" in row
    approved = world.client.post(f"/v1/proposals/{proposal}/approve",
                                 headers=world.token("approver-a") | {"Idempotency-Key": "a"})  # fmt: skip
    assert approved.json()["status"] == "delayed", approved.text
    desk = regulator.get("/regulator/registry").text
    waiting = desk[desk.index("等待执行的转让") :]
    assert "DP-OH-C1" in waiting and "Company C1" in waiting and "DPEA-2016" in waiting
