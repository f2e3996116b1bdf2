"""The pages read an account's jurisdiction from the account (``accounts.jurisdiction_id``),
not from its code: a misnamed account follows its own jurisdiction's rulebook and walls,
and an unknown account is refused as ``unknown_account``."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import text
from test_admin_pages import _key
from test_pages import _csrf

from registry_controls import EU_CONTROLS, EU_LIMITS
from service_world import World
from tanshi.services import lifecycle
from tanshi.web.account_controls import LIMIT_KEY
from two_jurisdictions import add_shenzhen, open_misnamed


def _rules(world: World, jurisdiction: str, rules: str) -> None:
    """Append ``rules`` to one jurisdiction's rulebook, before the service first loads it."""
    with world.engine.begin() as connection:
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :r "
                                "WHERE code = :j"), {"r": rules, "j": jurisdiction})  # fmt: skip


def _answer(response) -> str:
    found = re.search(r'data-code="([^"]*)"', response.text)
    assert found, response.text
    return found.group(1)


def _waiver(client: TestClient, account: str, declared_by: str, key: str):
    desk = client.get("/regulator/registry")
    assert desk.status_code == 200, desk.text
    return client.post("/regulator/registry/waiver", data={
        "account": account, "declared_by": declared_by, "waived": "on",
        "csrf_token": _csrf(desk.text), "form_key": key})  # fmt: skip


def test_a_misnamed_accounts_limit_is_proposed_under_its_own_jurisdictions_rulebook(
    world: World,
) -> None:
    add_shenzhen(world)
    open_misnamed(world.engine, "SZ-TR-DPX", "DP")  # in DP; SZ offers no account limits
    lifecycle.add_representative(world.engine, "SZ-TR-DPX", "officer-a", initiate=True,
                                 approve=False)  # fmt: skip
    _rules(world, "DP", EU_LIMITS)
    client = world.browser("officer-a")
    page = client.get("/accounts/SZ-TR-DPX/controls")
    assert page.status_code == 200, page.text
    proposed = client.post("/accounts/SZ-TR-DPX/limit/propose", data={
        "units": "100", "csrf_token": _csrf(page.text),
        "form_key": _key(page.text, LIMIT_KEY)})  # fmt: skip
    assert _answer(proposed) == "ok", proposed.text


def test_the_registry_desk_walls_an_account_by_the_jurisdiction_it_is_in(world: World) -> None:
    add_shenzhen(world)
    open_misnamed(world.engine, "DP-TR-SZX", "SZ")  # in SZ, although named after DP
    lifecycle.add_representative(world.engine, "DP-TR-SZX", "approver-s", initiate=False,
                                 approve=True)  # fmt: skip
    _rules(world, "SZ", EU_CONTROLS)  # SZ lets holders waive the second approval; DP does not
    dp, sz = world.browser("regulator"), world.browser("regulator-sz")
    hidden = _waiver(dp, "DP-TR-SZX", "approver-s", "w1")
    assert (hidden.status_code, _answer(hidden)) == (422, "unknown_account")
    recorded = _waiver(sz, "DP-TR-SZX", "approver-s", "w2")
    assert _answer(recorded) == "ok", recorded.text


def test_the_registry_desk_refuses_an_unknown_account_as_unknown(world: World) -> None:
    client = world.browser("regulator")
    for number, account in enumerate(("DP-NOPE", "ZZ-NOPE")):
        refused = _waiver(client, account, "approver-a", f"u{number}")
        assert (refused.status_code, _answer(refused)) == (422, "unknown_account"), account
        assert "没有该账户" in refused.text  # the refusal explained in the regulator's language
