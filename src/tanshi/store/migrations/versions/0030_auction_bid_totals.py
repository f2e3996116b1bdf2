"""Tonnes bid and bidders of every recorded auction: ``auctions.bid_units``, ``bidders``.

Auction platforms publish both for every auction (and the cover ratio from the first), so
they are recorded with the auction whichever way it ran: cleared from the bid book or in
one step from a bid file (``tanshi auction run --deliver``). Auctions cleared from the bid
book take them from their notice; those run in one step before this revision did not keep
them (only the bid file's SHA-256): they stay NULL and are published as unknown.

Revision ID: 0030_auction_bid_totals
Revises: 0029_order_outcomes
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0030_auction_bid_totals"
down_revision = "0029_order_outcomes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("auctions", sa.Column("bid_units", sa.BigInteger(), nullable=True))
    op.add_column("auctions", sa.Column("bidders", sa.Integer(), nullable=True))
    op.get_bind().execute(sa.text(
        "UPDATE auctions SET "
        "bid_units = (SELECT n.bid_units FROM auction_notices n WHERE n.auction_id = auctions.id), "
        "bidders = (SELECT n.bidders FROM auction_notices n WHERE n.auction_id = auctions.id)"
    ))  # fmt: skip


def downgrade() -> None:
    # Plain columns without constraints: SQLite (3.35+) drops them in place, where a batch
    # rebuild of the table would trip the foreign keys of awards and notices pointing at it.
    op.drop_column("auctions", "bidders")
    op.drop_column("auctions", "bid_units")
