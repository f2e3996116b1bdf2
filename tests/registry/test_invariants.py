"""Property test: random transaction streams never break the registry's invariants.

After every step: holdings equal the journal (Σ received − Σ sent), each unit class sums to
zero across accounts (conservation), and no account but issuance holds a negative amount.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, text

from tanshi.registry import (
    TRANSACTION_TYPES,
    AccountKind,
    Movement,
    ResultCode,
    TransactionRequest,
)
from tanshi.resources import load_rulebook
from tanshi.services.audit import verify_registry
from tanshi.services.jurisdiction import (
    account_id,
    open_jurisdiction,
    open_project_account,
    operator_account_code,
    register_company,
    unit_class_id,
)
from tanshi.services.registry import (
    derived_holdings,
    execute,
    load_accounts,
    load_unit_classes,
    stored_holdings,
)
from tanshi.store.engine import make_engine, migrate
from tanshi.store.schema import metadata

NOW = datetime(2016, 6, 30, tzinfo=UTC)
TYPES = ["issuance", "offset_issuance", "allocation", "transfer", "surrender"]


class RegistryMachine(RuleBasedStateMachine):
    """Drives the real registry service over SQLite with arbitrary, often invalid, requests."""

    engine_factory: Callable[[], Engine] = staticmethod(lambda: make_engine("sqlite://"))

    def __init__(self) -> None:
        super().__init__()
        self.keys = itertools.count()
        self.engine: Engine = self.engine_factory()

    @initialize()
    def open_registry(self) -> None:
        migrate(self.engine)
        rulebook, text = load_rulebook("demo-province")
        self.jurisdiction = open_jurisdiction(self.engine, rulebook, text, NOW, is_demo=True)
        for code, sector in (("A", "power"), ("B", "steel"), ("C", "aviation")):
            register_company(self.engine, self.jurisdiction, code, code, sector)
        open_project_account(self.engine, self.jurisdiction, "P1", "project")
        self.classes = [
            unit_class_id(self.engine, self.jurisdiction, "DPEA", 2016),
            unit_class_id(self.engine, self.jurisdiction, "DPCER", 2015, "P1"),
        ]
        with self.engine.connect() as connection:
            self.accounts = [
                account_id(connection, code)
                for code in ("DP-ISSUANCE", "DP-HOLDING", "DP-SURRENDER", "DP-PR-P1")
            ] + [account_id(connection, operator_account_code("DP", c)) for c in "ABC"]

    @rule(
        type_code=st.sampled_from(TYPES),
        moves=st.lists(
            st.tuples(
                st.integers(0, 6), st.integers(0, 6), st.integers(0, 1), st.integers(-5, 2_000)
            ),
            min_size=1,
            max_size=3,
        ),
        reuse_key=st.booleans(),
    )
    def submit(
        self, type_code: str, moves: list[tuple[int, int, int, int]], reuse_key: bool
    ) -> None:
        movements = tuple(
            Movement(self.accounts[a], self.accounts[b], self.classes[c], q) for a, b, c, q in moves
        )
        key = "same" if reuse_key else f"k{next(self.keys)}"
        request = TransactionRequest(type_code, key, movements, NOW, compliance_year=2016)
        with self.engine.connect() as connection:
            before = stored_holdings(connection)
        outcome = execute(self.engine, request)
        event(outcome.result.value)
        with self.engine.connect() as connection:
            after = stored_holdings(connection)
        if outcome.result is not ResultCode.OK or outcome.replayed:
            assert after == before, "a rejected or replayed request changed holdings"

    @rule(data=st.data(), type_code=st.sampled_from(TYPES), quantity=st.integers(1, 800))
    def submit_well_formed(self, data: st.DataObject, type_code: str, quantity: int) -> None:
        """Requests whose accounts and units fit the type; only holdings decide the outcome."""
        kind = TRANSACTION_TYPES[type_code]
        with self.engine.connect() as connection:
            accounts = load_accounts(connection, self.accounts)
            classes = load_unit_classes(connection, self.classes)
        sources = [a for a in self.accounts if accounts[a].kind in kind.from_kinds]
        targets = [a for a in self.accounts if accounts[a].kind in kind.to_kinds]
        units = [c for c in self.classes if classes[c].kind in kind.unit_kinds]
        source = data.draw(st.sampled_from(sources))
        target = data.draw(st.sampled_from([a for a in targets if a != source]))
        unit = data.draw(st.sampled_from(units))
        request = TransactionRequest(
            type_code,
            f"k{next(self.keys)}",
            (Movement(source, target, unit, quantity),),
            NOW,
            compliance_year=2016,
        )
        event(execute(self.engine, request).result.value)

    @invariant()
    def holdings_match_the_journal(self) -> None:
        if not hasattr(self, "jurisdiction"):
            return
        with self.engine.connect() as connection:
            stored = stored_holdings(connection)
            assert stored == derived_holdings(connection)
            kinds = {a.id: a.kind for a in load_accounts(connection, self.accounts).values()}
        for unit_class in self.classes:
            assert sum(v for (_, u), v in stored.items() if u == unit_class) == 0
        for (account, _), value in stored.items():
            assert value >= 0 or kinds[account] is AccountKind.ISSUANCE
        report = verify_registry(self.engine)
        assert report.ok, report

    def teardown(self) -> None:
        self.engine.dispose()


SETTINGS = settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _emptied(engine: Engine) -> Engine:
    """The PostgreSQL test database with every table emptied (TRUNCATE skips row triggers)."""
    with engine.begin() as connection:
        names = ", ".join(t.name for t in metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        connection.execute(text("INSERT INTO journal_head VALUES (1, 0, :h)"), {"h": "0" * 64})
    return engine


def test_registry_invariants(engine: Engine) -> None:
    """Random transaction streams keep every invariant, on SQLite and on PostgreSQL."""
    if engine.dialect.name == "postgresql":
        url = engine.url.render_as_string(hide_password=False)

        class OnPostgres(RegistryMachine):
            engine_factory = staticmethod(lambda: _emptied(make_engine(url)))

        run_state_machine_as_test(OnPostgres, settings=settings(SETTINGS, max_examples=15))
    else:
        run_state_machine_as_test(RegistryMachine, settings=SETTINGS)
