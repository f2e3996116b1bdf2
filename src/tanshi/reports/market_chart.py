"""The cross-exchange chart: candlesticks and volume of one exchange, closes of all of them.

Drawn with matplotlib's object API (no pyplot, no global state) into a PNG, an inline SVG
for self-contained HTML, or a PDF page. Prices are Decimal up to here and become floats only
as plot coordinates. Chinese exchange names are used when a CJK font is installed;
otherwise the chart falls back to English names (a fresh machine may have no CJK font).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path

from matplotlib import font_manager, rc_context
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure, SubFigure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter

from tanshi.market.bars import Bar, Interval, bars
from tanshi.market.statistics import daily_statistics
from tanshi.market.tape import Market, TradeRecord
from tanshi.reports.templating import environment

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
)
UP, DOWN = "#d1362f", "#1a9a5a"  # the Chinese convention: red rises, green falls
LINE_COLOURS = (
    "#1d232a",
    "#d1362f",
    "#2f6fd1",
    "#e08a1e",
    "#7a4fc2",
    "#1a9a5a",
    "#c2418f",
    "#4aa3b5",
    "#8a6d3b",
)
LABEL_BOX = {"facecolor": "#fff4e5", "edgecolor": "#f0c58a", "boxstyle": "round,pad=0.3"}
DAILY_LIMIT_DAYS = 200
ADJECTIVES = {
    Interval.MINUTE: "one-minute",
    Interval.HOUR: "hourly",
    Interval.DAY: "daily",
    Interval.WEEK: "weekly",
}  # longer ranges are drawn with weekly candles


CJK_FILES = ("notosanscjk", "notosanssc", "sourcehansans", "wqy", "simhei", "msyh", "pingfang")


@functools.cache
def cjk_family() -> str | None:
    """The first installed font family that has Chinese glyphs, if any.

    matplotlib caches its font list, so fonts installed after the cache was built are
    looked for among the system's font files and registered.
    """
    found = _known_family()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(part in Path(path).name.lower() for part in CJK_FILES):
                font_manager.fontManager.addfont(path)
        found = _known_family()
    return found


def _known_family() -> str | None:
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def display_name(market: Market, chinese: bool) -> str:
    """ "北京 Beijing" with a CJK font, "Beijing" without."""
    return f"{market.name_zh} {market.name_en}" if chinese else market.name_en


@dataclass(frozen=True, slots=True)
class ChartData:
    """What the chart shows, computed from trades."""

    focus: Market
    start: date
    end: date
    interval: Interval
    candles: tuple[Bar, ...]
    closes: Mapping[str, tuple[tuple[date, Decimal], ...]]  # market code → daily closes
    markets: tuple[Market, ...]
    label: str


def chart_data(
    trades: Sequence[TradeRecord],
    markets: Sequence[Market],
    focus: str,
    start: date,
    end: date,
    zone: tzinfo,
    label: str,
    interval: Interval | None = None,
) -> ChartData:
    """Candles of ``focus`` and the daily closes of every market from ``start`` to ``end``,
    each under its market's closing rule."""
    by_code = {market.code: market for market in markets}
    if interval is None:
        interval = Interval.DAY if (end - start).days <= DAILY_LIMIT_DAYS else Interval.WEEK
    inside = [trade for trade in trades if start <= trade.traded_at.astimezone(zone).date() <= end]
    mine = (trade for trade in inside if trade.exchange == focus)
    candles = tuple(bars(mine, interval, zone, closing_rule=by_code[focus].closing_rule))
    closes = {
        market.code: tuple(
            (row.day, row.bar.close)
            for row in daily_statistics(
                inside, market.code, start, end, zone, closing_rule=market.closing_rule
            )
            if row.bar.close is not None
        )
        for market in markets
    }
    return ChartData(by_code[focus], start, end, interval, candles, closes, tuple(markets), label)


