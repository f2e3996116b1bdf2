"""Reports as files, as the command line writes them: the compliance table (CSV, and the
self-contained HTML bulletin), the registry's holdings by account type and its transaction
log (CSV), the verification table (CSV, HTML), a product's bars (CSV) and the weekly market
bulletin (HTML, PDF). Each has the JSON route it mirrors beside it (docs/api.md).

What is public stays public (the compliance table, holdings, market data); the transaction
log is for regulators and auditors; the verification table lists the cases you may read.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime, BaseModel

from tanshi.api import mrv_desk
from tanshi.api.context import Reader, Service, ServiceDep
from tanshi.api.errors import ApiError
from tanshi.api.models import FIRST_DAY, LAST_DAY, Page
from tanshi.api.routers.market import exchange_of, listed, product_bars
from tanshi.api.routers.paging import PagingDep
from tanshi.core.moments import to_utc
from tanshi.market.bars import Interval
from tanshi.market.tape_csv import bars_to_csv
from tanshi.registry.journal import utc_text
from tanshi.reports import compliance_table, verification_table
from tanshi.reports.market_bulletin import build_bulletin, bulletin_html, bulletin_pdf
from tanshi.services import compliance_report, publication, views
from tanshi.services.market_data import exchange_tape
from tanshi.services.principals import Principal

router = APIRouter(tags=["downloads"])
Year = Annotated[int, Path(ge=1990, le=2200)]
JurisdictionQuery = Annotated[
    str | None, Query(max_length=20, description="the jurisdiction; optional with only one")
]
Product = Annotated[str, Path(min_length=1, max_length=60, description="e.g. DPEA-2016")]


class CsvFile(Response):
    media_type = "text/csv"


class HtmlFile(Response):
    media_type = "text/html"


class PdfFile(Response):
    media_type = "application/pdf"


def _as(kind: type[Response], media: str) -> dict[str, Any]:
    """Route options for a file answer: its class and its declared content type."""
    schema = {"type": "string", "format": "binary"} if kind is PdfFile else {"type": "string"}
    return {"response_class": kind,
            "responses": {200: {"content": {media: {"schema": schema}}}}}  # fmt: skip


CSV, HTML, PDF = (
    _as(CsvFile, "text/csv"),
    _as(HtmlFile, "text/html"),
    _as(PdfFile, "application/pdf"),
)


def _file(kind: type[Response], body: str | bytes, name: str) -> Response:
    return kind(body, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _table(svc: Service, year: int, jurisdiction: str | None):
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction")
    found = compliance_report.published_lines(svc.engine, place, year)
    if found is None:
        raise ApiError(404, "no_compliance_table", f"the compliance of {year} is not computed "
                       "yet: it is published after the surrender deadline", "path.year")  # fmt: skip
    return place, *found


@router.get("/public/compliance/{year}/report.csv", **CSV)
def compliance_csv(year: Year, svc: ServiceDep, jurisdiction: JurisdictionQuery = None) -> Response:
    """The compliance table of ``year`` as CSV (``tanshi demo``'s compliance-YEAR.csv); no login."""
    _place, lines, _price = _table(svc, year, jurisdiction)
    return _file(CsvFile, compliance_table.to_csv(lines), f"compliance-{year}.csv")


@router.get("/public/compliance/{year}/report.html", **HTML)
def compliance_html(
    year: Year, svc: ServiceDep, jurisdiction: JurisdictionQuery = None
) -> Response:
    """The public compliance bulletin of ``year``: summary, the rules applied with their
    sources, and the table, as one self-contained HTML page; no login."""
    place, lines, price = _table(svc, year, jurisdiction)
    html = compliance_table.to_html(place.rulebook, year, lines, price)
    return _file(HtmlFile, html, f"compliance-{year}.html")


@router.get("/public/holdings-by-kind.csv", **CSV)
def holdings_csv(svc: ServiceDep) -> Response:
    """Units held per account kind and unit class, as CSV (``tanshi registry report``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["unit_class", "account_kind", "accounts", "quantity_units"])
    for line in publication.holdings_by_kind(svc.engine):
        writer.writerow([line.unit_class, line.account_kind, line.accounts, line.quantity_units])
    return _file(CsvFile, buffer.getvalue(), "holdings-by-kind.csv")


class LogLineOut(BaseModel):
    sequence: int
    booked_at: str
    type: str
    from_account: str
    to_account: str
    unit_class: str
    quantity_units: int


def _log(svc: Service, who: Principal, until: Any) -> list[publication.LogLine]:
    if not who.reads_all:
        raise ApiError(403, "regulators_only", "the full transaction log is for regulators, "
                       "auditors and administrators")  # fmt: skip
    lines = publication.transaction_log(svc.engine, None if until is None else to_utc(until))
    mine = views.codes_in_scope(svc.engine, who)
    if mine is None:
        return lines
    return [
        line
        for line in lines  # the movements of the reader's jurisdiction
        if line.from_account in mine or line.to_account in mine
    ]


Until = Annotated[AwareDatetime | None, Query(description="only movements booked by then")]


@router.get("/registry/transaction-log", response_model=Page[LogLineOut])
def transaction_log(who: Reader, svc: ServiceDep, paging: PagingDep, until: Until = None) -> dict:
    """Every movement of the journal in order (regulators, auditors, administrators)."""
    lines = _log(svc, who, until)
    shown = lines[paging.offset : paging.offset + paging.limit]
    following = paging.offset + len(shown)
    return {"items": [{"sequence": e.sequence, "booked_at": utc_text(e.booked_at),
                       "type": e.type_code, "from_account": e.from_account,
                       "to_account": e.to_account, "unit_class": e.unit_class,
                       "quantity_units": e.quantity_units} for e in shown],
            "total": len(lines), "limit": paging.limit, "offset": paging.offset,
            "next_offset": following if following < len(lines) else None}  # fmt: skip


@router.get("/registry/transaction-log.csv", **CSV)
def transaction_log_csv(who: Reader, svc: ServiceDep, until: Until = None) -> Response:
    """The transaction log as CSV (``tanshi registry report --log-csv``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["sequence", "booked_at_utc", "type", "from_account", "to_account",
                     "unit_class", "quantity_units"])  # fmt: skip
    for e in _log(svc, who, until):
        writer.writerow([e.sequence, utc_text(e.booked_at), e.type_code, e.from_account,
                         e.to_account, e.unit_class, e.quantity_units])  # fmt: skip
    return _file(CsvFile, buffer.getvalue(), "transaction-log.csv")


@router.get("/verification/{year}/report.csv", **CSV)
def verification_csv(year: Year, who: Reader, svc: ServiceDep) -> Response:
    """The verification table of ``year`` as CSV: the cases you may read."""
    cases = mrv_desk.cases_for(svc.engine, who, year)
    return _file(CsvFile, verification_table.to_csv(cases), f"verification-{year}.csv")


@router.get("/verification/{year}/report.html", **HTML)
def verification_html(
    year: Year, who: Reader, svc: ServiceDep, jurisdiction: JurisdictionQuery = None
) -> Response:
    """The verification table and re-check discrepancies of ``year`` as an HTML page."""
    place = svc.jurisdiction(jurisdiction, "query.jurisdiction", who)
    bands = mrv_desk.rules_of(place).materiality
    cases = mrv_desk.cases_for(svc.engine, who, year)
    html = verification_table.to_html(place.rulebook.rulebook.name, year, cases, bands)
    return _file(HtmlFile, html, f"verification-{year}.html")


@router.get("/public/market/{product}/bars.csv", **CSV)
def bars_csv(
    product: Product, svc: ServiceDep, jurisdiction: JurisdictionQuery = None,
    interval: Interval = Interval.DAY,
) -> Response:  # fmt: skip
    """Every OHLCV bar of ``product`` at ``interval`` as CSV (``tanshi market bars``)."""
    made = product_bars(svc, jurisdiction, product, interval)
    return _file(CsvFile, bars_to_csv(made), f"{product}-{interval.value}.csv")


def _bulletin(svc: Service, jurisdiction: str | None, product: str, week: date):
    _place, venue = exchange_of(svc, jurisdiction)
    listed(venue, product, "path.product")
    trades, label, market = exchange_tape(svc.engine, venue, product)
    if not trades:
        raise ApiError(404, "no_trades", f"{product} has not traded yet", "path.product")
    return build_bulletin(trades, [market], week, ZoneInfo(venue.venue.timezone), label)


Week = Annotated[
    date, Query(ge=FIRST_DAY, le=LAST_DAY, description="any day of the week, e.g. 2017-06-21")
]
English = Annotated[bool, Query(description="English names (default: Chinese)")]


@router.get("/public/market/{product}/bulletin.html", **HTML)
def bulletin_page(
    product: Product, week: Week, svc: ServiceDep, jurisdiction: JurisdictionQuery = None,
    english: English = False,
) -> Response:  # fmt: skip
    """The weekly market bulletin of ``product``: commentary, chart and table (HTML)."""
    made = _bulletin(svc, jurisdiction, product, week)
    return _file(HtmlFile, bulletin_html(made, chinese=not english), f"bulletin-{week}.html")


@router.get("/public/market/{product}/bulletin.pdf", **PDF)
def bulletin_document(
    product: Product, week: Week, svc: ServiceDep, jurisdiction: JurisdictionQuery = None,
    english: English = False,
) -> Response:  # fmt: skip
    """The weekly market bulletin of ``product`` as a one-page PDF (``tanshi market bulletin``)."""
    made = _bulletin(svc, jurisdiction, product, week)
    return _file(PdfFile, bulletin_pdf(made, chinese=not english), f"bulletin-{week}.pdf")
