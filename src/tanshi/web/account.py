"""Every user's own page: who they are, their second factor, and changing their password.

A user whose password an administrator set (creation or reset) is sent here after login and
reaches no other page until they choose their own (web/common.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tanshi.api.context import Service, ServiceDep
from tanshi.services import user_admin
from tanshi.services.identity import MIN_PASSWORD_CHARS
from tanshi.services.principals import Principal
from tanshi.web.common import VisitorDep, login_redirect
from tanshi.web.forms import Message, Refused, refusal_of, web_write
from tanshi.web.render import ACCOUNT_PAGE, HOME, render
from tanshi.web.session import SESSION_COOKIE

router = APIRouter(include_in_schema=False)


@router.get(ACCOUNT_PAGE, response_class=HTMLResponse)
def account_page(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    """Who you are, whether a second factor is enrolled, and the password form."""
    if who.principal is None:
        return login_redirect(ACCOUNT_PAGE)
    enrolled = user_admin.has_second_factor(svc.engine, who.principal.username)
    return render(request, svc, who, "account.html", enrolled=enrolled,
                  home=HOME[who.principal.role], min_chars=MIN_PASSWORD_CHARS)  # fmt: skip


def _change(svc: Service, me: Principal, form: dict[str, str], session: str | None) -> Message:
    new = form.get("new_password", "")
    if new != form.get("repeat_password", ""):
        raise Refused("passwords_differ", "the two new passwords differ")
    issues = user_admin.change_password(svc.engine, me.user_id, form.get("current_password", ""),
                                        new, svc.now(), svc.policy, keep_session=session)  # fmt: skip
    if issues:
        raise refusal_of(issues)
    return "password changed; your other sessions were closed", {}


@router.post(f"{ACCOUNT_PAGE}/password", response_class=HTMLResponse)
async def change_password(request: Request, svc: ServiceDep, who: VisitorDep) -> Response:
    me = who.principal
    session = request.cookies.get(SESSION_COOKIE)
    return await web_write(request, svc, who, "password_change", me.username if me else "-",
                           lambda form, me: _change(svc, me, form, session))  # fmt: skip
