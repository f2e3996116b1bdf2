"""Account status × transaction type, as a table a regulator can read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tanshi.registry import (
    Account,
    AccountKind,
    AccountStatus,
    Movement,
    ResultCode,
    TransactionRequest,
    UnitClass,
    check_request,
)
from tanshi.rulebook import UnitKind

NOW = datetime(2017, 6, 1, tzinfo=UTC)
TABLE = """
status            transfer-out       surrender-out      forced-out         closure-out      allocation-reversal-out  transfer-in
open              ok                 ok                 ok                 ok               ok                       ok
restricted        account_restricted ok                 ok                 account_restricted ok                    ok
suspended         account_suspended  account_suspended  ok                 account_suspended ok                      account_suspended
frozen            account_frozen     account_frozen     account_frozen     account_frozen   account_frozen           account_frozen
closure_pending   account_closure_pending account_closure_pending account_closure_pending ok account_closure_pending account_closure_pending
closed            account_closed     account_closed     account_closed     account_closed   account_closed           account_closed
"""
ROWS = [line.split() for line in TABLE.strip().splitlines()[1:]]
CLASS = UnitClass(10, "XEA-2016", "XEA", UnitKind.ALLOWANCE, "X", 2016)


def outcome(status: AccountStatus, type_code: str, outgoing: bool) -> ResultCode:
    subject = Account(1, "X-OH-A", AccountKind.OPERATOR_HOLDING, status, "A")
    peer_kind = {
        "transfer": AccountKind.OPERATOR_HOLDING,
        "closure_transfer": AccountKind.OPERATOR_HOLDING,
        "allocation_reversal": AccountKind.JURISDICTION_HOLDING,
    }.get(type_code, AccountKind.SURRENDER)
    peer = Account(2, "X-PEER", peer_kind, AccountStatus.OPEN, "peer")
    move = Movement(1, 2, 10, 5) if outgoing else Movement(2, 1, 10, 5)
    request = TransactionRequest(type_code, "k", (move,), NOW, compliance_year=2016)
    holdings = {(1, 10): 100, (2, 10): 100}
    return check_request(request, {1: subject, 2: peer}, {10: CLASS}, holdings)


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_status_by_transaction_type(row: list[str]) -> None:
    status = AccountStatus(row[0])
    assert outcome(status, "transfer", outgoing=True).value == row[1]
    assert outcome(status, "surrender", outgoing=True).value == row[2]
    assert outcome(status, "forced_compliance", outgoing=True).value == row[3]
    assert outcome(status, "closure_transfer", outgoing=True).value == row[4]
    assert outcome(status, "allocation_reversal", outgoing=True).value == row[5]
    assert outcome(status, "transfer", outgoing=False).value == row[6]


def test_every_status_is_in_the_table() -> None:
    assert {row[0] for row in ROWS} == {status.value for status in AccountStatus}
