"""The journal's hash chain: each entry's SHA-256 covers the previous hash and the entry.

    entry_hash = SHA-256( previous_hash (64 hex chars, ASCII) || canonical form (UTF-8) )

The canonical form is compact JSON with sorted keys of the entry's immutable fields and
its movements in booking order, each with the serial ranges it moved; times are UTC with
microseconds. The first entry's
previous hash is 64 zeros. Changing, inserting or removing any entry changes every hash
after it, so ``first_broken`` names the first entry that no longer matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tanshi.core.moments import from_store

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A stored transaction as the chain sees it."""

    id: int
    type_code: str
    idempotency_key: str
    booked_at: datetime
    compliance_year: int | None
    memo: str
    # (from, to, unit class, quantity, serial ranges moved as (first, last) pairs)
    movements: tuple[tuple[int, int, int, int, tuple[tuple[int, int], ...]], ...]
    previous_hash: str
    entry_hash: str


def utc_text(moment: datetime) -> str:
    """A moment as UTC text; naive datetimes are taken to be UTC already (as SQLite returns them)."""
    return from_store(moment).replace(tzinfo=None).isoformat(timespec="microseconds")


def canonical_form(
    entry_id: int,
    type_code: str,
    idempotency_key: str,
    booked_at: datetime,
    compliance_year: int | None,
    memo: str,
    movements: Sequence[tuple[int, int, int, int, Sequence[tuple[int, int]]]],
) -> bytes:
    """The bytes that are hashed for an entry."""
    before, after = canonical_parts(
        type_code, idempotency_key, booked_at, compliance_year, memo, movements
    )
    return before + str(entry_id).encode() + after


def canonical_parts(
    type_code: str,
    idempotency_key: str,
    booked_at: datetime,
    compliance_year: int | None,
    memo: str,
    movements: Sequence[tuple[int, int, int, int, Sequence[tuple[int, int]]]],
) -> tuple[bytes, bytes]:
    """The canonical form before and after the entry's sequence number.

    The sequence is known only when the entry takes its place at the head of the chain, so
    a store may compose these parts first and join them around the sequence later (on
    PostgreSQL, in the statement that advances the head). Keys sort as booked_at,
    compliance_year, id, key, memo, movements, type. ``movements`` and their blocks are
    lists or tuples (``json`` writes both as arrays).
    """
    before = {"booked_at": utc_text(booked_at), "compliance_year": compliance_year}
    after = {
        "key": idempotency_key,
        "memo": memo,
        "movements": movements,  # tuples and lists alike are JSON arrays
        "type": type_code,
    }
    head, tail = _compact(before), _compact(after)
    return head[:-1] + b',"id":', b"," + tail[1:]


def _compact(document: Mapping[str, object]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(previous_hash: str, canonical: bytes) -> str:
    """The SHA-256 hex digest of the previous hash followed by the canonical form."""
    return hashlib.sha256(previous_hash.encode("ascii") + canonical).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry whose stored hashes do not match the recomputed chain."""

    entry_id: int
    idempotency_key: str
    reason: str


def first_broken(entries: Iterable[JournalEntry]) -> ChainBreak | None:
    """Recompute the chain in id order; the first mismatch, or None if all entries match."""
    expected_previous = GENESIS_HASH
    for entry in entries:
        if entry.previous_hash != expected_previous:
            return ChainBreak(
                entry.id,
                entry.idempotency_key,
                "its previous hash does not match the entry before it (an entry was removed, "
                "inserted or changed before it)",
            )
        canonical = canonical_form(
            entry.id, entry.type_code, entry.idempotency_key, entry.booked_at,
            entry.compliance_year, entry.memo, entry.movements,
        )  # fmt: skip
        if chain_hash(entry.previous_hash, canonical) != entry.entry_hash:
            return ChainBreak(
                entry.id,
                entry.idempotency_key,
                "its content no longer matches its hash (the entry or its movements were altered)",
            )
        expected_previous = entry.entry_hash
    return None
