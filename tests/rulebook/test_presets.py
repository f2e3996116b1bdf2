"""The shipped presets: caps and reserves add up, rules are found by year, checks catch slips."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest

from tanshi.allocation.benchmark_output import load_correction
from tanshi.core.issues import Issue
from tanshi.resources import load_rulebook, preset_ids, preset_text
from tanshi.rulebook import parse_rulebook, rules_in_force
from tanshi.rulebook.checks import check_rulebook
from tanshi.rulebook.describe import describe
from tanshi.rulebook.in_force import NoRuleInForce, year_spans, years_in_force
from tanshi.rulebook.model import (
    BenchmarkOutputRule,
    CapRule,
    Confidence,
    EuBenchmarkRule,
    FixedPenaltyRule,
    LumpSumPenaltyRule,
    PenaltyRule,
)

PRESETS = (
    "cn-national-power", "cn-pilot-guangdong", "cn-pilot-shenzhen", "demo-province",
    "eu-ets", "kr-kets",
)  # fmt: skip


def test_the_presets_of_issue_5_are_shipped() -> None:
    assert tuple(preset_ids()) == PRESETS


@pytest.mark.parametrize("preset", PRESETS)
def test_every_rule_has_a_source_and_a_confidence(preset: str) -> None:
    rulebook, _ = load_rulebook(preset)
    for name in type(rulebook).model_fields:
        if name == "rulebook":
            continue
        for rule in getattr(rulebook, name):
            assert rule.source.strip()
            assert isinstance(rule.confidence, Confidence)


@pytest.mark.parametrize("preset", PRESETS)
def test_every_year_with_an_allocation_rule_shows(preset: str) -> None:
    rulebook, _ = load_rulebook(preset)
    for rule in rulebook.allocation:
        for year in range(rule.valid_from, rule.valid_to + 1):
            lines = describe(rules_in_force(rulebook, year), rulebook.rulebook.currency)
            names = [name for name, _, _ in lines]
            assert names.count("Allocation") == 1
            assert {"Compliance", "Allocation", "Penalty", "MRV"} <= set(names)
            assert ("Phase" in names) is (preset != "demo-province")


@pytest.mark.parametrize("preset", PRESETS)
def test_every_compliance_year_has_the_rest_of_the_rules(preset: str) -> None:
    rulebook, _ = load_rulebook(preset)
    for rule in rulebook.compliance:
        for year in range(rule.valid_from, rule.valid_to + 1):
            rules_in_force(rulebook, year)  # raises NoRuleInForce for a gap


def test_kets_phase_1_caps_pre_allocation_plus_reserve_is_total() -> None:
    """2015: 543,227,433 + 30,232,699 = 573,460,132; 2016: 532,575,917 + 29,607,221 =
    562,183,138; 2017: 521,924,398 + 28,981,744 = 550,906,142."""
    rulebook, _ = load_rulebook("kr-kets")
    caps = {cap.year: cap for cap in rulebook.cap}
    expected = {
        2015: (573_460_132, 543_227_433, 30_232_699),
        2016: (562_183_138, 532_575_917, 29_607_221),
        2017: (550_906_142, 521_924_398, 28_981_744),
    }
    for year, (total, pre, reserve) in expected.items():
        assert (caps[year].cap_t, caps[year].pre_allocated_t, caps[year].reserve_t) == (
            total, pre, reserve,
        )  # fmt: skip
        assert pre + reserve == total
    # Phase 1 in all: 1,686,549,412 t, ICAP's "1.687 bn"; 1,597,727,748 pre-allocated ("1.598 bn").
    assert sum(caps[year].cap_t for year in expected) == 1_686_549_412
    assert sum(caps[year].pre_allocated_t or 0 for year in expected) == 1_597_727_748
    reserve = next(item for item in rulebook.reserve if item.code == "p1-reserve")
    assert reserve.quantity_t == sum(caps[year].reserve_t for year in expected) == 88_821_664


def _cap_issue_codes(cap: CapRule) -> list[Issue]:
    rulebook, _ = load_rulebook("kr-kets")
    others = tuple(item for item in rulebook.cap if item.year != cap.year)
    return check_rulebook(rulebook.model_copy(update={"cap": (*others, cap)}))


def test_the_reserves_as_quoted_in_issue_5_fail_the_parts_check() -> None:
    """The issue's 2016 reserve 29,608,221: 532,575,917 + 29,608,221 = 562,184,138, which is
    1,000 more than the total 562,183,138; the check says so, with the difference."""
    quoted = CapRule(
        year=2016, cap_t=562_183_138, pre_allocated_t=532_575_917, reserve_t=29_608_221,
        source="issue #5", confidence=Confidence.UNCONFIRMED,
    )  # fmt: skip
    issues = _cap_issue_codes(quoted)
    assert [issue.code for issue in issues] == ["cap_parts_disagree", "reserve_split_disagrees"]
    assert "562,184,138" in issues[0].message and "+1,000" in issues[0].message
    assert "off by -1,000" in issues[1].message  # the phase reserve no longer matches either


def test_kets_phase_2_and_3_caps_carry_their_own_confidence() -> None:
    """Phase 2: ICAP SR2021's annual caps (V3), the 134 M reserve split evenly (assumption).
    Phase 3: 589.3 / 567.1 Mt excluding reserves (V3) + the assumed 29.24 Mt reserve each."""
    rulebook, _ = load_rulebook("kr-kets")
    caps = {cap.year: cap for cap in rulebook.cap}
    assert [caps[year].cap_t for year in (2018, 2019, 2020)] == [
        601_000_000, 587_600_000, 545_100_000,
    ]  # fmt: skip
    assert sum(caps[year].reserve_t for year in (2018, 2019, 2020)) == 134_000_000
    for year in range(2018, 2026):
        assert caps[year].confidence is Confidence.SECONDARY
        assert caps[year].reserve_confidence is Confidence.ASSUMPTION
        assert caps[year].reserve_source
    assert {caps[year].free_allocation_budget_t for year in (2021, 2022, 2023)} == {589_300_000}
    assert {caps[year].free_allocation_budget_t for year in (2024, 2025)} == {567_100_000}
    shown = [line for line in describe(rules_in_force(rulebook, 2019), "KRW")]
    reserve = next(rule for name, _, rule in shown if name == "Cap reserve")
    assert reserve.confidence is Confidence.ASSUMPTION


def test_a_reserve_citation_needs_both_source_and_confidence() -> None:
    text = preset_text("kr-kets").replace('reserve_confidence = "assumption"\n', "", 1)
    rulebook, issues = parse_rulebook(text, "mine.toml")
    assert rulebook is None
    assert any("reserve_source and reserve_confidence together" in i.message for i in issues)


def test_kets_rules_change_by_phase() -> None:
    rulebook, _ = load_rulebook("kr-kets")
    shares = {
        year: {rule.share for rule in rules_in_force(rulebook, year).auction_shares}
        for year in (2015, 2018, 2019, 2021)
    }
    assert shares == {
        2015: {Decimal(0)}, 2018: {Decimal(0)}, 2019: {Decimal("0.03")},
        2021: {Decimal("0.10")},
    }  # fmt: skip
    borrowing = {
        year: rules_in_force(rulebook, year).borrowing for year in (2015, 2016, 2017, 2022)
    }
    assert [rule.max_share_of_obligation if rule else None for rule in borrowing.values()] == [
        Decimal("0.10"), Decimal("0.20"), Decimal("0.15"), None,
    ]  # fmt: skip
    penalty = rules_in_force(rulebook, 2016).penalty
    assert isinstance(penalty, PenaltyRule)
    assert (penalty.multiple, penalty.max_per_t) == (3, 100_000)
    auction = rules_in_force(rulebook, 2019).auction
    assert auction is not None and auction.purchase_limit_share == Decimal("0.15")
    assert rules_in_force(rulebook, 2018).auction is None


def test_china_power_plans_change_benchmarks_by_year() -> None:
    rulebook, _ = load_rulebook("cn-national-power")
    coal = {
        year: next(
            bench.value
            for bench in rules_in_force(rulebook, year).benchmarks
            if (bench.code, bench.product) == ("coal_above_300mw", "electricity")
        )
        for year in (2019, 2020, 2021, 2022)
    }
    assert coal == {2019: Decimal("0.877"), 2020: Decimal("0.877"), 2021: Decimal("0.8218"),
                    2022: Decimal("0.8177")}  # fmt: skip
    # The reference's tightening of 6.29% for this class: 0.8218 / 0.877 = 0.93706 → -6.29%.
    assert round((1 - coal[2021] / coal[2019]) * 100, 2) == Decimal("6.29")
    rules = rules_in_force(rulebook, 2019)
    assert rules.cap is None  # an intensity system: no absolute cap
    assert isinstance(rules.allocation, BenchmarkOutputRule)
    assert rules.allocation.preallocation_share == Decimal("0.70")
    assert isinstance(rules.penalty, LumpSumPenaltyRule)
    later = rules_in_force(rulebook, 2023)
    assert isinstance(later.allocation, BenchmarkOutputRule)
    assert later.allocation.output_basis == "gross_generation"
    assert isinstance(later.penalty, PenaltyRule) and later.penalty.multiple_max == 10
    borrowing = rules_in_force(rulebook, 2021).borrowing
    assert borrowing is not None and borrowing.lend_from_year == 2023


def test_china_2023_2024_plan_is_the_annex_2_table_without_cooling_or_heat_factors() -> None:
    """国环规气候〔2024〕1号 Annex 2: 2023 and 2024 benchmarks on gross generation; Annex 3:
    the only correction is 1.015^(16 - 20F) below 65% load for conventional coal."""
    rulebook, _ = load_rulebook("cn-national-power")
    expected = {
        2023: {("coal_above_300mw", "electricity"): "0.7950", ("coal_300mw_or_less",
               "electricity"): "0.8090", ("coal_unconventional", "electricity"): "0.8285",
               ("gas", "electricity"): "0.3305", ("coal", "heat"): "0.1038",
               ("gas", "heat"): "0.0536"},
        2024: {("coal_above_300mw", "electricity"): "0.7910", ("coal_300mw_or_less",
               "electricity"): "0.8049", ("coal_unconventional", "electricity"): "0.8244",
               ("gas", "electricity"): "0.3288", ("coal", "heat"): "0.1033",
               ("gas", "heat"): "0.0533"},
    }  # fmt: skip
    for year, values in expected.items():
        rules = rules_in_force(rulebook, year)
        found = {(b.code, b.product): b.value for b in rules.benchmarks}
        assert found == {key: Decimal(value) for key, value in values.items()}
        rule = rules.allocation
        assert isinstance(rule, BenchmarkOutputRule)
        assert rule.output_basis == "gross_generation"
        assert rule.preallocation_base_year == year - 1
        assert (rule.cooling_factor_air, rule.heat_supply_coefficient_coal) == (1, 0)
        assert rule.heat_supply_coefficient_gas == 0
        assert load_correction(rule.load_bands, Decimal("0.65")) == 1
        assert load_correction(rule.load_bands, Decimal("0.78")) == 1  # 1.0102 before 2023
        assert load_correction(rule.load_bands, Decimal("0.60")) == Decimal("1.061363550625")
        assert rules.compliance.surrender_deadline(year).isoformat() == f"{year + 1}-12-31"


def test_eu_phase_4_caps_fall_by_the_linear_reduction_factor() -> None:
    """2.2% of the 2008-2012 base: 43,003,515 a year; 2024 also loses 90 M (rebasing) and uses
    4.3%: 84,052,325."""
    rulebook, _ = load_rulebook("eu-ets")
    caps = {cap.year: cap for cap in rulebook.cap}
    assert caps[2021].cap_t - caps[2022].cap_t == 43_003_515
    assert caps[2022].cap_t - caps[2023].cap_t == 43_003_515
    assert caps[2023].cap_t - caps[2024].cap_t == 90_000_000 + 84_052_325
    assert caps[2024].cap_t - caps[2025].cap_t == 84_052_325
    for cap in caps.values():
        assert cap.auction_t == cap.cap_t * 57 // 100
    rules = rules_in_force(rulebook, 2022)
    assert isinstance(rules.allocation, EuBenchmarkRule)
    assert isinstance(rules.penalty, FixedPenaltyRule) and rules.penalty.surrender_still_owed
    assert str(rules.compliance.surrender_deadline(2022)) == "2023-04-30"
    # 2023 emissions: 30 September 2024 (Directive 2023/959 applied from the 2024 surrenders)
    assert str(rules_in_force(rulebook, 2023).compliance.surrender_deadline(2023)) == "2024-09-30"
    assert str(rules_in_force(rulebook, 2024).compliance.surrender_deadline(2024)) == "2025-09-30"
    # Auctioning Regulation Art. 6: lots of 500, prices "rounded to two decimal points"
    assert rules.auction is not None
    assert (rules.auction.lot_size_t, rules.auction.price_tick) == (500, Decimal("0.01"))
    assert rules.allocation.rounding == "half_up"  # 2019/331 Art. 16(9): nearest integer


def test_kets_deadlines_and_banking_multiples_follow_the_act_and_the_plans() -> None:
    """Act Art. 27(1): 8 months from 7 Feb 2025 (Act No. 20229), so the 2024 year is due
    31 Aug 2025 and the 2023 year 30 June 2024; banking by net sales 3x (2018), 2x (2019),
    1x (phase 3), 3x from 2023 (docs/research/kr-kets.md)."""
    rulebook, _ = load_rulebook("kr-kets")
    deadline = {year: rules_in_force(rulebook, year).compliance.surrender_deadline(year)
                for year in (2023, 2024, 2025)}  # fmt: skip
    assert [str(deadline[year]) for year in (2023, 2024, 2025)] == [
        "2024-06-30", "2025-08-31", "2026-08-31",
    ]  # fmt: skip
    multiples = {}
    for year in (2018, 2019, 2021, 2023, 2024):
        banking = rules_in_force(rulebook, year).banking
        assert banking is not None
        multiples[year] = banking.net_sales_multiple
    assert multiples == {2018: 3, 2019: 2, 2021: 1, 2023: 3, 2024: 3}


def test_a_year_outside_the_rules_is_refused() -> None:
    rulebook, _ = load_rulebook("kr-kets")
    with pytest.raises(NoRuleInForce):
        rules_in_force(rulebook, 2026)


def test_a_year_without_rules_says_which_years_have_them() -> None:
    rulebook, _ = load_rulebook("demo-province")
    with pytest.raises(NoRuleInForce) as raised:
        rules_in_force(rulebook, 2030)
    assert raised.value.year == 2030 and raised.value.years == years_in_force(rulebook)
    assert year_spans(raised.value.years) == "2016-2020"
    # Outside the rulebook: no kind is named (a surrender or an auction notice is not about
    # allocation); a year with some rules names the kind it lacks.
    assert raised.value.issue.message == "the rulebook has no rules for 2030"
    with pytest.raises(NoRuleInForce) as partly:
        rules_in_force(load_rulebook("eu-ets")[0], 2019)
    assert partly.value.issue.message == "the rulebook has no allocation rule in force in 2019"
    for year in raised.value.years:
        rules_in_force(rulebook, year)  # every year named has its rules
    assert year_spans((2013, 2014, 2015, 2017)) == "2013-2015, 2017"
    assert year_spans(()) == "none"


BROKEN = textwrap.dedent(
    """
    [[auction_share]]
    valid_from = 2020
    valid_to = 2022
    sectors = ["power", "shipping"]
    share = 0.5
    source = "overlaps phase 3 for power; shipping is no sector"
    confidence = "assumption"

    [[banking]]
    valid_from = 2026
    valid_to = 2026
    allowed = true
    limit = "multiple_of_net_sales"
    source = "a limit without its multiple"
    confidence = "assumption"
    """
)


def test_supply_checks_name_every_slip() -> None:
    rulebook, issues = parse_rulebook(preset_text("kr-kets") + BROKEN, "mine.toml")
    assert rulebook is not None
    codes = sorted(issue.code for issue in issues)
    assert codes == ["missing_banking_limit", "rules_overlap", "rules_overlap", "unknown_sector"]
    assert any("auction_share[3].sectors[1]" in issue.where for issue in issues)


def test_load_bands_must_run_down_to_zero() -> None:
    text = preset_text("cn-national-power").replace(
        '{ min_load = 0, kind = "geometric"', '{ min_load = 0.5, kind = "geometric"', 1
    )
    _, issues = parse_rulebook(text, "mine.toml")
    assert [issue.code for issue in issues] == ["load_bands_incomplete"]


def test_china_load_correction_scope_by_plan() -> None:
    """2019-2020: condensing units only (V3); widened to CHP units from 2021 (V3); 2023-2024 every
    conventional coal unit (V, 国环规气候〔2024〕1号 附3)."""
    rulebook, _ = load_rulebook("cn-national-power")
    scope = {}
    for year in range(2019, 2025):
        rule = rules_in_force(rulebook, year).allocation
        assert isinstance(rule, BenchmarkOutputRule)
        scope[year] = rule.load_correction_units
    assert scope == {2019: ("condensing",), 2020: ("condensing",)} | {
        year: ("condensing", "chp") for year in range(2021, 2025)
    }
    lines = {
        year: " ".join(text for _, text, _ in describe(rules_in_force(rulebook, year), "CNY"))
        for year in (2019, 2021)
    }
    assert "4 load bands (condensing units only)" in lines[2019]
    assert "units only" not in lines[2021]


@pytest.mark.parametrize("units", ["[]", '["back_pressure"]', '["condensing", "condensing"]'])
def test_load_correction_units_must_name_known_kinds(units: str) -> None:
    text = preset_text("cn-national-power").replace(
        'load_correction_units = ["condensing"]', f"load_correction_units = {units}", 1
    )
    rulebook, issues = parse_rulebook(text, "mine.toml")
    assert rulebook is None
    assert any("load_correction_units" in issue.where for issue in issues)


def test_penalty_kinds_are_checked_by_kind() -> None:
    text = preset_text("cn-national-power").replace("fine_max = 30000", "fine_max = 3000")
    text = text.replace("multiple_max = 10", "multiple_max = 4")
    _, issues = parse_rulebook(text, "mine.toml")
    assert sorted(issue.where.split()[-1] for issue in issues) == [
        "penalty[0].fine_max", "penalty[1].multiple_max",
    ]  # fmt: skip


def test_the_old_fallback_price_name_still_reads() -> None:
    text = preset_text("demo-province").replace("fallback_price_per_t", "fallback_price_cny_per_t")
    rulebook, issues = parse_rulebook(text)
    assert rulebook is not None and issues == []
    penalty = rulebook.penalty[0]
    assert isinstance(penalty, PenaltyRule)
    assert penalty.fallback_price_cny_per_t == Decimal(30)


def test_inside_cap_reserves_must_match_the_caps() -> None:
    """p1-reserve 88,821,664 = 30,232,699 + 29,607,221 + 28,981,744; one tonne more is caught."""
    text = preset_text("kr-kets").replace("quantity_t = 88821664", "quantity_t = 88821665")
    _, issues = parse_rulebook(text, "mine.toml")
    assert [issue.code for issue in issues] == ["reserve_split_disagrees"]
    assert "off by +1" in issues[0].message


def test_an_unknown_method_or_penalty_kind_is_one_error_each() -> None:
    text = preset_text("demo-province").replace(
        'method = "grandfathering"', 'method = "grandfather"'
    )
    text = text.replace('kind = "multiple_of_average_price"', 'kind = "multiple"')
    rulebook, issues = parse_rulebook(text, "mine.toml")
    assert rulebook is None
    assert [(issue.code, issue.where.split()[-1]) for issue in issues] == [
        ("rulebook_union_tag_invalid", "allocation[0]"),
        ("rulebook_union_tag_invalid", "penalty[0]"),
    ]
    assert "'grandfathering', 'benchmark_output', 'eu_benchmark'" in issues[0].message
