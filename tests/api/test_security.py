"""Security: organisations are walled off, tokens stay in scope, bad payloads get 4xx."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from verified_case import verified_case

from service_world import World, build_world

TRANSFER = {"from_account": "DP-OH-A1", "to_account": "DP-OH-B1", "unit_class": "DPEA-2016",
            "quantity_t": 10}  # fmt: skip
INJECTIONS = [
    "<script>alert('x')</script>",
    "'; DROP TABLE holdings; --",
    "{{ 7 * 7 }} ${7*7} %s %n",
    "\u202eevil\u202c 碳 \\x00",
]


def test_one_organisation_cannot_read_another(world: World) -> None:
    other = world.token("officer-b")
    assert world.client.get("/v1/accounts/DP-OH-A1", headers=other).status_code == 404
    assert world.client.get("/v1/accounts/DP-OH-A1/holdings", headers=other).status_code == 404
    codes = [a["code"] for a in world.client.get("/v1/accounts", headers=other).json()["items"]]
    assert codes == ["DP-OH-B1"]
    assert world.client.get("/v1/accounts?company=A1", headers=other).json()["total"] == 0
    # The allocation to A1 does not touch B1's account, so B cannot see it.
    mine = world.client.get("/v1/transactions", headers=other).json()
    a_transactions = world.client.get("/v1/transactions", headers=world.token("officer-a")).json()
    hidden = {t["id"] for t in a_transactions["items"]} - {t["id"] for t in mine["items"]}
    assert hidden
    for transaction_id in hidden:
        assert world.client.get(f"/v1/transactions/{transaction_id}",
                                headers=other).status_code == 404  # fmt: skip


def test_one_organisation_cannot_move_another_s_units(world: World) -> None:
    other = world.token("officer-b")
    moved = world.client.post("/v1/transfers", json=TRANSFER,
                              headers=other | {"Idempotency-Key": "steal"})  # fmt: skip
    assert moved.status_code == 404
    assert moved.json()["error"]["field"] == "body.from_account"
    retire = {"account": "DP-OH-A1", "unit_class": "DPEA-2016", "quantity_t": 1,
              "beneficiary": "me", "purpose": "theft"}  # fmt: skip
    assert world.client.post("/v1/retirements", json=retire,
                             headers=other | {"Idempotency-Key": "r"}).status_code == 404  # fmt: skip
    # Nor approve A's proposals: they are invisible to B.
    proposal = world.client.post("/v1/transfers", json=TRANSFER,
                                 headers=world.token("officer-a") | {"Idempotency-Key": "t"})  # fmt: skip
    approve = world.client.post(f"/v1/proposals/{proposal.json()['id']}/approve",
                                headers=other | {"Idempotency-Key": "a"})  # fmt: skip
    assert approve.status_code == 404
    held = world.client.get("/v1/accounts/DP-OH-A1/holdings", headers=world.token("officer-a"))
    assert held.json()[0]["quantity_units"] == 1000


def test_a_representative_of_a_visible_account_still_needs_the_right(world: World) -> None:
    """approver-a sees A1's account but may only approve, not initiate."""
    refused = world.client.post("/v1/transfers", json=TRANSFER,
                                headers=world.token("approver-a") | {"Idempotency-Key": "x"})  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "initiator_lacks_right_on_source_account"


@pytest.mark.parametrize(
    ("scopes", "method", "path", "body"),
    [
        (["read"], "post", "/v1/transfers", TRANSFER),
        (["read"], "post", "/v1/surrenders",
         {"company": "A1", "unit_class": "DPEA-2016", "quantity_t": 1, "year": 2016}),
        (["registry:propose"], "get", "/v1/accounts", None),
        (["read"], "post", "/v1/proposals/1/approve", None),
        (["read"], "post", "/v1/cash/deposits", {"account": "DP-OH-A1", "amount_fen": 1}),
        (["read"], "post", "/v1/exchange/bilateral-trades",
         {"unit_class": "DPEA-2016", "seller": "A1", "buyer": "B1", "quantity_t": 1,
          "price_cny_per_t": "28.00"}),
        (["read"], "post", "/v1/allocation/unit-outputs", {"csv": "company\n"}),
        (["read"], "post", "/v1/verification-bodies", {"code": "VB9", "name": "Mine"}),
    ],
)  # fmt: skip
def test_a_token_cannot_exceed_its_scope(
    engine: Engine, scopes: list[str], method: str, path: str, body: object
) -> None:
    world = build_world(engine)
    headers = world.token("officer-a", scopes) | {"Idempotency-Key": "k"}
    answer = world.client.request(method, path, json=body, headers=headers)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "insufficient_scope"


