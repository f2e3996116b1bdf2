"""GET /v1/exchange/surveillance on both stores: the alerts of a jurisdiction's exchange, for
regulators and the exchange operator, walled like the exchange's other reads (DP has an
exchange; SZ, tests/two_jurisdictions.py, beside it has none). Each company's operator account
holds a third (DP) or a half (SZ) of its jurisdiction's allowances: a large holder."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from service_world import NOW, PASSWORD, World
from tanshi.resources import load_venue, surveillance_rules
from tanshi.services import identity
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.services.surveillance import surveillance_report
from two_jurisdictions import add_shenzhen

PATH = "/v1/exchange/surveillance"
DP_HOLDERS = ["DP-OH-A1", "DP-OH-B1", "DP-OH-C1"]


@pytest.fixture
def two(world: World) -> World:
    add_shenzhen(world)
    for code, jurisdiction in (("EXC", "DP"), ("EXC-ALL", None)):
        assert not identity.create_organisation(world.engine, code, code, "exchange", NOW, None,
                                                jurisdiction)[1]  # fmt: skip
        assert not identity.create_user(world.engine, code.lower(), code, code,
                                        "exchange_operator", PASSWORD, NOW)[1]  # fmt: skip
    return world


def _get(world: World, username: str, query: str = ""):
    return world.client.get(f"{PATH}{query}", headers=world.token(username))


def test_the_library_reports_one_jurisdictions_accounts(two: World) -> None:
    engine: Engine = two.engine
    dp, sz = load_jurisdiction(engine, "DP"), load_jurisdiction(engine, "SZ")
    venue = load_venue("demo-province")
    # A venue listing SZ's allowances beside DP's: only the asking jurisdiction's accounts.
    sza = venue.products[0].model_copy(update={"code": "SZA-2016", "unit_type": "SZA"})
    both = venue.model_copy(update={"products": [*venue.products, sza]})
    day = date(2017, 3, 1)
    mine = surveillance_report(engine, dp.id, both, surveillance_rules(), day)
    assert [(f.kind, f.account) for f in mine] == [("large_holder", a) for a in DP_HOLDERS]
    theirs = surveillance_report(engine, sz.id, both, surveillance_rules(), day)
    assert [f.account for f in theirs] == ["SZ-OH-S1", "SZ-OH-S2"]
    # Positions are of the venue's products: SZ's accounts hold none of DPEX's.
    assert surveillance_report(engine, sz.id, venue, surveillance_rules(), day) == []


@pytest.mark.parametrize("username", ["regulator", "exc", "auditor"])
def test_a_reader_sees_its_jurisdictions_alerts_only(two: World, username: str) -> None:
    answer = _get(two, username, "?jurisdiction=DP&on=2017-03-01")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["exchange"], body["jurisdiction"], body["on"], body["total"]) == (
        "DPEX", "DP", "2017-03-01", 3)  # fmt: skip
    assert [(a["kind"], a["account"], a["day"]) for a in body["items"]] == [
        ("large_holder", a, "2017-03-01") for a in DP_HOLDERS]  # fmt: skip
    assert "33.3% of the 3,000 t of DPEA-2016" in body["items"][0]["message"]
    assert body["items"][0]["params"] == {"quantity_t": 1000, "percent": "33.3",
                                          "total_t": 3000, "unit_class": "DPEA-2016",
                                          "threshold_percent": "5"}  # fmt: skip


def test_filters_and_pages_like_the_sibling_lists(two: World) -> None:
    first = _get(two, "regulator", "?limit=2").json()
    assert ([a["account"] for a in first["items"]], first["next_offset"]) == (DP_HOLDERS[:2], 2)
    rest = _get(two, "regulator", "?limit=2&offset=2").json()
    assert ([a["account"] for a in rest["items"]], rest["next_offset"]) == (DP_HOLDERS[2:], None)
    one = _get(two, "regulator", "?account=DP-OH-B1").json()
    assert [a["account"] for a in one["items"]] == ["DP-OH-B1"]
    assert _get(two, "regulator", "?kind=wash_trade_suspected").json()["total"] == 0
    assert _get(two, "regulator", "?kind=nonsense").status_code == 422
    for day in ("9999-12-31", "0001-01-01"):  # a day without a next day (or a UTC start)
        too_far = _get(two, "regulator", f"?on={day}")
        assert too_far.status_code == 422, too_far.text
        assert too_far.json()["error"]["field"] == "query.on"


def test_the_walls_answer_as_the_exchanges_other_reads(two: World) -> None:
    other = _get(two, "regulator-sz", "?jurisdiction=DP")
    assert (other.status_code, other.json()["error"]["code"]) == (403, "not_your_jurisdiction")
    assert _get(two, "exc", "?jurisdiction=SZ").json()["error"]["code"] == "not_your_jurisdiction"
    own = _get(two, "regulator-sz")  # SZ's own exchange: tanshi ships none for the pilot
    assert (own.status_code, own.json()["error"]["code"]) == (404, "no_exchange")
    for username in ("trader", "officer-a", "verifier"):
        refused = _get(two, username, "?jurisdiction=DP")
        assert (refused.status_code, refused.json()["error"]["code"]) == (
            403, "regulators_and_exchange_only")  # fmt: skip
    unbound = _get(two, "exc-all")
    assert (unbound.status_code, unbound.json()["error"]["code"]) == (422, "jurisdiction_required")
    assert _get(two, "exc-all", "?jurisdiction=DP").json()["total"] == 3
