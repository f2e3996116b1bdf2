"""A paragraph of market commentary written from period statistics (numbers in, words out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tanshi.market.statistics import PeriodSummary
from tanshi.market.tape import Market

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def span(start: date, end: date) -> str:
    """A date range for reading: 4–8 September 2017, 28 August – 1 September 2017."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {MONTHS[end.month - 1]} {end.year}"
    left = f"{start.day} {MONTHS[start.month - 1]}"
    if start.year != end.year:
        left += f" {start.year}"
    return f"{left} – {end.day} {MONTHS[end.month - 1]} {end.year}"


def tonnes(value: int) -> str:
    return f"{value:,} t"


def cny(value: Decimal) -> str:
    return f"CNY {value:,.2f}"


def share(part: int, whole: int) -> str:
    return f"{(Decimal(part) * 100 / whole).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def names(codes: Sequence[str], markets: Mapping[str, Market]) -> str:
    """Beijing, Tianjin and Shanghai."""
    shown = [markets[code].name_en for code in codes]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def commentary(
    summaries: Sequence[PeriodSummary],
    markets: Mapping[str, Market],
    before: Sequence[PeriodSummary] = (),
) -> str:
    """What happened over the period, in plain sentences, from the statistics alone.

    ``before`` are the same markets' summaries of the period before, for the change in
    volume.
    """
    if not summaries:
        return "No market was selected."
    if len(summaries) == 1:
        return _one_market(summaries[0], markets, before)
    start, end = summaries[0].start, summaries[0].end
    volume = sum(summary.volume_t for summary in summaries)
    turnover = sum((summary.turnover_cny for summary in summaries), Decimal(0))
    trades = sum(summary.trade_count for summary in summaries)
    sentences = []
    if volume == 0:
        sentences.append(
            f"No allowance traded on any of the {len(summaries)} markets in {span(start, end)}."
        )
    else:
        active = sum(1 for summary in summaries if summary.volume_t)
        sentences.append(
            f"In {span(start, end)}, {active} of the {len(summaries)} markets traded "
            f"{tonnes(volume)} worth {cny(turnover)} in {trades:,} trades."
        )
    earlier = sum(summary.volume_t for summary in before)
    if before and volume and earlier:
        change = (Decimal(volume - earlier) * 100 / earlier).quantize(Decimal("0.1"), ROUND_HALF_UP)
        direction = "up" if change >= 0 else "down"
        sentences.append(
            f"Volume was {direction} {abs(change)}% on the period before ({tonnes(earlier)})."
        )
    elif before and volume:
        sentences.append("Nothing had traded in the period before.")
    sentences.extend(_moves(summaries, markets))
    sentences.extend(_national_and_pilots(summaries, markets, volume))
    sentences.extend(_thin(summaries, markets))
    return " ".join(sentences)


def label(code: str, markets: Mapping[str, Market]) -> str:
    """How a market is named mid-sentence: "the national market", "Hubei"."""
    market = markets[code]
    return f"the {market.name_en.lower()}" if market.scope == "national" else market.name_en


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _moves(summaries: Sequence[PeriodSummary], markets: Mapping[str, Market]) -> list[str]:
    moved = [
        (summary.change_pct, summary.exchange, summary.close)
        for summary in summaries
        if summary.change_pct is not None and summary.close is not None
    ]
    if not moved:
        return [
            "No market printed a listed price both in the period and before it, so no price "
            "change can be given."
        ]
    moved.sort()
    (low, low_code, low_close), (high, high_code, high_close) = moved[0], moved[-1]
    if high > 0:
        text = f"{capital(label(high_code, markets))} rose most, {high:+}% to {cny(high_close)}/t"
        if low < 0:
            text += f"; {label(low_code, markets)} fell most, {low}% to {cny(low_close)}/t"
        return [text + "."]
    if low < 0:
        return [
            f"No market rose; {label(low_code, markets)} fell most, {low}% to {cny(low_close)}/t."
        ]
    return ["Every market that printed a price closed where it had before."]


