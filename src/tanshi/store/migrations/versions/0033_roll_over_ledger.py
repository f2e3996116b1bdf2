"""The roll-over ledger: ``roll_over_claims``; a notice's cancellation is whole or absent.

Revision ID: 0033_roll_over_ledger
Revises: 0032_auction_cancellations
Create Date: 2026-11-25

What an auction rolls over (``auctions.rolled_over_units``) stays available until a notice or
one-step auction claims it; ``roll_over_claims`` records each claim (the roll-over's auction,
the tonnes, the claiming notice and/or auction, when), and a cancelled notice's claims are
released (``released_at``), so the roll-over is available again however many auctions were
recorded since (before, only the latest auction's roll-over was ever carried). A partial
unique index lets each roll-over have one claim not released. The ``carried_from_auction_id``
columns stay, as a summary: the latest roll-over a notice or auction carries in.

Backfill: every ``carried_from_auction_id`` becomes a claim of ``carried_in_units`` tonnes, by
the notice (announced then, released when it was cancelled, with its auction once cleared)
or by the one-step auction (held then). A roll-over nobody claimed before this revision
becomes available to the next notice or auction (the code before it lost those once a later
auction was recorded).

``auction_notices`` gains a check that ``cancelled_at``, ``cancelled_by``, ``cancel_reason``
and ``cancel_key`` are all set or all NULL (refused while a notice has only some). On SQLite
two triggers make the check: rebuilding the table would drop it under its bids.

The downgrade drops the claims (the columns keep one per notice or auction) and the check.
"""

import sqlalchemy as sa
from alembic import op

revision = "0033_roll_over_ledger"
down_revision = "0032_auction_cancellations"
branch_labels = None
depends_on = None

NOTICES = "auction_notices"
CLAIMS = "roll_over_claims"
NOT_RELEASED = sa.text("released_at IS NULL")
WHOLE = "cancellation_is_whole"
CANCELLATION = ("cancelled_at", "cancelled_by", "cancel_reason", "cancel_key")
WHOLE_CHECK = (
    "(" + " AND ".join(f"{c} IS NULL" for c in CANCELLATION) + ") OR ("
    + " AND ".join(f"{c} IS NOT NULL" for c in CANCELLATION) + ")"
)  # fmt: skip


def upgrade() -> None:
    _notices_check(WHOLE_CHECK)
    op.create_table(
        CLAIMS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_auction_id", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("auction_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("units > 0", name=op.f("ck_roll_over_claims_units_positive")),
        sa.CheckConstraint(
            "notice_id IS NOT NULL OR auction_id IS NOT NULL",
            name=op.f("ck_roll_over_claims_claimant_known"),
        ),
        sa.CheckConstraint(
            "released_at IS NULL OR (notice_id IS NOT NULL AND auction_id IS NULL)",
            name=op.f("ck_roll_over_claims_released_before_cleared"),
        ),
        sa.ForeignKeyConstraint(
            ["from_auction_id"],
            ["auctions.id"],
            name=op.f("fk_roll_over_claims_from_auction_id_auctions"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["auction_notices.id"],
            name=op.f("fk_roll_over_claims_notice_id_auction_notices"),
        ),
        sa.ForeignKeyConstraint(
            ["auction_id"], ["auctions.id"], name=op.f("fk_roll_over_claims_auction_id_auctions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roll_over_claims")),
    )
    op.create_index("ix_roll_over_claims_notice_id", CLAIMS, ["notice_id"])
    op.create_index("ix_roll_over_claims_auction_id", CLAIMS, ["auction_id"])
    op.create_index("ix_roll_over_claims_from_auction_id", CLAIMS, ["from_auction_id"])
    op.execute(
        f"INSERT INTO {CLAIMS} (from_auction_id, units, notice_id, auction_id, claimed_at, "
        "released_at) "
        "SELECT carried_from_auction_id, carried_in_units, id, auction_id, announced_at, "
        f"cancelled_at FROM {NOTICES} "
        "WHERE carried_from_auction_id IS NOT NULL AND carried_in_units > 0 ORDER BY id"
    )  # fmt: skip
    op.execute(
        f"INSERT INTO {CLAIMS} (from_auction_id, units, notice_id, auction_id, claimed_at, "
        "released_at) "
        "SELECT a.carried_from_auction_id, a.carried_in_units, NULL, a.id, a.held_at, NULL "
        "FROM auctions a WHERE a.carried_from_auction_id IS NOT NULL AND a.carried_in_units > 0 "
        f"AND NOT EXISTS (SELECT 1 FROM {NOTICES} n WHERE n.auction_id = a.id) ORDER BY a.id"
    )  # fmt: skip
    op.create_index("ix_roll_over_claims_live", CLAIMS, ["from_auction_id"], unique=True,
                    sqlite_where=NOT_RELEASED, postgresql_where=NOT_RELEASED)  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_roll_over_claims_live", table_name=CLAIMS)
    for column in ("from_auction_id", "auction_id", "notice_id"):
        op.drop_index(f"ix_roll_over_claims_{column}", table_name=CLAIMS)
    op.drop_table(CLAIMS)
    _notices_check(None)


def _notices_check(check: str | None) -> None:
    """Add the cancellation check (``check``) to ``auction_notices``, or drop it (None)."""
    name = op.f(f"ck_{NOTICES}_{WHOLE}")
    connection = op.get_bind()
    if check is not None:
        broken = connection.execute(sa.text(
            f"SELECT code FROM {NOTICES} WHERE NOT ({check}) ORDER BY id")).scalars().all()  # fmt: skip
        if broken:
            raise RuntimeError(f"auction notices {broken} have a cancellation with some of "
                               f"{', '.join(CANCELLATION)} missing; complete or clear them first")  # fmt: skip
    if connection.dialect.name == "postgresql":
        if check is None:
            op.drop_constraint(name, NOTICES, type_="check")
        else:
            op.create_check_constraint(name, NOTICES, check)
        return
    # SQLite adds a CHECK only by rebuilding the table, and the rebuild would drop it under
    # its bids (foreign keys are on inside the migration's transaction): two triggers refuse
    # the same rows instead, as the append-only tables' triggers do (0028).
    on_new = WHOLE_CHECK
    for column in CANCELLATION:
        on_new = on_new.replace(f"{column} IS", f"NEW.{column} IS")
    for action in ("insert", "update"):
        trigger = f"{NOTICES}_{WHOLE}_{action}"
        if check is None:
            op.execute(f"DROP TRIGGER {trigger}")
            continue
        op.execute(
            f"CREATE TRIGGER {trigger} BEFORE {action.upper()} ON {NOTICES} FOR EACH ROW "
            f"WHEN NOT ({on_new}) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: "
            f"{WHOLE}: a cancellation sets {', '.join(CANCELLATION)} together'); END"
        )
