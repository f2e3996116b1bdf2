"""Settlement: the cash ledger, unit and funds reservations, trades settled delivery versus payment.

Revision ID: 0006_settlement
Revises: 0003_auctions
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_settlement"
down_revision = "0003_auctions"
branch_labels = None
depends_on = None

APPEND_ONLY = ("cash_entries", "cash_movements")
TABLES = (
    "settlements", "funds_reservations", "cash_movements", "unit_reservations",
    "cash_accounts", "cash_entries",
)  # fmt: skip


def _balances_follow_movements() -> None:
    """Each cash movement moves its amount from one balance to the other, in the database.

    The balances are then a cache the application cannot get out of step with the journal,
    and the never_negative CHECK refuses an overdraft even if the code's check were wrong.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION tanshi_cash_move() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE cash_accounts SET balance_fen = balance_fen - NEW.amount_fen "
            "WHERE id = NEW.from_cash_account_id; "
            "UPDATE cash_accounts SET balance_fen = balance_fen + NEW.amount_fen "
            "WHERE id = NEW.to_cash_account_id; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER cash_movements_move AFTER INSERT ON cash_movements "
            "FOR EACH ROW EXECUTE FUNCTION tanshi_cash_move()"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tanshi_append_only()"
            )
        return
    op.execute(
        "CREATE TRIGGER cash_movements_move AFTER INSERT ON cash_movements BEGIN "
        "UPDATE cash_accounts SET balance_fen = balance_fen - NEW.amount_fen "
        "WHERE id = NEW.from_cash_account_id; "
        "UPDATE cash_accounts SET balance_fen = balance_fen + NEW.amount_fen "
        "WHERE id = NEW.to_cash_account_id; END"
    )
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: correct it with a new "
                "entry'); END"
            )


