"""Sentences the services write with figures (memos, refusal details), read back in the
page's language.

The ledger keeps each memo as it was written (it is append-only), so pages translate at
display time: a memo that is all one of the sentences below is shown through its msgid with
the same values; any other memo (what a person typed, a rule's citation) is shown as written.
Refusal details (the domain's English messages) and the API's not-found answers a page shows
are read the same way, whole or one sentence between "; " at a time. The patterns follow the
f-strings of services/ (compliance, allocation, reservations, settlement, cash, operations,
auction and its bid book) and market/ (refusal_text, cash); tests/web/test_formats.py checks
every memo f-string of services/ against them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jinja2 import pass_context
from jinja2.runtime import Context

from tanshi.web.formats import cny, number, yuan

Convert = Callable[[dict[str, str]], dict[str, str]]


def _fen_per_t(values: dict[str, str]) -> dict[str, str]:
    fen = values.pop("fen")
    return {**values, "price": yuan(int(fen))}


def _grouped(values: dict[str, str]) -> dict[str, str]:
    return {k: number(v) if k == "quantity" else v for k, v in values.items()}


def _priced(values: dict[str, str]) -> dict[str, str]:
    return {**_grouped(values), "price": cny(values["price"])}


def _paid(values: dict[str, str]) -> dict[str, str]:
    fen = values.pop("fen")
    return {**values, "amount": yuan(int(fen))}


def _order(values: dict[str, str]) -> dict[str, str]:
    """An order's reservation memo: its quantity grouped, its limit price (if any) in yuan."""
    return _grouped(_fen_per_t(values) if "fen" in values else values)


# An order in its reservation's memo: number, venue, quantity and product.
ORDER = r"(?P<order>\d+) on (?P<venue>\S+): (?P<quantity>\d+) t of (?P<product>\S+)"


Table = tuple[tuple[re.Pattern[str], str, Convert], ...]


def _table(*rows: tuple[str, str, Convert]) -> Table:
    return tuple((re.compile(pattern), msgid, convert) for pattern, msgid, convert in rows)


