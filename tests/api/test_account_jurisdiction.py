"""An account's jurisdiction is the one it was opened in (``accounts.jurisdiction_id``), not
the one its code begins with: ``Service.jurisdiction_of_account``, walled like
``Service.jurisdiction``, and the account routes that read the rulebook through it."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from sqlalchemy import text

from registry_controls import CONTROLS, EU_CONTROLS, EU_LIMITS, SHANGHAI
from service_world import NOW, World
from tanshi.api.context import Service
from tanshi.api.errors import ApiError
from tanshi.registry import Movement, TransactionRequest
from tanshi.services import identity, lifecycle, trusted_list
from tanshi.services.jurisdiction import account_id, load_jurisdiction, unit_class_id
from tanshi.services.registry import execute
from two_jurisdictions import add_shenzhen, open_misnamed

MISNAMED = "SZ-TR-DPX"  # opened in DP, although its code begins with SZ's


def _service(world: World) -> Service:
    return world.client.app.state.service  # type: ignore[attr-defined]


def _refused(call) -> tuple[int, str, str | None]:
    with pytest.raises(ApiError) as raised:
        call()
    return raised.value.status, raised.value.code, raised.value.field


def test_an_account_is_in_the_jurisdiction_it_was_opened_in_whatever_its_code_says(
    world: World,
) -> None:
    add_shenzhen(world)
    open_misnamed(world.engine, MISNAMED, "DP")
    svc = _service(world)
    assert svc.jurisdiction_of_account(MISNAMED).code == "DP"
    assert svc.jurisdiction_of_account("SZ-OH-S1").code == "SZ"
    assert svc.jurisdiction_of_account("DP-HOLDING").code == "DP"  # a system account


def test_the_limit_of_a_misnamed_account_follows_its_own_jurisdictions_rulebook(
    world: World,
) -> None:
    add_shenzhen(world)
    open_misnamed(world.engine, MISNAMED, "DP")
    lifecycle.add_representative(world.engine, MISNAMED, "officer-a", initiate=True,
                                 approve=False)  # fmt: skip
    with world.engine.begin() as connection:  # DP offers account limits; SZ does not
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :r "
                                "WHERE code = 'DP'"), {"r": EU_LIMITS})  # fmt: skip
    officer = world.token("officer-a")
    shown = world.client.get(f"/v1/accounts/{MISNAMED}/transaction-limit", headers=officer)
    assert shown.status_code == 200, shown.json()
    assert (shown.json()["offered"], shown.json()["confirmed_by"]) == (True, ["representative"])
    proposed = world.client.post(f"/v1/accounts/{MISNAMED}/transaction-limit-requests",
                                 json={"max_units_per_transaction": 100},
                                 headers=officer | {"Idempotency-Key": "l1"})  # fmt: skip
    assert proposed.status_code == 202, proposed.json()


def _funded(world: World, code: str, quantity: int) -> None:
    """``quantity`` DPEA-2016 moved from A1's account to ``code``."""
    units = unit_class_id(world.engine, load_jurisdiction(world.engine, "DP"), "DPEA", 2016)
    with world.engine.connect() as connection:
        source, to = account_id(connection, "DP-OH-A1"), account_id(connection, code)
    moved = TransactionRequest("transfer", f"t/fund/{code}", (Movement(source, to, units,
                                                                       quantity),), NOW)  # fmt: skip
    assert execute(world.engine, moved).ok


def test_a_misnamed_accounts_transfer_is_approved_and_released_under_its_own_rules(
    world: World,
) -> None:
    """DP queues a transfer to a trusted account approved while its registry is closed; SZ
    has no such rule, so an approval read as SZ's (the code's prefix) would execute at once.
    The release reads the queued proposal's jurisdiction from its source account too: with
    the destination untrusted meanwhile, DP's rule delays it where SZ's would execute it."""
    add_shenzhen(world)
    open_misnamed(world.engine, MISNAMED, "DP")
    lifecycle.add_representative(world.engine, MISNAMED, "officer-a", initiate=True,
                                 approve=False)  # fmt: skip
    lifecycle.add_representative(world.engine, MISNAMED, "approver-a", initiate=False,
                                 approve=True)  # fmt: skip
    _funded(world, MISNAMED, 50)
    with world.engine.begin() as connection:
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :r "
                                "WHERE code = 'DP'"), {"r": EU_CONTROLS})  # fmt: skip
    lifecycle.trust_account(world.engine, load_jurisdiction(world.engine, "DP"), MISNAMED,
                            "DP-OH-B1", "officer-a", "approver-a", NOW)  # fmt: skip
    _service(world).clock = lambda: datetime(2017, 3, 11, 11, 0, tzinfo=SHANGHAI)  # a Saturday
    transfer = {"from_account": MISNAMED, "to_account": "DP-OH-B1", "unit_class": "DPEA-2016",
                "quantity_t": 10}  # fmt: skip
    proposed = world.client.post("/v1/transfers", json=transfer,
                                 headers=world.token("officer-a") | {"Idempotency-Key": "m1"})  # fmt: skip
    assert (proposed.status_code, proposed.json()["status"]) == (202, "awaiting_approval")
    queued = world.client.post(f"/v1/proposals/{proposed.json()['id']}/approve",
                               headers=world.token("approver-a") | {"Idempotency-Key": "m2"})  # fmt: skip
    assert queued.json()["status"] == "queued", queued.json()
    # B1 taken off the list meanwhile: at the opening DP's rule delays it as untrusted.
    trusted_list.untrust_account(world.engine, load_jurisdiction(world.engine, "DP"), MISNAMED,
                                 "DP-OH-B1", "officer-a", NOW)  # fmt: skip
    [done] = lifecycle.release_due(world.engine, datetime(2017, 3, 13, 10, 0, tzinfo=SHANGHAI))
    assert (done.proposal_id, done.status.value) == (proposed.json()["id"], "delayed")


