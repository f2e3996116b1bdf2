"""Every route of the API, on SQLite and PostgreSQL: what it returns and what it refuses."""

from __future__ import annotations

import re
from pathlib import Path

from service_world import NOW, PASSWORD, World

TRANSFER = {"from_account": "DP-OH-A1", "to_account": "DP-OH-C1", "unit_class": "DPEA-2016",
            "quantity_t": 100}  # fmt: skip


def _write(key: str, headers: dict[str, str]) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


def test_health_and_openapi_3_1(world: World) -> None:
    assert world.client.get("/v1/health").json()["status"] == "ok"
    spec = world.client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    transfer = spec["paths"]["/v1/transfers"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in transfer["parameters"]]
    assert "ErrorBody" in spec["components"]["schemas"]


def test_token_needs_password_and_totp_and_is_scoped(world: World) -> None:
    body = {"username": "officer-a", "password": PASSWORD, "scopes": ["read"]}
    assert world.client.post("/v1/auth/tokens", json=body).status_code == 401  # no TOTP
    good = world.client.post("/v1/auth/tokens", json=body | {"totp": world.code("officer-a")})
    assert good.status_code == 201
    headers = {"Authorization": f"Bearer {good.json()['token']}"}
    me = world.client.get("/v1/me", headers=headers).json()
    assert (me["username"], me["company"], me["scopes"]) == ("officer-a", "A1", ["read"])
    # A verifier needs a second factor too; the read-only auditor logs in with a password
    # alone, and may not ask for write scopes.
    verifier = {"username": "verifier", "password": PASSWORD, "scopes": ["read"]}
    assert world.client.post("/v1/auth/tokens", json=verifier).status_code == 401
    plain = {"username": "auditor", "password": PASSWORD, "scopes": ["read"]}
    assert world.client.post("/v1/auth/tokens", json=plain).status_code == 201
    auditor = {"username": "auditor", "password": PASSWORD, "scopes": ["registry:propose"]}
    refused = world.client.post("/v1/auth/tokens", json=auditor)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "scope_exceeds_role"


def test_wrong_passwords_lock_the_account(world: World) -> None:
    wrong = {"username": "verifier", "password": "not the password", "scopes": ["read"]}
    for _ in range(5):
        assert world.client.post("/v1/auth/tokens", json=wrong).status_code == 401
    right = wrong | {"password": PASSWORD}
    locked = world.client.post("/v1/auth/tokens", json=right)
    assert locked.status_code == 401
    assert locked.json()["error"]["code"] == "account_locked"


