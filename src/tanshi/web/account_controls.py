"""An account's registry controls for its representatives: balances and frozen units, the
trusted list (propose an addition, confirm a colleague's, withdraw, remove) and the waiver.

Additions take two representatives at two moments (services/trust_requests.py); removing
takes one and is immediate, or, where the rulebook has two remove, is proposed and confirmed
like an addition and executed at once when confirmed. The waiver of the second approval is recorded by the regulator
(its registry page, or the API), as the holder's declaration; any representative withdraws
it here (tightening needs one person, loosening the regulator's record).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import Service, ServiceDep
from tanshi.api.limits import ACCOUNT_CODE_CHARS
from tanshi.core.errors import TanshiError
from tanshi.registry.lifecycle import Rights
from tanshi.services import account_limits, trust_requests, trusted_list, unit_freeze_reads, views
from tanshi.services.jurisdiction import account_id
from tanshi.services.principals import Principal
from tanshi.services.trusted_list import (
    approval_waiver_on,
    registry_rule,
    removal_needs_two,
    rights,
)
from tanshi.store.engine import reader
from tanshi.web.common import VisitorDep, login_redirect
from tanshi.web.formats import local, offset
from tanshi.web.forms import (
    Message,
    Refused,
    Verbatim,
    account_jurisdiction,
    refusal_for,
    refusal_of,
    text_field,
    web_write,
)
from tanshi.web.render import render
from tanshi.web.session import Visitor

router = APIRouter(include_in_schema=False)
CONTROLS_CHANGED = "controls-changed"  # htmx event: the page reloads its trusted list
Code = Annotated[str, Path(min_length=1, max_length=40)]
PROPOSE_KEY, WAIVER_KEY, LIMIT_KEY = "trust-key", "waiver-key", "limit-propose-key"


def page_of(code: str) -> str:
    return f"/accounts/{code}/controls"


def row_key_id(kind: str, value: object) -> str:
    """The id of a row's form key (hex, so any account code survives a CSS selector)."""
    return f"{kind}-key-" + str(value).encode().hex()


def _held(svc: Service, code: str, username: str) -> Rights:
    with reader(svc.engine).connect() as connection:
        return rights(connection, account_id(connection, code), username)


def _not_found(request: Request, svc: Service, who: Visitor, code: str) -> Response:
    return render(request, svc, who, "result.html", 404, ok=False, code="unknown_account",
                  message="no such account")  # fmt: skip


def controls_context(svc: Service, who: Visitor, code: str) -> dict:
    """What the page and its fragment show about the account ``code`` (visible to ``who``)."""
    assert who.principal is not None
    now = svc.now()
    jurisdiction = svc.jurisdiction_of_account(code)  # the page has shown it exists
    rule = registry_rule(jurisdiction, now)
    with reader(svc.engine).connect() as connection:
        waived = approval_waiver_on(connection, account_id(connection, code))
    held = _held(svc, code, who.principal.username)
    return {
        "code": code, "now": now, "held": held,
        "entries": trusted_list.trusted_list(svc.engine, code),
        "requests": trust_requests.pending(svc.engine, code), "waived": waived,
        "waiver_allowed": bool(rule and rule.second_approval_waiver),
        "activation_days": rule.trusted_list_activation_working_days if rule else 0,
        "removal_two": removal_needs_two(jurisdiction, now),
        "new_key": lambda: uuid.uuid4().hex, "row_key_id": row_key_id,
        "propose_key": PROPOSE_KEY, "waiver_key": WAIVER_KEY,
    } | _limit_context(svc, who, jurisdiction, rule, code, held)  # fmt: skip


def _limit_context(svc: Service, who: Visitor, jurisdiction, rule, code: str,
                   held: Rights) -> dict:  # fmt: skip
    """The account's own limit per transfer and its pending change (web/account_limits.py
    changes them), who confirms one, and the registry's trusted-only threshold."""
    assert who.principal is not None
    in_force = account_limits.current(svc.engine, code)
    by = account_limits.confirmers(jurisdiction, svc.now())
    representative = account_limits.REPRESENTATIVE in by
    regulator = account_limits.REGULATOR in by and account_limits.regulates(
        who.principal, jurisdiction)  # fmt: skip
    return {
        # The rule's own value: who confirms a change (RegistryRule.account_transaction_limits)
        "limit_by": rule.account_transaction_limits if rule else "not_offered",
        "limit_decides": regulator,
        "limit_confirms": regulator or (representative and held.approve),
        "limits_offered": account_limits.offered(jurisdiction, svc.now()),
        "limit": None if in_force is None else in_force.max_units_per_transaction,
        "limit_set": in_force, "limit_requests": account_limits.pending(svc.engine, code),
        "untrusted_max": rule.untrusted_transfer_max_units if rule else None,
        "limit_key": LIMIT_KEY,
    }  # fmt: skip


