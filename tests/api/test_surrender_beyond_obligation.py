"""The surrender form shows the obligation and asks before a surrender goes beyond it (the
surplus is lawful, so it goes ahead once confirmed); the API surrenders as asked."""

from __future__ import annotations

import re

from verified_case import verified_case

from service_world import NOW, PASSWORD, World
from tanshi.registry import Movement, TransactionRequest
from tanshi.services import surrender_standing
from tanshi.services.jurisdiction import account_id, load_jurisdiction, unit_class_id
from tanshi.services.registry import execute

HTMX = {"HX-Request": "true"}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _more_units_for_a1(world: World, quantity: int) -> None:
    place = load_jurisdiction(world.engine, "DP")
    units = unit_class_id(world.engine, place, "DPEA", 2016)
    for kind, source, key in (("issuance", place.issuance_account, "x/issue"),
                              ("allocation", place.holding_account, "x/alloc")):  # fmt: skip
        target = place.holding_account if kind == "issuance" else _a1(world)
        done = execute(world.engine, TransactionRequest(
            kind, key, (Movement(source, target, units, quantity),), NOW))  # fmt: skip
        assert done.ok, done


def _a1(world: World) -> int:
    with world.engine.connect() as connection:
        return account_id(connection, "DP-OH-A1")


def test_the_form_warns_before_a_surrender_beyond_the_obligation(world: World) -> None:
    verified_case(world)  # A1 2016: 7,221.2 t verified, so 7,222 t owed
    _more_units_for_a1(world, 10_000)
    place = load_jurisdiction(world.engine, "DP")
    standing = surrender_standing.standing(world.engine, place, "A1", 2016)
    assert standing is not None and standing.surrendered_t == 0
    owed = standing.still_owed_t
    assert owed == standing.obligation_t > 7000

    client = world.client
    token = _csrf(client.get("/login").text)
    client.post("/login", data={"username": "officer-a", "password": PASSWORD,
                                "totp": world.code("officer-a"), "csrf_token": token})  # fmt: skip
    page = client.get("/company?year=2016").text
    assert f"履约义务 {owed:,} 吨，已清缴 0 吨，尚欠 {owed:,} 吨" in page
    token = _csrf(page)
    form = {"unit_class": "DPEA-2016", "year": "2016", "csrf_token": token}
    # Up to what is owed: no question asked.
    done = client.post("/surrender", data=form | {"quantity_t": str(owed - 10), "form_key": "a"},
                       headers=HTMX)  # fmt: skip
    assert done.status_code == 200 and 'data-code="ok"' in done.text, done.text
    # 25 t more than the 10 t still owed: asked first, nothing surrendered.
    asked = client.post("/surrender", data=form | {"quantity_t": "35", "form_key": "b"},
                        headers=HTMX)  # fmt: skip
    assert asked.status_code == 422 and 'data-code="surrender_beyond_obligation"' in asked.text
    assert "尚欠 10 吨" in asked.text and "超出履约义务 25 吨" in asked.text
    after = surrender_standing.standing(world.engine, place, "A1", 2016)
    assert after is not None and after.still_owed_t == 10
    # Confirmed: it goes ahead and the answer says how much went beyond.
    confirmed = client.post("/surrender", headers=HTMX, data=form | {
        "quantity_t": "35", "form_key": "c", "beyond_obligation": "yes"})  # fmt: skip
    assert confirmed.status_code == 200 and "其中 25 吨超出履约义务" in confirmed.text
    covered = surrender_standing.standing(world.engine, place, "A1", 2016)
    assert covered is not None and covered.still_owed_t == 0
    assert covered.surrendered_t == owed + 25
    # Once covered, any more is beyond the obligation: asked again.
    again = client.post("/surrender", data=form | {"quantity_t": "1", "form_key": "d"},
                        headers=HTMX)  # fmt: skip
    assert 'data-code="surrender_beyond_obligation"' in again.text
    # The API does as asked (surplus is lawful): no confirmation step there.
    body = {"company": "A1", "unit_class": "DPEA-2016", "quantity_t": 1, "year": 2016}
    api = client.post("/v1/surrenders", json=body,
                      headers=world.token("officer-a") | {"Idempotency-Key": "more"})  # fmt: skip
    assert api.status_code == 201, api.text


def test_the_header_tile_and_the_surrender_form_show_one_obligation(world: World) -> None:
    """Before the compliance run stores a result, the header tile said "—" while the form
    below it gave the obligation; both now read the same standing."""
    verified_case(world)
    place = load_jurisdiction(world.engine, "DP")
    standing = surrender_standing.standing(world.engine, place, "A1", 2016)
    assert standing is not None
    page = world.browser("officer-a").get("/company?year=2016").text
    tile = re.search(r'<b id="obligation-tile">([^<]*)</b>', page)
    assert tile and tile.group(1) == f"{standing.obligation_t:,}", page
    assert f"履约义务 {standing.obligation_t:,} 吨" in page
    before = world.browser("officer-b").get("/company?year=2016").text  # B1: nothing verified
    assert re.search(r'<b id="obligation-tile">—</b>', before)


def test_a_refused_surrender_says_why_in_the_page_language(world: World) -> None:
    """The surrender check's problem reads in Chinese with its figures (the deadline)."""
    world.moment[0] = NOW.replace(year=2018)  # past the 2016 surrender deadline
    client = world.browser("officer-a")
    token = _csrf(client.get("/company?year=2016").text)
    form = {"unit_class": "DPEA-2016", "year": "2016", "quantity_t": "1", "csrf_token": token,
            "form_key": "late"}  # fmt: skip
    refused = client.post("/surrender", data=form, headers=HTMX)
    assert 'data-code="surrender_after_deadline"' in refused.text, refused.text
    found = re.search(r"2016 年度的清缴截止日为 (\d{4}-\d\d-\d\d)", refused.text)
    assert found, refused.text
    assert "the deadline for 2016" not in refused.text
