"""Removing from a trusted list over the API: at once by one representative, or, where the
rulebook has two remove (EU Art. 23(4)), a request (202) another representative confirms."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from registry_controls import EU_TWO_TO_REMOVE
from service_world import NOW, World

LIST = "/v1/accounts/DP-OH-A1/trusted-accounts"
REQUESTS = "/v1/accounts/DP-OH-A1/trusted-account-requests"
REMOVE = f"{LIST}/DP-OH-C1/remove"


def _write(key: str, headers: dict[str, str]) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


def _error(answer) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def _trust_c1(world: World, rules: str = "") -> tuple[dict[str, str], dict[str, str]]:
    """C1 on A1's list (proposed by officer-a, confirmed by approver-a); their headers."""
    if rules:
        with world.engine.begin() as connection:
            connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text "
                                    "|| :r"), {"r": rules})  # fmt: skip
    officer, approver = world.token("officer-a"), world.token("approver-a")
    made = world.client.post(LIST, json={"account": "DP-OH-C1"}, headers=_write("a1", officer))
    confirmed = world.client.post(f"{REQUESTS}/{made.json()['id']}/confirm",
                                  headers=_write("a2", approver))  # fmt: skip
    assert confirmed.status_code == 200, confirmed.json()
    return officer, approver


def test_a_removal_needs_a_second_representative_where_the_rulebook_says_so(
    world: World,
) -> None:
    officer, approver = _trust_c1(world, EU_TWO_TO_REMOVE)
    proposed = world.client.post(REMOVE, headers=_write("r1", officer))
    assert proposed.status_code == 202, proposed.json()
    made = proposed.json()
    assert (made["trusted"], made["change"], made["state"], made["requested_by"]) == (
        "DP-OH-C1", "remove", "pending", "officer-a")  # fmt: skip
    replayed = world.client.post(REMOVE, headers=_write("r1", officer))
    assert (replayed.status_code, replayed.json()["id"]) == (202, made["id"])
    assert [e["account"] for e in world.client.get(LIST, headers=officer).json()] == ["DP-OH-C1"]
    waiting = world.client.get(REQUESTS, headers=approver).json()
    assert [(r["id"], r["change"]) for r in waiting] == [(made["id"], "remove")]
    twice = world.client.post(REMOVE, headers=_write("r2", officer))
    assert _error(twice) == (409, "trusted_account_removal_pending")
    own = world.client.post(f"{REQUESTS}/{made['id']}/confirm", headers=_write("c1", officer))
    assert _error(own) == (403, "approver_must_differ_from_initiator")
    confirmed = world.client.post(f"{REQUESTS}/{made['id']}/confirm",
                                  headers=_write("c2", approver))  # fmt: skip
    assert confirmed.status_code == 200, confirmed.json()
    body = confirmed.json()
    assert (body["account"], body["removed_by"], body["confirmed_by"]) == (
        "DP-OH-C1", "officer-a", "approver-a")  # fmt: skip
    assert datetime.fromisoformat(body["removed_at"]) == NOW
    assert world.client.get(LIST, headers=officer).json() == []
    assert world.client.get(REQUESTS, headers=officer).json() == []
    gone = world.client.post(REMOVE, headers=_write("r3", officer))
    assert _error(gone) == (409, "not_on_trusted_list")
    assert gone.json()["error"]["field"] == "path.trusted"
    with world.engine.connect() as connection:
        audited = connection.execute(text(
            "SELECT username, action, result FROM audit_log WHERE action LIKE 'trusted_list_%' "
            "ORDER BY id")).all()  # fmt: skip
    assert [tuple(row) for row in audited][2:] == [
        ("officer-a", "trusted_list_remove", "ok"),
        ("officer-a", "trusted_list_remove", "trusted_account_removal_pending"),
        ("officer-a", "trusted_list_confirm", "approver_must_differ_from_initiator"),
        ("approver-a", "trusted_list_confirm", "ok"),
        ("officer-a", "trusted_list_remove", "not_on_trusted_list"),
    ]  # fmt: skip


def test_a_pending_removal_is_withdrawn_or_turned_down(world: World) -> None:
    officer, approver = _trust_c1(world, EU_TWO_TO_REMOVE)
    no_right = world.client.post(REMOVE, headers=_write("r0", approver))  # approves only
    assert _error(no_right) == (403, "initiator_lacks_right_on_source_account")
    first = world.client.post(REMOVE, headers=_write("r1", officer)).json()
    withdrawn = world.client.post(f"{REQUESTS}/{first['id']}/withdraw",
                                  headers=_write("w1", officer))  # fmt: skip
    assert withdrawn.json() == {"result": "ok"}
    late = world.client.post(f"{REQUESTS}/{first['id']}/confirm", headers=_write("c1", approver))
    assert _error(late) == (409, "request_not_pending")
    second = world.client.post(REMOVE, headers=_write("r2", officer)).json()
    declined = world.client.post(f"{REQUESTS}/{second['id']}/withdraw",
                                 headers=_write("w2", approver))  # fmt: skip
    assert declined.status_code == 200
    assert [e["account"] for e in world.client.get(LIST, headers=officer).json()] == ["DP-OH-C1"]


def test_without_the_switch_one_representative_removes_at_once(world: World) -> None:
    officer, approver = _trust_c1(world)
    removed = world.client.post(REMOVE, headers=_write("r1", approver))
    assert (removed.status_code, removed.json()) == (200, {"result": "ok"})
    assert world.client.get(LIST, headers=officer).json() == []
    again = world.client.post(REMOVE, headers=_write("r2", approver))
    assert _error(again) == (422, "trusted_list_change_refused")