def test_unknown_and_missing_tokens_get_401(world: World) -> None:
    assert world.client.get("/v1/accounts").status_code == 401
    bad = world.client.get("/v1/accounts", headers={"Authorization": "Bearer tsk_nope"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_token"


def test_jurisdictions_and_companies(world: World) -> None:
    headers = world.token("verifier")
    assert [j["code"] for j in world.client.get("/v1/jurisdictions", headers=headers).json()] == [
        "DP"
    ]
    assert world.client.get("/v1/jurisdictions/DP", headers=headers).json()["is_demo"] is True
    assert world.client.get("/v1/jurisdictions/XX", headers=headers).status_code == 404
    cement = world.client.get("/v1/companies?sector=cement", headers=headers).json()
    assert [c["code"] for c in cement["items"]] == ["B1"]
    page = world.client.get("/v1/companies?limit=2", headers=headers).json()
    assert (len(page["items"]), page["total"], page["next_offset"]) == (2, 3, 2)
    assert world.client.get("/v1/companies/A1", headers=headers).json()["sector"] == "power"
    assert world.client.get("/v1/companies/ZZ", headers=headers).status_code == 404


def test_accounts_are_scoped_to_the_organisation(world: World) -> None:
    officer = world.token("officer-a")
    mine = world.client.get("/v1/accounts", headers=officer).json()
    assert [a["code"] for a in mine["items"]] == ["DP-OH-A1"]
    holdings = world.client.get("/v1/accounts/DP-OH-A1/holdings", headers=officer).json()
    assert holdings == [{"unit_class": "DPEA-2016", "unit_kind": "allowance", "vintage": 2016,
                         "quantity_units": 1000}]  # fmt: skip
    assert world.client.get("/v1/accounts/DP-OH-B1", headers=officer).status_code == 404
    regulator = world.token("regulator")
    operators = world.client.get("/v1/accounts?kind=operator_holding", headers=regulator).json()
    assert operators["total"] == 3
    detail = world.client.get("/v1/accounts/DP-HOLDING", headers=regulator).json()
    assert detail["holdings"] == []  # 3000 issued, 3 × 1000 allocated: zero rows are hidden


def test_transfer_needs_a_second_user_to_approve(world: World) -> None:
    officer, approver = world.token("officer-a"), world.token("approver-a")
    proposed = world.client.post("/v1/transfers", json=TRANSFER, headers=_write("t1", officer))
    assert proposed.status_code == 202
    proposal = proposed.json()
    assert (proposal["status"], proposal["initiator"]) == ("awaiting_approval", "officer-a")
    # officer-a holds no approve right on the account, and may not approve their own proposal.
    own = world.client.post(f"/v1/proposals/{proposal['id']}/approve",
                            headers=_write("a0", world.token("officer-a")))  # fmt: skip
    assert own.status_code == 403
    approved = world.client.post(f"/v1/proposals/{proposal['id']}/approve",
                                 headers=_write("a1", approver))  # fmt: skip
    assert approved.status_code == 200
    assert approved.json()["status"] == "executed"
    held = world.client.get("/v1/accounts/DP-OH-A1/holdings", headers=officer).json()
    assert held[0]["quantity_units"] == 1000 - 100
    shown = world.client.get(f"/v1/proposals/{proposal['id']}", headers=officer).json()
    assert shown["approver"] == "approver-a"
    listed = world.client.get("/v1/proposals?status=executed", headers=officer).json()
    assert [p["id"] for p in listed["items"]] == [proposal["id"]]
    transactions = world.client.get("/v1/transactions?type=transfer", headers=officer).json()
    assert transactions["total"] == 1
    one = world.client.get(f"/v1/transactions/{transactions['items'][0]['id']}", headers=officer)
    assert one.json()["movements"][0]["to_account"] == "DP-OH-C1"


def test_the_approval_queue_and_cancel(world: World) -> None:
    officer, approver = world.token("officer-a"), world.token("approver-a")
    proposal = world.client.post("/v1/transfers", json=TRANSFER,
                                 headers=_write("t1", officer)).json()  # fmt: skip
    queue = world.client.get("/v1/proposals?awaiting_my_approval=true", headers=approver).json()
    assert [p["id"] for p in queue["items"]] == [proposal["id"]]
    cancelled = world.client.post(f"/v1/proposals/{proposal['id']}/cancel",
                                  headers=_write("c1", officer))  # fmt: skip
    assert cancelled.json()["status"] == "cancelled"
    again = world.client.post(f"/v1/proposals/{proposal['id']}/approve",
                              headers=_write("a1", approver))  # fmt: skip
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "proposal_not_awaiting_approval"
    assert world.client.get("/v1/proposals/999", headers=officer).status_code == 404


def test_idempotency_key_replays_and_refuses_reuse(world: World) -> None:
    officer = world.token("officer-a")
    first = world.client.post("/v1/transfers", json=TRANSFER, headers=_write("same", officer))
    again = world.client.post("/v1/transfers", json=TRANSFER, headers=_write("same", officer))
    assert again.status_code == first.status_code
    assert again.json() == first.json()
    other = world.client.post("/v1/transfers", json=TRANSFER | {"quantity_t": 5},
                              headers=_write("same", officer))  # fmt: skip
    assert other.status_code == 409
    assert other.json()["error"]["field"] == "header.Idempotency-Key"
    missing = world.client.post("/v1/transfers", json=TRANSFER, headers=officer)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "idempotency_key_required"
    listed = world.client.get("/v1/proposals", headers=officer).json()
    assert listed["total"] == 1


def test_retirement_returns_a_certificate(world: World) -> None:
    headers = _write("r1", world.token("officer-b"))
    body = {"account": "DP-OH-B1", "unit_class": "DPEA-2016", "quantity_t": 10,
            "beneficiary": "Green Games 2017", "purpose": "event neutrality"}  # fmt: skip
    made = world.client.post("/v1/retirements", json=body, headers=headers)
    assert made.status_code == 201, made.json()
    # A1 was allocated serials 1..1000, B1 1001..2000; one block, so its lowest leave first.
    assert made.json()["blocks"] == ["DPEA-2016-000000001001..000000001010"]


def test_surrender_only_for_your_own_company(world: World) -> None:
    officer = world.token("officer-a")
    body = {"company": "A1", "unit_class": "DPEA-2016", "quantity_t": 50, "year": 2016}
    done = world.client.post("/v1/surrenders", json=body, headers=_write("s1", officer))
    assert done.status_code == 201, done.json()
    assert done.json()["transaction_id"] is not None
    other = world.client.post("/v1/surrenders", json=body | {"company": "B1"},
                              headers=_write("s2", officer))  # fmt: skip
    assert other.status_code == 404
    trader = world.token("trader")
    assert world.client.post("/v1/surrenders", json=body,
                             headers=_write("s3", trader)).status_code == 403  # fmt: skip


def test_compliance_routes(world: World) -> None:
    regulator = world.token("regulator")
    assert world.client.get("/v1/compliance/2016", headers=regulator).json()["total"] == 0
    coverage = world.client.get("/v1/compliance/2016/coverage", headers=regulator).json()
    assert (coverage["companies"], coverage["year"]) == (3, 2016)
    officer = world.token("officer-a")
    assert world.client.get("/v1/compliance/2016/coverage", headers=officer).status_code == 403
    early = world.client.post("/v1/compliance/2016/run", headers=_write("run", regulator))
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "compliance_not_due"


def test_public_routes_need_no_login(world: World) -> None:
    assert world.client.get("/v1/public/compliance/2016").json()["items"] == []
    assert world.client.get("/v1/public/compliance-years").json() == []
    by_kind = world.client.get("/v1/public/holdings-by-kind").json()
    operators = [line for line in by_kind if line["account_kind"] == "operator_holding"]
    assert operators == [{"account_kind": "operator_holding", "unit_class": "DPEA-2016",
                          "accounts": 3, "quantity_units": 3000}]  # fmt: skip


def test_account_status_change_by_the_regulator(world: World) -> None:
    regulator = world.token("regulator")
    frozen = world.client.post("/v1/accounts/DP-OH-A1/status",
                               json={"status": "frozen", "reason": "court order 17"},
                               headers=_write("f1", regulator))  # fmt: skip
    assert frozen.status_code == 200
    refused = world.client.post("/v1/transfers", json=TRANSFER,
                                headers=_write("t1", world.token("officer-a")))  # fmt: skip
    assert refused.json()["error"]["code"] == "account_frozen"
    bad = world.client.post("/v1/accounts/DP-OH-A1/status", json={"status": "gone", "reason": "x"},
                            headers=_write("f2", regulator))  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "body.status"


def test_administration_and_audit(world: World) -> None:
    admin = world.token("admin")
    made = world.client.post("/v1/organisations",
                             json={"code": "ORG-C", "name": "Company C1", "kind": "company",
                                   "company": "C1"}, headers=_write("o1", admin))  # fmt: skip
    assert made.status_code == 201
    orgs = world.client.get("/v1/organisations", headers=admin).json()
    assert "ORG-C" in [o["code"] for o in orgs["items"]]
    user = world.client.post("/v1/users", json={
        "username": "officer-c", "display_name": "Officer C", "organisation": "ORG-C",
        "role": "compliance_officer", "password": "a long enough password"},
        headers=_write("u1", admin))  # fmt: skip
    assert user.status_code == 201
    assert user.json()["totp_provisioning_uri"].startswith("otpauth://totp/")
    short = world.client.post("/v1/users", json={
        "username": "x1", "display_name": "X", "organisation": "ORG-C", "role": "trader",
        "password": "short"}, headers=_write("u2", admin))  # fmt: skip
    assert short.json()["error"]["field"] == "body.password"
    # A name already in use is a conflict, not an invalid request: 409 at its field.
    taken = world.client.post("/v1/users", json={
        "username": "officer-c", "display_name": "Officer C", "organisation": "ORG-C",
        "role": "trader", "password": "a long enough password"},
        headers=_write("u3", admin))  # fmt: skip
    error = taken.json()["error"]
    assert (taken.status_code, error["code"], error["field"]) == (
        409, "username_taken", "body.username")  # fmt: skip
    again = world.client.post("/v1/organisations",
                              json={"code": "ORG-C", "name": "Company C1", "kind": "company",
                                    "company": "C1"}, headers=_write("o2", admin))  # fmt: skip
    error = again.json()["error"]
    assert (again.status_code, error["code"], error["field"]) == (
        409, "organisation_exists", "body.code")  # fmt: skip
    # Wrong in itself as well: the request's own problem first, 422, the taken name listed.
    both = world.client.post("/v1/users", json={
        "username": "officer-c", "display_name": "Officer C", "organisation": "ORG-NONE",
        "role": "trader", "password": "a long enough password"},
        headers=_write("u4", admin))  # fmt: skip
    assert (both.status_code, both.json()["error"]["code"]) == (422, "unknown_organisation")
    assert "username_taken" in [d["code"] for d in both.json()["error"]["details"]]
    users = world.client.get("/v1/users?limit=100", headers=admin).json()
    assert "officer-c" in [u["username"] for u in users["items"]]
    granted = world.client.post("/v1/accounts/DP-OH-C1/representatives",
                                json={"username": "officer-c", "initiate": True,
                                      "approve": False}, headers=_write("g1", admin))  # fmt: skip
    assert granted.status_code == 202  # a new right: a second administrator approves it
    assert granted.json()["result"] == "awaiting_second_administrator"
    assert world.client.get("/v1/users", headers=world.token("regulator")).status_code == 403
    log = world.client.get("/v1/audit?username=admin", headers=world.token("auditor")).json()
    actions = {entry["action"] for entry in log["items"]}
    assert {"organisation_create", "user_create", "representative_set"} <= actions
    entry = log["items"][0]
    assert entry["source_ip"] == "testclient"
    assert "password" not in str(entry["detail"])
    assert world.client.get("/v1/audit", headers=world.token("officer-a")).status_code == 403
    assert NOW.year == 2017


def test_verification_cases_are_scoped(world: World) -> None:
    """The world has no verification season: empty lists, and other companies stay hidden."""
    assert world.client.get("/v1/verification/2016", headers=world.token("verifier")).json() == []
    events = world.client.get("/v1/verification/2016/A1/events", headers=world.token("officer-a"))
    assert events.status_code == 200 and events.json() == []
    hidden = world.client.get("/v1/verification/2016/B1/events", headers=world.token("officer-a"))
    assert hidden.status_code == 404


def test_every_route_of_the_openapi_document_is_tested(world: World) -> None:
    """Each path of /openapi.json appears in the API tests (with its ids filled in)."""
    here = Path(__file__).parent
    tests = "".join(p.read_text(encoding="utf-8") for p in here.glob("test_*.py"))
    paths = world.client.get("/openapi.json").json()["paths"]
    untested = [
        path for path in paths
        if not re.search(re.sub(r"\\\{[^}]+\\\}", r"[^\"'/?]+", re.escape(path)) + r"[\"'?]",
                         tests.replace("{proposal['id']}", "1").replace("{pid}", "1"))
    ]  # fmt: skip
    assert untested == []


def test_rulebooks_shipped_and_stored(world: World) -> None:
    headers = world.token("verifier")
    presets = world.client.get("/v1/rulebooks", headers=headers).json()
    assert "demo-province" in [p["id"] for p in presets]
    one = world.client.get("/v1/rulebooks/demo-province", headers=headers).json()
    assert one["jurisdiction"] == "DP" and "[[sectors]]" in one["toml"]
    traversal = world.client.get("/v1/rulebooks/..%2F..%2Fetc%2Fpasswd", headers=headers)
    assert traversal.status_code == 404
    stored = world.client.get("/v1/jurisdictions/DP/rulebook", headers=headers).json()
    assert stored["toml"] == one["toml"]  # the world opened DP from the preset
    assert world.client.get("/v1/jurisdictions/XX/rulebook", headers=headers).status_code == 404
