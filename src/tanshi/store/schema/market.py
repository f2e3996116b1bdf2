"""Settlement (cash ledger, reservations, delivery versus payment) and the exchange's log."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from tanshi.store.schema.base import metadata

# --- Settlement: the cash ledger, reservations and trades settled delivery versus payment ---
# (migration 0006_settlement; docs/settlement.md)

# Cash accounts and their balances in fen. The balance is a cache of the cash journal kept by
# the database itself: a trigger on cash_movements moves every amount from one balance to
# another, so the balances always sum to zero (the bank's is minus the money held).
cash_accounts = Table(
    "cash_accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(60), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("registry_account_id", ForeignKey("accounts.id"), nullable=True, unique=True),
    Column("currency", String(3), nullable=False),
    Column("allows_negative", Boolean, nullable=False),
    Column("balance_fen", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("allows_negative = (kind = 'bank')", name="only_bank_may_go_negative"),
    CheckConstraint("allows_negative OR balance_fen >= 0", name="never_negative"),
)

# The cash journal (append-only): one entry per idempotency key, money moved in movements.
cash_entries = Table(
    "cash_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("kind", String(30), nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("booked_at", DateTime(timezone=True), nullable=False),
    Column("memo", Text, nullable=False),
)

cash_movements = Table(
    "cash_movements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_id", ForeignKey("cash_entries.id"), nullable=False, index=True),
    Column("from_cash_account_id", ForeignKey("cash_accounts.id"), nullable=False, index=True),
    Column("to_cash_account_id", ForeignKey("cash_accounts.id"), nullable=False, index=True),
    Column("amount_fen", BigInteger, nullable=False),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint("from_cash_account_id <> to_cash_account_id", name="accounts_differ"),
)

# Units a seller set aside for trading: moved into the exchange's clearing account by the
# registry transaction ``transaction_id``; ``open_units`` are not yet sold or released.
unit_reservations = Table(
    "unit_reservations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False, index=True),
    Column("unit_class_id", ForeignKey("unit_classes.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("open_units", BigInteger, nullable=False),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=False, unique=True),
    Column("reserved_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("quantity_units > 0", name="quantity_positive"),
    CheckConstraint("open_units >= 0 AND open_units <= quantity_units", name="open_in_range"),
)

# Funds a buyer set aside: moved into the clearing cash account by ``cash_entry_id``.
funds_reservations = Table(
    "funds_reservations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("cash_account_id", ForeignKey("cash_accounts.id"), nullable=False, index=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("open_fen", BigInteger, nullable=False),
    Column("cash_entry_id", ForeignKey("cash_entries.id"), nullable=False, unique=True),
    Column("reserved_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint("open_fen >= 0 AND open_fen <= amount_fen", name="open_in_range"),
)

# Every trade reported for settlement, pending until its settlement day, then settled: the
# registry transaction delivered the units and the cash entry paid for them, together.
settlements = Table(
    "settlements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("venue", String(40), nullable=False),
    Column("trade_id", String(100), nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("buyer_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("seller_account_id", ForeignKey("accounts.id"), nullable=False),
    Column("unit_class_id", ForeignKey("unit_classes.id"), nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("price_fen_per_t", BigInteger, nullable=False),
    Column("value_fen", BigInteger, nullable=False),
    Column("buyer_fee_fen", BigInteger, nullable=False),
    Column("seller_fee_fen", BigInteger, nullable=False),
    Column("traded_at", DateTime(timezone=True), nullable=False),
    Column("settle_on", Date, nullable=False, index=True),
    Column("status", String(10), nullable=False),
    # Indexed so an order's fills are read through its reservations (migration 0034).
    Column("unit_reservation_id", ForeignKey("unit_reservations.id"), nullable=False, index=True),
    Column("funds_reservation_id", ForeignKey("funds_reservations.id"), nullable=False, index=True),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=True, unique=True),
    Column("cash_entry_id", ForeignKey("cash_entries.id"), nullable=True, unique=True),
    Column("settled_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("venue", "trade_id"),
    CheckConstraint("quantity_units > 0", name="quantity_positive"),
    CheckConstraint("price_fen_per_t > 0", name="price_positive"),
    CheckConstraint(
        "value_fen = quantity_units * price_fen_per_t", name="value_is_price_times_qty"
    ),
    CheckConstraint("buyer_fee_fen >= 0 AND seller_fee_fen >= 0", name="fees_not_negative"),
    CheckConstraint("seller_fee_fen <= value_fen", name="fee_within_proceeds"),
    CheckConstraint("buyer_account_id <> seller_account_id", name="counterparties_differ"),
    # The surveillance desk reads one trading day's trades (migration 0023).
    Index("ix_settlements_traded_at", "traded_at"),
    CheckConstraint(
        "(status = 'pending' AND transaction_id IS NULL AND cash_entry_id IS NULL"
        " AND settled_at IS NULL) OR (status = 'settled' AND transaction_id IS NOT NULL"
        " AND cash_entry_id IS NOT NULL AND settled_at IS NOT NULL)",
        name="settled_has_both_legs",
    ),
)

# The matching engine's input, in log order (migration 0007_exchange): every command the
# shell applied to a venue's books, after its reservation was accepted, so that a day (or
# the whole log) can be replayed to the same books and fills (docs/market.md, "Event log").
# ``kind`` is the command's record name; unused fields are NULL. ``result_code`` and
# ``result_message`` are the engine's answer, written with the row (migration 0029): ``ok``, or
# the refusal's code and the sentence the trader got; NULL on rows logged before 0029.
exchange_commands = Table(
    "exchange_commands",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("venue", String(40), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("trading_day", Date, nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("product", String(80), nullable=False),
    Column("order_id", BigInteger, nullable=True),
    Column("owner", String(40), nullable=True),
    Column("side", Integer, nullable=True),
    Column("quantity_t", BigInteger, nullable=True),
    Column("price_fen", BigInteger, nullable=True),
    Column("time_in_force", Integer, nullable=True),
    Column("phase", String(20), nullable=True),
    Column("reference_fen", BigInteger, nullable=True),
    Column("result_code", String(60), nullable=True),
    Column("result_message", Text, nullable=True),
    UniqueConstraint("venue", "seq"),
    # One venue's trading day in log order, and the last reference price before a day, for
    # the surveillance desk (migration 0023).
    Index("ix_exchange_commands_venue_day", "venue", "trading_day", "seq"),
    # A product's last reference price before a day, one step back (migration 0025); only
    # the SetReference rows have an entry.
    Index(
        "ix_exchange_commands_references",
        "venue",
        "product",
        "trading_day",
        "seq",
        sqlite_where=text("kind = 'SetReference'"),
        postgresql_where=text("kind = 'SetReference'"),
    ),
    CheckConstraint(
        "kind IN ('NewOrder', 'CancelOrder', 'AmendOrder', 'SetPhase', 'SetReference',"
        " 'ExpireOrders')",
        name="kind_known",
    ),
)
