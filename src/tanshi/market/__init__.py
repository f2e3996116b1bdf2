"""Trading: bilateral trades and the prices they make (the exchange comes later)."""

from tanshi.market.trades import PRICE_TICK_CNY, Trade, average_price, check_trade

__all__ = ["PRICE_TICK_CNY", "Trade", "average_price", "check_trade"]
