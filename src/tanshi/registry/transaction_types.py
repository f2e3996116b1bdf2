"""The transaction types the registry knows, declared as data (after the UK ETS registry)."""

from __future__ import annotations

from dataclasses import dataclass

from tanshi.registry.accounts import AccountKind as K
from tanshi.rulebook.model import UnitKind


@dataclass(frozen=True, slots=True)
class TransactionType:
    """What a transaction type may move, from where to where, and whether it needs a year."""

    code: str
    name: str
    unit_kinds: frozenset[UnitKind]
    from_kinds: frozenset[K]
    to_kinds: frozenset[K]
    needs_compliance_year: bool = False


_HOLDERS = frozenset({K.OPERATOR_HOLDING, K.TRADING, K.PROJECT})
_BOTH = frozenset({UnitKind.ALLOWANCE, UnitKind.OFFSET})

TRANSACTION_TYPES: dict[str, TransactionType] = {
    item.code: item
    for item in (
        TransactionType(
            "issuance",
            "Issuance of allowances under the cap",
            frozenset({UnitKind.ALLOWANCE}),
            frozenset({K.ISSUANCE}),
            frozenset({K.JURISDICTION_HOLDING}),
        ),
        TransactionType(
            "offset_issuance",
            "Issuance of offsets to a project account",
            frozenset({UnitKind.OFFSET}),
            frozenset({K.ISSUANCE}),
            frozenset({K.PROJECT}),
        ),
        TransactionType(
            "allocation",
            "Free allocation to an operator",
            frozenset({UnitKind.ALLOWANCE}),
            frozenset({K.JURISDICTION_HOLDING}),
            frozenset({K.OPERATOR_HOLDING}),
        ),
        TransactionType("transfer", "Transfer between holders", _BOTH, _HOLDERS, _HOLDERS),
        TransactionType(
            "deduction",
            "Deduction of a shortfall from an allocation already made",
            frozenset({UnitKind.ALLOWANCE}),
            frozenset({K.OPERATOR_HOLDING}),
            frozenset({K.JURISDICTION_HOLDING}),
        ),
        TransactionType(
            "surrender",
            "Surrender for compliance",
            _BOTH,
            frozenset({K.OPERATOR_HOLDING}),
            frozenset({K.SURRENDER}),
            needs_compliance_year=True,
        ),
    )
}
