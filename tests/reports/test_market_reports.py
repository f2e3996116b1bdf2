"""The chart and the bulletin render, are self-contained, labelled, and show the numbers."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import pytest
from markupsafe import escape

from tanshi.market.statistics import summarise_period
from tanshi.market.tape import TradeRecord
from tanshi.reports import market_bulletin, market_chart
from tanshi.reports.market_bulletin import (
    build_bulletin,
    bulletin_html,
    bulletin_pdf,
    table_rows,
    write_bulletin,
)
from tanshi.reports.market_chart import chart_data, cjk_family, write_chart
from tanshi.services.market_data import market_zone, markets, simulate

LABEL_START = "SYNTHETIC market data"


@functools.cache
def autumn() -> tuple[tuple[TradeRecord, ...], str]:
    trades, label = simulate(42, date(2024, 9, 1), date(2024, 12, 31))
    return tuple(trades), label


def test_chart_png_and_self_contained_html(tmp_path: Path) -> None:
    trades, label = autumn()
    data = chart_data(
        trades, markets(), "national", date(2024, 10, 1), date(2024, 12, 31), market_zone(), label
    )
    assert len(data.candles) == 66  # the weekdays from 1 October to 31 December 2024
    png, html = write_chart(tmp_path / "chart", data, chinese=False)
    assert png.read_bytes().startswith(b"\x89PNG")
    page = html.read_text(encoding="utf-8")
    assert "<svg" in page and LABEL_START in page
    assert "<script" not in page and 'src="http' not in page and "<link" not in page
    assert "全国碳市场" not in page  # English names were asked for


@pytest.mark.skipif(cjk_family() is None, reason="no font with Chinese glyphs is installed")
def test_chinese_names_when_a_font_has_them(tmp_path: Path) -> None:
    trades, label = autumn()
    data = chart_data(
        trades, markets(), "hubei", date(2024, 10, 1), date(2024, 12, 31), market_zone(), label
    )
    _, html = write_chart(tmp_path / "chart", data, chinese=True)
    assert "湖北 Hubei" in html.read_text(encoding="utf-8")


def test_bulletin_html_and_pdf_show_every_market(tmp_path: Path) -> None:
    trades, label = autumn()
    bulletin = build_bulletin(trades, markets(), date(2024, 11, 8), market_zone(), label)
    assert (bulletin.start, bulletin.end) == (date(2024, 11, 4), date(2024, 11, 8))
    html, pdf = write_bulletin(tmp_path, bulletin, chinese=False)
    assert html.name == "bulletin-2024-11-04.html"
    page = html.read_text(encoding="utf-8")
    national = summarise_period(
        trades, "national", date(2024, 11, 4), date(2024, 11, 8), market_zone()
    )
    assert national.close is not None
    assert f'<td class="num">{national.close:,.2f}</td>' in page
    assert f'<td class="num">{national.volume_t:,}</td>' in page
    assert f'<td class="num">{national.turnover_cny:,.2f}</td>' in page
    assert str(escape(bulletin.text)) in page and LABEL_START in page
    for market in markets():
        assert f"<td>{market.name_en}</td>" in page
    assert pdf.read_bytes().startswith(b"%PDF")
    assert bulletin.chart.focus.code == "national"


def test_table_rows_are_exact_strings() -> None:
    trades, label = autumn()
    bulletin = build_bulletin(trades, markets(), date(2024, 11, 8), market_zone(), label)
    rows = {row["product"]: row for row in table_rows(bulletin, chinese=False)}
    national = bulletin.summaries[0]
    assert rows["CEA"]["close"] == f"{national.close:,.2f}"
    assert rows["CEA"]["zero_days"] == "0 of 5"


def test_a_week_before_the_national_market_opened_centres_on_a_pilot() -> None:
    trades, label = simulate(42, date(2017, 6, 1), date(2017, 9, 30))
    bulletin = build_bulletin(trades, markets(), date(2017, 9, 8), market_zone(), label)
    assert bulletin.chart.focus.scope == "pilot"
    assert "The national market had no trades" in bulletin.text
    assert bulletin_html(bulletin, chinese=False) == bulletin_html(bulletin, chinese=False)
    pdf = bulletin_pdf(bulletin, chinese=False)
    assert pdf.startswith(b"%PDF") and pdf == bulletin_pdf(bulletin, chinese=False)


def test_without_a_chinese_font_names_fall_back_to_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(market_chart, "cjk_family", lambda: None)
    monkeypatch.setattr(market_bulletin, "cjk_family", lambda: None)
    trades, label = autumn()
    bulletin = build_bulletin(trades, markets(), date(2024, 11, 8), market_zone(), label)
    html, _ = write_bulletin(tmp_path, bulletin, chinese=True)  # no glyph warning either
    page = html.read_text(encoding="utf-8")
    assert "<td>Beijing</td>" in page and "北京" not in page


def test_a_range_without_trades_of_the_market_still_draws(tmp_path: Path) -> None:
    trades, label = autumn()
    data = chart_data(
        trades, markets(), "national", date(2017, 9, 1), date(2017, 9, 30), market_zone(), label
    )
    assert data.candles == ()
    png, _ = write_chart(tmp_path / "empty", data, chinese=False)
    assert png.stat().st_size > 0
