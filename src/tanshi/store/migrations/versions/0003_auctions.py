"""Primary-market auctions and their awards.

Revision ID: 0003_auctions
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_auctions"
down_revision = "0002_mrv_workflow"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auctions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_units", sa.BigInteger(), nullable=False),
        sa.Column("carried_in_units", sa.BigInteger(), nullable=False),
        sa.Column("reserve_price_hundredths", sa.BigInteger(), nullable=False),
        sa.Column("clearing_price_hundredths", sa.BigInteger(), nullable=True),
        sa.Column("sold_units", sa.BigInteger(), nullable=False),
        sa.Column("unsold_units", sa.BigInteger(), nullable=False),
        sa.Column("rolled_over_units", sa.BigInteger(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("bids_sha256", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "sold_units + unsold_units = offered_units", name=op.f("ck_auctions_volume_adds_up")
        ),
        sa.CheckConstraint(
            "rolled_over_units <= unsold_units", name=op.f("ck_auctions_rollover_within_unsold")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_auctions_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auctions")),
        sa.UniqueConstraint(
            "jurisdiction_id", "code", name=op.f("uq_auctions_jurisdiction_id_code")
        ),
    )
    op.create_table(
        "auction_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("auction_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("awarded_units", sa.BigInteger(), nullable=False),
        sa.Column("price_hundredths", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("awarded_units > 0", name=op.f("ck_auction_awards_awarded_positive")),
        sa.ForeignKeyConstraint(
            ["auction_id"], ["auctions.id"], name=op.f("fk_auction_awards_auction_id_auctions")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_auction_awards_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_auction_awards_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auction_awards")),
        sa.UniqueConstraint(
            "auction_id", "company_id", name=op.f("uq_auction_awards_auction_id_company_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("auction_awards")
    op.drop_table("auctions")
