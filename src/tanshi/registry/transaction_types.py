"""The transaction types the registry knows, declared as data (after the UK ETS registry).

Each type says which unit kinds it moves, from which account kinds to which, whether it
needs a compliance year, whether a second representative must approve it when a person
proposes it, and whether a transfer to an account not on the source's trusted list waits
the rulebook's delay.
"""

from __future__ import annotations

from dataclasses import dataclass

from tanshi.registry.accounts import AccountKind as K
from tanshi.rulebook.model import UnitKind


@dataclass(frozen=True, slots=True)
class TransactionType:
    """What a transaction type may move, from where to where, and which controls apply."""

    code: str
    name: str
    unit_kinds: frozenset[UnitKind]
    from_kinds: frozenset[K]
    to_kinds: frozenset[K]
    needs_compliance_year: bool = False
    approval_required: bool = False
    delayed_to_untrusted: bool = False


_A = frozenset({UnitKind.ALLOWANCE})
_O = frozenset({UnitKind.OFFSET, UnitKind.CARBON_INCLUSIVE_CREDIT})  # credits
_BOTH = _A | _O
_HOLDERS = frozenset({K.OPERATOR_HOLDING, K.TRADING, K.PROJECT, K.EXCHANGE_CLEARING})
_GOVERNMENT = frozenset({K.JURISDICTION_HOLDING})
_RESERVES = frozenset({K.RESERVE_NEW_ENTRANT, K.RESERVE_MARKET_STABILITY, K.RESERVE_AUCTION})


def _type(
    code: str, name: str, units: frozenset[UnitKind], sources: frozenset[K], targets: frozenset[K],
    *, year: bool = False, approval: bool = True, delayed: bool = False,
) -> TransactionType:  # fmt: skip
    return TransactionType(code, name, units, sources, targets, year, approval, delayed)


# The types a person (an account representative) may propose; the rest are regulator
# processes, and surrender has its own service with the compliance checks.
PERSON_TYPES = frozenset({"transfer", "voluntary_retirement"})

TRANSACTION_TYPES: dict[str, TransactionType] = {
    item.code: item
    for item in (
        _type("issuance", "Issuance of allowances under the cap", _A, frozenset({K.ISSUANCE}),
              _GOVERNMENT | _RESERVES),
        _type("offset_issuance", "Issuance of offsets to a project account", _O,
              frozenset({K.ISSUANCE}), frozenset({K.PROJECT})),
        _type("allocation", "Free allocation to an operator", _A, _GOVERNMENT | _RESERVES,
              frozenset({K.OPERATOR_HOLDING})),
        _type("transfer", "Transfer between holders", _BOTH, _HOLDERS, _HOLDERS, delayed=True),
        _type("deduction", "Deduction of a shortfall from an allocation already made", _A,
              frozenset({K.OPERATOR_HOLDING}), _GOVERNMENT),
        _type("forced_compliance", "Surrender made by the registry for a company that did not",
              _A, frozenset({K.OPERATOR_HOLDING}), frozenset({K.SURRENDER}), year=True),
        _type("surrender", "Surrender for compliance", _BOTH, frozenset({K.OPERATOR_HOLDING}),
              frozenset({K.SURRENDER}), year=True, approval=False),
        _type("surrender_reversal", "Reversal of a surrender within the rulebook's window",
              _BOTH, frozenset({K.SURRENDER}), frozenset({K.OPERATOR_HOLDING}), year=True),
        _type("allocation_reversal", "Reversal of an allocation made in error", _A,
              frozenset({K.OPERATOR_HOLDING}), _GOVERNMENT | _RESERVES),
        _type("auction_delivery", "Delivery of allowances bought at auction", _A,
              _GOVERNMENT | frozenset({K.RESERVE_AUCTION}),
              frozenset({K.OPERATOR_HOLDING, K.TRADING, K.EXCHANGE_CLEARING})),
        _type("voluntary_retirement", "Retirement for a beneficiary, with a certificate",
              _BOTH | _O, _HOLDERS, frozenset({K.CANCELLATION}), approval=False),
        _type("deletion", "Deletion of units by the regulator", _BOTH,
              _GOVERNMENT | _RESERVES | frozenset({K.OPERATOR_HOLDING}), frozenset({K.DELETION})),
        # Carry-over (banking) exchanges units of one vintage for the next: the old ones are
        # deleted and new ones issued to the same account, in one transaction.
        _type("carry_over", "Carry-over of allowances to the next period", _A,
              frozenset({K.OPERATOR_HOLDING, K.ISSUANCE}),
              frozenset({K.DELETION, K.OPERATOR_HOLDING}), year=True),
        # Trading through the exchange (services/settlement.py): a seller's units wait in the
        # exchange's clearing account from the order until settlement, so they cannot be
        # transferred or surrendered meanwhile; settlement delivers them to the buyer.
        _type("trading_reservation", "Units set aside for a sell order or a trade",
              _BOTH, _HOLDERS - {K.EXCHANGE_CLEARING}, frozenset({K.EXCHANGE_CLEARING}),
              approval=False),
        _type("trading_release", "Units of a sell order that did not trade, given back",
              _BOTH, frozenset({K.EXCHANGE_CLEARING}), _HOLDERS - {K.EXCHANGE_CLEARING},
              approval=False),
        _type("trade_settlement", "Delivery of traded units to the buyer, against payment",
              _BOTH, frozenset({K.EXCHANGE_CLEARING}), _HOLDERS - {K.EXCHANGE_CLEARING},
              approval=False),
        # What is left in an account being closed, moved by the administrator to the account
        # the holder names or to the jurisdiction's holding account (EU Reg. 2019/1122 Art. 29).
        _type("closure_transfer", "Transfer of the balance of an account being closed",
              _BOTH, _HOLDERS, _HOLDERS | _GOVERNMENT),
        # A court or regulator order freezes a quantity (or named serials) of an account: the
        # units move to the account's own frozen-units account, so nothing can transfer or
        # surrender them, and come back, the same serials, when the order is lifted (EU Reg.
        # 2019/1122 Art. 66; China's 司法冻结量; Germany's BEHV §25).
        _type("freeze", "Freeze of units under a court or regulator order", _BOTH,
              _HOLDERS - {K.EXCHANGE_CLEARING}, frozenset({K.FROZEN_UNITS})),
        _type("unfreeze", "Release of frozen units when the order is lifted", _BOTH,
              frozenset({K.FROZEN_UNITS}), _HOLDERS - {K.EXCHANGE_CLEARING}),
        # A court's enforcement of a freeze (司法扣划): frozen units go to the account the court
        # names. Proposed by the regulator with the court order's reference and executed on a
        # second regulator's approval, at any hour and without a trusted-list delay: the
        # controls of people's transfers protect a holder's own decisions, and here the court
        # decides (docs/registry.md, "Court-ordered transfers").
        _type("court_transfer", "Transfer of frozen units to the account a court order names",
              _BOTH, frozenset({K.FROZEN_UNITS}), _HOLDERS - {K.EXCHANGE_CLEARING}),
        # Borrowing gives next period's allowances now; the next allocation is reduced by them.
        _type("borrowing", "Borrowing allowances from the next period", _A,
              frozenset({K.ISSUANCE}), frozenset({K.OPERATOR_HOLDING}), year=True),
    )
}  # fmt: skip
