"""The checks of a surrender, in their order: deadline, the registry's, unit type, vintage,
banking, offsets and their caps.

``registry_refusals`` comes before the units' eligibility: units the company does not hold
(or an account the registry will not debit) are said before whether such units would count.
``deadline`` and ``eligibility`` need only the rules and the unit class; ``room`` reads what
was already surrendered and borrowed for the year on the caller's connection (after the
journal-head lock, so two surrenders cannot both pass a cap).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from tanshi.compliance import freely_banked, international_cap_t, offsets_cap_t, still_owed
from tanshi.core.issues import Issue
from tanshi.registry import ResultCode, TransactionRequest, UnitClass, check_request
from tanshi.rulebook import RulesInForce, UnitKind
from tanshi.rulebook.in_force import optional_rule
from tanshi.services import compliance_reads as reads
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.registry import balance, load_accounts, load_unit_classes


def registry_refusals(
    connection: Connection, request: TransactionRequest, account: str, unit_class: str,
    where: str,
) -> list[Issue]:  # fmt: skip
    """What the registry would refuse the surrender ``request`` for, as it stands now (its
    result codes in their precedence; the registry decides again when it executes)."""
    [movement] = request.movements
    source, class_id = movement.from_account, movement.unit_class
    held = balance(connection, source, class_id)
    result = check_request(
        request, load_accounts(connection, [source, movement.to_account]),
        load_unit_classes(connection, [class_id]), {(source, class_id): held},
    )  # fmt: skip
    if result is ResultCode.OK:
        return []
    if result is ResultCode.INSUFFICIENT_UNITS:
        return [Issue.of(
            "insufficient_units",
            "{account} holds {held} t of {unit_class} free to surrender; {quantity} t are needed",
            where, account=account, held=f"{held:,}", unit_class=unit_class,
            quantity=f"{movement.quantity_units:,}",
        )]  # fmt: skip
    return [refusal(result, where, account=account, quantity=movement.quantity_units)]


# What a surrender's refusal means and what to do, for the codes a surrender can meet
# (docs/registry.md, Result codes); ``refusal`` falls back to the code's own words.
_REFUSALS = {
    ResultCode.QUANTITY_MUST_BE_POSITIVE: "surrender at least 1 t; {quantity} t was asked",
    ResultCode.ACCOUNT_FROZEN: "{account} is frozen: no units may leave it until the freeze "
    "is lifted",
    ResultCode.ACCOUNT_SUSPENDED: "{account} is suspended: ask the registry to reopen it",
    ResultCode.ACCOUNT_CLOSED: "{account} is closed: it can surrender nothing",
    ResultCode.ACCOUNT_CLOSURE_PENDING: "{account} is being closed: it can surrender nothing",
    ResultCode.IDEMPOTENCY_KEY_INVALID: "give a key of 1 to 200 characters",
    ResultCode.IDEMPOTENCY_KEY_REUSED: "this key was used for another request: give a new key",
    ResultCode.UNIT_KIND_NOT_ALLOWED: "units of this kind cannot be surrendered",
}


def refusal(result: ResultCode, where: str, *, account: str, quantity: int) -> Issue:
    """The registry's refusal of a surrender as a problem that says what to do."""
    template = _REFUSALS.get(
        result, "the registry refused the surrender: {reason} (docs/registry.md, Result codes)"
    )
    return Issue.of(result.value, template, where, account=account, quantity=f"{quantity:,}",
                    reason=result.value.replace("_", " "))  # fmt: skip


def deadline(rules: RulesInForce, day: date, where: str) -> list[Issue]:
    """Late: nothing the company holds or does can help, so it is said first."""
    last = rules.compliance.surrender_deadline(rules.year)
    if day <= last:
        return []
    return [
        Issue.of(
            "surrender_after_deadline",
            "the deadline for {year} was {deadline}",
            where,
            year=rules.year,
            deadline=last,
        )
    ]


