"""The compliance table's renderings: exact CSV, readable and self-contained HTML."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tanshi.compliance import Position, PriceBasis, reconcile
from tanshi.reports.compliance_table import to_csv, to_html
from tanshi.reports.templating import grouped
from tanshi.resources import load_rulebook
from tanshi.rulebook import rules_in_force

RULEBOOK = load_rulebook("demo-province")[0]
RULES = rules_in_force(RULEBOOK, 2016)
PRICE = PriceBasis(Decimal("30.00"), date(2016, 1, 1), date(2016, 12, 31), from_trades=False)
LINES = reconcile(
    2016,
    [
        Position(
            "C1", "Alpha <Power>", "Power", Decimal("1234567.891"), 1200000, 0, 5000, 1200000, 0
        )
    ],
    RULES.compliance,
    RULES.offsets,
    RULES.penalty,
    PRICE,
)


def test_csv_keeps_exact_plain_numbers() -> None:
    assert to_csv(LINES).splitlines()[1] == (
        "C1,Alpha <Power>,Power,1234567.891,1200000,0,5000,1200000,0,34568,3111120.00,non_compliant"
    )


def test_html_groups_digits_escapes_text_and_cites_rules() -> None:
    html = to_html(RULEBOOK, 2016, LINES, PRICE, seed=1)
    assert "1,234,567.891" in html
    assert "Alpha &lt;Power&gt;" in html
    assert "fallback price" in html
    assert "深圳市碳排放权交易管理暂行办法" in html  # the penalty rule's source
    assert "<script" not in html and "<link" not in html


def test_grouped() -> None:
    assert [grouped(v) for v in ("", "7", "1234567.500", "-1234.5")] == [
        "", "7", "1,234,567.500", "-1,234.5",
    ]  # fmt: skip


def test_html_names_every_penalty_kind_in_its_currency() -> None:
    """A lump-sum fine (Guangdong) and a capped multiple in KRW (K-ETS) render too."""
    for preset, year, words in (
        ("cn-pilot-guangdong", 2014, ["fine of 50000 CNY", "Penalties<b>CNY 50,000.00"]),
        ("kr-kets", 2016, ["at most 100000 KRW/t", "Penalty price: KRW 40000/t"]),
    ):
        rulebook = load_rulebook(preset)[0]
        rules = rules_in_force(rulebook, year)
        price = PriceBasis(Decimal(40000), date(year, 1, 1), date(year, 12, 31), True)
        short = Position("C1", "C1", "Power", Decimal(100), 90, 0, 0, 90, 0)
        lines = reconcile(year, [short], rules.compliance, rules.offsets, rules.penalty, price)
        html = to_html(rulebook, year, lines, price)
        for word in words:
            assert word in html, (preset, word)


def test_csv_quotes_a_name_that_starts_like_a_formula_and_leaves_numbers_alone() -> None:
    hostile = reconcile(
        2016,
        [Position("C2", '=HYPERLINK("http://x")', "Power", Decimal("10"), 0, 0, 0, 0, 0)],
        RULES.compliance,
        RULES.offsets,
        RULES.penalty,
        PRICE,
    )
    row = to_csv(hostile).splitlines()[1]
    assert row.startswith('C2,"\'=HYPERLINK(""http://x"")",Power,10.000,0,'), row
