"""Allocation rules: the free-allocation methods, benchmarks and auction shares by sector.

A rulebook's ``[[allocation]]`` entries are a union keyed by ``method``; ``[[benchmark]]``
entries give the benchmark values those methods multiply, each valid for its own years so
that a plan's year-by-year changes are data; ``[[auction_share]]`` says which part of a
sector's allocation is sold instead of given.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from tanshi.rulebook.records import Code, Record, Ruled, Share, Year

Rounding = Literal["down", "half_up"]
# A generating unit's kind for the load correction's scope: condensing (纯凝) or heat-supplying
# (CHP, 供热); benchmark_output.unit_kind says how a unit's output record decides it.
GeneratingUnitKind = Literal["condensing", "chp"]


def _each_once(kinds: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(kinds)) != len(kinds):
        raise ValueError("name each unit kind once")
    return kinds


def _sectors_once(codes: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(codes)) != len(codes):
        raise ValueError("name each sector once")
    return codes


class GrandfatheringRule(Ruled):
    """Free allocation on the average verified emissions of base years."""

    method: Literal["grandfathering"]
    base_years: Annotated[tuple[Year, ...], Field(min_length=1)]
    reduction_factor: Share
    rounding: Rounding = "down"


class LoadBand(Record):
    """One band of a load-factor correction: applies when load ≥ ``min_load``.

    factor = ``base`` × (1 + ``slope`` × (``pivot`` − load%))        (``kind = "linear"``)
    factor = ``base`` × ``ratio`` ^ ((``pivot`` − load%) / ``step``)  (``kind = "geometric"``)
    with load% the load factor in percent (0.78 → 78).
    """

    min_load: Share
    kind: Literal["linear", "geometric"] = "linear"
    base: Annotated[Decimal, Field(gt=0)] = Decimal(1)
    slope: Decimal = Decimal(0)
    pivot: Decimal = Decimal(0)
    ratio: Annotated[Decimal, Field(gt=0)] = Decimal(1)
    step: Annotated[Decimal, Field(gt=0)] = Decimal(1)


class BenchmarkOutputRule(Ruled):
    """China's power sector: benchmark × output × corrections, pre-allocated then trued up.

    Electricity: output × benchmark(class) × cooling × heat-supply × load corrections;
    heat: heat supplied × heat benchmark(fuel). ``preallocation_share`` of the allocation on
    ``preallocation_base_year`` output is given first; the true-up on verified output of the
    year gives (or takes back) the rest. The load bands apply to units of a class with
    ``load_correction`` whose kind is in ``load_correction_units`` (China 2019-2020:
    condensing units only); other units take 1. Companies of ``verified_emissions_sectors``
    are allocated their verified emissions of the year instead (等量分配: China's steel,
    cement and aluminium in 2024), nothing pre-allocated, all of it at the true-up.
    """

    method: Literal["benchmark_output"]
    output_basis: Literal["net_supply", "gross_generation"]  # 供电量 or 发电量
    preallocation_share: Share
    preallocation_base_year: Year
    cooling_factor_air: Annotated[Decimal, Field(gt=0)] = Decimal(1)
    heat_supply_coefficient_coal: Share = Decimal(0)
    heat_supply_coefficient_gas: Share = Decimal(0)
    load_bands: tuple[LoadBand, ...] = ()
    load_correction_units: Annotated[
        tuple[GeneratingUnitKind, ...], Field(min_length=1), AfterValidator(_each_once)
    ] = ("condensing", "chp")
    rounding: Rounding = "half_up"
    verified_emissions_sectors: Annotated[tuple[Code, ...], AfterValidator(_sectors_once)] = ()


class EuBenchmarkRule(Ruled):
    """EU style: product benchmark × historical activity × leakage factor × CSCF."""

    method: Literal["eu_benchmark"]
    historical_activity_years: Annotated[tuple[Year, ...], Field(min_length=1)]
    cross_sectoral_correction: Annotated[Decimal, Field(gt=0, le=1)]
    leakage_factor_exposed: Share = Decimal(1)
    leakage_factor_not_exposed: Share
    cbam_reduction: Share = Decimal(0)  # share of free allocation phased out for CBAM goods
    rounding: Rounding = "down"


AllocationRule = Annotated[
    GrandfatheringRule | BenchmarkOutputRule | EuBenchmarkRule, Field(discriminator="method")
]

# Methods whose total is bounded by an absolute cap; benchmark_output builds its total
# bottom-up from output (an intensity system) and needs no [[cap]].
CAPPED_METHODS = frozenset({"grandfathering", "eu_benchmark"})


class BenchmarkRule(Ruled):
    """One benchmark value, e.g. coal units > 300 MW: 0.877 tCO2/MWh in 2019-2020."""

    code: Code
    product: Literal["electricity", "heat", "product"]
    value: Annotated[Decimal, Field(ge=0)]
    unit: Literal["tCO2/MWh", "tCO2/GJ", "tCO2/t", "tCO2/TJ"]
    fuel: Literal["coal", "gas", "any"] = "any"
    load_correction: bool = False


class AuctionShareRule(Ruled):
    """The share of the listed sectors' allocation that is auctioned instead of given."""

    sectors: Annotated[tuple[Code, ...], Field(min_length=1)]
    share: Share
    at_least: bool = False  # the source gives a minimum ("at least 10%"); the data is the minimum
