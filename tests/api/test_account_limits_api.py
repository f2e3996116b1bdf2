"""An account's own limit per transfer over the API (EU Reg. 2019/1122 Art. 23(3b)): one
representative proposes (202), another confirms, and a transfer above it is refused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from registry_controls import EU_LIMITS, EU_LIMITS_BY_REGULATOR, EU_LIMITS_CAPPED
from service_world import NOW, World

LIMIT = "/v1/accounts/DP-OH-A1/transaction-limit"
REQUESTS = "/v1/accounts/DP-OH-A1/transaction-limit-requests"
TRANSFER = {"from_account": "DP-OH-A1", "to_account": "DP-OH-B1", "unit_class": "DPEA-2016",
            "quantity_t": 101}  # fmt: skip


def _write(key: str, headers: dict[str, str]) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


def _error(answer) -> tuple[int, str, str | None]:
    error = answer.json()["error"]
    return answer.status_code, error["code"], error.get("field")


def _with_limits(world: World, rules: str = EU_LIMITS) -> None:
    with world.engine.begin() as connection:
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :r"),
                           {"r": rules})  # fmt: skip


def test_two_representatives_set_a_limit_and_a_transfer_above_it_is_refused(
    world: World,
) -> None:
    _with_limits(world)
    officer, approver = world.token("officer-a"), world.token("approver-a")
    shown = world.client.get(LIMIT, headers=officer).json()
    assert (shown["offered"], shown["max_units_per_transaction"], shown["pending"]) == (
        True, None, [])  # fmt: skip
    assert shown["confirmed_by"] == ["representative"]
    proposed = world.client.post(REQUESTS, json={"max_units_per_transaction": 100},
                                 headers=_write("l1", officer))  # fmt: skip
    assert proposed.status_code == 202, proposed.json()
    made = proposed.json()
    assert (made["max_units_per_transaction"], made["state"], made["requested_by"]) == (
        100, "pending", "officer-a")  # fmt: skip
    replayed = world.client.post(REQUESTS, json={"max_units_per_transaction": 100},
                                 headers=_write("l1", officer))  # fmt: skip
    assert (replayed.status_code, replayed.json()["id"]) == (202, made["id"])
    twice = world.client.post(REQUESTS, json={"max_units_per_transaction": 90},
                              headers=_write("l2", officer))  # fmt: skip
    assert _error(twice) == (409, "account_limit_request_pending", "path.code")
    assert [r["id"] for r in world.client.get(LIMIT, headers=approver).json()["pending"]] == [
        made["id"]]  # fmt: skip
    own = world.client.post(f"{REQUESTS}/{made['id']}/confirm", headers=_write("c1", officer))
    assert _error(own)[:2] == (403, "approver_must_differ_from_initiator")
    confirmed = world.client.post(f"{REQUESTS}/{made['id']}/confirm",
                                  headers=_write("c2", approver))  # fmt: skip
    assert confirmed.status_code == 200, confirmed.json()
    body = confirmed.json()
    assert (body["max_units_per_transaction"], body["requested_by"], body["approved_by"]) == (
        100, "officer-a", "approver-a")  # fmt: skip
    assert datetime.fromisoformat(body["set_at"]) == NOW
    assert world.client.get(LIMIT, headers=officer).json()["max_units_per_transaction"] == 100
    refused = world.client.post("/v1/transfers", json=TRANSFER, headers=_write("t1", officer))
    assert _error(refused)[:2] == (422, "account_transaction_limit_exceeded")
    within = world.client.post("/v1/transfers", json=TRANSFER | {"quantity_t": 100},
                               headers=_write("t2", officer))  # fmt: skip
    assert within.status_code == 202, within.json()
    same = world.client.post(REQUESTS, json={"max_units_per_transaction": 100},
                             headers=_write("l3", officer))  # fmt: skip
    assert _error(same) == (409, "limit_unchanged", "body.max_units_per_transaction")
    zero = world.client.post(REQUESTS, json={"max_units_per_transaction": 0},
                             headers=_write("l4", officer))  # fmt: skip
    assert _error(zero) == (422, "limit_must_be_positive", "body.max_units_per_transaction")


def test_a_change_is_withdrawn_and_other_organisations_do_not_see_the_limit(
    world: World,
) -> None:
    _with_limits(world)
    officer, approver = world.token("officer-a"), world.token("approver-a")
    no_right = world.client.post(REQUESTS, json={"max_units_per_transaction": 5},
                                 headers=_write("l0", approver))  # approves only  # fmt: skip
    assert _error(no_right)[:2] == (403, "initiator_lacks_right_on_source_account")
    made = world.client.post(REQUESTS, json={"max_units_per_transaction": 5},
                             headers=_write("l1", officer)).json()  # fmt: skip
    outsider = world.token("officer-b")
    assert _error(world.client.get(LIMIT, headers=outsider))[:2] == (404, "unknown_account")
    hidden = world.client.post(f"{REQUESTS}/{made['id']}/confirm", headers=_write("x", outsider))
    assert _error(hidden)[:2] == (404, "unknown_account")
    pid = made["id"]
    withdrawn = world.client.post(
        f"/v1/accounts/DP-OH-A1/transaction-limit-requests/{pid}/withdraw",
        headers=_write("w1", officer))  # fmt: skip
    assert withdrawn.json() == {"result": "ok"}
    late = world.client.post(f"/v1/accounts/DP-OH-A1/transaction-limit-requests/{pid}/confirm",
                             headers=_write("c1", approver))  # fmt: skip
    assert _error(late)[:2] == (409, "request_not_pending")


def test_without_the_rule_no_limit_is_offered(world: World) -> None:
    officer = world.token("officer-a")
    assert world.client.get(LIMIT, headers=officer).json()["offered"] is False
    refused = world.client.post(REQUESTS, json={"max_units_per_transaction": 5},
                                headers=_write("l1", officer))  # fmt: skip
    assert _error(refused)[:2] == (409, "account_limits_not_offered")


def test_where_the_rule_says_so_the_regulator_confirms_or_turns_down_a_change(
    world: World,
) -> None:
    _with_limits(world, EU_LIMITS_BY_REGULATOR)
    officer, approver = world.token("officer-a"), world.token("approver-a")
    regulator = world.token("regulator")
    assert world.client.get(LIMIT, headers=regulator).json()["confirmed_by"] == ["regulator"]
    made = world.client.post(REQUESTS, json={"max_units_per_transaction": 100},
                             headers=_write("l1", officer)).json()  # fmt: skip
    colleague = world.client.post(f"{REQUESTS}/{made['id']}/confirm",
                                  headers=_write("c1", approver))  # fmt: skip
    assert _error(colleague) == (403, "account_limit_needs_regulator", "path.request_id")
    confirmed = world.client.post(f"{REQUESTS}/{made['id']}/confirm",
                                  headers=_write("c2", regulator))  # fmt: skip
    assert confirmed.status_code == 200, confirmed.json()
    body = confirmed.json()
    assert (body["max_units_per_transaction"], body["approved_by"], body["confirmed_by"]) == (
        100, "regulator", ["regulator"])  # fmt: skip
    refused = world.client.post("/v1/transfers", json=TRANSFER, headers=_write("t1", officer))
    assert _error(refused)[:2] == (422, "account_transaction_limit_exceeded")
    second = world.client.post(REQUESTS, json={"max_units_per_transaction": None},
                               headers=_write("l2", officer)).json()  # fmt: skip
    turned_down = world.client.post(f"{REQUESTS}/{second['id']}/withdraw",
                                    headers=_write("w1", regulator))  # fmt: skip
    assert turned_down.json() == {"result": "ok"}
    shown = world.client.get(LIMIT, headers=officer).json()
    assert (shown["max_units_per_transaction"], shown["pending"]) == (100, [])


def test_where_the_rule_caps_them_a_limit_above_the_threshold_is_refused(world: World) -> None:
    _with_limits(world, EU_LIMITS_CAPPED)
    officer = world.token("officer-a")
    above = world.client.post(REQUESTS, json={"max_units_per_transaction": 501},
                              headers=_write("l1", officer))  # fmt: skip
    assert _error(above) == (422, "limit_above_registry_threshold",
                             "body.max_units_per_transaction")  # fmt: skip
    at_it = world.client.post(REQUESTS, json={"max_units_per_transaction": 500},
                              headers=_write("l2", officer))  # fmt: skip
    assert at_it.status_code == 202, at_it.json()
    with world.engine.begin() as connection:  # the registry lowers its threshold meanwhile
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = replace(rulebook_text, "
                                "'untrusted_transfer_max_units = 500', "
                                "'untrusted_transfer_max_units = 400')"))  # fmt: skip
    world.client.app.state.service._jurisdictions.clear()  # as after a restart
    confirmed = world.client.post(f"{REQUESTS}/{at_it.json()['id']}/confirm",
                                  headers=_write("c1", world.token("approver-a")))  # fmt: skip
    assert confirmed.status_code == 422, confirmed.json()
    assert _error(confirmed) == (422, "limit_above_registry_threshold", "path.request_id")
