"""Cancelling an announced auction on SQLite and PostgreSQL: its bids' funds go back, no bid
is taken after, the roll-over it claimed goes to the next auction, nothing is deleted."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from service_world import NOW, build_world
from tanshi.auction.book import Phase, Window, check_bid
from tanshi.resources import load_rulebook
from tanshi.services import bid_book, bid_book_cancel, bid_book_clearing, bid_book_reads, cash
from tanshi.services.auction import auction_terms, carried_in_units, hold_auction
from tanshi.services.identity import principal_named
from tanshi.services.jurisdiction import Jurisdiction, load_jurisdiction
from tanshi.services.settlement import settlement_discrepancies
from tanshi.store.engine import downgrade, migrate
from tanshi.store.schema import auction_bids, auction_notices, cash_entries, funds_reservations

OPENS, CLOSES = NOW - timedelta(hours=1), NOW + timedelta(hours=2)
A1_CASH, B1_CASH = "DP-OH-A1-CASH", "DP-OH-B1-CASH"
REASON = "Trading system outage at the exchange; 交易系统故障 (notice 2017-07)"


def _world(engine: Engine) -> Jurisdiction:
    build_world(engine)
    place = load_jurisdiction(engine, "DP")
    for account, fen in (("DP-OH-A1", 10_000_000), ("DP-OH-B1", 5_000_000)):  # B1 had 1 000 000
        assert cash.transfer_with_bank(engine, "DP", "CNY", account, fen, f"t/dep/{account}",
                                       NOW, deposit=True).ok  # fmt: skip
    return place


def _announce(engine: Engine, place: Jurisdiction, code: str, volume: int = 20_000) -> dict:
    notice, issues = bid_book.announce(
        engine, place, code=code, year=2016, auction_on=date(2017, 3, 1), opens_at=OPENS,
        closes_at=CLOSES, now=NOW - timedelta(days=7), by="regulator", volume_t=volume,
    )  # fmt: skip
    assert notice is not None and not issues, issues
    shown = bid_book_reads.notice(engine, None, code, NOW)
    assert shown is not None
    return shown


def _bid(engine: Engine, place: Jurisdiction, company: str, price: str, quantity: int, key: str,
         replaces: int | None = None) -> tuple[dict | None, list]:  # fmt: skip
    return bid_book.submit_bid(engine, place, "2016-B1", company, Decimal(price), quantity,
                               key=key, now=NOW, by="officer", replaces=replaces)  # fmt: skip


def _cancel(engine: Engine, place: Jurisdiction, code: str = "2016-B1", key: str = "c1",
            reason: str = REASON) -> tuple[dict | None, list]:  # fmt: skip
    return bid_book_cancel.cancel_notice(engine, place, code, reason=reason, key=key,
                                         now=NOW + timedelta(minutes=5), by="regulator")  # fmt: skip


def _codes(issues: list) -> list[str]:
    return [issue.code for issue in issues]


def _count(engine: Engine, table) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_cancelling_releases_every_live_bids_funds_and_ends_the_book(engine: Engine) -> None:
    place = _world(engine)
    _announce(engine, place, "2016-B1")
    first, issues = _bid(engine, place, "A1", "25.00", 2000, "k1")
    assert first is not None, issues
    revised, issues = _bid(engine, place, "A1", "24.00", 3000, "k2", replaces=first["bid_id"])
    assert revised is not None, issues
    b1, issues = _bid(engine, place, "B1", "21.00", 1000, "k3")
    assert b1 is not None, issues
    with engine.connect() as connection:
        held = cash.balances(connection)
    assert (held[A1_CASH], held[B1_CASH]) == (10_000_000 - 7_200_000, 6_000_000 - 2_100_000)
    entries, reservations = _count(engine, cash_entries), _count(engine, funds_reservations)

    done, issues = _cancel(engine, place)

    assert done is not None and not issues, issues
    assert (done["bids_cancelled"], done["released_fen"], done["replayed"]) == (2, 9_300_000, False)
    assert (done["reason"], done["cancelled_by"]) == (REASON, "regulator")
    with engine.connect() as connection:
        balances = cash.balances(connection)
        assert settlement_discrepancies(connection, place) == []
        assert cash.cash_discrepancies(connection) == []
        statuses = {r.id: r.status for r in connection.execute(select(auction_bids))}
        left = connection.execute(select(func.sum(funds_reservations.c.open_fen))).scalar()
        stored = connection.execute(select(auction_notices.c.cancel_reason)).scalar_one()
    assert (balances[A1_CASH], balances[B1_CASH]) == (10_000_000, 6_000_000)
    assert statuses == {first["bid_id"]: "revised", revised["bid_id"]: "cancelled",
                        b1["bid_id"]: "cancelled"}  # fmt: skip
    assert left == 0 and stored == REASON  # verbatim
    # Appended, not rewritten: one release entry per live bid; every reservation kept.
    assert _count(engine, cash_entries) == entries + 2
    assert _count(engine, funds_reservations) == reservations
    shown = bid_book_reads.notice(engine, None, "2016-B1", NOW)
    assert shown is not None and shown["phase"] == "cancelled"
    assert (shown["cancel_reason"], shown["cancelled_by"]) == (REASON, "regulator")

    again, issues = _cancel(engine, place)  # the same key: the same cancellation
    assert again is not None and again["replayed"] and again["bids_cancelled"] == 2, issues
    assert _count(engine, cash_entries) == entries + 2
    twice, issues = _cancel(engine, place, key="c2")
    assert twice is None and _codes(issues) == ["auction_cancelled"]
    assert REASON in issues[0].message
    other, issues = _cancel(engine, place, reason="another reason")
    assert other is None and _codes(issues) == ["idempotency_key_reused_with_different_request"]


def test_a_cancelled_auction_takes_no_bid_revision_withdrawal_or_clearing(engine: Engine) -> None:
    place = _world(engine)
    _announce(engine, place, "2016-B1")
    live, _ = _bid(engine, place, "A1", "25.00", 1000, "k1")
    assert live is not None
    assert _cancel(engine, place)[0] is not None
    new, issues = _bid(engine, place, "B1", "25.00", 1000, "k2")
    assert new is None and _codes(issues) == ["auction_cancelled"]
    revised, issues = _bid(engine, place, "A1", "26.00", 1000, "k3", replaces=live["bid_id"])
    assert revised is None and _codes(issues) == ["auction_cancelled"]
    gone, issues = bid_book.withdraw_bid(engine, place, "2016-B1", "A1", live["bid_id"], key="w",
                                         now=NOW)  # fmt: skip
    assert gone is None and _codes(issues) == ["auction_cancelled"]
    cleared, issues = bid_book_clearing.clear_book(engine, place, "2016-B1", now=CLOSES)
    assert cleared is None and _codes(issues) == ["auction_cancelled"]
    replay, issues = _bid(engine, place, "A1", "25.00", 1000, "k1")  # a retry of the old bid
    assert replay is not None and replay["replayed"] and replay["status"] == "cancelled", issues


def test_a_cleared_auction_an_unknown_one_and_a_missing_reason_are_refused(
    engine: Engine,
) -> None:
    place = _world(engine)
    _announce(engine, place, "2016-B1")
    assert bid_book_clearing.clear_book(engine, place, "2016-B1", now=CLOSES)[0] is not None
    done, issues = _cancel(engine, place)
    assert done is None and _codes(issues) == ["auction_already_cleared"]
    done, issues = _cancel(engine, place, code="2016-X")
    assert done is None and _codes(issues) == ["unknown_auction"]
    for reason in ("", "   ", "x" * 2001):
        done, issues = _cancel(engine, place, reason=reason)
        assert done is None and len(issues) == 1 and issues[0].where == "reason"
    with engine.connect() as connection:
        assert connection.execute(select(auction_notices.c.cancelled_at)).scalar() is None


def test_the_roll_over_a_cancelled_notice_claimed_goes_to_the_next_notice(engine: Engine) -> None:
    place = _world(engine)
    _announce(engine, place, "2016-B1", 5000)  # nothing bid: all 5 000 t roll over
    assert bid_book_clearing.clear_book(engine, place, "2016-B1", now=CLOSES)[0] is not None
    assert _announce(engine, place, "2016-B2", 5000)["carried_in_t"] == 5000
    assert carried_in_units(engine, place) == 0
    done, issues = _cancel(engine, place, code="2016-B2")
    assert done is not None and not issues, issues
    assert (done["roll_over_from"], done["roll_over_released_t"]) == ("2016-B1", 5000)
    assert carried_in_units(engine, place) == 5000
    third = _announce(engine, place, "2016-B3", 5000)
    assert (third["carried_in_t"], third["offered_t"]) == (5000, 10_000)
    assert _announce(engine, place, "2016-B4")["carried_in_t"] == 0  # B3 holds it now
    # The database still lets one notice not cancelled hold each claim.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        source = connection.execute(select(auction_notices.c.carried_from_auction_id)
                                    .where(auction_notices.c.code == "2016-B3")).scalar_one()  # fmt: skip
        connection.execute(auction_notices.update().where(auction_notices.c.code == "2016-B4")
                           .values(carried_from_auction_id=source))  # fmt: skip


def test_a_one_step_auction_carries_in_the_roll_over_of_a_cancelled_notice(engine: Engine) -> None:
    place = _world(engine)
    _announce(engine, place, "2016-B1", 5000)
    assert bid_book_clearing.clear_book(engine, place, "2016-B1", now=CLOSES)[0] is not None
    _announce(engine, place, "2016-B2", 5000)
    assert _cancel(engine, place, code="2016-B2")[0] is not None
    held = hold_auction(engine, place, [], None, code="2016-S1", year=2016, now=CLOSES,
                        volume_t=3000, bids_text="")  # fmt: skip
    assert (held.carried_in_t, held.result.terms.volume_t, held.notes) == (5000, 8000, ())


def test_the_migration_down_and_up_keeps_bids_that_replace_others(engine: Engine) -> None:
    place = _world(engine)
    _announce(engine, place, "2016-B1")
    first, _ = _bid(engine, place, "A1", "25.00", 2000, "k1")
    assert first is not None
    assert _bid(engine, place, "A1", "24.00", 3000, "k2", replaces=first["bid_id"])[0]
    assert _cancel(engine, place)[0] is not None
    downgrade(engine, "0031_carry_over_claims")
    with engine.connect() as connection:  # the old statuses know no cancelled bid
        assert sorted(connection.execute(select(auction_bids.c.status)).scalars()) == [
            "revised", "withdrawn"]  # fmt: skip
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(auction_bids).where(
            auction_bids.c.replaces_bid_id == first["bid_id"])).scalar_one() == 1  # fmt: skip


def test_a_cancelled_window_refuses_a_bid_as_cancelled_whatever_the_moment() -> None:
    window = Window(OPENS, CLOSES)
    assert window.phase(NOW, cleared=False, cancelled=True) is Phase.CANCELLED
    terms = auction_terms(load_rulebook("demo-province")[0], 2016, volume_t=20_000)
    issues = check_bid(terms, Decimal("25.00"), 1000, phase=Phase.CANCELLED, sector=None,
                       other_live_t=0)  # fmt: skip
    assert [issue.code for issue in issues] == ["auction_cancelled"]


def test_a_cancelled_books_bids_are_unsealed_for_oversight_only(engine: Engine) -> None:
    """bid_book_reads.notice for each kind of reader (the API and the web pass the companies
    a user bids for as ``own_companies``); the CLI's whole book covers a cancelled auction."""
    place = _world(engine)
    _announce(engine, place, "2016-B1")
    assert _bid(engine, place, "A1", "25.00", 2000, "k1")[0] is not None
    assert _bid(engine, place, "B1", "21.00", 1000, "k2")[0] is not None
    sealed = bid_book_reads.notice(engine, principal_named(engine, "regulator"), "2016-B1", NOW)
    assert sealed is not None and (sealed["bids_shown"], sealed["bids"]) == ("none", [])
    assert bid_book_reads.whole_book(engine, "DP", "2016-B1") == []  # open: sealed
    assert _cancel(engine, place)[0] is not None
    for user, own, shown, companies in (
        ("regulator", frozenset(), "all", ["A1", "B1"]),
        ("auditor", frozenset(), "all", ["A1", "B1"]),
        ("officer-a", frozenset({"A1"}), "own", ["A1"]),
        ("trader", frozenset(), "none", []),
        (None, frozenset(), "none", []),  # the public
    ):
        principal = None if user is None else principal_named(engine, user)
        seen = bid_book_reads.notice(engine, principal, "2016-B1", NOW, own_companies=own)
        assert seen is not None and seen["bids_shown"] == shown, user
        assert [b["company"] for b in seen["bids"]] == companies, user
    assert [b["company"] for b in bid_book_reads.whole_book(engine, "DP", "2016-B1")] == [
        "A1", "B1"]  # fmt: skip
    published = bid_book_reads.cancellation_list(engine).items
    assert not {"bids", "cancelled_by"} & set(published[0])
