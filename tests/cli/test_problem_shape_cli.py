"""Refusals that used to reach the command line as one ``error: MESSAGE`` line are said in the
problem shape (cli/docs.md, "Problems"): every problem, each at the option the person typed."""

from __future__ import annotations

import re
from pathlib import Path

from tests_support import real_database
from typer.testing import CliRunner

from tanshi.cli.common import typed
from tanshi.cli.main import app
from tanshi.core.issues import Issue

runner = CliRunner()
LINE = re.compile(r"^(?:(?P<where>.*?): )?(?P<severity>error|warning|note): (?P<message>.*) "
                  r"\[(?P<code>[a-z0-9_]+)\]$")  # fmt: skip
# A rulebook whose [rulebook] table lacks its required fields, and the rest of the file too.
BAD_RULEBOOK = '[rulebook]\nid = "x"\n'
ANNOUNCE = ["auction", "announce", "2017-1", "--year", "2016", "--opens",
            "2017-02-20T09:00+08:00", "--closes", "2017-02-21T15:00+08:00",
            "--at", "2017-02-01T09:00+08:00"]  # fmt: skip


def _problems(stderr: str, outcome: str) -> list[dict[str, str]]:
    """Every line but the last read as a problem; the last counts them and says ``outcome``."""
    *lines, count = stderr.splitlines()
    read = [LINE.match(line) for line in lines]
    assert lines and all(read), stderr
    assert count == f"{len(lines)} error{'' if len(lines) == 1 else 's'}; {outcome}", stderr
    return [m.groupdict() for m in read if m]


def test_a_rulebook_with_errors_is_said_problem_by_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_RULEBOOK, encoding="utf-8")
    for args, outcome in (
        (["auction", "run", "kr-kets-bids.csv", "--rulebook", str(bad), "--year", "2016"],
         "nothing was cleared"),
        (["jurisdiction", "open", "--rulebook", str(bad), "--db", str(tmp_path / "j.sqlite")],
         "no jurisdiction was opened"),
        (["demo", "--rulebook", str(bad), "--out", str(tmp_path / "demo")], "the demo did not run"),
    ):  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        found = _problems(result.stderr, outcome)
        assert len(found) > 3  # every problem at once, not the first
        assert all(p["where"].startswith(str(bad)) for p in found)
        assert {p["code"] for p in found} == {"rulebook_missing"}
        assert f"{bad}:1 rulebook.name" in {p["where"] for p in found}


def test_a_rulebook_field_named_like_an_option_keeps_its_file_and_line(tmp_path: Path) -> None:
    # cap[0].year ends like the command's --year; the problem is in the file, not the option.
    shipped = Path(__file__).parents[2] / "src/tanshi/data/rulebooks/demo-province.toml"
    bad = tmp_path / "bad.toml"
    text = shipped.read_text(encoding="utf-8")
    bad.write_text(text.replace("\nyear = 2016\n", '\nyear = "x"\n', 1), encoding="utf-8")
    line = text[: text.index("\nyear = 2016\n")].count("\n") + 2
    result = runner.invoke(app, ["auction", "run", "kr-kets-bids.csv", "--rulebook", str(bad),
                                 "--year", "2016"])  # fmt: skip
    assert result.exit_code == 2, result.output
    (found,) = _problems(result.stderr, "nothing was cleared")
    assert (found["where"], found["code"]) == (f"{bad}:{line} cap[0].year", "rulebook_int_parsing")


def test_a_year_without_rules_is_a_problem_at_its_option(tmp_path: Path) -> None:
    cleared = runner.invoke(app, ["auction", "run", "kr-kets-bids.csv", "--rulebook",
                                  "demo-province", "--year", "2099"])  # fmt: skip
    assert cleared.exit_code == 1
    assert cleared.stderr.splitlines() == [
        "--year: error: the rulebook has no rules for 2099; it has rules for 2016-2020: choose one "
        "of those years [no_auction_terms]",
        "1 error; nothing was cleared",
    ]
    db = str(real_database(tmp_path / "real.sqlite"))
    cycle = runner.invoke(app, ["cycle", "run", "--rulebook", "demo-province", "--year", "2099",
                                "--db", db])  # fmt: skip
    assert cycle.exit_code == 1
    assert cycle.stderr.splitlines() == [
        "year 2099: error: the rulebook has no rules for 2099; it has rules for 2016-2020: "
        "choose one of those years [no_rule_in_force]",
        "1 error; the 2099 cycle stopped there",
    ]


