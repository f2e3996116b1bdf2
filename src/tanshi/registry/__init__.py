"""The registry: accounts, unit classes and double-entry transactions (pure rules)."""

from tanshi.registry.accounts import (
    Account,
    AccountKind,
    AccountStatus,
    UnitClass,
    allows_negative,
    unit_class_code,
)
from tanshi.registry.booking import (
    PRECEDENCE,
    Movement,
    ResultCode,
    TransactionRequest,
    check_request,
    postings,
)
from tanshi.registry.transaction_types import TRANSACTION_TYPES, TransactionType

__all__ = [
    "PRECEDENCE",
    "TRANSACTION_TYPES",
    "Account",
    "AccountKind",
    "AccountStatus",
    "Movement",
    "ResultCode",
    "TransactionRequest",
    "TransactionType",
    "UnitClass",
    "allows_negative",
    "check_request",
    "postings",
    "unit_class_code",
]
