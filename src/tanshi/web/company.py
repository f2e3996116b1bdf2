"""Pages of people who hold units: their company, their accounts, approvals; verifier; audit."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api import mrv_desk
from tanshi.api.context import Service, ServiceDep
from tanshi.api.limits import MEMO_CHARS
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue, Where
from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.services import (
    admin_views,
    approval_outlook,
    lifecycle,
    refusal_figures,
    surrender_standing,
    views,
)
from tanshi.services import compliance as compliance_service
from tanshi.services.jurisdiction import find_account, operator_account_code
from tanshi.services.market import unit_class_by_code
from tanshi.services.principals import READ_ALL_ROLES, Principal, Role, Scope
from tanshi.web.auction_bids import bid_panel
from tanshi.web.common import VisitorDep, allowed, login_redirect, year_shown
from tanshi.web.company_extras import company_extras
from tanshi.web.forms import (
    Message,
    Refused,
    Verbatim,
    account_jurisdiction,
    refusal,
    refusal_of,
    text_field,
    web_write,
    whole_number,
)
from tanshi.web.refusals import AUDIT_ACTIONS, EXPLANATIONS
from tanshi.web.render import render

router = APIRouter(include_in_schema=False)


PROPOSALS_CHANGED = "proposals-changed"  # htmx event: the company page reloads its proposals
BEYOND_OBLIGATION = (
    "for {year} your company owes {obligation} t and has surrendered {surrendered} t, so "
    "{still_owed} t is still owed: surrendering {quantity} t goes {beyond} t beyond the "
    "obligation, and surrendered units are cancelled for good. To surrender them anyway, tick "
    '"Surrender beyond the obligation" and send again'
)


def _refused(result: ResultCode) -> Refused:
    return refusal(result.value)


@router.get("/company", response_class=HTMLResponse)
def company_page(request: Request, svc: ServiceDep, who: VisitorDep,
                 year: Annotated[int | None, Query(ge=1990, le=2200)] = None) -> Response:  # fmt: skip
    """A compliance officer's company: holdings, obligation and deadline, transfer, surrender;
    facilities, allocation, auctions won and cash."""
    if who.principal is None:
        return login_redirect("/company")
    me = who.principal
    company = views.company(svc.engine, me.company) if me.company else None
    if company is None:
        return render(request, svc, who, "result.html", 403, ok=False, code="no_company",
                      message="your organisation is not a covered company")  # fmt: skip
    shown = year_shown(svc, year)
    jurisdiction = svc.jurisdiction(company["jurisdiction"])
    account = views.account(
        svc.engine, me, operator_account_code(jurisdiction.code, company["code"])
    )
    deadline, position, standing = None, None, None
    if shown:
        try:
            deadline = compliance_service.deadline_of(jurisdiction, shown)
            position = next((p for p in compliance_service.positions(svc.engine, jurisdiction, shown)
                             if p.company == company["code"]), None)  # fmt: skip
            standing = surrender_standing.standing_of(jurisdiction, shown, position)
        except TanshiError:
            deadline = None
    line = (
        views.compliance_table(svc.engine, shown, company_code=company["code"]).items
        if shown
        else []
    )
    # The header tile and the surrender form say the same obligation: the standing's, which
    # is known once the emissions are verified (the stored result only after the run).
    obligation = standing.obligation_t if standing else line[0]["obligation_t"] if line else None
    return render(request, svc, who, "company.html", company=company, account=account,
                  year=shown, deadline=deadline, position=position, standing=standing,
                  obligation_t=obligation,
                  line=line[0] if line else None, form_key=uuid.uuid4().hex,
                  surrender_key=uuid.uuid4().hex, **bid_panel(svc, me),
                  **company_extras(svc, me, company["code"], jurisdiction, shown))  # fmt: skip


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, svc: ServiceDep, who: VisitorDep,
                  offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> Response:  # fmt: skip
    """The accounts the user may read, with holdings, and a transfer form."""
    if who.principal is None:
        return login_redirect("/accounts")
    page = views.account_list(svc.engine, who.principal, limit=50, offset=offset)
    detailed = [views.account(svc.engine, who.principal, a["code"]) for a in page.items]
    return render(request, svc, who, "accounts.html", page=page, accounts=detailed,
                  form_key=uuid.uuid4().hex)  # fmt: skip


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, svc: ServiceDep, who: VisitorDep,
                   part: Annotated[str | None, Query(pattern="^page$")] = None) -> Response:  # fmt: skip
    """Proposals waiting for approval that the user may see (the approval queue). htmx asks
    for the queue alone (company and regulator pages) or, with ``part=page``, the queue and
    the recent proposals (this page, reloaded after an approval or a cancellation)."""
    if who.principal is None:
        return login_redirect("/approvals")
    waiting = views.proposal_list(svc.engine, who.principal, status="awaiting_approval", limit=100)
    # What approval now leads to: at once, or held until when (an untrusted destination).
    waiting = views.Page(approval_outlook.with_outlook(svc.engine, waiting.items,
                                                       svc.jurisdiction, svc.now()),
                         waiting.total, waiting.limit, waiting.offset)  # fmt: skip
    recent = views.proposal_list(svc.engine, who.principal, limit=20)
    fragment = "approvals.html"
    if request.headers.get("hx-request"):
        fragment = "_approvals_page.html" if part else "approvals_table.html"
    return render(request, svc, who, fragment, waiting=waiting, recent=recent)


@router.get("/verifier", response_class=HTMLResponse)
def verifier_page(request: Request, svc: ServiceDep, who: VisitorDep,
                  year: Annotated[int | None, Query(ge=1990, le=2200)] = None) -> Response:  # fmt: skip
    """The verification season: each company-year's case, its body, figures and findings."""
    if who.principal is None:
        return login_redirect("/verifier")
    # As GET /v1/verification/{year}: bodies, those who oversee the cases, a company's own.
    if not allowed(who, {*READ_ALL_ROLES, Role.VERIFIER, Role.COMPLIANCE_OFFICER}):
        return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                      message="the verification cases are for verifiers, the regulator's "
                              "side and the companies verified")  # fmt: skip
    # A verifier comes for the cases waiting for its body: the latest year with one, and a
    # notice of the other years' (the years of allocation say nothing of verification).
    shown, elsewhere = mrv_desk.pending_year(svc.engine, who.principal, year,
                                             year_shown(svc, year))  # fmt: skip
    mine = mrv_desk.cases_for(svc.engine, who.principal, shown) if shown else []
    body = who.principal.organisation if who.principal.role is Role.VERIFIER else None
    working = [c for c in mine if body and c.body == body and c.state in mrv_desk.OPEN_FOR_BODY]
    findings = {c.company: mrv_desk.findings_of(svc.engine, c.company, c.year) for c in working}
    return render(request, svc, who, "verifier.html", year=shown, cases=mine, body=body,
                  findings=findings, elsewhere=elsewhere,
                  years=mrv_desk.years_for(svc.engine, who.principal, shown),
                  open_states=mrv_desk.OPEN_FOR_BODY[:2])  # fmt: skip


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, svc: ServiceDep, who: VisitorDep,
               offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> Response:  # fmt: skip
    if who.principal is None:
        return login_redirect("/audit")
    if not allowed(who, {Role.REGULATOR, Role.AUDITOR, Role.ADMINISTRATOR}):
        return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                      message="the audit log is for auditors, regulators and administrators")  # fmt: skip
    page = admin_views.audit_entries(svc.engine, limit=100, offset=offset, principal=who.principal)
    return render(request, svc, who, "audit.html", page=page, actions=AUDIT_ACTIONS,
                  explanations=EXPLANATIONS)  # fmt: skip