def _national_and_pilots(
    summaries: Sequence[PeriodSummary], markets: Mapping[str, Market], volume: int
) -> list[str]:
    national = [s for s in summaries if markets[s.exchange].scope == "national"]
    pilots = [s for s in summaries if markets[s.exchange].scope == "pilot"]
    pilot_volume = sum(s.volume_t for s in pilots)
    pilot_turnover = sum((s.turnover_cny for s in pilots), Decimal(0))
    sentences = []
    for summary in national:
        if summary.volume_t == 0:
            sentences.append(
                f"{capital(label(summary.exchange, markets))} had no trades; the pilots "
                f"traded all {tonnes(pilot_volume)}."
            )
            continue
        text = (
            f"{capital(label(summary.exchange, markets))} took "
            f"{share(summary.volume_t, volume)} of the volume, "
            f"{share(summary.block_volume_t, summary.volume_t)} of it in block trades"
        )
        if summary.last_close is not None and pilot_volume:
            average = (pilot_turnover / pilot_volume).quantize(Decimal("0.01"), ROUND_HALF_UP)
            text += (
                f"; it closed at {cny(summary.last_close)}/t against a volume-weighted "
                f"pilot price of {cny(average)}/t"
            )
        sentences.append(text + ".")
    busiest = max(pilots, key=lambda s: (s.volume_t, s.exchange), default=None)
    if busiest is not None and busiest.volume_t:
        sentences.append(
            f"Among the pilots, {markets[busiest.exchange].name_en} traded most "
            f"({tonnes(busiest.volume_t)}, {share(busiest.volume_t, pilot_volume)} of the pilots' volume)."
        )
    return sentences


def _thin(summaries: Sequence[PeriodSummary], markets: Mapping[str, Market]) -> list[str]:
    pilots = [s for s in summaries if markets[s.exchange].scope == "pilot"]
    silent = [s.exchange for s in pilots if s.volume_t == 0]
    days = sum(s.trading_days for s in pilots)
    empty = sum(s.zero_volume_days for s in pilots)
    sentences = []
    if silent:
        sentences.append(f"{names(silent, markets)} recorded no trade at all.")
    if days:
        sentences.append(f"Across the pilots, {empty} of {days} market-days had zero volume.")
    return sentences


def _one_market(
    summary: PeriodSummary, markets: Mapping[str, Market], before: Sequence[PeriodSummary]
) -> str:
    """The commentary of a bulletin of one market (an exchange's own bulletin)."""
    name = capital(label(summary.exchange, markets))
    when = span(summary.start, summary.end)
    if summary.volume_t == 0:
        sentences = [f"{name} recorded no trade in {when}."]
    else:
        sentences = [
            f"In {when}, {label(summary.exchange, markets)} traded {tonnes(summary.volume_t)} "
            f"worth {cny(summary.turnover_cny)} in {summary.trade_count:,} trades, "
            f"{share(summary.block_volume_t, summary.volume_t)} of it in block trades."
        ]
    earlier = sum(s.volume_t for s in before)
    if before and summary.volume_t and earlier:
        change = (Decimal(summary.volume_t - earlier) * 100 / earlier).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )
        direction = "up" if change >= 0 else "down"
        sentences.append(
            f"Volume was {direction} {abs(change)}% on the period before ({tonnes(earlier)})."
        )
    if summary.change_pct is not None and summary.close is not None:
        if summary.change_pct == 0:
            sentences.append(f"It closed unchanged at {cny(summary.close)}/t.")
        else:
            verb = "rose" if summary.change_pct > 0 else "fell"
            sentences.append(
                f"The close {verb} {abs(summary.change_pct)}% to {cny(summary.close)}/t."
            )
    if summary.zero_volume_days:
        sentences.append(
            f"{summary.zero_volume_days} of its {summary.trading_days} trading days had no trade."
        )
    return " ".join(sentences)