@router.get("/accounts/{code}/controls", response_class=HTMLResponse)
def controls_page(code: Code, request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    """Balances, freeze orders, the trusted list and its pending additions, the waiver."""
    if who.principal is None:
        return login_redirect(page_of(code))
    account = views.account(svc.engine, who.principal, code)
    if account is None:
        return _not_found(request, svc, who, code)
    context = controls_context(svc, who, code)
    if request.headers.get("hx-request"):
        return render(request, svc, who, "_account_controls.html", **context)
    return render(request, svc, who, "account_controls.html", account=account,
                  balances=unit_freeze_reads.balances(svc.engine, code),
                  freezes=unit_freeze_reads.freeze_orders(svc.engine, code), **context)  # fmt: skip


def _visible(svc: Service, me: Principal, code: str) -> None:
    if views.account_id_if_visible(svc.engine, me, code) is None:
        raise Refused("unknown_account", "no such account")


def _propose(svc: Service, me: Principal, code: str, form: dict[str, str]) -> Message:
    _visible(svc, me, code)
    trusted = text_field(form, "trusted", "Account to trust", ACCOUNT_CODE_CHARS)
    made, issues = trust_requests.propose(svc.engine, code, trusted, me, svc.now())
    if issues:
        raise refusal_of(issues)
    assert made is not None
    return ("addition {id} of {trusted} proposed: another representative must confirm it",
            {"id": Verbatim(str(made.id)), "trusted": Verbatim(trusted)})  # fmt: skip


def _decide(svc: Service, me: Principal, code: str, request_id: int, decision: str) -> Message:
    _visible(svc, me, code)
    if decision == "withdraw":
        issues = trust_requests.withdraw(svc.engine, code, request_id, me, svc.now())
        if issues:
            raise refusal_of(issues)
        return "request {id} withdrawn", {"id": Verbatim(str(request_id))}
    jurisdiction = account_jurisdiction(svc, code)
    done, issues = trust_requests.confirm(svc.engine, jurisdiction, code, request_id,
                                          me, svc.now())  # fmt: skip
    if issues:
        raise refusal_of(issues)
    if isinstance(done, trust_requests.Removed):
        return "{trusted} taken off the trusted list", {"trusted": Verbatim(done.trusted)}
    assert done is not None
    zone = jurisdiction.rulebook.rulebook.timezone  # the account's clock, as the pages show
    return ("{trusted} is on the trusted list from {active} ({zone})", {
        "trusted": Verbatim(done.trusted), "active": Verbatim(local(done.active_from, zone)),
        "zone": Verbatim(offset(zone))})  # fmt: skip


def _remove(svc: Service, me: Principal, code: str, form: dict[str, str]) -> Message:
    _visible(svc, me, code)
    trusted = text_field(form, "trusted", "Account to trust", ACCOUNT_CODE_CHARS)
    if trusted not in {e.account for e in trusted_list.trusted_list(svc.engine, code)}:
        raise Refused("not_on_trusted_list", "that account is not on the trusted list")
    jurisdiction = account_jurisdiction(svc, code)
    done, issues = trust_requests.remove(svc.engine, jurisdiction, code, trusted, me,
                                         svc.now())  # fmt: skip
    if issues:
        raise refusal_of(issues)
    if isinstance(done, trust_requests.TrustRequest):
        return ("removal {id} of {trusted} proposed: another representative must confirm it",
                {"id": Verbatim(str(done.id)), "trusted": Verbatim(trusted)})  # fmt: skip
    return "{trusted} taken off the trusted list", {"trusted": Verbatim(trusted)}


def _withdraw_waiver(svc: Service, me: Principal, code: str) -> Message:
    _visible(svc, me, code)
    jurisdiction = account_jurisdiction(svc, code)
    try:
        trusted_list.set_approval_waiver(svc.engine, jurisdiction, code, False,
                                         me.username, me.username,
                                         svc.now())  # fmt: skip
    except TanshiError as error:
        raise refusal_for("approval_waiver_refused", error) from error
    return "the waiver is withdrawn: every transfer needs a second approval again", {}


@router.post("/accounts/{code}/trusted/propose", response_class=HTMLResponse)
async def propose(code: Code, request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    return await web_write(request, svc, who, "trusted_list_add", code,
                           lambda form, me: _propose(svc, me, code, form), key_input=PROPOSE_KEY,
                           key_required=True, trigger=CONTROLS_CHANGED)  # fmt: skip


@router.post("/accounts/{code}/trusted/{request_id}/{decision}", response_class=HTMLResponse)
async def decide(
    code: Code, request_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: Annotated[str, Path(pattern="^(confirm|withdraw)$")],
    request: Request, svc: ServiceDep, who: VisitorDep,
) -> Response:  # fmt: skip
    """Confirm a colleague's addition or removal, or withdraw (turn down) one."""
    return await web_write(request, svc, who, f"trusted_list_{decision}", f"{code}/{request_id}",
                           lambda _form, me: _decide(svc, me, code, request_id, decision),
                           key_input=row_key_id("request", request_id), key_required=True,
                           trigger=CONTROLS_CHANGED)  # fmt: skip


@router.post("/accounts/{code}/trusted/remove", response_class=HTMLResponse)
async def remove(code: Code, request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await web_write(request, svc, who, "trusted_list_remove", code,
                           lambda form, me: _remove(svc, me, code, form),
                           key_input=row_key_id("entry", form.get("trusted", "")),
                           key_required=True, trigger=CONTROLS_CHANGED)  # fmt: skip


@router.post("/accounts/{code}/waiver/withdraw", response_class=HTMLResponse)
async def withdraw_waiver(code: Code, request: Request, svc: ServiceDep,
                          who: VisitorDep) -> Response:  # fmt: skip
    return await web_write(request, svc, who, "approval_waiver", code,
                           lambda _form, me: _withdraw_waiver(svc, me, code), key_input=WAIVER_KEY,
                           key_required=True, trigger=CONTROLS_CHANGED)  # fmt: skip
