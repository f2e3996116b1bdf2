"""MRV pages: a company's reports (plan, upload, checks, submit), the verifier's cases
(findings, verify) and the regulator's verification progress (assign, sample)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api import mrv_desk
from tanshi.api.context import Service, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.limits import BODY_CODE_CHARS, FILE_TEXT_CHARS, VERIFICATION_TEXT_CHARS
from tanshi.core.issues import has_errors
from tanshi.mrv.verification_workflow import CaseState
from tanshi.rulebook.in_force import NoRuleInForce
from tanshi.services.principals import Principal, Role
from tanshi.web.common import VisitorDep, allowed, login_redirect, year_shown
from tanshi.web.forms import (
    Message,
    Refused,
    detail_in,
    no_rules,
    refusal,
    say,
    text_field,
    web_write,
    whole_number,
)
from tanshi.web.numbers import read_decimal
from tanshi.web.refusals import explain
from tanshi.web.render import render
from tanshi.web.session import Visitor, csrf_ok

router = APIRouter(include_in_schema=False)
Year = Annotated[int, Path(ge=1990, le=2200)]
Company = Annotated[str, Path(max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]
MAX_UPLOAD_CHARS = FILE_TEXT_CHARS
FINDINGS_CHANGED = "findings-changed"  # htmx event: a case's list of findings reloads


def _forbidden(request: Request, svc: Service, who: Visitor, message: str) -> Response:
    return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                  message=message)  # fmt: skip


def _tonnes(text: str | None, name: str) -> Decimal:
    """A number of tonnes, plain or grouped (``-1,234.5``; web/numbers.py), with at most six
    decimal places as the API takes it (api/routers/reports.py)."""
    value = read_decimal(text)
    if value is None or abs(value) > 10**12:
        raise Refused("invalid_number", "{name}: enter a number of tonnes, e.g. 1,234.5 or "
                      "1234.5", name=name)  # fmt: skip
    if value != value.quantize(Decimal("0.000001")):
        raise Refused("invalid_number", "{name}: use at most six decimal places (a gram), e.g. "
                      "1,234.567891", name=name)  # fmt: skip
    return value


def _stated(text: str | None) -> Decimal:
    """The company's own total of the year: tonnes of 0 or more, as the API takes it."""
    name = "Stated emissions (t)"
    value = _tonnes(text, name)
    if value < 0:
        raise Refused("invalid_number", "{name}: emissions cannot be below zero: enter 0 or "
                      "more tonnes, e.g. 1,234.5", name=name)  # fmt: skip
    return value


# As the API answers (api/routers/reports.py): a case one may not act on is refused as one
# that does not exist, so another organisation's cases cannot be probed.
UNSEEN = {"not_permitted", "case_unknown"}


def _problems(outcome: mrv_desk.Outcome) -> Refused:
    if outcome.result.value in UNSEEN and not outcome.issues:
        return refusal("unknown_case")
    return refusal(outcome.result.value, issues=outcome.issues, coded=True)


