"""Roll-over claims: what an auction rolled over is carried into the first auction after it.

The units the jurisdiction's latest recorded auction rolled over are carried in by the first
notice announced or one-step auction held after it, which records the claim
(``carried_from_auction_id``); an auction cleared from a notice inherits the notice's claim.
Once claimed, the next notice or auction carries in nothing until another auction is
recorded, or the claiming notice is cancelled (``bid_book_cancel``): a cancelled notice
claims nothing, so the next one carries the roll-over in. Writers read the claim with ``carry_over`` inside their write transaction, after
the registry's journal-head lock, so two of them cannot both claim the same roll-over.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from tanshi.core.issues import Issue, Severity
from tanshi.store.schema import auction_notices, auctions


@dataclass(frozen=True, slots=True)
class CarryOver:
    """The latest recorded auction, what it rolled over, and who already carries that in."""

    auction_id: int | None = None
    auction_code: str | None = None
    rolled_over_t: int = 0
    claimed_by: str | None = None  # the code of the notice or auction that carries it in

    @property
    def carried_in_t(self) -> int:
        """What the next notice or auction carries in: the roll-over unless it is claimed."""
        return 0 if self.claimed_by is not None else self.rolled_over_t

    @property
    def claim(self) -> int | None:
        """The auction the next notice or auction records as carried from (None: nothing)."""
        return self.auction_id if self.carried_in_t else None

    def notes(self) -> tuple[Issue, ...]:
        """A warning when the roll-over is there but another auction already carries it in."""
        if self.claimed_by is None:
            return ()
        return (Issue(
            "roll_over_claimed", f"the {self.rolled_over_t:,} t auction {self.auction_code} "
            f"rolled over are carried into auction {self.claimed_by}; this auction carries in "
            "none of them", "volume", Severity.WARNING,
        ),)  # fmt: skip


def carry_over(connection: Connection, jurisdiction_id: int) -> CarryOver:
    """The roll-over of the jurisdiction's latest recorded auction and who claimed it."""
    latest = connection.execute(
        select(auctions.c.id, auctions.c.code, auctions.c.rolled_over_units)
        .where(auctions.c.jurisdiction_id == jurisdiction_id)
        .order_by(auctions.c.id.desc())
        .limit(1)
    ).first()
    if latest is None:
        return CarryOver()
    rolled_over = int(latest.rolled_over_units)
    claimed_by = None
    if rolled_over:
        for table in (auction_notices, auctions):
            query = select(table.c.code).where(table.c.carried_from_auction_id == latest.id)
            if table is auction_notices:  # a cancelled notice gave its claim up
                query = query.where(auction_notices.c.cancelled_at.is_(None))
            claimed_by = connection.execute(query.order_by(table.c.id).limit(1)).scalar()
            if claimed_by is not None:
                break
    return CarryOver(int(latest.id), latest.code, rolled_over, claimed_by)
