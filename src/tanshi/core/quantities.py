"""Exact conversions between domain Decimals and the integers kept in storage.

Storage keeps tonnes of CO2 as integer kilograms, allowances and offsets as integer units
(one unit = one tonne CO2e), money as integer minor units (fen for CNY) and measured
activity data as integer thousandths of its unit. The domain works in Decimal.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

KG_PER_T = 1000
FEN_PER_CNY = 100
MILLI = 1000

_ONE = Decimal(1)


def round_half_up(value: Decimal, quantum: Decimal = _ONE) -> Decimal:
    """Round to ``quantum`` with ties away from zero, as Chinese reporting tables do."""
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def t_to_kg(quantity_t: Decimal) -> int:
    """Tonnes to whole kilograms, rounding half up (1 kg is below any reporting precision)."""
    return int(round_half_up(quantity_t * KG_PER_T))


def kg_to_t(quantity_kg: int) -> Decimal:
    """Whole kilograms to exact tonnes."""
    return Decimal(quantity_kg) / KG_PER_T


def cny_to_fen(amount_cny: Decimal) -> int:
    """Yuan to whole fen, rounding half up."""
    return int(round_half_up(amount_cny * FEN_PER_CNY))


def fen_to_cny(amount_fen: int) -> Decimal:
    """Whole fen to exact yuan with two decimal places."""
    return (Decimal(amount_fen) / FEN_PER_CNY).quantize(Decimal("0.01"))


def to_milli(quantity: Decimal) -> int:
    """A measured quantity to integer thousandths; refuses values finer than 0.001."""
    scaled = quantity * MILLI
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{quantity} has more than three decimal places")
    return int(scaled)


def from_milli(quantity_milli: int) -> Decimal:
    """Integer thousandths back to an exact Decimal."""
    return Decimal(quantity_milli) / MILLI
