"""Settlement rules as data, fees with their rounding, settlement days, plans and cash checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tanshi.market.cash import (
    CashAccountKind,
    CashEntryKind,
    CashMovement,
    CashRequest,
    cash_postings,
    check_cash,
)
from tanshi.market.settlement import Fill, funds_needed, plan_settlement
from tanshi.market.settlement_rules import fee_fen, parse_settlement_rules
from tanshi.resources import load_settlement_rules

RULES = load_settlement_rules("demo-province")
AT = datetime(2016, 9, 30, 6, tzinfo=UTC)  # Friday 14:00 in Shanghai


def fill(venue: str = "listed", quantity: int = 1000, price: int = 3000, trade: str = "1") -> Fill:
    return Fill(trade, venue, "DP-OH-B", "DP-OH-A", "DPEA-2016", quantity, price, AT)


def test_fee_is_rounded_half_up_per_side_with_a_minimum() -> None:
    # 1,000 t × CNY 30.00 = 3,000,000 fen; × 0.0005 = 1,500 fen exactly.
    assert fee_fen(3_000_000, Decimal("0.0005"), 0) == 1500
    # 1 t × CNY 30.01 = 3,001 fen; × 0.0005 = 1.5005 → 2 fen; 1 t at 29.99 → 1.4995 → 1 fen.
    assert fee_fen(3001, Decimal("0.0005"), 0) == 2
    assert fee_fen(2999, Decimal("0.0005"), 0) == 1
    # 0.5 fen exactly rounds up (half up, away from zero): 1,000 fen × 0.0005 = 0.5 → 1.
    assert fee_fen(1000, Decimal("0.0005"), 0) == 1
    # The block venue's minimum of CNY 1.00 a side: 10 t × 30.00 × 0.00025 = 7.5 → 100 fen.
    assert fee_fen(30_000, Decimal("0.00025"), 100) == 100


def test_plan_of_a_listed_trade_worked_example() -> None:
    """1,000 t at CNY 30.00: value 3,000,000 fen; each side pays 0.05 % = 1,500 fen.

    The buyer pays 3,001,500, the seller receives 2,998,500, the exchange keeps 3,000;
    2,998,500 + 3,000 = 3,001,500, so no fen is created or lost. T+0: settles on the day.
    """
    plan, issues = plan_settlement(fill(), RULES, date(2016, 9, 30))
    assert issues == [] and plan is not None
    assert (plan.value_fen, plan.buyer_fee_fen, plan.seller_fee_fen) == (3_000_000, 1500, 1500)
    assert (plan.buyer_pays_fen, plan.seller_receives_fen, plan.fees_fen) == (
        3_001_500, 2_998_500, 3000,
    )  # fmt: skip
    assert plan.settle_on == date(2016, 9, 30)
    payment = plan.payment(clearing=1, seller=2, fees=3)
    assert [(m.to_account, m.amount_fen) for m in payment] == [(2, 2_998_500), (3, 3000)]


def test_block_trades_settle_the_next_business_day_skipping_weekend_and_holidays() -> None:
    """Friday 30 September 2016 + 1 business day: Sat, Sun, then 3–7 October are holidays
    (National Day week), so Monday 10 October."""
    plan, _ = plan_settlement(fill("block"), RULES, date(2016, 9, 30))
    assert plan is not None and plan.settle_on == date(2016, 10, 10)
    assert RULES.settlement_day(date(2016, 9, 28), 1) == date(2016, 9, 29)
    # A T+0 trade on a Saturday settles on the next business day.
    assert RULES.settlement_day(date(2016, 10, 1), 0) == date(2016, 10, 10)


def test_bad_trades_list_every_problem() -> None:
    bad = Fill("", "listed", "DP-OH-A", "DP-OH-A", "DPEA-2016", 0, -1, AT)
    _, issues = plan_settlement(bad, RULES, date(2016, 9, 30))
    assert {i.code for i in issues} == {
        "trade_id_must_be_1_to_100_characters", "same_counterparty",
        "quantity_must_be_positive", "price_must_be_positive",
    }  # fmt: skip
    _, unknown = plan_settlement(fill("dark-pool"), RULES, date(2016, 9, 30))
    assert [i.code for i in unknown] == ["unknown_venue"]
    # 1 t at 0.01 on the block venue: the seller's minimum fee (100 fen) exceeds the value.
    _, tiny = plan_settlement(fill("block", 1, 1), RULES, date(2016, 9, 30))
    assert [i.code for i in tiny] == ["fee_exceeds_proceeds"]


def test_funds_needed_covers_value_and_buyer_fee() -> None:
    # 100 t at up to CNY 31.00: 310,000 fen + 155 fen.
    assert funds_needed(RULES, "listed", date(2016, 9, 30), 100, 3100) == 310_155
    assert funds_needed(RULES, "nowhere", date(2016, 9, 30), 100, 3100) is None


@given(
    quantity=st.integers(1, 10**6),
    price=st.integers(1, 10**5),
    venue=st.sampled_from(["listed", "one_way_bidding", "block", "otc"]),
)
def test_a_plan_conserves_money(quantity: int, price: int, venue: str) -> None:
    """What the buyer pays = what the seller receives + the fees, to the fen."""
    plan, issues = plan_settlement(fill(venue, quantity, price), RULES, date(2016, 9, 30))
    if plan is None:
        assert [i.code for i in issues] == ["fee_exceeds_proceeds"]
        return
    assert plan.buyer_pays_fen == plan.seller_receives_fen + plan.fees_fen
    assert sum(m.amount_fen for m in plan.payment(1, 2, 3)) == plan.buyer_pays_fen
    assert plan.value_fen == quantity * price


def test_rules_with_problems_report_each_one() -> None:
    text = """
