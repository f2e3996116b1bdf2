"""Settlements are found by the reservations they draw on: two indexes.

Revision ID: 0034_fills_by_reservation
Revises: 0033_roll_over_ledger
Create Date: 2026-11-25

An exchange order reserves its funds (a buy) or units (a sell) under the key
``order/{venue}/{order id}`` (unique), and every listed fill draws on its buy order's funds
reservation and its sell order's units reservation (``services/exchange.py``). Indexes on
``settlements.funds_reservation_id`` and ``unit_reservation_id`` let the order lists read the
fills of the orders shown (``services/order_outcomes.py``), not every fill of the venue.
No data changes; the downgrade drops the two indexes.
"""

from alembic import op

revision = "0034_fills_by_reservation"
down_revision = "0033_roll_over_ledger"
branch_labels = None
depends_on = None

COLUMNS = ("funds_reservation_id", "unit_reservation_id")


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(f"ix_settlements_{column}", "settlements", [column])


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_settlements_{column}", table_name="settlements")
