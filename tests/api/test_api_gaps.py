"""The routes that closed issue #7's gaps, on both stores: verification bodies and conflicts,
the verification statement, production data, cash in and out, negotiated trades (the reports
as files are in test_downloads.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from verified_case import PLAN, REPORT, verified_case

from service_world import NOW, PASSWORD, TRADER_ACCOUNT, World, fast_hashing
from tanshi.api.app import make_service
from tanshi.api.settings import Settings
from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import load_rulebook
from tanshi.services import credentials, identity
from tanshi.services.jurisdiction import (
    account_id,
    load_jurisdiction,
    open_jurisdiction,
    operator_account_code,
    register_company,
    unit_class_id,
)
from tanshi.services.registry import execute
from tanshi.store.schema import unit_outputs
from tanshi.web.app import create_app

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "allocation"
# 13:30 in the province on the world's day: the negotiated session (13:00-15:00) is open.
AFTERNOON = datetime(2017, 3, 1, 5, 30, tzinfo=UTC)


def _write(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


def _clearer(world: World) -> None:
    """An exchange operator, who holds market:clear."""
    assert not identity.create_organisation(world.engine, "EXC", "Exchange", "exchange", NOW)[1]
    assert not identity.create_user(world.engine, "clearer", "Clearer", "EXC",
                                    "exchange_operator", PASSWORD, NOW)[1]  # fmt: skip


def test_verification_bodies_and_conflict_declarations(world: World) -> None:
    regulator = _write(world, "regulator", "b1")
    made = world.client.post("/v1/verification-bodies", json={"code": "VER", "name": "Verifier"},
                             headers=regulator)  # fmt: skip
    assert made.status_code == 201, made.json()
    assert (made.json()["code"], made.json()["accredited"]) == ("VER", True)
    again = world.client.post("/v1/verification-bodies", json={"code": "VER", "name": "Twice"},
                              headers=_write(world, "regulator", "b2"))  # fmt: skip
    assert (again.status_code, again.json()["error"]["code"]) == (409, "body_exists")
    world.client.post("/v1/verification-bodies",
                      json={"code": "VB2", "name": "Other", "accredited": False},
                      headers=_write(world, "regulator", "b3"))  # fmt: skip
    listed = world.client.get("/v1/verification-bodies?accredited=true",
                              headers=world.token("officer-a")).json()  # fmt: skip
    assert [b["code"] for b in listed["items"]] == ["VER"]
    assert world.client.get("/v1/verification-bodies?limit=1",
                            headers=world.token("trader")).json()["next_offset"] == 1  # fmt: skip
    officer = world.client.post("/v1/verification-bodies", json={"code": "X", "name": "X"},
                                headers=_write(world, "officer-a", "b4"))  # fmt: skip
    assert officer.status_code == 403

    declared = world.client.post("/v1/verification-bodies/VER/conflicts",
                                 json={"company": "A1", "reason": "consulted for A1 in 2016"},
                                 headers=_write(world, "verifier", "c1"))  # fmt: skip
    assert declared.status_code == 201, declared.json()
    assert declared.json()["company"] == "A1"
    # A verifier declares for its own body only; the regulator may record any.
    other = world.client.post("/v1/verification-bodies/VB2/conflicts",
                              json={"company": "B1", "reason": "x"},
                              headers=_write(world, "verifier", "c2"))  # fmt: skip
    assert (other.status_code, other.json()["error"]["code"]) == (404, "unknown_body")
    by_regulator = world.client.post("/v1/verification-bodies/VB2/conflicts",
                                     json={"company": "B1", "reason": "owner's cousin"},
                                     headers=_write(world, "regulator", "c3"))  # fmt: skip
    assert by_regulator.status_code == 201
    unknown = world.client.post("/v1/verification-bodies/VB2/conflicts",
                                json={"company": "ZZ", "reason": "x"},
                                headers=_write(world, "regulator", "c4"))  # fmt: skip
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "unknown_company")
    officer = world.client.post("/v1/verification-bodies/VER/conflicts",
                                json={"company": "A1", "reason": "x"},
                                headers=_write(world, "officer-a", "c5"))  # fmt: skip
    assert officer.status_code == 403
    mine = world.client.get("/v1/verification-bodies/VER/conflicts",
                            headers=world.token("verifier")).json()  # fmt: skip
    assert [(c["body"], c["company"]) for c in mine["items"]] == [("VER", "A1")]
    assert world.client.get("/v1/verification-bodies/VB2/conflicts",
                            headers=world.token("verifier")).status_code == 404  # fmt: skip
    assert world.client.get("/v1/verification-bodies/VER/conflicts",
                            headers=world.token("officer-a")).status_code == 404  # fmt: skip
    assert world.client.get("/v1/verification-bodies/VB2/conflicts",
                            headers=world.token("auditor")).json()["total"] == 1  # fmt: skip
    # The declaration blocks the assignment, and both writes are in the audit log.
    world.client.post("/v1/monitoring-plans", json={"toml": PLAN},
                      headers=_write(world, "officer-a", "p"))  # fmt: skip
    world.client.post("/v1/reports", json=REPORT, headers=_write(world, "officer-a", "r"))
    blocked = world.client.post("/v1/verification/2016/A1/assign", json={"body": "VER"},
                                headers=_write(world, "regulator", "a"))  # fmt: skip
    assert blocked.json()["error"]["code"] == "conflict_of_interest"
    log = world.client.get("/v1/audit?limit=100", headers=world.token("auditor")).json()
    actions = {e["action"] for e in log["items"]}
    assert {"verification_body_register", "verification_conflict"} <= actions


def test_the_verification_statement_is_for_the_company_regulator_and_issuer(world: World) -> None:
    before = world.client.get(
        "/v1/verification/2016/A1/statement", headers=world.token("officer-a")
    )
    assert (before.status_code, before.json()["error"]["code"]) == (404, "no_statement")
    verified_case(world)
    shown = world.client.get("/v1/verification/2016/A1/statement",
                             headers=world.token("officer-a")).json()  # fmt: skip
    assert (shown["body"], shown["conclusion"], shown["reported_tco2"],
            shown["verified_tco2"]) == ("VER", "verified", "7321.2", "7221.2")  # fmt: skip
    assert [f["misstatement_tco2"] for f in shown["findings"]] == ["-100"]
    assert shown["report_revision"] == 1 and shown["verified_at"] is not None
    for reader in ("regulator", "auditor", "verifier"):
        again = world.client.get("/v1/verification/2016/A1/statement", headers=world.token(reader))
        assert again.json() == shown
    for outsider in ("officer-b", "trader"):
        hidden = world.client.get("/v1/verification/2016/A1/statement",
                                  headers=world.token(outsider))  # fmt: skip
        assert hidden.status_code == 404
    document = world.client.get("/v1/verification/2016/A1/statement.html",
                                headers=world.token("officer-a"))  # fmt: skip
    assert document.headers["content-type"].startswith("text/html")
    assert "核查报告" in document.text and "7,221.2" in document.text
    assert "double-counted meter" in document.text
    assert world.client.get("/v1/verification/2016/A1/statement.html",
                            headers=world.token("officer-b")).status_code == 404  # fmt: skip


def _power(engine: Engine) -> TestClient:
    """cn-national-power with the companies of docs/examples/allocation and a regulator."""
    fast_hashing()
    now = datetime(2020, 12, 30, 2, 0, tzinfo=UTC)
    rulebook, text = load_rulebook("cn-national-power")
    place = open_jurisdiction(engine, rulebook, text, now, is_demo=False)
    for line in (EXAMPLES / "companies.csv").read_text().splitlines()[1:]:
        code, name, sector = line.split(",")
        register_company(engine, place, code, name, sector)
    assert not identity.create_organisation(engine, "MEE", "MEE", "regulator", now)[1]
    assert not identity.create_user(engine, "mee", "MEE", "MEE", "regulator", PASSWORD, now)[1]
    service = make_service(Settings(), engine, clock=lambda: now)
    return TestClient(create_app(service), base_url="http://testserver")


def _mee(engine: Engine, key: str) -> dict[str, str]:
    principal = identity.principal_named(engine, "mee")
    assert principal is not None
    raw, _ = credentials.issue_token(engine, principal, "t", sorted(principal.scopes),
                                     datetime(2020, 12, 30, tzinfo=UTC))  # fmt: skip
    return {"Authorization": f"Bearer {raw}", "Idempotency-Key": key}


def _stored_outputs(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(unit_outputs)).scalar_one()


def test_production_data_all_or_nothing_with_every_problem(engine: Engine) -> None:
    client = _power(engine)
    text = (EXAMPLES / "units-2018-2019.csv").read_text()
    bad = text.replace("coal_above_300mw", "coal_gigantic", 1).replace(",0.78,", ",1.78,", 1)
    refused = client.post("/v1/allocation/unit-outputs", json={"csv": bad},
                          headers=_mee(engine, "u0"))  # fmt: skip
    assert refused.status_code == 422
    codes = {d["code"] for d in refused.json()["error"]["details"]}
    assert {"unknown_unit_class", "load_factor_out_of_range"} <= codes
    assert _stored_outputs(engine) == 0
    done = client.post("/v1/allocation/unit-outputs", json={"csv": text, "source": "MEE 2020"},
                       headers=_mee(engine, "u1"))  # fmt: skip
    assert done.status_code == 201, done.json()
    assert (done.json()["rows"], done.json()["years"]) == (6, [2018, 2019])
    assert _stored_outputs(engine) == 6
    same = client.post("/v1/allocation/unit-outputs", json={"csv": text},
                       headers=_mee(engine, "u2"))  # fmt: skip
    assert same.status_code == 201 and _stored_outputs(engine) == 6
    changed = text.replace("1000000", "1000001", 1)
    twice = client.post("/v1/allocation/unit-outputs", json={"csv": changed},
                        headers=_mee(engine, "u3"))  # fmt: skip
    assert (twice.status_code, twice.json()["error"]["code"]) == (422, "output_already_recorded")
    activity = "company,installation,benchmark,year,activity,leakage_exposed,cbam_good\n"
    levels = client.post("/v1/allocation/activity-levels",
                         json={"csv": activity + "H,K1,no_such_benchmark,2019,-5,no,no\n"},
                         headers=_mee(engine, "a1"))  # fmt: skip
    assert levels.status_code == 422
    assert len(levels.json()["error"]["details"]) >= 2


def test_only_the_regulator_imports_production_data(world: World) -> None:
    for username in ("officer-a", "verifier"):
        refused = world.client.post("/v1/allocation/activity-levels", json={"csv": "x"},
                                    headers=_write(world, username, "a"))  # fmt: skip
        assert refused.status_code == 403
    empty = world.client.post("/v1/allocation/unit-outputs", json={"csv": "company\n"},
                              headers=_write(world, "regulator", "u"))  # fmt: skip
    assert empty.status_code == 422


def test_the_exchange_operator_pays_money_in_and_out(world: World) -> None:
    _clearer(world)
    paid = world.client.post("/v1/cash/deposits", json={"account": "DP-OH-A1", "amount_fen": 50_000},
                             headers=_write(world, "clearer", "d1"))  # fmt: skip
    assert paid.status_code == 201, paid.json()
    assert (paid.json()["cash_account"], paid.json()["balance_fen"]) == ("DP-OH-A1-CASH", 50_000)
    again = world.client.post("/v1/cash/deposits", json={"account": "DP-OH-A1", "amount_fen": 50_000},
                              headers=_write(world, "clearer", "d1"))  # fmt: skip
    assert again.json() == paid.json()
    mine = world.client.get("/v1/cash/accounts/DP-OH-A1-CASH", headers=world.token("officer-a"))
    assert mine.json()["balance_fen"] == 50_000
    too_much = world.client.post("/v1/cash/withdrawals",
                                 json={"account": "DP-OH-A1", "amount_fen": 50_001},
                                 headers=_write(world, "clearer", "w1"))  # fmt: skip
    assert too_much.status_code == 422
    out = world.client.post("/v1/cash/withdrawals", json={"account": "DP-OH-A1", "amount_fen": 20_000},
                            headers=_write(world, "clearer", "w2"))  # fmt: skip
    assert (out.status_code, out.json()["balance_fen"]) == (201, 30_000)
    unknown = world.client.post("/v1/cash/deposits", json={"account": "DP-NOPE", "amount_fen": 1},
                                headers=_write(world, "clearer", "d2"))  # fmt: skip
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_account")
    holding = world.client.post("/v1/cash/deposits", json={"account": "DP-HOLDING", "amount_fen": 1},
                                headers=_write(world, "clearer", "d3"))  # fmt: skip
    assert holding.json()["error"]["code"] == "account_cannot_trade"
    # Members cannot pay themselves money, nor can the regulator.
    for username in ("officer-a", "trader", "regulator"):
        refused = world.client.post("/v1/cash/deposits",
                                    json={"account": TRADER_ACCOUNT, "amount_fen": 1},
                                    headers=_write(world, username, "d4"))  # fmt: skip
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "insufficient_scope")
    log = world.client.get("/v1/audit?username=clearer&limit=100", headers=world.token("auditor"))
    assert {"cash_deposit", "cash_withdrawal"} <= {e["action"] for e in log.json()["items"]}


def _afternoon(world: World) -> World:
    """The same world with the service's clock in the negotiated session."""
    service = make_service(world.settings, world.engine, clock=lambda: AFTERNOON)
    return World(world.engine, TestClient(create_app(service), base_url="http://testserver"),
                 world.settings)  # fmt: skip


