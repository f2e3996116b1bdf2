"""``tanshi auction run`` on the shipped examples, and delivery through the demo's registry."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.store.engine import open_database
from tanshi.store.schema import auction_awards, auctions, transactions

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_example_clears_with_a_tie_shared_pro_rata() -> None:
    """1,000,000 t, lots of 1,000, limit 150,000 t. Above CNY 28: C001 120,000 @ 31.50 and
    30,000 of its 100,000 @ 29 (limit), C002 150,000 @ 30, C003 150,000 of 200,000 @ 29.50:
    450,000 t. At 28: C004 150,000, C005 150,000, C006 100,000, C007 150,000, C008 150,000 =
    700,000 t for the 550,000 t left, so the price is 28.00 and each gets 550/700 of its bid
    in whole lots: 117,000 / 117,000 / 78,000 / 117,000 / 117,000 = 546,000; the 4 lots left
    go by the seeded order. C009 (25.00) gets nothing; C010 (19.00) is below the reserve."""
    out = run("auction", "run", "demo-province-bids.csv", "--rulebook", "demo-province",
              "--year", "2016", "--seed", "1")  # fmt: skip
    assert "clearing price: 28.00 CNY/t" in out
    assert "sold 1,000,000 t, unsold 0 t" in out
    assert "below_reserve_price" in out and "exceeds_purchase_limit" in out


def test_kets_example_needs_a_reserve_price() -> None:
    result = runner.invoke(app, ["auction", "run", "kr-kets-bids.csv", "--rulebook", "kr-kets",
                                 "--year", "2019"])  # fmt: skip
    assert result.exit_code == 1 and "--reserve-price" in result.output
    out = run("auction", "run", "kr-kets-bids.csv", "--rulebook", "kr-kets", "--year", "2019",
              "--reserve-price", "25000", "--guarantees", "kr-kets-guarantees.csv")  # fmt: skip
    assert "clearing price: 25000 KRW/t" in out and "per-bidder limit 82,500 t" in out


def test_a_bad_bid_file_clears_nothing(tmp_path: Path) -> None:
    bids = tmp_path / "bids.csv"
    bids.write_text("bidder,price_per_t,quantity_t\nC001,abc,1000\n# a comment\nC002,20,x\n",
                    encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["auction", "run", str(bids), "--rulebook", "demo-province",
                                 "--year", "2016"])  # fmt: skip
    assert result.exit_code == 1 and result.stdout == ""
    # Each problem at the file's line as compilers write it (cli/docs.md, "Problems").
    assert result.stderr.splitlines() == [
        f"{bids}:2: error: price_per_t 'abc' is not a positive number [bad_price]",
        f"{bids}:4: error: quantity_t 'x' is not a whole number above 0 [bad_quantity]",
        "2 errors; nothing was cleared",
    ]


def test_delivery_through_the_registry_and_rollover_into_the_next_auction(tmp_path: Path) -> None:
    """A1: 1,000,000 t, at most 15% = 150,000 t a bidder: C001 150,000 and C002 150,000 of its
    200,000 (C003's 19.00 is below the reserve): 300,000 t sold at the reserve price 20.00
    (undersubscribed), 700,000 t rolled over. A2 offers 1,700,000 t, limit 255,000 t: C001
    150,000 + C002 200,000 = 350,000 sold, 1,350,000 rolled over."""
    db = str(tmp_path / "demo.sqlite")
    run("demo", "--companies", "3", "--seed", "42", "--db", db, "--out", str(tmp_path))
    bids = tmp_path / "bids.csv"
    bids.write_text(
        "bidder,price_per_t,quantity_t\nC001,25.00,150000\nC002,22.00,200000\nC003,19.00,5000\n",
        encoding="utf-8",
    )
    at = ["--db", db, "--at", "2017-03-01T10:00+08:00"]
    out = run("auction", "run", str(bids), "--rulebook", "demo-province", "--year", "2016",
              "--deliver", "--code", "A1", *at)  # fmt: skip
    assert "clearing price: 20.00 CNY/t" in out and "unsold 700,000 t" in out
    assert "delivered to 2 bidder(s)" in out
    again = runner.invoke(app, ["auction", "run", str(bids), "--rulebook", "demo-province",
                                "--year", "2016", "--deliver", "--code", "A1", *at])  # fmt: skip
    assert again.exit_code == 1 and "already recorded" in again.output
    out = run("auction", "run", str(bids), "--rulebook", "demo-province", "--year", "2016",
              "--deliver", "--code", "A2", *at)  # fmt: skip
    assert "offered 1,700,000 t (incl. 700,000 t rolled over)" in out
    # A notice announced now carries A2's 1,350,000 t in; A3, held before it clears, none.
    run("auction", "announce", "N1", "--year", "2016", "--on", "2017-03-08",
        "--opens", "2017-03-08T09:00+08:00", "--closes", "2017-03-08T11:00+08:00", *at)  # fmt: skip
    out = run("auction", "run", str(bids), "--rulebook", "demo-province", "--year", "2016",
              "--deliver", "--code", "A3", *at)  # fmt: skip
    assert "offered 1,000,000 t; reserve" in out and "rolled over)" not in out
    assert "carried into auction N1" in out and "[roll_over_claimed]" in out
    engine = open_database(f"sqlite:///{db}")
    with engine.connect() as connection:
        rows = connection.execute(select(auctions).order_by(auctions.c.id)).all()
        assert [(row.code, row.offered_units, row.sold_units, row.rolled_over_units) for row in rows] == [
            ("A1", 1_000_000, 300_000, 700_000), ("A2", 1_700_000, 350_000, 1_350_000),
            ("A3", 1_000_000, 300_000, 700_000),
        ]  # fmt: skip
        assert rows[0].clearing_price_hundredths == 2000
        kinds = (
            connection.execute(
                select(transactions.c.type_code).join(
                    auction_awards, auction_awards.c.transaction_id == transactions.c.id
                )
            )
            .scalars()
            .all()
        )
        assert kinds == ["auction_delivery"] * 6
    engine.dispose()
    assert "ok:" in run("registry", "verify", "--db", db)


def test_a_reserve_price_or_volume_out_of_range_is_refused() -> None:
    base = ["auction", "run", "demo-province-bids.csv", "--rulebook", "demo-province",
            "--year", "2016"]  # fmt: skip
    for option, value, said in [
        ("--reserve-price", "-5", "--reserve-price '-5' must be a price of 0 or more"),
        ("--reserve-price", "NaN", "--reserve-price 'NaN' must be a price of 0 or more"),
        ("--reserve-price", "cheap", "--reserve-price 'cheap' must be a price of 0 or more"),
        ("--volume", "0", "--volume 0 must be the tonnes offered, more than 0"),
        ("--volume", "-1000", "--volume -1000 must be the tonnes offered, more than 0"),
    ]:
        result = runner.invoke(app, [*base, option, value])
        assert result.exit_code == 2, (option, value, result.output)
        assert said in result.output
        assert "clearing price" not in result.output
    zero = run(*base, "--reserve-price", "0")  # a reserve of 0 is a price, if an odd one
    assert "reserve price 0 CNY/t" in zero


def test_the_bid_book_from_the_command_line(tmp_path: Path) -> None:
    """1,000,000 t at most 150,000 t a bidder, reserve 20.00: C001 bids 100,000 @ 22.00
    (2,200,000.00 reserved of its 3,000,000.00), revises to 150,000 @ 21.00; C002's bid of
    150,000 @ 20.00 has no cash behind it. Undersubscribed: C001 wins 150,000 t at 20.00."""
    db = str(tmp_path / "demo.sqlite")
    run("demo", "--companies", "3", "--seed", "42", "--db", db, "--out", str(tmp_path))
    at = ["--db", db, "--at", "2017-03-01T10:00+08:00"]
    run("market", "deposit", "DP-OH-C001", "3000000.00", "d1", *at)
    out = run("auction", "announce", "B1", "--year", "2016", "--on", "2017-03-01",
              "--opens", "2017-03-01T01:00Z", "--closes", "2017-03-01T11:00+08:00", *at)  # fmt: skip
    # Moments on the jurisdiction's clock, its zone named (the window was given in UTC).
    assert ("auction B1 announced: bids from 2017-03-01 09:00 Asia/Shanghai (UTC+08:00) until "
            "2017-03-01 11:00 Asia/Shanghai (UTC+08:00)") in out  # fmt: skip
    out = run("auction", "bid", "B1", "--company", "C001", "--price", "22.00", "--quantity",
              "100000", "--key", "k1", *at)  # fmt: skip
    assert "bid 1 of C001: 100,000 t at 22.00, 2,200,000.00 reserved" in out
    run("auction", "bid", "B1", "--company", "C001", "--price", "21.00", "--quantity", "150000",
        "--key", "k2", "--replaces", "1", *at)  # fmt: skip
    poor = runner.invoke(app, ["auction", "bid", "B1", "--company", "C002", "--price", "20.00",
                               "--quantity", "150000", "--key", "k3", *at])  # fmt: skip
    assert poor.exit_code == 1 and "[insufficient_funds]" in poor.stderr
    sealed = run("auction", "book", "B1", *at)
    assert "(open)" in sealed and "C001" not in sealed
    assert ("bids 2017-03-01 09:00 Asia/Shanghai (UTC+08:00) – 2017-03-01 11:00 Asia/Shanghai "
            "(UTC+08:00)") in sealed and "+00:00" not in sealed  # fmt: skip
    unknown = runner.invoke(app, ["auction", "book", "B9", *at])
    assert unknown.exit_code == 1
    assert unknown.stderr == ("error: no announced auction B9 [unknown_auction]\n"
                              "1 error; nothing was changed\n")  # fmt: skip
    # The window runs until 11:00: closing at 10:00 is refused, and the bids stay sealed.
    early = runner.invoke(app, ["auction", "close", "B1", *at])
    assert early.exit_code == 1
    assert (
        "error: the bidding window is open until 2017-03-01 11:00 Asia/Shanghai (UTC+08:00);"
        in early.stderr
        and "[bidding_window_still_open]" in early.stderr
    )
    out = run("auction", "close", "B1", "--db", db, "--at", "2017-03-01T11:00+08:00")
    assert "closed at 2017-03-01 11:00 Asia/Shanghai (UTC+08:00)" in out and "+00:00" not in out
    assert "clearing price 20.00; bid 150,000 t by 1 bidder(s), sold 150,000 t" in out
    assert "cover ratio 0.15" in out and "revised" in out
    assert "ok:" in run("registry", "verify", "--db", db)


def test_cancelling_an_announced_auction_from_the_command_line(tmp_path: Path) -> None:
    """C001's 2,200,000.00 reserved for its bid go back when the regulator cancels B1; no bid
    is taken after, and cancelling again under another key is refused."""
    db = str(tmp_path / "demo.sqlite")
    run("demo", "--companies", "3", "--seed", "42", "--db", db, "--out", str(tmp_path))
    at = ["--db", db, "--at", "2017-03-01T10:00+08:00"]
    run("market", "deposit", "DP-OH-C001", "3000000.00", "d1", *at)
    run("auction", "announce", "B1", "--year", "2016", "--on", "2017-03-01",
        "--opens", "2017-03-01T01:00Z", "--closes", "2017-03-01T11:00+08:00", *at)  # fmt: skip
    run("auction", "bid", "B1", "--company", "C001", "--price", "22.00", "--quantity",
        "100000", "--key", "k1", *at)  # fmt: skip
    bare = runner.invoke(app, ["auction", "cancel", "B1", "--reason", " ", "--key", "c1", *at])
    assert bare.exit_code == 1 and "[cancel_reason_required]" in bare.output
    out = run("auction", "cancel", "B1", "--reason", "exchange outage", "--key", "c1", *at)
    assert (
        out == "auction B1 cancelled: 1 live bid(s) ended, 2,200,000.00 reserved funds released\n"
    )
    assert "(already)" in run("auction", "cancel", "B1", "--reason", "exchange outage",
                              "--key", "c1", *at)  # fmt: skip
    again = runner.invoke(app, ["auction", "cancel", "B1", "--reason", "x", "--key", "c2", *at])
    assert again.exit_code == 1 and "[auction_cancelled]" in again.output
    late = runner.invoke(app, ["auction", "bid", "B1", "--company", "C001", "--price", "22.00",
                               "--quantity", "100000", "--key", "k2", *at])  # fmt: skip
    assert late.exit_code == 1 and "[auction_cancelled]" in late.output
    shown = run("auction", "book", "B1", *at)
    assert "(cancelled)" in shown
    assert (
        "cancelled at 2017-03-01 10:00 Asia/Shanghai (UTC+08:00) by cli: exchange outage" in shown
    )
    assert "ok:" in run("registry", "verify", "--db", db)
