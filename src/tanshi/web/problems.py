"""Problems (core.issues.Issue) in the page's language, from their template and params.

The domain writes its problems in English and stays free of catalogs; an issue made with
``Issue.of`` keeps the template its message was formatted from and the figures it was
formatted with, so a page says it through the template's msgid with the same figures. An
issue without a template, or whose template the catalog lacks, is shown in its English
message. tests/web/test_problems.py checks that every template of the MRV checks has a
Chinese reading with the same fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from tanshi.core.issues import Issue, Severity


def say_problem(
    issue: Issue, translate: Callable[[str], str], plain: Callable[[str], str] = str
) -> str:
    """``issue``'s message in the language of ``translate``; ``plain`` reads a message that
    has no translated template (by default it is shown in English as it is)."""
    translated = translate(issue.template) if issue.template else ""
    if not translated or translated == issue.template:
        return plain(issue.message)
    try:
        return translated.format(**dict(issue.params))
    except (KeyError, IndexError, ValueError):  # a translation that lost a field: say it as is
        return plain(issue.message)


@pass_context
def problem(context: Context, issue: Issue) -> str:
    """The ``problem`` filter of templates."""
    return say_problem(issue, context["_"])


def detail_of(
    issues: Iterable[Issue], translate: Callable[[str], str], coded: bool,
    plain: Callable[[str], str] = str,
) -> str:  # fmt: skip
    """The problems as a refusal's detail, "; "-separated (each after its code if ``coded``)."""
    said = ((i.code, say_problem(i, translate, plain)) for i in issues)
    return "; ".join(f"{code}: {text}" if coded else text for code, text in said)


def kept(issues: Iterable[Issue]) -> list[dict[str, Any]]:
    """Problems as a form's kept answer stores them (JSON)."""
    return [{"code": i.code, "message": i.message, "where": i.where,
             "severity": i.severity.value, "template": i.template,
             "params": [list(pair) for pair in i.params]} for i in issues]  # fmt: skip


def from_kept(rows: Iterable[Mapping[str, Any]]) -> tuple[Issue, ...]:
    """The problems of a kept answer, as ``kept`` stored them."""
    return tuple(
        Issue(row["code"], row["message"], row["where"], Severity(row["severity"]),
              row["template"], tuple((str(k), str(v)) for k, v in row["params"]))
        for row in rows
    )  # fmt: skip
