"""Roll-over claims: ``carried_from_auction_id`` on ``auction_notices`` and ``auctions``.

What an auction rolls over is carried into the first notice or one-step auction after it,
which records that auction as carried from; an auction cleared from a notice inherits the
notice's claim (services/carry_over.py). Each roll-over is claimed once (a unique index in
each table).

Backfill, per jurisdiction: the code before this revision carried into a notice or one-step
auction exactly what the latest auction had rolled over, so each one that carried units in
claims the latest auction that rolled over that many — recorded before it (an auction), or
before the auction it cleared to (a notice; any, for one not yet cleared). Where two claim
the same auction (the double count this revision stops), the one announced or held first
keeps the claim; the other keeps its recorded ``carried_in_units`` as history only.
Auctions cleared from a notice take their notice's claim.

Revision ID: 0031_carry_over_claims
Revises: 0030_auction_bid_totals
Create Date: 2026-11-25
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0031_carry_over_claims"
down_revision = "0030_auction_bid_totals"
branch_labels = None
depends_on = None

COLUMN = "carried_from_auction_id"
TABLES = ("auction_notices", "auctions")


def upgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        foreign_key = f"fk_{table}_{COLUMN}_auctions"
        if connection.dialect.name == "sqlite":  # SQLite adds a column's constraint in place
            op.execute(f"ALTER TABLE {table} ADD COLUMN {COLUMN} INTEGER "
                       f"CONSTRAINT {foreign_key} REFERENCES auctions (id)")  # fmt: skip
        else:
            op.add_column(table, sa.Column(COLUMN, sa.Integer(), nullable=True))
            op.create_foreign_key(foreign_key, table, "auctions", [COLUMN], ["id"])
    _backfill(connection)
    for table in TABLES:
        op.create_index(f"ix_{table}_{COLUMN}", table, [COLUMN], unique=True)


def downgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        op.drop_index(f"ix_{table}_{COLUMN}", table_name=table)
        if connection.dialect.name != "sqlite":
            op.drop_constraint(f"fk_{table}_{COLUMN}_auctions", table, type_="foreignkey")
        op.drop_column(table, COLUMN)


def _backfill(connection: Any) -> None:
    rolled: dict[int, list[tuple[int, int]]] = {}  # jurisdiction → (auction id, rolled over)
    for row in connection.execute(sa.text(
        "SELECT id, jurisdiction_id, rolled_over_units FROM auctions ORDER BY id"
    )):  # fmt: skip
        rolled.setdefault(row.jurisdiction_id, []).append((row.id, row.rolled_over_units))
    claimants = connection.execute(sa.text(
        "SELECT 'notice' AS kind, id, jurisdiction_id, announced_at AS at, carried_in_units, "
        "auction_id AS bound FROM auction_notices WHERE carried_in_units > 0 "
        "UNION ALL "
        "SELECT 'auction', x.id, x.jurisdiction_id, x.held_at, x.carried_in_units, x.id "
        "FROM auctions x WHERE x.carried_in_units > 0 "
        "AND NOT EXISTS (SELECT 1 FROM auction_notices n WHERE n.auction_id = x.id)"
    )).all()  # fmt: skip
    claimed: set[int] = set()
    for row in sorted(claimants, key=lambda r: (r.jurisdiction_id, r.at, r.kind, r.id)):
        sources = [
            auction for auction, units in rolled.get(row.jurisdiction_id, [])
            if units == row.carried_in_units and (row.bound is None or auction < row.bound)
        ]  # fmt: skip
        if not sources or sources[-1] in claimed:
            continue
        claimed.add(sources[-1])
        table = "auction_notices" if row.kind == "notice" else "auctions"
        connection.execute(sa.text(f"UPDATE {table} SET {COLUMN} = :source WHERE id = :id"),
                           {"source": sources[-1], "id": row.id})  # fmt: skip
    connection.execute(sa.text(
        f"UPDATE auctions SET {COLUMN} = (SELECT n.{COLUMN} FROM auction_notices n "
        "WHERE n.auction_id = auctions.id) "
        "WHERE EXISTS (SELECT 1 FROM auction_notices n WHERE n.auction_id = auctions.id)"
    ))  # fmt: skip
