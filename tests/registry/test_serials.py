"""Serial numbers: format, parsing and the block split rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tanshi.registry.serials import (
    Range,
    format_block,
    format_serial,
    merged,
    parse_block,
    parse_serial,
    split_in_order,
    take,
)


def test_format_and_parse() -> None:
    assert format_serial("DPEA-2016", 1000) == "DPEA-2016-000000001000"
    assert parse_serial("DPCER-2015-P001-000000000007") == ("DPCER-2015-P001", 7)
    block = format_block("DPEA-2016", Range(1, 1000))
    assert block == "DPEA-2016-000000000001..000000001000"
    assert parse_block(block) == ("DPEA-2016", Range(1, 1000))
    for bad in ("DPEA-2016-1", "DPEA-2016-000000000000", "000000000001"):
        with pytest.raises(ValueError, match="serial"):
            parse_serial(bad)
    with pytest.raises(ValueError, match="ends before"):
        parse_block("DPEA-2016-000000000009..000000000001")


def test_take_moves_the_largest_block_first_and_keeps_its_upper_part() -> None:
    # 41..70 is the largest: 15 fit in it, its lower part moves.
    moved, kept = take([Range(1, 10), Range(21, 30), Range(41, 70)], 15)
    assert moved == [Range(41, 55)]
    assert kept == [Range(1, 10), Range(21, 30), Range(56, 70)]
    # Of blocks of one size the lowest goes first; whole blocks until the rest fits.
    moved, kept = take([Range(21, 30), Range(1, 10), Range(41, 45)], 15)
    assert moved == [Range(1, 10), Range(21, 25)]
    assert kept == [Range(26, 30), Range(41, 45)]


def test_merged_joins_adjacent_blocks() -> None:
    assert merged([Range(11, 20), Range(1, 10), Range(30, 31)]) == [Range(1, 20), Range(30, 31)]


@st.composite
def holdings(draw: st.DrawFn) -> list[Range]:
    cuts = sorted(draw(st.sets(st.integers(1, 500), min_size=2, max_size=20)))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    return [Range(a, b) for a, b in pairs]


@given(held=holdings(), data=st.data())
def test_take_conserves_serials(held: list[Range], data: st.DataObject) -> None:
    total = sum(block.size for block in held)
    quantity = data.draw(st.integers(1, total))
    moved, kept = take(held, quantity)
    assert sum(block.size for block in moved) == quantity
    serials = [n for block in moved + kept for n in range(block.start, block.end + 1)]
    assert sorted(serials) == [n for block in held for n in range(block.start, block.end + 1)]
    # Every block moved whole is at least as large as every block left untouched, and the
    # one split (if any) gave its lower part.
    untouched = [b for b in held if b in kept]
    whole = [b for b in held if b in moved]
    if untouched and whole:
        assert min(b.size for b in whole) >= max(b.size for b in untouched)
    split = [b for b in held if b not in kept and b not in moved]
    assert len(split) <= 1
    for block in split:
        assert all(block.size >= b.size for b in untouched)
        assert Range(block.start, block.start + quantity - sum(b.size for b in whole) - 1) in moved


def test_split_in_order_deals_the_lowest_serials_first() -> None:
    assert split_in_order([Range(1, 10), Range(21, 25)], [4, 8, 3]) == [
        [Range(1, 4)], [Range(5, 10), Range(21, 22)], [Range(23, 25)],
    ]  # fmt: skip
