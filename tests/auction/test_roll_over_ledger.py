"""The roll-over ledger on SQLite and PostgreSQL: each roll-over is claimed at most once at a
time, whatever notices and auctions come and go, and a cancellation gives it back."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from service_world import NOW, build_world
from tanshi.services import bid_book, bid_book_cancel, bid_book_clearing
from tanshi.services.auction import carried_in_units, hold_auction
from tanshi.services.jurisdiction import Jurisdiction, load_jurisdiction
from tanshi.store.engine import downgrade, migrate
from tanshi.store.schema import auction_notices, auctions, jurisdictions, roll_over_claims

OPENS, CLOSES = NOW - timedelta(hours=1), NOW + timedelta(hours=2)
CODES = itertools.count(1)


def _announce(engine: Engine, place: Jurisdiction, code: str, volume: int = 5000) -> None:
    made, issues = bid_book.announce(
        engine, place, code=code, year=2016, auction_on=date(2017, 3, 1), opens_at=OPENS,
        closes_at=CLOSES, now=NOW - timedelta(days=7), by="regulator", volume_t=volume,
    )  # fmt: skip
    assert made is not None and not issues, issues


def _clear(engine: Engine, place: Jurisdiction, code: str) -> None:
    cleared, issues = bid_book_clearing.clear_book(engine, place, code, now=CLOSES)
    assert cleared is not None and not issues, issues


def _cancel(engine: Engine, place: Jurisdiction, code: str) -> dict:
    done, issues = bid_book_cancel.cancel_notice(engine, place, code, reason="an outage",
                                                 key=f"cancel/{code}", now=NOW, by="regulator")  # fmt: skip
    assert done is not None and not issues, issues
    return done


def _hold(engine: Engine, place: Jurisdiction, code: str, volume: int = 3000) -> int:
    return hold_auction(engine, place, [], None, code=code, year=2016, now=CLOSES,
                        volume_t=volume, bids_text="").carried_in_t  # fmt: skip


def _ledger_holds(engine: Engine, place: Jurisdiction) -> None:
    """Every roll-over is claimed whole by at most one claim not released, or is available;
    each notice and auction carries in exactly what it claims."""
    with engine.connect() as connection:
        rolled = {r.id: int(r.rolled_over_units) for r in connection.execute(select(auctions))}
        carried = {r.id: int(r.carried_in_units) for r in connection.execute(select(auctions))}
        notices = connection.execute(select(auction_notices)).all()
        claims = connection.execute(select(roll_over_claims)).all()
    live = [claim for claim in claims if claim.released_at is None]
    assert len({claim.from_auction_id for claim in live}) == len(live)  # never twice
    assert all(claim.units == rolled[claim.from_auction_id] for claim in claims)
    assert sum(rolled.values()) == sum(c.units for c in live) + carried_in_units(engine, place)
    for notice in notices:
        mine = [claim for claim in claims if claim.notice_id == notice.id]
        assert notice.carried_in_units == sum(claim.units for claim in mine)
        assert all((c.released_at is not None) == (notice.cancelled_at is not None) for c in mine)
        assert all(claim.auction_id == notice.auction_id for claim in mine)
    for auction_id, units in carried.items():
        assert units == sum(claim.units for claim in claims if claim.auction_id == auction_id)


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("announce"), st.sampled_from([1000, 5000])),
        st.tuples(st.just("hold"), st.sampled_from([1000, 3000])),
        st.tuples(st.sampled_from(["clear", "cancel"]), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(steps=STEPS)
def test_a_roll_over_is_never_claimed_twice_and_a_cancellation_gives_it_back(
    engine: Engine, steps: list[tuple[str, int]]
) -> None:
    """Announcing, holding, clearing and cancelling in any order (nothing is bid, so every
    auction rolls its whole volume over); the examples share one database."""
    with engine.connect() as connection:
        built = connection.execute(select(jurisdictions.c.id).limit(1)).first() is not None
    if not built:
        build_world(engine)
    with engine.connect() as connection:
        open_codes = connection.execute(select(auction_notices.c.code).where(
            auction_notices.c.auction_id.is_(None), auction_notices.c.cancelled_at.is_(None))
            .order_by(auction_notices.c.id)).scalars().all()  # fmt: skip
    place = load_jurisdiction(engine, "DP")
    pending = list(open_codes)
    for action, value in steps:
        code = f"2016-H{next(CODES)}"
        if action == "announce":
            before = carried_in_units(engine, place)
            _announce(engine, place, code, value)
            with engine.connect() as connection:
                got = connection.execute(select(auction_notices.c.carried_in_units).where(
                    auction_notices.c.code == code)).scalar_one()  # fmt: skip
            assert (got, carried_in_units(engine, place)) == (before, 0)
            pending.append(code)
        elif action == "hold":
            before = carried_in_units(engine, place)
            assert _hold(engine, place, code, value) == before
            assert carried_in_units(engine, place) == before + value  # all of it rolls over
        elif pending:
            chosen = pending.pop(value % len(pending))
            if action == "clear":
                _clear(engine, place, chosen)
            else:
                before = carried_in_units(engine, place)
                done = _cancel(engine, place, chosen)
                assert carried_in_units(engine, place) == before + done["roll_over_released_t"]
        _ledger_holds(engine, place)


def test_a_released_roll_over_is_not_lost_when_a_later_auction_is_recorded(
    engine: Engine,
) -> None:
    """The case the ledger was made for: B1 rolls over, B2 claims it, S1 is recorded with its
    own roll-over, B2 is cancelled: the next notice carries in both."""
    build_world(engine)
    place = load_jurisdiction(engine, "DP")
    _announce(engine, place, "2016-B1")
    _clear(engine, place, "2016-B1")  # 5 000 t rolled over
    _announce(engine, place, "2016-B2")  # claims them
    assert _hold(engine, place, "2016-S1") == 0  # 3 000 t rolled over
    done = _cancel(engine, place, "2016-B2")
    assert (done["roll_over_from"], done["roll_over_released_t"]) == ("2016-B1", 5000)
    assert done["roll_overs_released"] == [{"auction": "2016-B1", "t": 5000}]
    assert carried_in_units(engine, place) == 8000
    _announce(engine, place, "2016-B3")
    with engine.connect() as connection:
        b3 = connection.execute(select(auction_notices).where(
            auction_notices.c.code == "2016-B3")).one()  # fmt: skip
        s1 = connection.execute(select(auctions.c.id).where(auctions.c.code == "2016-S1")).scalar()
        froms = connection.execute(select(roll_over_claims.c.from_auction_id).where(
            roll_over_claims.c.notice_id == b3.id).order_by(roll_over_claims.c.id)).scalars().all()  # fmt: skip
    assert (b3.carried_in_units, b3.offered_units, b3.carried_from_auction_id) == (8000, 13_000, s1)
    assert len(froms) == 2 and froms[-1] == s1
    cancelled = _cancel(engine, place, "2016-B3")
    assert cancelled["roll_over_from"] == "2016-B1, 2016-S1"
    assert cancelled["roll_over_released_t"] == 8000
    assert _hold(engine, place, "2016-S2") == 8000
    _ledger_holds(engine, place)


def test_the_database_refuses_a_second_live_claim_of_one_roll_over(engine: Engine) -> None:
    build_world(engine)
    place = load_jurisdiction(engine, "DP")
    _announce(engine, place, "2016-B1")
    _clear(engine, place, "2016-B1")
    _announce(engine, place, "2016-B2")
    with engine.connect() as connection:
        claim = connection.execute(select(roll_over_claims)).one()
        b1 = connection.execute(select(auctions.c.id).where(auctions.c.code == "2016-B1")).scalar()
    again = {"from_auction_id": claim.from_auction_id, "units": claim.units,
             "auction_id": b1, "claimed_at": NOW}  # fmt: skip
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(roll_over_claims.insert().values(again))
    _cancel(engine, place, "2016-B2")  # released: a new claim is let in, one only
    with engine.begin() as connection:
        connection.execute(roll_over_claims.insert().values(again))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(roll_over_claims.insert().values(again))
    with pytest.raises(IntegrityError), engine.begin() as connection:  # a claim needs a claimant
        connection.execute(roll_over_claims.insert().values(again | {"auction_id": None}))


@pytest.mark.parametrize(
    "values",
    [
        {"cancelled_at": NOW},
        {"cancelled_at": NOW, "cancelled_by": "regulator", "cancel_reason": "why"},
        {"cancelled_by": "regulator", "cancel_reason": "why", "cancel_key": "k"},
        {"cancel_key": "k"},
    ],
)
def test_a_notice_is_cancelled_whole_or_not_at_all(engine: Engine, values: dict) -> None:
    build_world(engine)
    place = load_jurisdiction(engine, "DP")
    _announce(engine, place, "2016-B1")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(auction_notices.update().values(values))
    whole = {"cancelled_at": NOW, "cancelled_by": "regulator", "cancel_reason": "why",
             "cancel_key": "k"}  # fmt: skip
    with engine.begin() as connection:
        connection.execute(auction_notices.update().values(whole))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(auction_notices.update().values(cancel_reason=None))


def _claims(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(roll_over_claims.c.from_auction_id, roll_over_claims.c.units,
                   roll_over_claims.c.notice_id, roll_over_claims.c.auction_id,
                   roll_over_claims.c.released_at.is_not(None))
            .order_by(roll_over_claims.c.notice_id, roll_over_claims.c.auction_id))]  # fmt: skip


def test_the_migration_down_and_up_keeps_the_claims_and_the_check(engine: Engine) -> None:
    """0033 down and up again with bids, a cleared notice's claim, a one-step auction's and a
    cancelled notice's released one: the claims come back from the columns as they were."""
    build_world(engine)
    place = load_jurisdiction(engine, "DP")
    _announce(engine, place, "2016-B1")
    _clear(engine, place, "2016-B1")  # rolls over 5 000 t
    _announce(engine, place, "2016-B2")  # claims B1
    _cancel(engine, place, "2016-B2")  # releases it
    _announce(engine, place, "2016-B3")  # claims B1 again
    _clear(engine, place, "2016-B3")  # its auction takes the claim over; rolls over 10 000 t
    assert _hold(engine, place, "2016-S1") == 10_000  # claims B3
    _announce(engine, place, "2016-B4")  # claims S1's 13 000 t
    before = _claims(engine)
    assert len(before) == 4 and [row[4] for row in before].count(True) == 1
    downgrade(engine, "0032_auction_cancellations")
    with engine.begin() as connection:  # without the check a half cancellation is let in
        connection.execute(auction_notices.update().where(auction_notices.c.code == "2016-B4")
                           .values(cancel_key="half"))  # fmt: skip
    with pytest.raises(RuntimeError, match="2016-B4"):
        migrate(engine)
    with engine.begin() as connection:
        connection.execute(auction_notices.update().where(auction_notices.c.code == "2016-B4")
                           .values(cancel_key=None))  # fmt: skip
    migrate(engine)
    assert _claims(engine) == before
    assert carried_in_units(engine, place) == 0
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(auction_notices.update().where(auction_notices.c.code == "2016-B4")
                           .values(cancel_key="half"))  # fmt: skip
    _ledger_holds(engine, place)
    _cancel(engine, place, "2016-B4")
    assert carried_in_units(engine, place) == 13_000
