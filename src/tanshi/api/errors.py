"""One error shape for every failure: a code, a message and the field at fault."""

from __future__ import annotations

from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from tanshi.api.validation import field_of, sentence
from tanshi.core.issues import Issue
from tanshi.registry import ResultCode
from tanshi.rulebook.in_force import NoRuleInForce
from tanshi.services.refusal_texts import unexplained

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
    "accredited": "accredited", "action": "action", "approve": "right to approve",
    "awaiting_my_approval": "awaiting my approval", "beneficiary": "beneficiary",
    "bids": "bids", "body": "verification body", "court_order_reference":
    "court order reference", "declared_by": "declared by", "depth": "book depth",
    "description": "description", "destination": "destination account", "dry_run": "dry run",
    "english": "in English", "expires_in_days": "expiry (days)", "finding_id": "finding",
    "format": "format", "freeze_id": "freeze order", "guarantees": "bid guarantees",
    "initiate": "right to initiate", "interval": "bar interval", "kind": "kind",
    "last": "number of bars", "locale": "language", "name": "name", "note": "note",
    "order_reference": "order reference", "organisation": "organisation",
    "preset_id": "rulebook preset", "proposal_id": "proposal", "purpose": "purpose",
    "registry_account": "registry account", "request_id": "request", "source": "data source",
    "status": "status", "stream": "source stream", "transaction_id": "transaction",
    "transfer_id": "court transfer", "trusted": "trusted account", "waived": "waived",
    "week": "week",
}  # fmt: skip
# Where a request's ``field`` starts: the part of the request, not a field of it (``body``
# alone is the whole body, which has no label; ``body.body`` is a verification body).
PLACES = ("body", "path", "query", "header")


def field_label(field: str | None) -> str | None:
    """The person's name of a request's ``field`` (``FIELD_LABELS``), or None."""
    parts = [part for part in (field or "").split(".") if part and not part.isdigit()]
    if parts and parts[0] in PLACES:
        parts = parts[1:]
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


def from_located(status: int, issues: list[Issue], field: str) -> ApiError:
    """Problems inside an uploaded text (a CSV, a TOML) sent as the request's ``field``: each
    at that field, its place in the text (``csv:3``) at the end of its message."""
    details = [ErrorDetail(code=i.code, field=field,
                           message=f"{i.message} (at {i.where})" if i.where else i.message)
               for i in issues]  # fmt: skip
    first = details[0]
    return ApiError(status, first.code, first.message, field, details)


# Result codes that mean "you may not", rather than "this request is wrong".
FORBIDDEN_RESULTS = frozenset(
    {
        ResultCode.TYPE_NOT_OPEN_TO_PEOPLE,
        ResultCode.INITIATOR_LACKS_RIGHT,
        ResultCode.APPROVER_LACKS_RIGHT,
        ResultCode.APPROVER_MUST_DIFFER_FROM_INITIATOR,
    }
)
# Every code that means "you may not": 403 in the API and on the web's pages alike.
PERMISSION_CODES = frozenset(
    {
        *(result.value for result in FORBIDDEN_RESULTS),
        "forbidden", "insufficient_scope", "regulators_only", "auditors_only",
        "regulators_and_exchange_only", "not_your_jurisdiction", "no_jurisdiction",
        "not_your_bidding_account", "second_administrator_needed",
        "representative_needs_second_administrator", "account_limit_needs_regulator",
        "administrator_needs_the_command_line", "cannot_reset_yourself",
    }
)  # fmt: skip
# A name already in use (a username, an organisation's or an auction's code): the request is
# right but conflicts with what is recorded, 409 in the API and on the web alike.
TAKEN_CODES = frozenset({"username_taken", "organisation_exists", "auction_code_taken"})


def refusal_status(code: str) -> int:
    """The status of a refusal by its code, in the API and on the web alike: 403 for "you may
    not" (``PERMISSION_CODES``), 409 for a name already taken (``TAKEN_CODES``), else 422."""
    return 403 if code in PERMISSION_CODES else 409 if code in TAKEN_CODES else 422


CONFLICT_RESULTS = frozenset(
    {
        ResultCode.IDEMPOTENCY_KEY_REUSED,
        ResultCode.PROPOSAL_NOT_AWAITING_APPROVAL,
        ResultCode.PROPOSAL_NOT_CANCELLABLE,
    }
)


# The request's field each refusal is about, by its code: the first of these the request has.
FIELDS_OF_CODES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "insufficient_units",
            "quantity_must_be_positive",
            "daily_limit_exceeded",
            "account_transaction_limit_exceeded",
            "untrusted_transfer_above_threshold",
            "units_reserved_for_sell_orders",
            "offset_cap_exceeded",
            "invalid_quantity",
            "quantity_below_minimum",
            "quantity_above_maximum",
            "quantity_off_lot",
        ),
        ("quantity_t", "quantity"),
    ),
    **dict.fromkeys(
        ("price_outside_band", "price_off_tick", "price_must_be_positive"),
        ("price_cny_per_t", "price_per_t"),
    ),
    **dict.fromkeys(
        ("serials_do_not_match_quantity", "serials_not_held_by_source"), ("serials", "quantity_t")
    ),
    **dict.fromkeys(
        (
            "unknown_unit_class",
            "unit_kind_not_allowed_for_transaction_type",
            "unit_type_not_eligible",
            "vintage_not_eligible",
            "unit_class_not_eligible",
        ),
        ("unit_class",),
    ),
    **dict.fromkeys(
        (
            "unknown_account",
            "account_closed",
            "account_suspended",
            "account_frozen",
            "account_restricted",
            "account_closure_pending",
            "source_account_kind_not_allowed",
            "initiator_lacks_right_on_source_account",
            "transaction_type_not_open_to_people",
        ),
        ("from_account", "account", "source", "destination"),
    ),
    **dict.fromkeys(
        (
            "destination_account_kind_not_allowed",
            "accounts_must_be_different",
            "court_transfer_must_go_to_another_account",
        ),
        ("to_account", "destination"),
    ),
    **dict.fromkeys(
        ("compliance_year_required", "surrender_after_deadline", "no_rule_in_force"), ("year",)
    ),
    "unknown_company": ("company",),
}


