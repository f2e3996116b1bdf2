"""How one transaction changes the stored serial blocks, worked out in memory.

The store reads the blocks a transaction touches, these functions decide which rows to
delete, shrink and insert by the split rule (``serials.py``), and the store writes them.
Every store runs the same decisions; only the reading and writing differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tanshi.registry.booking import Movement
from tanshi.registry.serials import Range, merged, split_in_order, take

Key = tuple[int, int]  # (account id, unit class id)


@dataclass(frozen=True, slots=True)
class StoredBlock:
    """A row of the blocks table: ``serials`` of one class held by one account."""

    id: int
    account: int
    unit_class: int
    serials: Range


@dataclass(slots=True)
class BlockChanges:
    """The rows a transaction deletes, shrinks (new first serial) and inserts."""

    deleted: list[int] = field(default_factory=list)
    shrunk: list[tuple[int, int]] = field(default_factory=list)
    inserted: list[tuple[int, int, Range]] = field(default_factory=list)
    issued: dict[int, int] = field(default_factory=dict)  # unit class -> serials issued


def serials_needed(movements: Sequence[Movement]) -> dict[Key, int | None]:
    """Per source (account, unit class), how many serials the movements take by the rule.

    ``serials_taken`` needs a source's blocks only up to that many serials, in the split
    rule's order (``serials.take_order``: largest first); None means all of them: a movement
    names the serial ranges it takes.
    """
    needed: dict[Key, int | None] = {}
    for m in movements:
        key = (m.from_account, m.unit_class)
        if m.serials is not None:
            needed[key] = None
        elif key not in needed:
            needed[key] = m.quantity_units
        elif (so_far := needed[key]) is not None:
            needed[key] = so_far + m.quantity_units
    return needed


def serials_taken(
    movements: Sequence[Movement],
    held: Mapping[Key, Sequence[StoredBlock]],
    issuers: frozenset[int],
    next_serial: Mapping[int, int],
    changes: BlockChanges,
) -> list[list[Range]] | None:
    """The serials each movement takes from its source; None if a named range is not held.

    ``held`` lists each source's blocks (at least the first ones in the split rule's order
    holding ``serials_needed``, or all of them); ``issuers`` are the accounts
    that create serials (they may go negative) and ``next_serial`` the next free number per
    class. Movements from one source and class without named serials are served from one
    take, in request order, so a bulk allocation splits the source's block once.
    """
    blocks = {key: [b for b in held.get(key, ())] for key in held}
    groups: dict[Key, list[int]] = {}
    for index, m in enumerate(movements):
        if m.serials is None:
            groups.setdefault((m.from_account, m.unit_class), []).append(index)
    taken: dict[int, list[Range]] = {}
    issued_next = dict(next_serial)
    for (source, unit_class), indexes in groups.items():
        quantities = [movements[i].quantity_units for i in indexes]
        total = sum(quantities)
        if source in issuers:
            first = issued_next[unit_class]
            issued_next[unit_class] = first + total
            changes.issued[unit_class] = changes.issued.get(unit_class, 0) + total
            pool = [Range(first, first + total - 1)]
        else:
            pool = _take_by_rule(blocks.setdefault((source, unit_class), []), total, changes)
        for index, ranges in zip(indexes, split_in_order(pool, quantities), strict=True):
            taken[index] = ranges
    for index, m in enumerate(movements):
        if m.serials is not None:
            named = _take_named(blocks.setdefault((m.from_account, m.unit_class), []),
                                m.serials, changes)  # fmt: skip
            if named is None:
                return None
            taken[index] = named
    return [taken[index] for index in range(len(movements))]


def _take_by_rule(blocks: list[StoredBlock], quantity: int, changes: BlockChanges) -> list[Range]:
    """Remove ``quantity`` serials from ``blocks`` (in place) by the split rule."""
    moved, _ = take([b.serials for b in blocks], quantity)
    # A moved range is a whole block or a block's lower part: it starts where its block does.
    moved_from = {r.start: r for r in moved}
    kept: list[StoredBlock] = []
    for block in blocks:
        part = moved_from.get(block.serials.start)
        if part is None:
            kept.append(block)
        elif part.end == block.serials.end:
            changes.deleted.append(block.id)
        else:
            changes.shrunk.append((block.id, part.end + 1))
            rest = Range(part.end + 1, block.serials.end)
            kept.append(StoredBlock(block.id, block.account, block.unit_class, rest))
    blocks[:] = kept
    return moved


def _take_named(
    blocks: list[StoredBlock], named: tuple[tuple[int, int], ...], changes: BlockChanges
) -> list[Range] | None:
    """Remove exactly the named ranges from ``blocks`` (in place); None if one is not held."""
    for first, last in named:
        block = next(
            (b for b in blocks if b.serials.start <= first and last <= b.serials.end), None
        )
        if block is None:
            return None
        blocks.remove(block)
        if block.id > 0:
            changes.deleted.append(block.id)
        else:  # a remainder of an earlier named range in this transaction, not yet stored
            changes.inserted.remove((block.account, block.unit_class, block.serials))
        for start, end in ((block.serials.start, first - 1), (last + 1, block.serials.end)):
            if start <= end:
                rest = Range(start, end)
                changes.inserted.append((block.account, block.unit_class, rest))
                blocks.append(
                    StoredBlock(-len(changes.inserted), block.account, block.unit_class, rest)
                )
        blocks.sort(key=lambda b: b.serials)
    return [Range(first, last) for first, last in sorted(named)]


def neighbour_serials(
    gifts: Sequence[tuple[int, int, list[Range]]],
) -> dict[int, tuple[list[int], list[int]]]:
    """Per unit class, the serials a receiver's adjacent block would end at or start at."""
    ends: dict[int, set[int]] = {}
    starts: dict[int, set[int]] = {}
    for _, unit_class, ranges in gifts:
        for r in ranges:
            if r.start > 1:
                ends.setdefault(unit_class, set()).add(r.start - 1)
            starts.setdefault(unit_class, set()).add(r.end + 1)
    return {
        unit_class: (sorted(ends.get(unit_class, ())), sorted(starts.get(unit_class, ())))
        for unit_class in sorted(set(ends) | set(starts))
    }


