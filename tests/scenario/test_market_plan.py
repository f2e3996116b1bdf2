"""The synthetic market's behaviour: seeded, and always with someone non-compliant."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tanshi.scenario.companies import make_companies, sector_sequence
from tanshi.scenario.market_plan import Need, choose_behaviour, plan_surrenders, plan_trades

ROUNDS = ((date(2016, 7, 1), date(2016, 12, 20)), (date(2017, 5, 6), date(2017, 6, 20)))


@given(
    seed=st.integers(0, 10_000),
    positions=st.lists(
        st.tuples(st.integers(1, 10_000), st.integers(1, 10_000)), min_size=1, max_size=12
    ),
)
def test_someone_ends_short_and_trades_never_exceed_supply(
    seed: int, positions: list[tuple[int, int]]
) -> None:
    needs = [Need(f"C{i}", allocated, owed) for i, (allocated, owed) in enumerate(positions)]
    rng = random.Random(seed)
    behaviour = choose_behaviour(rng, needs, Decimal("0.10"))
    trades = plan_trades(rng, needs, behaviour, ROUNDS)
    held = {need.company: need.allocated_t for need in needs}
    for trade in trades:
        held[trade.seller] -= trade.quantity_t
        held[trade.buyer] += trade.quantity_t
        assert trade.quantity_t > 0
        assert ROUNDS[0][0] <= trade.traded_on <= ROUNDS[1][1]
    assert all(value >= 0 for value in held.values()), "a seller sold more than its surplus"
    surrenders = plan_surrenders(needs, behaviour, held, {}, Decimal("0.10"))
    short = [
        plan for plan, need in zip(surrenders, needs, strict=True)
        if plan.allowances_t + plan.offsets_t < need.obligation_t
    ]  # fmt: skip
    assert short, "the demo promises at least one non-compliant company"


def test_companies_are_seeded_and_spread_over_sectors() -> None:
    first = make_companies(random.Random(3), 60)
    assert first == make_companies(random.Random(3), 60)
    assert first != make_companies(random.Random(4), 60)
    assert sector_sequence(60).count("power") == 18
    assert len(sector_sequence(7)) == 7