def test_oversized_payload_gets_413(world: World) -> None:
    headers = world.token("officer-a") | {"Idempotency-Key": "big"}
    body = TRANSFER | {"memo": "x" * (world.settings.max_body_bytes + 1)}
    answer = world.client.post("/v1/transfers", json=body, headers=headers)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("content", "field", "label"),
    [
        (b"{not json", "body", None),
        (b"[]", "body", None),
        (b'{"from_account": "DP-OH-A1"}', "body.to_account", "destination account"),
        (b'{"from_account": "DP-OH-A1", "to_account": "DP-OH-B1", "unit_class": "DPEA-2016", '
         b'"quantity_t": -5}', "body.quantity_t", "quantity (t)"),
        (b'{"from_account": "DP-OH-A1", "to_account": "DP-OH-B1", "unit_class": "DPEA-2016", '
         b'"quantity_t": 1.5}', "body.quantity_t", "quantity (t)"),
        (b'{"from_account": "DP-OH-A1", "to_account": "DP-OH-B1", "unit_class": "DPEA-2016", '
         b'"quantity_t": 5, "owner": "me"}', "body.owner", None),
    ],
)  # fmt: skip
def test_malformed_payloads_get_422_with_the_field(
    world: World, content: bytes, field: str, label: str | None
) -> None:
    headers = world.token("officer-a") | {"Idempotency-Key": "m",
                                          "Content-Type": "application/json"}  # fmt: skip
    answer = world.client.post("/v1/transfers", content=content, headers=headers)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["field"] == field
    assert error["code"] and error["message"]
    # The field's name for people, added beside its machine name (an unlisted one has none).
    assert error["label"] == label and error["details"][0]["label"] == label


def test_injection_strings_are_stored_and_shown_verbatim(world: World) -> None:
    officer = world.token("officer-a")
    for index, text in enumerate(INJECTIONS):
        made = world.client.post("/v1/transfers", json=TRANSFER | {"memo": text},
                                 headers=officer | {"Idempotency-Key": f"i{index}"})  # fmt: skip
        assert made.status_code == 202, made.json()
        shown = world.client.get(f"/v1/proposals/{made.json()['id']}", headers=officer).json()
        assert shown["memo"] == text
    held = world.client.get("/v1/accounts/DP-OH-A1/holdings", headers=officer).json()
    assert held[0]["quantity_units"] == 1000  # the DROP TABLE did nothing
    found = world.client.get("/v1/companies", params={"sector": INJECTIONS[1]},
                             headers=officer).json()  # fmt: skip
    assert found["total"] == 0


def test_login_attempts_are_rate_limited(engine: Engine) -> None:
    world = build_world(engine, login_attempts_per_minute=3)
    body = {"username": "verifier", "password": "wrong password!", "scopes": ["read"]}
    answers = [world.client.post("/v1/auth/tokens", json=body).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]


def test_a_one_time_code_works_once(world: World) -> None:
    body = {"username": "officer-a", "password": "correct horse battery",
            "totp": world.code("officer-a"), "scopes": ["read"]}  # fmt: skip
    assert world.client.post("/v1/auth/tokens", json=body).status_code == 201
    replayed = world.client.post("/v1/auth/tokens", json=body)
    assert replayed.status_code == 401
    assert replayed.json()["error"]["code"] == "login_failed"


def test_a_revoked_token_and_a_deactivated_user_are_refused(world: World) -> None:
    headers = world.token("trader")
    assert world.client.post("/v1/auth/tokens/revoke", headers=headers).status_code == 200
    assert world.client.get("/v1/me", headers=headers).status_code == 401
    officer = world.token("officer-b")
    admin = world.token("admin") | {"Idempotency-Key": "d1"}
    assert world.client.post("/v1/users/officer-b/deactivate", headers=admin).status_code == 200
    assert world.client.get("/v1/me", headers=officer).status_code == 401
    body = {"username": "officer-b", "password": "correct horse battery",
            "totp": world.code("officer-b"), "scopes": ["read"]}  # fmt: skip
    assert world.client.post("/v1/auth/tokens", json=body).status_code == 401
    myself = world.client.post("/v1/users/admin/deactivate",
                               headers=world.token("admin") | {"Idempotency-Key": "d2"})  # fmt: skip
    assert myself.status_code == 422


def test_another_organisation_gets_404_for_statements_conflicts_and_cash(world: World) -> None:
    """B's officer cannot read A1's verification statement, a body's declarations or A's
    cash; a verifier reads the statement only of a case its own body verified."""
    verified_case(world)
    other = world.token("officer-b")
    for path in (
        "/v1/verification/2016/A1/statement",
        "/v1/verification/2016/A1/statement.html",
        "/v1/verification/2016/A1/statement.pdf",
        "/v1/verification-bodies/VER/conflicts",
        "/v1/verification-bodies/VB2/conflicts",
    ):
        assert world.client.get(path, headers=other).status_code == 404
    assert world.client.get("/v1/verification/2016/A1/statement",
                            headers=world.token("officer-a")).status_code == 200  # fmt: skip
    assert world.client.get("/v1/verification/2016/report.csv",
                            headers=other).text.count("\n") == 1  # fmt: skip
    # Cash in and out is the exchange's: a member's own account included.
    own = world.client.post("/v1/cash/deposits", json={"account": "DP-OH-B1", "amount_fen": 10**9},
                            headers=other | {"Idempotency-Key": "rich"})  # fmt: skip
    assert (own.status_code, own.json()["error"]["code"]) == (403, "insufficient_scope")
    log = world.client.get("/v1/registry/transaction-log", headers=other)
    assert log.status_code == 403
