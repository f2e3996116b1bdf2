"""Adding to a trusted list over the API: one representative proposes, another confirms."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from registry_controls import EU_CONTROLS
from service_world import NOW, World

ADD = "/v1/accounts/DP-OH-A1/trusted-accounts"
REQUESTS = "/v1/accounts/DP-OH-A1/trusted-account-requests"


def _write(key: str, headers: dict[str, str]) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


def _error(answer) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def test_an_addition_counts_only_once_a_second_representative_confirms(world: World) -> None:
    officer, approver = world.token("officer-a"), world.token("approver-a")
    proposed = world.client.post(ADD, json={"account": "DP-OH-C1"}, headers=_write("p1", officer))
    assert proposed.status_code == 202, proposed.json()
    made = proposed.json()
    assert (made["trusted"], made["state"], made["requested_by"]) == (
        "DP-OH-C1", "pending", "officer-a")  # fmt: skip
    again = world.client.post(ADD, json={"account": "DP-OH-C1"}, headers=_write("p1", officer))
    assert again.json()["id"] == made["id"]  # the same key replays the first answer
    assert world.client.get(ADD, headers=officer).json() == []
    waiting = world.client.get(REQUESTS, headers=approver).json()
    assert [(r["id"], r["trusted"]) for r in waiting] == [(made["id"], "DP-OH-C1")]
    own = world.client.post(f"{REQUESTS}/{made['id']}/confirm", headers=_write("c1", officer))
    assert _error(own) == (403, "approver_must_differ_from_initiator")
    confirmed = world.client.post(f"{REQUESTS}/{made['id']}/confirm",
                                  headers=_write("c2", approver))  # fmt: skip
    assert confirmed.status_code == 200, confirmed.json()
    entry = confirmed.json()
    assert (entry["account"], entry["requested_by"], entry["approved_by"]) == (
        "DP-OH-C1", "officer-a", "approver-a")  # fmt: skip
    assert datetime.fromisoformat(entry["active_from"]) == NOW  # no [[registry]] rule: at once
    assert [e["account"] for e in world.client.get(ADD, headers=officer).json()] == ["DP-OH-C1"]
    assert world.client.get(REQUESTS, headers=officer).json() == []
    twice = world.client.post(f"{REQUESTS}/{made['id']}/confirm", headers=_write("c3", approver))
    assert _error(twice) == (409, "request_not_pending")
    listed = world.client.post(ADD, json={"account": "DP-OH-C1"}, headers=_write("p2", officer))
    assert _error(listed) == (409, "already_trusted")


def test_the_entry_counts_from_the_rulebooks_working_days_after_confirmation(
    world: World,
) -> None:
    with world.engine.begin() as connection:
        connection.execute(
            text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :extra"),
            {"extra": EU_CONTROLS},
        )
    officer, approver = world.token("officer-a"), world.token("approver-a")
    made = world.client.post(ADD, json={"account": "DP-OH-B1"},
                             headers=_write("p1", officer)).json()  # fmt: skip
    confirmed = world.client.post(f"{REQUESTS}/{made['id']}/confirm",
                                  headers=_write("c1", approver)).json()  # fmt: skip
    # Wednesday 1 March 2017 10:00 in the province: the 4th working day after is Tuesday
    # 7 March, at the rule's 12:00 (04:00 UTC).
    tuesday_noon = datetime(2017, 3, 7, 4, 0, tzinfo=UTC)
    assert datetime.fromisoformat(confirmed["active_from"]) == tuesday_noon
    [entry] = world.client.get(ADD, headers=officer).json()
    assert datetime.fromisoformat(entry["active_from"]) == tuesday_noon


def test_proposals_are_refused_with_every_reason(world: World) -> None:
    officer, approver = world.token("officer-a"), world.token("approver-a")
    no_right = world.client.post(ADD, json={"account": "DP-OH-C1"},
                                 headers=_write("r1", approver))  # fmt: skip
    assert _error(no_right) == (403, "initiator_lacks_right_on_source_account")
    unknown = world.client.post(ADD, json={"account": "DP-OH-ZZ"}, headers=_write("r2", officer))
    assert _error(unknown) == (422, "unknown_account")
    assert unknown.json()["error"]["field"] == "body.account"
    itself = world.client.post(ADD, json={"account": "DP-OH-A1"}, headers=_write("r3", officer))
    assert _error(itself) == (422, "account_cannot_trust_itself")
    hidden = world.client.post("/v1/accounts/DP-OH-B1/trusted-accounts",
                               json={"account": "DP-OH-C1"},
                               headers=_write("r4", officer))  # fmt: skip
    assert _error(hidden) == (404, "unknown_account")
    world.client.post(ADD, json={"account": "DP-OH-C1"}, headers=_write("r5", officer))
    twice = world.client.post(ADD, json={"account": "DP-OH-C1"}, headers=_write("r6", officer))
    assert _error(twice) == (409, "trusted_account_request_pending")
    no_key = world.client.post(ADD, json={"account": "DP-OH-C1"}, headers=officer)
    assert _error(no_key) == (400, "idempotency_key_required")
    auditor = world.token("auditor")
    assert world.client.post(ADD, json={"account": "DP-OH-C1"},
                             headers=_write("r7", auditor)).status_code == 403  # fmt: skip
    assert world.client.get("/v1/accounts/DP-OH-B1/trusted-account-requests",
                            headers=officer).status_code == 404  # fmt: skip


def test_the_proposer_withdraws_and_a_colleague_turns_down(world: World) -> None:
    officer, approver = world.token("officer-a"), world.token("approver-a")
    pid = world.client.post(ADD, json={"account": "DP-OH-C1"},
                            headers=_write("p1", officer)).json()["id"]  # fmt: skip
    withdrawn = world.client.post(
        f"/v1/accounts/DP-OH-A1/trusted-account-requests/{pid}/withdraw",
        headers=_write("w1", officer))  # fmt: skip
    assert withdrawn.json() == {"result": "ok"}
    late = world.client.post(f"/v1/accounts/DP-OH-A1/trusted-account-requests/{pid}/confirm",
                             headers=_write("c1", approver))  # fmt: skip
    assert _error(late) == (409, "request_not_pending")
    second = world.client.post(ADD, json={"account": "DP-OH-C1"},
                               headers=_write("p2", officer)).json()  # fmt: skip
    regulator = world.token("regulator")  # reads every account, represents none
    outsider = world.client.post(f"{REQUESTS}/{second['id']}/withdraw",
                                 headers=_write("w2", regulator))  # fmt: skip
    assert _error(outsider) == (422, "trusted_list_change_refused")
    other = world.client.post(f"{REQUESTS}/{second['id']}/withdraw",
                              headers=_write("w3", world.token("officer-b")))  # fmt: skip
    assert _error(other) == (404, "unknown_account")
    declined = world.client.post(f"{REQUESTS}/{second['id']}/withdraw",
                                 headers=_write("w4", approver))  # fmt: skip
    assert declined.status_code == 200
    assert world.client.get(REQUESTS, headers=officer).json() == []
    assert world.client.get(ADD, headers=officer).json() == []


def test_administrators_neither_see_nor_decide_trusted_list_additions(world: World) -> None:
    made = world.client.post(ADD, json={"account": "DP-OH-C1"},
                             headers=_write("p1", world.token("officer-a"))).json()  # fmt: skip
    admin = world.token("admin")
    assert world.client.get("/v1/admin-requests", headers=admin).json() == []
    approved = world.client.post(f"/v1/admin-requests/{made['id']}/approve",
                                 headers=_write("a1", admin))  # fmt: skip
    assert _error(approved) == (409, "request_not_pending")
    rejected = world.client.post(f"/v1/admin-requests/{made['id']}/reject",
                                 headers=_write("a2", admin))  # fmt: skip
    assert _error(rejected) == (409, "request_not_pending")
    assert len(world.client.get(REQUESTS, headers=world.token("officer-a")).json()) == 1
