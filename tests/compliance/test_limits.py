"""Invariants of the limits: offsets never exceed the cap; banking and borrowing limits hold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tanshi.compliance import (
    BankingRoom,
    Holding,
    Position,
    PriceBasis,
    banking_limit_t,
    borrowing_limit_t,
    freely_banked,
    international_cap_t,
    limited_obligation_t,
    offsets_cap_t,
    offsets_counted_t,
    reconcile,
    surrender_plan,
)
from tanshi.resources import load_rulebook
from tanshi.rulebook import rules_in_force
from tanshi.rulebook.model import BankingRule, BorrowingRule, ObligationLimitRule, OffsetRule

COMMON = {"source": "test", "confidence": "assumption", "valid_from": 2015, "valid_to": 2030}
shares = st.decimals(min_value=0, max_value=1, places=3)
tonnes = st.integers(min_value=0, max_value=10**9)


def offset_rule(share: Decimal, international: Decimal | None) -> OffsetRule:
    return OffsetRule(
        cap_share_of_obligation=share,
        international_max_share_of_obligation=international,
        eligible_unit_types=("KCU",),
        **COMMON,
    )


@given(tonnes, shares, st.none() | shares, tonnes, tonnes)
def test_offsets_never_exceed_the_caps(obligation, share, international, domestic, foreign):
    rule = offset_rule(share, international)
    counted = offsets_counted_t(obligation, rule, domestic, foreign)
    assert 0 <= counted <= offsets_cap_t(obligation, rule) <= obligation * share
    assert counted <= domestic + min(foreign, international_cap_t(obligation, rule))
    if international is None:  # without a share, international credits do not count
        assert counted <= domestic


@given(tonnes, shares, tonnes, tonnes)
def test_reconcile_counts_no_more_offsets_than_the_cap(obligation, share, offsets, allowances):
    rules = rules_in_force(load_rulebook("demo-province")[0], 2016)
    price = PriceBasis(Decimal(30), date(2016, 1, 1), date(2016, 12, 31), from_trades=False)
    position = Position("A", "A", "power", Decimal(obligation), 0, 0, 0, allowances, offsets)
    rule = offset_rule(share, None)
    (line,) = reconcile(2016, [position], rules.compliance, rule, rules.penalty, price)
    assert line.offsets_counted_t <= line.offsets_cap_t
    assert line.shortfall_t == max(0, obligation - allowances - line.offsets_counted_t)
    assert line.status_code.value == ("A" if line.shortfall_t == 0 else "B")


@given(tonnes, st.decimals(min_value=0, max_value=10**9, places=2), tonnes, shares,
       st.booleans())  # fmt: skip
def test_obligation_limits_only_lower_the_obligation(obligation, verified, allocated, share, gas):
    rule = ObligationLimitRule(
        max_gap_share_of_verified=share, gas_units_capped_at_allocation=True, **COMMON
    )
    limited = limited_obligation_t(obligation, verified, allocated, rule, gas, "down")
    assert limited <= obligation
    if gas:
        assert limited <= allocated
    else:
        assert limited <= allocated + verified * share


@given(
    st.sampled_from(["none", "share_of_average_allocation", "multiple_of_net_sales"]),
    shares,
    st.integers(min_value=0, max_value=10**6),
    st.decimals(min_value=Decimal("0.1"), max_value=10, places=1),
    st.decimals(min_value=0, max_value=10**8, places=2),
    tonnes,
    tonnes,
    tonnes,
    st.integers(min_value=1, max_value=10**7),
)
def test_banking_limit_holds(limit, share, plus, multiple, average, sold, bought, already, q):
    rule = BankingRule(allowed=True, limit=limit, share_of_average_allocation=share, plus_t=plus,
                       net_sales_multiple=multiple, **COMMON)  # fmt: skip
    cap = banking_limit_t(rule, average, sold, bought)
    refused = BankingRoom(cap, already).refusal(q, "x")
    if cap is None:
        assert limit == "none" and not refused
        return
    assert cap >= plus
    if limit == "share_of_average_allocation":
        assert cap <= average * share + plus
    else:
        assert cap <= max(0, sold - bought) * multiple + plus
    assert bool(refused) == (already + q > cap)


def test_banking_limits_of_the_presets_by_hand() -> None:
    kets = rules_in_force(load_rulebook("kr-kets")[0], 2017).banking
    china = rules_in_force(load_rulebook("cn-national-power")[0], 2023).banking
    assert kets is not None and china is not None
    # K-ETS 2017: floor(10% × 30 000.5) + 20 000 = 3 000 + 20 000
    assert banking_limit_t(kets, Decimal("30000.5"), 0, 0) == 23000
    # China 2023: 10 000 + floor(1.5 × (5 001 − 2 000)) = 10 000 + 4 501
    assert banking_limit_t(china, Decimal(0), 5001, 2000) == 14501
    assert banking_limit_t(china, Decimal(0), 0, 9999) == 10000  # net buyers keep the 10 000


@given(shares, tonnes, tonnes)
def test_borrowing_limit_holds(share, obligation, allocated):
    kets = BorrowingRule(allowed=True, max_share_of_obligation=share, **COMMON)
    limit, issues = borrowing_limit_t(kets, obligation, allocated)
    assert not issues and limit <= obligation * share
    china = BorrowingRule(
        allowed=True,
        min_gap_share_of_allocation=Decimal("0.10"),
        max_share_of_gap=Decimal("0.50"),
        lend_from_year=2023,
        **COMMON,
    )
    limit, issues = borrowing_limit_t(china, obligation, allocated)
    gap = max(0, obligation - allocated)
    if gap <= allocated * Decimal("0.10"):
        assert limit == 0 and [i.code for i in issues] == ["borrowing_gap_too_small"]
    else:
        assert not issues and limit == gap // 2


def test_china_borrowing_threshold_by_hand() -> None:
    rule = rules_in_force(load_rulebook("cn-national-power")[0], 2021).borrowing
    assert rule is not None
    # allocation 100 000: a gap of exactly 10 000 (10%) is not enough; 10 001 is
    assert borrowing_limit_t(rule, 110000, 100000)[0] == 0
    assert borrowing_limit_t(rule, 110001, 100000) == (5000, [])  # floor(50% × 10 001)


def test_earlier_vintages_count_only_while_banking_is_unlimited() -> None:
    banking = load_rulebook("kr-kets")[0].banking
    assert freely_banked(banking, 2015, 2017)  # 2015 and 2016: unlimited
    assert not freely_banked(banking, 2017, 2018)  # 2017: limited, carry over first
    assert freely_banked(load_rulebook("demo-province")[0].banking, 2016, 2018)  # no rule


holdings = st.lists(
    st.builds(Holding, st.sampled_from(["U1", "U2", "U3", "O1"]),
              st.integers(2013, 2018), st.booleans(), st.booleans(), st.integers(0, 1000)),
    max_size=6,
    unique_by=lambda holding: holding.unit_class,
)  # fmt: skip


@given(st.integers(0, 5000), holdings, st.integers(0, 1000), st.integers(0, 1000))
def test_surrender_order(needed, held, offsets_room, borrowed_room) -> None:
    plan = surrender_plan(needed, 2016, held, offsets_room, borrowed_room)
    by_class = {h.unit_class: h for h in held}
    assert sum(units for _, units in plan) <= needed
    order = []
    for unit_class, units in plan:
        holding = by_class[unit_class]
        assert units > 0 and holding.eligible
        group = 0 if holding.is_credit else 1 if holding.vintage <= 2016 else 2
        order.append((group, holding.vintage))
    assert order == sorted(order)  # offsets, then the oldest vintage, then borrowed units
    credits = sum(u for c, u in plan if by_class[c].is_credit)
    later = sum(u for c, u in plan if not by_class[c].is_credit and by_class[c].vintage > 2016)
    assert credits <= offsets_room and later <= borrowed_room
