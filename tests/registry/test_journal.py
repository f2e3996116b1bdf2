"""The canonical form in two parts (around the sequence) is the canonical form."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tanshi.registry.journal import canonical_form, canonical_parts, utc_text

MOVEMENTS = st.lists(
    st.tuples(
        st.integers(1, 10**6), st.integers(1, 10**6), st.integers(1, 10**4),
        st.integers(1, 10**12), st.lists(st.tuples(st.integers(1), st.integers(1)), max_size=3),
    ),
    max_size=4,
)  # fmt: skip


@given(
    entry_id=st.integers(1, 10**12),
    type_code=st.text(max_size=20),
    key=st.text(max_size=40),
    booked_at=st.datetimes(timezones=st.just(UTC)),
    year=st.none() | st.integers(1990, 2100),
    memo=st.text(),
    movements=MOVEMENTS,
)
def test_parts_joined_around_the_sequence_are_the_whole_document(
    entry_id: int, type_code: str, key: str, booked_at: datetime, year: int | None, memo: str,
    movements: list[tuple[int, int, int, int, list[tuple[int, int]]]],
) -> None:  # fmt: skip
    document = {
        "id": entry_id, "type": type_code, "key": key, "booked_at": utc_text(booked_at),
        "compliance_year": year, "memo": memo,
        "movements": [[s, t, c, q, [list(b) for b in blocks]] for s, t, c, q, blocks in movements],
    }  # fmt: skip
    reference = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    before, after = canonical_parts(type_code, key, booked_at, year, memo, movements)
    whole = canonical_form(entry_id, type_code, key, booked_at, year, memo, movements)
    assert whole == before + str(entry_id).encode() + after
    assert whole == reference.encode()
