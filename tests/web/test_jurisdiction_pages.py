"""Two jurisdictions in one database: each regulator's pages show its own jurisdiction.

DP (tests/service_world.py) with ``regulator``; SZ (tests/two_jurisdictions.py) with
``regulator-sz``. Coverage, the compliance table, the approvals queue, the accounts, the
drill-down and the allocation page each show one jurisdiction.
"""

from __future__ import annotations

import re

import pytest

from service_world import NOW, World
from tanshi.services import cash, unit_freeze_reads, unit_freezes
from two_jurisdictions import add_shenzhen


@pytest.fixture
def two(world: World) -> World:
    add_shenzhen(world)
    return world


def test_each_regulator_page_shows_its_own_compliance_table(two: World) -> None:
    dp, sz = two.browser("regulator"), two.browser("regulator-sz")
    dp_page = dp.get("/regulator?year=2016").text
    sz_page = sz.get("/regulator?year=2016").text
    assert "/regulator/companies/A1" in dp_page and "/regulator/companies/S1" not in dp_page
    assert "/regulator/companies/S1" in sz_page and "/regulator/companies/A1" not in sz_page


def test_the_drill_down_stops_at_the_jurisdictions_edge(two: World) -> None:
    dp, sz = two.browser("regulator"), two.browser("regulator-sz")
    assert dp.get("/regulator/companies/S1").status_code == 404
    assert sz.get("/regulator/companies/A1").status_code == 404
    shown = sz.get("/regulator/companies/S1")
    assert shown.status_code == 200 and "SZ-OH-S1" in shown.text


def test_each_approvals_queue_and_accounts_are_its_own(two: World) -> None:
    dp, sz = two.browser("regulator"), two.browser("regulator-sz")
    dp_queue, sz_queue = dp.get("/approvals").text, sz.get("/approvals").text
    assert "DP-OH-A1" in dp_queue and "SZ-OH-S1" not in dp_queue
    assert "SZ-OH-S1" in sz_queue and "DP-OH-A1" not in sz_queue
    accounts = sz.get("/accounts").text
    assert "SZ-OH-S2" in accounts and "DP-OH-B1" not in accounts


def test_the_allocation_page_is_the_regulators_jurisdiction(two: World) -> None:
    """Each page lists the years of its own rulebook's allocation rules: DP 2016-, SZ 2013-15."""
    dp = two.browser("regulator").get("/regulator/allocation")
    sz = two.browser("regulator-sz").get("/regulator/allocation")
    assert dp.status_code == sz.status_code == 200
    assert "allocation?year=2016" in dp.text and "allocation?year=2013" not in dp.text
    assert "allocation?year=2013" in sz.text and "allocation?year=2016" not in sz.text


def test_the_administrator_puts_a_new_regulator_organisation_in_a_jurisdiction(
    two: World,
) -> None:
    client = two.browser("admin")
    page = client.get("/admin/users").text
    assert '<option value="SZ">SZ</option>' in page
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    form = {"csrf_token": found.group(1), "code": "REG-SZ2", "name": "SZ bureau",
            "kind": "regulator"}  # fmt: skip
    refused = client.post("/admin/organisations", data={**form, "form_key": "j1"})
    assert "jurisdiction_required" in refused.text and "本数据库包含多个辖区" in refused.text
    made = client.post("/admin/organisations", data={**form, "form_key": "j2",
                                                      "jurisdiction": "SZ"})  # fmt: skip
    assert 'data-code="ok"' in made.text, made.text
    listed = client.get("/v1/organisations?limit=100", headers=two.token("admin")).json()
    assert {"code": "REG-SZ2", "jurisdiction": "SZ"}.items() <= next(
        o for o in listed["items"] if o["code"] == "REG-SZ2").items()  # fmt: skip


def test_the_registry_controls_page_keeps_to_its_jurisdiction(two: World) -> None:
    frozen = unit_freezes.freeze_units(two.engine, "DP-OH-A1", "DPEA-2016", 10, "(2017) DP 1",
                                       "claim", "regulator", "dp-freeze", NOW)  # fmt: skip
    assert frozen.freeze_id is not None
    dp, sz = two.browser("regulator"), two.browser("regulator-sz")
    assert "(2017) DP 1" in dp.get("/regulator/registry").text
    desk = sz.get("/regulator/registry").text
    assert "(2017) DP 1" not in desk
    token = re.search(r'name="csrf_token" value="([^"]+)"', desk)
    assert token
    freeze = sz.post("/regulator/registry/freeze", data={
        "account": "DP-OH-A1", "unit_class": "DPEA-2016", "quantity_t": "5",
        "order_reference": "x", "reason": "x", "csrf_token": token.group(1), "form_key": "k1"})  # fmt: skip
    assert 'data-code="freeze_refused"' in freeze.text
    release = sz.post(f"/regulator/registry/freezes/{frozen.freeze_id}/release", data={
        "reason": "x", "csrf_token": token.group(1), "form_key": "k2"})  # fmt: skip
    assert 'data-code="freeze_order_not_found"' in release.text
    assert unit_freeze_reads.freeze_order(two.engine, frozen.freeze_id).released_at is None


def test_the_audit_cash_and_trade_pages_keep_to_the_regulators_jurisdiction(
    two: World,
) -> None:
    paid = cash.transfer_with_bank(two.engine, "SZ", "CNY", "SZ-OH-S1", 500_000,
                                   "t/deposit/SZ-OH-S1", NOW, deposit=True)  # fmt: skip
    assert paid.ok, paid
    for username, account, unit in (("regulator-sz", "SZ-OH-S1", "SZA-2016"),
                                    ("regulator", "DP-OH-A1", "DPEA-2016")):  # fmt: skip
        done = two.client.post(f"/v1/accounts/{account}/freezes", json={
            "unit_class": unit, "quantity_t": 5, "order_reference": f"order {account}",
            "reason": "an order"}, headers=two.token(username) | {"Idempotency-Key": account})  # fmt: skip
        assert done.status_code == 201, done.text
    dp, sz = two.browser("regulator"), two.browser("regulator-sz")
    dp_audit, sz_audit = dp.get("/audit").text, sz.get("/audit").text
    assert "SZ-OH-S1" in sz_audit and "DP-OH-A1" not in sz_audit
    assert "DP-OH-A1" in dp_audit and "SZ-OH-S1" not in dp_audit
    dp_cash, sz_cash = dp.get("/cash").text, sz.get("/cash").text
    assert "SZ-OH-S1-CASH" in sz_cash and "DP-OH-B1-CASH" not in sz_cash
    assert "DP-OH-B1-CASH" in dp_cash and "SZ-OH-S1-CASH" not in dp_cash
    named = sz.get("/cash?account=DP-OH-B1-CASH").text  # named: still not (only the language
    named = named.replace('value="/cash?account=DP-OH-B1-CASH"', "")  # switch's way back)
    assert "DP-OH-B1-CASH" not in named
    assert dp.get("/trade").status_code == 200
    refused = sz.get("/trade")  # SZ has no exchange; it is not shown DP's
    assert refused.status_code == 404 and 'data-code="no_exchange"' in refused.text
