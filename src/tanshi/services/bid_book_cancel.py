"""Cancelling an announced auction before it is cleared: the bids' funds go back, the claim too.

A regulator cancels a notice (a market disruption, a technical failure, a court order: EU
Auctioning Regulation 2023/2830, as 1031/2010 Art. 7(5)-(6) and 9; the Chinese pilot
exchanges' 暂停/取消拍卖) with a reason, kept verbatim. One database transaction after the
registry's journal-head lock (``clearing.atomically``) and the notice's row lock, as every
bid-book write: each live bid ends ``cancelled`` and its funds reservation's rest is released
to the bidder (a ``funds_release`` cash entry, as clearing releases a losing bid's); the
notice records who cancelled it, when, why and under which key. Nothing is deleted. The
roll-overs the notice claimed are released (``carry_over.release``): the next notice or
one-step auction carries them in, however many auctions were recorded since.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from tanshi.core.issues import Issue
from tanshi.core.moments import from_store, to_utc
from tanshi.services import carry_over
from tanshi.services.bid_book import (
    CANCELLED,
    LIVE,
    locked_notice,
    open_fen,
    refuse,
    refuse_if_cancelled,
    release_reserved,
)
from tanshi.services.clearing import atomically, exchange_in
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.store.schema import auction_bids, auction_notices

MAX_REASON_CHARS = 2000


def check_reason(reason: str | None, where: str = "reason") -> list[Issue]:
    """Every problem with a cancellation's reason: it must say something, in 2,000 characters."""
    if reason is None or not reason.strip():
        return [Issue.of("cancel_reason_required", "say why the auction is cancelled; the "
                         "reason is published with the cancellation", where)]  # fmt: skip
    if len(reason) > MAX_REASON_CHARS:
        return [Issue.of("cancel_reason_too_long", "the reason has {chars} characters; keep it "
                         "within {limit}", where, chars=len(reason), limit=MAX_REASON_CHARS)]  # fmt: skip
    return []


def cancel_notice(
    engine: Engine, jurisdiction: Jurisdiction, code: str, *, reason: str, key: str,
    now: datetime, by: str,
) -> tuple[dict[str, Any] | None, list[Issue]]:  # fmt: skip
    """Cancel auction ``code``, not yet cleared, for ``reason`` (stored as given) under ``key``.

    Its live bids end ``cancelled`` and their reserved funds are released to the bidders;
    the roll-overs it carried in are available to the next notice or one-step auction. The
    same key again returns the same cancellation (``replayed``); cancelling a cleared
    auction is refused (``auction_already_cleared``), a cancelled one again under another
    key too (``auction_cancelled``).
    """
    issues = check_reason(reason)
    if issues:
        return None, issues

    def work(connection: Connection) -> dict[str, Any]:
        notice = locked_notice(connection, jurisdiction, code)
        again = connection.execute(select(auction_notices.c.id, auction_notices.c.cancel_reason)
                                   .where(auction_notices.c.cancel_key == key)).first()  # fmt: skip
        if again is not None:
            if (again.id, again.cancel_reason) != (notice.id, reason):
                raise refuse("idempotency_key_reused_with_different_request",
                             "this key was used for another cancellation; choose a new key", "key")  # fmt: skip
            return _shape(connection, notice) | {"replayed": True}
        if notice.auction_id is not None:
            raise refuse("auction_already_cleared", "auction {code} is cleared: its awards are "
                         "delivered and paid, so it can no longer be cancelled", "code",
                         code=code)  # fmt: skip
        refuse_if_cancelled(notice)
        live = connection.execute(
            select(auction_bids.c.id, auction_bids.c.funds_reservation_id)
            .where(auction_bids.c.notice_id == notice.id, auction_bids.c.status == LIVE)
            .order_by(auction_bids.c.id)
        ).all()  # fmt: skip
        if live:
            ex = exchange_in(connection, jurisdiction)
            for bid in live:
                release_reserved(connection, ex, bid.funds_reservation_id,
                                 open_fen(connection, bid.funds_reservation_id),
                                 f"auction/{jurisdiction.code}/{code}/cancel/{bid.id}", now,
                                 f"auction {code} cancelled: bid {bid.id} released")  # fmt: skip
            connection.execute(auction_bids.update()
                               .where(auction_bids.c.id.in_([bid.id for bid in live]))
                               .values(status=CANCELLED, ended_at=to_utc(now)))  # fmt: skip
        connection.execute(auction_notices.update().where(auction_notices.c.id == notice.id).values(
            cancelled_at=to_utc(now), cancelled_by=by, cancel_reason=reason, cancel_key=key))  # fmt: skip
        carry_over.release(connection, notice.id, now)
        cancelled = locked_notice(connection, jurisdiction, code)
        return _shape(connection, cancelled) | {"replayed": False}

    return atomically(engine, work)


def _shape(connection: Connection, notice: Any) -> dict[str, Any]:
    """The cancellation as done: the bids it ended, the funds they had reserved, the
    roll-overs it released (the auctions and the tonnes it had carried in)."""
    ended = connection.execute(
        select(auction_bids.c.price_hundredths, auction_bids.c.quantity_units)
        .where(auction_bids.c.notice_id == notice.id, auction_bids.c.status == CANCELLED)
    ).all()  # fmt: skip
    released = [(code, units) for code, units, gone in carry_over.claims_of(connection, notice.id)
                if gone]  # fmt: skip
    return {
        "code": notice.code, "cancelled_at": from_store(notice.cancelled_at).isoformat(),
        "cancelled_by": notice.cancelled_by, "reason": notice.cancel_reason,
        "bids_cancelled": len(ended),
        "released_fen": sum(int(b.price_hundredths) * int(b.quantity_units) for b in ended),
        "roll_over_released_t": sum(units for _code, units in released),
        "roll_over_from": ", ".join(code for code, _units in released) or None,
        "roll_overs_released": [{"auction": code, "t": units} for code, units in released],
    }  # fmt: skip
