"""The regulator's registry controls page: freeze orders (their frozen quantities and court
orders; freeze, release), the holder's waiver of the second approval as the regulator records
it, and the transfers waiting for their delay or for business hours.

Kept apart from web/regulator.py (the regulator's overview) so each stays small.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import Service, ServiceDep
from tanshi.api.limits import (
    ACCOUNT_CODE_CHARS,
    CONTROL_REASON_CHARS,
    DECLARED_BY_CHARS,
    ORDER_REFERENCE_CHARS,
    SERIALS_CHARS,
    UNIT_CLASS_CHARS,
)
from tanshi.core.errors import TanshiError
from tanshi.core.issues import Issue, Where
from tanshi.registry import ResultCode
from tanshi.services import registry_desk, trusted_list, unit_freezes, views
from tanshi.services.principals import Principal, Role
from tanshi.services.trusted_list import registry_rule
from tanshi.web.common import VisitorDep, allowed, login_redirect
from tanshi.web.forms import (
    Message,
    Refused,
    Verbatim,
    account_jurisdiction,
    refusal,
    refusal_for,
    text_field,
    web_write,
    whole_number,
)
from tanshi.web.render import render
from tanshi.web.session import Visitor

router = APIRouter(include_in_schema=False)
PAGE = "/regulator/registry"
READERS = {Role.REGULATOR, Role.AUDITOR, Role.ADMINISTRATOR}
DESK_CHANGED = "registry-changed"  # htmx event: the page reloads its freeze orders and queue
FREEZE_KEY, WAIVER_KEY = "freeze-key", "desk-waiver-key"


def _refused_page(request: Request, svc: Service, who: Visitor) -> Response:
    return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                  message="this page is for regulators and auditors")  # fmt: skip


@router.get(PAGE, response_class=HTMLResponse)
def desk(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    """Every freeze order, the transfers waiting for release, and the regulator's forms."""
    if who.principal is None:
        return login_redirect(PAGE)
    if not allowed(who, READERS):
        return _refused_page(request, svc, who)
    mine = views.codes_in_scope(svc.engine, who.principal)
    context: dict[str, Any] = {
        "freezes": [f for f in registry_desk.freeze_orders(svc.engine)
                    if mine is None or f.account in mine],
        "waiting": registry_desk.waiting_transfers(svc.engine, who.principal),
        "release_forms": who.principal.role is Role.REGULATOR, "with_account": True,
        "new_key": lambda: uuid.uuid4().hex,
    }  # fmt: skip
    if request.headers.get("hx-request"):
        return render(request, svc, who, "_registry_desk.html", **context)
    return render(request, svc, who, "registry_desk.html", freeze_key=FREEZE_KEY,
                  waiver_key=WAIVER_KEY, **context)  # fmt: skip


def _serials(text: str) -> tuple[tuple[int, int], ...] | None:
    """``1001-1100, 2001-2005`` as ranges; None when empty."""
    ranges = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        first, _, last = part.partition("-")
        try:
            ranges.append((int(first), int(last or first)))
        except ValueError as error:
            raise Refused("invalid_serials", "write serial ranges as first-last, e.g. 1001-1100, "
                          "separated by commas") from error  # fmt: skip
    return tuple(ranges) or None


def _freeze(svc: Service, me: Principal, form: dict[str, str]) -> Message:
    quantity = whole_number(form.get("quantity_t"), "Quantity (t)")
    code = text_field(form, "account", "Account", ACCOUNT_CODE_CHARS)
    unit_class = text_field(form, "unit_class", "Unit class", UNIT_CLASS_CHARS)
    reference = text_field(form, "order_reference", "Court order", ORDER_REFERENCE_CHARS)
    reason = text_field(form, "reason", "Reason", CONTROL_REASON_CHARS)
    if not views.in_scope(svc.engine, me, code):  # another jurisdiction's account
        raise refusal("freeze_refused", issues=[Issue.of(
            "unknown_account", "no account {code} in your jurisdiction", code=code)])  # fmt: skip
    key = f"web/{me.user_id}/{form.get('form_key', '')[:64]}"
    try:
        outcome = unit_freezes.freeze_units(
            svc.engine, code, unit_class, quantity, reference, reason, me.username, key, svc.now(), serials=_serials(text_field(form, "serials", "Serials (optional)", SERIALS_CHARS)),
        )  # fmt: skip
    except TanshiError as error:
        raise refusal_for("freeze_refused", error) from error
    if outcome.freeze_id is None:  # with the figures (held against needed, the serials)
        raise refusal(outcome.result.value, outcome.detail or None)
    return ("freeze order {id}: {quantity} t frozen in {account}", {
        "id": Verbatim(str(outcome.freeze_id)), "quantity": Verbatim(f"{quantity:,}"),
        "account": Verbatim(code)})  # fmt: skip


