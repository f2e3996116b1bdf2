"""The order form offers the exchange's own jurisdiction's accounts only, and a form sent
with another jurisdiction's account is refused in the form, in the visitor's language."""

from __future__ import annotations

from test_pages import _csrf, _login

from service_world import World
from tanshi.services import lifecycle, user_admin
from two_jurisdictions import add_shenzhen


def test_the_order_form_refuses_another_jurisdictions_account(world: World) -> None:
    add_shenzhen(world)
    assert not user_admin.set_organisation_jurisdiction(world.engine, "TRD", "DP")
    lifecycle.add_representative(world.engine, "SZ-OH-S1", "trader", initiate=True, approve=True)
    client = _login(world, "trader")
    page = client.get("/trade")
    assert page.status_code == 200
    assert "<option>DP-TR-TRD</option>" in page.text and "SZ-OH-S1" not in page.text
    form = {"csrf_token": _csrf(page.text), "product": "DPEA-2016", "account": "SZ-OH-S1",
            "side": "sell", "quantity_t": "10", "price": "28.50", "time_in_force": "GTC"}  # fmt: skip
    answer = client.post("/trade/order", data=form, headers={"HX-Request": "true"})
    assert answer.status_code == 422, answer.text
    assert "account_not_in_exchange_jurisdiction" in answer.text
    assert "本交易所只接受本辖区开立的账户交易" in answer.text
    assert "SZ-OH-S1 is in jurisdiction SZ" in answer.text  # the service's detail beneath
    own = client.post("/trade/order", data=form | {"account": "DP-TR-TRD", "side": "buy"},
                      headers={"HX-Request": "true"})  # fmt: skip
    assert own.status_code == 200, own.text