MEMOS = _table(
        (r"surrender for (?P<year>\d{4})", "surrender for {year}", dict),
        (r"free allocation (?P<year>\d{4})", "free allocation {year}", dict),
        (r"forced compliance for (?P<year>\d{4})", "forced compliance for {year}", dict),
        # an order's reservation and what it gives back, by the order (services/exchange.py)
        (r"units set aside for sell order " + ORDER + r" at (?P<fen>\d+) fen/t",
         "units set aside for sell order {order} on {venue}: {quantity} t of {product} at "
         "CNY {price}/t", _order),
        (r"units set aside for sell order " + ORDER + " at market",
         "units set aside for sell order {order} on {venue}: {quantity} t of {product} at "
         "market", _order),
        (r"funds set aside for buy order " + ORDER + r" at (?P<fen>\d+) fen/t",
         "funds set aside for buy order {order} on {venue}: {quantity} t of {product} at "
         "CNY {price}/t", _order),
        (r"funds set aside for buy order " + ORDER + " at market",
         "funds set aside for buy order {order} on {venue}: {quantity} t of {product} at "
         "market", _order),
        (r"units of sell order (?P<order>\d+) on (?P<venue>\S+) given back",
         "units of sell order {order} on {venue} given back", dict),
        (r"funds of buy order (?P<order>\d+) on (?P<venue>\S+) given back",
         "funds of buy order {order} on {venue} given back", dict),
        (r"units set aside for trading \((?P<key>[^()\s]+)\)",
         "units set aside for trading ({key})", dict),
        (r"units of reservation (?P<key>\S+) given back",
         "units of reservation {key} given back", dict),
        # an auction bid's reservation from before its memo named the auction: no key shown
        (r"funds set aside for trading \(auction-bid/[^()\s]+\)",
         "funds set aside for an auction bid", dict),
        (r"funds set aside for trading \((?P<key>[^()\s]+)\)",
         "funds set aside for trading ({key})", dict),
        (r"funds of reservation (?P<key>\S+) given back",
         "funds of reservation {key} given back", dict),
        (r"funds set aside for bids in auction (?P<code>\S+)",
         "funds set aside for bids in auction {code}", dict),
        (r"bid (?P<bid>\d+) revised", "bid {bid} revised", dict),
        (r"bid (?P<bid>\d+) withdrawn", "bid {bid} withdrawn", dict),
        (r"auction (?P<code>\S+): bid (?P<bid>\d+) not used",
         "auction {code}: bid {bid} not used", dict),
        (r"auction (?P<code>\S+) cancelled: bid (?P<bid>\d+) released",
         "auction {code} cancelled: bid {bid} released", dict),
        (r"auction (?P<code>\S+): (?P<company>\S+) pays (?P<fen>\d+) fen",
         "auction {code}: {company} pays CNY {amount}", _paid),
        (r"auction (?P<code>\S+): (?P<quantity>\d+) t at (?P<price>\d+(?:\.\d+)?)",
         "auction {code}: {quantity} t at CNY {price}/t", _priced),
        (r"offsets bought from the project developer",
         "offsets bought from the project developer", dict),
        (r"trade (?P<trade>\S+) at (?P<fen>\d+) fen/t", "trade {trade} at CNY {price}/t",
         _fen_per_t),
        (r"trade (?P<trade>\S+/\S+)", "trade {trade}", dict),
        (r"deposit (?P<account>\S+)", "deposit {account}", dict),
        (r"withdrawal (?P<account>\S+)", "withdrawal {account}", dict),
        (r"carry-over of (?P<quantity>\d+) t from (?P<year>\d{4})",
         "carry-over of {quantity} t from {year}", _grouped),
        (r"borrowed (?P<quantity>\d+) t from (?P<lent>\d{4}) for (?P<year>\d{4})",
         "borrowed {quantity} t from {lent} for {year}", _grouped),
        (r"borrowed (?P<quantity>\d+) t of (?P<lent>\d{4}) for (?P<year>\d{4}) "
         r"\((?P<source>.+)\)", "borrowed {quantity} t of {lent} for {year} ({source})",
         _grouped),
        (r"banked (?P<quantity>\d+) t of (?P<year>\d{4}) \((?P<source>.+)\)",
         "banked {quantity} t of {year} ({source})", _grouped),
)  # fmt: skip
CNY = r"CNY (?P<{}>[\d,]+\.\d\d)"
DETAILS = _table(
    (r"the price must be between " + CNY.format("low") + " and " + CNY.format("high")
     + r" per tonne today \(the daily price limits\)",
     "the price must be between CNY {low} and CNY {high} per tonne today (the daily price "
     "limits)", dict),
    (r"the price must be at least " + CNY.format("low") + " per tonne",
     "the price must be at least CNY {low} per tonne", dict),
    (r"the price must be a multiple of " + CNY.format("tick") + r" per tonne \(the tick\)",
     "the price must be a multiple of CNY {tick} per tonne (the tick)", dict),
    (r"the price must be above zero", "the price must be above zero", dict),
    (r"the quantity must be a multiple of (?P<lot>[\d,]+) t \(the lot\)",
     "the quantity must be a multiple of {lot} t (the lot)", dict),
    (r"an order on the book may be at most (?P<most>[\d,]+) t; trade more as a block trade",
     "an order on the book may be at most {most} t; trade more as a block trade", dict),
    (r"the quantity must be above zero", "the quantity must be above zero", dict),
    (r"the account has " + CNY.format("has") + ", " + CNY.format("needed")
     + r" are needed; deposit at least " + CNY.format("more") + " more or reserve less",
     "the account has CNY {has}, CNY {needed} are needed; deposit at least CNY {more} more "
     "or reserve less", dict),
    (r"(?P<account>\S+) holds (?P<held>[\d,]+) units of (?P<unit_class>\S+) free to move, "
     r"(?P<needed>[\d,]+) are needed",
     "{account} holds {held} units of {unit_class} free to move, {needed} are needed", dict),
    (r"the seller does not hold that many units of the class outside its reservations: "
     r"(?P<account>\S+) holds (?P<held>[\d,]+) units of (?P<unit_class>\S+) free to move, "
     r"(?P<needed>[\d,]+) are needed \(insufficient_units\)",
     "{account} holds {held} units of {unit_class} free to move, {needed} are needed", dict),
    # More than a freeze order holds, released or sent on by a court (services/unit_freezes.py).
    (r"freeze order (?P<id>\d+) holds (?P<held>[\d,]+) frozen units of (?P<unit_class>\S+), "
     r"(?P<asked>[\d,]+) are asked",
     "freeze order {id} holds {held} frozen units of {unit_class}, {asked} are asked", dict),
    # The figures of serials_do_not_match_quantity (services/refusal_figures.py).
    (r"the serial blocks name (?P<named>[\d,]+) units, the quantity is (?P<quantity>[\d,]+)",
     "the serial blocks name {named} units, the quantity is {quantity}", dict),
    (r"a block ends before it starts \((?P<blocks>[^)]*)\): write it first-last",
     "a block ends before it starts ({blocks}): write it first-last", dict),
    # What the API answers for something not there, shown on a page's 404.
    (r"no covered company (?P<company>\S+)", "no covered company {company}", dict),
    (r"no verification statement of (?P<company>\S+) for (?P<year>\d+) that you may read: "
     r"it is issued when the verifier concludes 'verified'",
     "no verification statement of {company} for {year} that you may read: it is issued when "
     "the verifier concludes 'verified'", dict),
    (r"no covered company (?P<company>\S+) in your jurisdiction",
     "no covered company {company} in your jurisdiction", dict),
    # A jurisdiction named that is not there, or not the visitor's (api/context.py and
    # services/jurisdiction.py load_jurisdiction).
    (r"no jurisdiction (?P<code>\S+) in this database; the jurisdictions are (?P<held>.+)",
     "no jurisdiction {code} in this database; the jurisdictions are {held}", dict),
    (r"no jurisdiction (?P<code>\S+) in this database, which holds none yet: the registry's "
     r"operator opens one",
     "no jurisdiction {code} in this database, which holds none yet: the registry's operator "
     "opens one", dict),
    (r"your organisation belongs to (?P<own>\S+), not (?P<code>\S+)",
     "your organisation belongs to {own}, not {code}", dict),
    (r"your organisation belongs to no jurisdiction: an operator sets it with "
     r"`tanshi user organisation-jurisdiction`",
     "your organisation belongs to no jurisdiction: an operator sets it with "
     "`tanshi user organisation-jurisdiction`", dict),
    (r"name the jurisdiction: this database holds none yet",
     "name the jurisdiction: this database holds none yet", dict),
    (r"name the jurisdiction: this database holds (?P<held>.+)",
     "name the jurisdiction: this database holds {held}", dict),
    # A transaction type the public log does not know (api/routers/public.py).
    (r"no transaction type (?P<asked>.+); the types are (?P<types>.+)",
     "no transaction type {asked}; the types are {types}", dict),
)  # fmt: skip


