"""An exchange trades its own jurisdiction's accounts only, on both stores: orders, block and
bilateral trades and deposits naming another jurisdiction's account are refused with
``account_not_in_exchange_jurisdiction``, nothing written; an operator bound to a
jurisdiction is answered about another's account or company as about none (docs/security.md).

DP (tests/service_world.py) has an exchange; SZ (tests/two_jurisdictions.py) sits beside it.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service_world import NOW, PASSWORD, TRADER_ACCOUNT, World
from tanshi.api.app import make_service
from tanshi.services import identity, lifecycle, user_admin
from tanshi.store.schema import (
    exchange_commands,
    funds_reservations,
    settlements,
    unit_reservations,
)
from tanshi.web.app import create_app
from two_jurisdictions import add_shenzhen

SELL = {"product": "DPEA-2016", "side": "sell", "quantity_t": 100, "price_cny_per_t": "28.50"}
BUY = {"product": "DPEA-2016", "side": "buy", "quantity_t": 60, "price_cny_per_t": "29.00"}
AFTERNOON = NOW.replace(hour=5, minute=30)  # 13:30 in the province: the negotiated session
CODE = "account_not_in_exchange_jurisdiction"


@pytest.fixture
def two(world: World) -> World:
    add_shenzhen(world)
    # The trader (an organisation serving every jurisdiction) may also trade for SZ's S1.
    lifecycle.add_representative(world.engine, "SZ-OH-S1", "trader", initiate=True, approve=True)
    return world


def _write(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


def _written(world: World) -> tuple[int, ...]:
    with world.engine.connect() as connection:
        return tuple(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (exchange_commands, unit_reservations, funds_reservations, settlements)
        )  # fmt: skip


def _bind(world: World, organisation: str, jurisdiction: str) -> None:
    assert not user_admin.set_organisation_jurisdiction(world.engine, organisation, jurisdiction)


@pytest.mark.parametrize("bound_to", [None, "DP"])
def test_an_order_for_another_jurisdictions_account_is_refused(two: World, bound_to) -> None:
    world = two
    if bound_to:
        _bind(world, "TRD", bound_to)
    before = _written(world)
    for n, order in enumerate((SELL, BUY)):
        refused = world.client.post(
            "/v1/exchange/orders?jurisdiction=DP", json=order | {"account": "SZ-OH-S1"},
            headers=_write(world, "trader", f"o{n}"),
        )  # fmt: skip
        assert refused.status_code == 422, refused.json()
        error = refused.json()["error"]
        assert (error["code"], error["field"]) == (CODE, "body.account")
        assert "SZ-OH-S1" in error["message"] and "DP's exchange" in error["message"]
    assert _written(world)[1:] == before[1:]  # nothing reserved, nothing traded
    orders = world.client.get("/v1/exchange/orders?jurisdiction=DP", headers=world.token("trader"))
    assert orders.json()["items"] == []
    # Without an account named, the exchange's own jurisdiction's account is chosen.
    own = world.client.post("/v1/exchange/orders?jurisdiction=DP", json=BUY,
                            headers=_write(world, "trader", "own"))  # fmt: skip
    assert (own.status_code, own.json()["account"]) == (201, TRADER_ACCOUNT)


def _clearer(world: World, jurisdiction: str | None) -> World:
    """An exchange operator (market:clear), its organisation in ``jurisdiction`` or in none;
    the service's clock in the negotiated session."""
    made = identity.create_organisation(world.engine, "EXC", "Exchange", "exchange", NOW, None,
                                        jurisdiction)  # fmt: skip
    assert not made[1]
    assert not identity.create_user(world.engine, "clearer", "Clearer", "EXC",
                                    "exchange_operator", PASSWORD, NOW)[1]  # fmt: skip
    service = make_service(world.settings, world.engine, clock=lambda: AFTERNOON)
    return World(world.engine, TestClient(create_app(service), base_url="http://testserver"),
                 world.settings)  # fmt: skip


def _negotiated(world: World, key: str) -> tuple[dict, dict, dict]:
    block = world.client.post(
        "/v1/exchange/block-trades?jurisdiction=DP",
        json={"product": "DPEA-2016", "seller": "SZ-OH-S1", "buyer": TRADER_ACCOUNT,
              "quantity_t": 10_000, "price_cny_per_t": "28.00"},
        headers=_write(world, "clearer", f"{key}-b"),
    )  # fmt: skip
    bilateral = world.client.post(
        "/v1/exchange/bilateral-trades?jurisdiction=DP",
        json={"unit_class": "DPEA-2016", "seller": "A1", "buyer": "S1", "quantity_t": 100,
              "price_cny_per_t": "29.00"},
        headers=_write(world, "clearer", f"{key}-o"),
    )  # fmt: skip
    deposit = world.client.post("/v1/cash/deposits?jurisdiction=DP",
                                json={"account": "SZ-OH-S1", "amount_fen": 100},
                                headers=_write(world, "clearer", f"{key}-d"))  # fmt: skip
    for answer in (block, bilateral, deposit):
        assert answer.status_code in (404, 422), answer.json()
    return block.json()["error"], bilateral.json()["error"], deposit.json()["error"]


def test_negotiated_trades_and_deposits_of_another_jurisdiction_are_refused(two: World) -> None:
    world = _clearer(two, None)
    before = _written(world)
    block, bilateral, deposit = _negotiated(world, "x")
    assert block["code"] == CODE and "SZ-OH-S1" in block["message"]
    assert bilateral["code"] == CODE and "SZ-OH-S1" in bilateral["message"]
    assert (deposit["code"], deposit["field"]) == (CODE, "body.account")
    assert _written(world) == before
    held = world.client.get("/v1/accounts/DP-OH-A1/holdings", headers=world.token("officer-a"))
    assert held.json()[0]["quantity_units"] == 1000  # the bilateral trade moved nothing


def test_a_bound_operator_is_answered_as_if_the_other_account_did_not_exist(two: World) -> None:
    world = _clearer(two, "DP")
    block, bilateral, deposit = _negotiated(world, "y")
    assert (block["code"], block["message"]) == ("unknown_account", "no registry account SZ-OH-S1")
    assert (bilateral["code"], bilateral["message"]) == ("unknown_company", "no company S1")
    missing = world.client.post("/v1/cash/deposits?jurisdiction=DP",
                                json={"account": "DP-NOPE", "amount_fen": 100},
                                headers=_write(world, "clearer", "y-n"))  # fmt: skip
    assert missing.status_code == 404
    assert deposit == missing.json()["error"] | {"message": "no registry account SZ-OH-S1"}