def upgrade() -> None:
    op.create_table(
        "cash_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_entries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_cash_entries_idempotency_key")),
    )
    op.create_table(
        "cash_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("registry_account_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("allows_negative", sa.Boolean(), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "allows_negative = (kind = 'bank')",
            name=op.f("ck_cash_accounts_only_bank_may_go_negative"),
        ),
        sa.CheckConstraint(
            "allows_negative OR balance_fen >= 0", name=op.f("ck_cash_accounts_never_negative")
        ),
        sa.ForeignKeyConstraint(
            ["registry_account_id"],
            ["accounts.id"],
            name=op.f("fk_cash_accounts_registry_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_cash_accounts_code")),
        sa.UniqueConstraint(
            "registry_account_id", name=op.f("uq_cash_accounts_registry_account_id")
        ),
    )
    op.create_table(
        "unit_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("unit_class_id", sa.Integer(), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.Column("open_units", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "open_units >= 0 AND open_units <= quantity_units",
            name=op.f("ck_unit_reservations_open_in_range"),
        ),
        sa.CheckConstraint(
            "quantity_units > 0", name=op.f("ck_unit_reservations_quantity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_unit_reservations_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_unit_reservations_transaction_id_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_class_id"],
            ["unit_classes.id"],
            name=op.f("fk_unit_reservations_unit_class_id_unit_classes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_reservations")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_unit_reservations_idempotency_key")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_unit_reservations_transaction_id")),
    )
    op.create_index(
        op.f("ix_unit_reservations_account_id"), "unit_reservations", ["account_id"], unique=False
    )
    op.create_table(
        "cash_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("from_cash_account_id", sa.Integer(), nullable=False),
        sa.Column("to_cash_account_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_cash_movements_amount_positive")),
        sa.CheckConstraint(
            "from_cash_account_id <> to_cash_account_id",
            name=op.f("ck_cash_movements_accounts_differ"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["cash_entries.id"], name=op.f("fk_cash_movements_entry_id_cash_entries")
        ),
        sa.ForeignKeyConstraint(
            ["from_cash_account_id"],
            ["cash_accounts.id"],
            name=op.f("fk_cash_movements_from_cash_account_id_cash_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["to_cash_account_id"],
            ["cash_accounts.id"],
            name=op.f("fk_cash_movements_to_cash_account_id_cash_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_movements")),
    )
    op.create_index(
        op.f("ix_cash_movements_entry_id"), "cash_movements", ["entry_id"], unique=False
    )
    op.create_index(
        op.f("ix_cash_movements_from_cash_account_id"),
        "cash_movements",
        ["from_cash_account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_cash_movements_to_cash_account_id"),
        "cash_movements",
        ["to_cash_account_id"],
        unique=False,
    )
    op.create_table(
        "funds_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("cash_account_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("open_fen", sa.BigInteger(), nullable=False),
        sa.Column("cash_entry_id", sa.Integer(), nullable=False),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_funds_reservations_amount_positive")),
        sa.CheckConstraint(
            "open_fen >= 0 AND open_fen <= amount_fen",
            name=op.f("ck_funds_reservations_open_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["cash_account_id"],
            ["cash_accounts.id"],
            name=op.f("fk_funds_reservations_cash_account_id_cash_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["cash_entry_id"],
            ["cash_entries.id"],
            name=op.f("fk_funds_reservations_cash_entry_id_cash_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_reservations")),
        sa.UniqueConstraint("cash_entry_id", name=op.f("uq_funds_reservations_cash_entry_id")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_funds_reservations_idempotency_key")),
    )
    op.create_index(
        op.f("ix_funds_reservations_cash_account_id"),
        "funds_reservations",
        ["cash_account_id"],
        unique=False,
    )
    op.create_table(
        "settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue", sa.String(length=40), nullable=False),
        sa.Column("trade_id", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("buyer_account_id", sa.Integer(), nullable=False),
        sa.Column("seller_account_id", sa.Integer(), nullable=False),
        sa.Column("unit_class_id", sa.Integer(), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.Column("price_fen_per_t", sa.BigInteger(), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.Column("buyer_fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("seller_fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("traded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settle_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("unit_reservation_id", sa.Integer(), nullable=False),
        sa.Column("funds_reservation_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("cash_entry_id", sa.Integer(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'pending' AND transaction_id IS NULL AND cash_entry_id IS NULL AND settled_at IS NULL) OR (status = 'settled' AND transaction_id IS NOT NULL AND cash_entry_id IS NOT NULL AND settled_at IS NOT NULL)",
            name=op.f("ck_settlements_settled_has_both_legs"),
        ),
        sa.CheckConstraint(
            "buyer_account_id <> seller_account_id",
            name=op.f("ck_settlements_counterparties_differ"),
        ),
        sa.CheckConstraint(
            "buyer_fee_fen >= 0 AND seller_fee_fen >= 0",
            name=op.f("ck_settlements_fees_not_negative"),
        ),
        sa.CheckConstraint("price_fen_per_t > 0", name=op.f("ck_settlements_price_positive")),
        sa.CheckConstraint("quantity_units > 0", name=op.f("ck_settlements_quantity_positive")),
        sa.CheckConstraint(
            "seller_fee_fen <= value_fen", name=op.f("ck_settlements_fee_within_proceeds")
        ),
        sa.CheckConstraint(
            "value_fen = quantity_units * price_fen_per_t",
            name=op.f("ck_settlements_value_is_price_times_qty"),
        ),
        sa.ForeignKeyConstraint(
            ["buyer_account_id"],
            ["accounts.id"],
            name=op.f("fk_settlements_buyer_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["cash_entry_id"],
            ["cash_entries.id"],
            name=op.f("fk_settlements_cash_entry_id_cash_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["funds_reservation_id"],
            ["funds_reservations.id"],
            name=op.f("fk_settlements_funds_reservation_id_funds_reservations"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_account_id"],
            ["accounts.id"],
            name=op.f("fk_settlements_seller_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_settlements_transaction_id_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_class_id"],
            ["unit_classes.id"],
            name=op.f("fk_settlements_unit_class_id_unit_classes"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_reservation_id"],
            ["unit_reservations.id"],
            name=op.f("fk_settlements_unit_reservation_id_unit_reservations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
        sa.UniqueConstraint("cash_entry_id", name=op.f("uq_settlements_cash_entry_id")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_settlements_transaction_id")),
        sa.UniqueConstraint("venue", "trade_id", name=op.f("uq_settlements_venue_trade_id")),
    )
    op.create_index(op.f("ix_settlements_settle_on"), "settlements", ["settle_on"], unique=False)

    _balances_follow_movements()


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS tanshi_cash_move()")
