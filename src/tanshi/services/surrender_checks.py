"""The checks of a surrender: deadline, unit type, vintage, banking, offsets and their caps.

``eligibility`` needs only the rules and the unit class; ``room`` reads what was already
surrendered and borrowed for the year on the caller's connection (after the journal-head
lock, so two surrenders cannot both pass a cap).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from tanshi.compliance import freely_banked, international_cap_t, offsets_cap_t, still_owed
from tanshi.core.issues import Issue
from tanshi.registry import UnitClass
from tanshi.rulebook import RulesInForce, UnitKind
from tanshi.rulebook.in_force import optional_rule
from tanshi.services import compliance_reads as reads
from tanshi.services.jurisdiction import Jurisdiction


def eligibility(
    rules: RulesInForce, unit_class: UnitClass, jurisdiction: Jurisdiction, day: date, where: str
) -> list[Issue]:
    issues = []
    deadline = rules.compliance.surrender_deadline(rules.year)
    if day > deadline:
        issues.append(
            Issue(
                "surrender_after_deadline", f"the deadline for {rules.year} was {deadline}", where
            )
        )
    if unit_class.kind is UnitKind.ALLOWANCE:
        if unit_class.unit_type != rules.allowance_unit_type.code:
            issues.append(
                Issue(
                    "unit_type_not_eligible",
                    f"surrender {rules.allowance_unit_type.code} allowances",
                    where,
                )
            )
        elif unit_class.vintage < rules.year:
            issues.extend(_banked_vintage(jurisdiction, unit_class.vintage, rules.year, where))
    elif rules.offsets is None or unit_class.unit_type not in rules.offsets.eligible_unit_types:
        issues.append(
            Issue(
                "offset_not_eligible",
                f"{unit_class.unit_type} offsets do not count in {rules.year}",
                where,
            )
        )
    elif unit_class.vintage > rules.year or unit_class.jurisdiction != jurisdiction.code:
        issues.append(
            Issue(
                "offset_not_eligible",
                f"offsets of {unit_class.jurisdiction} vintage {unit_class.vintage} cannot cover "
                f"{jurisdiction.code} {rules.year}: the vintage must not be later and the "
                "jurisdiction must match",
                where,
            )
        )
    elif (
        reads.INTERNATIONAL in unit_class.labels
        and rules.offsets.international_max_share_of_obligation is None
    ):
        issues.append(
            Issue(
                "offset_not_eligible",
                f"international credits do not count in {rules.year} ({rules.offsets.source})",
                where,
            )
        )
    return issues


def _banked_vintage(jurisdiction: Jurisdiction, vintage: int, year: int, where: str) -> list[Issue]:
    """An earlier vintage counts directly only while banking of it is allowed without limit."""
    if freely_banked(jurisdiction.rulebook.banking, vintage, year):
        return []
    return [
        Issue(
            "vintage_not_banked",
            f"{vintage} allowances reach {year} only within the banking limit: carry them over "
            "(bank) before surrendering them",
            where,
        )
    ]


def room(
    connection: Connection,
    jurisdiction: Jurisdiction,
    rules: RulesInForce,
    company: str,
    operator: int,
    unit_class: UnitClass,
    quantity_t: int,
    where: str,
) -> list[Issue]:
    """Refusals for units beyond the offsets caps or beyond what was borrowed."""
    done = reads.surrendered(connection, operator, rules.year)
    if unit_class.kind is UnitKind.ALLOWANCE:
        if unit_class.vintage <= rules.year:
            return []
        borrowed = reads.borrowed_t(connection, operator, rules.year)
        if done.later_vintage_t + quantity_t > borrowed:
            return [
                Issue(
                    "vintage_not_eligible",
                    f"vintage {unit_class.vintage} cannot cover {rules.year} beyond what was "
                    f"borrowed for it ({borrowed} t, {done.later_vintage_t} t already "
                    "surrendered)",
                    where,
                )
            ]
        return []
    assert rules.offsets is not None, "checked by _eligibility"
    owed = reads.owed_from_earlier_t(connection, company, rules.year, still_owed_before(
        jurisdiction, rules.year))  # fmt: skip
    found = reads.obligation_of(connection, rules, company, owed)
    if found is None:
        return [
            Issue(
                "offsets_need_verified_emissions",
                "the offset cap depends on verified emissions; surrender offsets after "
                "verification",
                where,
            )
        ]
    obligation = found[0]
    cap = offsets_cap_t(obligation, rules.offsets)
    if done.credits_t + quantity_t > cap:
        return [
            Issue(
                "offset_cap_exceeded",
                f"offsets may cover at most {cap} t "
                f"({rules.offsets.cap_share_of_obligation:%} of the obligation); "
                f"{done.credits_t} t already surrendered, so at most "
                f"{max(0, cap - done.credits_t)} t more",
                where,
            )
        ]
    if reads.INTERNATIONAL in unit_class.labels:
        international = international_cap_t(obligation, rules.offsets)
        if done.international_t + quantity_t > international:
            return [
                Issue(
                    "international_offset_cap_exceeded",
                    f"international credits may cover at most {international} t; "
                    f"{done.international_t} t already surrendered",
                    where,
                )
            ]
    return []


def still_owed_before(jurisdiction: Jurisdiction, year: int) -> bool:
    """Whether the penalty rule of the year before leaves a shortfall still owed."""
    rule = optional_rule(jurisdiction.rulebook.penalty, year - 1)
    return rule is not None and still_owed(rule)