def _transfer(svc: Service, me: Principal, form: dict[str, str]) -> Message:
    if Scope.PROPOSE not in me.scopes:  # no right could be given: say so, not whom to ask
        if me.role is Role.AUDITOR:
            raise Refused("forbidden", "the auditor role is read-only: it reads every account "
                          "and moves no units")  # fmt: skip
        raise Refused("forbidden", "your role moves no units: transfers are proposed by an "
                      "account's representatives")  # fmt: skip
    source = views.account_id_if_visible(svc.engine, me, form.get("from_account", ""))
    if source is None:
        raise Refused("unknown_account", "choose one of your accounts to send from")
    to_code, class_code = form.get("to_account", "").strip(), form.get("unit_class", "").strip()
    missing = [issue for typed, issue in (
        (to_code, Issue.of("to_account_required", "enter the account to transfer to, e.g. "
                           "DP-OH-C002", Where.of("To account"))),
        (class_code, Issue.of("unit_class_required", "enter the unit class, e.g. DPEA-2016",
                              Where.of("Unit class"))),
    ) if not typed]  # fmt: skip
    if missing:
        raise refusal(missing[0].code, issues=missing, located=True)
    quantity = whole_number(form.get("quantity_t"), "Quantity (t)")
    memo = text_field(form, "memo", "Memo", MEMO_CHARS, strip=False)
    with svc.engine.connect() as connection:
        target = find_account(connection, to_code)
        unit_class = unit_class_by_code(connection, class_code)
    if target is None:
        raise Refused("unknown_account", "no account with that code to send to")
    if unit_class is None:
        raise Refused("unknown_unit_class", "no unit class with that code")
    jurisdiction = account_jurisdiction(svc, form["from_account"])
    now = svc.now()
    key = f"web/{me.user_id}/{form.get('form_key', '')[:64] or uuid.uuid4().hex}"
    outcome = lifecycle.propose(svc.engine, jurisdiction, TransactionRequest(
        "transfer", key, (Movement(source, target, unit_class, quantity),), now,
        memo=memo,
    ), me.username, now)  # fmt: skip
    if outcome.result is ResultCode.INSUFFICIENT_UNITS:  # held against needed, as the API says
        with svc.engine.connect() as connection:
            said = refusal_figures.held_against_needed(
                connection, Movement(source, target, unit_class, quantity))  # fmt: skip
        raise refusal(outcome.result.value, said or None)
    if outcome.result is not ResultCode.OK:
        raise _refused(outcome.result)
    if outcome.status is ProposalStatus.EXECUTED:
        return "transfer executed (transaction {id})", {"id": outcome.transaction_id}
    status = outcome.status.value if outcome.status else ""
    return "proposal {id} recorded: {status}", {"id": outcome.proposal_id, "status": status}


