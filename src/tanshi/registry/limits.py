"""Transfer limits: the holder's own limit per transfer and the registry-wide trusted-only threshold.

EU Reg. 2019/1122 Art. 23(3a): above a threshold the central administrator may set, units go
only to accounts on the source's trusted list; Art. 23(3b): representatives may set limits
on their own account's transactions, approved by a second representative or a national
administrator (services/account_limits.py says who confirms). Both apply to
transaction types whose destination's trust matters (``delayed_to_untrusted``: transfers),
not to surrender or retirement, and refuse a transfer above them.
"""

from __future__ import annotations

from tanshi.registry.booking import ResultCode


def transfer_limit_problems(
    quantity_units: int,
    *,
    limited_type: bool,
    destinations_trusted: bool,
    account_max_units: int | None,
    untrusted_max_units: int | None,
) -> set[ResultCode]:
    """What refuses moving ``quantity_units`` in one transaction from an account whose own
    limit is ``account_max_units``, under a registry threshold of ``untrusted_max_units``
    (None: no limit). ``limited_type``: the transaction type is one the limits apply to."""
    found: set[ResultCode] = set()
    if not limited_type:
        return found
    if account_max_units is not None and quantity_units > account_max_units:
        found.add(ResultCode.ACCOUNT_TRANSACTION_LIMIT_EXCEEDED)
    if (
        untrusted_max_units is not None
        and quantity_units > untrusted_max_units
        and not destinations_trusted
    ):
        found.add(ResultCode.UNTRUSTED_TRANSFER_ABOVE_THRESHOLD)
    return found
