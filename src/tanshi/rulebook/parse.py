"""Rulebook text to a validated Rulebook, with every problem reported by file line and path."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Sequence
from decimal import Decimal

from pydantic import ValidationError

from tanshi.core.issues import Issue
from tanshi.rulebook.checks import check_rulebook
from tanshi.rulebook.model import Rulebook

_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$")
_ARRAY_TABLE = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


class LineIndex:
    """Finds the line of a key in TOML text, so problems can be shown where they are."""

    def __init__(self, text: str) -> None:
        self._keys: dict[tuple[str, int | None, str], int] = {}
        self._tables: dict[tuple[str, int | None], int] = {}
        counts: dict[str, int] = {}
        current: tuple[str, int | None] = ("", None)
        for number, line in enumerate(text.splitlines(), start=1):
            if match := _ARRAY_TABLE.match(line):
                name = match.group(1)
                index = counts.get(name, 0)
                counts[name] = index + 1
                current = (name, index)
                self._tables[current] = number
            elif match := _TABLE.match(line):
                current = (match.group(1), None)
                self._tables[current] = number
            elif match := _KEY.match(line):
                self._keys.setdefault((current[0], current[1], match.group(1)), number)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The line of ``loc`` (a pydantic error location), or of its nearest table."""
        if not loc:
            return None
        table = str(loc[0])
        index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
        keys = [part for part in loc[1:] if isinstance(part, str)]
        if keys and (table, index, keys[-1]) in self._keys:
            return self._keys[(table, index, keys[-1])]
        if (table, index) in self._tables:
            return self._tables[(table, index)]
        if ("", None, table) in self._keys:
            return self._keys[("", None, table)]
        return None


def format_path(loc: Sequence[str | int]) -> str:
    """``('allocation', 0, 'base_years', 1)`` as ``allocation[0].base_years[1]``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def locate(origin: str, index: LineIndex, loc: Sequence[str | int]) -> str:
    """A location such as ``rulebook.toml:12 allocation[0].reduction_factor``."""
    line = index.line_of(loc)
    place = f"{origin}:{line}" if line else origin
    path = format_path(loc)
    return f"{place} {path}" if path else place


_UNION_TAGS = {
    "grandfathering", "benchmark_output", "eu_benchmark",
    "multiple_of_average_price", "fixed_per_tonne", "lump_sum_fine",
}  # fmt: skip


def _strip_union_tags(loc: Sequence[str | int]) -> list[str | int]:
    # pydantic adds the discriminator value (e.g. 'grandfathering') to union locations;
    # users never wrote it, so it is dropped from the path they see.
    return [part for part in loc if part not in _UNION_TAGS]


def problem_message(error: dict[str, object]) -> str:
    """The message a rulebook author sees for one of pydantic's validation errors."""
    kind = error.get("type")
    text = str(error.get("msg", "invalid value"))
    if kind == "missing":
        return "this field is required: add it to the table"
    if kind == "extra_forbidden":
        return "unknown field: remove it or check its spelling against docs/rulebook.md"
    if kind in {"decimal_type", "decimal_parsing"}:
        return f'{text}; write numbers such as 0.97 or "0.97"'
    return text


def parse_rulebook(
    text: str,
    origin: str = "<rulebook>",
    *,
    methodologies: Collection[str] | None = None,
    parameter_regimes: Collection[str] | None = None,
) -> tuple[Rulebook | None, list[Issue]]:
    """Parse and validate a rulebook; returns it (or None) with every problem found.

    Pass the installed ``methodologies`` and known ``parameter_regimes`` to have rules
    naming others reported too.
    """
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        return None, [
            Issue(
                "rulebook_not_toml",
                f"the file is not valid TOML: {error}; fix the syntax at that line",
                origin,
            )
        ]
    index = LineIndex(text)
    try:
        rulebook = Rulebook.model_validate(raw)
    except ValidationError as error:
        problems = error.errors()
        located = [_strip_union_tags(problem["loc"]) for problem in problems]
        nested = {tuple(loc[:cut]) for loc in located for cut in range(1, len(loc))}
        issues = []
        for problem, loc in zip(problems, located, strict=True):
            if problem["type"] == "too_short" and tuple(loc) in nested:
                continue  # pydantic repeats a failed item as "too short"; the item says why
            issues.append(
                Issue(
                    f"rulebook_{problem['type']}",
                    problem_message(dict(problem)),
                    locate(origin, index, loc),
                )
            )
        return None, issues
    issues = [
        Issue(issue.code, issue.message, locate(origin, index, _split(issue.where)), issue.severity)
        for issue in check_rulebook(
            rulebook, methodologies=methodologies, parameter_regimes=parameter_regimes
        )
    ]
    return rulebook, issues


def _split(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for token in re.findall(r"[A-Za-z0-9_-]+|\[\d+\]", path):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return parts
