"""Checking a transaction request against the registry's state, with ordered result codes.

A transaction is one or more movements; each moves a positive quantity of one unit class
from one account to another, so every movement is balanced double entry by construction.
A transaction executes whole or not at all.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tanshi.registry.accounts import (
    Account,
    AccountKind,
    AccountStatus,
    UnitClass,
    frozen_units_account_code,
)
from tanshi.registry.transaction_types import TRANSACTION_TYPES


class ResultCode(enum.StrEnum):
    """The outcome of a transaction request.

    Listed in order of descending precedence: when several apply, the first one listed is
    returned (see docs/registry.md).
    """

    OK = "ok"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_must_be_1_to_200_characters"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused_with_different_request"
    UNKNOWN_TRANSACTION_TYPE = "unknown_transaction_type"
    TYPE_NOT_OPEN_TO_PEOPLE = "transaction_type_not_open_to_people"
    ONE_SOURCE_PER_PROPOSAL = "proposal_must_have_one_source_account"
    # The lifecycle (proposals): who may act, and when.
    PROPOSAL_NOT_FOUND = "proposal_not_found"
    PROPOSAL_NOT_AWAITING_APPROVAL = "proposal_not_awaiting_approval"
    PROPOSAL_NOT_CANCELLABLE = "proposal_not_cancellable"
    INITIATOR_LACKS_RIGHT = "initiator_lacks_right_on_source_account"
    APPROVER_MUST_DIFFER_FROM_INITIATOR = "approver_must_differ_from_initiator"
    APPROVER_LACKS_RIGHT = "approver_lacks_right_on_source_account"
    OUTSIDE_BUSINESS_HOURS = "outside_business_hours"
    NO_MOVEMENTS = "transaction_has_no_movements"
    COMPLIANCE_YEAR_REQUIRED = "compliance_year_required"
    QUANTITY_MUST_BE_POSITIVE = "quantity_must_be_positive"
    ACCOUNTS_MUST_BE_DIFFERENT = "accounts_must_be_different"
    UNKNOWN_ACCOUNT = "unknown_account"
    UNKNOWN_UNIT_CLASS = "unknown_unit_class"
    ACCOUNT_CLOSED = "account_closed"
    ACCOUNT_SUSPENDED = "account_suspended"
    ACCOUNT_FROZEN = "account_frozen"
    ACCOUNT_RESTRICTED = "account_restricted"
    ACCOUNT_CLOSURE_PENDING = "account_closure_pending"
    UNIT_KIND_NOT_ALLOWED = "unit_kind_not_allowed_for_transaction_type"
    SOURCE_ACCOUNT_KIND_NOT_ALLOWED = "source_account_kind_not_allowed"
    DESTINATION_ACCOUNT_KIND_NOT_ALLOWED = "destination_account_kind_not_allowed"
    CARRY_OVER_LEGS_INVALID = "carry_over_must_delete_and_reissue_the_same_quantity"
    FROZEN_UNITS_STAY_WITH_THEIR_ACCOUNT = "frozen_units_must_stay_with_their_account"
    COURT_TRANSFER_TO_ANOTHER_ACCOUNT = "court_transfer_must_go_to_another_account"
    SERIALS_DO_NOT_MATCH_QUANTITY = "serials_do_not_match_quantity"
    INSUFFICIENT_UNITS = "insufficient_units"
    # A freeze asks for more than the account holds because some wait for sell orders.
    UNITS_RESERVED_FOR_SELL_ORDERS = "units_reserved_for_sell_orders"
    SERIALS_NOT_HELD = "serials_not_held_by_source"
    DAILY_LIMIT_EXCEEDED = "daily_limit_exceeded"
    # The holder's own limit per transaction (EU Reg. 2019/1122 Art. 23(3b)).
    ACCOUNT_TRANSACTION_LIMIT_EXCEEDED = "account_transaction_limit_exceeded"
    # Above the registry-wide threshold only trusted accounts may receive (Art. 23(3a)).
    UNTRUSTED_TRANSFER_ABOVE_THRESHOLD = "untrusted_transfer_above_threshold"


PRECEDENCE: tuple[ResultCode, ...] = tuple(ResultCode)

# Regulator actions that reach accounts the holder can no longer use (a court's freeze of a
# quantity applies whatever the holder may do).
_REGULATOR_ACTIONS = frozenset({"forced_compliance", "deduction", "allocation_reversal", "freeze"})


@dataclass(frozen=True, slots=True)
class StatusRule:
    """What an account in a status may send and receive (None: any transaction type)."""

    sends: frozenset[str] | None
    receives: frozenset[str] | None
    refusal: ResultCode


# Sources: docs/registry.md "Statuses" (EU Reg. 2019/1122 Art. 9, 48, 66; the UK ETS
# registry's checks 1003/2003; China's 2023-2024 allocation plan on judicial freezes).
STATUS_RULES: dict[AccountStatus, StatusRule] = {
    AccountStatus.OPEN: StatusRule(None, None, ResultCode.OK),
    # EU "blocked": only surrender leaves (Art. 9(2)); allocation still arrives (Art. 48(2)).
    AccountStatus.RESTRICTED: StatusRule(
        frozenset({"surrender"}) | _REGULATOR_ACTIONS, None, ResultCode.ACCOUNT_RESTRICTED
    ),
    AccountStatus.SUSPENDED: StatusRule(
        _REGULATOR_ACTIONS, frozenset(), ResultCode.ACCOUNT_SUSPENDED
    ),
    # A court order freezes the units: nothing leaves, not even forced compliance, and the
    # regulator withholds allocation (China: 司法冻结, allocation kept in the provincial account).
    AccountStatus.FROZEN: StatusRule(frozenset(), frozenset(), ResultCode.ACCOUNT_FROZEN),
    # Nothing moves but the administrator's closure transfer of what is left (EU Art. 9(3), 29).
    AccountStatus.CLOSURE_PENDING: StatusRule(
        frozenset({"closure_transfer"}), frozenset(), ResultCode.ACCOUNT_CLOSURE_PENDING
    ),
    AccountStatus.CLOSED: StatusRule(frozenset(), frozenset(), ResultCode.ACCOUNT_CLOSED),
}


def status_refusals(
    source: AccountStatus, destination: AccountStatus, type_code: str
) -> set[ResultCode]:
    """The codes refusing a movement of ``type_code`` between accounts in these statuses."""
    refusals = set()
    sending, receiving = STATUS_RULES[source], STATUS_RULES[destination]
    if sending.sends is not None and type_code not in sending.sends:
        refusals.add(sending.refusal)
    if receiving.receives is not None and type_code not in receiving.receives:
        refusals.add(receiving.refusal)
    return refusals


@dataclass(frozen=True, slots=True)
class Movement:
    """``quantity_units`` units of one class from one account to another.

    ``serials`` names exactly which serial ranges move (a reversal gives back the very
    units it reverses); without it the split rule chooses.
    """

    from_account: int
    to_account: int
    unit_class: int
    quantity_units: int
    serials: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True, slots=True)
class TransactionRequest:
    """A request to the registry; ``idempotency_key`` makes retries safe.

    The key is chosen by the client and kept with the transaction: sending the same request
    again returns the first outcome instead of moving units twice.
    """

    type_code: str
    idempotency_key: str
    movements: tuple[Movement, ...]
    booked_at: datetime
    memo: str = ""
    compliance_year: int | None = None

    def fingerprint(self) -> str:
        """What must match when an idempotency key is reused."""
        parts = [self.type_code, str(self.compliance_year), self.memo]
        parts += [
            f"{m.from_account}>{m.to_account}:{m.unit_class}:{m.quantity_units}:{m.serials}"
            for m in self.movements
        ]
        return "|".join(parts)


Holdings = Mapping[tuple[int, int], int]
IDEMPOTENCY_KEY_MAX_LENGTH = 200


def valid_idempotency_key(key: str) -> bool:
    """Keys are 1 to 200 characters; the database column holds no more."""
    return 0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH


def check_request(
    request: TransactionRequest,
    accounts: Mapping[int, Account],
    unit_classes: Mapping[int, UnitClass],
    holdings: Holdings,
) -> ResultCode:
    """The result code the request would get against this state (OK if it may execute)."""
    return first_by_precedence(request_problems(request, accounts, unit_classes, holdings))


def first_by_precedence(found: set[ResultCode]) -> ResultCode:
    """The code listed first in ``ResultCode`` among ``found``; OK when it is empty."""
    return next((code for code in PRECEDENCE if code in found), ResultCode.OK)


def request_problems(
    request: TransactionRequest,
    accounts: Mapping[int, Account],
    unit_classes: Mapping[int, UnitClass],
    holdings: Holdings,
) -> set[ResultCode]:
    """Every result code that applies to the request (empty when it may execute)."""
    found: set[ResultCode] = set()
    if not valid_idempotency_key(request.idempotency_key):
        return {ResultCode.IDEMPOTENCY_KEY_INVALID}
    kind = TRANSACTION_TYPES.get(request.type_code)
    if kind is None:
        return {ResultCode.UNKNOWN_TRANSACTION_TYPE}
    if not request.movements:
        found.add(ResultCode.NO_MOVEMENTS)
    if kind.needs_compliance_year and request.compliance_year is None:
        found.add(ResultCode.COMPLIANCE_YEAR_REQUIRED)
    needed: dict[tuple[int, int], int] = {}
    for movement in request.movements:
        if movement.quantity_units <= 0:
            found.add(ResultCode.QUANTITY_MUST_BE_POSITIVE)
        if movement.from_account == movement.to_account:
            found.add(ResultCode.ACCOUNTS_MUST_BE_DIFFERENT)
        source = accounts.get(movement.from_account)
        destination = accounts.get(movement.to_account)
        unit_class = unit_classes.get(movement.unit_class)
        if source is None or destination is None:
            found.add(ResultCode.UNKNOWN_ACCOUNT)
        if unit_class is None:
            found.add(ResultCode.UNKNOWN_UNIT_CLASS)
        if source is None or destination is None or unit_class is None:
            continue
        found.update(status_refusals(source.status, destination.status, request.type_code))
        if unit_class.kind not in kind.unit_kinds:
            found.add(ResultCode.UNIT_KIND_NOT_ALLOWED)
        if source.kind not in kind.from_kinds:
            found.add(ResultCode.SOURCE_ACCOUNT_KIND_NOT_ALLOWED)
        if destination.kind not in kind.to_kinds:
            found.add(ResultCode.DESTINATION_ACCOUNT_KIND_NOT_ALLOWED)
        if not source.allows_negative and movement.quantity_units > 0:
            key = (source.id, unit_class.id)
            needed[key] = needed.get(key, 0) + movement.quantity_units
    for key, quantity in needed.items():
        if holdings.get(key, 0) < quantity:
            found.add(ResultCode.INSUFFICIENT_UNITS)
    for movement in request.movements:
        if movement.serials is not None:
            named = sum(last - first + 1 for first, last in movement.serials)
            if named != movement.quantity_units or any(f > t for f, t in movement.serials):
                found.add(ResultCode.SERIALS_DO_NOT_MATCH_QUANTITY)
    if request.type_code == "carry_over" and not _carry_over_pairs(request, accounts, unit_classes):
        found.add(ResultCode.CARRY_OVER_LEGS_INVALID)
    if request.type_code in ("freeze", "unfreeze") and not _own_frozen_units(request, accounts):
        found.add(ResultCode.FROZEN_UNITS_STAY_WITH_THEIR_ACCOUNT)
    if request.type_code == "court_transfer" and _back_to_own_account(request, accounts):
        found.add(ResultCode.COURT_TRANSFER_TO_ANOTHER_ACCOUNT)
    return found


def _back_to_own_account(request: TransactionRequest, accounts: Mapping[int, Account]) -> bool:
    """A court transfer that would give frozen units back to their own account (an unfreeze)."""
    for movement in request.movements:
        frozen, destination = accounts.get(movement.from_account), accounts.get(movement.to_account)
        if frozen and destination and frozen.code == frozen_units_account_code(destination):
            return True
    return False


def _own_frozen_units(request: TransactionRequest, accounts: Mapping[int, Account]) -> bool:
    """A freeze moves units into the account's own frozen-units account; an unfreeze back."""
    for movement in request.movements:
        holder_id, frozen_id = movement.from_account, movement.to_account
        if request.type_code == "unfreeze":
            holder_id, frozen_id = frozen_id, holder_id
        holder, frozen = accounts.get(holder_id), accounts.get(frozen_id)
        if holder is None or frozen is None:
            continue  # unknown accounts have their own code
        if frozen.code != frozen_units_account_code(holder):
            return False
    return True


