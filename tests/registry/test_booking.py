"""The pure registry rules: result codes and their precedence."""

from __future__ import annotations

from datetime import UTC, datetime

from tanshi.registry import (
    PRECEDENCE,
    TRANSACTION_TYPES,
    Account,
    AccountKind,
    AccountStatus,
    Movement,
    ResultCode,
    TransactionRequest,
    UnitClass,
    check_request,
    postings,
)
from tanshi.rulebook import UnitKind

NOW = datetime(2016, 6, 30, tzinfo=UTC)
ACCOUNTS = {
    1: Account(1, "X-ISSUANCE", AccountKind.ISSUANCE, AccountStatus.OPEN, "regulator"),
    2: Account(2, "X-HOLDING", AccountKind.JURISDICTION_HOLDING, AccountStatus.OPEN, "regulator"),
    3: Account(3, "X-OH-A", AccountKind.OPERATOR_HOLDING, AccountStatus.OPEN, "A"),
    4: Account(4, "X-OH-B", AccountKind.OPERATOR_HOLDING, AccountStatus.OPEN, "B"),
    5: Account(5, "X-OH-Z", AccountKind.OPERATOR_HOLDING, AccountStatus.CLOSED, "Z"),
    6: Account(6, "X-SURRENDER", AccountKind.SURRENDER, AccountStatus.OPEN, "regulator"),
}
CLASSES = {
    10: UnitClass(10, "XEA-2016", "XEA", UnitKind.ALLOWANCE, "X", 2016),
    11: UnitClass(11, "XCER-2015-P1", "XCER", UnitKind.OFFSET, "X", 2015, "P1"),
}
HOLDINGS = {(2, 10): 100, (3, 10): 100, (3, 11): 5, (1, 10): -200}


def request(type_code: str, *movements: Movement, year: int | None = None) -> TransactionRequest:
    return TransactionRequest(type_code, "k", tuple(movements), NOW, compliance_year=year)


def check(req: TransactionRequest) -> ResultCode:
    return check_request(req, ACCOUNTS, CLASSES, HOLDINGS)


def test_valid_requests_pass() -> None:
    assert check(request("issuance", Movement(1, 2, 10, 1_000_000))) is ResultCode.OK
    assert check(request("allocation", Movement(2, 3, 10, 5))) is ResultCode.OK
    assert check(request("transfer", Movement(3, 4, 10, 100))) is ResultCode.OK
    assert check(request("surrender", Movement(3, 6, 11, 5), year=2016)) is ResultCode.OK


def test_each_rule_has_its_code() -> None:
    cases = {
        ResultCode.UNKNOWN_TRANSACTION_TYPE: request("gift", Movement(3, 4, 10, 1)),
        ResultCode.NO_MOVEMENTS: request("transfer"),
        ResultCode.COMPLIANCE_YEAR_REQUIRED: request("surrender", Movement(3, 6, 10, 1)),
        ResultCode.QUANTITY_MUST_BE_POSITIVE: request("transfer", Movement(3, 4, 10, 0)),
        ResultCode.ACCOUNTS_MUST_BE_DIFFERENT: request("transfer", Movement(3, 3, 10, 1)),
        ResultCode.UNKNOWN_ACCOUNT: request("transfer", Movement(3, 99, 10, 1)),
        ResultCode.UNKNOWN_UNIT_CLASS: request("transfer", Movement(3, 4, 99, 1)),
        ResultCode.ACCOUNT_CLOSED: request("transfer", Movement(3, 5, 10, 1)),
        ResultCode.UNIT_KIND_NOT_ALLOWED: request("allocation", Movement(2, 3, 11, 1)),
        ResultCode.SOURCE_ACCOUNT_KIND_NOT_ALLOWED: request("allocation", Movement(4, 3, 10, 1)),
        ResultCode.DESTINATION_ACCOUNT_KIND_NOT_ALLOWED: request("transfer", Movement(3, 6, 10, 1)),
        ResultCode.INSUFFICIENT_UNITS: request("transfer", Movement(3, 4, 10, 101)),
    }
    for expected, req in cases.items():
        assert check(req) is expected, expected


