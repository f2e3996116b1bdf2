"""Roll-over claims on SQLite and PostgreSQL: what an auction rolled over is carried into the
first notice or auction after it, and into no other."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select, text

from service_world import NOW, build_world
from tanshi.services import bid_book, bid_book_clearing, bid_book_reads
from tanshi.services.auction import (
    auction_terms,
    carried_in_units,
    deliver_auction,
    hold_auction,
    run_auction,
)
from tanshi.services.jurisdiction import Jurisdiction, load_jurisdiction
from tanshi.store.engine import downgrade, migrate
from tanshi.store.schema import auction_notices, auctions

OPENS, CLOSES = NOW - timedelta(hours=1), NOW + timedelta(hours=2)


def _announce(engine: Engine, place: Jurisdiction, code: str, volume: int = 5000) -> dict:
    notice, issues = bid_book.announce(
        engine, place, code=code, year=2016, auction_on=date(2017, 3, 1), opens_at=OPENS,
        closes_at=CLOSES, now=NOW - timedelta(days=7), by="regulator", volume_t=volume,
    )  # fmt: skip
    assert notice is not None and not issues, issues
    shown = bid_book_reads.notice(engine, None, code, NOW)
    assert shown is not None
    return shown


def _rolled_over(engine: Engine) -> Jurisdiction:
    """An empty bid book cleared: auction 2016-B1 rolled its 5 000 t over."""
    build_world(engine)
    place = load_jurisdiction(engine, "DP")
    _announce(engine, place, "2016-B1")
    cleared, issues = bid_book_clearing.clear_book(engine, place, "2016-B1", now=CLOSES)
    assert cleared is not None and not issues, issues
    return place


def _hold(engine: Engine, place: Jurisdiction, code: str):
    return hold_auction(engine, place, [], None, code=code, year=2016, now=CLOSES,
                        volume_t=3000, bids_text="")  # fmt: skip


def _carried_from(engine: Engine) -> dict[tuple[str, str], int | None]:
    """(notice or auction, code) → the id of the auction it carried in from."""
    with engine.connect() as connection:
        return {
            (kind, row.code): row.carried_from_auction_id
            for kind, table in (("notice", auction_notices), ("auction", auctions))
            for row in connection.execute(select(table.c.code, table.c.carried_from_auction_id))
        }


def test_a_notice_claims_the_roll_over_and_a_one_step_auction_then_carries_in_none(
    engine: Engine,
) -> None:
    place = _rolled_over(engine)
    assert _announce(engine, place, "2016-B2")["carried_in_t"] == 5000
    assert carried_in_units(engine, place) == 0  # the preview already knows
    held = _hold(engine, place, "2016-S1")
    assert (held.carried_in_t, held.result.terms.volume_t) == (0, 3000)
    assert [note.code for note in held.notes] == ["roll_over_claimed"]
    assert "2016-B1" in held.notes[0].message and "2016-B2" in held.notes[0].message
    with engine.connect() as connection:
        row = connection.execute(select(auctions).where(auctions.c.code == "2016-S1")).one()
    assert (row.carried_in_units, row.offered_units, row.carried_from_auction_id) == (0, 3000, None)


def test_a_second_notice_carries_in_none(engine: Engine) -> None:
    place = _rolled_over(engine)
    assert _announce(engine, place, "2016-B2")["carried_in_t"] == 5000
    second = _announce(engine, place, "2016-B3")
    assert (second["carried_in_t"], second["offered_t"]) == (0, 5000)


def test_after_the_claiming_notice_clears_the_next_auction_carries_in_what_it_rolled_over(
    engine: Engine,
) -> None:
    place = _rolled_over(engine)
    _announce(engine, place, "2016-B2")  # 5 000 + 5 000 carried in, nothing bid
    cleared, issues = bid_book_clearing.clear_book(engine, place, "2016-B2", now=CLOSES)
    assert cleared is not None and not issues, issues
    with engine.connect() as connection:
        first, second = connection.execute(
            select(auctions.c.id, auctions.c.carried_from_auction_id, auctions.c.rolled_over_units)
            .order_by(auctions.c.id)
        ).all()  # fmt: skip
    assert (second.carried_from_auction_id, second.rolled_over_units) == (first.id, 10_000)
    held = _hold(engine, place, "2016-S1")
    assert (held.carried_in_t, held.result.terms.volume_t, held.notes) == (10_000, 13_000, ())
    assert _hold(engine, place, "2016-S2").carried_in_t == 13_000  # S1 rolled it all over


def test_a_delivery_whose_preview_missed_the_claim_is_cleared_again_without_it(
    engine: Engine,
) -> None:
    """The race: the terms were read before a notice claimed the roll-over; the delivery reads
    the claim again under the lock and offers only its own volume."""
    place = _rolled_over(engine)
    terms = auction_terms(place.rulebook, 2016, volume_t=3000, carried_in_t=5000)
    stale = run_auction(terms, [])
    _announce(engine, place, "2016-B2")
    held = deliver_auction(engine, place, stale, code="2016-S1", year=2016, now=CLOSES,
                           carried_in_t=5000, bids_text="")  # fmt: skip
    assert (held.carried_in_t, held.result.terms.volume_t, held.result.unsold_t) == (0, 3000, 3000)
    with engine.connect() as connection:
        row = connection.execute(select(auctions).where(auctions.c.code == "2016-S1")).one()
    assert (row.carried_in_units, row.offered_units) == (0, 3000)


def test_an_announcement_whose_preview_missed_the_claim_carries_in_none(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    place = _rolled_over(engine)
    _hold(engine, place, "2016-S1")  # claims B1's 5 000 t, rolls over its own 8 000 t
    monkeypatch.setattr(bid_book, "carried_in_units", lambda _engine, _place: 5000)  # stale
    assert _announce(engine, place, "2016-B2")["carried_in_t"] == 8000
    second = _announce(engine, place, "2016-B3")
    assert (second["carried_in_t"], second["offered_t"]) == (0, 5000)


def test_the_migration_gives_each_roll_over_to_the_first_that_carried_it_in(
    engine: Engine,
) -> None:
    place = _rolled_over(engine)
    _announce(engine, place, "2016-B2")
    _hold(engine, place, "2016-S1")
    cleared, issues = bid_book_clearing.clear_book(engine, place, "2016-B2", now=CLOSES)
    assert cleared is not None and not issues, issues
    before = _carried_from(engine)
    with engine.connect() as connection:
        b1 = connection.execute(select(auctions.c.id).where(auctions.c.code == "2016-B1")).scalar()
    assert before == {("notice", "2016-B1"): None, ("auction", "2016-B1"): None,
                      ("notice", "2016-B2"): b1, ("auction", "2016-S1"): None,
                      ("auction", "2016-B2"): b1}  # fmt: skip
    downgrade(engine, "0030_auction_bid_totals")
    with engine.begin() as connection:  # S1 as the code before the claims would have had it
        connection.execute(text("UPDATE auctions SET carried_in_units = 5000 "
                                "WHERE code = '2016-S1'"))  # fmt: skip
    migrate(engine)
    assert _carried_from(engine) == before  # B2 was announced first: S1 claims nothing
    # What B2 rolled over and what S1 did (held while B2's window was open, so before the
    # ledger (0033) S1's 3 000 t were lost once B2 was recorded).
    assert carried_in_units(engine, place) == 13_000