def read(text: str | None, translate: Callable[[str], str], table: Table = MEMOS) -> str:
    """``text`` in the language of ``translate`` when it is one of ``table``'s sentences."""
    text = text or ""
    for pattern, msgid, convert in table:
        found = pattern.fullmatch(text)
        if found:
            return translate(msgid).format(**convert(found.groupdict()))
    return text


@pass_context
def memo(context: Context, text: str | None) -> str:
    """The ``memo`` filter of templates."""
    return read(text, context["_"])


def read_detail(detail: str | None, translate: Callable[[str], str]) -> str | None:
    """A refusal's detail ("; "-separated English sentences), read by DETAILS whole, else
    each sentence."""
    if not detail:
        return detail
    whole = read(detail, translate, DETAILS)
    if whole != detail:
        return whole
    return "; ".join(read(part, translate, DETAILS) for part in detail.split("; "))


def say_message(text: str, translate: Callable[[str], str]) -> str:
    """A result's message: a msgid in the catalog, else a sentence of DETAILS (an API
    message shown as the page's message), else as written."""
    said = translate(text)
    return said if said != text else read_detail(text, translate) or ""


@pass_context
def said(context: Context, text: str) -> str:
    """The ``said`` filter of templates: a result's message (result.html)."""
    return say_message(text, context["_"])
