"""The verification table: each company's report, verifier, findings and the figure used."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from tanshi.mrv.verification_rules import MaterialityBand
from tanshi.mrv.verification_workflow import CaseState, CaseView, recheck_outcome
from tanshi.reports.templating import environment as report_environment

COLUMNS = (
    ("company", "Company"),
    ("state", "State"),
    ("body", "Verifier"),
    ("revisions", "Report revisions"),
    ("reported_tco2", "Reported (tCO2)"),
    ("misstatements", "Misstatements"),
    ("non_conformities", "Non-conformities"),
    ("verified_tco2", "Verified (tCO2)"),
    ("recheck_body", "Re-checked by"),
    ("recheck_tco2", "Re-check (tCO2)"),
    ("compliance_tco2", "Used for compliance (tCO2)"),
    ("note", "What happened"),
)


def _t(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.3f}"


def note(case: CaseView) -> str:
    """One line a reader can follow."""
    if case.state is CaseState.RECHECK_FLAGGED:
        return "re-check found a material discrepancy; compliance uses the re-checked figure"
    if case.state is CaseState.CORRECTION_REQUESTED:
        return "material misstatement; waiting for the corrected report"
    if case.revisions > 1:
        return "material misstatement; corrected report resubmitted and verified"
    if case.verified_tco2 is not None and case.verified_tco2 != case.reported_tco2:
        return "immaterial misstatement corrected by the verifier"
    if case.state is CaseState.RECHECK_CONFIRMED:
        return "re-check confirmed the verified figure"
    return ""


def verification_rows(cases: Sequence[CaseView]) -> list[dict[str, str]]:
    return [
        {
            "company": case.company,
            "state": case.state.value,
            "body": case.body or "",
            "revisions": str(case.revisions),
            "reported_tco2": _t(case.reported_tco2),
            "misstatements": str(case.misstatements),
            "non_conformities": str(case.non_conformities),
            "verified_tco2": _t(case.verified_tco2),
            "recheck_body": case.recheck_body or "",
            "recheck_tco2": _t(case.recheck_tco2),
            "compliance_tco2": _t(case.compliance_tco2),
            "note": note(case),
        }
        for case in cases
    ]


DISCREPANCY_COLUMNS = (
    ("company", "Company"),
    ("body", "Verifier"),
    ("recheck_body", "Re-checked by"),
    ("verified_tco2", "Verified (tCO2)"),
    ("recheck_tco2", "Re-check (tCO2)"),
    ("difference_tco2", "Difference (tCO2)"),
    ("ratio", "Difference / verified"),
    ("level", "Materiality level"),
    ("outcome", "Outcome"),
)


def discrepancy_rows(
    cases: Sequence[CaseView], bands: Sequence[MaterialityBand]
) -> list[dict[str, str]]:
    """The regulator's discrepancy report: every re-checked case against its verified figure."""
    rows = []
    for case in cases:
        if case.recheck_tco2 is None or case.verified_tco2 is None:
            continue
        _, found = recheck_outcome(bands, case.verified_tco2, case.recheck_tco2)
        ratio = found.materiality.ratio
        rows.append(
            {
                "company": case.company,
                "body": case.body or "",
                "recheck_body": case.recheck_body or "",
                "verified_tco2": _t(case.verified_tco2),
                "recheck_tco2": _t(case.recheck_tco2),
                "difference_tco2": _t(found.difference_tco2),
                "ratio": "" if ratio is None else f"{ratio:.3%}",
                "level": f"{found.materiality.share:.0%}",
                "outcome": "flagged" if found.flagged else "confirmed",
            }
        )
    return rows


def to_csv(cases: Sequence[CaseView]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, [key for key, _ in COLUMNS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(verification_rows(cases))
    return buffer.getvalue()


def to_html(
    title: str, year: int, cases: Sequence[CaseView], bands: Sequence[MaterialityBand]
) -> str:
    environment = report_environment()
    return environment.get_template("verification.html").render(
        title=title,
        year=year,
        columns=COLUMNS,
        rows=verification_rows(cases),
        discrepancy_columns=DISCREPANCY_COLUMNS,
        discrepancies=discrepancy_rows(cases, bands),
    )


def write_verification_reports(
    folder: Path,
    title: str,
    year: int,
    cases: Sequence[CaseView],
    bands: Sequence[MaterialityBand],
) -> tuple[Path, Path]:
    """Write ``verification-YEAR.csv`` and ``verification-YEAR.html`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = folder / f"verification-{year}.csv", folder / f"verification-{year}.html"
    csv_path.write_text(to_csv(cases), encoding="utf-8")
    html_path.write_text(to_html(title, year, cases, bands), encoding="utf-8")
    return csv_path, html_path