def _carry_over_pairs(
    request: TransactionRequest,
    accounts: Mapping[int, Account],
    unit_classes: Mapping[int, UnitClass],
) -> bool:
    """A carry-over is exactly: an operator deletes N of vintage v and receives N of v + 1."""
    if len(request.movements) != 2:
        return False
    out, back = request.movements
    try:
        old, new = unit_classes[out.unit_class], unit_classes[back.unit_class]
        source, deletion = accounts[out.from_account], accounts[out.to_account]
        issuer, receiver = accounts[back.from_account], accounts[back.to_account]
    except KeyError:
        return True  # unknown accounts or classes have their own codes
    return (
        source.kind is AccountKind.OPERATOR_HOLDING
        and deletion.kind is AccountKind.DELETION
        and issuer.kind is AccountKind.ISSUANCE
        and receiver.id == source.id
        and out.quantity_units == back.quantity_units
        and old.unit_type == new.unit_type
        and new.vintage == old.vintage + 1
    )


def postings(request: TransactionRequest) -> list[tuple[int, int, int]]:
    """The (account, unit class, signed quantity) changes of an accepted request."""
    changes: dict[tuple[int, int], int] = {}
    for movement in request.movements:
        debit = (movement.from_account, movement.unit_class)
        credit = (movement.to_account, movement.unit_class)
        changes[debit] = changes.get(debit, 0) - movement.quantity_units
        changes[credit] = changes.get(credit, 0) + movement.quantity_units
    return [(account, unit, delta) for (account, unit), delta in sorted(changes.items()) if delta]
