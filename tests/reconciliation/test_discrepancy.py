"""One record for what a reconciliation finds wrong: the registry's checks and the exchange's
ledgers make the same ``Discrepancy`` (kind, message, where, figures), with one kind enum in
the precedence reconciliation/docs.md gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tanshi.reconciliation import (
    AccountRow,
    Discrepancy,
    DiscrepancyKind,
    FrozenOrderRow,
    HoldingRow,
    MovementRow,
    check_frozen_units,
    reconcile,
)
from tanshi.reconciliation.ledgers import (
    cash_balance_differs,
    cash_not_balanced,
    clearing_cash_differs,
    clearing_units_differ,
)

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
HOLDINGS = [HoldingRow(1, 10, -100), HoldingRow(2, 10, 40), HoldingRow(3, 10, 40),
            HoldingRow(4, 10, 20)]  # fmt: skip

DOCS = Path(__file__).parents[2] / "src" / "tanshi" / "reconciliation" / "docs.md"


def _said(found: list[Discrepancy]) -> list[tuple[str, str, str]]:
    return [(d.code, d.message, d.where) for d in found]


def test_the_registry_checks_say_what_they_said_and_now_where() -> None:
    """The messages read as before the records were one (the CLI prints them); each now has
    its subject as ``where``."""
    overdrawn = [*JOURNAL, MovementRow(4, "transfer", 3, 4, 10, "allowance", 50)]
    assert _said(reconcile(overdrawn, HOLDINGS, ACCOUNTS))[:3] == [
        ("movement_not_allowed_by_its_type", "entry 4 (transfer) moves 50 allowance from "
         "X-OH-A to X-SURRENDER, which its type does not allow", "journal entry 4"),
        ("holding_differs_from_journal", "X-OH-A holds 40 of unit class 10 but its journal "
         "sums to -10", "account X-OH-A, unit class 10"),
        ("negative_holding", "X-OH-A holds -10 of unit class 10", "account X-OH-A, unit class 10"),
    ]  # fmt: skip
    conjured = reconcile(JOURNAL, [*HOLDINGS, HoldingRow(3, 11, 7)], ACCOUNTS)
    assert _said(conjured)[-1] == (
        "units_without_issuance", "unit class 11: 0 issued but 7 held outside issuance accounts",
        "unit class 11",
    )  # fmt: skip
    frozen = check_frozen_units([HoldingRow(5, 10, 30)], [*ACCOUNTS, AccountRow(5, "X-FZ",
                                "frozen_units")], [FrozenOrderRow(5, 10, 25)])  # fmt: skip
    (record,) = frozen
    assert str(record) == ("frozen_units_differ_from_orders: X-FZ holds 30 frozen units of unit "
                           "class 10 but its freeze orders still hold 25")  # fmt: skip
    assert record.account == "X-FZ"
    assert record.figures == {"account": "X-FZ", "held": "30", "unit_class": "10",
                              "ordered": "25"}  # fmt: skip


def test_registry_and_ledgers_make_the_same_record() -> None:
    registry = reconcile(JOURNAL, [*HOLDINGS[:2], HoldingRow(3, 10, 45), HOLDINGS[3]], ACCOUNTS)
    ledgers = [
        clearing_units_differ("X-CLEARING", "XEA-2016", 10, 9),
        clearing_cash_differs("X-CASH-CLEARING", 5_000, 4_993),
        cash_balance_differs("X-OH-A-CASH", 105, 100),
        cash_not_balanced(5),
    ]
    for record in [*registry, *ledgers]:
        assert type(record) is Discrepancy
        assert record.code == record.kind.value == record.issue.code
        assert str(record) == f"{record.code}: {record.message}"
        assert record.issue.template and record.where  # sayable in another language, located
    assert [d.kind.of_ledgers for d in registry] == [False] * len(registry)
    assert [d.kind.of_ledgers for d in ledgers] == [True] * 4
    assert [d.account for d in ledgers] == ["X-CLEARING", "X-CASH-CLEARING", "X-OH-A-CASH", None]
    assert ledgers[1].figures == {"held_fen": "5000", "expected_fen": "4993"}


def test_the_kinds_are_declared_in_the_precedence_the_docs_give() -> None:
    listed = DOCS.read_text(encoding="utf-8").split("declared in precedence")[1]
    listed = listed.split("Lists keep the order")[0]
    documented = re.findall(r"`([a-z_]+)`", listed)
    documented = [code for code in documented if code in {k.value for k in DiscrepancyKind}]
    assert documented == [kind.value for kind in DiscrepancyKind]


@pytest.mark.parametrize("kind", list(DiscrepancyKind))
def test_every_kind_is_made_somewhere(kind: DiscrepancyKind) -> None:
    """A kind nothing makes would be a precedence without a check behind it."""
    package = Path(__file__).parents[2] / "src" / "tanshi" / "reconciliation"
    source = "".join(path.read_text(encoding="utf-8") for path in package.glob("*.py")
                     if path.name != "discrepancy.py")  # fmt: skip
    assert f"DiscrepancyKind.{kind.name}" in source
