"""A seeded synthetic population of covered companies and their activity data.

Nothing here is real: names, sizes and fuel use are drawn from ranges chosen so that the
sectors' emissions have realistic orders of magnitude (a coal plant emits millions of
tonnes, an airline hundreds of thousands). Same seed, same population.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from tanshi.mrv.activity import ActivityRecord, SourceKind

PLACES = (
    "Qingshan", "Baihe", "Longtan", "Yunxi", "Jinsha", "Songlin", "Hongyan", "Lanjiang",
    "Shiqiao", "Fenghuang", "Taoyuan", "Huaxi", "Meiling", "Zhuhai Bay", "Xinglong", "Anping",
)  # fmt: skip

# sector → (share of companies, name noun, fuels with a (low, high) yearly amount,
#           purchased electricity (low, high) MWh)
SECTORS: dict[str, tuple[Decimal, str, tuple[tuple[str, str, int, int], ...], tuple[int, int]]] = {
    "power": (
        Decimal("0.30"), "Power",
        (("other_bituminous_coal", "t", 400_000, 2_200_000), ("natural_gas", "10^4Nm3", 0, 8_000)),
        (5_000, 40_000),
    ),
    "cement": (
        Decimal("0.20"), "Cement",
        (("other_bituminous_coal", "t", 80_000, 400_000),),
        (40_000, 200_000),
    ),
    "steel": (
        Decimal("0.20"), "Iron & Steel",
        (("coking_coal", "t", 300_000, 1_400_000), ("natural_gas", "10^4Nm3", 500, 6_000)),
        (150_000, 800_000),
    ),
    "petrochemicals": (
        Decimal("0.15"), "Petrochemical",
        (("natural_gas", "10^4Nm3", 5_000, 40_000), ("residual_fuel_oil", "t", 20_000, 120_000)),
        (60_000, 400_000),
    ),
    "aviation": (
        Decimal("0.15"), "Airlines",
        (("jet_kerosene", "t", 50_000, 320_000),),
        (500, 5_000),
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SyntheticCompany:
    """A made-up covered company with its yearly activity trend."""

    code: str
    name: str
    sector: str
    growth: Decimal  # yearly change of activity, e.g. 0.03 for +3%


def sector_sequence(count: int) -> list[str]:
    """Sectors for ``count`` companies, in the SECTORS shares, largest remainders first."""
    shares = {sector: spec[0] * count for sector, spec in SECTORS.items()}
    counts = {sector: int(share) for sector, share in shares.items()}
    by_remainder = sorted(shares, key=lambda sector: shares[sector] - counts[sector], reverse=True)
    for sector in by_remainder[: count - sum(counts.values())]:
        counts[sector] += 1
    return [sector for sector in SECTORS for _ in range(counts[sector])]


def make_companies(rng: random.Random, count: int) -> list[SyntheticCompany]:
    """``count`` companies spread over the sectors, with seeded names and growth."""
    result = []
    for index, sector in enumerate(sector_sequence(count), start=1):
        noun = SECTORS[sector][1]
        place = PLACES[rng.randrange(len(PLACES))]
        growth = Decimal(rng.randrange(-70, 40)) / 1000
        result.append(
            SyntheticCompany(f"C{index:03d}", f"{place} {noun} Co. {index:02d}", sector, growth)
        )
    return result


def make_activity(
    rng: random.Random, company: SyntheticCompany, years: list[int]
) -> list[ActivityRecord]:
    """Activity data for each year: a seeded base level moved by the company's growth."""
    fuels, electricity = SECTORS[company.sector][2], SECTORS[company.sector][3]
    levels = [(fuel, unit, Decimal(rng.randint(low, high))) for fuel, unit, low, high in fuels]
    power = Decimal(rng.randint(*electricity))
    records = []
    for step, year in enumerate(years):
        factor = (1 + company.growth) ** step * (1 + Decimal(rng.randrange(-30, 31)) / 1000)
        for fuel, unit, level in levels:
            amount = (level * factor).quantize(Decimal("0.001"))
            if amount > 0:
                records.append(
                    ActivityRecord(company.code, year, SourceKind.FUEL, fuel, amount, unit)
                )
        records.append(
            ActivityRecord(
                company.code,
                year,
                SourceKind.ELECTRICITY,
                "grid",
                (power * factor).quantize(Decimal("0.001")),
                "MWh",
            )
        )
    return records
