"""Request and response bodies of the API (they make the OpenAPI schema)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import UnionType
from typing import Annotated, Any, Generic, Literal, TypeVar, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from tanshi.api.limits import (
    COMPANY_CODE_CHARS,
    MEMO_CHARS,
    MOST_UNITS,
    NAME_CHARS,
    ORGANISATION_CODE_CHARS,
    PASSWORD_CHARS,
    TOTP_CHARS,
    USERNAME_CHARS,
)

T = TypeVar("T")
Code = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Text = Annotated[str, StringConstraints(max_length=MEMO_CHARS)]
Quantity = Annotated[int, Field(gt=0, le=MOST_UNITS, description="whole units (1 unit = 1 tCO2e)")]
MAX_PAGE = 500
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
# Days a query may name: a day's bounds in a time zone (and a week around it) must exist.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


class Strict(BaseModel):
    """A request body: no unknown fields; true and false are not numbers, and a field that
    is true or false takes only those (pydantic alone reads ``true`` as 1 and ``"yes"`` or
    1 as true). Numbers may still come as JSON numbers or decimal strings (docs/api.md)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_are_not_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None:
            _check_booleans(field.annotation, value)
        return value


def _check_booleans(kind: Any, value: Any) -> None:
    """Refuse true/false where ``kind`` wants a number, and anything else where it wants
    true/false (items of lists too), as pydantic's own error types."""
    origin = get_origin(kind)
    if origin in (Union, UnionType):
        options = [o for o in get_args(kind) if o is not type(None)]
        if value is None or len(options) != 1:
            return
        kind, origin = options[0], get_origin(options[0])
    if origin is Annotated:
        kind = get_args(kind)[0]
        origin = get_origin(kind)
    if origin is list and isinstance(value, list):
        (item,) = get_args(kind) or (Any,)
        for each in value:
            _check_booleans(item, each)
        return
    if origin is tuple and isinstance(value, list | tuple):  # e.g. a serial block [first, last]
        for item, each in zip(get_args(kind), value, strict=False):
            _check_booleans(item, each)
        return
    if kind in (int, float, Decimal) and isinstance(value, bool):
        raise PydanticCustomError("int_type" if kind is int else "decimal_type",
                                  "Input should be a number, not true or false")  # fmt: skip
    if kind is bool and not isinstance(value, bool):
        raise PydanticCustomError("bool_type", "Input should be true or false")


