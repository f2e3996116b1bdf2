"""Auction delivery on SQLite and PostgreSQL: all awards land with the record, or nothing does."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from tanshi.auction import Bid
from tanshi.core.errors import TanshiError
from tanshi.resources import load_rulebook, parameter_table
from tanshi.services.auction import auction_terms, deliver_auction, run_auction
from tanshi.services.demo import run_demo
from tanshi.services.jurisdiction import load_jurisdiction, open_jurisdiction
from tanshi.store.schema import auctions, holdings, transactions

NOW = datetime(2017, 3, 1, 2, 0, tzinfo=UTC)


def _demo(engine: Engine) -> None:
    rulebook, text = load_rulebook("demo-province")
    run_demo(engine, rulebook, text, parameter_table(), seed=42, company_count=3)


def test_awards_are_delivered_and_recorded_in_one_transaction(engine: Engine) -> None:
    """2,000,000 t offered (the rule's 1,000,000 + 1,000,000 given as volume), limit 300,000:
    C001 300,000 of 400,000 @ 30; C002 100,000 @ 21 → 400,000 sold at the reserve 20.00."""
    _demo(engine)
    jurisdiction = load_jurisdiction(engine, "DP")
    terms = auction_terms(jurisdiction.rulebook, 2016, volume_t=2_000_000)
    offer = [Bid("1", "C001", Decimal(30), 400_000), Bid("2", "C002", Decimal(21), 100_000)]
    result = run_auction(terms, offer)
    assert result.by_bidder_t == {"C001": 300_000, "C002": 100_000}
    with engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(transactions)).scalar_one()
    delivered = deliver_auction(
        engine, jurisdiction, result, code="T1", year=2016, now=NOW, carried_in_t=0,
        bids_text="test",
    )  # fmt: skip
    assert sorted(delivered.transactions) == ["C001", "C002"]
    with engine.connect() as connection:
        after = connection.execute(select(func.count()).select_from(transactions)).scalar_one()
        row = connection.execute(select(auctions)).one()
    assert after - before == 2
    assert (row.sold_units, row.unsold_units, row.clearing_price_hundredths) == (
        400_000, 1_600_000, 2000,
    )  # fmt: skip


def test_an_unknown_bidder_writes_nothing(engine: Engine) -> None:
    rulebook, text = load_rulebook("demo-province")
    open_jurisdiction(engine, rulebook, text, NOW, is_demo=True)
    jurisdiction = load_jurisdiction(engine, "DP")
    terms = auction_terms(jurisdiction.rulebook, 2016)
    result = run_auction(terms, [Bid("1", "NOBODY", Decimal(30), 1000)])
    with engine.connect() as connection:
        snapshot = connection.execute(select(holdings).order_by(holdings.c.account_id)).all()
    with pytest.raises(TanshiError, match="NOBODY"):
        deliver_auction(
            engine, jurisdiction, result, code="T2", year=2016, now=NOW, carried_in_t=0,
            bids_text="test",
        )  # fmt: skip
    with engine.connect() as connection:
        assert connection.execute(select(auctions)).all() == []
        assert (
            connection.execute(select(holdings).order_by(holdings.c.account_id)).all() == snapshot
        )


def test_a_year_without_an_auction_rule_is_refused() -> None:
    rulebook, _ = load_rulebook("kr-kets")
    with pytest.raises(TanshiError, match="no \\[\\[auction\\]\\] rule in force in 2016"):
        auction_terms(rulebook, 2016, volume_t=1)
