"""``tanshi market simulate --db``, ``replay``, ``surveillance`` and the charts of the demo's
own exchange, on a small demo database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.store.engine import make_engine
from tanshi.store.schema import exchange_commands

runner = CliRunner()


def test_the_demo_exchange_from_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.sqlite")
    made = runner.invoke(app, ["demo", "--companies", "4", "--db", db, "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    again = runner.invoke(
        app, ["market", "simulate", "--db", db, "--from", "2016-07-01", "--to", "2017-06-30"]
    )
    assert again.exit_code == 1 and "already holds 2016-07-01 to 2017-06-20" in again.output
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        busiest = connection.execute(
            select(exchange_commands.c.trading_day)
            .where(exchange_commands.c.kind == "NewOrder")
            .group_by(exchange_commands.c.trading_day)
            .order_by(func.count().desc(), exchange_commands.c.trading_day)
            .limit(1)
        ).scalar_one()
    engine.dispose()
    replayed = runner.invoke(app, ["market", "replay", "--day", busiest.isoformat(), "--db", db])
    assert replayed.exit_code == 0, replayed.output
    assert "every replayed fill is a settled trade" in replayed.output
    flags = runner.invoke(app, ["market", "surveillance", "--db", db, "--on", "2017-07-01"])
    assert flags.exit_code == 0 and "flag(s)" in flags.output
    busy = runner.invoke(app, ["market", "surveillance", "--db", db, "--on", busiest.isoformat()])
    assert busy.exit_code == 0, busy.output
    # The demo's days raise large-holder flags only (positions at the day's end);
    # tests/market/test_surveillance_days.py covers the alerts of one day's trading.
    alerts = busy.output.splitlines()[:-1]
    assert alerts and all(line.startswith(f"{busiest.isoformat()}  ") for line in alerts)
    today = runner.invoke(app, ["market", "surveillance", "--db", db])  # the exchange's today
    assert today.exit_code == 0 and "flag(s)" in today.output
    wrong = runner.invoke(app, ["market", "surveillance", "--db", db, "--on", "2017-13-01"])
    assert wrong.exit_code == 1 and "is not a date like" in wrong.output
    later = runner.invoke(app, ["market", "simulate", "--db", db, "--from", "2017-07-03",
                                "--to", "2017-07-14", "--product", "DPEA-2016"])  # fmt: skip
    assert later.exit_code == 0, later.output
    assert "10 trading days" in later.output
    chart = runner.invoke(app, ["market", "chart", "--db", db, "--out", str(tmp_path / "c")])
    assert chart.exit_code == 0, chart.output
    assert (tmp_path / "c.png").stat().st_size > 0
    verified = runner.invoke(app, ["registry", "verify", "--db", db])
    assert verified.exit_code == 0 and "ok:" in verified.output
