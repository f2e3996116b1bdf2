"""Allocation under the real presets: K-ETS grandfathering and auction shares, EU benchmarks,
and the invariant that free allocation never exceeds the cap plus released reserves."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tanshi.allocation import Installation, allocate_installations, grandfather
from tanshi.resources import load_rulebook
from tanshi.rulebook import rules_in_force
from tanshi.rulebook.model import (
    AuctionShareRule,
    CapRule,
    Confidence,
    EuBenchmarkRule,
    GrandfatheringRule,
)

KETS = load_rulebook("kr-kets")[0]
EU = load_rulebook("eu-ets")[0]
SECTORS = {"POWER1": "power", "STEEL1": "steel"}


def test_kets_phase_1_grandfathers_the_2011_2013_average() -> None:
    """POWER1: (900,000 + 1,000,000 + 1,100,000) / 3 = 1,000,000 × 1 = 1,000,000 t, all free
    (phase 1 auction share 0%); the 2015 cap leaves 543,227,433 t, far above the total."""
    rules = rules_in_force(KETS, 2015)
    assert isinstance(rules.allocation, GrandfatheringRule)
    history = {
        "POWER1": {2011: Decimal(900_000), 2012: Decimal(1_000_000), 2013: Decimal(1_100_000)},
        "STEEL1": {2011: Decimal(500_000), 2012: Decimal(500_000), 2013: Decimal(500_001)},
    }
    table = grandfather(
        2015, rules.allocation, rules.capped(), history,
        sectors=SECTORS, auction_shares=rules.auction_shares,
    )  # fmt: skip
    lines = {line.company: line for line in table.lines}
    assert (lines["POWER1"].allocated_t, lines["POWER1"].auctioned_t) == (1_000_000, 0)
    # STEEL1: 1,500,001 / 3 = 500,000.333… rounded down = 500,000.
    assert lines["STEEL1"].allocated_t == 500_000
    assert table.available_t == 543_227_433


def test_kets_phase_2_auctions_3_percent_of_non_trade_exposed_sectors() -> None:
    """2019: POWER1 entitled 1,000,000 t; free = floor(1,000,000 × 0.97) = 970,000, auctioned
    30,000. STEEL1 (trade exposed) keeps 100%: 500,000 free, 0 auctioned."""
    rules = rules_in_force(KETS, 2019)
    assert isinstance(rules.allocation, GrandfatheringRule)
    history = {
        "POWER1": {2014: Decimal(1_000_000), 2015: Decimal(1_000_000), 2016: Decimal(1_000_000)},
        "STEEL1": {2014: Decimal(500_000), 2015: Decimal(500_000), 2016: Decimal(500_000)},
    }
    table = grandfather(
        2019, rules.allocation, rules.capped(), history,
        sectors=SECTORS, auction_shares=rules.auction_shares,
    )  # fmt: skip
    lines = {line.company: (line.allocated_t, line.auctioned_t) for line in table.lines}
    assert lines == {"POWER1": (970_000, 30_000), "STEEL1": (500_000, 0)}
    # Phase 3 (2021): at least 10%: 900,000 free, 100,000 auctioned.
    rules = rules_in_force(KETS, 2021)
    assert isinstance(rules.allocation, GrandfatheringRule)
    later = {"POWER1": {2017: Decimal(1_000_000), 2018: Decimal(1_000_000)}}
    table = grandfather(
        2021, rules.allocation, rules.capped(), later,
        sectors=SECTORS, auction_shares=rules.auction_shares,
    )  # fmt: skip
    assert (table.lines[0].allocated_t, table.lines[0].auctioned_t) == (900_000, 100_000)


def _eu_rule() -> EuBenchmarkRule:
    rules = rules_in_force(EU, 2022)
    assert isinstance(rules.allocation, EuBenchmarkRule)
    return rules.allocation


INSTALLATIONS = [
    Installation(
        "CEM", "kiln-1", "grey_clinker",
        {2014: Decimal(1_000_000), 2015: Decimal(1_000_000), 2016: Decimal(1_000_000),
         2017: Decimal(1_000_000), 2018: Decimal(1_000_000)},
    ),
    Installation(
        "DH", "boiler-1", "heat",
        {2014: Decimal(9_000), 2015: Decimal(11_000)}, leakage_exposed=False,
    ),
]  # fmt: skip


def test_eu_benchmark_times_activity_times_leakage_factor_times_cscf() -> None:
    """kiln: 0.693 tCO2/t × HAL 1,000,000 t × CLEF 1 × CSCF 1 = 693,000 t.
    boiler: 47.3 tCO2/TJ × HAL (9,000 + 11,000) / 2 = 10,000 TJ × CLEF 0.3 = 141,900 t
    (and a warning: only 2014-2015 reported)."""
    rules = rules_in_force(EU, 2022)
    lines, issues = allocate_installations(
        2022, _eu_rule(), rules.benchmarks, rules.capped(), INSTALLATIONS
    )
    assert {line.installation: line.allocated_t for line in lines} == {
        "kiln-1": 693_000, "boiler-1": 141_900,
    }  # fmt: skip
    assert [issue.code for issue in issues] == ["missing_activity_year"]


def test_eu_correction_when_the_budget_binds_and_released_reserve_widens_it() -> None:
    """Cap 1,000,000, auctioned 570,000: budget 430,000 < 834,900 preliminary. Factor
    430,000 / 834,900 = 0.51503…: kiln 693,000 × f = 356,916.996 → 356,917 (nearest integer,
    Regulation 2019/331 Art. 16(9)); boiler 141,900 × f = 73,083.004 → 73,083; total 430,000
    ≤ 430,000. Releasing 404,900 reserve units lifts the budget to 834,900 and the correction
    to 1."""
    small = CapRule(
        year=2022, cap_t=1_000_000, auction_t=570_000, source="t", confidence=Confidence.ASSUMPTION
    )
    benchmarks = rules_in_force(EU, 2022).benchmarks
    lines, issues = allocate_installations(2022, _eu_rule(), benchmarks, small, INSTALLATIONS)
    assert [line.allocated_t for line in lines] == [356_917, 73_083]
    assert "correction_applied" in {issue.code for issue in issues}
    lines, _ = allocate_installations(
        2022, _eu_rule(), benchmarks, small, INSTALLATIONS, released_t=404_900
    )
    assert [line.allocated_t for line in lines] == [693_000, 141_900]


histories = st.dictionaries(
    st.sampled_from(["A", "B", "C", "D", "E"]),
    st.dictionaries(
        st.sampled_from([2013, 2014, 2015]),
        st.decimals(min_value=0, max_value=10**7, places=3, allow_nan=False, allow_infinity=False),
        min_size=1,
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    history=histories,
    cap_t=st.integers(0, 3 * 10**7),
    reserve=st.integers(0, 10**6),
    auctioned=st.integers(0, 10**6),
    released=st.integers(0, 10**6),
    factor=st.decimals(min_value=0, max_value=1, places=4),
    rounding=st.sampled_from(["down", "half_up"]),
    share=st.decimals(min_value=0, max_value=1, places=3),
)
def test_grandfathering_never_exceeds_the_cap_plus_released_reserves(
    history: dict[str, dict[int, Decimal]], cap_t: int, reserve: int, auctioned: int,
    released: int, factor: Decimal, rounding: str, share: Decimal,
) -> None:  # fmt: skip
    reserve, auctioned = min(reserve, cap_t), min(auctioned, cap_t - min(reserve, cap_t))
    cap = CapRule(
        year=2016, cap_t=cap_t, reserve_t=reserve, auction_t=auctioned, source="t",
        confidence=Confidence.ASSUMPTION,
    )  # fmt: skip
    rule = GrandfatheringRule(
        valid_from=2016, valid_to=2016, method="grandfathering", base_years=(2013, 2014, 2015),
        reduction_factor=factor, rounding=rounding, source="t", confidence=Confidence.ASSUMPTION,
    )  # fmt: skip
    shares = [
        AuctionShareRule(
            valid_from=2016, valid_to=2016, sectors=("power",), share=share, source="t",
            confidence=Confidence.ASSUMPTION,
        )
    ]  # fmt: skip
    sectors = {company: "power" for company in ("A", "C", "E")}
    table = grandfather(
        2016, rule, cap, history, released_t=released, sectors=sectors, auction_shares=shares
    )
    budget = cap_t - reserve - auctioned + released
    assert table.total_t + table.auctioned_t <= budget
    assert all(line.allocated_t >= 0 and line.auctioned_t >= 0 for line in table.lines)


@settings(max_examples=100, deadline=None)
@given(
    activities=st.lists(
        st.decimals(min_value=0, max_value=10**7, places=2), min_size=1, max_size=6
    ),
    cap_t=st.integers(0, 10**7),
    released=st.integers(0, 10**6),
)
def test_eu_allocation_never_exceeds_the_cap_plus_released_reserves(
    activities: list[Decimal], cap_t: int, released: int
) -> None:
    cap = CapRule(
        year=2022, cap_t=cap_t, auction_t=cap_t * 57 // 100, source="t",
        confidence=Confidence.ASSUMPTION,
    )  # fmt: skip
    installations = [
        Installation("X", f"i{index}", "hot_metal", {2016: value}, leakage_exposed=index % 2 == 0)
        for index, value in enumerate(activities)
    ]
    benchmarks = rules_in_force(EU, 2022).benchmarks
    lines, _ = allocate_installations(
        2022, _eu_rule(), benchmarks, cap, installations, released_t=released
    )
    assert sum(line.allocated_t for line in lines) <= cap.free_allocation_budget_t + released
