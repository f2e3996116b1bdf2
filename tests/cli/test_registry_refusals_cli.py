"""The registry's refusals from the command line, in the problem shape with their figures:
carry-over and borrowing, freeze releases and court transfers, approvals across jurisdictions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.core.issues import Issue
from tanshi.rulebook.in_force import NoRuleInForce

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo database, made once; each test works on its own copy (``db``)."""
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.sqlite"
    made = runner.invoke(app, ["demo", "--companies", "3", "--seed", "42", "--db", str(db),
                               "--out", str(folder)])  # fmt: skip
    assert made.exit_code == 0, made.output
    return db


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> str:
    copy = tmp_path / "demo.sqlite"
    shutil.copy(demo_db, copy)
    return str(copy)


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


AT = "2017-07-03T11:00+08:00"


def test_carry_over_and_borrowing_from_a_frozen_account_are_problems(db: str) -> None:
    at = ["--db", db, "--at", AT]
    run("registry", "status", "DP-OH-C001", "frozen", "--reason", "court order 17", "--db", db)
    for args, year in ((["carry-over", "C001", "2016", "100", "KEY-4"], "2016"),
                       (["borrow", "C001", "2016", "10", "KEY-5"], "2016")):  # fmt: skip
        refused = runner.invoke(app, ["registry", *args, *at])
        assert refused.exit_code == 1, refused.output
        assert refused.stdout == ""
        assert refused.stderr == (
            f"company C001, {year}: error: the account is frozen: no units may leave it "
            "[account_frozen]\n1 error; nothing was changed\n"
        )


def test_a_carry_over_of_more_than_held_says_what_the_account_holds(db: str) -> None:
    refused = runner.invoke(app, ["registry", "carry-over", "C001", "2016", "100000000", "K",
                                  "--db", db, "--at", AT])  # fmt: skip
    assert refused.exit_code == 1, refused.output
    line = refused.stderr.splitlines()[0]
    assert line.startswith("company C001, 2016: error: the account does not hold that many "
                           "units of this class: DP-OH-C001 holds ")  # fmt: skip
    assert line.endswith(" units of DPEA-2016 free to move, 100,000,000 are needed "
                         "[insufficient_units]")  # fmt: skip
    assert "DP-ISSUANCE" not in refused.stderr  # an issuance account may go below zero


def test_an_auctions_notes_name_the_bid_files_line_as_its_parse_errors_do(tmp_path: Path) -> None:
    cleared = runner.invoke(app, ["auction", "run", "kr-kets-bids.csv", "--rulebook", "kr-kets",
                                  "--year", "2019", "--reserve-price", "25000", "--guarantees",
                                  "kr-kets-guarantees.csv"])  # fmt: skip
    assert cleared.exit_code == 0, cleared.output
    notes = [line for line in cleared.stderr.splitlines() if ": note: bid of " in line]
    assert notes and all(line.startswith("kr-kets-bids.csv:") for line in notes), notes
    assert ("kr-kets-bids.csv:15: note: bid of KR-POWER-6 for 82500 t at 24000: below the "
            "reserve price 25000 [below_reserve_price]") in notes  # fmt: skip
    bids = tmp_path / "bids.csv"
    bids.write_text("bidder,price_per_t,quantity_t\nA,30000,1000\nB,x,1000\nC,20000,1000\n",
                    encoding="utf-8")  # fmt: skip
    broken = runner.invoke(app, ["auction", "run", str(bids), "--rulebook", "kr-kets", "--year",
                                 "2019", "--reserve-price", "25000"])  # fmt: skip
    assert broken.stderr.startswith(f"{bids}:3: error: ")  # the parse error's location
    bids.write_text("bidder,price_per_t,quantity_t\nA,30000,1000\nC,20000,1000\n",
                    encoding="utf-8")  # fmt: skip
    noted = runner.invoke(app, ["auction", "run", str(bids), "--rulebook", "kr-kets", "--year",
                                "2019", "--reserve-price", "25000"])  # fmt: skip
    assert f"{bids}:3: note: bid of C for 1000 t at 20000: below the reserve price" in noted.stderr


