"""The bid book: auctions announced with a bidding window, and companies' sealed bids.

Revision ID: 0012_bid_book
Revises: 0015_secret_care
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_bid_book"
down_revision = "0015_secret_care"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auction_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("auction_on", sa.Date(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_units", sa.BigInteger(), nullable=False),
        sa.Column("carried_in_units", sa.BigInteger(), nullable=False),
        sa.Column("reserve_price_hundredths", sa.BigInteger(), nullable=False),
        sa.Column("announced_by", sa.String(length=80), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auction_id", sa.Integer(), nullable=True),
        sa.Column("bid_units", sa.BigInteger(), nullable=True),
        sa.Column("bidders", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(auction_id IS NULL AND closed_at IS NULL) OR (auction_id IS NOT NULL AND closed_at IS NOT NULL AND bid_units IS NOT NULL AND bidders IS NOT NULL)",
            name=op.f("ck_auction_notices_cleared_is_whole"),
        ),
        sa.CheckConstraint("offered_units > 0", name=op.f("ck_auction_notices_offered_positive")),
        sa.CheckConstraint("opens_at < closes_at", name=op.f("ck_auction_notices_window_ordered")),
        sa.ForeignKeyConstraint(
            ["auction_id"], ["auctions.id"], name=op.f("fk_auction_notices_auction_id_auctions")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_auction_notices_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auction_notices")),
        sa.UniqueConstraint("auction_id", name=op.f("uq_auction_notices_auction_id")),
        sa.UniqueConstraint(
            "jurisdiction_id", "code", name=op.f("uq_auction_notices_jurisdiction_id_code")
        ),
    )
    op.create_table(
        "auction_bids",
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
        sa.CheckConstraint(
            "status IN ('live', 'revised', 'withdrawn', 'cleared')",
            name=op.f("ck_auction_bids_status_known"),
        ),
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
    )
    op.create_index(op.f("ix_auction_bids_notice_id"), "auction_bids", ["notice_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_auction_bids_notice_id"), table_name="auction_bids")
    op.drop_table("auction_bids")
    op.drop_table("auction_notices")
