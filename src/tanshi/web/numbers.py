"""Numbers typed into the web's forms: plain, or grouped by thousands as the pages print them.

Accepted: an optional sign, the integer part either plain (``1234567``) or with a comma
before every group of three digits (``1,234,567``), and an optional decimal part after a
point (``-1,234.5``, ``.5``). Full-width digits, comma, point and signs — what a Chinese
input method types (``１，０００．５``) — and the minus sign ``−`` read as their ASCII forms.
Anything else is refused: a misplaced comma (``1,00``, ``12,34``), a comma for decimals
(``1.000,5``), spaces or underscores inside, an exponent, NaN and infinities.
"""

from __future__ import annotations

import re
from decimal import Decimal

# Full-width forms (U+FF0B…U+FF19) and the typographic minus, to ASCII.
_ASCII = str.maketrans("＋，－．０１２３４５６７８９−", "+,-.0123456789-")
_NUMBER = re.compile(r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)")
_WHOLE = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)")


def _plain(text: str | None, pattern: re.Pattern[str]) -> str | None:
    typed = (text or "").strip().translate(_ASCII)
    return typed.replace(",", "") if pattern.fullmatch(typed) else None


def read_decimal(text: str | None) -> Decimal | None:
    """``text`` as a number (``"-1,234.5"`` → ``Decimal("-1234.5")``); None if it is not
    one of the accepted forms."""
    plain = _plain(text, _NUMBER)
    return None if plain is None else Decimal(plain)


def read_whole(text: str | None) -> int | None:
    """``text`` as a whole number (``"1,000"`` → 1000); None if it is not one (a decimal
    point, even ``1,000.0``, is refused)."""
    plain = _plain(text, _WHOLE)
    return None if plain is None else int(plain)
