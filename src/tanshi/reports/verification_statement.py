"""The verification statement of one company-year as a self-contained HTML document."""

from __future__ import annotations

from typing import Any

from tanshi.reports.templating import environment as report_environment


def statement_html(statement: dict[str, Any]) -> str:
    """``services.verification_statement.statement`` rendered (inline CSS, no scripts)."""
    environment = report_environment()
    return environment.get_template("verification_statement.html").render(s=statement)
