"""A K-line (candlestick) chart of OHLCV bars as inline SVG text: no JavaScript, no fonts.

Drawn by hand rather than with matplotlib (``market_chart.py``): a web page redraws it on
every order, and a few dozen rectangles as text take well under a millisecond. Rising
candles are red and falling ones green, as on Chinese exchanges.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from tanshi.market.bars import Bar

UP, DOWN, FLAT = "#d9363e", "#1a9850", "#555555"


def _ticks(low: Decimal, high: Decimal) -> list[Decimal]:
    step = (high - low) / 4
    return [low + step * i for i in range(5)]


def kline_svg(
    bars: Sequence[Bar], title: str, empty_text: str, width: int = 720, height: int = 320
) -> str:
    """The bars as candles above a volume strip; ``empty_text`` when none has a price."""
    priced = [bar for bar in bars if bar.open is not None]
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="kline" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
            f"<title>{escape(title)}</title>"
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>')  # fmt: skip
    if not priced:
        return (head + f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" '
                f'font-size="14" fill="#555">{escape(empty_text)}</text></svg>')  # fmt: skip
    left, right, top = 56, 12, 12
    price_bottom = int(height * 0.72)
    volume_top, bottom = price_bottom + 16, height - 20
    low = min(bar.low for bar in priced if bar.low is not None)
    high = max(bar.high for bar in priced if bar.high is not None)
    if high == low:
        low, high = low - Decimal("0.50"), high + Decimal("0.50")
    most = max(bar.volume_t for bar in bars) or 1
    slot = (width - left - right) / len(bars)
    body = max(1.0, slot * 0.6)

    def y(price: Decimal) -> float:
        share = float((price - low) / (high - low))
        return price_bottom - share * (price_bottom - top)

    parts = [head]
    for tick in _ticks(low, high):
        ty = y(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" '
                     f'stroke="#e5e5e5"/><text x="{left - 4}" y="{ty + 4:.1f}" '
                     f'text-anchor="end" font-size="11" fill="#555">{tick:.2f}</text>')  # fmt: skip
    for index, bar in enumerate(bars):
        centre = left + slot * (index + 0.5)
        height_v = (bottom - volume_top) * bar.volume_t / most
        parts.append(f'<rect x="{centre - body / 2:.1f}" y="{bottom - height_v:.1f}" '
                     f'width="{body:.1f}" height="{height_v:.1f}" fill="#9aa7b8"/>')  # fmt: skip
        if bar.open is None or bar.close is None or bar.high is None or bar.low is None:
            continue
        colour = UP if bar.close > bar.open else DOWN if bar.close < bar.open else FLAT
        top_body, bottom_body = y(max(bar.open, bar.close)), y(min(bar.open, bar.close))
        label = (f"{bar.start:%Y-%m-%d %H:%M} O {bar.open:.2f} H {bar.high:.2f} "
                 f"L {bar.low:.2f} C {bar.close:.2f} V {bar.volume_t:,} t")  # fmt: skip
        parts.append(
            f'<g class="candle" data-close="{bar.close:.2f}" data-volume="{bar.volume_t}">'
            f"<title>{escape(label)}</title>"
            f'<line x1="{centre:.1f}" x2="{centre:.1f}" y1="{y(bar.high):.1f}" '
            f'y2="{y(bar.low):.1f}" stroke="{colour}"/>'
            f'<rect x="{centre - body / 2:.1f}" y="{top_body:.1f}" width="{body:.1f}" '
            f'height="{max(1.0, bottom_body - top_body):.1f}" fill="{colour}"/></g>'
        )
    first, last = bars[0].start, bars[-1].start
    parts.append(f'<text x="{left}" y="{height - 4}" font-size="11" fill="#555">'
                 f"{first:%Y-%m-%d %H:%M}</text><text x=\"{width - right}\" y=\"{height - 4}\" "
                 f'text-anchor="end" font-size="11" fill="#555">{last:%Y-%m-%d %H:%M}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)
