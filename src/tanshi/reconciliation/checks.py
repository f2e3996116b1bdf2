"""Re-validation of executed registry transactions, sharing no code path with execution.

Execution (``tanshi.registry.booking`` and ``tanshi.services.registry``) decides whether a
transaction may happen. This module looks only at what was written — journal movements,
the holdings table and account kinds, read with its own queries — and reports every
discrepancy it finds as data. It shares the declared transaction types (configuration),
never the checking code, so a bug in one is not silently repeated in the other.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tanshi.core.issues import Where
from tanshi.reconciliation.discrepancy import Discrepancy, DiscrepancyKind
from tanshi.registry.accounts import AccountKind
from tanshi.registry.transaction_types import TRANSACTION_TYPES

ISSUANCE_KIND = AccountKind.ISSUANCE.value


# Where each is: an account's holding of a unit class, a unit class, a journal entry.
HOLDING_AT = "account {account}, unit class {unit_class}"
CLASS_AT = "unit class {unit_class}"
ENTRY_AT = "journal entry {sequence}"


@dataclass(frozen=True, slots=True)
class MovementRow:
    """One stored movement with the type of its transaction."""

    sequence: int
    type_code: str
    from_account: int
    to_account: int
    unit_class: int
    unit_kind: str
    quantity_units: int


@dataclass(frozen=True, slots=True)
class HoldingRow:
    account: int
    unit_class: int
    quantity_units: int


@dataclass(frozen=True, slots=True)
class BlockRow:
    """A block of serials ``first``..``last`` of a unit class held by an account."""

    unit_class: int
    account: int
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class FrozenOrderRow:
    """A freeze order and the units of a class it still holds in a frozen-units account (what
    it froze less what was released or transferred by court order since)."""

    frozen_account: int
    unit_class: int
    quantity_units: int


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    code: str
    kind: str


def reconcile(
    movements: Iterable[MovementRow],
    holdings: Iterable[HoldingRow],
    accounts: Iterable[AccountRow],
    blocks: Iterable[BlockRow] = (),
    issued_serials: dict[int, int] | None = None,
) -> list[Discrepancy]:
    """Every discrepancy between the journal, the holdings table, the serial blocks and the rules.

    ``issued_serials`` maps a unit class to how many serials it has issued (1..n); with it,
    the blocks must cover exactly those serials, each once.
    """
    by_id = {account.id: account for account in accounts}
    found: list[Discrepancy] = []
    derived: dict[tuple[int, int], int] = defaultdict(int)
    issued: dict[int, int] = defaultdict(int)
    for row in movements:
        derived[(row.to_account, row.unit_class)] += row.quantity_units
        derived[(row.from_account, row.unit_class)] -= row.quantity_units
        found.extend(_check_movement(row, by_id))
        if by_id.get(row.from_account, AccountRow(0, "?", "?")).kind == ISSUANCE_KIND:
            issued[row.unit_class] += row.quantity_units
    stored = {(row.account, row.unit_class): row.quantity_units for row in holdings}
    for key in sorted(set(derived) | set(stored)):
        account = by_id.get(key[0])
        code = account.code if account else f"#{key[0]}"
        journal, table = derived.get(key, 0), stored.get(key, 0)
        if journal != table:
            found.append(Discrepancy.of(
                DiscrepancyKind.HOLDING_DIFFERS_FROM_JOURNAL,
                "{account} holds {held} of unit class {unit_class} but its journal sums to "
                "{journal}", Where.of(HOLDING_AT, account=code, unit_class=key[1]),
                account=code, held=table, unit_class=key[1], journal=journal,
            ))  # fmt: skip
        if min(journal, table) < 0 and (account is None or account.kind != ISSUANCE_KIND):
            found.append(Discrepancy.of(
                DiscrepancyKind.NEGATIVE_HOLDING, "{account} holds {held} of unit class "
                "{unit_class}", Where.of(HOLDING_AT, account=code, unit_class=key[1]),
                account=code, held=min(journal, table), unit_class=key[1],
            ))  # fmt: skip
    held: dict[int, int] = defaultdict(int)
    for (account_id, unit_class), quantity in stored.items():
        account = by_id.get(account_id)
        if account is None or account.kind != ISSUANCE_KIND:
            held[unit_class] += quantity
    for unit_class in sorted(set(held) | set(issued)):
        if held[unit_class] != issued[unit_class]:
            kind = (
                DiscrepancyKind.UNTRACEABLE_UNITS
                if issued[unit_class] == 0
                else DiscrepancyKind.NOT_CONSERVED
            )
            found.append(Discrepancy.of(
                kind, "unit class {unit_class}: {issued} issued but {held} held outside "
                "issuance accounts", Where.of(CLASS_AT, unit_class=unit_class),
                unit_class=unit_class, issued=issued[unit_class], held=held[unit_class],
            ))  # fmt: skip
    if issued_serials is not None:
        found.extend(_check_blocks(list(blocks), stored, by_id, issued_serials))
    return found


def _check_blocks(
    blocks: list[BlockRow],
    stored: dict[tuple[int, int], int],
    accounts: dict[int, AccountRow],
    issued_serials: dict[int, int],
) -> list[Discrepancy]:
    found: list[Discrepancy] = []
    by_class: dict[int, list[BlockRow]] = defaultdict(list)
    sizes: dict[tuple[int, int], int] = defaultdict(int)
    for block in blocks:
        by_class[block.unit_class].append(block)
        sizes[(block.account, block.unit_class)] += block.last - block.first + 1
        if block.first < 1 or block.last > issued_serials.get(block.unit_class, 0):
            found.append(Discrepancy.of(
                DiscrepancyKind.SERIALS_NOT_ISSUED,
                "block {first}..{last} of unit class {unit_class} is outside the issued serials "
                "1..{issued}", Where.of(CLASS_AT, unit_class=block.unit_class),
                first=block.first, last=block.last, unit_class=block.unit_class,
                issued=issued_serials.get(block.unit_class, 0),
            ))  # fmt: skip
    for unit_class, members in by_class.items():
        members.sort(key=lambda block: block.first)
        for before, after in itertools.pairwise(members):
            if after.first <= before.last:
                found.append(Discrepancy.of(
                    DiscrepancyKind.BLOCKS_OVERLAP,
                    "blocks {first}..{last} and {next_first}..{next_last} of unit class "
                    "{unit_class} overlap", Where.of(CLASS_AT, unit_class=unit_class),
                    first=before.first, last=before.last, next_first=after.first,
                    next_last=after.last, unit_class=unit_class,
                ))  # fmt: skip
    for key in sorted(set(sizes) | set(stored)):
        account = accounts.get(key[0])
        if account is not None and account.kind == ISSUANCE_KIND:
            continue
        if sizes.get(key, 0) != stored.get(key, 0):
            code = account.code if account else f"#{key[0]}"
            found.append(Discrepancy.of(
                DiscrepancyKind.BLOCKS_DIFFER_FROM_HOLDING,
                "{account} holds {held} of unit class {unit_class} but blocks of {serials} "
                "serials", Where.of(HOLDING_AT, account=code, unit_class=key[1]),
                account=code, held=stored.get(key, 0), unit_class=key[1],
                serials=sizes.get(key, 0),
            ))  # fmt: skip
    return found


def _check_movement(row: MovementRow, accounts: dict[int, AccountRow]) -> list[Discrepancy]:
    declared = TRANSACTION_TYPES.get(row.type_code)
    if declared is None:
        return [Discrepancy.of(
            DiscrepancyKind.UNKNOWN_TRANSACTION_TYPE,
            "entry {sequence} has type {type_code}, which is not declared",
            Where.of(ENTRY_AT, sequence=row.sequence), sequence=row.sequence,
            type_code=row.type_code,
        )]  # fmt: skip
    source, target = accounts.get(row.from_account), accounts.get(row.to_account)
    allowed = (
        source is not None
        and target is not None
        and source.kind in {kind.value for kind in declared.from_kinds}
        and target.kind in {kind.value for kind in declared.to_kinds}
        and row.unit_kind in {kind.value for kind in declared.unit_kinds}
        and row.quantity_units > 0
    )
    if allowed:
        return []
    return [Discrepancy.of(
        DiscrepancyKind.MOVEMENT_NOT_ALLOWED,
        "entry {sequence} ({type_code}) moves {quantity} {unit_kind} from {source} to "
        "{target}, which its type does not allow", Where.of(ENTRY_AT, sequence=row.sequence),
        sequence=row.sequence, type_code=row.type_code, quantity=row.quantity_units,
        unit_kind=row.unit_kind, source=source.code if source else row.from_account,
        target=target.code if target else row.to_account,
    )]  # fmt: skip


def check_frozen_units(
    holdings: Iterable[HoldingRow], accounts: Iterable[AccountRow], orders: Iterable[FrozenOrderRow]
) -> list[Discrepancy]:
    """Each frozen-units account holds exactly what its freeze orders still hold."""
    by_id = {account.id: account for account in accounts}
    frozen_kind = AccountKind.FROZEN_UNITS.value
    held = {
        (row.account, row.unit_class): row.quantity_units
        for row in holdings
        if by_id.get(row.account, AccountRow(0, "?", "?")).kind == frozen_kind
    }
    ordered: dict[tuple[int, int], int] = defaultdict(int)
    for order in orders:
        ordered[(order.frozen_account, order.unit_class)] += order.quantity_units
    found = []
    for key in sorted(set(held) | set(ordered)):
        if held.get(key, 0) != ordered.get(key, 0):
            account = by_id.get(key[0])
            code = account.code if account else f"#{key[0]}"
            found.append(Discrepancy.of(
                DiscrepancyKind.FROZEN_UNITS_DIFFER_FROM_ORDERS,
                "{account} holds {held} frozen units of unit class {unit_class} but its freeze "
                "orders still hold {ordered}", Where.of(HOLDING_AT, account=code, unit_class=key[1]),
                account=code, held=held.get(key, 0), unit_class=key[1],
                ordered=ordered.get(key, 0),
            ))  # fmt: skip
    return found