def give(
    gifts: Sequence[tuple[int, int, list[Range]]],
    candidates: Sequence[StoredBlock],
    changes: BlockChanges,
) -> None:
    """Add each (account, class, ranges) gift, merged with the receiver's adjacent blocks.

    ``candidates`` are the stored blocks found at ``neighbour_serials`` before any change of
    this transaction was written; those held by a receiver (as this transaction leaves them)
    are merged in. Ranges given to one account in one transaction merge with each other too,
    as if they had been given one at a time.
    """
    given: dict[Key, list[Range]] = {}
    for account, unit_class, ranges in gifts:
        given.setdefault((account, unit_class), []).extend(ranges)
    deleted = set(changes.deleted)
    shrunk = dict(changes.shrunk)
    for block in candidates:
        key = (block.account, block.unit_class)
        if key not in given or block.id in deleted:
            continue
        deleted.add(block.id)
        changes.deleted.append(block.id)
        start = shrunk.pop(block.id, block.serials.start)
        given[key].append(Range(start, block.serials.end))
    changes.shrunk = list(shrunk.items())
    # Remainders of named takes (not yet stored) held by a receiver merge like stored blocks.
    remainders = []
    for account, unit_class, serials in changes.inserted:
        if (account, unit_class) in given:
            given[(account, unit_class)].append(serials)
        else:
            remainders.append((account, unit_class, serials))
    changes.inserted = remainders
    for (account, unit_class), ranges in given.items():
        changes.inserted.extend((account, unit_class, r) for r in merged(ranges))
