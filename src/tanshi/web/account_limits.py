"""An account's own limit per transfer on its controls page: propose a change, confirm a
colleague's, withdraw or turn one down (EU Reg. 2019/1122 Art. 23(3b);
services/account_limits.py). The page's fragment shows the limit (web/account_controls.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import Service, ServiceDep
from tanshi.services import account_limits, views
from tanshi.services.principals import Principal
from tanshi.web.account_controls import CONTROLS_CHANGED, LIMIT_KEY, Code, row_key_id
from tanshi.web.common import VisitorDep
from tanshi.web.formats import local, offset
from tanshi.web.forms import (
    Message,
    Refused,
    Verbatim,
    account_jurisdiction,
    refusal_of,
    web_write,
)
from tanshi.web.numbers import read_whole

router = APIRouter(include_in_schema=False)
MAX_LIMIT = 2**62  # as the API's LimitChangeIn
MAX_LIMIT_CHARS = 40  # room for 2^62 grouped by thousands, and spaces
# Who must confirm a proposed change, by the rule's confirmers (msgids: the answer's {who}).
R, G = account_limits.REPRESENTATIVE, account_limits.REGULATOR
CONFIRMER_WORDS = {
    frozenset({R}): "another representative",
    frozenset({G}): "the regulator",
    frozenset({R, G}): "another representative or the regulator",
}


def _visible(svc: Service, me: Principal, code: str) -> None:
    if views.account_id_if_visible(svc.engine, me, code) is None:
        raise Refused("unknown_account", "no such account")


def _units(text: str) -> int | None:
    if text.strip() == "":
        return None
    # A number longer than any limit the API takes (2^62) is refused, never cut to size.
    units = read_whole(text) if len(text.strip()) <= MAX_LIMIT_CHARS else None
    if units is not None and units > MAX_LIMIT:
        units = None
    if units is None:
        raise Refused("limit_must_be_positive", "a limit is a positive number of units per "
                      "transfer")  # fmt: skip
    return units


def _propose(svc: Service, me: Principal, code: str, form: dict[str, str]) -> Message:
    _visible(svc, me, code)
    units = None if form.get("remove") else _units(form.get("units", ""))
    if units is None and not form.get("remove"):
        raise Refused("limit_must_be_positive", "a limit is a positive number of units per "
                      "transfer")  # fmt: skip
    jurisdiction = account_jurisdiction(svc, code)
    made, issues = account_limits.propose(svc.engine, jurisdiction, code, units, me,
                                          svc.now())  # fmt: skip
    if issues:
        raise refusal_of(issues)
    assert made is not None
    who_confirms = CONFIRMER_WORDS[account_limits.confirmers(jurisdiction, svc.now())]
    if units is None:
        return ("removal {id} of the limit proposed: {who} must confirm it",
                {"id": Verbatim(str(made.id)), "who": who_confirms})  # fmt: skip
    return ("limit {id} of {units} units per transfer proposed: {who} must confirm it",
            {"id": Verbatim(str(made.id)), "units": Verbatim(str(units)), "who": who_confirms})  # fmt: skip


def _decide(svc: Service, me: Principal, code: str, request_id: int, decision: str) -> Message:
    _visible(svc, me, code)
    if decision == "withdraw":
        jurisdiction = account_jurisdiction(svc, code)
        issues = account_limits.withdraw(svc.engine, code, request_id, me, svc.now(),
                                         jurisdiction)  # fmt: skip
        if issues:
            raise refusal_of(issues)
        return "request {id} withdrawn", {"id": Verbatim(str(request_id))}
    jurisdiction = account_jurisdiction(svc, code)
    done, issues = account_limits.confirm(svc.engine, jurisdiction, code, request_id,
                                          me, svc.now())  # fmt: skip
    if issues:
        raise refusal_of(issues)
    assert done is not None
    zone = jurisdiction.rulebook.rulebook.timezone  # the account's clock, as the pages show
    at = {"at": Verbatim(local(done.set_at, zone)), "zone": Verbatim(offset(zone))}
    if done.max_units_per_transaction is None:
        return "the account has no limit of its own from {at} ({zone})", at
    return ("the account's limit is {units} units per transfer from {at} ({zone})", {
        "units": Verbatim(str(done.max_units_per_transaction)), **at})  # fmt: skip


@router.post("/accounts/{code}/limit/propose", response_class=HTMLResponse)
async def propose(code: Code, request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    return await web_write(request, svc, who, "account_limit_propose", code,
                           lambda form, me: _propose(svc, me, code, form), key_input=LIMIT_KEY,
                           key_required=True, trigger=CONTROLS_CHANGED)  # fmt: skip


@router.post("/accounts/{code}/limit/{request_id}/{decision}", response_class=HTMLResponse)
async def decide(
    code: Code, request_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: Annotated[str, Path(pattern="^(confirm|withdraw)$")],
    request: Request, svc: ServiceDep, who: VisitorDep,
) -> Response:  # fmt: skip
    """Confirm a colleague's change of the limit, or withdraw (turn down) one."""
    return await web_write(request, svc, who, f"account_limit_{decision}",
                           f"{code}/{request_id}",
                           lambda _form, me: _decide(svc, me, code, request_id, decision),
                           key_input=row_key_id("limit", request_id), key_required=True,
                           trigger=CONTROLS_CHANGED)  # fmt: skip
