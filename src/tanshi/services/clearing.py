"""The exchange's accounts and the all-or-nothing step every settlement action runs in.

``atomically`` runs a step in one database transaction after taking the registry's
journal-head lock (so settlement steps are serialised with each other and with registry
writes, and cash locks always come after it); a step that finds a problem raises
``Refused`` and everything it wrote is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, Engine, select

from tanshi.core.issues import Issue
from tanshi.market.cash import CashAccountKind, CashRequest
from tanshi.market.membership import Party, outside_exchange
from tanshi.registry import AccountKind, ResultCode, TransactionRequest
from tanshi.services import cash
from tanshi.services.jurisdiction import Jurisdiction, find_account
from tanshi.services.refusal_figures import held_against_needed
from tanshi.services.registry import execute_in, lock_journal_head
from tanshi.store.schema import accounts, jurisdictions, unit_classes

T = TypeVar("T")
RECEIVING_KINDS = frozenset(
    {AccountKind.OPERATOR_HOLDING, AccountKind.TRADING, AccountKind.PROJECT}
)


class Refused(Exception):
    """Raised inside a database transaction to roll all of it back and report why."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(issues)
        self.issues = issues


def atomically(engine: Engine, work: Callable[[Connection], T]) -> tuple[T | None, list[Issue]]:
    try:
        with engine.begin() as connection:
            lock_journal_head(connection)
            return work(connection), []
    except Refused as refused:
        return None, refused.issues


@dataclass(frozen=True, slots=True)
class Exchange:
    """The accounts through which a jurisdiction's exchange settles trades."""

    jurisdiction: str
    currency: str
    clearing_account: int  # registry, kind exchange_clearing
    clearing_cash: int
    fees_cash: int


def clearing_account_code(jurisdiction: str) -> str:
    return f"{jurisdiction}-CLEARING"


def exchange_in(connection: Connection, jurisdiction: Jurisdiction) -> Exchange:
    """The exchange's accounts, opened on first use."""
    code = clearing_account_code(jurisdiction.code)
    clearing = find_account(connection, code)
    if clearing is None:
        clearing = connection.execute(
            accounts.insert()
            .values(code=code, jurisdiction_id=jurisdiction.id,
                    kind=AccountKind.EXCHANGE_CLEARING.value, status="open",
                    holder=f"{jurisdiction.rulebook.rulebook.name}: exchange clearing account",
                    company_id=None, allows_negative=False)
            .returning(accounts.c.id)
        ).scalar_one()  # fmt: skip
    currency = jurisdiction.rulebook.rulebook.currency
    return Exchange(
        jurisdiction.code, currency, int(clearing),
        cash.open_cash_account(connection, cash.clearing_cash_code(jurisdiction.code),
                               CashAccountKind.CLEARING, currency),
        cash.open_cash_account(connection, cash.fees_code(jurisdiction.code),
                               CashAccountKind.FEES, currency),
    )  # fmt: skip


def open_exchange(engine: Engine, jurisdiction: Jurisdiction) -> Exchange:
    """Open (or find) the exchange's clearing account and cash accounts."""
    with engine.begin() as connection:
        lock_journal_head(connection)  # as every settlement step: one opener at a time
        return exchange_in(connection, jurisdiction)


def member_accounts(
    connection: Connection, exchange: str, codes: Sequence[str], where: str
) -> list[int]:
    """The ids of accounts ``codes``, in order, each of which must exist and be of
    jurisdiction ``exchange``, whose exchange they trade on (``market.membership``); raises
    ``Refused`` with every problem."""
    found = {row.code: row for row in connection.execute(
        select(accounts.c.code, accounts.c.id, jurisdictions.c.code.label("jurisdiction"))
        .join(jurisdictions, jurisdictions.c.id == accounts.c.jurisdiction_id)
        .where(accounts.c.code.in_(set(codes)))
    )}  # fmt: skip
    issues = [Issue("unknown_account", f"no registry account {code}", where)
              for code in dict.fromkeys(codes) if code not in found]  # fmt: skip
    issues += outside_exchange(
        exchange,
        [Party(code, found[code].jurisdiction) for code in codes if code in found],
        where,
    )  # fmt: skip
    if issues:
        raise Refused(issues)
    return [int(found[code].id) for code in codes]


_WHY = {
    ResultCode.INSUFFICIENT_UNITS: "the seller does not hold that many units of the class "
    "outside its reservations",
    ResultCode.ACCOUNT_FROZEN: "the sending account is frozen",
    ResultCode.ACCOUNT_SUSPENDED: "an account of the trade is suspended",
    ResultCode.ACCOUNT_CLOSED: "an account of the trade is closed",
    ResultCode.ACCOUNT_CLOSURE_PENDING: "the receiving account is being closed",
    ResultCode.SOURCE_ACCOUNT_KIND_NOT_ALLOWED: "units are sold only from holding, trading or "
    "project accounts",
}


def registry_step(connection: Connection, request: TransactionRequest, where: str) -> int:
    """Execute ``request`` in the caller's transaction; raise ``Refused`` if it is refused."""
    outcome = execute_in(connection, request)
    if not outcome.ok or outcome.transaction_id is None:
        code = outcome.result
        why = _WHY.get(code, f"the registry refused the {request.type_code}")
        if code is ResultCode.INSUFFICIENT_UNITS:
            why += _held(connection, request)
        raise Refused([Issue(code.value, f"{why} ({code.value})", where)])
    return outcome.transaction_id


def _held(connection: Connection, request: TransactionRequest) -> str:
    """What the sending account holds of the class it lacks, for the refusal's message."""
    for movement in request.movements:
        said = held_against_needed(connection, movement)
        if said:
            return f": {said}"
    return ""


def cash_step(connection: Connection, request: CashRequest) -> int:
    outcome = cash.post_in(connection, request)
    if not outcome.ok or outcome.entry_id is None:
        raise Refused(list(outcome.issues))
    return outcome.entry_id


def unit_class_by_code(connection: Connection, code: str) -> int | None:
    """The id of the unit class ``code`` (e.g. ``DPEA-2016``), if it exists."""
    found = connection.execute(
        select(unit_classes.c.id).where(unit_classes.c.code == code)
    ).scalar()
    return None if found is None else int(found)
