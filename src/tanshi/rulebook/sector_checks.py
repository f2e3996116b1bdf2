"""Checks of the sectors: declared once, years in order, and in force wherever a rule names them."""

from __future__ import annotations

from collections.abc import Iterator

from tanshi.core.issues import Issue
from tanshi.rulebook.model import BenchmarkOutputRule, Rulebook, Sector
from tanshi.rulebook.records import Ruled


def check_sectors(rulebook: Rulebook) -> Iterator[Issue]:
    """Duplicate sectors, reversed years, rules naming a sector unknown or outside its
    years, and allocation years that cover no sector at all."""
    seen: set[str] = set()
    for index, sector in enumerate(rulebook.sectors):
        if sector.code in seen:
            yield Issue(
                "duplicate_sector",
                f"sector {sector.code} is declared twice; give one [[sectors]] entry its "
                "valid_from and valid_to instead",
                f"sectors[{index}].code",
            )
        seen.add(sector.code)
        if (
            sector.valid_from is not None
            and sector.valid_to is not None
            and sector.valid_from > sector.valid_to
        ):
            yield Issue(
                "validity_reversed",
                f"valid_from {sector.valid_from} is after valid_to {sector.valid_to}; swap them",
                f"sectors[{index}].valid_from",
            )
    declared = {sector.code: sector for sector in rulebook.sectors}
    for index, share in enumerate(rulebook.auction_share):
        for position, code in enumerate(share.sectors):
            yield from _named(
                declared.get(code), share, f"auction_share[{index}].sectors[{position}]"
            )
    for index, auction in enumerate(rulebook.auction):
        for position, code in enumerate(auction.eligible_sectors):
            where = f"auction[{index}].eligible_sectors[{position}]"
            yield from _named(declared.get(code), auction, where)
    for index, rule in enumerate(rulebook.allocation):
        if isinstance(rule, BenchmarkOutputRule):
            for position, code in enumerate(rule.verified_emissions_sectors):
                where = f"allocation[{index}].verified_emissions_sectors[{position}]"
                if code not in declared:
                    yield Issue(
                        "unknown_sector", f"sector {code} is not declared in [[sectors]]", where
                    )
                yield from _named(declared.get(code), rule, where)
        for year in range(rule.valid_from, rule.valid_to + 1):
            if not any(sector.in_force(year) for sector in rulebook.sectors):
                yield Issue(
                    "no_sector_in_force",
                    f"allocation is in force in {year} but no [[sectors]] entry covers {year}",
                    f"allocation[{index}].valid_from",
                )


def _named(sector: Sector | None, rule: Ruled, where: str) -> Iterator[Issue]:
    """A rule in force in a year its sector is not covered (unknown codes are reported by
    supply_checks)."""
    if sector is None:
        return
    outside = [
        year for year in range(rule.valid_from, rule.valid_to + 1) if not sector.in_force(year)
    ]
    if outside:
        yield Issue(
            "sector_not_in_force",
            f"the rule is in force {rule.valid_from}-{rule.valid_to} but sector {sector.code} "
            f"is covered {sector.years()}, not in {_span(outside)}; end the rule when the "
            "sector stops being covered, or start it when the sector joins",
            where,
        )


def _span(years: list[int]) -> str:
    """``[2013, 2014, 2017]`` as ``2013-2014, 2017``."""
    runs: list[list[int]] = []
    for year in years:
        if runs and runs[-1][-1] == year - 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)