def test_insufficient_units_counts_all_movements_of_a_transaction() -> None:
    twice = request("transfer", Movement(3, 4, 10, 60), Movement(3, 4, 10, 60))
    assert check(twice) is ResultCode.INSUFFICIENT_UNITS


def test_precedence_first_listed_wins() -> None:
    # Too many units AND a closed destination: account_closed ranks first.
    req = request("transfer", Movement(3, 5, 10, 1000))
    assert check(req) is ResultCode.ACCOUNT_CLOSED
    assert PRECEDENCE.index(ResultCode.ACCOUNT_CLOSED) < PRECEDENCE.index(
        ResultCode.INSUFFICIENT_UNITS
    )
    assert PRECEDENCE[0] is ResultCode.OK


def test_postings_balance_per_unit_class() -> None:
    req = request("transfer", Movement(3, 4, 10, 7), Movement(4, 3, 10, 2), Movement(3, 4, 11, 1))
    changes = postings(req)
    assert sorted(changes) == [(3, 10, -5), (3, 11, -1), (4, 10, 5), (4, 11, 1)]
    for unit in (10, 11):
        assert sum(delta for _, u, delta in changes if u == unit) == 0


def test_every_declared_type_accepts_its_kinds_and_refuses_others() -> None:
    for code, declared in TRANSACTION_TYPES.items():
        if code == "carry_over":
            continue  # two legs that must pair up: test_carry_over_legs_must_pair
        unit_kind = sorted(declared.unit_kinds)[0]
        unit = UnitClass(
            10, "X-1", "X", unit_kind, "X", 2016, "P" if unit_kind is UnitKind.OFFSET else None
        )
        source_kind, target_kind = sorted(declared.from_kinds)[0], sorted(declared.to_kinds)[0]
        wrong = next(kind for kind in AccountKind if kind not in declared.from_kinds)
        for kind, expected in (
            (source_kind, ResultCode.OK),
            (wrong, ResultCode.SOURCE_ACCOUNT_KIND_NOT_ALLOWED),
        ):
            # A freeze goes to the source's own frozen-units account, an unfreeze back.
            source_code = "X-FZ-2" if code == "unfreeze" else "X-S"
            target_code = "X-FZ-1" if code == "freeze" else "X-T"
            accounts = {
                1: Account(1, source_code, kind, AccountStatus.OPEN, "s"),
                2: Account(2, target_code, target_kind, AccountStatus.OPEN, "t"),
            }
            req = TransactionRequest(code, "k", (Movement(1, 2, 10, 5),), NOW, compliance_year=2016)
            assert check_request(req, accounts, {10: unit}, {(1, 10): 5}) is expected, (code, kind)


def test_carry_over_legs_must_pair() -> None:
    """Delete N of 2016 from A and issue N of 2017 to A; nothing else passes as a carry-over."""
    accounts = {
        **ACCOUNTS,
        7: Account(7, "X-DELETION", AccountKind.DELETION, AccountStatus.OPEN, "regulator"),
    }
    classes = {**CLASSES, 12: UnitClass(12, "XEA-2017", "XEA", UnitKind.ALLOWANCE, "X", 2017)}

    def carry(*moves: Movement) -> ResultCode:
        req = TransactionRequest("carry_over", "k", moves, NOW, compliance_year=2016)
        return check_request(req, accounts, classes, HOLDINGS)

    assert carry(Movement(3, 7, 10, 50), Movement(1, 3, 12, 50)) is ResultCode.OK
    invalid = ResultCode.CARRY_OVER_LEGS_INVALID
    assert carry(Movement(1, 3, 12, 50)) is invalid  # units out of nothing
    assert carry(Movement(3, 7, 10, 50), Movement(1, 4, 12, 50)) is invalid  # to someone else
    assert carry(Movement(3, 7, 10, 50), Movement(1, 3, 12, 60)) is invalid  # more back
    assert carry(Movement(3, 7, 10, 50), Movement(1, 3, 10, 50)) is invalid  # same vintage
