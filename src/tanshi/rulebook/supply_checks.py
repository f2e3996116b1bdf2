"""Checks of the supply and flexibility rules: benchmarks, auction shares, reserves, limits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tanshi.core.issues import Issue
from tanshi.rulebook.model import Rulebook
from tanshi.rulebook.records import Ruled


def check_supply(rulebook: Rulebook) -> Iterator[Issue]:
    """Problems of the benchmark, auction-share, reserve, banking and borrowing tables."""
    for name in ("reserve", "benchmark", "auction_share"):
        yield from check_reversed(name, getattr(rulebook, name))
    benchmarks = {(bench.code, bench.product) for bench in rulebook.benchmark}
    for code, product in sorted(benchmarks):
        group = [
            (index, bench)
            for index, bench in enumerate(rulebook.benchmark)
            if (bench.code, bench.product) == (code, product)
        ]
        yield from check_overlaps("benchmark", group, f"the {product} benchmarks {code}")
    sectors = {sector.code for sector in rulebook.sectors}
    for index, share in enumerate(rulebook.auction_share):
        for position, sector in enumerate(share.sectors):
            if sector not in sectors:
                yield Issue(
                    "unknown_sector",
                    f"sector {sector} is not declared in [[sectors]]",
                    f"auction_share[{index}].sectors[{position}]",
                )
    for sector in sorted(sectors):
        shares = [
            (index, share)
            for index, share in enumerate(rulebook.auction_share)
            if sector in share.sectors
        ]
        yield from check_overlaps("auction_share", shares, f"the auction shares of {sector}")
    for index, auction in enumerate(rulebook.auction):
        for position, sector in enumerate(auction.eligible_sectors):
            if sector not in sectors:
                yield Issue(
                    "unknown_sector",
                    f"sector {sector} is not declared in [[sectors]]",
                    f"auction[{index}].eligible_sectors[{position}]",
                )
    seen: set[str] = set()
    for index, reserve in enumerate(rulebook.reserve):
        if reserve.code in seen:
            yield Issue(
                "duplicate_reserve", f"reserve {reserve.code} is declared twice",
                f"reserve[{index}].code",
            )  # fmt: skip
        seen.add(reserve.code)
    yield from _check_reserve_split(rulebook)
    for index, rule in enumerate(rulebook.banking):
        needed = {
            "share_of_average_allocation": rule.share_of_average_allocation,
            "multiple_of_net_sales": rule.net_sales_multiple,
        }.get(rule.limit, 0)
        if needed is None:
            field = (
                "share_of_average_allocation"
                if rule.limit == "share_of_average_allocation"
                else "net_sales_multiple"
            )
            yield Issue(
                "missing_banking_limit",
                f'limit = "{rule.limit}" needs {field}',
                f"banking[{index}].{field}",
            )
    for index, borrowing in enumerate(rulebook.borrowing):
        if borrowing.min_gap_share_of_allocation is not None and borrowing.max_share_of_gap is None:
            yield Issue(
                "missing_borrowing_limit",
                "min_gap_share_of_allocation needs max_share_of_gap (how much of the gap "
                "may be borrowed)",
                f"borrowing[{index}].max_share_of_gap",
            )


def _check_reserve_split(rulebook: Rulebook) -> Iterator[Issue]:
    """Inside-cap reserves of a span of years must equal the caps' reserve_t over that span."""
    caps = {cap.year: cap.reserve_t for cap in rulebook.cap}
    spans: dict[tuple[int, int], list[int]] = {}
    for index, reserve in enumerate(rulebook.reserve):
        if reserve.inside_cap:
            spans.setdefault((reserve.valid_from, reserve.valid_to), []).append(index)
    for (first, last), indexes in sorted(spans.items()):
        declared = sum(rulebook.reserve[index].quantity_t for index in indexes)
        held = sum(caps.get(year, 0) for year in range(first, last + 1))
        if declared != held:
            yield Issue(
                "reserve_split_disagrees",
                f"inside-cap reserves of {first}-{last} total {declared:,} t but the caps of "
                f"those years hold back {held:,} t in reserve_t (off by {declared - held:+,})",
                f"reserve[{indexes[0]}].quantity_t",
            )


def check_reversed(name: str, rules: Sequence[Ruled]) -> Iterator[Issue]:
    """A rule whose ``valid_from`` is after its ``valid_to``."""
    for index, rule in enumerate(rules):
        if rule.valid_from > rule.valid_to:
            yield Issue(
                "validity_reversed",
                f"valid_from {rule.valid_from} is after valid_to {rule.valid_to}; swap them",
                f"{name}[{index}].valid_from",
            )


def check_overlaps(
    name: str, group: Sequence[tuple[int, Ruled]], what: str = ""
) -> Iterator[Issue]:
    """Two rules of ``group`` (index, rule) in force in the same year: one of ``what`` applies."""
    what = what or f"the [[{name}]] rules"
    for first in range(len(group)):
        for second in range(first + 1, len(group)):
            (i, a), (j, b) = group[first], group[second]
            if a.valid_from <= b.valid_to and b.valid_from <= a.valid_to:
                yield Issue(
                    "rules_overlap",
                    f"{name}[{i}] ({a.valid_from}-{a.valid_to}) and {name}[{j}] "
                    f"({b.valid_from}-{b.valid_to}) are both in force in "
                    f"{max(a.valid_from, b.valid_from)}; exactly one of {what} may apply per "
                    "year, so end one before the other starts",
                    f"{name}[{j}].valid_from",
                )
