"""The compliance engine: obligations, offset cap, shortfall, penalty, status."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tanshi.compliance import Position, PriceBasis, Status, price_window, reconcile
from tanshi.resources import load_rulebook
from tanshi.rulebook import rules_in_force
from tanshi.rulebook.model import PriceWindow

RULES = rules_in_force(load_rulebook("demo-province")[0], 2016)
PRICE = PriceBasis(Decimal("31.25"), date(2016, 1, 1), date(2016, 12, 31), from_trades=True)


def position(code: str, verified: str | None, allowances: int, offsets: int = 0) -> Position:
    return Position(
        code,
        code,
        "power",
        None if verified is None else Decimal(verified),
        0,
        0,
        0,
        allowances,
        offsets,
    )


def test_compliance_table_by_hand() -> None:
    """
    A: 1000.4 t → obligation 1000; surrendered 1000 allowances → compliant.
    B: 1000.5 t → obligation 1001 (half up); 950 allowances + 80 offsets, cap 100 → short 0.
    C: 2000 t; 1500 allowances + 300 offsets, cap 200 counts → short 300;
       penalty 300 × 3 × 31.25 = CNY 28 125.00, 300 t deducted next year.
    D: no verified emissions → no shortfall, no penalty.
    """
    lines = reconcile(
        2016,
        [
            position("A", "1000.4", 1000),
            position("B", "1000.5", 950, 80),
            position("C", "2000", 1500, 300),
            position("D", None, 0),
        ],
        RULES.compliance,
        RULES.offsets,
        RULES.penalty,
        PRICE,
    )
    table = {line.position.company: line for line in lines}
    assert table["A"].obligation_t == 1000 and table["A"].status is Status.COMPLIANT
    assert table["B"].obligation_t == 1001
    assert table["B"].offsets_counted_t == 80
    assert table["B"].shortfall_t == 0
    assert table["C"].offsets_cap_t == 200
    assert table["C"].offsets_counted_t == 200
    assert table["C"].shortfall_t == 300
    assert table["C"].penalty_cny == Decimal("28125.00")
    assert table["C"].deduction_next_year_t == 300
    assert table["C"].status is Status.NON_COMPLIANT
    assert table["D"].status is Status.NO_VERIFIED_EMISSIONS
    assert table["D"].shortfall_t is None and table["D"].penalty_cny is None


def test_penalty_is_rounded_to_the_fen() -> None:
    price = PriceBasis(Decimal("29.99"), PRICE.start, PRICE.end, from_trades=True)
    [line] = reconcile(
        2016, [position("A", "10", 3)], RULES.compliance, RULES.offsets, RULES.penalty, price
    )
    assert line.penalty_cny == Decimal("629.79")  # 7 × 3 × 29.99


def test_price_windows() -> None:
    assert price_window(RULES.penalty, 2016, date(2017, 6, 30)) == (
        date(2016, 1, 1),
        date(2016, 12, 31),
    )
    six_months = RULES.penalty.model_copy(
        update={"price_window": PriceWindow.MONTHS_BEFORE_DEADLINE, "window_months": 6}
    )
    assert price_window(six_months, 2016, date(2017, 6, 30)) == (
        date(2016, 12, 1),
        date(2017, 5, 31),
    )
    assert price_window(six_months, 2016, date(2017, 3, 15)) == (
        date(2016, 9, 1),
        date(2017, 2, 28),
    )
