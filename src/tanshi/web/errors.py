"""Error pages for the web's addresses: in the site's layout and the visitor's language.

The API's addresses (``/v1``, ``/openapi.json``, ``/static``) keep the API's JSON errors;
every other address is a page, so a 404, a refused year or an oversized upload answers with
a page (or, for htmx, the result fragment it swaps in) rather than JSON or a bare fragment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from tanshi.api.app import BodyLimit
from tanshi.api.context import Service
from tanshi.api.errors import ApiError
from tanshi.rulebook.in_force import NoRuleInForce
from tanshi.web.forms import Listed, Phrase, Refused, Verbatim, detail_in, no_rules, refusal, say
from tanshi.web.render import render
from tanshi.web.session import visitor

API_PATHS = ("/v1/", "/static/")
Handler = Callable[[Request, Any], Awaitable[Response]]

# What an HTTP status means on a page (msgids); others get the generic message.
HTTP_MESSAGES = {
    404: "there is no page at this address: check the address or start from your home page",
    405: "this page does not take that kind of request: start again from your home page",
}
TOO_LARGE = (
    "the form sent more than {kib} KiB, the most this site takes: make the file smaller "
    "(remove comment lines or columns not needed) and send it again, or ask the "
    "registry's operator to raise the limit (TANSHI_MAX_BODY_BYTES)"
)
SERVER_FAILED = "the server failed; the error is logged: try again later"
INVALID_ADDRESS = (
    "the address has a value this page cannot read ({field}: {problem}): correct it, or "
    "start again from your home page"
)
INVALID_ADDRESS_MANY = (
    "the address has {count} values this page cannot read ({problems}): correct them, or "
    "start again from your home page"
)
ONE_VALUE = "{field}: {problem}"

# The values a web address carries (its path's and query's names), by the name a page gives
# them (msgids); a name not here is shown as written. tests/web/test_answers_in_chinese.py
# checks that every web route's values have one.
ADDRESS_FIELDS = {
    "account": "Account", "action": "Action", "bid_id": "Bid", "code": "Code",
    "company": "Company", "decision": "Decision", "freeze_id": "Freeze order",
    "interval": "Chart interval", "jurisdiction": "Jurisdiction", "kind": "Kind",
    "next": "Page to return to", "offset": "Position in the list", "on": "Date",
    "order_id": "Order", "part": "Part of the page", "product": "Product",
    "proposal_id": "Proposal number", "request_id": "Request number", "status": "Status",
    "type": "Type", "username": "Username", "year": "Year",
}  # fmt: skip


def field_name(field: str) -> str:
    """The name a page gives a value of its address (a msgid), else the name as written."""
    return ADDRESS_FIELDS.get(field, Verbatim(field or "?"))


# What a value of the address that cannot be read lacks, by pydantic's error type (msgids
# with the error's context); another type is said in pydantic's English.
INVALID_VALUES = {
    "int_parsing": "enter a whole number", "int_type": "enter a whole number",
    "int_from_float": "enter a whole number", "float_parsing": "enter a number",
    "decimal_parsing": "enter a number", "bool_parsing": "enter true or false",
    "date_parsing": "enter a date as YYYY-MM-DD", "date_from_datetime_parsing":
    "enter a date as YYYY-MM-DD", "missing": "a value is needed",
    "greater_than_equal": "it must be at least {ge}", "greater_than": "it must be above {gt}",
    "less_than_equal": "it must be at most {le}", "less_than": "it must be below {lt}",
    "string_too_long": "it may have at most {max_length} characters",
    "string_too_short": "it needs at least {min_length} characters",
    "string_pattern_mismatch": "it has characters this value may not have",
    "literal_error": "it must be one of {expected}", "enum": "it must be one of {expected}",
}  # fmt: skip


def invalid_value(error: Mapping[str, Any]) -> Phrase | Verbatim:
    """What is wrong with a value, from one of pydantic's errors, as a page says it."""
    msgid = INVALID_VALUES.get(str(error.get("type")))
    context = {k: Verbatim(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return Phrase(msgid, **context) if msgid else Verbatim(str(error.get("msg", "not valid")))
    except (KeyError, IndexError):  # a context without the figure the msgid names
        return Verbatim(str(error.get("msg", "not valid")))


def _field(error: Mapping[str, Any]) -> str:
    """The name of the address value a pydantic error is about (its path or query name)."""
    return ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path"))


def is_api(path: str) -> bool:
    return path in ("/v1", "/openapi.json") or path.startswith(API_PATHS)


def _page(request: Request, svc: Service, status: int, refused: Refused) -> Response:
    who = visitor(request, svc)
    return render(request, svc, who, "result.html", status, ok=False, code=refused.code,
                  message=say(who.locale, refused.message, refused.values),
                  detail=detail_in(who.locale, refused))  # fmt: skip


async def page(request: Request, status: int, refused: Refused) -> Response:
    """The result page (or fragment) for a refusal, rendered off the event loop."""
    svc: Service = request.app.state.service
    return await run_in_threadpool(_page, request, svc, status, refused)


def _api_handler(app: FastAPI, kind: type[Exception]) -> Handler:
    """The API's handler of ``kind``: api/errors.py defines every one ``async``."""
    return cast(Handler, app.exception_handlers[kind])


def install(app: FastAPI) -> None:
    """Pages for HTTP errors, API errors, years without rules and crashes on web addresses;
    the API's JSON stays on its own."""
    api_http = _api_handler(app, StarletteHTTPException)
    api_no_rule = _api_handler(app, NoRuleInForce)
    api_error = _api_handler(app, ApiError)
    api_crash = _api_handler(app, Exception)
    api_invalid = _api_handler(app, RequestValidationError)

    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if is_api(request.url.path):
            return await api_http(request, error)
        message = HTTP_MESSAGES.get(error.status_code, "the request could not be served")
        code = {404: "not_found", 405: "method_not_allowed"}.get(
            error.status_code, f"http_{error.status_code}"
        )
        return await page(request, error.status_code, Refused(code, message))

    async def no_rule(request: Request, error: NoRuleInForce) -> Response:
        if is_api(request.url.path):
            return await api_no_rule(request, error)
        return await page(request, 422, no_rules(error))

    async def refused(request: Request, error: ApiError) -> Response:
        if is_api(request.url.path):
            return await api_error(request, error)
        return await page(request, error.status, refusal(error.code, error.message))

    async def invalid(request: Request, error: RequestValidationError) -> Response:
        if is_api(request.url.path):
            return await api_invalid(request, error)
        errors = error.errors() or [{}]
        problems: list[Mapping[str, object]] = [
            {"field": field_name(_field(e)), "problem": invalid_value(e)} for e in errors
        ]
        if len(problems) == 1:
            return await page(request, 422, Refused(
                "invalid_address", INVALID_ADDRESS, field=field_name(_field(errors[0])),
                problem=invalid_value(errors[0]),
            ))  # fmt: skip
        return await page(request, 422, Refused(
            "invalid_address", INVALID_ADDRESS_MANY, count=Verbatim(len(problems)),
            problems=Listed(ONE_VALUE, problems),
        ))  # fmt: skip

    async def crash(request: Request, error: Exception) -> Response:
        if is_api(request.url.path):
            return await api_crash(request, error)
        try:
            return await page(request, 500, Refused("internal_error", SERVER_FAILED))
        except Exception:  # the page itself failed (the database, say): the API's answer
            return await api_crash(request, error)

    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]  # Starlette calls it only with this exception class
    app.add_exception_handler(NoRuleInForce, no_rule)  # type: ignore[arg-type]  # Starlette calls it only with this exception class
    app.add_exception_handler(ApiError, refused)  # type: ignore[arg-type]  # Starlette calls it only with this exception class
    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]  # Starlette calls it only with this exception class
    app.add_exception_handler(Exception, crash)


class WebBodyLimit(BodyLimit):
    """The body-size limit; on a web address the refusal is a page that says the limit."""

    def __init__(self, app: Any, limit: int, service: Service) -> None:
        super().__init__(app, limit)
        self.service = service

    async def _refuse(self, scope: dict, send: Any) -> None:
        if is_api(scope.get("path", "")):
            await super()._refuse(scope, send)
            return
        request = Request(scope)
        kib = self.limit // 1024
        refused = Refused("payload_too_large", TOO_LARGE, kib=Verbatim(kib))  # fmt: skip
        response = await run_in_threadpool(_page, request, self.service, 413, refused)

        async def nothing() -> dict:
            return {"type": "http.disconnect"}

        await response(scope, nothing, send)
