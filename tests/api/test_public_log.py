"""The public transaction log on both stores: published only after the rulebook's delay, in
the rule's fields, without the regulator's own transfers; no login; the page and its link."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from service_world import World
from tanshi.api.app import make_service
from tanshi.services import publication
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.web.app import create_app

# The world books its issuance and allocations on 2017-03-01. demo-province publishes on
# 1 January the transactions booked before it (data/rulebooks/demo-province.toml).
NEW_YEAR_2018 = datetime(2017, 12, 31, 16, 0, tzinfo=UTC)  # midnight in the province


def _at(world: World, moment: datetime) -> TestClient:
    """A client of the same database on a service clock standing at ``moment``."""
    app = create_app(make_service(world.settings, world.engine, clock=lambda: moment))
    return TestClient(app, base_url="http://testserver")


def test_nothing_is_public_before_the_delay_has_passed(world: World) -> None:
    now = world.client.get("/v1/public/transactions")
    assert now.status_code == 200, now.json()
    body = now.json()
    assert (body["total"], body["items"]) == (0, [])
    assert (body["published_before"], body["next_release"]) == ("2017-01-01", "2018-01-01")
    assert body["confidence"] == "assumption" and "2019/1122" in body["source"]
    a_minute_early = _at(world, datetime(2017, 12, 31, 15, 59, tzinfo=UTC))
    assert a_minute_early.get("/v1/public/transactions").json()["total"] == 0


def test_on_release_day_the_allocations_are_public_in_the_rules_fields(world: World) -> None:
    body = _at(world, NEW_YEAR_2018).get("/v1/public/transactions?limit=2").json()
    # Issuance (issuance → the regulator's holding account) is between the regulator's own
    # accounts and stays unpublished; the three allocations to A1, B1 and C1 are published.
    assert body["published_before"] == "2018-01-01" and body["total"] == 3
    assert body["next_offset"] == 2
    first = body["items"][0]
    assert set(first) == {"transaction", "completed_at", "completed_at_local", "type",
                          "from_account", "from_holder", "to_account", "to_holder", "unit_class",
                          "quantity_units"}  # fmt: skip
    assert first["type"] == "allocation" and first["to_account"] == "DP-OH-A1"
    assert first["to_holder"] == "Company A1" and first["quantity_units"] == 1000
    assert first["completed_at"].startswith("2017-03-01T02:00")
    # demo-province's rule names no display zone: the local time is the province's, as the
    # page shows it (10:00 under UTC+08:00), and says so
    assert body["display_timezone"] == "Asia/Shanghai"
    assert first["completed_at_local"] == "2017-03-01T10:00:00.000000+08:00"
    assert body["type_counts"] == {"allocation": 3}


def test_a_rulebook_without_a_publication_rule_publishes_nothing(world: World) -> None:
    place = load_jurisdiction(world.engine, "DP")
    silent = replace(place, rulebook=place.rulebook.model_copy(update={"publication": ()}))
    assert publication.public_transaction_log(world.engine, silent, NEW_YEAR_2018, limit=10,
                                              offset=0) is None  # fmt: skip
    assert publication.public_transaction_log(world.engine, place, NEW_YEAR_2018, limit=10,
                                              offset=0) is not None  # fmt: skip


def test_a_rule_with_a_display_zone_gives_each_time_in_it(world: World) -> None:
    place = load_jurisdiction(world.engine, "DP")
    rules = tuple(rule.model_copy(update={"transaction_log_display_timezone": "Europe/Brussels"})
                  for rule in place.rulebook.publication)  # fmt: skip
    brussels = replace(place, rulebook=place.rulebook.model_copy(update={"publication": rules}))
    log = publication.public_transaction_log(world.engine, brussels, NEW_YEAR_2018, limit=1)
    assert log is not None and log.display_timezone == "Europe/Brussels"
    row = log.page.items[0]
    assert row["completed_at"] == "2017-03-01T02:00:00.000000"  # UTC, as always
    assert row["completed_at_local"] == "2017-03-01T03:00:00.000000+01:00"  # CET in winter


def test_the_public_page_needs_no_login_and_is_linked_from_the_market_page(world: World) -> None:
    client = _at(world, NEW_YEAR_2018)
    assert 'href="/public/transactions"' in client.get("/market").text
    page = client.get("/public/transactions")
    assert page.status_code == 200
    assert "交易记录公开" in page.text and "2018-01-01" in page.text
    assert "DP-OH-B1" in page.text and "Company B1" in page.text and "分配" in page.text
    client.cookies.set("tanshi_lang", "en")
    english = client.get("/public/transactions")
    assert "Public transaction log" in english.text and ">allocation<" in english.text
    early = world.client.get("/public/transactions")
    assert "尚无达到公开期限的交易" in early.text


def test_the_page_the_json_and_the_csv_give_the_same_local_time(world: World) -> None:
    """Without a display zone in the rule, all three use the jurisdiction's clock."""
    client = _at(world, NEW_YEAR_2018)
    page = client.get("/public/transactions").text
    assert "2017-03-01 10:00:00" in page and "UTC+08:00" in page
    first = client.get("/v1/public/transactions").json()["items"][0]
    csv = client.get("/v1/public/transactions?format=csv").text
    assert first["completed_at_local"] == "2017-03-01T10:00:00.000000+08:00"
    assert first["completed_at_local"] in csv.splitlines()[1]
