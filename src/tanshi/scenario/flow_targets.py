"""The trading agents' parameters and calibration targets, each with its source, read from
an agents file (``data/market/agents-*.toml``; ``scenario.exchange_agents`` uses them)."""

from __future__ import annotations

import tomllib
from decimal import Decimal

from pydantic import ValidationError

from tanshi.core.issues import Issue
from tanshi.rulebook.records import Record, Sourced


class Target(Sourced):
    """One calibration figure with its source."""

    value: Decimal


class FlowTargets(Record):
    """The agents' parameters and calibration targets (each sourced)."""

    season_share: Target
    season_months: Target
    block_share: Target
    active_week_share: Target
    last_trading_days_before_deadline: Target
    listed_orders_per_agent_day: Target
    min_listed_order_t: Target
    final_days: Target
    final_spread_bp: Target
    final_reserve_share: Target
    aggressive_share: Target
    limit_spread_bp: Target
    speculators: Target
    speculator_activity: Target
    speculator_order_max_t: Target
    speculator_cash_cny: Target
    market_maker_spread_bp: Target
    market_maker_quote_t: Target
    market_maker_cash_cny: Target
    buyer_cash_margin: Target
    value_step_bp: Target
    value_drift_bp: Target

    def number(self, name: str) -> Decimal:
        return getattr(self, name).value

    def whole(self, name: str) -> int:
        return int(self.number(name))


def parse_flow_targets(text: str, origin: str) -> tuple[FlowTargets | None, list[Issue]]:
    """The targets of an agents file, or every problem with it."""
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        return None, [Issue("agents_not_toml", f"the file is not valid TOML: {error}", origin)]
    try:
        return FlowTargets.model_validate(raw), []
    except ValidationError as error:
        return None, [
            Issue(f"agents_{p['type']}", p["msg"], f"{origin}:{'.'.join(map(str, p['loc']))}")
            for p in error.errors()
        ]
