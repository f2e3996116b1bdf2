"""Serial numbers and blocks: every unit has one, holdings are ranges of them.

Format. Units of a class are numbered 1, 2, 3, … in issuance order. A serial is written
``<unit class code>-<number, 12 digits>``, e.g. ``DPEA-2016-000000001000``; a block of
consecutive serials is written ``DPEA-2016-000000000001..000000001000``. Both parse back
with ``parse_serial`` and ``parse_block``.

Split rule. A movement takes the lowest serials its source holds in that class, lowest
block first; when a block is split, the lower part moves and the source keeps the upper
part. Received blocks merge with the receiver's adjacent blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SERIAL_DIGITS = 12
_SERIAL = re.compile(rf"^(?P<unit_class>.+)-(?P<number>\d{{{SERIAL_DIGITS}}})$")
_BLOCK = re.compile(rf"^(?P<first>.+-\d{{{SERIAL_DIGITS}}})\.\.(?P<last>\d{{{SERIAL_DIGITS}}})$")


@dataclass(frozen=True, slots=True, order=True)
class Range:
    """Serials ``start`` to ``end`` inclusive, both at least 1."""

    start: int
    end: int

    def __post_init__(self) -> None:
        assert 1 <= self.start <= self.end, f"bad range {self.start}..{self.end}"

    @property
    def size(self) -> int:
        return self.end - self.start + 1


def format_serial(unit_class: str, number: int) -> str:
    """``DPEA-2016-000000001000``."""
    assert 1 <= number < 10**SERIAL_DIGITS
    return f"{unit_class}-{number:0{SERIAL_DIGITS}d}"


def parse_serial(text: str) -> tuple[str, int]:
    """The unit class code and number of a serial; ValueError if it is not one."""
    match = _SERIAL.match(text)
    if match is None or int(match["number"]) == 0:
        raise ValueError(f"{text!r} is not a serial such as DPEA-2016-000000000001")
    return match["unit_class"], int(match["number"])


def format_block(unit_class: str, block: Range) -> str:
    """``DPEA-2016-000000000001..000000001000``."""
    return f"{format_serial(unit_class, block.start)}..{block.end:0{SERIAL_DIGITS}d}"


def parse_block(text: str) -> tuple[str, Range]:
    """The unit class code and range of a written block; ValueError if it is not one."""
    match = _BLOCK.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a block such as DPEA-2016-000000000001..000000001000")
    unit_class, first = parse_serial(match["first"])
    last = int(match["last"])
    if last < first:
        raise ValueError(f"{text!r} ends before it starts")
    return unit_class, Range(first, last)


def take(held: Sequence[Range], quantity: int) -> tuple[list[Range], list[Range]]:
    """Split ``held`` (sorted, disjoint) into what moves and what stays, by the split rule.

    Returns (moved, kept). The caller has checked that ``held`` has at least ``quantity``.
    """
    assert quantity > 0
    moved: list[Range] = []
    kept: list[Range] = []
    wanted = quantity
    for block in held:
        if wanted == 0:
            kept.append(block)
        elif block.size <= wanted:
            moved.append(block)
            wanted -= block.size
        else:
            moved.append(Range(block.start, block.start + wanted - 1))
            kept.append(Range(block.start + wanted, block.end))
            wanted = 0
    assert wanted == 0, "take() was asked for more than is held"
    return moved, kept


def merged(blocks: Iterable[Range]) -> list[Range]:
    """The same serials as the fewest blocks: sorted, adjacent blocks joined."""
    result: list[Range] = []
    for block in sorted(blocks):
        if result and result[-1].end + 1 >= block.start:
            assert result[-1].end < block.start, "blocks overlap"
            result[-1] = Range(result[-1].start, block.end)
        else:
            result.append(block)
    return result


def split_in_order(pool: Sequence[Range], quantities: Sequence[int]) -> list[list[Range]]:
    """Deal ``pool`` (sorted) out to ``quantities`` in order: the first gets the lowest serials."""
    assert sum(quantities) == sum(block.size for block in pool)
    result: list[list[Range]] = []
    remaining = list(pool)
    for quantity in quantities:
        share, remaining = take(remaining, quantity)
        result.append(share)
    return result


def without(held: Iterable[Range], gone: Iterable[Range]) -> list[Range]:
    """The serials of ``held`` that are not in ``gone``, as the fewest sorted blocks."""
    result = merged(held)
    for cut in merged(gone):
        kept: list[Range] = []
        for block in result:
            if cut.end < block.start or block.end < cut.start:
                kept.append(block)
                continue
            if block.start < cut.start:
                kept.append(Range(block.start, cut.start - 1))
            if cut.end < block.end:
                kept.append(Range(cut.end + 1, block.end))
        result = kept
    return result