def eligibility(
    rules: RulesInForce, unit_class: UnitClass, jurisdiction: Jurisdiction, where: str
) -> list[Issue]:
    issues = []
    if unit_class.kind is UnitKind.ALLOWANCE:
        if unit_class.unit_type != rules.allowance_unit_type.code:
            issues.append(
                Issue.of(
                    "unit_type_not_eligible",
                    "surrender {unit_type} allowances",
                    where,
                    unit_type=rules.allowance_unit_type.code,
                )
            )
        elif unit_class.vintage < rules.year:
            issues.extend(_banked_vintage(jurisdiction, unit_class.vintage, rules.year, where))
    elif rules.offsets is None or unit_class.unit_type not in rules.offsets.eligible_unit_types:
        issues.append(
            Issue.of(
                "offset_not_eligible",
                "{unit_type} offsets do not count in {year}",
                where,
                unit_type=unit_class.unit_type,
                year=rules.year,
            )
        )
    elif unit_class.vintage > rules.year or unit_class.jurisdiction != jurisdiction.code:
        issues.append(
            Issue.of(
                "offset_not_eligible",
                "offsets of {of} vintage {vintage} cannot cover {jurisdiction} {year}: the "
                "vintage must not be later and the jurisdiction must match",
                where,
                of=unit_class.jurisdiction,
                vintage=unit_class.vintage,
                jurisdiction=jurisdiction.code,
                year=rules.year,
            )
        )
    elif (
        reads.INTERNATIONAL in unit_class.labels
        and rules.offsets.international_max_share_of_obligation is None
    ):
        issues.append(
            Issue.of(
                "offset_not_eligible",
                "international credits do not count in {year} ({source})",
                where,
                year=rules.year,
                source=rules.offsets.source,
            )
        )
    return issues


def _banked_vintage(jurisdiction: Jurisdiction, vintage: int, year: int, where: str) -> list[Issue]:
    """An earlier vintage counts directly only while banking of it is allowed without limit."""
    if freely_banked(jurisdiction.rulebook.banking, vintage, year):
        return []
    return [
        Issue.of(
            "vintage_not_banked",
            "{vintage} allowances reach {year} only within the banking limit: carry them over "
            "(bank) before surrendering them",
            where,
            vintage=vintage,
            year=year,
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
                Issue.of(
                    "vintage_not_eligible",
                    "vintage {vintage} cannot cover {year} beyond what was borrowed for it "
                    "({borrowed} t, {surrendered} t already surrendered)",
                    where,
                    vintage=unit_class.vintage,
                    year=rules.year,
                    borrowed=borrowed,
                    surrendered=done.later_vintage_t,
                )
            ]
        return []
    assert rules.offsets is not None, "checked by _eligibility"
    owed = reads.owed_from_earlier_t(connection, company, rules.year, still_owed_before(
        jurisdiction, rules.year))  # fmt: skip
    found = reads.obligation_of(connection, rules, company, owed)
    if found is None:
        return [
            Issue.of(
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
            Issue.of(
                "offset_cap_exceeded",
                "offsets may cover at most {cap} t ({share} of the obligation); {surrendered} t "
                "already surrendered, so at most {more} t more",
                where,
                cap=cap,
                share=f"{rules.offsets.cap_share_of_obligation:%}",
                surrendered=done.credits_t,
                more=max(0, cap - done.credits_t),
            )
        ]
    if reads.INTERNATIONAL in unit_class.labels:
        international = international_cap_t(obligation, rules.offsets)
        if done.international_t + quantity_t > international:
            return [
                Issue.of(
                    "international_offset_cap_exceeded",
                    "international credits may cover at most {cap} t; {surrendered} t already "
                    "surrendered",
                    where,
                    cap=international,
                    surrendered=done.international_t,
                )
            ]
    return []


def still_owed_before(jurisdiction: Jurisdiction, year: int) -> bool:
    """Whether the penalty rule of the year before leaves a shortfall still owed."""
    rule = optional_rule(jurisdiction.rulebook.penalty, year - 1)
    return rule is not None and still_owed(rule)
