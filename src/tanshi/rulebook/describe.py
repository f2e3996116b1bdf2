"""The rules in force in a year as readable lines: (rule, what it says, the rule record)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from tanshi.rulebook.in_force import RulesInForce
from tanshi.rulebook.model import (
    AllocationRule,
    AnyPenaltyRule,
    BenchmarkOutputRule,
    EuBenchmarkRule,
    FixedPenaltyRule,
    LumpSumPenaltyRule,
)
from tanshi.rulebook.records import Sourced


def _share(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def describe(rules: RulesInForce, currency: str) -> list[tuple[str, str, Sourced]]:
    """One line per rule in force in ``rules.year``, in the order a year runs."""
    return list(_lines(rules, currency))


def _lines(rules: RulesInForce, currency: str) -> Iterator[tuple[str, str, Sourced]]:
    year = rules.year
    if rules.phase is not None:
        yield (
            "Phase",
            f"{rules.phase.name} ({rules.phase.valid_from}-{rules.phase.valid_to})",
            (rules.phase),
        )
    yield from _sectors(rules)
    compliance = rules.compliance
    yield (
        "Compliance",
        (f"surrender {compliance.allowance_unit_type} by {compliance.surrender_deadline(year)}"),
        compliance,
    )
    if rules.cap is not None:
        cap = rules.cap
        parts = [f"{cap.cap_t:,} t"]
        if cap.pre_allocated_t is not None:
            parts.append(f"pre-allocated {cap.pre_allocated_t:,} t")
        citation = cap.reserve_citation
        if citation is None:
            parts.append(f"reserve {cap.reserve_t:,} t")
        if cap.auction_t:
            parts.append(f"auctioned {cap.auction_t:,} t")
        parts.append(f"free allocation budget {cap.free_allocation_budget_t:,} t")
        yield "Cap", ", ".join(parts), cap
        if citation is not None:
            yield "Cap reserve", f"{cap.reserve_t:,} t of the cap held back", citation
    for reserve in rules.reserves:
        where = "inside the cap" if reserve.inside_cap else "on top of the cap"
        yield (
            f"Reserve {reserve.code}",
            (
                f"{reserve.quantity_t:,} t for {reserve.valid_from}-{reserve.valid_to}, "
                f"{where}: {', '.join(reserve.purposes)}"
            ),
            reserve,
        )
    yield "Allocation", _allocation(rules.allocation), rules.allocation
    for bench in rules.benchmarks:
        yield f"Benchmark {bench.product} {bench.code}", f"{bench.value} {bench.unit}", bench
    for share in rules.auction_shares:
        least = "at least " if share.at_least else ""
        yield (
            "Auction share",
            (f"{least}{_share(share.share)} of {', '.join(share.sectors)} auctioned"),
            share,
        )
    if rules.auction is not None:
        auction = rules.auction
        reserve_price = (
            f"{auction.reserve_price_per_t} {currency}/t"
            if auction.reserve_price_per_t is not None
            else "set for each auction"
        )
        yield (
            "Auction",
            (
                f"uniform-price sealed bid; reserve price {reserve_price}; per-bidder limit "
                f"{_share(auction.purchase_limit_share)}; lots of {auction.lot_size_t} t; "
                f"unsold: {auction.unsold.replace('_', ' ')}"
            ),
            auction,
        )
    if rules.offsets is not None:
        offsets = rules.offsets
        text = (
            f"{list(offsets.eligible_unit_types)} up to "
            f"{_share(offsets.cap_share_of_obligation)} of the obligation"
        )
        if offsets.international_max_share_of_obligation is not None:
            text += (
                f" (international at most {_share(offsets.international_max_share_of_obligation)})"
            )
        yield "Offsets", text, offsets
    if rules.banking is not None:
        yield "Banking", _banking(rules), rules.banking
    if rules.borrowing is not None:
        yield "Borrowing", _borrowing(rules), rules.borrowing
    if rules.obligation_limits is not None:
        limits = rules.obligation_limits
        parts = []
        if limits.gas_units_capped_at_allocation:
            parts.append("gas units surrender at most their allocation")
        if limits.max_gap_share_of_verified is not None:
            parts.append(f"gap capped at {_share(limits.max_gap_share_of_verified)} of verified")
        yield "Obligation limits", "; ".join(parts) or "none", limits
    yield "Penalty", _penalty(rules.penalty, currency), rules.penalty
    yield (
        "MRV",
        f"{rules.mrv.methodology}, parameters {list(rules.mrv.parameter_regimes)}, "
        + _VERIFICATION[rules.mrv.verification],
        (rules.mrv),
    )


_VERIFICATION = {
    "accept_reported": "accepted as reported",
    "verification_body": "verified by a verification body",
}


def _sectors(rules: RulesInForce) -> Iterator[tuple[str, str, Sourced]]:
    for sector in rules.sectors:
        covered = "" if sector.every_year else f" (covered {sector.years()})"
        yield f"Sector {sector.code}", f"{sector.name}{covered}", sector


def _allocation(rule: AllocationRule) -> str:
    if isinstance(rule, BenchmarkOutputRule):
        scope = ""
        if set(rule.load_correction_units) != {"condensing", "chp"}:
            scope = f" ({', '.join(rule.load_correction_units)} units only)"
        corrections = [f"{len(rule.load_bands)} load bands{scope}"]
        if rule.cooling_factor_air != 1:
            corrections.insert(0, f"air cooling x{rule.cooling_factor_air}")
        if rule.heat_supply_coefficient_coal or rule.heat_supply_coefficient_gas:
            corrections.insert(
                -1, f"heat supply 1 - {rule.heat_supply_coefficient_coal} x heat ratio (coal)"
            )
        equal = ""
        if rule.verified_emissions_sectors:
            equal = f"; {', '.join(rule.verified_emissions_sectors)}: verified emissions"
        return (
            f"benchmark x {rule.output_basis.replace('_', ' ')} x corrections; "
            f"{_share(rule.preallocation_share)} pre-allocated on {rule.preallocation_base_year} "
            f"output, then trued up; {', '.join(corrections)}{equal}"
        )
    if isinstance(rule, EuBenchmarkRule):
        years = rule.historical_activity_years
        return (
            f"benchmark x activity ({years[0]}-{years[-1]} mean) x leakage factor "
            f"({rule.leakage_factor_exposed} exposed, {rule.leakage_factor_not_exposed} not) "
            f"x CSCF {rule.cross_sectoral_correction}"
        )
    return f"grandfathering on {list(rule.base_years)} x {rule.reduction_factor}"


def _banking(rules: RulesInForce) -> str:
    rule = rules.banking
    assert rule is not None
    if not rule.allowed:
        return "not allowed"
    if rule.limit == "share_of_average_allocation":
        assert rule.share_of_average_allocation is not None
        return (
            f"up to {_share(rule.share_of_average_allocation)} of the average annual "
            f"allocation + {rule.plus_t:,} t"
        )
    if rule.limit == "multiple_of_net_sales":
        plus = f" + {rule.plus_t:,} t" if rule.plus_t else ""
        return f"up to {rule.net_sales_multiple} x net sales{plus}"
    return "unlimited"


def _borrowing(rules: RulesInForce) -> str:
    rule = rules.borrowing
    assert rule is not None
    if not rule.allowed:
        return "not allowed"
    if rule.min_gap_share_of_allocation is not None and rule.max_share_of_gap is not None:
        return (
            f"if the gap exceeds {_share(rule.min_gap_share_of_allocation)} of the allocation, "
            f"up to {_share(rule.max_share_of_gap)} of the gap from {rule.lend_from_year}"
        )
    if rule.max_share_of_obligation is not None:
        return f"up to {_share(rule.max_share_of_obligation)} of the obligation"
    return "allowed"


def penalty_text(rule: AnyPenaltyRule, currency: str) -> str:
    """One line saying what a missing tonne costs under ``rule``."""
    return _penalty(rule, currency)


def _penalty(rule: AnyPenaltyRule, currency: str) -> str:
    if isinstance(rule, FixedPenaltyRule):
        owed = "; allowances still owed" if rule.surrender_still_owed else ""
        return f"{rule.amount_per_t} {currency} per missing tonne{owed}"
    if isinstance(rule, LumpSumPenaltyRule):
        amount = (
            f"{rule.fine_min}"
            if rule.fine_min == rule.fine_max
            else f"{rule.fine_min}-{rule.fine_max}"
        )
        return (
            f"fine of {amount} {currency}; deduct shortfall: "
            f"{rule.deduct_shortfall_from_next_allocation}"
        )
    multiple = (
        f"{rule.multiple}"
        if rule.multiple_max is None
        else (f"{rule.multiple}-{rule.multiple_max}")
    )
    window = rule.price_window.value.replace("_", " ")
    if rule.window_months is not None:
        window = f"{rule.window_months} {window}"
    cap = f", at most {rule.max_per_t} {currency}/t" if rule.max_per_t is not None else ""
    return (
        f"{multiple} x average price ({window}){cap}; deduct shortfall: "
        f"{rule.deduct_shortfall_from_next_allocation}"
    )
