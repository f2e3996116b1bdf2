"""Problems (core.issues.Issue) in the page's language, from their template and params.

The domain writes its problems in English and stays free of catalogs; an issue made with
``Issue.of`` keeps the template its message was formatted from and the figures it was
formatted with, so a page says it through the template's msgid with the same figures. An
issue without a template, or whose template the catalog lacks, is shown in its English
message. A location made from a pattern (``core.issues.Where``) is said the same way.
tests/web/test_problems.py checks that every template of the MRV checks has a Chinese
reading with the same fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from tanshi.core.issues import Issue, Severity
from tanshi.web.labels import KINDS

# Params that name a code, which a page says by its name in a context of labels.KINDS
# (``the rulebook has no {section} rule in force``: 配额分配, not ``allocation``; an auction's
# unsold volume ``(roll_over)``: 结转至下次拍卖).
NAMED = {"section": "rulebook section", "unsold_rule": "unsold rule"}


def _said(
    text: str, template: str, params: tuple[tuple[str, str], ...],
    translate: Callable[[str], str], plain: Callable[[str], str],
) -> str:  # fmt: skip
    translated = translate(template) if template else ""
    if not translated or translated == template:
        return plain(text)
    try:
        return translated.format(**dict(params))
    except (KeyError, IndexError, ValueError):  # a translation that lost a field: say it as is
        return plain(text)


def say_problem(
    issue: Issue, translate: Callable[[str], str], plain: Callable[[str], str] = str
) -> str:
    """``issue``'s message in the language of ``translate``; ``plain`` reads a message that
    has no translated template (by default it is shown in English as it is)."""
    return _said(issue.message, issue.template, _named(issue.params, translate), translate, plain)


def _named(
    params: tuple[tuple[str, str], ...], translate: Callable[[str], str]
) -> tuple[tuple[str, str], ...]:
    """``params`` with each code NAMED names said by its name (its context's reading first)."""
    said = []
    for name, value in params:
        if name not in NAMED:
            said.append((name, value))
            continue
        english = KINDS[NAMED[name]].get(value, value)
        key = f"{NAMED[name]}\x04{english}"
        said.append((name, translate(key) if translate(key) != key else translate(english)))
    return tuple(said)


def say_where(issue: Issue, translate: Callable[[str], str]) -> str:
    """``issue``'s location in the language of ``translate``: from its pattern when it was
    made from one (``Where``), else as written (a file's line, a field's machine name). A
    location within another (``Where.joined``, ``OUTER: INNER``) is said part by part."""
    if ": " not in issue.where_template:
        return _said(issue.where, issue.where_template, issue.where_params, translate, str)
    parts = [translate(part) for part in issue.where_template.split(": ")]
    try:
        return ": ".join(parts).format(**dict(issue.where_params))
    except (KeyError, IndexError, ValueError):  # a translation that lost a field: as written
        return issue.where


@pass_context
def problem(context: Context, issue: Issue) -> str:
    """The ``problem`` filter of templates."""
    return say_problem(issue, context["_"])


@pass_context
def where(context: Context, issue: Issue) -> str:
    """The ``where`` filter of templates: the problem's location in the page's language."""
    return say_where(issue, context["_"])


def detail_of(
    issues: Iterable[Issue], translate: Callable[[str], str], coded: bool,
    plain: Callable[[str], str] = str, located: bool = False,
) -> str:  # fmt: skip
    """The problems as a refusal's detail, "; "-separated (each after its code if ``coded``,
    after its location if ``located`` and it has one, e.g. a bid file's line)."""
    said = []
    for issue in issues:
        text = say_problem(issue, translate, plain)
        if located and issue.where:
            text = f"{say_where(issue, translate)}: {text}"
        said.append(f"{issue.code}: {text}" if coded else text)
    return "; ".join(said)


def kept(issues: Iterable[Issue]) -> list[dict[str, Any]]:
    """Problems as a form's kept answer stores them (JSON)."""
    return [{"code": i.code, "message": i.message, "where": i.where,
             "severity": i.severity.value, "template": i.template,
             "params": [list(pair) for pair in i.params],
             "where_template": i.where_template,
             "where_params": [list(pair) for pair in i.where_params]} for i in issues]  # fmt: skip


def from_kept(rows: Iterable[Mapping[str, Any]]) -> tuple[Issue, ...]:
    """The problems of a kept answer, as ``kept`` stored them."""
    return tuple(
        Issue(row["code"], row["message"], row["where"], Severity(row["severity"]),
              row["template"], _pairs(row["params"]), row.get("where_template", ""),
              _pairs(row.get("where_params", ())))
        for row in rows
    )  # fmt: skip


def _pairs(rows: Iterable[Iterable[object]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in rows)
