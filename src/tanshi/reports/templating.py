"""The Jinja environment every HTML report renders with, and its number filter."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


def grouped(value: str) -> str:
    """A plain decimal string with thousands separators for reading: 1234567.5 → 1,234,567.5."""
    if not value:
        return value
    whole, _, fraction = value.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = f"{int(whole.lstrip('-')):,}"
    return sign + digits + (f".{fraction}" if fraction else "")


def environment() -> Environment:
    """Templates of ``tanshi.reports``, autoescaped, strict about undefined names."""
    made = Environment(
        loader=PackageLoader("tanshi.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    made.filters["grouped"] = grouped
    return made