def test_another_jurisdictions_account_is_answered_as_one_that_does_not_exist(
    world: World,
) -> None:
    add_shenzhen(world)
    open_misnamed(world.engine, MISNAMED, "DP")
    svc = _service(world)
    dp = identity.principal_named(world.engine, "regulator")
    sz = identity.principal_named(world.engine, "regulator-sz")
    assert dp is not None and sz is not None
    assert svc.jurisdiction_of_account(MISNAMED, who=dp).code == "DP"
    assert svc.jurisdiction_of_account("SZ-OH-S1", who=sz).code == "SZ"
    missing = (404, "unknown_account", "path.code")
    assert _refused(lambda: svc.jurisdiction_of_account(MISNAMED, who=sz)) == missing
    assert _refused(lambda: svc.jurisdiction_of_account("SZ-OH-S1", who=dp)) == missing
    assert _refused(lambda: svc.jurisdiction_of_account("DP-NOPE")) == missing
    assert _refused(lambda: svc.jurisdiction_of_account("ZZ-NOPE", "body.account")) == (
        404, "unknown_account", "body.account")  # fmt: skip
    nowhere = dataclasses.replace(dp, jurisdiction=None, jurisdiction_id=None)
    for code in ("DP-OH-A1", "DP-NOPE"):  # the same answer whether the account exists or not
        assert _refused(lambda c=code: svc.jurisdiction_of_account(c, who=nowhere))[:2] == (
            403, "no_jurisdiction")  # fmt: skip


@pytest.mark.parametrize("code", ["DP-NOPE", "ZZ-NOPE"])
def test_an_unknown_account_answers_404_unknown_account(world: World, code: str) -> None:
    regulator, officer = world.token("regulator"), world.token("officer-a")
    waiver = world.client.post(f"/v1/accounts/{code}/approval-waiver",
                               json={"waived": False, "declared_by": "officer-a"},
                               headers=regulator | {"Idempotency-Key": f"w-{code}"})  # fmt: skip
    limit = world.client.get(f"/v1/accounts/{code}/transaction-limit", headers=officer)
    for answer in (waiver, limit):
        assert answer.status_code == 404, answer.json()
        assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == (
            "unknown_account", "path.code")  # fmt: skip


def test_a_transfer_of_another_jurisdictions_units_is_proposed_under_the_accounts_rules(
    world: World,
) -> None:
    """SZ-OH-S1 holds DP allowances: SZ's registry refuses proposals while it is closed, DP's
    (the units' jurisdiction) has no hours, so a proposal read under DP's rules would wait."""
    add_shenzhen(world)
    _funded(world, "SZ-OH-S1", 50)
    with world.engine.begin() as connection:
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :r "
                                "WHERE code = 'SZ'"), {"r": CONTROLS})  # fmt: skip
    _service(world).clock = lambda: datetime(2017, 3, 11, 11, 0, tzinfo=SHANGHAI)  # a Saturday
    transfer = {"from_account": "SZ-OH-S1", "to_account": "SZ-OH-S2", "unit_class": "DPEA-2016",
                "quantity_t": 10}  # fmt: skip
    proposed = world.client.post("/v1/transfers", json=transfer,
                                 headers=world.token("officer-s") | {"Idempotency-Key": "x1"})  # fmt: skip
    assert proposed.json()["error"]["code"] == "outside_business_hours", proposed.json()
    again = world.client.post("/v1/transfers", json=transfer,
                              headers=world.token("officer-s") | {"Idempotency-Key": "x1"})  # fmt: skip
    assert (again.status_code, again.json()) == (proposed.status_code, proposed.json())