def test_a_bilateral_trade_settles_against_the_buyer_s_money(world: World) -> None:
    _clearer(world)
    trade = {"unit_class": "DPEA-2016", "seller": "A1", "buyer": "B1", "quantity_t": 100,
             "price_cny_per_t": "29.00"}  # fmt: skip
    closed = world.client.post("/v1/exchange/bilateral-trades", json=trade,
                               headers=_write(world, "clearer", "x"))  # fmt: skip
    assert (closed.status_code, closed.json()["error"]["code"]) == (422, "market_closed")
    later = _afternoon(world)
    wide = later.client.post("/v1/exchange/bilateral-trades",
                             json=trade | {"price_cny_per_t": "50.00"},
                             headers=_write(later, "clearer", "w"))  # fmt: skip
    assert wide.json()["error"]["code"] == "price_outside_band"  # 28.00 ± 30%
    long_key = "k" * 120  # the trade's id is hashed to fit the venue's 100 characters
    done = later.client.post("/v1/exchange/bilateral-trades", json=trade,
                             headers=_write(later, "clearer", long_key))  # fmt: skip
    assert done.status_code == 201, done.json()
    assert done.json()["transaction_id"] is not None
    held = later.client.get("/v1/accounts/DP-OH-B1/holdings", headers=later.token("officer-b"))
    assert held.json()[0]["quantity_units"] == 1100
    settled = later.client.get("/v1/settlements", headers=later.token("officer-b")).json()
    assert [(s["venue"], s["quantity_t"], s["status"]) for s in settled["items"]] == [
        ("otc", 100, "settled")]  # fmt: skip
    trader = later.client.post("/v1/exchange/bilateral-trades", json=trade,
                               headers=_write(later, "trader", "t"))  # fmt: skip
    assert trader.status_code == 403


