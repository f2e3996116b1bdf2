"""A regulator's cancellation of an announced auction, and the roll-over claim it gives up.

Revision ID: 0032_auction_cancellations
Revises: 0031_carry_over_claims
Create Date: 2026-11-25

``auction_notices`` gains ``cancelled_at``, ``cancelled_by``, ``cancel_reason`` and
``cancel_key`` (unique: a cancellation's idempotency key); a cancelled notice's bids end as
``cancelled`` (the status check admits it). A cancelled notice keeps its
``carried_from_auction_id`` as history, but the roll-over becomes claimable again: the unique
index on it now counts only notices not cancelled (a partial index, on SQLite and
PostgreSQL alike), so the database still lets one notice claim each roll-over at a time.
SQLite cannot change a CHECK constraint in place: ``auction_bids`` is rebuilt (its links
from a revised bid to the new one set aside meanwhile).
"""

import sqlalchemy as sa
from alembic import op

revision = "0032_auction_cancellations"
down_revision = "0031_carry_over_claims"
branch_labels = None
depends_on = None

NOTICES = "auction_notices"
CLAIM_INDEX = "ix_auction_notices_carried_from_auction_id"
NOT_CANCELLED = sa.text("cancelled_at IS NULL")
STATUSES = "'live', 'revised', 'withdrawn', 'cleared'"


def upgrade() -> None:
    op.add_column(NOTICES, sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(NOTICES, sa.Column("cancelled_by", sa.String(80), nullable=True))
    op.add_column(NOTICES, sa.Column("cancel_reason", sa.Text(), nullable=True))
    op.add_column(NOTICES, sa.Column("cancel_key", sa.String(200), nullable=True))
    op.create_index("ix_auction_notices_cancel_key", NOTICES, ["cancel_key"], unique=True)
    op.drop_index(CLAIM_INDEX, table_name=NOTICES)
    op.create_index(CLAIM_INDEX, NOTICES, ["carried_from_auction_id"], unique=True,
                    sqlite_where=NOT_CANCELLED, postgresql_where=NOT_CANCELLED)  # fmt: skip
    _bid_statuses(STATUSES + ", 'cancelled'")


def downgrade() -> None:
    # Cancelled notices' bids read as withdrawn, and their claims go (the old index would
    # count them); the cancellations themselves go with their columns.
    op.execute("UPDATE auction_bids SET status = 'withdrawn' WHERE status = 'cancelled'")
    op.execute(f"UPDATE {NOTICES} SET carried_from_auction_id = NULL "
               "WHERE cancelled_at IS NOT NULL")  # fmt: skip
    _bid_statuses(STATUSES)
    op.drop_index(CLAIM_INDEX, table_name=NOTICES)
    op.create_index(CLAIM_INDEX, NOTICES, ["carried_from_auction_id"], unique=True)
    op.drop_index("ix_auction_notices_cancel_key", table_name=NOTICES)
    for column in ("cancel_key", "cancel_reason", "cancelled_by", "cancelled_at"):
        op.drop_column(NOTICES, column)


def _bid_statuses(statuses: str) -> None:
    name = op.f("ck_auction_bids_status_known")
    check = f"status IN ({statuses})"
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(name, "auction_bids", type_="check")
        op.create_check_constraint(name, "auction_bids", check)
        return
    # The copy's replaces_bid_id would refer to the old table as it is dropped (a foreign
    # key violation SQLite counts until commit): the links are set aside and put back.
    connection = op.get_bind()
    links = connection.execute(sa.text("SELECT id, replaces_bid_id FROM auction_bids "
                                       "WHERE replaces_bid_id IS NOT NULL")).all()  # fmt: skip
    op.execute("UPDATE auction_bids SET replaces_bid_id = NULL")
    with op.batch_alter_table("auction_bids", recreate="always",
                              copy_from=_bids_table(check)):  # fmt: skip
        pass
    for bid, replaces in links:
        connection.execute(sa.text("UPDATE auction_bids SET replaces_bid_id = :replaces "
                                   "WHERE id = :bid"), {"bid": bid, "replaces": replaces})  # fmt: skip


def _bids_table(check: str) -> sa.Table:
    """auction_bids as 0012_bid_book created it, with the status check ``check``."""
    return sa.Table(
        "auction_bids",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("price_hundredths", sa.BigInteger(), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("submitted_by", sa.String(length=80), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("funds_reservation_id", sa.Integer(), nullable=False),
        sa.Column("replaces_bid_id", sa.Integer(), nullable=True),
        sa.Column("ended_key", sa.String(length=200), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_units", sa.BigInteger(), nullable=True),
        sa.Column("awarded_units", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(check, name=op.f("ck_auction_bids_status_known")),
        sa.CheckConstraint(
            "awarded_units IS NULL OR awarded_units <= quantity_units",
            name=op.f("ck_auction_bids_award_within_bid"),
        ),
        sa.CheckConstraint("price_hundredths > 0", name=op.f("ck_auction_bids_price_positive")),
        sa.CheckConstraint("quantity_units > 0", name=op.f("ck_auction_bids_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_auction_bids_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_auction_bids_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["funds_reservation_id"],
            ["funds_reservations.id"],
            name=op.f("fk_auction_bids_funds_reservation_id_funds_reservations"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["auction_notices.id"],
            name=op.f("fk_auction_bids_notice_id_auction_notices"),
        ),
        sa.ForeignKeyConstraint(
            ["replaces_bid_id"],
            ["auction_bids.id"],
            name=op.f("fk_auction_bids_replaces_bid_id_auction_bids"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auction_bids")),
        sa.UniqueConstraint("ended_key", name=op.f("uq_auction_bids_ended_key")),
        sa.UniqueConstraint(
            "funds_reservation_id", name=op.f("uq_auction_bids_funds_reservation_id")
        ),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_auction_bids_idempotency_key")),
        sa.UniqueConstraint("replaces_bid_id", name=op.f("uq_auction_bids_replaces_bid_id")),
        sa.Index("ix_auction_bids_notice_id", "notice_id"),
    )
