"""Each penalty rule of the presets at its boundaries, with the arithmetic written out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tanshi.compliance import (
    check_choice,
    choice_range,
    penalty_amount,
    per_tonne,
    price_window,
    still_owed,
)
from tanshi.resources import load_rulebook
from tanshi.rulebook import rules_in_force
from tanshi.rulebook.model import FixedPenaltyRule, LumpSumPenaltyRule, PenaltyRule


def penalty_of(preset: str, year: int):
    return rules_in_force(load_rulebook(preset)[0], year).penalty


KETS = penalty_of("kr-kets", 2016)
CN_2021 = penalty_of("cn-national-power", 2021)
CN_2023 = penalty_of("cn-national-power", 2023)
EU = penalty_of("eu-ets", 2022)
SHENZHEN = penalty_of("cn-pilot-shenzhen", 2014)
GUANGDONG = penalty_of("cn-pilot-guangdong", 2014)


def test_the_presets_hold_the_kinds_the_tables_below_assume() -> None:
    assert isinstance(KETS, PenaltyRule) and KETS.max_per_t == 100000
    assert isinstance(CN_2021, LumpSumPenaltyRule)
    assert isinstance(CN_2023, PenaltyRule) and CN_2023.multiple_max == 10
    assert isinstance(EU, FixedPenaltyRule)
    assert isinstance(SHENZHEN, PenaltyRule) and SHENZHEN.window_months == 6
    assert isinstance(GUANGDONG, LumpSumPenaltyRule)


# K-ETS: min(3 × the year's average price, KRW 100 000) per missing tonne.
@pytest.mark.parametrize(
    ("price", "shortfall", "expected"),
    [
        ("33333.33", 1, "99999.99"),  # 3 × 33 333.33 = 99 999.99, under the cap
        ("33333.34", 1, "100000.00"),  # 3 × 33 333.34 = 100 000.02, capped
        ("40000", 1000, "100000000.00"),  # 120 000 capped at 100 000 × 1 000
        ("11000", 1000, "33000000.00"),  # 33 000 × 1 000
        ("11000", 0, "0.00"),  # no shortfall, no penalty
    ],
)
def test_kets_penalty_is_capped_per_tonne(price: str, shortfall: int, expected: str) -> None:
    assert isinstance(KETS, PenaltyRule)
    assert penalty_amount(KETS, shortfall, Decimal(price)) == Decimal(expected)
    assert per_tonne(KETS, Decimal(price)) <= Decimal(100000)


# China 2021 Measures: a fine of CNY 20 000-30 000 chosen by the regulator.
@pytest.mark.parametrize(
    ("choice", "refusal", "expected"),
    [
        (None, None, "20000.00"),  # the minimum unless chosen
        ("20000", None, "20000.00"),
        ("30000", None, "30000.00"),
        ("25000.50", None, "25000.50"),
        ("19999.99", "penalty_choice_out_of_range", None),
        ("30000.01", "penalty_choice_out_of_range", None),
    ],
)
def test_china_2021_lump_sum_range(choice: str | None, refusal: str | None, expected) -> None:
    chosen = None if choice is None else Decimal(choice)
    issues = check_choice(CN_2021, chosen, "C1")
    assert [issue.code for issue in issues] == ([refusal] if refusal else [])
    if expected is not None:
        assert penalty_amount(CN_2021, 7, Decimal("55.00"), chosen) == Decimal(expected)
        assert penalty_amount(CN_2021, 0, Decimal("55.00"), chosen) == Decimal("0.00")


# China from May 2024: 5-10 × the month-before-deadline average price × the shortfall.
@pytest.mark.parametrize(
    ("choice", "price", "shortfall", "refusal", "expected"),
    [
        (None, "79.42", 1001, None, "397497.10"),  # 5 × 79.42 × 1 001
        ("10", "79.42", 1001, None, "794994.20"),  # 10 × 79.42 × 1 001
        ("7.5", "0.03", 1, None, "0.23"),  # 0.225 rounds half up to 0.23
        ("4.99", "79.42", 1, "penalty_choice_out_of_range", None),
        ("10.01", "79.42", 1, "penalty_choice_out_of_range", None),
    ],
)
def test_china_2024_multiple_range(choice, price, shortfall, refusal, expected) -> None:
    chosen = None if choice is None else Decimal(choice)
    issues = check_choice(CN_2023, chosen, "C1")
    assert [issue.code for issue in issues] == ([refusal] if refusal else [])
    if expected is not None:
        assert penalty_amount(CN_2023, shortfall, Decimal(price), chosen) == Decimal(expected)


def test_china_2024_price_is_the_month_before_the_deadline() -> None:
    # deadline 31 December 2024: the trades of November 2024
    assert price_window(CN_2023, 2023, date(2024, 12, 31)) == (
        date(2024, 11, 1),
        date(2024, 11, 30),
    )


@pytest.mark.parametrize(("shortfall", "expected"), [(0, "0.00"), (1, "100.00"), (250, "25000.00")])
def test_eu_fixed_penalty_and_surrender_still_owed(shortfall: int, expected: str) -> None:
    # EUR 100 a tonne whatever the price; the units are still owed the following year
    assert penalty_amount(EU, shortfall, Decimal("80.00")) == Decimal(expected)
    assert still_owed(EU) and not still_owed(KETS)
    assert choice_range(EU) is None
    assert [i.code for i in check_choice(EU, Decimal(100), "x")] == [
        "penalty_choice_not_applicable"
    ]


@pytest.mark.parametrize(
    ("deadline", "window"),
    [
        (date(2014, 6, 30), (date(2013, 12, 1), date(2014, 5, 31))),  # December to May
        (date(2015, 1, 31), (date(2014, 7, 1), date(2014, 12, 31))),  # across the new year
    ],
)
def test_shenzhen_six_months_before_the_deadline(deadline: date, window) -> None:
    assert price_window(SHENZHEN, 2013, deadline) == window
    # 3 × 62.50 × 3 300 = 618 750.00 (the cn-pilot-shenzhen scenario's W in 2013)
    assert penalty_amount(SHENZHEN, 3300, Decimal("62.50")) == Decimal("618750.00")


def test_guangdong_fine_leaves_no_choice() -> None:
    assert choice_range(GUANGDONG) == (Decimal(50000), Decimal(50000))
    assert penalty_amount(GUANGDONG, 1, Decimal(0)) == Decimal("50000.00")
    assert check_choice(GUANGDONG, Decimal("50000.01"), "K")[0].code == (
        "penalty_choice_out_of_range"
    )
