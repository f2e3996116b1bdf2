"""Who an account trusts: its trusted list and, where the rulebook says so, its holder's accounts.

A transfer to a trusted account is not delayed, and it needs no second approval when the
account holder waived that and the rulebook allows the waiver (EU Reg. 2019/1122 Art. 20(4),
23(2)). A list entry is active from its ``active_from``; a removed entry is gone at once.
"""

from __future__ import annotations

from datetime import datetime

from tanshi.registry.accounts import Account, AccountKind

# Accounts a holder owns and uses itself; system and frozen-units accounts have no holder
# in this sense.
HELD_KINDS = frozenset({AccountKind.OPERATOR_HOLDING, AccountKind.TRADING, AccountKind.PROJECT})


def same_holder(source: Account, target: Account) -> bool:
    """Both accounts are held by the same holder (the same ``holder`` name)."""
    return (
        source.kind in HELD_KINDS
        and target.kind in HELD_KINDS
        and source.holder.strip() != ""
        and source.holder == target.holder
    )


def is_trusted(
    source: Account, target: Account, listed_from: datetime | None, now: datetime, *,
    same_holder_trusted: bool,
) -> bool:  # fmt: skip
    """Whether ``source`` trusts ``target`` at ``now``: its list entry is active (listed from
    ``listed_from``), or the rulebook trusts the holder's own accounts and this is one."""
    if listed_from is not None and listed_from <= now:
        return True
    return same_holder_trusted and same_holder(source, target)
