"""The demo's users: one per role, with passwords and TOTP secrets derived from the seed.

For the demo only: the secrets are printed so that anyone can log in to the demo database.
Two compliance officers represent the first company's account, so four-eyes can be tried.
The trader trades for a trading account of their own, with synthetic money paid in.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from tanshi.core.errors import TanshiError
from tanshi.resources import load_venue, venue_ids
from tanshi.services import cash, identity, lifecycle
from tanshi.services.demo_verification import BODIES
from tanshi.services.jurisdiction import (
    Jurisdiction,
    open_trading_account,
    operator_account_code,
)
from tanshi.services.principals import TOTP_REQUIRED_ROLES
from tanshi.store.schema import companies


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    role: str
    organisation: str
    password: str
    totp_secret: str | None


DEMO_TRADER_CASH_FEN = 100_000_000  # CNY 1,000,000: a demo choice, enough for 30 kt at 30/t
DEMO_TRADER_NAME = "Demo Carbon Trading Ltd. (fictional)"
# (username, role, organisation code, organisation kind, display name)
_PEOPLE = (
    ("regulator", "regulator", "REGULATOR", "regulator", "Wang Jing 王静"),
    ("officer1", "compliance_officer", "COMPANY", "company", "Li Wei 李伟"),
    ("officer2", "compliance_officer", "COMPANY", "company", "Zhang Min 张敏"),
    ("verifier", "verifier", "VERIFIER", "verifier", "Chen Hao 陈浩"),
    ("trader", "trader", "TRADER", "trader", "Liu Yang 刘洋"),
    ("exchange", "exchange_operator", "EXCHANGE", "exchange", "Zhao Lei 赵磊"),
    ("auditor", "auditor", "AUDITOR", "auditor", "Sun Li 孙丽"),
    ("admin", "administrator", "ADMIN", "operator", "Zhou Qiang 周强"),
)


# The demo's first verification body (services/demo_verification.py registers VB01..VB05);
# the verifier's organisation takes its name from there, the exchange's from its venue file.
DEMO_VERIFIER_BODY = "VB01"


def officers_company(codes: Iterable[str]) -> str | None:
    """The company the demo's compliance officers represent: the first by code (None if none).

    The demo's run (services/demo.py) picks its surrenders by this too: the tour has the
    officers surrender what their company still owes."""
    return min(codes, default=None)


def _secret(seed: int, username: str) -> str:
    raw = hashlib.sha256(f"tanshi-demo/{seed}/{username}".encode()).digest()[:20]
    return base64.b32encode(raw).decode()


def create_demo_users(
    engine: Engine, jurisdiction: Jurisdiction, seed: int, now: datetime
) -> list[DemoUser]:
    """Add the demo organisations and users; the officers represent the first company."""
    if not jurisdiction.is_demo:
        raise TanshiError("demo users are only created in a demo jurisdiction")
    with engine.connect() as connection:
        first = officers_company(connection.execute(select(companies.c.code)).scalars())
    if first is None:
        raise TanshiError("the demo has no companies")
    organisation_names = {
        "REGULATOR": f"{jurisdiction.rulebook.rulebook.name}: ecology and environment department",
        "COMPANY": f"{first} (covered company)",
        "VERIFIER": dict(BODIES)[DEMO_VERIFIER_BODY],
        "TRADER": DEMO_TRADER_NAME,
        "EXCHANGE": _exchange_name(jurisdiction),
        "AUDITOR": "Demo Audit Office (fictional)",
        "ADMIN": "Registry operator",
    }
    made = []
    for username, role, organisation, kind, name in _PEOPLE:
        code = f"{jurisdiction.code}-{organisation}"
        if organisation == "VERIFIER":
            code = DEMO_VERIFIER_BODY  # a verifier's organisation is the body it acts as
        identity.create_organisation(
            engine, code, organisation_names[organisation], kind, now,
            company=first if organisation == "COMPANY" else None,
        )  # fmt: skip
        secret = _secret(seed, username) if role in TOTP_REQUIRED_ROLES else None
        password = f"demo-{username}-{seed}!"
        _, issues = identity.create_user(
            engine, username, name, code, role, password, now, totp_secret=secret,
            locale="zh",
        )  # fmt: skip
        if issues:
            raise TanshiError(f"demo user {username}: {issues[0]}")
        made.append(DemoUser(username, role, code, password, secret))
    account = operator_account_code(jurisdiction.code, first)
    for officer in ("officer1", "officer2"):
        lifecycle.add_representative(engine, account, officer, initiate=True, approve=True)
    _open_trader_account(engine, jurisdiction, now)
    return made


def _exchange_name(jurisdiction: Jurisdiction) -> str:
    """The name of the jurisdiction's venue, as /market shows it; a generic one without."""
    rulebook_id = jurisdiction.rulebook.rulebook.id
    if rulebook_id in venue_ids():
        return load_venue(rulebook_id).venue.name
    return f"{jurisdiction.rulebook.rulebook.name}: exchange"


def trader_account_code(jurisdiction: Jurisdiction) -> str:
    return f"{jurisdiction.code}-TR-TRADER"


def _open_trader_account(engine: Engine, jurisdiction: Jurisdiction, now: datetime) -> None:
    """The demo trader's trading account, with CNY 1,000,000 paid in (synthetic money)."""
    code = trader_account_code(jurisdiction)
    open_trading_account(engine, jurisdiction, code, DEMO_TRADER_NAME)
    lifecycle.add_representative(engine, code, "trader", initiate=True, approve=True)
    paid = cash.transfer_with_bank(
        engine, jurisdiction.code, jurisdiction.rulebook.rulebook.currency, code,
        DEMO_TRADER_CASH_FEN, f"demo/deposit/{code}", now, deposit=True,
    )  # fmt: skip
    if not paid.ok:
        raise TanshiError(f"deposit for the demo trader refused: {paid.issues}")
