"""Numbers typed into the web's forms: as the pages print them (1,234.5) or plainly; a
misplaced comma is refused with an accepted example (web/numbers.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_pages import _csrf, _login
from test_verification_flows import _bodies, _post, _submitted, _write

from grid_site_text import grid_site_plan
from service_world import World
from tanshi.web.formats import number
from tanshi.web.numbers import read_decimal, read_whole

ACCEPTED = [
    ("1,000", "1000"), ("-1,000", "-1000"), ("3,577,393.549", "3577393.549"),
    ("1234567.5", "1234567.5"), ("+12", "12"), (" 7 ", "7"), ("0.5", "0.5"), (".5", "0.5"),
    ("5.", "5"), ("１，０００．５", "1000.5"), ("－１２", "-12"), ("−3", "-3"),
    ("1，000", "1000"),  # the comma of a Chinese input method among ASCII digits
]  # fmt: skip
REFUSED = ["1,00", "1.000,5", "12,34", ",100", "1,000,00", "1,0000", "1 000", "1_000", "1e3",
           "NaN", "Infinity", "", "   ", "-", ".", "abc", "1,000.5.5", "١٢"]  # fmt: skip


@pytest.mark.parametrize(("typed", "meant"), ACCEPTED)
def test_plain_and_grouped_numbers_are_read(typed: str, meant: str) -> None:
    assert read_decimal(typed) == Decimal(meant)


@pytest.mark.parametrize("typed", REFUSED)
def test_malformed_numbers_are_refused(typed: str) -> None:
    assert read_decimal(typed) is None
    assert read_whole(typed) is None


def test_a_whole_number_has_no_decimal_point() -> None:
    assert read_whole("1,000") == 1000 and read_whole("-2,000,000") == -2_000_000
    assert read_whole("1,000.0") is None and read_whole("1.5") is None
    assert read_whole(None) is None and read_decimal(None) is None


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**15),
                   max_value=10**15, places=6))  # fmt: skip
def test_a_number_as_the_pages_print_it_reads_back_exactly(value: Decimal) -> None:
    assert read_decimal(number(value)) == value
    assert read_decimal(f"{value:,f}".replace(",", "")) == value
    whole = int(value)
    assert read_whole(f"{whole:,}") == whole


def test_stated_emissions_finding_and_order_quantity_take_thousands_separators(
    world: World,
) -> None:
    """The QA's three forms: a report's stated emissions, a finding's amount, an order."""
    client = world.browser("officer-a")
    token = _csrf(client.get("/reports?year=2016").text)
    client.post("/reports/plan", data={"csrf_token": token, "toml": grid_site_plan("A1")})
    text = "unit,stream,month,quantity\n" + "".join(f"site,grid,{m},1000\n" for m in range(1, 13))

    def check(stated: str) -> str:
        return client.post("/reports/check", data={"csrf_token": token, "year": "2016",
                                                   "stated_t": stated},
                           files={"report": ("r.csv", (text + "site,grid,total,12000\n").encode(),
                                             "text/csv")}).text  # fmt: skip

    assert 'data-code="checks_passed"' in check("7,321.2")
    assert "报告填报排放量 3577393.549 吨二氧化碳" in check("3,577,393.549")
    refused = check("7,32.2")
    assert 'data-code="invalid_number"' in refused
    assert "企业自报排放量（吨）：请输入吨数，例如 1,234.5 或 1234.5。" in refused

    _bodies(world)
    _submitted(world, "B1", "officer-b")
    world.client.post("/v1/verification/2016/B1/assign", json={"body": "VER"},
                      headers=_write(world, "regulator", "aB1"))  # fmt: skip
    verifier = world.browser("verifier")
    cases = verifier.get("/verifier?year=2016").text
    found = _post(verifier, "/verifier/2016/B1/finding", cases, kind="misstatement",
                  amount_t="-1,000", description="double-counted meter")  # fmt: skip
    assert 'data-code="ok"' in found.text, found.text
    listed = verifier.get("/verifier/2016/B1/findings").text
    assert "-1,000" in listed

    trader = _login(world, "trader")
    form = {"csrf_token": _csrf(trader.get("/trade").text), "product": "DPEA-2016",
            "account": "DP-TR-TRD", "side": "buy", "quantity_t": "1,000", "price": "28.60",
            "time_in_force": "GTC"}  # fmt: skip
    answer = trader.post("/trade/order", data=form, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "挂单 1000 吨" in answer.text, answer.text
    bad = trader.post("/trade/order", data=form | {"quantity_t": "1,00"})
    assert bad.status_code == 422 and 'data-code="invalid_number"' in bad.text
    assert "请输入整数，例如 1,000 或 1000" in bad.text
