"""Block changes worked out in memory agree with the split rule applied to sets of serials.

Both ways a store can feed them agree too: all of each source's blocks and their exact
neighbours (SQLite), or only the first blocks (in the split rule's order, largest first)
the request needs and a superset of
neighbours filtered afterwards (PostgreSQL, ``tanshi_registry_read``: for a request that
issues or names serials, every receiver's blocks next to any of them; else only the blocks
of the receivers a source gives to next to that source's blocks, migration
``0020_registry_cpu``).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tanshi.registry.block_changes import (
    BlockChanges,
    Key,
    StoredBlock,
    give,
    neighbour_serials,
    serials_needed,
    serials_taken,
)
from tanshi.registry.booking import Movement
from tanshi.registry.serials import Range, merged
from tanshi.services.registry_postgres import PostgresAccess

CLASS = 7
ISSUER = 0
ACCOUNTS = (1, 2, 3)


def stored(owner: dict[int, int]) -> list[StoredBlock]:
    """Maximal blocks per account from a serial -> account map, with ids from 1."""
    blocks: list[StoredBlock] = []
    for account in ACCOUNTS:
        mine = [Range(n, n) for n, held_by in owner.items() if held_by == account]
        for r in merged(mine):
            blocks.append(StoredBlock(len(blocks) + 1, account, CLASS, r))
    return blocks


def apply(blocks: list[StoredBlock], changes: BlockChanges) -> dict[int, list[Range]]:
    """What the table holds after ``changes``: each account's ranges, sorted."""
    shrunk = dict(changes.shrunk)
    rows = [
        (b.account, Range(shrunk.get(b.id, b.serials.start), b.serials.end))
        for b in blocks
        if b.id not in changes.deleted
    ]
    rows += [(account, r) for account, _, r in changes.inserted]
    return {a: sorted(r for held_by, r in rows if held_by == a) for a in ACCOUNTS}


def run(
    blocks: list[StoredBlock], movements: list[Movement], next_serial: int, *, as_postgres=False
) -> BlockChanges:
    """block_changes as a store drives it: take, look up neighbours, give."""
    held = {
        (a, CLASS): sorted((b for b in blocks if b.account == a), key=lambda b: b.serials)
        for a in ACCOUNTS
    }
    if as_postgres:
        needed = serials_needed(movements).items()
        held = {key: first_needed(held.get(key, []), need) for key, need in needed}
    changes = BlockChanges()
    serials = serials_taken(movements, held, frozenset({ISSUER}), {CLASS: next_serial}, changes)
    assert serials is not None
    gifts = [(m.to_account, CLASS, r) for m, r in zip(movements, serials, strict=True)]
    wanted = neighbour_serials(gifts)
    if as_postgres:
        access = PostgresAccess(None, alone=True)  # type: ignore[arg-type]
        access.near = near(blocks, held, movements, next_serial)
        found = access.blocks_at(wanted)
    else:
        ends, starts = wanted.get(CLASS, ([], []))
        found = [b for b in blocks if b.serials.end in ends or b.serials.start in starts]
    give(gifts, found, changes)
    return changes


def first_needed(blocks: list[StoredBlock], need: int | None) -> list[StoredBlock]:
    """The largest blocks (then lowest) holding ``need`` serials (all when None), as the
    read returns them: ordered by size, not by serial."""
    if need is None:
        return blocks
    taken: list[StoredBlock] = []
    for block in sorted(blocks, key=lambda b: (-b.serials.size, b.serials.start)):
        if need <= 0:
            break
        taken.append(block)
        need -= block.serials.size
    return taken


def near(
    blocks: list[StoredBlock],
    held: dict[Key, list[StoredBlock]],
    movements: list[Movement],
    next_serial: int,
) -> list[StoredBlock]:
    """What tanshi_registry_read returns as "near": the receivers' blocks next to the sources'
    blocks it read, to the named ranges and to the next serial to issue; for a request that
    neither issues nor names serials, only the blocks of a source's receivers (per movement)
    next to that source's blocks, a block next to two of them twice."""
    if all(m.from_account != ISSUER and m.serials is None for m in movements):
        pairs = {(m.from_account, m.to_account, m.unit_class) for m in movements}
        return [
            b for f, t, c in sorted(pairs) for h in held.get((f, c), [])
            for side in ("end", "start") for b in blocks
            if (b.account, b.unit_class) == (t, c)
            and (b.serials.end == h.serials.start - 1 if side == "end"
                 else b.serials.start == h.serials.end + 1)
        ]  # fmt: skip
    ends = {b.serials.start - 1 for source in held.values() for b in source}
    starts = {b.serials.end + 1 for source in held.values() for b in source}
    for m in movements:
        if m.from_account == ISSUER:
            ends.add(next_serial - 1)
        for first, last in m.serials or ():
            ends.add(first - 1)
            starts.add(last + 1)
    receivers = {(m.to_account, m.unit_class) for m in movements}
    return [
        b for b in blocks
        if (b.account, b.unit_class) in receivers
        and (b.serials.end in ends or b.serials.start in starts)
    ]  # fmt: skip