class Page(BaseModel, Generic[T]):
    """A page of a list: ``items``, the ``total`` matching, and the offset of the next page."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class Health(BaseModel):
    status: str
    version: str


class TokenRequest(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=USERNAME_CHARS)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_CHARS)]
    totp: Annotated[str | None, StringConstraints(max_length=TOTP_CHARS)] = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)] = "api"
    scopes: Annotated[list[Annotated[str, StringConstraints(max_length=40)]], Field(max_length=10)]
    expires_in_days: Annotated[int | None, Field(ge=1, le=366)] = 90


class TokenOut(BaseModel):
    token: str
    scopes: list[str]
    expires_in_days: int | None


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    organisation: str
    company: str | None
    scopes: list[str]
    locale: str
    jurisdiction: str | None = None  # the organisation's; None: it serves every jurisdiction


class JurisdictionOut(BaseModel):
    code: str
    rulebook_id: str
    rulebook_version: str
    rulebook_sha256: str
    is_demo: bool
    opened_at: str | None


class CompanyOut(BaseModel):
    code: str
    name: str
    sector: str
    jurisdiction: str


class HoldingOut(BaseModel):
    unit_class: str
    unit_kind: str
    vintage: int
    quantity_units: int


class AccountOut(BaseModel):
    code: str
    kind: str
    status: str
    holder: str
    company: str | None


class AccountDetail(AccountOut):
    holdings: list[HoldingOut]


class MovementOut(BaseModel):
    from_account: str
    to_account: str
    unit_class: str
    quantity_units: int


class TransactionOut(BaseModel):
    id: int
    sequence: int
    type: str
    booked_at: str | None
    compliance_year: int | None
    memo: str
    entry_hash: str


class TransactionDetail(TransactionOut):
    movements: list[MovementOut]


class ProposalOut(BaseModel):
    id: int
    type: str
    status: str
    result: str
    source_account: str
    to_account: str | None
    to_holder: str | None
    unit_class: str | None
    quantity_units: int
    initiator: str
    approver: str | None
    proposed_at: str | None
    release_at: str | None
    transaction_id: int | None
    memo: str
    destination_trusted: bool | None
    release_if_approved_now: str | None


class TransferIn(Strict):
    from_account: Code
    to_account: Code
    unit_class: Code
    quantity_t: Quantity
    memo: Text = ""


class RetirementIn(Strict):
    account: Code
    unit_class: Code
    quantity_t: Quantity
    beneficiary: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    purpose: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class CertificateOut(BaseModel):
    number: str
    account: str
    beneficiary: str
    purpose: str
    quantity_t: int
    blocks: list[str]
    retired_at: str


class SurrenderIn(Strict):
    company: Code
    unit_class: Code
    quantity_t: Quantity
    year: Annotated[int, Field(ge=1990, le=2200)]


class SurrenderOut(BaseModel):
    transaction_id: int | None
    replayed: bool


class StatusChangeIn(Strict):
    status: Annotated[str, StringConstraints(max_length=20)]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class ComplianceLineOut(BaseModel):
    company: str
    name: str
    sector: str
    status: str
    obligation_t: int | None
    offsets_counted_t: int
    shortfall_t: int | None
    penalty_fen: int | None
    verified_kg: int | None


class YearPositionOut(BaseModel):
    """A covered company's position before its year's compliance table is computed."""

    company: str
    name: str
    sector: str
    deadline: str = Field(description="the surrender deadline; the status is set after it")
    verified_kg: int | None = Field(description="null: no verified emissions yet")
    allocated_t: int
    obligation_t: int | None = Field(description="null without verified emissions")
    surrendered_t: int = Field(description="allowances and credits surrendered so far")
    still_owed_t: int | None = Field(description="the shortfall so far; null without "
                                     "verified emissions")  # fmt: skip


class CoveredCompanyOut(BaseModel):
    company: str
    name: str
    sector: str
    deadline: str = Field(description="the table is published once this day has passed")


class CoverageOut(BaseModel):
    year: int
    companies: int
    verified_reports: int
    verified_kg: int
    allocated_t: int
    by_status: dict[str, int]


class HoldingsByKindOut(BaseModel):
    account_kind: str
    unit_class: str
    accounts: int
    quantity_units: int


class OrganisationIn(Strict):
    code: Annotated[str, StringConstraints(min_length=1, max_length=ORGANISATION_CODE_CHARS)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=NAME_CHARS)]
    kind: Annotated[str, StringConstraints(max_length=30)]
    company: Annotated[str | None, StringConstraints(max_length=COMPANY_CODE_CHARS)] = None
    # A company's is its company's; a regulator's is required when the database holds several.
    jurisdiction: Annotated[str | None, StringConstraints(max_length=8)] = None


class OrganisationOut(BaseModel):
    code: str
    name: str
    kind: str
    company: str | None
    jurisdiction: str | None  # None: it serves every jurisdiction


class UserIn(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=USERNAME_CHARS)]
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=NAME_CHARS)]
    organisation: Annotated[
        str, StringConstraints(min_length=1, max_length=ORGANISATION_CODE_CHARS)
    ]
    role: Annotated[str, StringConstraints(max_length=30)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_CHARS)]
    locale: Annotated[str, StringConstraints(max_length=10)] = "en"


class UserOut(BaseModel):
    username: str
    display_name: str
    role: str
    organisation: str
    locale: str
    active: bool
    totp_enrolled: bool
    locked_until: str | None = None  # UTC; a lockout in the past no longer applies
    must_change_password: bool = False
    failed_logins: int = 0
    represents: bool = False  # may initiate or approve on a registry account


class UserCreated(BaseModel):
    username: str
    totp_provisioning_uri: str | None


class RepresentativeIn(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=USERNAME_CHARS)]
    initiate: bool
    approve: bool


class RepresentativeSet(BaseModel):
    """``ok``: the rights are set. ``awaiting_second_administrator``: they add a right the
    user lacks, so request ``request_id`` waits for another administrator
    (POST /v1/admin-requests/{id}/approve)."""

    result: Literal["ok", "awaiting_second_administrator"]
    request_id: int | None = None


class AuditOut(BaseModel):
    id: int
    at: str | None
    username: str
    organisation: str
    action: str
    target: str
    source_ip: str
    result: str
    detail: dict


class Done(BaseModel):
    result: str
