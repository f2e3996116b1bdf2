"""Request validation problems in tanshi's words: what is wrong, the limit, and how to fix it.

FastAPI reports a request that does not fit its models as pydantic's errors (``type``,
``loc``, ``msg``, ``ctx``, ``input``). Their ``type`` stays the problem's stable ``code``
(``missing``, ``greater_than``, ``int_type``, ``string_too_long``, ``literal_error``,
``enum``, ``extra_forbidden``, ``json_invalid``, …, docs/api.md "Errors"); the message is
written here, naming the field, the constraint and what was sent; the field is
``body.…``, ``path.…``, ``query.…`` or ``header.…``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# Fields whose values are never repeated back in a message.
SECRET_PARTS = ("password", "totp", "secret", "token")
SHOWN_CHARACTERS = 60


def field_of(location: tuple[Any, ...]) -> str:
    """``('body', 'bids', 0, 'price')`` → ``body.bids.0.price``; a malformed body's
    position (``('body', 17)`` for JSON that does not parse) is not a field: ``body``."""
    if len(location) == 2 and location[0] == "body" and isinstance(location[1], int):
        return "body"
    parts = [str(part) for part in location]
    if parts and parts[0] == "header":  # as the client writes it: header.Idempotency-Key
        parts[1:] = [_header_name(part) for part in parts[1:]]
    return ".".join(parts)


def _header_name(name: str) -> str:
    return "-".join(word.capitalize() for word in name.replace("_", "-").split("-"))


def _name(location: tuple[Any, ...]) -> str:
    """The field as a message names it: without its place (``quantity_t``, ``bids.0.price``)."""
    parts = [str(part) for part in location[1:]] if len(location) > 1 else []
    if location and location[0] == "header":
        return f"the {_header_name(parts[-1]) if parts else ''} header"
    return ".".join(parts) or "the body"


def _shown(value: Any, name: str) -> str:
    """What was sent, as JSON, shortened; secrets are not repeated."""
    if any(part in name.lower() for part in SECRET_PARTS):
        return "a value that does not fit"
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # pragma: no cover - json.dumps with default=str
        text = repr(value)
    if len(text) > SHOWN_CHARACTERS:
        text = text[: SHOWN_CHARACTERS - 1] + "…"
    return text


def _position(document: Any, offset: int) -> str:
    """Line and column (from 1) of ``offset`` in the body that did not parse."""
    if not isinstance(document, str | bytes):
        return f"character {offset + 1}"
    text = document if isinstance(document, str) else document.decode("utf-8", "replace")
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return f"line {line}, column {column}"


# A bound's pydantic type: its key in ``ctx``, the words for a number, for a day or moment.
BOUNDS = {
    "greater_than": ("gt", "above", "after"),
    "greater_than_equal": ("ge", "of at least", "on or after"),
    "less_than": ("lt", "below", "before"),
    "less_than_equal": ("le", "of at most", "on or before"),
}


def _bounded(name: str, kind: str, ctx: Mapping[str, Any], sent: str, whole: bool) -> str:
    key, for_number, for_time = BOUNDS[kind]
    bound = ctx.get(key)
    if isinstance(bound, int | float | Decimal) and not isinstance(bound, bool):
        number = "a whole number" if whole else "a number"
        return f"{name} must be {number} {for_number} {bound}{sent}"
    return f"{name} must be {for_time} {bound}{sent}"


def sentence(error: Mapping[str, Any], body: Any = None, whole: bool | None = None) -> str:
    """The message of one validation problem: the field, what it must be, what was sent.

    ``body`` is the request's body (for the position of JSON that does not parse); ``whole``
    says whether the field is a whole number (None: unknown, guessed from what was sent)."""
    kind = str(error.get("type", ""))
    location = tuple(error.get("loc", ()))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    name = _name(location)
    sent = f"; you sent {_shown(error.get('input'), name)}"
    if kind == "json_invalid":
        offset = location[1] if len(location) > 1 and isinstance(location[1], int) else 0
        return (f"the body is not valid JSON ({ctx.get('error', 'it does not parse')} at "
                f"{_position(body, offset)}); send a JSON object such as "
                '{"quantity_t": 5} with the header Content-Type: application/json')  # fmt: skip
    if kind == "missing":
        if location and location[0] == "header":
            return f"{name} is required; send it with the request"
        if location and location[0] == "body" and len(location) == 1:
            return "the request needs a JSON body; send a JSON object with its fields"
        return f"{name} is required; add it"
    if kind == "extra_forbidden":
        return (f"{name} is not a field of this request; remove it (the request's fields are "
                "in /openapi.json)")  # fmt: skip
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        if len(location) <= 1:
            return ("the body must be a JSON object with the request's fields "
                    f"(/openapi.json){sent}")  # fmt: skip
        return f"{name} must be a JSON object{sent}"
    if kind in BOUNDS:
        if whole is None:
            whole = isinstance(error.get("input"), int)
        return _bounded(name, kind, ctx, sent, whole)
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        if isinstance(error.get("input"), list | tuple):  # true or false inside a list
            return f"{name} holds true or false where a whole number belongs{sent}"
        example = "a JSON number such as 5" if location[:1] == ("body",) else "such as 5"
        return f"{name} must be a whole number, {example}{sent}"
    if kind in ("bool_type", "bool_parsing"):
        return f"{name} must be true or false{sent}"
    if kind in ("decimal_type", "decimal_parsing", "float_type", "float_parsing",
                "finite_number"):  # fmt: skip
        return f'{name} must be a number, such as 12.5 or "12.5"{sent}'
    if kind == "decimal_max_places":
        return f"{name} has at most {ctx.get('decimal_places')} decimal places{sent}"
    if kind == "decimal_max_digits":
        return f"{name} has at most {ctx.get('max_digits')} digits{sent}"
    if kind == "decimal_whole_digits":
        return f"{name} has at most {ctx.get('whole_digits')} digits before the point{sent}"
    if kind == "string_too_long":
        length = len(error["input"]) if isinstance(error.get("input"), str) else None
        told = f" (you sent {length:,})" if length is not None else ""
        return (f"{name} is at most {ctx.get('max_length')} characters long{told}; "
                "shorten it")  # fmt: skip
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return f"{name} must not be empty; write it"
        return f"{name} is at least {ctx.get('min_length')} characters long{sent}"
    if kind == "string_type":
        return f"{name} must be text, a JSON string{sent}"
    if kind == "string_pattern_mismatch":
        return f"{name} must match {ctx.get('pattern')}{sent}"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{name} must be one of {expected}{sent}"
    if kind == "list_type":
        return f"{name} must be a JSON list{sent}"
    if kind == "too_long":
        return f"{name} has at most {ctx.get('max_length')} items; send fewer"
    if kind == "too_short":
        return f"{name} needs at least {ctx.get('min_length')} items; add them"
    if kind in ("date_parsing", "date_type", "date_from_datetime_parsing",
                "date_from_datetime_inexact"):  # fmt: skip
        return f"{name} must be a day written as 2017-06-21{sent}"
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return f"{name} must be a moment written as 2017-06-21T10:00+08:00{sent}"
    if kind == "timezone_aware":
        return f"{name} needs its UTC offset, as in 2017-06-21T10:00+08:00{sent}"
    message = str(error.get("msg", "invalid value"))
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    return f"{name}: {message}{sent}"