def test_a_year_without_rules_is_said_as_the_api_and_the_web_say_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown = runner.invoke(app, ["rulebook", "show", "demo-province", "--year", "2099"])
    assert shown.exit_code == 1
    assert shown.stderr.splitlines() == [
        "year 2099: error: the rulebook has no rules for 2099; it has rules for 2016-2020: "
        "choose one of those years [no_rule_in_force]",
        "1 error; nothing to show",
    ]
    # a rule of a kind no year has: nothing to choose from, so no list of years (advice)
    missing = Issue.of("no_rule_in_force", "the rulebook has no {section} rule in force in "
                       "{year}", section="offset", year=2017)  # fmt: skip

    def no_offset_rule(*_: object) -> None:
        raise NoRuleInForce(missing, 2017, ())

    monkeypatch.setattr("tanshi.cli.rulebook.rules_in_force", no_offset_rule)
    shown = runner.invoke(app, ["rulebook", "show", "demo-province", "--year", "2017"])
    assert shown.exit_code == 1
    assert shown.stderr.splitlines() == [
        "year 2017: error: the rulebook has no offset rule in force in 2017 [no_rule_in_force]",
        "1 error; nothing to show",
    ]


def test_a_release_or_court_transfer_of_more_than_the_order_holds_says_what_it_holds(
    db: str,
) -> None:
    at = ["--db", db, "--at", AT]
    frozen = run("registry", "freeze", "DP-OH-C001", "DPEA-2016", "40", "fz1", "--order",
                 "court 3", "--reason", "ruling", *at)  # fmt: skip
    order = frozen.split(":")[0].removeprefix("freeze order ")
    held = (f"freeze order {order}: error: the account does not hold that many units of this "
            f"class: freeze order {order} holds 40 frozen units of DPEA-2016, 41 are asked "
            "[insufficient_units]\n1 error; nothing was changed\n")  # fmt: skip
    for args in (["unfreeze", order, "--reason", "x", "--quantity", "41", "--key", "u1"],
                 ["court-transfer", order, "DP-OH-C002", "41", "ct1", "--court-order", "c 9",
                  "--reason", "r", "--by", "regulator"]):  # fmt: skip
        refused = runner.invoke(app, ["registry", *args, *at])
        assert refused.exit_code == 1, refused.output
        assert refused.stdout == ""
        assert refused.stderr == held
    unknown = runner.invoke(app, ["registry", "approve-court-transfer", "99", "--by",
                                  "regulator", *at])  # fmt: skip
    assert unknown.exit_code == 1
    assert unknown.stderr.splitlines()[0].startswith("court transfer 99: error: ")


def test_approving_applies_the_calendar_of_the_proposals_own_jurisdiction(db: str) -> None:
    """A database with two jurisdictions: DP (no registry hours, no delays) and EU (business
    hours, transfers to untrusted accounts held to a release time). A DP proposal approved
    with ``--jurisdiction EU`` goes by DP's rules, as the API and the web approve it."""
    run("jurisdiction", "open", "--rulebook", "eu-ets", "--db", db)
    dp, eu = ["--jurisdiction", "DP", "registry"], ["--jurisdiction", "EU", "registry"]
    run(*dp, "representative", "DP-OH-C001", "alice", "--initiate", "--db", db)
    run(*dp, "representative", "DP-OH-C001", "bob", "--approve", "--db", db)
    proposed = run(*dp, "propose-transfer", "DP-OH-C001", "DP-OH-C002", "DPEA-2016", "10",
                   "KEY-1", "--as", "alice", "--db", db, "--at", AT)  # fmt: skip
    assert proposed.startswith("proposal 1: awaiting_approval")
    # a Saturday in a year of EU's [[registry]] rule: EU would hold it until Tuesday noon
    approved = run(*eu, "approve", "1", "--as", "bob", "--db", db, "--at",
                   "2024-06-15T11:00+02:00")  # fmt: skip
    assert approved == "proposal 1: executed (ok)\n"
    unknown = runner.invoke(app, [*eu, "approve", "9", "--as", "bob", "--db", db])
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("proposal 9: error: no such proposal")
