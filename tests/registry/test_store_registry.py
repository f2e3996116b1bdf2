"""The registry on a real database (SQLite and PostgreSQL): atomicity, idempotency, invariants."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tanshi.registry import AccountStatus, Movement, ResultCode, TransactionRequest
from tanshi.resources import load_rulebook
from tanshi.services import compliance
from tanshi.services.jurisdiction import (
    Jurisdiction,
    account_id,
    change_account_status,
    open_jurisdiction,
    operator_account_code,
    register_company,
    unit_class_id,
)
from tanshi.services.registry import (
    derived_holdings,
    execute,
    execute_in,
    load_unit_classes,
    stored_holdings,
)

NOW = datetime(2016, 6, 30, tzinfo=UTC)


def setup(engine: Engine) -> tuple[Jurisdiction, int, int, int]:
    rulebook, text_ = load_rulebook("demo-province")
    jurisdiction = open_jurisdiction(engine, rulebook, text_, NOW, is_demo=True)
    register_company(engine, jurisdiction, "A", "Alpha Power", "power")
    register_company(engine, jurisdiction, "B", "Beta Cement", "cement")
    with engine.connect() as connection:
        a = account_id(connection, operator_account_code("DP", "A"))
        b = account_id(connection, operator_account_code("DP", "B"))
    allowances = unit_class_id(engine, jurisdiction, "DPEA", 2016)
    issue = TransactionRequest(
        "issuance",
        "issue",
        (Movement(jurisdiction.issuance_account, jurisdiction.holding_account, allowances, 1000),),
        NOW,
    )
    assert execute(engine, issue).ok
    allocate = TransactionRequest(
        "allocation",
        "allocate-A",
        (Movement(jurisdiction.holding_account, a, allowances, 300),),
        NOW,
    )
    assert execute(engine, allocate).ok
    return jurisdiction, a, b, allowances


def test_holdings_follow_the_journal(engine: Engine) -> None:
    jurisdiction, a, b, allowances = setup(engine)
    assert execute(
        engine, TransactionRequest("transfer", "t1", (Movement(a, b, allowances, 120),), NOW)
    ).ok
    with engine.connect() as connection:
        stored = stored_holdings(connection)
        assert stored == derived_holdings(connection)
    assert stored[(a, allowances)] == 180
    assert stored[(b, allowances)] == 120
    assert stored[(jurisdiction.issuance_account, allowances)] == -1000
    assert sum(value for (_, unit), value in stored.items() if unit == allowances) == 0


def test_rejected_request_writes_nothing(engine: Engine) -> None:
    _, a, b, allowances = setup(engine)
    with engine.connect() as connection:
        before = stored_holdings(connection)
        count = connection.execute(text("SELECT count(*) FROM transactions")).scalar_one()
    outcome = execute(
        engine, TransactionRequest("transfer", "t1", (Movement(a, b, allowances, 301),), NOW)
    )
    assert outcome.result is ResultCode.INSUFFICIENT_UNITS
    with engine.connect() as connection:
        assert stored_holdings(connection) == before
        assert connection.execute(text("SELECT count(*) FROM transactions")).scalar_one() == count


def test_idempotency_key_replays_and_refuses_a_different_request(engine: Engine) -> None:
    _, a, b, allowances = setup(engine)
    request = TransactionRequest("transfer", "pay-1", (Movement(a, b, allowances, 50),), NOW)
    first = execute(engine, request)
    again = execute(engine, request)
    assert first.ok and again.ok and again.replayed
    assert again.transaction_id == first.transaction_id
    other = TransactionRequest("transfer", "pay-1", (Movement(a, b, allowances, 51),), NOW)
    assert execute(engine, other).result is ResultCode.IDEMPOTENCY_KEY_REUSED
    with engine.connect() as connection:
        assert stored_holdings(connection)[(b, allowances)] == 50


def test_journal_is_append_only(engine: Engine) -> None:
    setup(engine)
    for statement in ("UPDATE movements SET quantity_units = 1", "DELETE FROM transactions"):
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text(statement))


def test_database_refuses_negative_holdings(engine: Engine) -> None:
    _, a, _, allowances = setup(engine)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE holdings SET quantity_units = -1 WHERE account_id = :a AND unit_class_id = :u"
            ),
            {"a": a, "u": allowances},
        )


@pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_concurrent_transfers_cannot_double_spend(engine: Engine) -> None:
    """Eight threads each try to move 100 of A's 300 units: exactly three succeed.

    (PostgreSQL only: SQLite serialises writers with BEGIN IMMEDIATE.)
    """
    _, a, b, allowances = setup(engine)
    results: list[ResultCode] = []
    barrier = threading.Barrier(8)

    def attempt(index: int) -> None:
        barrier.wait()
        request = TransactionRequest(
            "transfer", f"race-{index}", (Movement(a, b, allowances, 100),), NOW
        )
        results.append(execute(engine, request).result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(ResultCode.OK) == 3
    assert results.count(ResultCode.INSUFFICIENT_UNITS) == 5
    with engine.connect() as connection:
        assert stored_holdings(connection)[(b, allowances)] == 300
        assert stored_holdings(connection) == derived_holdings(connection)


def blocks_of(engine: Engine, account: int) -> list[tuple[int, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT first_serial, last_serial FROM unit_blocks WHERE account_id = :a ORDER BY first_serial"
            ),
            {"a": account},
        )
        return [(int(first), int(last)) for first, last in rows]


def test_serials_follow_the_split_rule(engine: Engine) -> None:
    """Issue 1..1000; allocate 300 to A (1..300); A sends 120 to B (1..120), keeps 121..300."""
    jurisdiction, a, b, allowances = setup(engine)
    assert blocks_of(engine, jurisdiction.holding_account) == [(301, 1000)]
    assert blocks_of(engine, a) == [(1, 300)]
    assert execute(
        engine, TransactionRequest("transfer", "t1", (Movement(a, b, allowances, 120),), NOW)
    ).ok
    assert blocks_of(engine, a) == [(121, 300)]
    assert blocks_of(engine, b) == [(1, 120)]
    back = TransactionRequest("transfer", "t2", (Movement(b, a, allowances, 120),), NOW)
    assert execute(engine, back).ok
    assert blocks_of(engine, a) == [(1, 300)]  # merged with its neighbour
    assert blocks_of(engine, b) == []


def test_a_transfer_takes_the_largest_block_first(engine: Engine) -> None:
    """Transfers take the source's largest block (its lower part), whole blocks while none
    is large enough, on both stores (PostgreSQL reads the blocks in that order and stops)."""
    _, a, b, allowances = setup(engine)
    requests = [
        ("t1", a, b, 30),  # B: 1..30, A: 31..300
        ("t2", b, a, 10),  # B's largest (its only) block: A gets 1..10, B keeps 11..30
        ("t3", a, b, 50),  # A's largest is 31..300: B gets 31..80, merged with 11..30
    ]
    for key, source, target, quantity in requests:
        movement = Movement(source, target, allowances, quantity)
        assert execute(engine, TransactionRequest("transfer", key, (movement,), NOW)).ok
    assert blocks_of(engine, a) == [(1, 10), (81, 300)]
    assert blocks_of(engine, b) == [(11, 80)]
    # 225 is more than A's largest block (81..300, 220 units): it goes whole, then 5 of 1..10.
    whole = TransactionRequest("transfer", "t4", (Movement(a, b, allowances, 225),), NOW)
    assert execute(engine, whole).ok
    assert blocks_of(engine, a) == [(6, 10)]
    assert blocks_of(engine, b) == [(1, 5), (11, 300)]


def test_database_refuses_overlapping_blocks(engine: Engine) -> None:
    _, a, _, allowances = setup(engine)
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO unit_blocks (unit_class_id, account_id, first_serial, last_serial) "
                "VALUES (:u, :a, 250, 400)"
            ),
            {"u": allowances, "a": a},
        )


def test_unit_classes_keep_their_labels(engine: Engine) -> None:
    jurisdiction, *_ = setup(engine)
    credits = unit_class_id(engine, jurisdiction, "DPCER", 2015, "P9", labels=("CCB", "CORSIA"))
    with engine.connect() as connection:
        [loaded] = load_unit_classes(connection, [credits]).values()
    assert loaded.labels == ("CCB", "CORSIA")
    assert loaded.code == "DPCER-2015-P9"


@pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_surrenders_status_changes_and_transfers_together_do_not_deadlock(engine: Engine) -> None:
    """Four threads surrender, transfer and freeze/unfreeze at once; no error reaches anyone."""
    jurisdiction, a, b, allowances = setup(engine)
    late = datetime(2017, 6, 1, 4, tzinfo=UTC)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def guarded(work) -> None:
        barrier.wait()
        try:
            work()
        except BaseException as error:
            errors.append(error)

    def surrender() -> None:
        for index in range(15):
            compliance.surrender(engine, jurisdiction, "A", "DPEA-2016", 1, 2016, f"s{index}", late)

    def transfer(prefix: str, source: int, target: int) -> None:
        for index in range(15):
            execute(engine, TransactionRequest("transfer", f"{prefix}{index}",
                                               (Movement(source, target, allowances, 1),), late))  # fmt: skip

    def flip() -> None:
        for index in range(10):
            status = AccountStatus.RESTRICTED if index % 2 == 0 else AccountStatus.OPEN
            change_account_status(engine, "DP-OH-B", status, f"test {index}", late)

    work = [surrender, lambda: transfer("ab", a, b), lambda: transfer("ba", b, a), flip]
    threads = [threading.Thread(target=guarded, args=(item,)) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        assert stored_holdings(connection) == derived_holdings(connection)


def test_a_write_on_a_plain_connection_is_kept_by_its_commit(engine: Engine) -> None:
    # On PostgreSQL the write goes round SQLAlchemy (pipeline mode on the driver connection);
    # the caller's commit() must still commit it, and a rollback must undo it.
    _, a, b, allowances = setup(engine)
    with engine.connect() as connection:
        move = (Movement(a, b, allowances, 10),)
        assert execute_in(connection, TransactionRequest("transfer", "kept", move, NOW)).ok
        connection.commit()
    with engine.connect() as connection:
        assert execute_in(connection, TransactionRequest("transfer", "undone", move, NOW)).ok
        connection.rollback()
    with engine.connect() as connection:
        assert stored_holdings(connection)[(b, allowances)] == 10
