"""Registry writes at the same time on PostgreSQL, where requests run side by side.

A request executed on its own locks the holdings it touches (in one order) and takes the
journal head last; these tests race requests that share holdings, keys and serials with each
other and with status changes and larger transactions, and expect no error, no double
spend, no lost merge and a journal that verifies. (SQLite serialises all writers.)
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from tanshi.registry import AccountStatus, Movement, ResultCode, TransactionRequest
from tanshi.resources import load_rulebook
from tanshi.services.audit import verify_registry
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
    Outcome,
    balance,
    derived_holdings,
    execute,
    execute_in,
    stored_holdings,
)
from tanshi.services.registry_postgres import MAX_KEY_LOCKS, alone
from tanshi.services.unit_freeze_reads import Balance, balances
from tanshi.services.unit_freezes import freeze_units

NOW = datetime(2016, 6, 30, tzinfo=UTC)
pytestmark = pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


def registry(engine: Engine, companies: int) -> tuple[Jurisdiction, int, list[int]]:
    """A jurisdiction with 10,000 allowances issued and ``companies`` operator accounts."""
    rulebook, text_ = load_rulebook("demo-province")
    jurisdiction = open_jurisdiction(engine, rulebook, text_, NOW, is_demo=True)
    unit = unit_class_id(engine, jurisdiction, "DPEA", 2016)
    codes = [f"C{index}" for index in range(companies)]
    for code in codes:
        register_company(engine, jurisdiction, code, code, "power")
    with engine.connect() as connection:
        accounts = [account_id(connection, operator_account_code("DP", code)) for code in codes]
    issue = Movement(jurisdiction.issuance_account, jurisdiction.holding_account, unit, 10_000)
    assert execute(engine, TransactionRequest("issuance", "issue", (issue,), NOW)).ok
    return jurisdiction, unit, accounts


def allocate(
    engine: Engine, jurisdiction: Jurisdiction, unit: int, account: int, units: int
) -> None:
    move = Movement(jurisdiction.holding_account, account, unit, units)
    key = f"allocate-{account}-{time.monotonic_ns()}"
    assert execute(engine, TransactionRequest("allocation", key, (move,), NOW)).ok


def race(*work: Callable[[], None]) -> None:
    """Run ``work`` in threads released together; re-raise the first error any of them hit."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(work))

    def run(item: Callable[[], None]) -> None:
        barrier.wait()
        try:
            item()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(item,)) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def assert_consistent(engine: Engine) -> None:
    report = verify_registry(engine)
    assert report.ok, report
    with engine.connect() as connection:
        assert stored_holdings(connection) == derived_holdings(connection)


def transfer(source: int, target: int, unit: int, units: int, key: str) -> TransactionRequest:
    return TransactionRequest("transfer", key, (Movement(source, target, unit, units),), NOW)


def test_crossing_transfers_and_batches_neither_deadlock_nor_lose_units(engine: Engine) -> None:
    """Eight threads move units among five accounts in every direction, one transfer or a
    batch of several at a time: holdings locked in one order cannot deadlock."""
    jurisdiction, unit, accounts = registry(engine, 5)
    for account in accounts:
        allocate(engine, jurisdiction, unit, account, 1_000)
    outcomes: list[Outcome] = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        for index in range(25):
            legs = tuple(
                Movement(*rng.sample(accounts, 2), unit, rng.randint(1, 5))
                for _ in range(rng.choice((1, 1, 4)))
            )
            request = TransactionRequest("transfer", f"c{seed}-{index}", legs, NOW)
            outcomes.append(execute(engine, request))

    race(*(lambda seed=seed: client(seed) for seed in range(8)))
    assert [o.result for o in outcomes] == [ResultCode.OK] * 200
    assert_consistent(engine)
    with engine.connect() as connection:
        assert sum(balance(connection, a, unit) for a in accounts) == 5_000