@st.composite
def situations(draw: st.DrawFn) -> tuple[dict[int, int], list[Movement]]:
    size = draw(st.integers(0, 40))
    owner = {n: draw(st.sampled_from(ACCOUNTS)) for n in range(1, size + 1)}
    movements = []
    left = {a: sum(1 for held_by in owner.values() if held_by == a) for a in ACCOUNTS}
    for _ in range(draw(st.integers(1, 6))):
        source = draw(st.sampled_from((ISSUER, *ACCOUNTS)))
        target = draw(st.sampled_from([a for a in ACCOUNTS if a != source]))
        if source == ISSUER:
            movements.append(Movement(source, target, CLASS, draw(st.integers(1, 5))))
        elif left[source]:
            quantity = draw(st.integers(1, left[source]))
            left[source] -= quantity
            movements.append(Movement(source, target, CLASS, quantity))
    return owner, movements


def runs(serials: list[int]) -> list[list[int]]:
    """Sorted serials as runs of consecutive numbers."""
    result: list[list[int]] = []
    for n in sorted(serials):
        if result and result[-1][-1] == n - 1:
            result[-1].append(n)
        else:
            result.append([n])
    return result


def by_the_rule(owner: dict[int, int], movements: list[Movement]) -> dict[int, list[Range]]:
    """The reference: per source, the movements' total is taken from the runs of serials it
    held before the transaction, the longest run first (of equal runs, the lowest), whole
    runs until the rest fits in one, whose lowest serials go; the serials taken are dealt
    out to that source's movements in request order, lowest first. Issuance numbers on after
    the highest serial. Then all are given."""
    next_serial = len(owner) + 1
    totals: dict[int, int] = {}
    for m in movements:
        totals[m.from_account] = totals.get(m.from_account, 0) + m.quantity_units
    pools: dict[int, list[int]] = {}
    for source, total in totals.items():
        if source == ISSUER:
            pools[source] = list(range(next_serial, next_serial + total))
            continue
        mine = runs([n for n, held_by in owner.items() if held_by == source])
        pool: list[int] = []
        for run_ in sorted(mine, key=lambda r: (-len(r), r[0])):
            pool.extend(run_[: total - len(pool)])
        pools[source] = sorted(pool)
    owner = dict(owner)
    moves = []
    for m in movements:
        moving = pools[m.from_account][: m.quantity_units]
        del pools[m.from_account][: m.quantity_units]
        moves.append((moving, m.to_account))
    for moving, target in moves:
        for n in moving:
            owner[n] = target
    return {
        a: merged(Range(n, n) for n, held_by in owner.items() if held_by == a) for a in ACCOUNTS
    }


@settings(max_examples=300)
@given(situations())
def test_changes_match_the_rule_on_sets_of_serials(
    situation: tuple[dict[int, int], list[Movement]],
) -> None:
    owner, movements = situation
    blocks = stored(owner)
    expected = by_the_rule(owner, movements)
    assert apply(blocks, run(blocks, movements, len(owner) + 1)) == expected
    assert apply(blocks, run(blocks, movements, len(owner) + 1, as_postgres=True)) == expected


def test_named_ranges_leave_remainders_that_merge_with_gifts() -> None:
    # Account 1 holds 1..10; a reversal takes back 3..4 and 6..6 by name, while the issuer
    # gives account 1 the serials 11..12: what remains of 1..10 merges with them.
    blocks = [StoredBlock(1, 1, CLASS, Range(1, 10))]
    movements = [
        Movement(ISSUER, 1, CLASS, 2),
        Movement(1, 2, CLASS, 3, serials=((3, 4), (6, 6))),
    ]
    for as_postgres in (False, True):
        changes = run(blocks, movements, 11, as_postgres=as_postgres)
        assert changes.issued == {CLASS: 2}
        assert apply(blocks, changes) == {
            1: [Range(1, 2), Range(5, 5), Range(7, 12)],
            2: [Range(3, 4), Range(6, 6)],
            3: [],
        }


def test_serials_needed_are_the_unnamed_quantities_per_source() -> None:
    movements = [
        Movement(1, 2, CLASS, 5), Movement(1, 3, CLASS, 2), Movement(2, 3, CLASS, 4),
        Movement(3, 1, CLASS, 1), Movement(3, 2, CLASS, 2, serials=((7, 8),)),
    ]  # fmt: skip
    assert serials_needed(movements) == {(1, CLASS): 7, (2, CLASS): 4, (3, CLASS): None}


def test_a_named_range_no_longer_held_is_refused() -> None:
    blocks = [StoredBlock(1, 1, CLASS, Range(1, 10))]
    held = {(1, CLASS): blocks}
    movements = [Movement(1, 2, CLASS, 5), Movement(1, 3, CLASS, 2, serials=((4, 5),))]
    assert serials_taken(movements, held, frozenset(), {}, BlockChanges()) is None
