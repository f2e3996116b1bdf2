"""A verifier and a company land on the year with work waiting for them, and a notice names
the other years' waiting cases (the default year of the other pages is the allocation's)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from test_pages import _csrf
from test_verification_flows import _bodies, _submitted

from service_world import World
from tanshi.store.schema import allocations, companies


def _in(client: TestClient, locale: str, url: str) -> str:
    page = client.get("/account").text
    client.post("/lang", data={"to": locale, "csrf_token": _csrf(page), "back": "/account"})
    answer = client.get(url)
    assert answer.status_code == 200, answer.text
    return answer.text


def _season(world: World) -> None:
    """2016 allocated (the pages' default year) and A1's 2016 report verified by VER; its
    2017 report submitted and assigned to VER, not verified yet."""
    with world.engine.begin() as connection:
        a1 = connection.execute(select(companies.c.id).where(companies.c.code == "A1")).scalar()
        connection.execute(allocations.insert().values(
            company_id=a1, year=2016, base_average_kg=0, correction_factor="1",
            deduction_units=0, allocated_units=1000))  # fmt: skip
    _bodies(world)
    _submitted(world, "A1", "officer-a", years=(2016, 2017))
    for username, path in (("regulator", "/verification/2016/A1/assign"),
                           ("regulator", "/verification/2017/A1/assign"),
                           ("verifier", "/verification/2016/A1/verify")):  # fmt: skip
        body = {"body": "VER"} if path.endswith("assign") else None
        done = world.client.post(f"/v1{path}", json=body, headers=world.token(username) | {
            "Idempotency-Key": f"pending/{path}"})  # fmt: skip
        assert done.status_code in (200, 201), done.json()


def test_the_verifier_lands_on_the_year_of_its_waiting_case(world: World) -> None:
    _season(world)
    verifier = world.browser("verifier")
    page = _in(verifier, "zh", "/verifier")
    assert "/verifier/2017/A1/finding" in page  # the 2017 case, ready to work on
    assert re.search(r'href="/verifier\?year=2017" class="here"', page)
    assert 'class="notice"' not in page  # nothing waits in another year
    earlier = _in(verifier, "zh", "/verifier?year=2016")
    assert "/verifier/2017/A1/finding" not in earlier
    assert '<a href="/verifier?year=2017">2017 年度待贵机构处理的案件：1 件 →</a>' in earlier
    english = _in(verifier, "en", "/verifier?year=2016")
    assert "Cases waiting for your body in 2017: 1 →" in english


def test_the_company_sees_its_report_waiting_for_verification(world: World) -> None:
    _season(world)
    officer = world.browser("officer-a")
    page = _in(officer, "en", "/reports")
    assert re.search(r"<tr><td>2017</td><td>assigned</td><td>VER</td>", page), page
    assert re.search(r'href="/reports\?year=2016#verification">2016</a>', page)
    earlier = _in(officer, "zh", "/reports?year=2016")
    assert re.search(r"<tr><td>2016</td><td>已核查</td>", earlier)
    assert "2017 年度尚未完成核查的报告：1 份 →" in earlier
    assert "Reports not verified yet in 2017: 1 →" in _in(officer, "en", "/reports?year=2016")
