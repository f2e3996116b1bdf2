"""A surrender of units the company does not hold (or not enough of them) is answered
``insufficient_units`` — on the web before any question about going beyond the obligation,
and the same over the API (docs/compliance.md "Surrender")."""

from __future__ import annotations

import re
from decimal import Decimal

from service_world import World
from tanshi.services import verified_entry
from tanshi.services.jurisdiction import load_jurisdiction, open_project_account, unit_class_id

HTMX = {"HX-Request": "true"}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _owing_2000(world: World) -> None:
    """A1 owes 2,000 t for 2016 and holds 1,000 DPEA-2016; DPEA-2017 and DPCER-2015-P001
    exist, and A1 holds none of them."""
    assert not verified_entry.enter_verified_emissions(world.engine, "A1", 2016,
                                                       Decimal(2000), "t")  # fmt: skip
    place = load_jurisdiction(world.engine, "DP")
    unit_class_id(world.engine, place, "DPEA", 2017)
    open_project_account(world.engine, place, "P001", "developer")
    unit_class_id(world.engine, place, "DPCER", 2015, "P001")


def test_units_not_held_are_said_before_the_beyond_obligation_question(world: World) -> None:
    _owing_2000(world)
    client = world.browser("officer-a")
    page = client.get("/company?year=2016").text
    assert "尚欠 2,000 吨" in page
    form = {"year": "2016", "quantity_t": "3000", "csrf_token": _csrf(page)}
    for number, unit_class in enumerate(("DPCER-2015-P001", "DPEA-2017", "DPEA-2016")):
        for ticked in ({}, {"beyond_obligation": "yes"}):
            answer = client.post("/surrender", headers=HTMX, data=form | ticked | {
                "unit_class": unit_class, "form_key": f"k{number}{len(ticked)}"})  # fmt: skip
            assert answer.status_code == 422, answer.text
            assert 'data-code="insufficient_units"' in answer.text, (unit_class, answer.text)
            assert "surrender_beyond_obligation" not in answer.text
    assert "DP-OH-A1 可用于清缴的 DPEA-2016 为 1,000 吨，所需 3,000 吨" in answer.text
    # Held and within what is owed: it goes ahead without a question.
    done = client.post("/surrender", headers=HTMX, data=form | {
        "unit_class": "DPEA-2016", "quantity_t": "1000", "form_key": "ok"})  # fmt: skip
    assert 'data-code="ok"' in done.text, done.text


def test_the_api_answers_the_same(world: World) -> None:
    _owing_2000(world)
    headers = world.token("officer-a")
    for number, unit_class in enumerate(("DPCER-2015-P001", "DPEA-2017", "DPEA-2016")):
        body = {"company": "A1", "unit_class": unit_class, "quantity_t": 3000, "year": 2016}
        answer = world.client.post("/v1/surrenders", json=body,
                                   headers=headers | {"Idempotency-Key": f"s{number}"})  # fmt: skip
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "insufficient_units", answer.text
