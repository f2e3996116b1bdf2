"""A small registry with users, for the API and web tests (written once, used by both).

Jurisdiction DP (demo-province), companies A1 (power) and B1 (cement) and C1 (steel), each
allocated 1000 DPEA-2016. Users: regulator, officer-a (initiates) and approver-a (approves)
for A1, officer-b for B1, a trader, a verifier, an auditor and an administrator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyotp
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tanshi.api.app import make_service
from tanshi.api.settings import Settings
from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import load_rulebook
from tanshi.services import cash, credentials, identity, lifecycle
from tanshi.services.jurisdiction import (
    account_id,
    load_jurisdiction,
    open_jurisdiction,
    open_trading_account,
    operator_account_code,
    register_company,
    unit_class_id,
)
from tanshi.services.registry import execute
from tanshi.store.schema import login_attempts
from tanshi.web.app import create_app

NOW = datetime(2017, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in the province, before the deadline
PASSWORD = "correct horse battery"
TRADER_ACCOUNT = "DP-TR-TRD"
# (username, role, organisation)
PEOPLE = (
    ("regulator", "regulator", "REG"),
    ("officer-a", "compliance_officer", "ORG-A"),
    ("approver-a", "compliance_officer", "ORG-A"),
    ("officer-b", "compliance_officer", "ORG-B"),
    ("trader", "trader", "TRD"),
    ("verifier", "verifier", "VER"),
    ("auditor", "auditor", "AUD"),
    ("admin", "administrator", "ADM"),
)


def fast_hashing() -> None:
    """Cheap argon2 parameters so the tests stay fast (production keeps the defaults)."""
    identity.password_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class World:
    engine: Engine
    client: TestClient
    settings: Settings
    # The service's clock: NOW unless a test moves it on (``world.moment[0] = …``).
    moment: list[datetime] = field(default_factory=lambda: [NOW])

    def secret(self, username: str) -> str:
        found = identity.totp_secret_of(self.engine, username)
        assert found is not None
        return found

    def code(self, username: str) -> str:
        return pyotp.TOTP(self.secret(username)).at(self.moment[0])

    def browser(self, username: str) -> TestClient:
        """A browser of its own for ``username``, logged in once (a TOTP code is taken once)."""
        client = TestClient(self.client.app, base_url="http://testserver")
        found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert found, "the login page has no CSRF token"
        answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                              "totp": self.code(username),
                                              "csrf_token": found.group(1)},
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 303, answer.text
        return client

    def token(self, username: str, scopes: list[str] | None = None) -> dict[str, str]:
        """Authorization headers with a token of ``scopes`` (default: all of the role's)."""
        principal = identity.principal_named(self.engine, username)
        assert principal is not None
        wanted = scopes if scopes is not None else sorted(principal.scopes)
        raw, issues = credentials.issue_token(self.engine, principal, "test", wanted, NOW)
        assert raw is not None, issues
        return {"Authorization": f"Bearer {raw}"}


def open_exchange_accounts(engine: Engine) -> None:
    """The trader's account DP-TR-TRD with CNY 100,000 paid in, and B1's CNY 10,000."""
    open_trading_account(engine, load_jurisdiction(engine, "DP"), TRADER_ACCOUNT, "Org TRD")
    lifecycle.add_representative(engine, TRADER_ACCOUNT, "trader", initiate=True, approve=True)
    for account, fen in ((TRADER_ACCOUNT, 10_000_000), ("DP-OH-B1", 1_000_000)):
        paid = cash.transfer_with_bank(engine, "DP", "CNY", account, fen, f"t/deposit/{account}",
                                       NOW, deposit=True)  # fmt: skip
        assert paid.ok, paid


def build_world(engine: Engine, **settings: object) -> World:
    fast_hashing()
    rulebook, text = load_rulebook("demo-province")
    jurisdiction = open_jurisdiction(engine, rulebook, text, NOW, is_demo=True)
    allowances = unit_class_id(engine, jurisdiction, "DPEA", 2016)
    companies = {"A1": "power", "B1": "cement", "C1": "steel"}
    operators = {}
    for code, sector in companies.items():
        register_company(engine, jurisdiction, code, f"Company {code}", sector)
    with engine.connect() as connection:
        for code in companies:
            operators[code] = account_id(connection, operator_account_code("DP", code))
    issued = execute(engine, TransactionRequest(
        "issuance", "t/issue", (Movement(jurisdiction.issuance_account,
                                         jurisdiction.holding_account, allowances, 3000),), NOW,
    ))  # fmt: skip
    assert issued.ok
    for code, account in operators.items():
        allocated = execute(engine, TransactionRequest(
            "allocation", f"t/alloc/{code}",
            (Movement(jurisdiction.holding_account, account, allowances, 1000),), NOW,
        ))  # fmt: skip
        assert allocated.ok
    organisations = {
        "REG": ("regulator", None), "ORG-A": ("company", "A1"), "ORG-B": ("company", "B1"),
        "TRD": ("trader", None), "VER": ("verifier", None), "AUD": ("auditor", None),
        "ADM": ("operator", None),
    }  # fmt: skip
    for code, (kind, company) in organisations.items():
        _, issues = identity.create_organisation(engine, code, f"Org {code}", kind, NOW, company)
        assert not issues
    for username, role, organisation in PEOPLE:
        _, issues = identity.create_user(
            engine, username, username.title(), organisation, role, PASSWORD, NOW, locale="zh"
        )
        assert not issues, issues
    lifecycle.add_representative(engine, "DP-OH-A1", "officer-a", initiate=True, approve=False)
    lifecycle.add_representative(engine, "DP-OH-A1", "approver-a", initiate=False, approve=True)
    lifecycle.add_representative(engine, "DP-OH-B1", "officer-b", initiate=True, approve=True)
    open_exchange_accounts(engine)
    config = Settings(**settings)  # type: ignore[arg-type]
    moment = [NOW]
    app = create_app(make_service(config, engine, clock=lambda: moment[0]))
    return World(engine, TestClient(app, base_url="http://testserver"), config, moment)


@contextmanager
def held_write_lock(engine: Engine) -> Iterator[None]:
    """An open write transaction (on SQLite: BEGIN IMMEDIATE, the write lock), rolled back."""
    with engine.connect() as connection:
        connection.begin()
        connection.execute(login_attempts.insert().values(address="writer", attempted_at=NOW))
        try:
            yield
        finally:
            connection.rollback()
