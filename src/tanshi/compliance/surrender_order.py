"""The order in which units go towards an obligation: offsets, oldest vintage, borrowing.

Used when the registry surrenders for a company (forced compliance): first the eligible
credits, up to the room left under the offsets cap; then allowances of the compliance year
or earlier, the oldest vintage first; then allowances of a later vintage, only up to what
was borrowed for the year. Within one vintage, classes go in code order, so the plan is
deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Holding:
    """Units of one class a company holds, as the surrender order sees them."""

    unit_class: str
    vintage: int
    is_credit: bool
    eligible: bool  # a credit the offset rule counts, or the year's allowance type
    quantity_t: int


def surrender_plan(
    needed_t: int,
    year: int,
    holdings: Sequence[Holding],
    offsets_room_t: int,
    borrowed_room_t: int,
) -> list[tuple[str, int]]:
    """(unit class, tonnes) to surrender, in order, covering at most ``needed_t``."""
    usable = [h for h in holdings if h.eligible and h.quantity_t > 0]
    credits = sorted((h for h in usable if h.is_credit), key=lambda h: (h.vintage, h.unit_class))
    current = sorted(
        (h for h in usable if not h.is_credit and h.vintage <= year),
        key=lambda h: (h.vintage, h.unit_class),
    )
    later = sorted(
        (h for h in usable if not h.is_credit and h.vintage > year),
        key=lambda h: (h.vintage, h.unit_class),
    )
    plan: list[tuple[str, int]] = []
    left = needed_t
    for group, limit in ((credits, offsets_room_t), (current, None), (later, borrowed_room_t)):
        room = limit
        for holding in group:
            take = min(holding.quantity_t, left, room if room is not None else left)
            if take <= 0:
                break
            plan.append((holding.unit_class, take))
            left -= take
            if room is not None:
                room -= take
    return plan
