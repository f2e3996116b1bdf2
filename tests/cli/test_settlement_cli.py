"""Settlement from the command line: money in, a T+0 trade, a T+1 trade, the cash ledger."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from tanshi.cli.main import app

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    "command",
    ["deposit", "withdraw", "reserve-units", "reserve-funds", "release", "trade", "settle", "cash"],
)
def test_help(command: str) -> None:
    result = runner.invoke(app, ["market", command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def _balances(text: str) -> dict[str, Decimal]:
    rows = [line.split() for line in text.splitlines()]
    return {row[0]: Decimal(row[2]) for row in rows if len(row) == 3 and row[1] == "CNY"}


def test_deposit_trade_settle_and_reconcile(tmp_path: Path) -> None:
    """C002 pays in CNY 10,000.00 and buys 10 t at CNY 30.00 (listed, T+0): value CNY 300.00,
    fees CNY 0.15 a side. The same on the block venue on Friday 7 July 2017 settles Monday
    10 July."""
    db = str(tmp_path / "demo.sqlite")
    run("demo", "--companies", "3", "--seed", "42", "--db", db, "--out", str(tmp_path))
    at = ["--db", db, "--at", "2017-07-07T11:00+08:00"]
    before = _balances(run("market", "cash", "--db", db))  # the demo's exchange left money
    assert "deposit d1: ok" in run("market", "deposit", "DP-OH-C002", "10000.00", "d1", *at)
    listed = run("market", "trade", "listed", "L1", "DP-OH-C002", "DP-OH-C001", "DPEA-2016",
                 "10", "30.00", *at)  # fmt: skip
    assert "settled; value CNY 300.00, fees CNY 0.15 (buyer) + CNY 0.15 (seller)" in listed
    block = run("market", "trade", "block", "B1", "DP-OH-C002", "DP-OH-C001", "DPEA-2016",
                "10", "30.00", *at)  # fmt: skip
    assert "pending until 2017-07-10" in block
    assert "0 settled" in run("market", "settle", *at)
    settled = run("market", "settle", "--on", "2017-07-10", *at)
    assert "settled block/B1" in settled
    after = _balances(run("market", "cash", "--db", db))
    # The block fee, 300.00 × 0.025 % = 0.075, is raised to the CNY 1.00 minimum a side:
    # C002 gains 10,000 − 300.15 − 301.00 = 9,398.85; C001 300 − 0.15 + 300 − 1.00 = 598.85.
    change = {code: after[code] - before.get(code, Decimal(0)) for code in after}
    assert change["DP-OH-C002-CASH"] == Decimal("9398.85")
    assert change["DP-OH-C001-CASH"] == Decimal("598.85")
    broke = runner.invoke(app, ["market", "trade", "listed", "L2", "DP-OH-C003", "DP-OH-C001",
                                "DPEA-2016", "10", "9999999.00", *at])  # fmt: skip
    assert broke.exit_code == 1 and "insufficient_funds" in broke.output
    assert ": error: " in broke.stderr or broke.stderr.startswith("error: ")
    assert "[insufficient_funds]" in broke.stderr and "; nothing was done\n" in broke.stderr
    bad = runner.invoke(app, ["market", "deposit", "DP-OH-C002", "1.001", "d2", *at])
    assert bad.exit_code == 2 and "two decimals" in bad.output
    assert "ok:" in run("registry", "verify", "--db", db)
    # A ledger that does not add up: each discrepancy a line WHERE: discrepancy: MESSAGE [CODE]
    # on stderr (reconciliation.Discrepancy records), and the exit status 1.
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE cash_accounts SET balance_fen = balance_fen + 5 "
                                "WHERE code = 'DP-OH-C002-CASH'"))  # fmt: skip
    engine.dispose()
    tampered = runner.invoke(app, ["market", "cash", "--db", db])
    assert tampered.exit_code == 1
    assert tampered.stderr.splitlines() == [
        "cash account DP-OH-C002-CASH: discrepancy: cash account DP-OH-C002-CASH: balance "
        f"{int(after['DP-OH-C002-CASH'] * 100) + 5} fen, journal says "
        f"{int(after['DP-OH-C002-CASH'] * 100)} fen [cash_balance_differs_from_journal]",
        "cash ledger: discrepancy: cash balances sum to 5 fen, not zero "
        "[cash_balances_do_not_sum_to_zero]",
    ]
