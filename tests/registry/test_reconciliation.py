"""The independent reconciliation, on rows written by hand."""

from __future__ import annotations

from tanshi.reconciliation import AccountRow, BlockRow, HoldingRow, MovementRow, reconcile
from tanshi.reconciliation.checks import DiscrepancyKind

ACCOUNTS = [
    AccountRow(1, "X-ISSUANCE", "issuance"),
    AccountRow(2, "X-HOLDING", "jurisdiction_holding"),
    AccountRow(3, "X-OH-A", "operator_holding"),
    AccountRow(4, "X-SURRENDER", "surrender"),
]
JOURNAL = [
    MovementRow(1, "issuance", 1, 2, 10, "allowance", 100),
    MovementRow(2, "allocation", 2, 3, 10, "allowance", 60),
    MovementRow(3, "surrender", 3, 4, 10, "allowance", 20),
]
HOLDINGS = [
    HoldingRow(1, 10, -100),
    HoldingRow(2, 10, 40),
    HoldingRow(3, 10, 40),
    HoldingRow(4, 10, 20),
]


def kinds(found: list) -> set[DiscrepancyKind]:
    return {d.kind for d in found}


def test_a_consistent_registry_has_no_discrepancy() -> None:
    assert reconcile(JOURNAL, HOLDINGS, ACCOUNTS) == []


def test_each_kind_of_discrepancy() -> None:
    forged = [*HOLDINGS[:2], HoldingRow(3, 10, 45), HOLDINGS[3]]
    assert kinds(reconcile(JOURNAL, forged, ACCOUNTS)) == {
        DiscrepancyKind.HOLDING_DIFFERS_FROM_JOURNAL, DiscrepancyKind.NOT_CONSERVED,
    }  # fmt: skip
    overdrawn = [*JOURNAL, MovementRow(4, "transfer", 3, 4, 10, "allowance", 50)]
    found = kinds(reconcile(overdrawn, HOLDINGS, ACCOUNTS))
    assert DiscrepancyKind.NEGATIVE_HOLDING in found
    assert DiscrepancyKind.MOVEMENT_NOT_ALLOWED in found  # transfer into a surrender account
    assert DiscrepancyKind.UNKNOWN_TRANSACTION_TYPE in kinds(
        reconcile([*JOURNAL, MovementRow(5, "gift", 3, 2, 10, "allowance", 1)], HOLDINGS, ACCOUNTS)
    )
    conjured = [*HOLDINGS, HoldingRow(3, 11, 7)]
    assert DiscrepancyKind.UNTRACEABLE_UNITS in kinds(reconcile(JOURNAL, conjured, ACCOUNTS))


BLOCKS = [BlockRow(10, 2, 61, 100), BlockRow(10, 3, 21, 60), BlockRow(10, 4, 1, 20)]


def test_serial_blocks_must_cover_the_issued_serials_once() -> None:
    assert reconcile(JOURNAL, HOLDINGS, ACCOUNTS, BLOCKS, {10: 100}) == []
    overlapping = [BlockRow(10, 2, 55, 100), *BLOCKS[1:]]
    found = kinds(reconcile(JOURNAL, HOLDINGS, ACCOUNTS, overlapping, {10: 100}))
    assert DiscrepancyKind.BLOCKS_OVERLAP in found
    assert DiscrepancyKind.BLOCKS_DIFFER_FROM_HOLDING in found
    beyond = kinds(reconcile(JOURNAL, HOLDINGS, ACCOUNTS, BLOCKS, {10: 90}))
    assert DiscrepancyKind.SERIALS_NOT_ISSUED in beyond