[settlement]
id = "x"
jurisdiction = "DP"
currency = "CNY"
source = "s"
confidence = "assumption"

[[venues]]
code = "listed"
name = "Listed"
cycle_days = 0
source = "s"
confidence = "assumption"

[[fees]]
venue = "listed"
valid_from = 2016-01-01
valid_to = 2016-12-31
buyer_rate = 0.001
seller_rate = 0.001
source = "s"
confidence = "assumption"

[[fees]]
venue = "listed"
valid_from = 2016-06-01
valid_to = 2017-12-31
buyer_rate = 0.001
seller_rate = 0.001
source = "s"
confidence = "assumption"

[[fees]]
venue = "otc"
valid_from = 2016-01-01
valid_to = 2016-12-31
buyer_rate = 0
seller_rate = 0
source = "s"
confidence = "assumption"
"""
    rules, issues = parse_settlement_rules(text, "x.toml")
    assert rules is not None
    assert {i.code for i in issues} == {"overlapping_fee_rules", "fee_for_unknown_venue"}
    assert any(i.where.startswith("x.toml:") for i in issues)
    broken, problems = parse_settlement_rules(text.replace("cycle_days = 0", "cycle_days = -1"))
    assert broken is None and [p.code for p in problems] == ["settlement_greater_than_equal"]
    missing, why = parse_settlement_rules(text.replace('source = "s"\n', "", 1))
    assert missing is None and why[0].code == "settlement_missing"


def test_cash_checks_refuse_overdraft_wrong_kinds_and_bad_amounts() -> None:
    kinds = {1: CashAccountKind.BANK, 2: CashAccountKind.PARTICIPANT, 3: CashAccountKind.CLEARING}
    deposit = CashRequest(CashEntryKind.DEPOSIT, "d", (CashMovement(1, 2, 500),), AT)
    assert check_cash(deposit, kinds, {1: 0, 2: 0}) == []  # the bank may go negative
    assert cash_postings(deposit) == {1: -500, 2: 500}
    reserve = CashRequest(CashEntryKind.FUNDS_RESERVATION, "r", (CashMovement(2, 3, 600),), AT)
    assert [i.code for i in check_cash(reserve, kinds, {2: 500})] == ["insufficient_funds"]
    wrong = CashRequest(
        CashEntryKind.DEPOSIT, "", (CashMovement(2, 2, 0), CashMovement(3, 9, 1)), AT
    )
    assert {i.code for i in check_cash(wrong, kinds, {})} == {
        "idempotency_key_must_be_1_to_200_characters", "amount_must_be_positive",
        "cash_accounts_must_be_different", "cash_movement_not_allowed", "unknown_cash_account",
    }  # fmt: skip