def test_an_unknown_account_of_a_trusted_list_is_a_problem_at_its_argument(tmp_path: Path) -> None:
    db = str(real_database(tmp_path / "real.sqlite"))
    listed = runner.invoke(app, ["registry", "trusted", "list", "DP-OH-NOPE", "--db", db])
    assert listed.exit_code == 1
    assert listed.stderr.splitlines() == [
        "account: error: no registry account DP-OH-NOPE [unknown_account]",
        "1 error; nothing to list",
    ]


def test_a_company_code_taken_is_a_problem_at_the_code(tmp_path: Path) -> None:
    db = ["--db", str(real_database(tmp_path / "real.sqlite"))]
    first = runner.invoke(app, ["company", "register", "C001", "Power One", "power", *db])
    assert first.exit_code == 0, first.output
    other = runner.invoke(app, ["company", "register", "C001", "Other", "power", *db])
    assert other.exit_code == 1
    assert other.stderr.splitlines() == [
        "code: error: company code C001 is already registered to Power One (power); choose "
        "another code [company_code_taken]",
        "1 error; no company was registered",
    ]


def test_the_bid_book_names_the_options_typed(tmp_path: Path) -> None:
    db = ["--db", str(real_database(tmp_path / "real.sqlite"))]
    price = runner.invoke(app, [*ANNOUNCE, "--on", "2017-03-01", "--reserve-price", "25.123", *db])
    assert price.exit_code == 1
    assert _problems(price.stderr, "nothing was changed") == [{
        "where": "--reserve-price", "severity": "error", "code": "price_not_payable",
        "message": "the reserve price 25.123 has more than two decimal places: give it in "
                   "whole fen, e.g. 25.12"}]  # fmt: skip
    early = runner.invoke(app, [*ANNOUNCE, "--on", "2017-02-01", *db])
    assert early.exit_code == 1
    assert [p["where"] for p in _problems(early.stderr, "nothing was changed")] == ["--on"]
    announced = runner.invoke(app, [*ANNOUNCE, "--on", "2017-03-01", *db])
    assert announced.exit_code == 0, announced.output
    registered = runner.invoke(app, ["company", "register", "C001", "Power One", "power", *db])
    assert registered.exit_code == 0, registered.output
    bid = ["auction", "bid", "2017-1", "--at", "2017-02-20T10:00+08:00", *db]
    stranger = runner.invoke(app, [*bid, "--company", "C9", "--price", "30", "--quantity",
                                   "1000", "--key", "k1"])  # fmt: skip
    assert stranger.exit_code == 1
    assert [(p["where"], p["code"]) for p in _problems(stranger.stderr, "nothing was changed")
            ] == [("--company", "unknown_bidder")]  # fmt: skip
    odd = runner.invoke(app, [*bid, "--company", "C001", "--price", "30.005", "--quantity",
                              "1001", "--key", "k2"])  # fmt: skip
    assert odd.exit_code == 1
    assert [(p["where"], p["code"]) for p in _problems(odd.stderr, "nothing was changed")] == [
        ("--quantity", "not_whole_lots"), ("--price", "not_whole_ticks")]  # fmt: skip


def test_a_location_outside_a_command_or_its_options_stays_as_it_is() -> None:
    at_field = Issue("below_reserve_price", "too low", "bid.price_per_t")
    assert typed(at_field) == at_field  # no command runs
    assert typed(Issue("bad_row", "x", "bids.csv:3")).where == "bids.csv:3"