def test_the_same_key_sent_at_once_executes_once(engine: Engine) -> None:
    """The key is locked before it is looked up: the others wait, then replay."""
    jurisdiction, unit, (a, b) = registry(engine, 2)
    allocate(engine, jurisdiction, unit, a, 100)
    outcomes: list[Outcome] = []
    race(*(lambda: outcomes.append(execute(engine, transfer(a, b, unit, 10, "once"))),) * 8)
    assert sorted(o.replayed for o in outcomes) == [False] + [True] * 7
    assert {o.transaction_id for o in outcomes} != {None}
    assert len({o.transaction_id for o in outcomes}) == 1
    with engine.connect() as connection:
        assert balance(connection, b, unit) == 10


def test_a_freeze_waits_for_transfers_in_flight_and_stops_the_rest(engine: Engine) -> None:
    """Once the freeze has returned, the frozen account's holding no longer changes: no
    transfer that read the account as open commits after it."""
    jurisdiction, unit, (source, *targets) = registry(engine, 4)
    allocate(engine, jurisdiction, unit, source, 2_000)
    frozen = threading.Event()
    after_freeze: list[ResultCode] = []

    def send(index: int) -> None:
        for round_ in range(200):
            started_after_freeze = frozen.is_set()
            request = transfer(source, targets[index], unit, 1, f"s{index}-{round_}")
            result = execute(engine, request).result
            if started_after_freeze:
                after_freeze.append(result)
                return

    def freeze() -> None:
        time.sleep(0.3)
        change_account_status(engine, "DP-OH-C0", AccountStatus.FROZEN, "court order", NOW)
        with engine.connect() as connection:
            held.append(balance(connection, source, unit))
        frozen.set()

    held: list[int] = []
    race(freeze, *(lambda index=index: send(index) for index in range(3)))
    assert after_freeze == [ResultCode.ACCOUNT_FROZEN] * 3
    with engine.connect() as connection:
        assert balance(connection, source, unit) == held[0] < 2_000
    assert_consistent(engine)


def test_a_status_change_waits_for_a_request_in_flight(engine: Engine) -> None:
    """A request holds the registry gate from its read to its end; a status change takes the
    gate exclusively (lock_journal_head), so it waits until the request has ended."""
    jurisdiction, unit, (source, target) = registry(engine, 2)
    allocate(engine, jurisdiction, unit, source, 100)
    pooled = engine.raw_connection()
    try:
        with alone(pooled.driver_connection) as access:  # type: ignore[arg-type]
            access.read(transfer(source, target, unit, 10, "in-flight"))
            freeze = threading.Thread(
                target=change_account_status,
                args=(engine, "DP-OH-C0", AccountStatus.FROZEN, "court order", NOW),
            )
            freeze.start()
            freeze.join(timeout=1.0)
            assert freeze.is_alive(), "the status change did not wait for the request"
    finally:
        pooled.close()  # the request ends (rolled back): the status change goes ahead
    freeze.join(timeout=10)
    assert not freeze.is_alive()
    refused = execute(engine, transfer(source, target, unit, 10, "after"))
    assert refused.result is ResultCode.ACCOUNT_FROZEN


def test_gifts_to_one_receiver_at_once_merge_into_one_block(engine: Engine) -> None:
    """Two senders give a new receiver adjacent serials at the same time: the receiver's
    holding is locked (before it exists), so the second gift sees the first and merges."""
    jurisdiction, unit, accounts = registry(engine, 12)
    (a, b), receivers = accounts[:2], accounts[2:]
    outcomes: list[Outcome] = []
    for round_, receiver in enumerate(receivers):
        allocate(engine, jurisdiction, unit, a, 50)  # a holds n..n+49, b the next 50
        allocate(engine, jurisdiction, unit, b, 50)
        gifts = [transfer(s, receiver, unit, 50, f"{s}-{round_}") for s in (a, b)]
        race(*(lambda gift=gift: outcomes.append(execute(engine, gift)) for gift in gifts))
        with engine.connect() as connection:
            blocks = connection.execute(
                text("SELECT count(*), sum(last_serial - first_serial + 1) FROM unit_blocks "
                     "WHERE account_id = :a"), {"a": receiver},
            ).one()  # fmt: skip
        assert tuple(blocks) == (1, 100)
    assert all(o.ok for o in outcomes)
    assert_consistent(engine)