def draw(
    container: Figure | SubFigure,
    data: ChartData,
    chinese: bool,
    box: tuple[float, float, float, float] = (0.07, 0.06, 0.84, 0.88),
    legend_below: bool = False,
) -> None:
    """Candles, volume and closing lines, stacked, into a figure or a part of one.

    ``box`` is left, bottom, right, top as fractions of the container; the legend goes to
    the right of it, or below it for a narrow page. Positions are fixed rather than solved by a layout engine, so the
    same data draws the same bytes.
    """
    family = cjk_family() if chinese else None
    text = {"family": [family, "DejaVu Sans"]} if family else {}
    left, bottom, right, top = box
    candle_axes, volume_axes, line_axes = container.subplots(
        3,
        1,
        height_ratios=(3, 1, 3),
        sharex=True,
        gridspec_kw={"hspace": 0.28, "left": left, "bottom": bottom, "right": right, "top": top},
    )
    width = 0.6 if data.interval is Interval.DAY else 4.2
    shift = timedelta(days=2) if data.interval is Interval.WEEK else timedelta()
    # A bar with a close had a price-forming trade, so it has all four prices.
    priced = [
        (date2num(bar.start.date() + shift), bar.open, bar.high, bar.low, bar.close)
        for bar in data.candles
        if bar.open is not None
        and bar.high is not None
        and bar.low is not None
        and bar.close is not None
    ]
    xs = [x for x, *_ in priced]
    colours = [UP if close >= open_ else DOWN for _, open_, _, _, close in priced]
    bodies = [sorted((float(open_), float(close))) for _, open_, _, _, close in priced]
    candle_axes.vlines(
        xs,
        [float(low) for _, _, _, low, _ in priced],
        [float(high) for _, _, high, _, _ in priced],
        colors=colours,
        linewidth=0.8,
    )
    candle_axes.bar(
        xs,
        [max(top - bottom, 0.01) for bottom, top in bodies],
        width,
        [bottom for bottom, _ in bodies],
        color=colours,
        linewidth=0,
    )
    all_xs = [date2num(bar.start.date() + shift) for bar in data.candles]
    volume_colours = [
        DOWN if bar.close is not None and bar.open is not None and bar.close < bar.open else UP
        for bar in data.candles
    ]
    volume_axes.bar(
        all_xs,
        [bar.volume_t / 1000 for bar in data.candles],
        width,
        color=volume_colours,
        linewidth=0,
    )
    focus_name = display_name(data.focus, bool(family))
    candle_axes.set_title(
        f"{focus_name} ({data.focus.product}): {ADJECTIVES[data.interval]} candles, CNY/t",
        loc="left",
        fontsize=10,
        **text,
    )
    if not data.candles:
        candle_axes.text(
            0.5, 0.5, "no trades in this range", ha="center", transform=candle_axes.transAxes
        )
    volume_axes.set_ylabel("volume, kt", fontsize=8)
    for index, market in enumerate(data.markets):
        points = data.closes.get(market.code, ())
        name = display_name(market, bool(family))
        if not points:
            name += " (no trades)"
        line_axes.plot(
            [date2num(day) for day, _ in points],
            [float(price) for _, price in points],
            color=LINE_COLOURS[index % len(LINE_COLOURS)],
            linewidth=1.6 if market.code == data.focus.code else 1.0,
            marker="." if len(points) < 60 else None,
            markersize=3,
            label=name,
        )
    title = "daily closes of every market" if len(data.markets) > 1 else "daily closes"
    line_axes.set_title(f"{title}, CNY/t", loc="left", fontsize=10)
    if legend_below:
        place = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.1), "ncols": 4}
    else:
        place = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "ncols": 1}
    line_axes.legend(frameon=False, prop=dict(text, size=7.5), **place)
    volume_axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    for axes in (candle_axes, volume_axes, line_axes):
        axes.set_axisbelow(True)
        axes.grid(True, color="#e5e8eb", linewidth=0.6)
        axes.tick_params(labelsize=8)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    locator = AutoDateLocator()
    line_axes.xaxis.set_major_locator(locator)
    line_axes.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))
    line_axes.set_xlim(date2num(data.start) - 1, date2num(data.end) + 1)


def figure(data: ChartData, chinese: bool, size: tuple[float, float] = (11, 7.5)) -> Figure:
    """The chart as a figure of its own, with a title and the data's label."""
    fig = Figure(figsize=size)
    fig.text(
        0.01,
        0.985,
        f"Carbon allowance prices, {data.start.isoformat()} to {data.end.isoformat()}",
        fontsize=13,
        va="top",
    )
    fig.text(0.01, 0.945, data.label, fontsize=8, color="#8a3a0f", va="top", bbox=LABEL_BOX)
    draw(fig, data, chinese, (0.06, 0.05, 0.81, 0.88))
    return fig


# Ligatures off in PDFs: matplotlib 3.11 shapes text with HarfBuzz, which draws "fi" as one
# glyph outside the ASCII codes, so "verified" extracted or searched reads "veri?ed".
NO_LIGATURES = ("-liga", "-clig")


def _without_ligatures(fig: Figure) -> None:
    for text in fig.findobj(Text):
        if hasattr(text, "set_fontfeatures") and text.get_fontfeatures() is None:
            text.set_fontfeatures(NO_LIGATURES)  # matplotlib < 3.11 draws no ligatures


def render(fig: Figure, kind: str) -> bytes:
    """The figure as PNG, SVG or PDF bytes, without timestamps (same data, same file); PDF
    text without ligatures, so each word is searchable and extracts as written."""
    if kind == "pdf":
        _without_ligatures(fig)
    buffer = io.BytesIO()
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}
    with rc_context({"svg.hashsalt": "tanshi"}):  # stable SVG ids instead of random ones
        fig.savefig(buffer, format=kind, dpi=150, metadata=metadata[kind])
    return buffer.getvalue()


def inline_svg(fig: Figure) -> str:
    """The figure as an <svg> element to put in an HTML page (text drawn as paths)."""
    text = render(fig, "svg").decode("utf-8")
    return text[text.index("<svg") :]


def chart_html(data: ChartData, chinese: bool) -> str:
    """A self-contained HTML page with the chart as inline SVG (no scripts, no CDN)."""
    return (
        environment()
        .get_template("market_chart.html")
        .render(
            data=data,
            focus_name=display_name(data.focus, chinese and cjk_family() is not None),
            svg=inline_svg(figure(data, chinese)),
            adjective=ADJECTIVES[data.interval],
        )
    )


def write_chart(out: Path, data: ChartData, chinese: bool) -> list[Path]:
    """Write ``out`` with .png and .html suffixes; returns the paths written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    png, html = out.with_suffix(".png"), out.with_suffix(".html")
    png.write_bytes(render(figure(data, chinese), "png"))
    html.write_text(chart_html(data, chinese), encoding="utf-8")
    return [png, html]
