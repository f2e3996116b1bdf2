"""The registry from the command line: rights, a four-eyes transfer, blocks, freeze, retire."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from registry_controls import EU_LIMITS, EU_LIMITS_BY_REGULATOR, EU_TWO_TO_REMOVE
from tanshi.cli.main import app

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_transfer_from_proposal_to_certificate(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.sqlite")
    run("demo", "--companies", "3", "--seed", "42", "--db", db, "--out", str(tmp_path))
    at = ["--db", db, "--at", "2017-07-03T11:00+08:00"]
    run("registry", "representative", "DP-OH-C001", "alice", "--initiate", "--db", db)
    run("registry", "representative", "DP-OH-C001", "bob", "--approve", "--db", db)
    before = run("registry", "blocks", "DP-OH-C001", "--db", db)
    assert before.startswith("DPEA-2016-")
    proposed = run("registry", "propose-transfer", "DP-OH-C001", "DP-OH-C002", "DPEA-2016", "10",
                   "p1", "--as", "alice", *at)  # fmt: skip
    assert "proposal 1: awaiting_approval (ok)" in proposed
    # The approver sees what they approve: destination and holder, unit class, when, delay.
    queue = run("registry", "proposals", "--as", "bob", *at)
    assert queue.startswith("proposal 1: transfer 10 t DPEA-2016 DP-OH-C001 -> DP-OH-C002 (")
    assert "proposed 2017-07-03 11:00 by alice; if approved now: executes at once" in queue
    assert "nothing awaits alice's approval" in run("registry", "proposals", "--as", "alice", *at)
    refused = runner.invoke(app, ["registry", "approve", "1", "--as", "alice", *at])
    assert refused.exit_code == 1
    assert "approver_must_differ_from_initiator" in refused.output
    assert "proposal 1: executed (ok)" in run("registry", "approve", "1", "--as", "bob", *at)
    run("registry", "status", "DP-OH-C001", "frozen", "--reason", "court order 17", *at)
    frozen = runner.invoke(app, ["registry", "propose-transfer", "DP-OH-C001", "DP-OH-C002",
                                 "DPEA-2016", "1", "p2", "--as", "alice", *at])  # fmt: skip
    assert frozen.exit_code == 1 and "account_frozen" in frozen.output
    unknown = runner.invoke(app, ["registry", "approve", "99", "--as", "bob", *at])
    assert unknown.exit_code == 1 and unknown.stderr.splitlines() == [
        "proposal 99: error: no such proposal that you may see [proposal_not_found]",
        "1 error; nothing was changed",
    ]
    run("registry", "representative", "DP-OH-C002", "carol", "--initiate", "--db", db)
    zero = runner.invoke(app, ["registry", "propose-transfer", "DP-OH-C002", "DP-OH-C001",
                               "DPEA-2016", "0", "p0", "--as", "carol", *at])  # fmt: skip
    assert zero.exit_code == 1 and zero.stderr.splitlines() == [
        "proposal 3: error: the quantity must be more than zero [quantity_must_be_positive]",
        "1 error; proposal 3 is kept as failed; nothing was moved",
    ]
    # A negative number after `--` reaches the command (cli/docs.md, "Problems").
    negative = runner.invoke(app, ["registry", "propose-transfer", "--as", "carol", *at, "--",
                                   "DP-OH-C002", "DP-OH-C001", "DPEA-2016", "-5", "pn"])  # fmt: skip
    assert negative.exit_code == 1 and "[quantity_must_be_positive]" in negative.stderr
    unknown = runner.invoke(app, ["registry", "propose-transfer", "DP-OH-C002", "DP-OH-X",
                                  "DPEA-20", "1", "pu", "--as", "carol", *at])  # fmt: skip
    assert unknown.exit_code == 1 and unknown.stderr.splitlines() == [
        "target: error: no registry account DP-OH-X: a company's operator holding account is "
        "DP-OH-<company code>, e.g. DP-OH-C001 [unknown_account]",
        "unit_class: error: no unit class DPEA-20: `tanshi registry blocks DP-OH-C002` lists "
        "the classes the account holds [unknown_unit_class]",
        "2 errors; nothing was changed",
    ]
    certificate = run("registry", "retire", "DP-OH-C002", "DPEA-2016", "5", "r1", "--as", "carol",
                      "--beneficiary", "Demo Marathon", "--purpose", "event neutrality", *at)  # fmt: skip
    assert "Retirement certificate RET-" in certificate and "DPEA-2016-" in certificate
    assert "ok:" in run("registry", "verify", "--db", db)


def test_regulator_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.sqlite")
    run("demo", "--companies", "3", "--seed", "42", "--db", db, "--out", str(tmp_path))
    at = ["--db", db, "--at", "2017-07-03T11:00+08:00"]
    deleted = run("registry", "execute", "deletion", "DP-HOLDING", "DP-DELETION", "DPEA-2016",
                  "1000", "del-1", "--memo", "unallocated 2016 allowances", *at)  # fmt: skip
    assert "deletion del-1: ok" in deleted
    refused = runner.invoke(app, ["registry", "execute", "transfer", "DP-OH-C001", "DP-OH-C002",
                                  "DPEA-2016", "1", "x", *at])  # fmt: skip
    assert refused.exit_code == 2 and "not a regulator transaction" in refused.output
    assert "carry-over c1: ok" in run("registry", "carry-over", "C001", "2016", "100", "c1", *at)
    assert "borrowing b1: ok" in run("registry", "borrow", "C001", "2016", "10", "b1", *at)
    window = runner.invoke(app, ["registry", "reverse-surrender", "3", "--reason", "x", *at])
    assert window.exit_code == 1  # demo-province allows no reversal
    assert window.stderr.endswith("; nothing was done\n") and "error: " in window.stderr
    assert "DPEA-2017-" in run("registry", "blocks", "DP-OH-C001", "--db", db)
    assert "ok:" in run("registry", "verify", "--db", db)


def test_a_mistyped_database_path_is_refused_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo.sqlite"
    for command in (["registry", "verify"], ["registry", "report"], ["company", "list"]):
        result = runner.invoke(app, [*command, "--db", str(missing)])
        assert result.exit_code == 2, (command, result.output)
        assert f"no database at {missing}" in result.output
    assert not missing.exists()


def test_trusted_lists_waivers_and_frozen_units(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.sqlite")
    run("demo", "--companies", "3", "--seed", "42", "--db", db, "--out", str(tmp_path))
    at = ["--db", db, "--at", "2017-07-03T11:00+08:00"]
    run("registry", "representative", "DP-OH-C001", "alice", "--initiate", "--db", db)
    run("registry", "representative", "DP-OH-C001", "bob", "--approve", "--db", db)
    run("registry", "trust", "DP-OH-C001", "DP-OH-C002", "--requested-by", "alice",
        "--approved-by", "bob", *at)  # fmt: skip
    assert "DP-OH-C002  from 2017-07-03" in run("registry", "trusted", "DP-OH-C001", "--db", db)
    assert "no longer on the trusted list" in run(
        "registry", "untrust", "DP-OH-C001", "DP-OH-C002", "--as", "alice", *at
    )
    assert run("registry", "trusted", "DP-OH-C001", "--db", db) == ""
    refused = runner.invoke(app, ["registry", "waive-approval", "DP-OH-C001", "--declared-by",
                                  "bob", "--set-by", "registrar", *at])  # fmt: skip
    assert refused.exit_code == 1 and "does not let account holders waive" in refused.output
    first_block = run("registry", "blocks", "DP-OH-C001", "--db", db).split()[0]
    first = int(first_block.split("..")[0].rsplit("-", 1)[1])
    frozen = run("registry", "freeze", "DP-OH-C001", "DPEA-2016", "10", "fz1", "--order",
                 "court 17/2017", "--reason", "debt claim", "--serials",
                 f"{first}-{first + 9}", *at)  # fmt: skip
    assert "freeze order 1: 10 t of DPEA-2016 frozen in DP-OH-C001" in frozen
    balance = run("registry", "balances", "DP-OH-C001", "--db", db).splitlines()
    assert balance[1].split()[2] == "10"  # frozen_t
    assert f"in force, 10 t frozen  DPEA-2016-{first:012d}..{first + 9:012d}" in run(
        "registry", "freezes", "DP-OH-C001", "--db", db
    )
    assert "ok:" in run("registry", "verify", "--db", db)
    part = run("registry", "unfreeze", "1", "--reason", "part", "--quantity", "4", "--key",
               "u1", *at)  # fmt: skip
    assert "released (6 t still frozen)" in part
    assert "court transfer 1: awaiting_approval" in run(
        "registry", "court-transfer", "1", "DP-OH-C002", "3", "ct1", "--court-order",
        "(2017) 执 5", "--reason", "enforcement", "--by", "registrar-1", *at,
    )  # fmt: skip
    same = runner.invoke(app, ["registry", "approve-court-transfer", "1", "--by", "registrar-1",
                               *at])  # fmt: skip
    assert same.exit_code == 1 and "approver_must_differ_from_initiator" in same.output
    assert "executed" in run("registry", "approve-court-transfer", "1", "--by", "registrar-2",
                             *at)  # fmt: skip
    listed = run("registry", "court-transfers", "DP-OH-C001", "--db", db)
    assert "3 t of DPEA-2016  DP-OH-C001 → DP-OH-C002  court order (2017) 执 5" in listed
    assert f"in force, 3 t frozen  DPEA-2016-{first + 7:012d}..{first + 9:012d}" in run(
        "registry", "freezes", "DP-OH-C001", "--db", db
    )
    assert "ok:" in run("registry", "verify", "--db", db)
    assert "released (closed)" in run("registry", "unfreeze", "1", "--reason", "lifted", *at)
    again = runner.invoke(app, ["registry", "unfreeze", "1", "--reason", "again", *at])
    assert again.exit_code == 1 and "already released" in again.output
    bad = runner.invoke(app, ["registry", "freeze", "DP-OH-C001", "DPEA-2016", "1", "fz2",
                              "--order", "o", "--reason", "r", "--serials", "x", *at])  # fmt: skip
    assert bad.exit_code == 2


def test_two_users_change_a_trusted_list_at_two_moments(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.sqlite")
    run("demo", "--companies", "3", "--seed", "42", "--db", db, "--out", str(tmp_path))
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:  # Art. 23(4): two representatives remove as well
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :r"),
                           {"r": EU_TWO_TO_REMOVE})  # fmt: skip
    engine.dispose()
    at = ["--db", db, "--at", "2017-07-03T11:00+08:00"]
    trusted = ["registry", "trusted"]
    proposed = run(*trusted, "propose-add", "DP-OH-C001", "DP-OH-C002", "--as", "officer1", *at)
    assert "request 1: addition of DP-OH-C002" in proposed
    twice = runner.invoke(app, [*trusted, "propose-add", "DP-OH-C001", "DP-OH-C002", "--as",
                                "officer1", *at])  # fmt: skip
    assert twice.exit_code == 1 and "trusted_account_request_pending" in twice.output
    assert twice.stderr.splitlines()[0].endswith(" [trusted_account_request_pending]")
    assert twice.stderr.splitlines()[-1] == "1 error; nothing was changed"
    assert "(request 1)" in twice.output
    own = runner.invoke(app, [*trusted, "confirm", "DP-OH-C001", "1", "--as", "officer1", *at])
    assert own.exit_code == 1 and "approver_must_differ_from_initiator" in own.output
    confirmed = run(*trusted, "confirm", "DP-OH-C001", "1", "--as", "officer2", *at)
    assert "request 1 confirmed: DP-OH-C002 is trusted by DP-OH-C001 from 2017-07-07" in confirmed
    alone = runner.invoke(app, ["registry", "untrust", "DP-OH-C001", "DP-OH-C002", "--as",
                                "officer1", *at])  # fmt: skip
    assert alone.exit_code == 1 and "two representatives remove" in alone.output
    removal = run(*trusted, "remove", "DP-OH-C001", "DP-OH-C002", "--as", "officer2", *at)
    assert "request 2: removal of DP-OH-C002" in removal
    listed = run(*trusted, "list", "DP-OH-C001", "--db", db).splitlines()
    assert listed[0].startswith("DP-OH-C002  from 2017-07-07")
    assert listed[1].startswith("request 2: removal of DP-OH-C002 to confirm, proposed by officer2")
    assert run(*trusted, "withdraw", "DP-OH-C001", "2", "--as", "officer2", *at) == (
        "request 2 withdrawn\n")  # fmt: skip
    gone = runner.invoke(app, [*trusted, "confirm", "DP-OH-C001", "2", "--as", "officer1", *at])
    assert gone.exit_code == 1 and "request_not_pending" in gone.output
    run(*trusted, "remove", "DP-OH-C001", "DP-OH-C002", "--as", "officer2", *at)
    done = run(*trusted, "confirm", "DP-OH-C001", "3", "--as", "officer1", *at)
    assert "request 3 confirmed: DP-OH-C002 is no longer on the trusted list" in done
    assert run("registry", "trusted", "DP-OH-C001", "--db", db) == ""  # the list, by default
    nobody = runner.invoke(app, [*trusted, "remove", "DP-OH-C001", "DP-OH-C002", "--as", "x",
                                 *at])  # fmt: skip
    assert nobody.exit_code == 2 and "no active user x" in nobody.output


def test_two_users_set_an_account_limit_and_a_transfer_above_it_is_refused(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "demo.sqlite")
    run("demo", "--companies", "3", "--seed", "42", "--db", db, "--out", str(tmp_path))
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:  # Art. 23(3a)-(3b)
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :r"),
                           {"r": EU_LIMITS})  # fmt: skip
    engine.dispose()
    at = ["--db", db, "--at", "2017-07-03T11:00+08:00"]
    limits = ["registry", "limits"]
    assert run(*limits, "show", "DP-OH-C001", "--db", db) == "DP-OH-C001: no limit\n"
    proposed = run(*limits, "propose", "DP-OH-C001", "100", "--as", "officer1", *at)
    assert "request 1: 100 units per transfer on DP-OH-C001 awaits" in proposed
    twice = runner.invoke(app, [*limits, "propose", "DP-OH-C001", "90", "--as", "officer1", *at])
    assert twice.exit_code == 1 and "account_limit_request_pending" in twice.output
    assert twice.stderr.splitlines()[0].endswith(" [account_limit_request_pending]")
    own = runner.invoke(app, [*limits, "confirm", "DP-OH-C001", "1", "--as", "officer1", *at])
    assert own.exit_code == 1 and "approver_must_differ_from_initiator" in own.output
    shown = run(*limits, "show", "DP-OH-C001", "--db", db)
    assert "request 1: 100 units per transfer to confirm, proposed by officer1" in shown
    confirmed = run(*limits, "confirm", "DP-OH-C001", "1", "--as", "officer2", *at)
    assert "request 1 confirmed: DP-OH-C001 has 100 units per transfer from 2017-07-03" in confirmed
    assert (
        "100 units per transfer from 2017-07-03T03:00:00+00:00 (officer1, confirmed by "
        "officer2)" in run(*limits, "show", "DP-OH-C001", "--db", db)
    )
    over = runner.invoke(app, ["registry", "propose-transfer", "DP-OH-C001", "DP-OH-C002",
                               "DPEA-2016", "101", "p1", "--as", "officer1", *at])  # fmt: skip
    assert over.exit_code == 1 and over.stdout == ""
    assert over.stderr.splitlines() == [
        "proposal 1: error: the transfer is above the account's own limit per transfer "
        "[account_transaction_limit_exceeded]",
        "1 error; proposal 1 is kept as failed; nothing was moved",
    ]
    run(*limits, "propose", "DP-OH-C001", "--remove", "--as", "officer2", *at)
    assert run(*limits, "withdraw", "DP-OH-C001", "2", "--as", "officer1", *at) == (
        "request 2 withdrawn\n")  # fmt: skip
    both = runner.invoke(app, [*limits, "propose", "DP-OH-C001", "5", "--remove", "--as",
                               "officer1", *at])  # fmt: skip
    assert both.exit_code == 2


def test_where_the_rule_says_so_the_regulator_confirms_an_account_limit(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.sqlite")
    run("demo", "--companies", "3", "--seed", "42", "--db", db, "--out", str(tmp_path))
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:  # Art. 23(3b): the national administrator approves
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :r"),
                           {"r": EU_LIMITS_BY_REGULATOR})  # fmt: skip
    engine.dispose()
    at = ["--db", db, "--at", "2017-07-03T11:00+08:00"]
    limits = ["registry", "limits"]
    proposed = run(*limits, "propose", "DP-OH-C001", "100", "--as", "officer1", *at)
    assert "awaits the regulator's confirmation" in proposed
    colleague = runner.invoke(app, [*limits, "confirm", "DP-OH-C001", "1", "--as", "officer2",
                                    *at])  # fmt: skip
    assert colleague.exit_code == 1 and "account_limit_needs_regulator" in colleague.output
    confirmed = run(*limits, "confirm", "DP-OH-C001", "1", "--as", "regulator", *at)
    assert "request 1 confirmed: DP-OH-C001 has 100 units per transfer" in confirmed
    assert "(officer1, confirmed by regulator)" in run(*limits, "show", "DP-OH-C001", "--db", db)
    run(*limits, "propose", "DP-OH-C001", "--remove", "--as", "officer1", *at)
    assert run(*limits, "withdraw", "DP-OH-C001", "2", "--as", "regulator", *at) == (
        "request 2 withdrawn\n")  # turned down by the regulator  # fmt: skip


def test_an_unknown_account_or_unit_class_is_a_coded_problem_at_its_argument(
    tmp_path: Path,
) -> None:  # fmt: skip
    db = str(tmp_path / "demo.sqlite")
    run("demo", "--companies", "3", "--seed", "42", "--db", db, "--out", str(tmp_path))
    at = ["--db", db, "--at", "2017-07-03T11:00+08:00"]
    unknown = "account: error: no registry account DP-OH-X [unknown_account]"
    for args in (["untrust", "DP-OH-X", "DP-OH-C002", "--as", "alice", *at],
                 ["status", "DP-OH-X", "frozen", "--reason", "court order 17", *at],
                 ["freeze", "DP-OH-X", "DPEA-2016", "1", "f1", "--order", "o", "--reason", "r",
                  *at],
                 ["representative", "DP-OH-X", "bob", "--approve", "--db", db]):  # fmt: skip
        said = runner.invoke(app, ["registry", *args])
        assert said.exit_code == 1 and said.stderr.splitlines() == [
            unknown,
            "1 error; nothing was changed",
        ], (args, said.output)
    cash = runner.invoke(app, ["market", "deposit", "DP-OH-X", "100.00", "d1", *at])
    assert cash.exit_code == 1 and cash.stderr.splitlines() == [
        "account: error: no registry account DP-OH-X; cash accounts belong to one "
        "[unknown_account]",
        "1 error; nothing was changed",
    ]
    no_class = runner.invoke(app, ["registry", "freeze", "DP-OH-C001", "DPEA-20", "1", "f2",
                                   "--order", "o", "--reason", "r", *at])  # fmt: skip
    assert no_class.exit_code == 1 and no_class.stderr.splitlines() == [
        "unit_class: error: no unit class DPEA-20; give a code such as DPEA-2016 "
        "[unknown_unit_class]",
        "1 error; nothing was changed",
    ]
    both = runner.invoke(app, ["registry", "execute", "issuance", "DP-OH-X", "DP-OH-C001",
                               "DPEA-20", "1", "x1", *at])  # fmt: skip
    assert both.exit_code == 1 and both.stderr.splitlines()[0].startswith(
        "source: error: no registry account DP-OH-X: "
    )
    assert both.stderr.splitlines()[1].startswith("unit_class: error: no unit class DPEA-20")
    assert both.stderr.splitlines()[2] == "2 errors; nothing was changed"
