"""The verification statement of one company-year as a self-contained HTML document."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from tanshi.reports.compliance_table import grouped


def statement_html(statement: dict[str, Any]) -> str:
    """``services.verification_statement.statement`` rendered (inline CSS, no scripts)."""
    environment = Environment(
        loader=PackageLoader("tanshi.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["grouped"] = grouped
    return environment.get_template("verification_statement.html").render(s=statement)
