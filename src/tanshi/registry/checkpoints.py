"""Signed checkpoints of the journal head, so outsiders can hold the registry to its past.

A checkpoint states "entry N of this jurisdiction's journal has hash H" at a moment, signed
with the registry's Ed25519 key. Anyone with the public key can check the signature, and
anyone with the journal can check that entry N still has hash H: rewriting history after a
published checkpoint breaks one or the other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tanshi.registry.journal import utc_text


@dataclass(frozen=True, slots=True)
class Checkpoint:
    jurisdiction: str
    sequence: int
    entry_hash: str
    signed_at: datetime

    def message(self) -> bytes:
        """The bytes that are signed: compact JSON with sorted keys."""
        document = {
            "jurisdiction": self.jurisdiction,
            "sequence": self.sequence,
            "entry_hash": self.entry_hash,
            "signed_at": utc_text(self.signed_at),
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def new_private_key() -> bytes:
    """A fresh Ed25519 private key, 32 raw bytes."""
    return Ed25519PrivateKey.generate().private_bytes_raw()


def public_key_of(private_key: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes_raw()


def sign(checkpoint: Checkpoint, private_key: bytes) -> bytes:
    """The Ed25519 signature of the checkpoint (64 bytes)."""
    return Ed25519PrivateKey.from_private_bytes(private_key).sign(checkpoint.message())


def signature_valid(checkpoint: Checkpoint, signature: bytes, public_key: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, checkpoint.message())
    except (InvalidSignature, ValueError):
        return False
    return True
