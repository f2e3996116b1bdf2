"""The verification statement of one company-year as a self-contained HTML document and as a
one-page PDF drawn by matplotlib, as the weekly market bulletin is.

The headings are bilingual; the sentences around the figures are English msgids said through
``say`` (the web's translator for a visitor's language; as written by default, the API's)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

from tanshi.reports.market_chart import cjk_family, render
from tanshi.reports.templating import environment as report_environment
from tanshi.reports.templating import grouped

# Each field of the statement: its Chinese and English names (as in the HTML document).
FIELDS = (
    ("重点排放单位", "Company"), ("核查机构", "Verification body"), ("年度", "Year"),
    ("报告版本", "Report revision"), ("核查结论", "Conclusion"),
    ("报告排放量", "Reported (tCO2)"), ("核查排放量", "Verified (tCO2)"),
    ("错报合计", "Aggregate misstatement (tCO2)"), ("实质性水平", "Materiality level"),
    ("核算方法", "Methodology"), ("现状", "Status now"),
)  # fmt: skip


def _as_written(text: str) -> str:
    return text


Say = Callable[[str], str]
INTRO = ("{body_name} ({body}) verified the {year} greenhouse gas emissions report of "
         "{company_name} ({company}), revision {revision}.")  # fmt: skip


def statement_html(statement: dict[str, Any], say: Say = _as_written) -> str:
    """``services.verification_statement.statement`` rendered (inline CSS, no scripts)."""
    environment = report_environment()
    intro = say(INTRO).format(revision=statement["report_revision"], **statement)
    return environment.get_template("verification_statement.html").render(
        s=statement, say=say, intro=intro, ratio=_ratio(statement, say)
    )


def _ratio(s: dict[str, Any], say: Say) -> str:
    if not s.get("misstatement_ratio"):
        return ""
    return say(" (misstatements: {ratio} of reported)").format(ratio=s["misstatement_ratio"])


def _values(s: dict[str, Any], say: Say) -> list[str]:
    submitted = say("{revision}, submitted {at}").format(
        revision=s["report_revision"], at=s["report_submitted_at"] or ""
    )
    return [
        f"{s['company_name']} ({s['company']})", f"{s['body_name']} ({s['body']})",
        str(s["year"]), submitted,
        f"{say(s['conclusion'])} {s['verified_at'] or ''}", grouped(s["reported_tco2"]),
        grouped(s["verified_tco2"]), grouped(s["misstatement_aggregate_tco2"] or ""),
        f"{s['materiality_share'] or ''}{_ratio(s, say)}", s["methodology"] or "",
        say(s["note"]),
    ]  # fmt: skip


def statement_pdf(statement: dict[str, Any], say: Say = _as_written) -> bytes:
    """The statement on one A4 page: the figures, then the findings. Chinese names (and
    ``say``'s sentences) with a CJK font installed, English ones without (a fresh machine may
    have none)."""
    family = cjk_family()
    say = say if family else _as_written
    # DejaVu first: Latin text stays in a font whose codes are ASCII (searchable, as the
    # HTML), Chinese glyphs fall back to the CJK font.
    fonts: dict[str, Any] = {"family": ["DejaVu Sans", family]} if family else {}
    s = statement
    fig = Figure(figsize=(8.27, 11.69))  # fixed positions, no layout engine: same bytes
    title = "核查报告 Verification statement" if family else "Verification statement"
    fig.text(0.07, 0.95, f"{title} — {s['company']} {s['year']}", fontsize=14, weight="bold",
             va="top", **fonts)  # fmt: skip
    intro = say(INTRO).format(revision=s["report_revision"], **s)
    fig.text(0.07, 0.91, textwrap.fill(intro, 100), fontsize=9, va="top", **fonts)
    y = 0.86
    for (chinese, english), value in zip(FIELDS, _values(s, say), strict=True):
        fig.text(0.07, y, f"{chinese} {english}" if family else english, fontsize=9,
                 weight="bold", va="top", **fonts)  # fmt: skip
        wrapped = textwrap.fill(value, 60)
        fig.text(0.45, y, wrapped, fontsize=9, va="top", **fonts)
        y -= 0.03 + 0.016 * wrapped.count("\n")
    heading = "核查发现 Findings" if family else "Findings"
    fig.text(0.07, y - 0.01, heading, fontsize=11, weight="bold", va="top", **fonts)
    y -= 0.045
    findings = s["findings"]
    if not findings:
        fig.text(0.07, y, say("None recorded."), fontsize=9, va="top", **fonts)
    shown = 0
    for finding in findings:
        if y < 0.1:
            break  # the page is full
        amount = grouped(finding["misstatement_tco2"] or "")
        line = (f"{say(finding['kind'].replace('_', ' '))} · {finding['stream'] or '—'} · "
                f"{amount + ' tCO2 · ' if amount else ''}{finding['description']}")  # fmt: skip
        wrapped = textwrap.fill(line, 110)
        fig.text(0.07, y, wrapped, fontsize=8, va="top", **fonts)
        y -= 0.022 * (1 + wrapped.count("\n"))
        shown += 1
    if shown < len(findings):
        more = say("… and {more} more findings: see the HTML statement")
        fig.text(0.07, y, more.format(more=len(findings) - shown), fontsize=8, va="top",
                 style="italic", **fonts)  # fmt: skip
    fig.text(0.07, 0.03, "tanshi: every number can be traced to a rule or a parameter with its "
             "source.", fontsize=7, color="#6b747d")  # fmt: skip
    return render(fig, "pdf")
