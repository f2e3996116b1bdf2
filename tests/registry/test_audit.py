"""Tamper evidence and reconciliation on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text
from test_store_registry import setup
from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.reconciliation.checks import DiscrepancyKind
from tanshi.registry import Movement, TransactionRequest
from tanshi.services.audit import verify_registry
from tanshi.services.registry import execute
from tanshi.store.engine import open_database

NOW = datetime(2016, 7, 1, tzinfo=UTC)


def _allow_tampering(engine: Engine) -> None:
    """What an attacker with database access would do first: switch the guards off."""
    tables = ("movements", "transactions", "movement_blocks")
    with engine.begin() as connection:
        for table in tables:
            if engine.dialect.name == "postgresql":
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            else:
                connection.execute(text(f"DROP TRIGGER {table}_no_update"))


def test_an_untouched_registry_verifies(engine: Engine) -> None:
    _, a, b, allowances = setup(engine)
    assert execute(
        engine, TransactionRequest("transfer", "t1", (Movement(a, b, allowances, 5),), NOW)
    ).ok
    report = verify_registry(engine)
    assert report.ok, report
    assert report.entries == 3


def test_entries_with_any_text_chain_as_verify_recomputes(engine: Engine) -> None:
    """The hash is computed by the store (on PostgreSQL in SQL, from the canonical form
    Python composed) and recomputed by verify in Python: quotes, backslashes, line breaks,
    Chinese and emoji in keys and memos, times with microseconds, a compliance year."""
    _, a, b, allowances = setup(engine)
    texts = ['引号"与\\反斜杠', "换行\n与制表\t", "碳普惠 🌱", "'", "{}[]:,"]
    for index, words in enumerate(texts):
        moment = datetime(2016, 7, 1, 8, 30, 15, 123456 + index, tzinfo=UTC)
        request = TransactionRequest(
            "transfer", f"{words}-{index}", (Movement(a, b, allowances, 1 + index),), moment,
            memo=words * 3,
        )  # fmt: skip
        assert execute(engine, request).ok
    report = verify_registry(engine)
    assert report.ok, report
    assert report.entries == 2 + len(texts)


def test_verify_names_the_altered_entry(engine: Engine) -> None:
    _, a, b, allowances = setup(engine)
    for index in range(3):
        request = TransactionRequest("transfer", f"t{index}", (Movement(a, b, allowances, 5),), NOW)
        assert execute(engine, request).ok
    _allow_tampering(engine)
    with engine.begin() as connection:
        connection.execute(text(
            "UPDATE movements SET quantity_units = 50 WHERE transaction_id = "
            "(SELECT id FROM transactions WHERE idempotency_key = 't1')"
        ))  # fmt: skip
    report = verify_registry(engine)
    assert report.chain_break is not None
    assert report.chain_break.idempotency_key == "t1"
    kinds = {d.kind for d in report.discrepancies}
    assert DiscrepancyKind.HOLDING_DIFFERS_FROM_JOURNAL in kinds


def test_verify_notices_a_rewritten_memo_and_a_forged_holding(engine: Engine) -> None:
    _, a, _, _ = setup(engine)
    _allow_tampering(engine)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE transactions SET memo = 'nothing to see' WHERE idempotency_key = 'issue'")
        )
        connection.execute(
            text(
                "UPDATE holdings SET quantity_units = quantity_units + 1000 WHERE account_id = :a"
            ),
            {"a": a},
        )
    report = verify_registry(engine)
    assert report.chain_break is not None and report.chain_break.idempotency_key == "issue"
    kinds = {d.kind for d in report.discrepancies}
    assert {DiscrepancyKind.HOLDING_DIFFERS_FROM_JOURNAL, DiscrepancyKind.NOT_CONSERVED} <= kinds


def test_cli_verify_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "r.sqlite"

    engine = open_database(f"sqlite:///{path}")
    setup(engine)
    engine.dispose()
    assert runner.invoke(app, ["registry", "verify", "--db", str(path)]).exit_code == 0
    engine = open_database(f"sqlite:///{path}")
    _allow_tampering(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE movements SET quantity_units = 1 WHERE id = 2"))
    engine.dispose()
    result = runner.invoke(app, ["registry", "verify", "--db", str(path)])
    assert result.exit_code == 1
    assert "BROKEN at entry 2 (idempotency key allocate-A)" in result.output


def test_verify_notices_moved_serials_rewritten(engine: Engine) -> None:
    _, a, b, allowances = setup(engine)
    assert execute(
        engine, TransactionRequest("transfer", "t1", (Movement(a, b, allowances, 5),), NOW)
    ).ok
    _allow_tampering(engine)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE movement_blocks SET first_serial = 2, last_serial = 6 WHERE id = 3")
        )
    report = verify_registry(engine)
    assert report.chain_break is not None and report.chain_break.idempotency_key == "t1"


def test_cli_report_prints_holdings_and_writes_the_log(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    engine = open_database(f"sqlite:///{path}")
    setup(engine)
    engine.dispose()
    log = tmp_path / "log.csv"
    result = CliRunner().invoke(
        app, ["registry", "report", "--db", str(path), "--log-csv", str(log)]
    )
    assert result.exit_code == 0, result.output
    assert "operator_holding" in result.output and "-1,000" in result.output
    rows = log.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("sequence,booked_at_utc,type")
    assert rows[2].endswith("allocation,DP-HOLDING,DP-OH-A,DPEA-2016,300")


def test_signed_checkpoints_catch_a_rewritten_past(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "r.sqlite"
    engine = open_database(f"sqlite:///{path}")
    setup(engine)
    engine.dispose()
    key, point = tmp_path / "registry.key", tmp_path / "checkpoint.json"
    public = runner.invoke(app, ["registry", "keygen", "--out", str(key)]).output.split()[-1]
    assert runner.invoke(app, ["registry", "checkpoint", "--key", str(key), "--out", str(point),
                               "--db", str(path)]).exit_code == 0  # fmt: skip
    good = runner.invoke(app, ["registry", "verify", "--db", str(path), "--checkpoint", str(point),
                               "--public-key", public])  # fmt: skip
    assert good.exit_code == 0 and "signature valid, in the journal" in good.output
    impostor = runner.invoke(app, ["registry", "verify", "--db", str(path), "--checkpoint",
                                   str(point), "--public-key", "00" * 32])  # fmt: skip
    assert impostor.exit_code == 1 and "INVALID" in impostor.output
    # Someone rewrites history and re-chains every hash: the chain alone looks fine again,
    # but the published checkpoint no longer matches.
    engine = open_database(f"sqlite:///{path}")
    _allow_tampering(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE transactions SET entry_hash = 'f' || substr(entry_hash, 2) WHERE sequence = 2"
            )
        )
    engine.dispose()
    forged = runner.invoke(
        app, ["registry", "verify", "--db", str(path), "--checkpoint", str(point)]
    )
    assert forged.exit_code == 1 and "NOT in the journal" in forged.output


def test_a_checkpoint_names_every_jurisdiction_of_its_journal(engine: Engine) -> None:
    """One journal serves every jurisdiction of a database (it would raise on the second)."""
    from tanshi.resources import load_rulebook  # noqa: PLC0415
    from tanshi.services.audit import head_checkpoint  # noqa: PLC0415
    from tanshi.services.jurisdiction import open_jurisdiction  # noqa: PLC0415

    now = datetime(2016, 6, 30, tzinfo=UTC)
    for preset in ("demo-province", "cn-pilot-shenzhen"):
        rulebook, rules_text = load_rulebook(preset)
        open_jurisdiction(engine, rulebook, rules_text, now, is_demo=False)
    point = head_checkpoint(engine, now)
    assert point.jurisdiction == "DP+SZ" and point.sequence == 0
