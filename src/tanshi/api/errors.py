"""One error shape for every failure: a code, a message and the field at fault."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from tanshi.core.issues import Issue
from tanshi.registry import ResultCode
from tanshi.rulebook.in_force import NoRuleInForce, year_spans

# A person's name for a request's field, by its machine name (the last part of ``field``
# that is not a list index: ``body.bids.0.price_per_t`` → ``price (per tonne)``); a field not
# listed has no label. ``field`` stays the machine name scripts switch on.
FIELD_LABELS = {
    "year": "compliance year", "quantity_t": "quantity (t)", "volume_t": "volume (t)",
    "price_cny_per_t": "price (CNY per tonne)", "price_per_t": "price (per tonne)",
    "reserve_price_per_t": "reserve price (per tonne)", "amount_fen": "amount (fen)",
    "account": "account", "from_account": "source account", "to_account": "destination account",
    "company": "company", "bidder": "bidder", "buyer": "buyer", "seller": "seller",
    "product": "product", "side": "side (buy or sell)", "time_in_force": "time in force",
    "unit_class": "unit class", "code": "code", "jurisdiction": "jurisdiction",
    "auction_on": "auction day", "opens_at": "bidding opens", "closes_at": "bidding closes",
    "reason": "reason", "memo": "memo", "seed": "random seed", "order_id": "order",
    "bid_id": "bid", "guarantee": "bid guarantee", "max_units_per_transaction":
    "maximum units per transaction", "misstatement_t": "misstatement (t)",
    "figure_t": "figure (t)", "stated_t": "stated figure (t)", "username": "username",
    "password": "password", "new_password": "new password", "totp": "one-time code",
    "display_name": "display name", "role": "role", "scopes": "scopes", "sector": "sector",
    "limit": "page size", "offset": "page offset", "on": "day", "until": "until",
    "Idempotency-Key": "Idempotency-Key header", "toml": "TOML text", "csv": "CSV text",
    "serials": "serial numbers", "type": "transaction type",
}  # fmt: skip


def field_label(field: str | None) -> str | None:
    """The person's name of a request's ``field`` (``FIELD_LABELS``), or None."""
    parts = [part for part in (field or "").split(".") if part and not part.isdigit()]
    return FIELD_LABELS.get(parts[-1]) if parts else None


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    label: str | None = None  # the field's name for people (FIELD_LABELS), set from ``field``

    @model_validator(mode="after")
    def _labelled(self) -> ErrorDetail:
        if self.label is None:
            self.label = field_label(self.field)
        return self


class ErrorInfo(ErrorDetail):
    details: list[ErrorDetail] = []


class ErrorBody(BaseModel):
    """Every 4xx and 5xx response of the API has this body."""

    error: ErrorInfo


class ApiError(Exception):
    """An answer other than success, raised anywhere in a route and rendered as ErrorBody."""

    def __init__(
        self, status: int, code: str, message: str, field: str | None = None,
        details: list[ErrorDetail] | None = None, headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.details = details or []
        self.headers = headers

    @classmethod
    def from_body(cls, status: int, body: dict[str, Any]) -> ApiError:
        """The error an ErrorBody (a kept answer) describes."""
        info = ErrorInfo.model_validate(body["error"])
        return cls(status, info.code, info.message, info.field, info.details)

    def body(self) -> dict[str, Any]:
        return ErrorBody(
            error=ErrorInfo(
                code=self.code, message=self.message, field=self.field, details=self.details
            )
        ).model_dump()


def from_issues(status: int, issues: list[Issue], field_of=None) -> ApiError:
    """The first issue as the error, all of them as details (every problem at once)."""
    details = [
        ErrorDetail(code=i.code, message=i.message, field=(field_of(i) if field_of else i.where))
        for i in issues
    ]
    first = details[0]
    return ApiError(status, first.code, first.message, first.field, details)


# Result codes that mean "you may not", rather than "this request is wrong".
FORBIDDEN_RESULTS = frozenset(
    {
        ResultCode.TYPE_NOT_OPEN_TO_PEOPLE,
        ResultCode.INITIATOR_LACKS_RIGHT,
        ResultCode.APPROVER_LACKS_RIGHT,
        ResultCode.APPROVER_MUST_DIFFER_FROM_INITIATOR,
    }
)
CONFLICT_RESULTS = frozenset(
    {
        ResultCode.IDEMPOTENCY_KEY_REUSED,
        ResultCode.PROPOSAL_NOT_AWAITING_APPROVAL,
        ResultCode.PROPOSAL_NOT_CANCELLABLE,
    }
)


def from_result(result: ResultCode, field: str | None = None) -> ApiError:
    """The registry refused: 403 for missing rights, 409 for state conflicts, else 422."""
    status = 403 if result in FORBIDDEN_RESULTS else 409 if result in CONFLICT_RESULTS else 422
    if result is ResultCode.PROPOSAL_NOT_FOUND:
        status = 404
    message = (
        f"the registry refused the request: {result.value.replace('_', ' ')} "
        "(see docs/registry.md, Result codes)"
    )
    return ApiError(status, result.value, message, field)


def no_rule_error(error: NoRuleInForce) -> ApiError:
    """A year the rulebook does not rule on, chosen by the caller: 422 with the years it does."""
    if error.year is None:
        return ApiError(422, "no_rule_in_force", str(error), "year")
    message = (f"no rules are in force for {error.year} ({error}); the rulebook has rules "
               f"for {year_spans(error.years)}")  # fmt: skip
    return ApiError(422, "no_rule_in_force", message, "year")


def error_response(error: ApiError) -> JSONResponse:
    """The answer to an ``ApiError``: its status, its headers and the ErrorBody."""
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def _field(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location)


def install(app: FastAPI) -> None:
    """Render ApiError, validation errors and HTTP errors as ErrorBody."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(NoRuleInForce)
    async def _no_rule(_request: Request, error: NoRuleInForce) -> JSONResponse:
        return error_response(no_rule_error(error))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        details = [
            ErrorDetail(
                code=str(e.get("type", "invalid")),
                message=str(e.get("msg", "invalid value")),
                field=_field(tuple(e.get("loc", ()))),
            )
            for e in error.errors()
        ] or [ErrorDetail(code="invalid_request", message="the request is not valid")]
        first = details[0]
        body = ApiError(422, first.code, first.message, first.field, details).body()
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}
        code = codes.get(error.status_code, f"http_{error.status_code}")
        body = ApiError(error.status_code, code, str(error.detail)).body()
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(Exception)
    async def _crash(_request: Request, _error: Exception) -> JSONResponse:
        body = ApiError(500, "internal_error", "the server failed; the error is logged").body()
        return JSONResponse(body, status_code=500)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "bad request (e.g. a missing Idempotency-Key)"),
        (401, "no or invalid credentials"),
        (403, "the credentials lack a scope or a right"),
        (404, "not found or not visible to you"),
        (409, "conflict with the current state or an idempotency key"),
        (413, "request body too large"),
        (422, "the request is invalid; field says where"),
        (429, "too many attempts"),
    )
}
