"""Primary-market auctions and the bid book of sealed bids."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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

# Primary-market auctions (services/auction.py). Prices in hundredths of the rulebook's
# currency (fen, cents; KRW × 100), so every tick in use is a whole number.
auctions = Table(
    "auctions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("jurisdiction_id", ForeignKey("jurisdictions.id"), nullable=False),
    Column("code", String(80), nullable=False),
    Column("year", Integer, nullable=False),
    Column("held_at", DateTime(timezone=True), nullable=False),
    Column("offered_units", BigInteger, nullable=False),
    Column("carried_in_units", BigInteger, nullable=False),
    Column("reserve_price_hundredths", BigInteger, nullable=False),
    Column("clearing_price_hundredths", BigInteger, nullable=True),
    Column("sold_units", BigInteger, nullable=False),
    Column("unsold_units", BigInteger, nullable=False),
    Column("rolled_over_units", BigInteger, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("bids_sha256", String(64), nullable=False),
    # Tonnes bid and distinct bidders (0030_auction_bid_totals); NULL for auctions run in
    # one step before that revision.
    Column("bid_units", BigInteger, nullable=True),
    Column("bidders", Integer, nullable=True),
    # The latest auction whose roll-over this one carried in (0031_carry_over_claims): a
    # summary of its claims in ``roll_over_claims``; NULL when it carried none in.
    Column(
        "carried_from_auction_id", ForeignKey("auctions.id"), nullable=True, index=True, unique=True
    ),
    UniqueConstraint("jurisdiction_id", "code"),
    CheckConstraint("sold_units + unsold_units = offered_units", name="volume_adds_up"),
    CheckConstraint("rolled_over_units <= unsold_units", name="rollover_within_unsold"),
)

auction_awards = Table(
    "auction_awards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("auction_id", ForeignKey("auctions.id"), nullable=False),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("awarded_units", BigInteger, nullable=False),
    Column("price_hundredths", BigInteger, nullable=False),
    Column("transaction_id", ForeignKey("transactions.id"), nullable=False),
    UniqueConstraint("auction_id", "company_id"),
    CheckConstraint("awarded_units > 0", name="awarded_positive"),
)


# The bid book (services/bid_book.py, migration 0012_bid_book): an auction announced with a
# bidding window, and the sealed bids companies submit while it is open. Each bid's funds
# (price × quantity) are reserved in ``funds_reservation_id``; a revision ends the bid
# (``revised``) and starts a new one that ``replaces_bid_id`` it; clearing records the
# auction in ``auctions`` (``auction_id``) and each bid's ``awarded_units``; cancelling the
# notice ends its live bids (``cancelled``) and releases their funds.
auction_notices = Table(
    "auction_notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("jurisdiction_id", ForeignKey("jurisdictions.id"), nullable=False),
    Column("code", String(80), nullable=False),
    Column("year", Integer, nullable=False),
    Column("auction_on", Date, nullable=False),
    Column("opens_at", DateTime(timezone=True), nullable=False),
    Column("closes_at", DateTime(timezone=True), nullable=False),
    Column("offered_units", BigInteger, nullable=False),
    Column("carried_in_units", BigInteger, nullable=False),
    Column("reserve_price_hundredths", BigInteger, nullable=False),
    Column("announced_by", String(80), nullable=False),
    Column("announced_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("auction_id", ForeignKey("auctions.id"), nullable=True, unique=True),
    Column("bid_units", BigInteger, nullable=True),
    Column("bidders", Integer, nullable=True),
    # The latest auction whose roll-over the notice carries in (as ``auctions``', a summary
    # of its claims in ``roll_over_claims``); its auction inherits it when cleared. A
    # cancelled notice keeps it as history but no longer claims it: the unique index counts
    # only notices not cancelled (0032_auction_cancellations).
    Column("carried_from_auction_id", ForeignKey("auctions.id"), nullable=True),
    # The regulator's cancellation of a notice not cleared (services/bid_book_cancel.py):
    # when, by whom, why (verbatim) and under which idempotency key; all NULL or all set.
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
    Column("cancelled_by", String(80), nullable=True),
    Column("cancel_reason", Text, nullable=True),
    Column("cancel_key", String(200), nullable=True, index=True, unique=True),
    Index(
        "ix_auction_notices_carried_from_auction_id",
        "carried_from_auction_id",
        unique=True,
        sqlite_where=text("cancelled_at IS NULL"),
        postgresql_where=text("cancelled_at IS NULL"),
    ),
    UniqueConstraint("jurisdiction_id", "code"),
    CheckConstraint(
        "(cancelled_at IS NULL AND cancelled_by IS NULL AND cancel_reason IS NULL"
        " AND cancel_key IS NULL) OR (cancelled_at IS NOT NULL AND cancelled_by IS NOT NULL"
        " AND cancel_reason IS NOT NULL AND cancel_key IS NOT NULL)",
        name="cancellation_is_whole",
    ),
    CheckConstraint("opens_at < closes_at", name="window_ordered"),
    CheckConstraint("offered_units > 0", name="offered_positive"),
    CheckConstraint(
        "(auction_id IS NULL AND closed_at IS NULL) OR (auction_id IS NOT NULL"
        " AND closed_at IS NOT NULL AND bid_units IS NOT NULL AND bidders IS NOT NULL)",
        name="cleared_is_whole",
    ),
)

auction_bids = Table(
    "auction_bids",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("notice_id", ForeignKey("auction_notices.id"), nullable=False, index=True),
    Column("company_id", ForeignKey("companies.id"), nullable=False),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("price_hundredths", BigInteger, nullable=False),
    Column("quantity_units", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("submitted_by", String(80), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column(
        "funds_reservation_id", ForeignKey("funds_reservations.id"), nullable=False, unique=True
    ),
    Column("replaces_bid_id", ForeignKey("auction_bids.id"), nullable=True, unique=True),
    Column("ended_key", String(200), nullable=True, unique=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("accepted_units", BigInteger, nullable=True),
    Column("awarded_units", BigInteger, nullable=True),
    CheckConstraint("price_hundredths > 0", name="price_positive"),
    CheckConstraint("quantity_units > 0", name="quantity_positive"),
    CheckConstraint(
        "status IN ('live', 'revised', 'withdrawn', 'cleared', 'cancelled')", name="status_known"
    ),
    CheckConstraint(
        "awarded_units IS NULL OR awarded_units <= quantity_units", name="award_within_bid"
    ),
)


# The roll-over ledger (services/carry_over.py, migration 0033_roll_over_ledger). What an
# auction rolls over (``auctions.rolled_over_units``) is available until claimed: each claim
# is a row, by the notice that carries it in (``notice_id``; its auction is added when it is
# cleared) or by a one-step auction (``auction_id``). Cancelling the notice releases its
# claims (``released_at``): the roll-over is available again. Rows are never deleted; the
# partial unique index lets each roll-over have one claim not released.
roll_over_claims = Table(
    "roll_over_claims",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("from_auction_id", ForeignKey("auctions.id"), nullable=False, index=True),
    Column("units", BigInteger, nullable=False),
    Column("notice_id", ForeignKey("auction_notices.id"), nullable=True, index=True),
    Column("auction_id", ForeignKey("auctions.id"), nullable=True, index=True),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("released_at", DateTime(timezone=True), nullable=True),
    Index(
        "ix_roll_over_claims_live",
        "from_auction_id",
        unique=True,
        sqlite_where=text("released_at IS NULL"),
        postgresql_where=text("released_at IS NULL"),
    ),
    CheckConstraint("units > 0", name="units_positive"),
    CheckConstraint("notice_id IS NOT NULL OR auction_id IS NOT NULL", name="claimant_known"),
    CheckConstraint(
        "released_at IS NULL OR (notice_id IS NOT NULL AND auction_id IS NULL)",
        name="released_before_cleared",
    ),
)
