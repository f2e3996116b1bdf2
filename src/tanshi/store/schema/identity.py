"""Identity and access: organisations, users, tokens, sessions, the audit log, API answers."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from tanshi.store.schema.base import metadata

# Identity and access (migration 0005_identity): people, their organisations and roles, machine
# tokens, web sessions, the audit log of every write, and the responses of API writes kept
# by idempotency key. Secrets are stored only as hashes (argon2 for passwords, SHA-256 for
# random tokens); TOTP secrets must be readable to check codes.
organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("company_id", ForeignKey("companies.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The jurisdiction it belongs to: always a company's and a regulator's; none for an
    # organisation that serves every jurisdiction (migration 0018_org_jurisdictions).
    Column("jurisdiction_id", ForeignKey("jurisdictions.id"), nullable=True, index=True),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(60), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("organisation_id", ForeignKey("organisations.id"), nullable=False, index=True),
    Column("role", String(30), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("totp_secret", String(200), nullable=True),  # sealed: services/secret_box.py
    # The last 30-second TOTP step accepted: a code is never accepted twice (RFC 6238 §5.2).
    Column("totp_last_step", BigInteger, nullable=True),
    Column("locale", String(10), nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Set when an administrator chose the password (creation or reset); the user must pick
    # their own at the next login (migration 0011_identity_care).
    Column("must_change_password", Boolean, nullable=False, server_default=false()),
)

# Administrators' actions that take a second administrator (services/admin_approvals.py):
# one asks, another approves or rejects (migration 0015_secret_care).
admin_requests = Table(
    "admin_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("action", String(40), nullable=False),
    Column("target", String(60), nullable=False),  # the username acted on
    Column("detail", JSON, nullable=False),  # what the action needs, never a secret
    Column("requested_by", ForeignKey("users.id"), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("decided_by", ForeignKey("users.id"), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("result", String(60), nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("scopes", String(300), nullable=False),  # space-separated
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)

# Login attempts of the last minute, per client address: the throttle every server process
# shares (services/login_throttle.py); rows older than the minute are deleted as it goes.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("address", String(64), nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False, index=True),
    Index("ix_login_attempts_address_at", "address", "attempted_at"),
)

# Messages to every server process on SQLite, which has no NOTIFY (store/notifications.py):
# written in the sender's transaction, polled by id, deleted after a few minutes. AUTOINCREMENT
# so that an id is never reused once older rows are gone (migration 0026).
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(63), nullable=False),
    Column("payload", Text, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False, index=True),
    sqlite_autoincrement=True,
)

# Append-only (trigger created by the migration): who did what, when, from where.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("user_id", ForeignKey("users.id"), nullable=True),
    Column("username", String(60), nullable=False),
    Column("organisation", String(40), nullable=False),
    Column("action", String(60), nullable=False),
    Column("target", String(200), nullable=False),
    Column("source_ip", String(64), nullable=False),
    Column("result", String(60), nullable=False),
    Column("detail", JSON, nullable=False),
)

api_idempotency = Table(
    "api_idempotency",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "idempotency_key"),
)