def test_a_block_trade_is_checked_against_the_venue_then_waits_for_settlement(
    world: World,
) -> None:  # fmt: skip
    _clearer(world)
    later = _afternoon(world)
    block = {"product": "DPEA-2016", "seller": "DP-OH-A1", "buyer": TRADER_ACCOUNT,
             "quantity_t": 100, "price_cny_per_t": "28.00"}  # fmt: skip
    small = later.client.post("/v1/exchange/block-trades", json=block,
                              headers=_write(later, "clearer", "s"))  # fmt: skip
    assert (small.status_code, small.json()["error"]["code"]) == (422, "quantity_below_minimum")
    big = later.client.post("/v1/exchange/block-trades", json=block | {"quantity_t": 10_000},
                            headers=_write(later, "clearer", "b"))  # fmt: skip
    # A1 holds 1 000 t: the seller's units cannot be reserved, and nothing is written.
    assert (big.status_code, big.json()["error"]["code"]) == (422, "insufficient_units")
    assert "DP-OH-A1 holds 1,000 units of DPEA-2016 free to move, 10,000 are needed" in (
        big.json()["error"]["message"])  # fmt: skip
    assert later.client.get("/v1/settlements", headers=later.token("clearer")).json()["total"] == 0
    _more_units(world, "A1", 20_000)
    paid = later.client.post("/v1/cash/deposits",
                             json={"account": TRADER_ACCOUNT, "amount_fen": 30_000_000},
                             headers=_write(later, "clearer", "d"))  # fmt: skip
    assert paid.status_code == 201
    done = later.client.post("/v1/exchange/block-trades", json=block | {"quantity_t": 10_000},
                             headers=_write(later, "clearer", "b2"))  # fmt: skip
    assert done.status_code == 201, done.json()
    assert (done.json()["status"], done.json()["settle_on"], done.json()["value_fen"]) == (
        "pending", "2017-03-02", 10_000 * 2800)  # fmt: skip
    pending = later.client.get("/v1/settlements?status=pending", headers=later.token("trader"))
    assert [s["venue"] for s in pending.json()["items"]] == ["block"]
    hidden = later.client.get("/v1/settlements", headers=later.token("officer-b")).json()
    assert hidden["total"] == 0
    officer = later.client.post("/v1/exchange/block-trades", json=block,
                                headers=_write(later, "officer-a", "o"))  # fmt: skip
    assert officer.status_code == 403


