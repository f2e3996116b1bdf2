"""Orders per second through tanshi's matching engine and two PyPI order books, one stream.

Prints JSON. The stream is seeded: limit orders near a random-walk mid (passive and
marketable), cancels of earlier orders (some already filled), amends that move an order's
price, and about 1% of orders outside the ±10% price band. Every engine gets the same
stream, mapped into its API; only the feed loop is timed, best of ``--runs``.

Peers and how the stream maps to them:

- ``limit-order-book`` 2.0.0 (C++ core via ctypes): no price band, so out-of-band orders
  are left out of its stream (tanshi rejects them); no fill events, so its traded volume
  is recovered in an untimed second run from the resting volume before and after each
  cancel; its cancel aborts the process on an unknown id, so every cancel first asks
  ``has``; no amend, so an amend is ``has`` → cancel → new limit with the same id.
- ``matching-engine`` 0.1.1 (pure Python; Python >= 3.12 only): no price band (out-of-band
  orders left out); no amend, so an amend is cancel → (if it cancelled) new order.

tanshi amends natively. Every amend in the stream changes the price, which costs the order
its place in the queue in tanshi too, so "cancel + new" is the same rule and traded volume
must be identical: the run fails if it is not. Each order's owner is its own id, so
self-trade prevention is checked on every fill but never triggers.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import platform
import random
import sys
import time
from collections.abc import Callable

from tanshi.market.book import BookRules, OrderBook, price_limits
from tanshi.market.orders import BUY, SELL

LIMIT, CANCEL, AMEND = 0, 1, 2
REFERENCE_FEN = 10_000  # CNY 100.00
RULES = BookRules("CEA-2024", tick_fen=1, lot_t=1, max_quantity_t=99_999, band_bp=1000)
LOWER, UPPER = price_limits(REFERENCE_FEN, 1000, 1)

Message = tuple[int, int, int, int, int]  # kind, order id, side, price fen, quantity t


def make_stream(seed: int, count: int) -> tuple[list[Message], dict[str, int]]:
    """The seeded message stream and its composition."""
    rng = random.Random(seed)
    mid = REFERENCE_FEN
    live: list[int] = []  # ids that were placed (some since filled or cancelled)
    prices: dict[int, tuple[int, int]] = {}  # id -> (side, last price)
    stream: list[Message] = []
    counts = {"limit_passive": 0, "limit_marketable": 0, "outside_band": 0, "cancel": 0, "amend": 0}
    next_id = 1
    for _ in range(count):
        if rng.random() < 0.02:
            mid = min(max(mid + rng.choice((-1, 1)), 9_500), 10_500)
        roll = rng.random()
        if roll < 0.10 and live:
            target = live.pop(rng.randrange(len(live)))
            stream.append((CANCEL, target, 0, 0, 0))
            counts["cancel"] += 1
            continue
        if roll < 0.15 and live:
            target = live[rng.randrange(len(live))]
            side, old = prices[target]
            new = old
            while new == old:
                new = min(max(old + rng.randint(-5, 5), LOWER), UPPER)
            quantity = int(rng.lognormvariate(3, 1)) + 1
            prices[target] = (side, new)
            stream.append((AMEND, target, side, new, min(quantity, 99_999)))
            counts["amend"] += 1
            continue
        side = BUY if rng.random() < 0.5 else SELL
        direction = 1 if side == BUY else -1
        quantity = min(int(rng.lognormvariate(3, 1)) + 1, 99_999)
        if roll < 0.16:
            price = (UPPER + rng.randint(1, 100)) if side == BUY else (LOWER - rng.randint(1, 100))
            counts["outside_band"] += 1
        elif roll < 0.40:
            price = mid + direction * rng.randint(0, 3)
            counts["limit_marketable"] += 1
        else:
            price = mid - direction * rng.randint(1, 20)
            counts["limit_passive"] += 1
        order_id = next_id
        next_id += 1
        stream.append((LIMIT, order_id, side, price, quantity))
        if LOWER <= price <= UPPER:
            live.append(order_id)
            prices[order_id] = (side, price)
    return stream, counts


def in_band(stream: list[Message]) -> list[Message]:
    """The stream a peer without price limits sees: out-of-band orders left out."""
    return [m for m in stream if m[0] != LIMIT or LOWER <= m[3] <= UPPER]


def run_tanshi(stream: list[Message]) -> tuple[float, int]:
    events: list[tuple] = []
    book = OrderBook(RULES, events, REFERENCE_FEN)
    limit, cancel, amend = book.limit, book.cancel, book.amend
    start = time.perf_counter()
    for kind, order_id, side, price, quantity in stream:
        if kind == LIMIT:
            limit(order_id, order_id, side, price, quantity)
        elif kind == CANCEL:
            cancel(order_id, order_id)
        else:
            amend(order_id, order_id, price, quantity)
    elapsed = time.perf_counter() - start
    return elapsed, sum(e[4] for e in events if e[0] == "fill")


def run_limit_order_book(stream: list[Message]) -> tuple[float, int]:
    from limit_order_book import LimitOrderBook  # noqa: PLC0415 (an optional peer)

    book = LimitOrderBook()
    limit_buy, limit_sell, cancel, has = book.limit_buy, book.limit_sell, book.cancel, book.has
    start = time.perf_counter()
    for kind, order_id, side, price, quantity in stream:
        if kind == LIMIT:
            if side == BUY:
                limit_buy(order_id, quantity, price)
            else:
                limit_sell(order_id, quantity, price)
        elif kind == CANCEL:
            if has(order_id):
                cancel(order_id)
        elif has(order_id):
            cancel(order_id)
            if side == BUY:
                limit_buy(order_id, quantity, price)
            else:
                limit_sell(order_id, quantity, price)
    elapsed = time.perf_counter() - start
    return elapsed, _limit_order_book_volume(stream)


def _limit_order_book_volume(stream: list[Message]) -> int:
    """Traded volume, untimed: what went in, less what rests and what was cancelled, halved."""
    from limit_order_book import LimitOrderBook  # noqa: PLC0415 (an optional peer)

    book = LimitOrderBook()

    def resting() -> int:
        return book.volume_buy() + book.volume_sell()

    entered = cancelled = 0
    for kind, order_id, side, price, quantity in stream:
        if kind != LIMIT:
            if not book.has(order_id):
                continue
            before = resting()
            book.cancel(order_id)
            cancelled += before - resting()
            if kind == CANCEL:
                continue
        book.limit(side == BUY, order_id, quantity, price)
        entered += quantity
    return (entered - cancelled - resting()) // 2


def run_matching_engine(stream: list[Message]) -> tuple[float, int]:
    from matching_engine import CancelOrder, NewOrder, SequencedCommand, Side  # noqa: PLC0415
    from matching_engine.engine import MatchingEngine  # noqa: PLC0415
    from matching_engine.events import OrderCancelled, Trade  # noqa: PLC0415

    # Its commands are built before the clock starts, as tanshi's stream is: only the
    # engine's work is timed. Sequence numbers may skip (an amend's unused "new").
    sides = {BUY: Side.BUY, SELL: Side.SELL}
    commands = []
    seq = 0
    for kind, order_id, side, price, quantity in stream:
        seq += 2
        new = SequencedCommand(seq, 0, NewOrder(order_id, order_id, sides[side], price, quantity))
        cancel = SequencedCommand(seq - 1, 0, CancelOrder(order_id, order_id))
        commands.append((kind, cancel, new))
    engine = MatchingEngine()
    process = engine.process
    volume = 0
    start = time.perf_counter()
    for kind, cancel, new in commands:
        if kind == LIMIT:
            events = process(new)
        else:
            events = process(cancel)
            if kind == AMEND and type(events[0]) is OrderCancelled:
                events = process(new)
        for event in events:
            if type(event) is Trade:
                volume += event.qty
    return time.perf_counter() - start, volume


def measure(engines: dict[str, tuple[Callable, list[Message]]], runs: int) -> dict[str, dict]:
    """Best of ``runs`` per engine, the engines interleaved so noise hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in engines}
    volumes: dict[str, set[int]] = {name: set() for name in engines}
    for _ in range(runs):
        for name, (run, stream) in engines.items():
            gc.collect()
            elapsed, volume = run(stream)
            times[name].append(elapsed)
            volumes[name].add(volume)
    results = {}
    for name, (_, stream) in engines.items():
        assert len(volumes[name]) == 1, f"{name} is not deterministic: {volumes[name]}"
        best = min(times[name])
        results[name] = {
            "messages": len(stream),
            "seconds_best": round(best, 4),
            "seconds_all": [round(t, 4) for t in times[name]],
            "orders_per_s": round(len(stream) / best),
            "traded_t": volumes[name].pop(),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20260701)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    stream, counts = make_stream(args.seed, args.messages)
    peer_stream = in_band(stream)
    gc.collect()
    gc.freeze()  # the stream is long-lived: keep it out of every engine's collections
    engines: dict[str, tuple[Callable, list[Message]]] = {"tanshi": (run_tanshi, stream)}
    skipped = {}
    peers = {
        "limit-order-book": (run_limit_order_book, "limit_order_book"),
        "matching-engine": (run_matching_engine, "matching_engine"),
    }
    for name, (run, module) in peers.items():
        if importlib.util.find_spec(module) is None:
            skipped[name] = {"skipped": f"not installed for Python {platform.python_version()}"}
        else:
            engines[name] = (run, peer_stream)
    results = measure(engines, args.runs) | skipped
    ours = results["tanshi"]
    ratios = {}
    volume_identical = True
    for name in peers:
        if "orders_per_s" in results[name]:
            ratios[f"tanshi_vs_{name}"] = round(
                ours["orders_per_s"] / results[name]["orders_per_s"], 2
            )
            volume_identical &= results[name]["traded_t"] == ours["traded_t"]
    report = {
        "benchmark": "matching",
        "python": platform.python_version(),
        "seed": args.seed,
        "stream": counts,
        "note": "orders_per_s counts every order message (new, cancel, amend) of the stream each engine sees; peers do not see the out-of-band orders",
        "results": results,
        "ratios": ratios,
        "targets": {
            "tanshi_vs_limit-order-book": 1.5,
            "tanshi_vs_matching-engine": 4.0,
            "tanshi_orders_per_s": 500_000,
        },
        "traded_volume_identical": volume_identical,
    }
    report["targets_met"] = {
        name: (ratios.get(name) or ours["orders_per_s"]) >= target
        for name, target in report["targets"].items()
        if name in ratios or name == "tanshi_orders_per_s"
    }
    print(json.dumps(report, indent=2))
    if not volume_identical:
        sys.exit("traded volume differs between engines: the mapping or an engine is wrong")


if __name__ == "__main__":
    main()
