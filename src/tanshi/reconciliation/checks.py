"""Re-validation of executed registry transactions, sharing no code path with execution.

Execution (``tanshi.registry.booking`` and ``tanshi.services.registry``) decides whether a
transaction may happen. This module looks only at what was written — journal movements,
the holdings table and account kinds, read with its own queries — and reports every
discrepancy it finds as data. It shares the declared transaction types (configuration),
never the checking code, so a bug in one is not silently repeated in the other.
"""

from __future__ import annotations

import enum
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tanshi.registry.accounts import AccountKind
from tanshi.registry.transaction_types import TRANSACTION_TYPES

ISSUANCE_KIND = AccountKind.ISSUANCE.value


class DiscrepancyKind(enum.StrEnum):
    HOLDING_DIFFERS_FROM_JOURNAL = "holding_differs_from_journal"
    NEGATIVE_HOLDING = "negative_holding"
    NOT_CONSERVED = "units_not_conserved"
    UNTRACEABLE_UNITS = "units_without_issuance"
    MOVEMENT_NOT_ALLOWED = "movement_not_allowed_by_its_type"
    BLOCKS_OVERLAP = "serial_blocks_overlap"
    BLOCKS_DIFFER_FROM_HOLDING = "serial_blocks_differ_from_holding"
    SERIALS_NOT_ISSUED = "serials_outside_issued_range"
    UNKNOWN_TRANSACTION_TYPE = "unknown_transaction_type"
    FROZEN_UNITS_DIFFER_FROM_ORDERS = "frozen_units_differ_from_orders"


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


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """Something the stored registry should never show."""

    kind: DiscrepancyKind
    message: str
    account: str | None = None
    unit_class: int | None = None
    sequence: int | None = None

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.message}"


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
            found.append(Discrepancy(
                DiscrepancyKind.HOLDING_DIFFERS_FROM_JOURNAL,
                f"{code} holds {table} of unit class {key[1]} but its journal sums to {journal}",
                code, key[1],
            ))  # fmt: skip
        if min(journal, table) < 0 and (account is None or account.kind != ISSUANCE_KIND):
            found.append(Discrepancy(
                DiscrepancyKind.NEGATIVE_HOLDING,
                f"{code} holds {min(journal, table)} of unit class {key[1]}", code, key[1],
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
            found.append(Discrepancy(
                kind,
                f"unit class {unit_class}: {issued[unit_class]} issued but "
                f"{held[unit_class]} held outside issuance accounts",
                unit_class=unit_class,
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
            found.append(Discrepancy(
                DiscrepancyKind.SERIALS_NOT_ISSUED,
                f"block {block.first}..{block.last} of unit class {block.unit_class} is outside "
                f"the issued serials 1..{issued_serials.get(block.unit_class, 0)}",
                unit_class=block.unit_class,
            ))  # fmt: skip
    for unit_class, members in by_class.items():
        members.sort(key=lambda block: block.first)
        for before, after in itertools.pairwise(members):
            if after.first <= before.last:
                found.append(Discrepancy(
                    DiscrepancyKind.BLOCKS_OVERLAP,
                    f"blocks {before.first}..{before.last} and {after.first}..{after.last} of "
                    f"unit class {unit_class} overlap",
                    unit_class=unit_class,
                ))  # fmt: skip
    for key in sorted(set(sizes) | set(stored)):
        account = accounts.get(key[0])
        if account is not None and account.kind == ISSUANCE_KIND:
            continue
        if sizes.get(key, 0) != stored.get(key, 0):
            code = account.code if account else f"#{key[0]}"
            found.append(Discrepancy(
                DiscrepancyKind.BLOCKS_DIFFER_FROM_HOLDING,
                f"{code} holds {stored.get(key, 0)} of unit class {key[1]} but blocks of "
                f"{sizes.get(key, 0)} serials",
                code, key[1],
            ))  # fmt: skip
    return found


def _check_movement(row: MovementRow, accounts: dict[int, AccountRow]) -> list[Discrepancy]:
    declared = TRANSACTION_TYPES.get(row.type_code)
    if declared is None:
        return [Discrepancy(
            DiscrepancyKind.UNKNOWN_TRANSACTION_TYPE,
            f"entry {row.sequence} has type {row.type_code}, which is not declared",
            sequence=row.sequence,
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
    return [Discrepancy(
        DiscrepancyKind.MOVEMENT_NOT_ALLOWED,
        f"entry {row.sequence} ({row.type_code}) moves {row.quantity_units} {row.unit_kind} "
        f"from {source.code if source else row.from_account} to "
        f"{target.code if target else row.to_account}, which its type does not allow",
        sequence=row.sequence,
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
            found.append(Discrepancy(
                DiscrepancyKind.FROZEN_UNITS_DIFFER_FROM_ORDERS,
                f"{code} holds {held.get(key, 0)} frozen units of unit class {key[1]} but its "
                f"freeze orders still hold {ordered.get(key, 0)}",
                code, key[1],
            ))  # fmt: skip
    return found