def _more_units(world: World, company: str, quantity_t: int) -> None:
    place = load_jurisdiction(world.engine, "DP")
    allowances = unit_class_id(world.engine, place, "DPEA", 2016)
    with world.engine.connect() as connection:
        account = account_id(connection, operator_account_code("DP", company))
    for kind, source, target in (
        ("issuance", place.issuance_account, place.holding_account),
        ("allocation", place.holding_account, account),
    ):
        done = execute(world.engine, TransactionRequest(
            kind, f"t/more/{kind}", (Movement(source, target, allowances, quantity_t),), NOW))  # fmt: skip
        assert done.ok, done


def test_the_clearing_desk_points_at_the_field_at_fault(world: World) -> None:
    """An unknown party is refused at the field that named it, a size or a price at its own
    field, not at the whole body."""
    _clearer(world)
    later = _afternoon(world)
    block = {"product": "DPEA-2016", "seller": "DP-OH-A1", "buyer": "DP-NOPE",
             "quantity_t": 10_000, "price_cny_per_t": "28.00"}  # fmt: skip
    unknown = later.client.post("/v1/exchange/block-trades", json=block,
                                headers=_write(later, "clearer", "u"))  # fmt: skip
    error = unknown.json()["error"]
    assert (unknown.status_code, error["code"], error["field"], error["label"]) == (
        422, "unknown_account", "body.buyer", "buyer")  # fmt: skip
    assert error["message"] == "no registry account DP-NOPE"
    small = later.client.post("/v1/exchange/block-trades",
                              json=block | {"buyer": TRADER_ACCOUNT, "quantity_t": 100},
                              headers=_write(later, "clearer", "s"))  # fmt: skip
    assert (small.json()["error"]["code"], small.json()["error"]["field"]) == (
        "quantity_below_minimum", "body.quantity_t")  # fmt: skip
    trade = {"unit_class": "DPEA-2016", "seller": "NOPE", "buyer": "B1", "quantity_t": 100,
             "price_cny_per_t": "29.00"}  # fmt: skip
    nobody = later.client.post("/v1/exchange/bilateral-trades", json=trade,
                               headers=_write(later, "clearer", "n"))  # fmt: skip
    error = nobody.json()["error"]
    assert (nobody.status_code, error["code"], error["field"]) == (
        422, "unknown_company", "body.seller")  # fmt: skip
    wide = later.client.post("/v1/exchange/bilateral-trades",
                             json=trade | {"seller": "A1", "price_cny_per_t": "50.00"},
                             headers=_write(later, "clearer", "w"))  # fmt: skip
    assert (wide.json()["error"]["code"], wide.json()["error"]["field"]) == (
        "price_outside_band", "body.price_cny_per_t")  # fmt: skip
