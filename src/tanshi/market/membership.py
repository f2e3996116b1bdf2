"""Who trades on a jurisdiction's exchange: accounts opened in that jurisdiction, and no other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tanshi.core.issues import Issue

ACCOUNT_NOT_IN_EXCHANGE_JURISDICTION = "account_not_in_exchange_jurisdiction"


@dataclass(frozen=True, slots=True)
class Party:
    """An account named in an order or a trade, with the jurisdiction it was opened in."""

    account: str
    jurisdiction: str


def outside_exchange(exchange: str, parties: Iterable[Party], where: str) -> list[Issue]:
    """Every party whose account is not of jurisdiction ``exchange``'s, the exchange the
    order or trade is entered on (an account named twice is reported once).

    A jurisdiction's exchange clears against its own registry, bank and rulebook, so an
    account of another jurisdiction neither delivers nor receives there.
    """
    issues, seen = [], set()
    for party in parties:
        if party.jurisdiction == exchange or party.account in seen:
            continue
        seen.add(party.account)
        issues.append(Issue(
            ACCOUNT_NOT_IN_EXCHANGE_JURISDICTION,
            f"account {party.account} is in jurisdiction {party.jurisdiction}, and {exchange}'s "
            f"exchange trades only accounts opened in {exchange}: use an account of {exchange} "
            f"here, or trade {party.account} on {party.jurisdiction}'s exchange",
            where,
        ))  # fmt: skip
    return issues
