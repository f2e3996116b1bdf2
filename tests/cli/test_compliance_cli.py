"""``tanshi compliance`` and ``cycle run --penalty``: the limits refuse with their codes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.resources import load_rulebook
from tanshi.services import jurisdiction, verified_entry
from tanshi.store.engine import open_database

runner = CliRunner(env={"COLUMNS": "200"})


def test_borrow_bank_surrender_and_penalty_choice(tmp_path: Path) -> None:
    db = str(tmp_path / "kets.sqlite")
    engine = open_database(f"sqlite:///{db}")
    rulebook, text = load_rulebook("kr-kets")
    j = jurisdiction.open_jurisdiction(
        engine, rulebook, text, datetime(2015, 1, 1, tzinfo=UTC), is_demo=False
    )
    jurisdiction.register_company(engine, j, "P", "Power", "power")
    for year in (2011, 2012, 2013):  # allocation 2015 = 1 000
        assert not verified_entry.enter_verified_emissions(engine, "P", year, Decimal(1000), "t")
    engine.dispose()
    cycle = ["cycle", "run", "--rulebook", "kr-kets", "--year", "2015", "--db", db]
    assert runner.invoke(app, [*cycle, "--at", "2015-01-12T12:00+09:00"]).exit_code == 0
    at = ["--db", db, "--at", "2016-05-02T12:00+09:00"]
    early = runner.invoke(app, ["compliance", "borrow", "P", "2015", "10", "b0", *at])
    assert early.exit_code == 1 and "borrowing_needs_verified_emissions" in early.output
    engine = open_database(f"sqlite:///{db}")
    assert not verified_entry.enter_verified_emissions(engine, "P", 2015, Decimal(1100), "t")
    engine.dispose()
    # 10% of 1 100 = 110 may be borrowed
    over = runner.invoke(app, ["compliance", "borrow", "P", "2015", "111", "b1", *at])
    assert over.exit_code == 1 and over.stdout == ""
    assert over.stderr.splitlines()[0].endswith(" [borrowing_limit_exceeded]")
    assert over.stderr.endswith("\n1 error; nothing was done\n")
    ok = runner.invoke(app, ["compliance", "borrow", "P", "2015", "100", "b2", *at])
    assert ok.exit_code == 0 and "borrowing b2: ok" in ok.output
    surrender = ["compliance", "surrender", "P"]
    given = runner.invoke(app, [*surrender, "KAU-2016", "100", "2015", "s1", *at])
    assert given.exit_code == 0, given.output
    banked = runner.invoke(app, ["compliance", "bank", "P", "2015", "50", "k1", *at])
    assert banked.exit_code == 0, banked.output
    rest = runner.invoke(app, [*surrender, "KAU-2015", "950", "2015", "s2", *at])
    assert rest.exit_code == 0, rest.output
    after = [*cycle, "--at", "2016-07-01T12:00+09:00"]
    chosen = runner.invoke(app, [*after, "--penalty", "P=4"])  # K-ETS: 3 ×, no range
    assert chosen.exit_code == 1 and "penalty_choice_out_of_range" in chosen.output
    malformed = runner.invoke(app, [*after, "--penalty", "P"])
    assert malformed.exit_code == 2
    done = runner.invoke(app, after)
    # 1 100 owed: 100 borrowed + the 950 KAU-2015 left after banking 50 → short 50;
    # no trade, so the fallback KRW 20 000: 50 × min(3 × 20 000, 100 000) = 3 000 000.00
    assert done.exit_code == 0 and "compliance 2015" in done.output
    assert "3000000.00" in done.output


def _company_p(tmp_path: Path, vintage: int) -> str:
    """A demo-province database with one power company P and the DPEA class of ``vintage``."""
    db = str(tmp_path / "dp.sqlite")
    engine = open_database(f"sqlite:///{db}")
    rulebook, text = load_rulebook("demo-province")
    j = jurisdiction.open_jurisdiction(
        engine, rulebook, text, datetime(2016, 1, 1, tzinfo=UTC), is_demo=False
    )
    jurisdiction.register_company(engine, j, "P", "Power", "power")
    jurisdiction.unit_class_id(engine, j, "DPEA", vintage)
    engine.dispose()
    return db


def test_a_surrender_of_units_not_held_says_so(tmp_path: Path) -> None:
    """Units the company does not hold: insufficient_units, as on the web and the API, not
    whether such units would count (a later vintage, here)."""
    db = _company_p(tmp_path, 2017)
    at = ["--db", db, "--at", "2016-08-01T12:00+08:00"]
    refused = runner.invoke(app, ["compliance", "surrender", "P", "DPEA-2017", "10", "2016",
                                  "s1", *at])  # fmt: skip
    assert refused.exit_code == 1, refused.output
    assert "insufficient_units" in refused.output and "vintage_not_eligible" not in refused.output
    assert "DP-OH-P holds 0 t of DPEA-2017 free to surrender; 10 t are needed" in refused.output


def test_a_surrender_of_nothing_says_how_much_to_surrender(tmp_path: Path) -> None:
    """The registry's refusal of a zero quantity reads as a problem with its fix."""
    db = _company_p(tmp_path, 2016)
    at = ["--db", db, "--at", "2016-08-01T12:00+08:00"]
    zero = runner.invoke(app, ["compliance", "surrender", "P", "DPEA-2016", "0", "2016", "s0",
                               *at])  # fmt: skip
    assert zero.exit_code == 1 and zero.stdout == ""
    assert zero.stderr == (
        "surrender by P for 2016: error: surrender at least 1 t; 0 t was asked "
        "[quantity_must_be_positive]\n1 error; nothing was done\n"
    )
    later = runner.invoke(app, ["compliance", "surrender", "P", "DPEA-2016", "1", "2099", "s9",
                                *at])  # fmt: skip
    assert later.exit_code == 1 and later.stderr.splitlines() == [
        "year 2099: error: the rulebook has no rules for 2099; it has rules for 2016-2020: "
        "choose one of those years [no_rule_in_force]",
        "1 error; nothing was done",
    ]
