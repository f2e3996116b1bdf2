"""The weekly market bulletin: commentary from the numbers, the chart, a table; HTML and PDF."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path

from matplotlib.figure import Figure

from tanshi.market.commentary import commentary, span
from tanshi.market.statistics import PeriodSummary, summarise_period
from tanshi.market.tape import Market, TradeRecord
from tanshi.reports.market_chart import (
    LABEL_BOX,
    ChartData,
    chart_data,
    cjk_family,
    display_name,
    draw,
    inline_svg,
    render,
)
from tanshi.reports.market_chart import figure as chart_figure
from tanshi.reports.templating import environment

CHART_WEEKS = 13  # the chart shows the quarter up to the bulletin's week
COLUMNS = (
    ("market", "Market"),
    ("product", "Product"),
    ("open", "Open"),
    ("high", "High"),
    ("low", "Low"),
    ("close", "Close"),
    ("change_pct", "Change %"),
    ("volume_t", "Volume (t)"),
    ("turnover_cny", "Turnover (CNY)"),
    ("vwap", "VWAP"),
    ("trades", "Trades"),
    ("zero_days", "Days without trades"),
)


@dataclass(frozen=True, slots=True)
class Bulletin:
    """Everything the bulletin shows for one week (Monday to Friday)."""

    start: date
    end: date
    markets: tuple[Market, ...]
    summaries: tuple[PeriodSummary, ...]
    text: str
    chart: ChartData
    label: str


def week_of(day: date) -> tuple[date, date]:
    """The Monday and Friday of the week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=4)


def build_bulletin(
    trades: Sequence[TradeRecord], markets: Sequence[Market], day: date, zone: tzinfo, label: str
) -> Bulletin:
    """The bulletin of the week containing ``day``; earlier trades give previous closes.

    The chart centres on the national market when it traded that week, else on the pilot
    that traded most.
    """
    start, end = week_of(day)
    week = timedelta(days=7)
    summaries = tuple(
        summarise_period(trades, m.code, start, end, zone, closing_rule=m.closing_rule)
        for m in markets
    )
    previous = [
        summarise_period(
            trades, m.code, start - week, end - week, zone, closing_rule=m.closing_rule
        )
        for m in markets
    ]
    by_code = {market.code: market for market in markets}
    national = [s for s in summaries if by_code[s.exchange].scope == "national" and s.volume_t]
    focus = national[0] if national else max(summaries, key=lambda s: (s.volume_t, s.exchange))
    chart = chart_data(
        trades,
        markets,
        focus.exchange,
        start - timedelta(weeks=CHART_WEEKS - 1),
        end,
        zone,
        label,
    )
    return Bulletin(
        start,
        end,
        tuple(markets),
        summaries,
        commentary(summaries, by_code, previous),
        chart,
        label,
    )


def _price(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:,.2f}"


def table_rows(bulletin: Bulletin, chinese: bool) -> list[dict[str, str]]:
    """One row of exact strings per market ("–" where there is no price)."""
    by_code = {market.code: market for market in bulletin.markets}
    rows = []
    for summary in bulletin.summaries:
        market = by_code[summary.exchange]
        change = summary.change_pct
        rows.append(
            {
                "market": display_name(market, chinese),
                "product": market.product,
                "open": _price(summary.open),
                "high": _price(summary.high),
                "low": _price(summary.low),
                "close": _price(summary.close),
                "change_pct": "–" if change is None else f"{change:+.2f}",
                "volume_t": f"{summary.volume_t:,}",
                "turnover_cny": f"{summary.turnover_cny:,.2f}",
                "vwap": _price(summary.vwap),
                "trades": f"{summary.trade_count:,}",
                "zero_days": f"{summary.zero_volume_days} of {summary.trading_days}",
            }
        )
    return rows


def title(bulletin: Bulletin) -> str:
    return f"Carbon market weekly bulletin, {span(bulletin.start, bulletin.end)}"


def bulletin_html(bulletin: Bulletin, chinese: bool) -> str:
    """A self-contained HTML page: commentary, the chart as inline SVG, the table."""
    names = chinese and cjk_family() is not None
    return (
        environment()
        .get_template("market_bulletin.html")
        .render(
            title=title(bulletin),
            bulletin=bulletin,
            columns=COLUMNS,
            rows=table_rows(bulletin, names),
            svg=inline_svg(chart_figure(bulletin.chart, chinese)),
        )
    )


def bulletin_pdf(bulletin: Bulletin, chinese: bool) -> bytes:
    """One A4 page drawn with matplotlib (no system libraries): text, chart, table."""
    family = cjk_family() if chinese else None
    fig = Figure(figsize=(8.27, 11.69))  # fixed positions, no layout engine: same bytes
    # A bulletin of one market (an exchange's own) has a short text and a one-row table:
    # give the chart the room they leave.
    ratios = (2.2, 5.6, 3.0) if len(bulletin.summaries) > 1 else (1.6, 6.6, 1.4)
    head, body, foot = fig.subfigures(3, 1, squeeze=False, height_ratios=ratios)[:, 0]
    head.text(0.05, 0.93, title(bulletin), fontsize=14, weight="bold", va="top")
    head.text(0.05, 0.79, bulletin.label, fontsize=8, color="#8a3a0f", va="top", bbox=LABEL_BOX)
    head.text(
        0.05, 0.65, textwrap.fill(bulletin.text, 108), fontsize=8.5, va="top", linespacing=1.5
    )
    draw(body, bulletin.chart, chinese, (0.1, 0.13, 0.95, 0.96), legend_below=True)
    axes = foot.subplots()
    axes.axis("off")
    rows = table_rows(bulletin, family is not None)
    shown = [key for key, _ in COLUMNS if key != "product"]
    headings = [label for key, label in COLUMNS if key != "product"]
    headings[-1] = "Empty days"
    table = axes.table(
        cellText=[[row[key] for key in shown] for row in rows],
        colLabels=headings,
        loc="upper center",
        cellLoc="right",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(6.5)
    table.auto_set_column_width(list(range(len(shown))))
    for (row, column), cell in table.get_celld().items():
        cell.set_edgecolor("#d9dee3")
        cell.set_linewidth(0.4)
        if row == 0:
            cell.set_facecolor("#f3f5f7")
            cell.set_text_props(weight="bold")
        if column == 0:
            cell.set_text_props(
                ha="left", **({"family": [family, "DejaVu Sans"]} if family else {})
            )
    table.scale(1, 1.35)
    axes.set_title(
        "Each market over the week: listed-trade prices (CNY/t); volume, turnover and VWAP of all trades",
        fontsize=8,
        loc="left",
    )
    return render(fig, "pdf")


def write_bulletin(folder: Path, bulletin: Bulletin, chinese: bool) -> list[Path]:
    """Write ``bulletin-MONDAY.html`` and ``.pdf`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"bulletin-{bulletin.start.isoformat()}"
    html, pdf = stem.with_suffix(".html"), stem.with_suffix(".pdf")
    html.write_text(bulletin_html(bulletin, chinese), encoding="utf-8")
    pdf.write_bytes(bulletin_pdf(bulletin, chinese))
    return [html, pdf]
