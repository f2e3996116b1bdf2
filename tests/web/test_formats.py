"""Numbers, moments, contexts and the services' sentences as pages write them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tanshi.web.formats import cny, currency_in, local, number, offset, tco2, yuan
from tanshi.web.i18n import in_context, translator
from tanshi.web.render import environment
from tanshi.web.sentences import DETAILS, MEMOS, read, read_detail, say_message


def test_numbers_get_separators_and_fixed_decimals() -> None:
    assert number(5058048) == "5,058,048"
    assert cny("5058048.59") == "5,058,048.59"
    assert cny(Decimal("1968948.410")) == "1,968,948.41"
    assert cny("-0.96") == "-0.96"
    assert tco2(Decimal("365848.13")) == tco2("365848.130") == "365,848.130"
    assert number(None) == cny("") == "—"
    assert number(-112_000_000) == "-112,000,000"
    assert yuan(100_000_000) == "1,000,000.00" and yuan(-5) == "-0.05"


def test_a_currency_is_yuan_in_chinese_and_its_code_in_english() -> None:
    assert currency_in("zh", "CNY") == "元" and currency_in("zh", "CNY", "t") == "元/吨"
    assert currency_in("en", "CNY") == "CNY" and currency_in("en", "CNY", "t") == "CNY/t"
    assert currency_in("zh", "EUR", "t") == "EUR/吨"  # a code without a Chinese name
    page = environment.from_string('{{ 26.09|cny }} {{ c|currency("t") }} · {{ c|currency }}')
    assert page.render(c="CNY", locale="zh") == "26.09 元/吨 · 元"
    assert page.render(c="CNY", locale="en") == "26.09 CNY/t · CNY"


def test_moments_read_on_the_jurisdictions_clock() -> None:
    assert local("2016-06-30T02:00:00", "Asia/Shanghai") == "2016-06-30 10:00"
    assert local("2016-06-30T02:00:00Z", "Asia/Shanghai", seconds=True) == "2016-06-30 10:00:00"
    assert local("2017-06-16T00:00:00+08:00", "Asia/Shanghai") == "2017-06-16 00:00"
    assert local(datetime(2016, 12, 31, 23, 30, tzinfo=UTC), "Asia/Shanghai") == (
        "2017-01-01 07:30")  # fmt: skip
    assert local(None) == "" and local("not a moment") == "not a moment"
    assert offset("Asia/Shanghai") == "UTC+08:00" and offset("UTC") == "UTC+00:00"
    assert offset("America/New_York", datetime(2020, 1, 1, tzinfo=UTC)) == "UTC-05:00"


def test_an_open_account_and_an_open_auction_read_apart() -> None:
    assert in_context("zh", "account status", "open") == "正常"
    assert in_context("zh", "auction phase", "open") == "进行中"
    assert in_context("zh", "account status", "frozen") == "冻结"  # no context: the plain msgid
    assert in_context("en", "account status", "open") == "open"
    page = environment.from_string('{{ s|label("account status") }}/{{ p|label("auction phase") }}')
    assert page.render(s="open", p="open", locale="zh", _=translator("zh")) == "正常/进行中"


@pytest.mark.parametrize(("memo", "chinese"), [
    ("surrender for 2016", "2016 年度清缴"),
    ("free allocation 2016", "2016 年度免费分配"),
    ("units set aside for trading (order/DPEX/638)", "为交易冻结的配额（order/DPEX/638）"),
    ("units of reservation order/DPEX/56 given back", "交易冻结 order/DPEX/56 的配额已解冻"),
    ("funds set aside for trading (order/DPEX/2)", "为交易冻结的资金（order/DPEX/2）"),
    ("units set aside for sell order 638 on DPEX: 1000 t of DPEA-2016 at 2850 fen/t",
     "为 DPEX 卖单 638 冻结的配额：DPEA-2016 1,000 吨，价格 28.50 元/吨"),
    ("funds set aside for buy order 2 on DPEX: 60 t of DPEA-2016 at market",
     "为 DPEX 买单 2 冻结的资金：DPEA-2016 60 吨，市价"),
    ("units of sell order 56 on DPEX given back", "DPEX 卖单 56 冻结的配额已解冻"),
    ("funds of buy order 2 on DPEX given back", "DPEX 买单 2 冻结的资金已解冻"),
    ("trade block/B20160913-1 at 2760 fen/t", "成交 block/B20160913-1，价格 27.60 元/吨"),
    ("trade listed/DPEX-425-58-55", "成交 listed/DPEX-425-58-55"),
    ("deposit DP-TR-TRADER", "入金 DP-TR-TRADER"),
    ("carry-over of 12000 t from 2016", "从 2016 年度结转 12,000 吨"),
    ("offsets bought from the project developer", "向项目业主购买的抵销信用"),
    ("auction DP-2016-A1: 38000 t at 26.09", "拍卖 DP-2016-A1：38,000 吨，价格 26.09 元/吨"),
    ("auction DP-2016-A1: C057 pays 52180000 fen", "拍卖 DP-2016-A1：C057 支付 521,800.00 元"),
    ("funds set aside for bids in auction DP-2016-A2", "为拍卖 DP-2016-A2 出价冻结的资金"),
    ("auction DP-2016-A1: bid 7 not used", "拍卖 DP-2016-A1：出价 7 未使用的资金解冻"),
])  # fmt: skip
def test_the_services_memos_read_in_chinese(memo: str, chinese: str) -> None:
    assert read(memo, translator("zh")) == chinese
    assert "fen/t" not in read(memo, translator("en"))


def test_an_orders_reservation_memo_names_the_order() -> None:
    """What ``services.exchange`` writes for an order's reservation and its release reads
    back in both languages: side, number, venue, quantity, product and price, no key."""
    from tanshi.market.orders import BUY, SELL  # noqa: PLC0415
    from tanshi.services.exchange import order_memo, order_release_memo  # noqa: PLC0415

    zh, en = translator("zh"), translator("en")
    sell = order_memo("DPEX", 7, SELL, 1000, "DPEA-2016", 2850)
    assert (
        read(sell, en)
        == "units set aside for sell order 7 on DPEX: 1,000 t of DPEA-2016 at CNY 28.50/t"
    )
    assert read(sell, zh) == "为 DPEX 卖单 7 冻结的配额：DPEA-2016 1,000 吨，价格 28.50 元/吨"
    market = order_memo("DPEX", 8, BUY, 60, "DPEA-2016", None)
    assert read(market, zh) == "为 DPEX 买单 8 冻结的资金：DPEA-2016 60 吨，市价"
    assert read(order_release_memo("DPEX", 8, BUY), zh) == "DPEX 买单 8 冻结的资金已解冻"
    assert read(order_release_memo("DPEX", 7, SELL), zh) == "DPEX 卖单 7 冻结的配额已解冻"


def test_the_auctions_cash_memos_say_yuan_in_english_too() -> None:
    en = translator("en")
    assert read("auction DP-2016-A1: C057 pays 52180000 fen", en) == (
        "auction DP-2016-A1: C057 pays CNY 521,800.00")  # fmt: skip
    assert read("auction DP-2016-A1: 38000 t at 26.09", en) == (
        "auction DP-2016-A1: 38,000 t at CNY 26.09/t")  # fmt: skip
    assert read("offsets bought from the project developer", en) == (
        "offsets bought from the project developer")  # fmt: skip


def test_a_not_found_answer_of_the_api_reads_in_chinese() -> None:
    zh = translator("zh")
    assert read_detail("no covered company C999", zh) == "没有重点排放单位 C999"
    assert read_detail("no jurisdiction XX in this database; the jurisdictions are DP, SH",
                       zh) == "本数据库中没有辖区 XX；现有辖区为 DP, SH"  # fmt: skip
    assert "C001" in read_detail("no verification statement of C001 for 2016 that you may "
                                 "read: it is issued when the verifier concludes 'verified'", zh)  # fmt: skip
    assert say_message("no covered company C999", translator("en")) == "no covered company C999"


def test_other_memos_are_shown_as_written() -> None:
    zh = translator("zh")
    assert read("for the boiler upgrade", zh) == "for the boiler upgrade"
    assert read("surrender for 2016 and more", zh) == "surrender for 2016 and more"
    assert read(None, zh) == ""


def test_every_sentence_has_a_chinese_reading_with_the_same_fields() -> None:
    zh = translator("zh")
    for pattern, msgid, convert in (*MEMOS, *DETAILS):
        assert zh(msgid) != msgid, msgid
        fields = sorted(convert(dict.fromkeys(pattern.groupindex, "1")))
        assert sorted(set(re.findall(r"{(\w+)}", zh(msgid)))) == fields, msgid


def test_a_refusal_detail_reads_in_chinese_sentence_by_sentence() -> None:
    detail = ("the price must be between CNY 26.60 and CNY 29.40 per tonne today (the daily "
              "price limits); something the service said")  # fmt: skip
    assert read_detail(detail, translator("zh")) == (
        "价格须在今日涨跌幅限制内：每吨 26.60 元至 29.40 元; something the service said"
    )
    assert read_detail(None, translator("zh")) is None


# Memos whose text is mostly what a person typed or a rule's own words: shown as written.
FREE_TEXT_MEMOS = ("court order ", "bilateral trade at ", "true-up ", "retired for ",
                   "reversal of surrender ", "order ")  # fmt: skip


def _memo_templates() -> list[str]:
    """Every ``memo=f"…"`` the services write, its fields filled with 2016."""
    import ast  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    import tanshi.services  # noqa: PLC0415

    found = []
    for path in Path(tanshi.services.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "memo"
                and isinstance(node.value, ast.JoinedStr)
            ):
                found.append("".join(
                    part.value if isinstance(part, ast.Constant) else "2016"
                    for part in node.value.values
                ))  # fmt: skip
    return found


def test_every_memo_the_services_write_is_read_or_free_text() -> None:
    """A memo's wording changed in a service without its sentence here would silently stay
    English on Chinese pages; this fails instead."""
    templates = _memo_templates()
    assert len(templates) >= 15, templates
    zh = translator("zh")
    for text in templates:
        if text.startswith(FREE_TEXT_MEMOS):
            continue
        assert read(text, zh) != text, f"no sentence in web/sentences.py reads {text!r}"
