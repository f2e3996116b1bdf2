"""The figures behind a registry refusal, for the person who got it: what the account holds
against what was asked, and the serial blocks that do not add up.

The registry answers with a result code only (docs/registry.md, "Result codes"); the API,
the web pages and the exchange's clearing add this sentence so that "insufficient units"
says how many are held and how many are needed.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from tanshi.registry import Movement, ResultCode, TransactionRequest
from tanshi.services.registry import balance
from tanshi.store.schema import accounts, unit_classes


def unit_class_code(connection: Connection, unit_class_id: int) -> str | None:
    """The code a figure names a unit class by (``DPEA-2016``)."""
    return connection.execute(
        select(unit_classes.c.code).where(unit_classes.c.id == unit_class_id)
    ).scalar()


def held_against_needed(connection: Connection, movement: Movement) -> str:
    """``DP-OH-C001 holds 1,000 units of DPEA-2016 free to move, 5,000 are needed``; empty
    when the account holds enough (another check refused it) or may go below zero (an
    issuance account, which holds minus what it issued)."""
    held = balance(connection, movement.from_account, movement.unit_class)
    if held >= movement.quantity_units:
        return ""
    account, negative = connection.execute(
        select(accounts.c.code, accounts.c.allows_negative).where(
            accounts.c.id == movement.from_account
        )
    ).one()
    if negative:
        return ""
    unit_class = unit_class_code(connection, movement.unit_class)
    return (f"{account} holds {held:,} units of {unit_class} free to move, "
            f"{movement.quantity_units:,} are needed")  # fmt: skip


def serials_against_quantity(movement: Movement) -> str:
    """The named serial blocks against the quantity: their sum, and blocks written backwards."""
    if movement.serials is None:
        return ""
    named = sum(last - first + 1 for first, last in movement.serials if first <= last)
    backwards = [f"{first}-{last}" for first, last in movement.serials if first > last]
    said = (f"the serial blocks name {named:,} units, the quantity is "
            f"{movement.quantity_units:,}")  # fmt: skip
    if backwards:
        said += f"; a block ends before it starts ({', '.join(backwards)}): write it first-last"
    return said


def figures(connection: Connection, request: TransactionRequest, result: ResultCode) -> str:
    """What the registry knows about refusing ``request`` with ``result``, as one sentence
    (empty when it has no figures to add)."""
    said: list[str] = []
    for movement in request.movements:
        if result is ResultCode.INSUFFICIENT_UNITS:
            said.append(held_against_needed(connection, movement))
        elif result is ResultCode.SERIALS_DO_NOT_MATCH_QUANTITY:
            said.append(serials_against_quantity(movement))
    return "; ".join(s for s in said if s)
