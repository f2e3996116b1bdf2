"""The verification workflow for signed-in people, shared by the API and the web pages.

Resolves who acts (a company's officer acts as that company; a verifier as the verification
body whose code is its organisation's code; a regulator as the regulator), the company's
jurisdiction and its rules, then calls ``services.verification``.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import Engine

from tanshi.api.context import Service
from tanshi.api.errors import ApiError
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue
from tanshi.mrv.annual_report import AnnualReport, parse_report_csv
from tanshi.mrv.monitoring_plan import parse_plan
from tanshi.mrv.verification_rules import VerificationRules
from tanshi.mrv.verification_workflow import (
    HAS_VERIFIED_FIGURE,
    Actor,
    CaseState,
    ResultCode,
)
from tanshi.resources import parameter_table, verification_rules
from tanshi.services import verification as vf
from tanshi.services import verification_bodies, verification_findings, verification_reads, views
from tanshi.services.principals import Principal
from tanshi.services.refusal_texts import VERIFICATION

Outcome = vf.StepOutcome
# Cases a verifier sees: those assigned to its body, for verification or a re-check.
OPEN_FOR_BODY = (CaseState.ASSIGNED, CaseState.IN_VERIFICATION, CaseState.RECHECK_ASSIGNED)
FOR_BODY = (CaseState.ASSIGNED, CaseState.IN_VERIFICATION)  # the verifying body's to conclude


def explain(code: str) -> str:
    """What a verification refusal means (``services.refusal_texts.VERIFICATION``), else
    its code in words."""
    return VERIFICATION.get(code, code.replace("_", " "))


def body_of(who: Principal) -> Actor:
    """A verifier acts as the verification body its organisation is (the same code)."""
    return Actor("body", who.organisation)


def _jurisdiction(svc: Service, company: str, who: Principal | None = None):
    """The company's jurisdiction; a company outside ``who``'s jurisdiction answers 404."""
    scope = views.scope_of(who)
    found = views.company(svc.engine, company, scope)
    if found is None and scope is not None:
        raise ApiError(404, "unknown_company", f"no covered company {company} in your "
                       "jurisdiction", "path.company")  # fmt: skip
    return svc.jurisdiction(found["jurisdiction"] if found else None)


def _rules(svc: Service, company: str, who: Principal | None = None):
    jurisdiction = _jurisdiction(svc, company, who)
    return jurisdiction, rules_of(jurisdiction)


def rules_of(jurisdiction) -> VerificationRules:
    """The jurisdiction's verification rules; 409 ``no_verification_rules`` where its rulebook
    ships none (a pilot's verification is not modelled yet), rather than a server error."""
    try:
        return verification_rules(jurisdiction.rulebook.rulebook.id)
    except TanshiError as error:
        raise ApiError(409, "no_verification_rules", str(error), "jurisdiction") from error


def file_plan(engine: Engine, company: str, text: str, now) -> list[Issue]:
    """File a plan for ``company``; a plan naming another company is refused."""
    plan, issues = parse_plan(text, "plan")
    if plan is None or any(i.severity.value == "error" for i in issues):
        return issues
    if plan.company != company:
        return [Issue("plan_of_another_company",
                      f"the plan names {plan.company}: file plans for {company} only",
                      "company")]  # fmt: skip
    return vf.file_plan(engine, plan, now)


def _parsed(company: str, year: int, stated_t: Decimal, text: str):
    return parse_report_csv(text, company, year, stated_t, "report.csv")


def check(svc: Service, company: str, year: int, stated_t: Decimal, text: str) -> list[Issue]:
    """Every problem of a report (its unreadable lines with the plan's checks of the lines
    read, else every data check); writes nothing."""
    report, issues = _parsed(company, year, stated_t, text)
    if report is None:
        return issues
    jurisdiction, rules = _rules(svc, company)
    return vf.check_only(svc.engine, jurisdiction, parameter_table(), rules, report, issues)


def submit(svc: Service, company: str, year: int, stated_t: Decimal, text: str) -> Outcome:
    report, issues = _parsed(company, year, stated_t, text)
    if report is not None and issues:  # refused before the case: every problem, as check says
        issues = check(svc, company, year, stated_t, text)
    if report is None or issues:
        return Outcome(ResultCode.REPORT_HAS_ERRORS, None, tuple(issues))
    assert isinstance(report, AnnualReport)
    jurisdiction, rules = _rules(svc, company)
    return vf.submit_report(svc.engine, jurisdiction, parameter_table(), rules, report,
                            Actor("company", company), svc.now())  # fmt: skip


def assign(svc: Service, company: str, year: int, body: str, recheck: bool = False,
           who: Principal | None = None) -> Outcome:  # fmt: skip
    """Assign a body (or a re-check); ``who``, the regulator, only in its jurisdiction."""
    _, rules = _rules(svc, company, who)
    step = vf.assign_recheck if recheck else vf.assign
    return step(svc.engine, rules, company, year, body, vf.REGULATOR, svc.now())


def reassign(svc: Service, company: str, year: int, body: str,
             who: Principal | None = None) -> Outcome:  # fmt: skip
    """Give an assigned case to another body before that body recorded anything."""
    _, rules = _rules(svc, company, who)
    return vf.reassign(svc.engine, rules, company, year, body, vf.REGULATOR, svc.now())


def withdraw_finding(svc: Service, who: Principal, company: str, year: int, finding_id: int,
                     reason: str) -> Outcome:  # fmt: skip
    return verification_findings.withdraw_finding(
        svc.engine, company, year, body_of(who), finding_id, reason, svc.now()
    )


def findings_of(engine: Engine, company: str, year: int) -> list:
    """Every finding on the case, withdrawn ones too (``FindingView``)."""
    return verification_findings.findings_of(engine, company, year)


def record_finding(svc: Service, who: Principal, company: str, year: int, kind: str,
                   description: str, amount_t: Decimal | None, stream: str | None) -> Outcome:  # fmt: skip
    return vf.record_finding(svc.engine, company, year, body_of(who), kind, description,
                             svc.now(), misstatement_tco2=amount_t, stream=stream)  # fmt: skip


def verify(svc: Service, who: Principal, company: str, year: int) -> Outcome:
    jurisdiction, rules = _rules(svc, company)
    return vf.verify(svc.engine, jurisdiction, rules, company, year, body_of(who), svc.now())


def record_recheck(svc: Service, who: Principal, company: str, year: int, figure_t: Decimal,
                   note: str) -> Outcome:  # fmt: skip
    _, rules = _rules(svc, company)
    return vf.record_recheck(svc.engine, rules, company, year, body_of(who), figure_t, note,
                             svc.now())  # fmt: skip


def sample(svc: Service, year: int, seed: int, who: Principal | None = None) -> list[str]:
    jurisdiction = svc.jurisdiction(None, who=who)
    return vf.recheck_sample(
        svc.engine, jurisdiction, rules_of(jurisdiction), year, seed, svc.now()
    )


def discrepancies(engine: Engine, year: int, who: Principal | None = None) -> list[dict]:
    """The re-checked cases against their verified figures (materiality of the jurisdiction),
    of ``who``'s jurisdiction when it is bound to one."""
    cases = cases_in_scope(engine, who, verification_reads.cases(engine, year))
    out = []
    for case in cases:
        if case.recheck_tco2 is None:
            continue
        difference = None if case.verified_tco2 is None else case.recheck_tco2 - case.verified_tco2
        out.append({"company": case.company, "verifier": case.body,
                    "recheck_body": case.recheck_body,
                    "verified_tco2": None if case.verified_tco2 is None else str(case.verified_tco2),
                    "recheck_tco2": str(case.recheck_tco2),
                    "difference_tco2": None if difference is None else str(difference),
                    "state": case.state.value})  # fmt: skip
    return out


def body_choices(engine: Engine, cases: list) -> tuple[list[str], dict[str, str | None]]:
    """The accredited bodies' codes, and for each verified case a body its re-check may go
    to (accredited, not its verifier, no declared conflict; None when there is none)."""
    accredited = [b["code"] for b in verification_bodies.body_list(engine, accredited=True,
                                                                    limit=500).items]  # fmt: skip
    conflicts = verification_bodies.conflicts_by_company(engine)
    suggested: dict[str, str | None] = {}
    for case in cases:
        if case.state is CaseState.VERIFIED:
            barred = {case.body} | conflicts.get(case.company, set())
            suggested[case.company] = next((b for b in accredited if b not in barred), None)
    return accredited, suggested


def years_for(engine: Engine, who: Principal, shown: int | None = None) -> list[int]:
    """The years with cases ``who`` may read (as ``cases_for`` chooses them), and ``shown``."""
    visible = _visible(engine, who, verification_reads.case_keys(engine))
    return sorted({case.year for case in visible} | ({shown} if shown else set()))


def pending_years(engine: Engine, who: Principal) -> dict[int, int]:
    """Year → how many cases wait for ``who``: a verifier's body's to verify or re-check, a
    company's own reports not verified yet (submitted, being verified, to correct); empty
    for the other roles (the regulator's progress page lists every case)."""
    if who.role.value == "verifier":
        waiting = [case for case in _visible(engine, who, verification_reads.case_keys(engine))
                   if (case.body == who.organisation and CaseState(case.state) in FOR_BODY)
                   or (case.recheck_body == who.organisation
                       and case.state == CaseState.RECHECK_ASSIGNED)]  # fmt: skip
    elif who.company:
        waiting = [case for case in _visible(engine, who, verification_reads.case_keys(engine))
                   if CaseState(case.state) not in HAS_VERIFIED_FIGURE]  # fmt: skip
    else:
        return {}
    return dict(sorted(Counter(case.year for case in waiting).items()))


def pending_year(engine: Engine, who: Principal, requested: int | None,
                 shown: int | None) -> tuple[int | None, dict[int, int]]:  # fmt: skip
    """The year a verifier's or a company's page shows — the one asked for, else the latest
    with a case waiting for ``who``, else ``shown`` — and the other years' waiting cases."""
    waiting = pending_years(engine, who)
    if requested is None and waiting:
        shown = max(waiting)
    return shown, {year: n for year, n in waiting.items() if year != shown}


def cases_for(engine: Engine, who: Principal, year: int) -> list:
    """The cases of ``year`` that ``who`` may read: all for the regulator's side, the
    assigned ones for a verification body, your own for a company."""
    return _visible(engine, who, verification_reads.cases(engine, year))


def _visible(engine: Engine, who: Principal, cases: list) -> list:
    cases = cases_in_scope(engine, who, cases)
    if who.reads_all:
        return cases
    if who.role.value == "verifier":
        return [c for c in cases if who.organisation in (c.body, c.recheck_body)]
    return [c for c in cases if c.company == who.company]


def cases_in_scope(engine: Engine, who: Principal | None, cases: list) -> list:
    """The cases of companies in ``who``'s jurisdiction (all when it serves every one)."""
    scope = views.scope_of(who)
    if scope is None:
        return cases
    codes = views.company_codes(engine, scope)
    return [case for case in cases if case.company in codes]