@router.post("/transfer", response_class=HTMLResponse)
async def transfer(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    return await web_write(request, svc, who, "transfer", "web",
                           lambda form, me: _transfer(svc, me, form),
                           key_input="transfer-key", trigger=PROPOSALS_CHANGED)  # fmt: skip


def _surrender(svc: Service, me: Principal, form: dict[str, str]) -> Message:
    if not me.company:
        raise Refused("no_company", "your organisation is not a covered company")
    company = views.company(svc.engine, me.company)
    assert company is not None
    quantity = whole_number(form.get("quantity_t"), "Quantity (t)")
    year = whole_number(form.get("year"), "Compliance year")
    jurisdiction = svc.jurisdiction(company["jurisdiction"])
    unit_class = form.get("unit_class", "").strip()
    key = f"web/{me.user_id}/{form.get('form_key', '')[:64] or uuid.uuid4().hex}"
    # Refusals first (units not held, …): ask about a surplus only of a surrender that can go.
    refused = compliance_service.surrender_refusals(
        svc.engine, jurisdiction, me.company, unit_class, quantity, year, key, svc.now()
    )
    if refused:
        raise refusal_of(refused)
    # Surplus is lawful (cancelled like the rest) but rarely meant: ask before it goes ahead.
    standing = surrender_standing.standing(svc.engine, jurisdiction, me.company, year)
    beyond = standing.beyond_t(quantity) if standing else 0
    if beyond and form.get("beyond_obligation") != "yes":
        assert standing is not None
        figures: dict[str, Any] = {
            name: Verbatim(f"{value:,}") for name, value in (
                ("obligation", standing.obligation_t), ("surrendered", standing.surrendered_t),
                ("still_owed", standing.still_owed_t), ("quantity", quantity),
                ("beyond", beyond))}  # fmt: skip
        raise Refused("surrender_beyond_obligation", BEYOND_OBLIGATION, **figures,
                      year=Verbatim(year))  # fmt: skip
    outcome, issues = compliance_service.surrender(
        svc.engine, jurisdiction, me.company, unit_class, quantity, year, key, svc.now()
    )
    if issues:
        raise refusal_of(issues)
    assert outcome is not None
    done = {"quantity": quantity, "year": year, "id": outcome.transaction_id}
    if beyond:
        return ("surrendered {quantity} t for {year} (transaction {id}), {beyond} t of it "
                "beyond the obligation"), done | {"beyond": Verbatim(f"{beyond:,}")}  # fmt: skip
    return "surrendered {quantity} t for {year} (transaction {id})", done


@router.post("/surrender", response_class=HTMLResponse)
async def surrender(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    me = who.principal
    if me is not None and me.role is not Role.COMPLIANCE_OFFICER:
        return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                      message="only a company's compliance officer surrenders")  # fmt: skip
    return await web_write(request, svc, who, "surrender", "web",
                           lambda form, me: _surrender(svc, me, form),
                           key_input="surrender-key", trigger=PROPOSALS_CHANGED)  # fmt: skip


def _step(svc: Service, me: Principal, proposal_id: int, action: str) -> Message:
    shown = views.proposal(svc.engine, me, proposal_id)
    if shown is None:
        raise Refused("proposal_not_found", "no such proposal that you may see")
    now = svc.now()
    if action == "approve":
        jurisdiction = account_jurisdiction(svc, shown["source_account"])
        outcome = lifecycle.approve(svc.engine, jurisdiction, proposal_id, me.username, now)
    else:
        outcome = lifecycle.cancel(svc.engine, proposal_id, me.username, now)
    if outcome.result is not ResultCode.OK:
        raise _refused(outcome.result)
    status = outcome.status.value if outcome.status else ""
    return "proposal {id}: {status}", {"id": proposal_id, "status": status}


@router.post("/proposals/{proposal_id}/{action}", response_class=HTMLResponse)
async def proposal_step(
    proposal_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    action: Annotated[str, Path(pattern="^(approve|cancel)$")],
    request: Request, svc: ServiceDep, who: VisitorDep,
) -> Response:  # fmt: skip
    return await web_write(request, svc, who, action, str(proposal_id),
                           lambda _form, me: _step(svc, me, proposal_id, action),
                           trigger=PROPOSALS_CHANGED)  # fmt: skip