def body_field(code: str, body: BaseModel | None) -> str:
    """``body.<field>`` of the request field a refusal with ``code`` is about; ``body`` when
    no one field is (the request as a whole)."""
    names = type(body).model_fields if body is not None else {}
    for name in FIELDS_OF_CODES.get(code, ()):
        if name in names:
            return f"body.{name}"
    return "body"


def from_result(
    result: ResultCode, field: str | None = None, figures: str = "",
    body: BaseModel | None = None,
) -> ApiError:  # fmt: skip
    """The registry refused: 403 for missing rights, 409 for state conflicts, else 422.

    ``figures`` is what the registry knows about it (``services.refusal_figures``: held
    against needed, the serials); ``body``, the request, chooses the field it is about
    when ``field`` is not given."""
    status = 403 if result in FORBIDDEN_RESULTS else 409 if result in CONFLICT_RESULTS else 422
    if result is ResultCode.PROPOSAL_NOT_FOUND:
        status = 404
    message = unexplained(result.value, figures, what="the registry refused the request")
    if field is None and body is not None:
        field = body_field(result.value, body)
    return ApiError(status, result.value, message, field)


def no_rule_error(error: NoRuleInForce, field: str = "body.year") -> ApiError:
    """A year the rulebook does not rule on, chosen by the caller: 422 saying, in one
    sentence, what the year lacks, the years the rulebook has rules for and to choose one of
    them (``NoRuleInForce.advice``; ``field``: where the request named the year)."""
    return ApiError(422, "no_rule_in_force", error.advice().message, field)


def year_field(request: Request) -> str:
    """Where ``request`` names its year: ``path.year``, ``query.year`` or ``body.year``."""
    if "year" in request.path_params:
        return "path.year"
    if "year" in request.query_params:
        return "query.year"
    return "body.year"


def error_response(error: ApiError) -> JSONResponse:
    """The answer to an ``ApiError``: its status, its headers and the ErrorBody."""
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def _is_whole(request: Request, location: tuple[Any, ...]) -> bool | None:
    """Whether the request's field at ``location`` is a whole number (None: not known)."""
    route = request.scope.get("route")
    kind: Any = None
    if location[:1] == ("body",) and route is not None:
        field = getattr(route, "body_field", None)
        kind = getattr(getattr(field, "field_info", None), "annotation", None)
        for part in location[1:]:
            kind = _unwrapped(kind)
            if isinstance(part, int):  # an item of a list
                kind = get_args(kind)[0] if get_origin(kind) is list else None
                continue
            fields = getattr(kind, "model_fields", None)
            if fields is None or part not in fields:
                return None
            kind = fields[part].annotation
    elif len(location) == 2 and route is not None:
        found = _parameter(getattr(route, "dependant", None), f"{location[0]}_params",
                           str(location[1]))  # fmt: skip
        kind = found.field_info.annotation if found is not None else None
    if kind is None:
        return None
    return _unwrapped(kind) is int


def _parameter(dependant: Any, kind: str, name: str) -> Any:
    """The route's (or one of its dependencies') path, query or header parameter ``name``."""
    if dependant is None:
        return None
    for parameter in getattr(dependant, kind, []):
        if name in (parameter.alias, parameter.name):
            return parameter
    for dependency in getattr(dependant, "dependencies", []):
        found = _parameter(dependency, kind, name)
        if found is not None:
            return found
    return None


def _unwrapped(kind: Any) -> Any:
    """``X | None`` → ``X``; other types as they are."""
    if get_origin(kind) in (Union, UnionType):
        options = [option for option in get_args(kind) if option is not type(None)]
        return options[0] if len(options) == 1 else kind
    return kind


def validation_error(request: Request, error: RequestValidationError) -> ApiError:
    """The 422 of a request that does not fit its models, in tanshi's words (api/validation.py):
    every problem in ``details``, the first as the error."""
    details = [
        ErrorDetail(
            code=str(e.get("type", "invalid")),
            message=sentence(e, error.body, _is_whole(request, tuple(e.get("loc", ())))),
            field=field_of(tuple(e.get("loc", ()))),
        )
        for e in error.errors()
    ] or [ErrorDetail(code="invalid_request", message="the request is not valid")]
    first = details[0]
    return ApiError(422, first.code, first.message, first.field, details)


def install(app: FastAPI) -> None:
    """Render ApiError, validation errors and HTTP errors as ErrorBody."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(NoRuleInForce)
    async def _no_rule(request: Request, error: NoRuleInForce) -> JSONResponse:
        return error_response(no_rule_error(error, year_field(request)))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(validation_error(request, error))

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
