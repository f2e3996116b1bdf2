"""Web writes: the CSRF check, the audit line and the answer shown in the page."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import HTMLResponse

from tanshi.api.context import Service, client_address
from tanshi.services import access_log
from tanshi.web.i18n import translator
from tanshi.web.render import render
from tanshi.web.session import Visitor, csrf_ok

Message = tuple[str, dict[str, object]]  # an English template (the msgid) and its values


class Refused(Exception):
    """A web write that cannot go ahead: a code and a message for the person."""

    def __init__(self, code: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.code, self.message, self.values = code, message, values


def say(locale: str, message: str, values: dict[str, object]) -> str:
    """``message`` in the visitor's language, with its values (themselves translated)."""
    translate = translator(locale)
    return translate(message).format(**{k: translate(str(v)) for k, v in values.items()})


def whole_number(text: str | None, name: str) -> int:
    try:
        value = int(str(text).strip())
    except ValueError as error:
        raise Refused("invalid_number", "{name}: enter a whole number", name=name) from error
    if not 0 < value <= 10**12:
        raise Refused("invalid_number", "{name}: enter a number from 1 to 10^12", name=name)
    return value


async def web_write(
    request: Request, svc: Service, visitor: Visitor, action: str, target: str,
    run: Callable[[dict[str, str]], Message],
) -> HTMLResponse:  # fmt: skip
    """Check the session and the CSRF token, run the write, audit it, show the result."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    sent = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if visitor.principal is None:
        return render(request, svc, visitor, "result.html", 401, ok=False,
                      message="log in first", code="unauthenticated")  # fmt: skip
    if not csrf_ok(visitor.csrf, sent):
        access_log.audit(svc.engine, visitor.principal, action, target, client_address(request),
                       "csrf_token_invalid", svc.now())  # fmt: skip
        return render(request, svc, visitor, "result.html", 403, ok=False,
                      message="the form's security token is missing or stale: reload the page",
                      code="csrf_token_invalid")  # fmt: skip
    safe = {k: v for k, v in form.items() if k not in {"csrf_token", "password", "totp"}}
    try:
        message, values = run(form)
    except Refused as refused:
        access_log.audit(svc.engine, visitor.principal, action, target, client_address(request),
                       refused.code, svc.now(), {"form": safe})  # fmt: skip
        text = say(visitor.locale, refused.message, refused.values)
        return render(request, svc, visitor, "result.html", 422, ok=False, message=text,
                      code=refused.code)  # fmt: skip
    access_log.audit(svc.engine, visitor.principal, action, target, client_address(request), "ok",
                   svc.now(), {"form": safe})  # fmt: skip
    text = say(visitor.locale, message, values)
    return render(request, svc, visitor, "result.html", ok=True, message=text, code="ok")
