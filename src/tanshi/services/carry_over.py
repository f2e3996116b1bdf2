"""The roll-over ledger: what auctions rolled over, who claims it, and what is still available.

What an auction rolls over (``auctions.rolled_over_units``, when the rulebook's auction rule
says ``unsold = "roll_over"``) is available to the jurisdiction's next notice or one-step
auction, however many auctions are recorded meanwhile; the rulebook sets no expiry. The first
notice announced or one-step auction held after it carries in every roll-over available and
records a claim of each in ``roll_over_claims``; an auction cleared from a notice takes the
notice's claims over. Cancelling the notice (``bid_book_cancel``) releases them: the roll-over
is available again. Availability is derived (rolled over, no claim not released), nothing is
deleted, and the database lets each roll-over have one claim not released (a partial unique
index), so nothing is carried in twice. Writers read the ledger with ``carry_over`` inside
their write transaction, after the registry's journal-head lock, and record their claims
there with ``claim``.

``carried_from_auction_id`` (on notices and auctions) keeps the latest roll-over each claims,
as before the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, exists, select

from tanshi.core.issues import Issue, Severity
from tanshi.core.moments import to_utc
from tanshi.store.schema import auction_notices, auctions, roll_over_claims

LIVE = roll_over_claims.c.released_at.is_(None)  # a claim not released


@dataclass(frozen=True, slots=True)
class RollOver:
    """What one auction rolled over and is available (not claimed) now."""

    auction_id: int
    auction_code: str
    rolled_over_t: int


@dataclass(frozen=True, slots=True)
class CarryOver:
    """The roll-overs available now; and the latest recorded auction, what it rolled over and
    who already carries that in (for the note when it is claimed)."""

    auction_id: int | None = None
    auction_code: str | None = None
    rolled_over_t: int = 0
    claimed_by: str | None = None  # the code of the notice or auction that carries it in
    available: tuple[RollOver, ...] = ()  # oldest first

    @property
    def carried_in_t(self) -> int:
        """What the next notice or auction carries in: every roll-over not claimed."""
        return sum(roll.rolled_over_t for roll in self.available)

    @property
    def claim(self) -> int | None:
        """The latest auction whose roll-over the next one carries in (None: nothing); the
        summary ``carried_from_auction_id`` records."""
        return self.available[-1].auction_id if self.available else None

    def notes(self) -> tuple[Issue, ...]:
        """A warning when the latest roll-over is there but another auction carries it in."""
        if self.claimed_by is None:
            return ()
        return (Issue(
            "roll_over_claimed", f"the {self.rolled_over_t:,} t auction {self.auction_code} "
            f"rolled over are carried into auction {self.claimed_by}; this auction carries in "
            "none of them", "volume", Severity.WARNING,
        ),)  # fmt: skip


def carry_over(connection: Connection, jurisdiction_id: int) -> CarryOver:
    """The jurisdiction's roll-overs available now, and its latest auction's claim."""
    claimed = exists().where(roll_over_claims.c.from_auction_id == auctions.c.id, LIVE)
    available = tuple(
        RollOver(int(row.id), row.code, int(row.rolled_over_units))
        for row in connection.execute(
            select(auctions.c.id, auctions.c.code, auctions.c.rolled_over_units)
            .where(auctions.c.jurisdiction_id == jurisdiction_id,
                   auctions.c.rolled_over_units > 0, ~claimed)
            .order_by(auctions.c.id)
        )
    )  # fmt: skip
    latest = connection.execute(
        select(auctions.c.id, auctions.c.code, auctions.c.rolled_over_units)
        .where(auctions.c.jurisdiction_id == jurisdiction_id)
        .order_by(auctions.c.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return CarryOver(available=available)
    rolled_over = int(latest.rolled_over_units)
    claimed_by: str | None = None
    if rolled_over and not any(roll.auction_id == latest.id for roll in available):
        holder = connection.execute(
            select(auction_notices.c.code, auctions.c.code.label("auction"))
            .select_from(roll_over_claims)
            .outerjoin(auction_notices, auction_notices.c.id == roll_over_claims.c.notice_id)
            .outerjoin(auctions, and_(auctions.c.id == roll_over_claims.c.auction_id,
                                      roll_over_claims.c.notice_id.is_(None)))
            .where(roll_over_claims.c.from_auction_id == latest.id, LIVE)
        ).first()  # fmt: skip
        claimed_by = None if holder is None else holder[0] or holder[1]
    return CarryOver(int(latest.id), latest.code, rolled_over, claimed_by, available)


def claim(
    connection: Connection, carry: CarryOver, now: datetime, *, notice_id: int | None = None,
    auction_id: int | None = None,
) -> None:  # fmt: skip
    """Record that notice ``notice_id`` or auction ``auction_id`` carries in every roll-over
    ``carry`` found available (read in the same transaction). The partial unique index
    refuses a second claim of one roll-over not released (IntegrityError)."""
    assert (notice_id is None) != (auction_id is None), "a notice or an auction claims"
    for roll in carry.available:
        connection.execute(roll_over_claims.insert().values(
            from_auction_id=roll.auction_id, units=roll.rolled_over_t, notice_id=notice_id,
            auction_id=auction_id, claimed_at=to_utc(now)))  # fmt: skip


def cleared(connection: Connection, notice_id: int, auction_id: int) -> None:
    """The auction notice ``notice_id`` was cleared to takes its claims over."""
    connection.execute(
        roll_over_claims.update()
        .where(roll_over_claims.c.notice_id == notice_id, LIVE)
        .values(auction_id=auction_id)
    )


def release(connection: Connection, notice_id: int, now: datetime) -> None:
    """Release the claims of notice ``notice_id``, cancelled: the roll-overs are available."""
    connection.execute(
        roll_over_claims.update()
        .where(roll_over_claims.c.notice_id == notice_id, LIVE,
               roll_over_claims.c.auction_id.is_(None))
        .values(released_at=to_utc(now))
    )  # fmt: skip


def claims_of(connection: Connection, notice_id: int) -> list[tuple[str, int, bool]]:
    """The roll-overs notice ``notice_id`` claimed: (auction code, tonnes, released), oldest
    first."""
    return [
        (row.code, int(row.units), row.released_at is not None)
        for row in connection.execute(
            select(auctions.c.code, roll_over_claims.c.units, roll_over_claims.c.released_at)
            .join(auctions, auctions.c.id == roll_over_claims.c.from_auction_id)
            .where(roll_over_claims.c.notice_id == notice_id)
            .order_by(roll_over_claims.c.from_auction_id)
        )
    ]  # fmt: skip