def test_issuances_of_one_class_at_once_never_reuse_serials(engine: Engine) -> None:
    jurisdiction, unit, _ = registry(engine, 0)
    issuance, holding = jurisdiction.issuance_account, jurisdiction.holding_account

    def issue(index: int) -> None:
        move = Movement(issuance, holding, unit, 100)
        assert execute(engine, TransactionRequest("issuance", f"i{index}", (move,), NOW)).ok

    race(*(lambda index=index: issue(index) for index in range(8)))
    assert_consistent(engine)  # the blocks cover serials 1..10,800 exactly once
    with engine.connect() as connection:
        assert connection.execute(text("SELECT next_serial FROM unit_classes")).scalar() == 10_801


def test_requests_alone_inside_transactions_and_large_ones_run_together(engine: Engine) -> None:
    """Requests on their own share the gate; two requests in one transaction, and one that
    touches more holdings than MAX_KEY_LOCKS, take it alone. None waits for the other
    forever."""
    jurisdiction, unit, accounts = registry(engine, MAX_KEY_LOCKS + 4)
    for account in accounts[:4]:
        allocate(engine, jurisdiction, unit, account, 1_000)
    a, b, c, d = accounts[:4]

    def alone() -> None:
        for index in range(30):
            assert execute(engine, transfer(a, b, unit, 1, f"alone{index}")).ok

    def paired() -> None:
        for index in range(15):
            with engine.begin() as connection:
                assert execute_in(connection, transfer(b, c, unit, 1, f"p{index}")).ok
                assert execute_in(connection, transfer(c, a, unit, 1, f"q{index}")).ok

    def large() -> None:
        for index in range(5):
            legs = tuple(Movement(d, target, unit, 1) for target in accounts[4:])
            assert len(legs) + 1 > MAX_KEY_LOCKS
            assert execute(engine, TransactionRequest("transfer", f"l{index}", legs, NOW)).ok

    race(alone, paired, large)
    assert_consistent(engine)


def test_court_freezes_and_transfers_of_the_same_units_never_both_take_them(
    engine: Engine,
) -> None:
    """Four freezes and four transfers of 100 from an account holding 300, all at once:
    exactly three succeed, and the frozen-units account holds what the orders froze."""
    jurisdiction, unit, (source, target) = registry(engine, 2)
    allocate(engine, jurisdiction, unit, source, 300)
    results: list[ResultCode] = []
    frozen: list[ResultCode] = []

    def freeze(index: int) -> None:
        frozen.append(freeze_units(engine, "DP-OH-C0", "DPEA-2016", 100, f"order {index}",
                                    "claim", "court", f"fz{index}", NOW).result)  # fmt: skip

    def transfer(index: int) -> None:
        move = Movement(source, target, unit, 100)
        results.append(execute(engine, TransactionRequest("transfer", f"t{index}", (move,),
                                                          NOW)).result)  # fmt: skip

    race(*(lambda i=i: freeze(i) for i in range(4)), *(lambda i=i: transfer(i) for i in range(4)))
    outcomes = results + frozen
    assert outcomes.count(ResultCode.OK) == 3
    assert set(outcomes) == {ResultCode.OK, ResultCode.INSUFFICIENT_UNITS}
    held = [Balance("DPEA-2016", 0, 100 * frozen.count(ResultCode.OK))]
    assert balances(engine, "DP-OH-C0") == (held if ResultCode.OK in frozen else [])
    assert_consistent(engine)