async def _upload(request: Request) -> str:
    """The uploaded CSV's text ('' when none); the form is parsed once and cached."""
    sent = (await request.form()).get("report")
    if sent is None or isinstance(sent, str):
        return sent or ""
    raw = await sent.read(MAX_UPLOAD_CHARS * 4 + 1)
    await sent.close()
    return raw.decode("utf-8", errors="replace")[: MAX_UPLOAD_CHARS + 1]


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, svc: ServiceDep, who: VisitorDep,
                 year: Annotated[int | None, Query(ge=1990, le=2200)] = None) -> Response:  # fmt: skip
    """A company's annual reports: file the plan, upload the CSV, check it, submit it."""
    if who.principal is None:
        return login_redirect("/reports")
    if who.principal.role is not Role.COMPLIANCE_OFFICER or not who.principal.company:
        return _forbidden(request, svc, who, "only a company's compliance officer files reports")
    # A report submitted for a later year than the allocation's is the company's pending
    # work: shown first, and the other years' unverified reports announced.
    shown, elsewhere = mrv_desk.pending_year(svc.engine, who.principal, year,
                                             year_shown(svc, year))  # fmt: skip
    cases = mrv_desk.cases_for(svc.engine, who.principal, shown) if shown else []
    return render(request, svc, who, "reports.html", year=shown, cases=cases,
                  company=who.principal.company, elsewhere=elsewhere,
                  years=mrv_desk.years_for(svc.engine, who.principal, shown),
                  limit_kib=svc.settings.max_body_bytes // 1024)  # fmt: skip


@router.post("/reports/check", response_class=HTMLResponse)
async def check_report(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    """The data checks on an uploaded report, every problem listed; nothing is stored."""
    me = who.principal
    form = await request.form()
    sent = str(form.get("csrf_token") or request.headers.get("x-csrf-token") or "")
    if me is None or me.role is not Role.COMPLIANCE_OFFICER or not me.company:
        return _forbidden(request, svc, who, "only a company's compliance officer files reports")
    if not csrf_ok(who.csrf, sent):
        return render(request, svc, who, "result.html", 403, ok=False, code="csrf_token_invalid",
                      message="the form's security token is missing or stale: reload the page")  # fmt: skip
    text = await _upload(request)
    try:
        year = whole_number(str(form.get("year", "")), "Year")
        stated = _stated(str(form.get("stated_t", "")))
        try:
            issues = mrv_desk.check(svc, me.company, year, stated, text)
        except NoRuleInForce as error:
            raise no_rules(error) from error
    except Refused as refused:
        return render(request, svc, who, "result.html", 422, ok=False, code=refused.code,
                      message=say(who.locale, refused.message, refused.values),
                      detail=detail_in(who.locale, refused))  # fmt: skip
    return render(request, svc, who, "_report_check.html", issues=issues,
                  ok=not has_errors(issues))  # fmt: skip


def _submit(svc: Service, me: Principal, form: dict[str, str], text: str) -> Message:
    if not me.company:
        raise Refused("no_company", "your organisation is not a covered company")
    year = whole_number(form.get("year"), "Year")
    stated = _stated(form.get("stated_t"))
    if not text:
        raise Refused("report_missing", "choose the report's CSV file")
    outcome = mrv_desk.submit(svc, me.company, year, stated, text)
    if not outcome.ok:
        raise _problems(outcome)
    return "report for {year} submitted: {state}", {"year": year, "state": outcome.state}


@router.post("/reports/submit", response_class=HTMLResponse)
async def submit_report(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    me = who.principal
    if me is not None and me.role is not Role.COMPLIANCE_OFFICER:
        return _forbidden(request, svc, who, "only a company's compliance officer files reports")
    text = await _upload(request)
    return await web_write(request, svc, who, "report_submit", "web",
                           lambda form, me: _submit(svc, me, form, text))  # fmt: skip


def _plan(svc: Service, me: Principal, form: dict[str, str]) -> Message:
    if not me.company:
        raise Refused("no_company", "your organisation is not a covered company")
    plan = text_field(form, "toml", "Plan (TOML)", MAX_UPLOAD_CHARS, strip=False)
    issues = mrv_desk.file_plan(svc.engine, me.company, plan, svc.now())
    if has_errors(issues):
        problem = refusal(issues[0].code, issues=issues, coded=True, located=True)
        if explain(problem.code) is None:  # a plan's own check: say what kind of problem
            problem = Refused(problem.code, "the monitoring plan has errors: fix every one "
                              "listed", detail=problem.detail, issues=issues, coded=True,
                              located=True)  # fmt: skip
        raise problem
    return "monitoring plan filed", {}


@router.post("/reports/plan", response_class=HTMLResponse)
async def file_plan(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    me = who.principal
    if me is not None and me.role is not Role.COMPLIANCE_OFFICER:
        return _forbidden(request, svc, who, "only a company's compliance officer files reports")
    return await web_write(request, svc, who, "plan_file", "web",
                           lambda form, me: _plan(svc, me, form))  # fmt: skip


def _verifier_step(svc: Service, me: Principal, company: str, year: int, action: str,
                   form: dict[str, str]) -> Message:  # fmt: skip
    if action == "verify":
        outcome = mrv_desk.verify(svc, me, company, year)
    elif action == "recheck":
        figure = _tonnes(form.get("figure_t"), "Re-check figure (t)")
        if figure < 0:
            raise Refused("invalid_number", "{name}: enter a number of tonnes, e.g. 1,234.5 or "
                          "1234.5", name="Re-check figure (t)")  # fmt: skip
        note = text_field(form, "note", "Note", VERIFICATION_TEXT_CHARS, strip=False)
        outcome = mrv_desk.record_recheck(svc, me, company, year, figure, note)
    elif action == "withdraw":
        finding = whole_number(form.get("finding_id"), "Finding")
        reason = text_field(form, "reason", "Reason", VERIFICATION_TEXT_CHARS, strip=False)
        outcome = mrv_desk.withdraw_finding(svc, me, company, year, finding, reason)
    else:
        kind = form.get("kind", "")
        amount = _tonnes(form.get("amount_t"), "Amount (t)") if form.get("amount_t") else None
        description = text_field(form, "description", "Description", VERIFICATION_TEXT_CHARS,
                                 strip=False)  # fmt: skip
        outcome = mrv_desk.record_finding(svc, me, company, year, kind, description, amount,
                                          None)  # fmt: skip
    if not outcome.ok:
        raise _problems(outcome)
    return "{company} {year}: {state}", {"company": company, "year": year, "state": outcome.state}


@router.post("/verifier/{year}/{company}/{action}", response_class=HTMLResponse)
async def verifier_step(
    year: Year, company: Company,
    action: Annotated[str, Path(pattern="^(finding|withdraw|verify|recheck)$")],
    request: Request, svc: ServiceDep, who: VisitorDep,
) -> Response:  # fmt: skip
    """A verifier records or withdraws a finding on, or verifies, a case assigned to its
    body, or records the re-check the regulator assigned to it (the API's ``…/recheck``)."""
    me = who.principal
    if me is not None and me.role is not Role.VERIFIER:
        return _forbidden(request, svc, who, "only the assigned verification body may do this")
    changed = FINDINGS_CHANGED if action in ("finding", "withdraw") else None
    return await web_write(request, svc, who, f"verification_{action}", f"{company}/{year}",
                           lambda form, me: _verifier_step(svc, me, company, year, action, form),
                           trigger=changed)  # fmt: skip


@router.get("/verifier/{year}/{company}/findings", response_class=HTMLResponse)
def findings_list(year: Year, company: Company, request: Request, svc: ServiceDep,
                  who: VisitorDep) -> Response:  # fmt: skip
    """The findings recorded on a case (withdrawn ones marked), for whoever may read it."""
    if who.principal is None:
        return login_redirect("/verifier")
    readable = mrv_desk.cases_for(svc.engine, who.principal, year)
    case = next((c for c in readable if c.company == company), None)
    if case is None:
        return _forbidden(request, svc, who, "no such verification case that you may read")
    return render(request, svc, who, "_findings.html", c=case,
                  findings=mrv_desk.findings_of(svc.engine, company, year),
                  may_withdraw=_may_withdraw(who.principal, case))  # fmt: skip


def _may_withdraw(me: Principal, case) -> bool:
    """Only the case's own body, before it concludes (findings exist only in_verification)."""
    mine = me.role is Role.VERIFIER and case.body == me.organisation
    return mine and case.state is CaseState.IN_VERIFICATION


@router.get("/regulator/verification", response_class=HTMLResponse)
def progress_page(request: Request, svc: ServiceDep, who: VisitorDep,
                  year: Annotated[int | None, Query(ge=1990, le=2200)] = None) -> Response:  # fmt: skip
    """Verification progress: cases by state, assignments to make, the re-check sample."""
    if who.principal is None:
        return login_redirect("/regulator/verification")
    if not allowed(who, {Role.REGULATOR, Role.AUDITOR, Role.ADMINISTRATOR}):
        return _forbidden(request, svc, who, "this page is for regulators and auditors")
    shown = year_shown(svc, year)
    cases = mrv_desk.cases_for(svc.engine, who.principal, shown) if shown else []
    counts = Counter(c.state for c in cases)
    by_state = [(state, counts.get(state, 0)) for state in CaseState]
    bodies, suggested = mrv_desk.body_choices(svc.engine, cases)
    return render(request, svc, who, "verification_progress.html", year=shown, cases=cases,
                  years=mrv_desk.years_for(svc.engine, who.principal, shown), by_state=by_state,
                  bodies=bodies, suggested=suggested,
                  discrepancies=mrv_desk.discrepancies(svc.engine, shown, who.principal)
                  if shown else [], may_write=who.principal.role is Role.REGULATOR)  # fmt: skip


def _regulator_step(svc: Service, me: Principal, company: str, year: int, action: str,
                    form: dict[str, str]) -> Message:  # fmt: skip
    body = text_field(form, "body", "Verification body", BODY_CODE_CHARS)
    if not body:
        raise Refused("body_missing", "enter the verification body's code")
    try:
        if action == "reassign":
            outcome = mrv_desk.reassign(svc, company, year, body, who=me)
        else:
            outcome = mrv_desk.assign(
                svc, company, year, body, recheck=action == "recheck-assign", who=me
            )
    except ApiError as error:  # a company outside the regulator's jurisdiction
        raise refusal(error.code, error.message) from error
    if not outcome.ok:
        raise _problems(outcome)
    return "{company} {year}: {state}", {"company": company, "year": year, "state": outcome.state}


@router.post("/regulator/verification/{year}/{company}/{action}", response_class=HTMLResponse)
async def regulator_step(
    year: Year, company: Company,
    action: Annotated[str, Path(pattern="^(assign|reassign|recheck-assign)$")],
    request: Request, svc: ServiceDep, who: VisitorDep,
) -> Response:  # fmt: skip
    """The regulator assigns a body to a submitted report, another body to an assigned one
    (before that body recorded anything), or a re-check to a verified one."""
    if who.principal is not None and who.principal.role is not Role.REGULATOR:
        return _forbidden(request, svc, who, "only the regulator assigns verification bodies")
    audited = "verification_reassign" if action == "reassign" else "verification_assign"
    return await web_write(request, svc, who, audited, f"{company}/{year}",
                           lambda form, me: _regulator_step(svc, me, company, year, action,
                                                             form))  # fmt: skip


def _sample(svc: Service, me: Principal, year: int, form: dict[str, str]) -> Message:
    seed = whole_number(form.get("seed"), "Seed")
    try:
        drawn = mrv_desk.sample(svc, year, seed, me)
    except ApiError as error:
        raise refusal(error.code, error.message) from error
    return "re-check sample (seed {seed}): {sample}", {
        "seed": seed, "sample": ", ".join(drawn) or "—"}  # fmt: skip


@router.post("/regulator/verification/{year}/sample", response_class=HTMLResponse)
async def regulator_sample(year: Year, request: Request, svc: ServiceDep,
                           who: VisitorDep) -> Response:  # fmt: skip
    if who.principal is not None and who.principal.role is not Role.REGULATOR:
        return _forbidden(request, svc, who, "only the regulator draws the re-check sample")
    return await web_write(request, svc, who, "verification_sample", str(year),
                           lambda form, me: _sample(svc, me, year, form))  # fmt: skip
