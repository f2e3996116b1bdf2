"""A small tape written as text, shared by the market-data tests (arithmetic in the tests)."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

from tanshi.market.tape import TradeRecord
from tanshi.market.tape_csv import parse_csv

SHANGHAI = timezone(timedelta(hours=8), "CST")

TAPE = """\
exchange,product,traded_at,price_cny_per_t,quantity_t,kind
national,CEA,2024-11-04T09:31:00+08:00,100.00,1000,listed
national,CEA,2024-11-04T09:45:30+08:00,101.50,500,listed
national,CEA,2024-11-04T10:05:00+08:00,99.80,2000,listed
national,CEA,2024-11-04T13:30:00+08:00,95.00,100000,block
national,CEA,2024-11-04T14:59:00+08:00,100.20,300,listed
national,CEA,2024-11-05T09:30:00+08:00,100.40,700,listed
hubei,HBEA,2024-11-01T10:00:00+08:00,40.00,5000,listed
hubei,HBEA,2024-11-07T10:00:00+08:00,42.00,1000,listed
hubei,HBEA,2024-11-07T14:00:00+08:00,41.00,3000,otc
"""


def tape(text: str = TAPE) -> list[TradeRecord]:
    trades, issues = parse_csv(text, "tape")
    assert issues == []
    return trades


__all__ = ["SHANGHAI", "TAPE", "UTC", "tape"]
