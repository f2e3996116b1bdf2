"""TOTP secrets sealed at rest with AES-256-GCM under a key from configuration.

A sealed secret is stored as ``tsb1:<key id>:<base64 of nonce, ciphertext and tag>``; the
key id is the first 8 hex digits of the key's SHA-256, so a secret names the key that
opens it, and the username is bound in as associated data (a secret copied onto another
user's row does not open). The key (32 random bytes, URL-safe base64) comes from
``TANSHI_SECRET_KEY``; earlier keys, still read during a rotation, from
``TANSHI_OLD_SECRET_KEYS`` (comma-separated). Without a configured key a SQLite database
keeps its own beside it (``<database>.key``, made with mode 0600 when missing), and a
PostgreSQL database is refused (``SecretKeyMissing``). A value without the prefix is a
secret stored before sealing (read as it is; ``reseal`` seals it). docs/security.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, select

from tanshi.core.errors import TanshiError
from tanshi.store.schema import users

PREFIX = "tsb1"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_FILE_SUFFIX = ".key"
_MEMORY_KEY = secrets.token_bytes(KEY_BYTES)  # an in-memory SQLite database dies with us


class SecretKeySettings(BaseSettings):
    """Where the key comes from: ``TANSHI_SECRET_KEY`` and ``TANSHI_OLD_SECRET_KEYS``."""

    model_config = SettingsConfigDict(env_prefix="TANSHI_", extra="ignore")

    secret_key: SecretStr | None = Field(
        None, description="the key TOTP secrets are sealed with (tanshi user secret-key)"
    )
    old_secret_keys: SecretStr | None = Field(
        None, description="earlier keys, comma-separated, still read while a rotation runs")  # fmt: skip


class SecretKeyMissing(TanshiError):
    """No key is configured for a database that cannot keep its own (PostgreSQL)."""


class SecretKeyMismatch(TanshiError):
    """A stored secret was sealed with a key that is not configured, or is damaged."""


@dataclass(frozen=True, slots=True)
class Keyring:
    """The key new secrets are sealed with, and every key secrets may be opened with."""

    current: bytes
    readable: dict[str, bytes]
    source: str  # where the current key came from, for messages

    @property
    def current_id(self) -> str:
        return key_id(self.current)


def new_key() -> str:
    """A fresh key as ``TANSHI_SECRET_KEY`` takes it."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def _decode(text: str, name: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError) as error:
        raise SecretKeyMissing(f"{name} is not URL-safe base64: make one with "
                               "`tanshi user secret-key`") from error  # fmt: skip
    if len(key) != KEY_BYTES:
        raise SecretKeyMissing(f"{name} must be {KEY_BYTES} bytes in URL-safe base64 (44 "
                               "characters): make one with `tanshi user secret-key`")  # fmt: skip
    return key


def key_file(engine: Engine) -> Path | None:
    """The key file of a SQLite file database (None for other databases)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(f"{url.database}{KEY_FILE_SUFFIX}")


def _file_key(path: Path) -> bytes:
    if not path.exists():
        try:  # O_EXCL: of two processes making it, one writes and both read the same key
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(handle, "w") as out:
                out.write(new_key() + "\n")
    return _decode(path.read_text(encoding="utf-8"), str(path))


def keyring(engine: Engine) -> Keyring:
    """The keys for ``engine``'s secrets, from the configuration (see the module docstring)."""
    settings = SecretKeySettings()
    old = settings.old_secret_keys.get_secret_value() if settings.old_secret_keys else ""
    earlier = [_decode(k, "TANSHI_OLD_SECRET_KEYS") for k in old.split(",") if k.strip()]
    if settings.secret_key is not None and settings.secret_key.get_secret_value().strip():
        current = _decode(settings.secret_key.get_secret_value(), "TANSHI_SECRET_KEY")
        source = "TANSHI_SECRET_KEY"
    elif (path := key_file(engine)) is not None:
        current, source = _file_key(path), str(path)
    elif engine.url.get_backend_name() == "sqlite":
        current, source = _MEMORY_KEY, "the process (an in-memory database)"
    else:
        raise SecretKeyMissing(
            "TANSHI_SECRET_KEY is not set: a PostgreSQL database keeps TOTP secrets sealed "
            "with a key only the service holds. Make one with `tanshi user secret-key`, keep "
            "it with the service's other secrets and set TANSHI_SECRET_KEY (docs/security.md)"
        )
    readable = {key_id(k): k for k in earlier} | {key_id(current): current}
    return Keyring(current, readable, source)


def seal(ring: Keyring, username: str, secret: str) -> str:
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.current).encrypt(nonce, secret.encode(), username.encode())
    return f"{PREFIX}:{ring.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX + ":")


def unseal(ring: Keyring, username: str, stored: str) -> str:
    """The secret of a stored value; a value stored before sealing is returned as it is."""
    if not is_sealed(stored):
        return stored
    _, wanted, body = stored.split(":", 2)
    key = ring.readable.get(wanted)
    if key is None:
        raise SecretKeyMismatch(
            f"the TOTP secret of {username} was sealed with key {wanted}, but the key "
            f"configured ({ring.source}) is {ring.current_id}: set TANSHI_SECRET_KEY to the "
            "key it was sealed with, or list that key in TANSHI_OLD_SECRET_KEYS")  # fmt: skip
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], username.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise SecretKeyMismatch(f"the TOTP secret of {username} does not open with key "
                                f"{wanted}: it is damaged or was copied from another user") from error  # fmt: skip


def reseal(engine: Engine) -> int:
    """Seal every secret not sealed with the current key (stored before sealing, or under an
    earlier key); how many were sealed. Checks every other secret opens, so a wrong key is
    found at start-up rather than at someone's login."""
    ring = keyring(engine)
    done = 0
    with engine.begin() as connection:
        rows = connection.execute(select(users.c.id, users.c.username, users.c.totp_secret)
                                  .where(users.c.totp_secret.is_not(None))).all()  # fmt: skip
        for user_id, username, stored in rows:
            secret = unseal(ring, username, stored)
            if is_sealed(stored) and stored.split(":", 2)[1] == ring.current_id:
                continue
            connection.execute(users.update().where(users.c.id == user_id)
                               .values(totp_secret=seal(ring, username, secret)))  # fmt: skip
            done += 1
    return done