def _release(svc: Service, me: Principal, freeze_id: int, form: dict[str, str]) -> Message:
    reason = text_field(form, "reason", "Reason", CONTROL_REASON_CHARS)
    if not reason:
        raise Refused("reason_required", "say why the order is released")
    wanted = form.get("quantity_t", "").strip().replace(",", "")
    # Empty releases the whole order; anything else must be a whole number of tonnes.
    quantity = whole_number(wanted, "Quantity (t)") if wanted else None
    if views.freeze_order_hidden(svc.engine, me, freeze_id):
        raise refusal("freeze_order_not_found")
    try:
        outcome = unit_freezes.release_freeze(
            svc.engine, freeze_id, me.username, reason, svc.now(),
            quantity_units=quantity,
            idempotency_key=f"web-release-{form.get('form_key', '')}" if quantity else None,
        )  # fmt: skip
    except unit_freezes.FreezeOrderNotFound as error:
        raise refusal("freeze_order_not_found") from error
    except TanshiError as error:
        raise refusal_for("freeze_order_released", error) from error
    if outcome.result is not ResultCode.OK:  # with the figures (what the order holds)
        raise refusal(outcome.result.value, outcome.detail or None)
    if quantity is not None:
        return "freeze order {id}: {quantity} t released back to the account", {
            "id": Verbatim(str(freeze_id)), "quantity": Verbatim(f"{quantity:,}")}  # fmt: skip
    return "freeze order {id} released: its units are back in the account", {
        "id": Verbatim(str(freeze_id))}  # fmt: skip


def _waiver(svc: Service, me: Principal, form: dict[str, str]) -> Message:
    code = text_field(form, "account", "Account", ACCOUNT_CODE_CHARS)
    waived = form.get("waived") == "on"
    declared_by = text_field(form, "declared_by", "Declared by (a representative who may "
                             "approve)", DECLARED_BY_CHARS)  # fmt: skip
    # Every empty field at once.
    missing = [issue for typed, issue in (
        (code, Issue.of("account_required", "enter the account's code, e.g. DP-OH-C001",
                        Where.of("Account"))),
        (declared_by, Issue.of("declared_by_required", "name the representative who declared "
                               "it", Where.of("Declared by (a representative who may approve)"))),
    ) if not typed]  # fmt: skip
    if missing:
        raise refusal(missing[0].code, issues=missing, located=True)
    jurisdiction = account_jurisdiction(svc, code, who=me)
    rule = registry_rule(jurisdiction, svc.now())
    if waived and not (rule and rule.second_approval_waiver):
        raise refusal("approval_waiver_not_allowed")
    try:
        trusted_list.set_approval_waiver(svc.engine, jurisdiction, code, waived, declared_by,
                                         me.username, svc.now())  # fmt: skip
    except TanshiError as error:
        raise refusal_for("approval_waiver_refused", error) from error
    if waived:
        return "waiver of {account} recorded: transfers to its trusted list need no second " \
            "approval", {"account": Verbatim(code)}  # fmt: skip
    return "waiver of {account} withdrawn", {"account": Verbatim(code)}


def _regulator_only(who: Visitor) -> bool:
    return who.principal is None or who.principal.role is Role.REGULATOR


@router.post(PAGE + "/freeze", response_class=HTMLResponse)
async def freeze(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    if not _regulator_only(who):
        return _forbidden(request, svc, who)
    return await web_write(request, svc, who, "freeze", "web",
                           lambda form, me: _freeze(svc, me, form), key_input=FREEZE_KEY,
                           key_required=True, trigger=DESK_CHANGED)  # fmt: skip


@router.post(PAGE + "/freezes/{freeze_id}/release", response_class=HTMLResponse)
async def release(freeze_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request,
                  svc: ServiceDep, who: VisitorDep) -> Response:  # fmt: skip
    if not _regulator_only(who):
        return _forbidden(request, svc, who)
    return await web_write(request, svc, who, "unfreeze", str(freeze_id),
                           lambda form, me: _release(svc, me, freeze_id, form),
                           key_input=f"release-key-{freeze_id}", key_required=True,
                           trigger=DESK_CHANGED)  # fmt: skip


@router.post(PAGE + "/waiver", response_class=HTMLResponse)
async def waiver(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    if not _regulator_only(who):
        return _forbidden(request, svc, who)
    return await web_write(request, svc, who, "approval_waiver", "web",
                           lambda form, me: _waiver(svc, me, form), key_input=WAIVER_KEY,
                           key_required=True, trigger=DESK_CHANGED)  # fmt: skip


def _forbidden(request: Request, svc: Service, who: Visitor) -> Response:
    return render(request, svc, who, "result.html", 403, ok=False, code="forbidden",
                  message="only the regulator freezes, releases and records waivers")  # fmt: skip
