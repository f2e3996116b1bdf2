"""Property test: random transaction streams never break the registry's invariants.

After every step: holdings equal the journal (Σ received − Σ sent), each unit class sums to
zero across accounts (conservation), no account but issuance holds a negative amount, the
chain verifies, and no account holds two adjacent blocks of a class (they merge).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

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

from registry_controls import CONTROLS
from tanshi.core.errors import TanshiError
from tanshi.registry import (
    TRANSACTION_TYPES,
    AccountKind,
    Movement,
    ResultCode,
    TransactionRequest,
)
from tanshi.resources import load_rulebook
from tanshi.rulebook import parse_rulebook
from tanshi.services.audit import verify_registry
from tanshi.services.court_transfers import approve_court_transfer, propose_court_transfer
from tanshi.services.jurisdiction import (
    account_id,
    open_jurisdiction,
    open_project_account,
    operator_account_code,
    register_company,
    unit_class_id,
)
from tanshi.services.lifecycle import add_representative, approve, cancel, propose, release_due
from tanshi.services.registry import (
    derived_holdings,
    execute,
    load_accounts,
    load_unit_classes,
    stored_holdings,
)
from tanshi.services.unit_freeze_reads import freeze_order
from tanshi.services.unit_freezes import freeze_units, release_freeze
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
        _, text = load_rulebook("demo-province")
        text += CONTROLS  # business hours, delays and a daily limit for the proposals
        rulebook, _ = parse_rulebook(text)
        assert rulebook is not None
        self.jurisdiction = open_jurisdiction(self.engine, rulebook, text, NOW, is_demo=True)
        self.now = datetime(2016, 6, 30, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai, a Thursday
        self.proposals: list[int] = []
        self.freezes: list[int] = []
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
        for company in "ABC":
            code = operator_account_code("DP", company)
            add_representative(self.engine, code, "initiator", initiate=True, approve=False)
            add_representative(self.engine, code, "approver", initiate=False, approve=True)
        issuance, holding = self.accounts[0], self.accounts[1]
        seed = [Movement(issuance, holding, self.classes[0], 10_000)]
        seed += [
            Movement(holding, operator, self.classes[0], 2_000) for operator in self.accounts[4:]
        ]
        for index, movement in enumerate(seed):
            type_code = "issuance" if index == 0 else "allocation"
            assert execute(
                self.engine, TransactionRequest(type_code, f"seed{index}", (movement,), NOW)
            ).ok

    @rule(hours=st.sampled_from([0, 1, 2, 24, 26, 48, 72]))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        for outcome in release_due(self.engine, self.now):
            event(f"released: {outcome.status}")

    @rule(data=st.data(), quantity=st.integers(1, 700), retire=st.booleans())
    def a_person_proposes(self, data: st.DataObject, quantity: int, retire: bool) -> None:
        operators = self.accounts[4:]
        source = data.draw(st.sampled_from(operators))
        if retire:
            with self.engine.connect() as connection:
                target = account_id(connection, "DP-CANCELLATION")
            type_code = "voluntary_retirement"
        else:
            target = data.draw(st.sampled_from([a for a in operators if a != source]))
            type_code = "transfer"
        unit = data.draw(st.sampled_from(self.classes))
        request = TransactionRequest(type_code, f"p{next(self.keys)}",
                                     (Movement(source, target, unit, quantity),), self.now)  # fmt: skip
        outcome = propose(self.engine, self.jurisdiction, request, "initiator", self.now)
        event(f"proposed: {outcome.result.value}")
        if outcome.proposal_id is not None:
            self.proposals.append(outcome.proposal_id)

    @rule(data=st.data(), cancel_it=st.booleans())
    def a_second_person_decides(self, data: st.DataObject, cancel_it: bool) -> None:
        if not self.proposals:
            return
        proposal = data.draw(st.sampled_from(self.proposals))
        if cancel_it:
            outcome = cancel(self.engine, proposal, "initiator", self.now)
        else:
            outcome = approve(self.engine, self.jurisdiction, proposal, "approver", self.now)
        event(f"{'cancel' if cancel_it else 'approve'}: {outcome.result.value}")

    @rule(data=st.data(), quantity=st.integers(1, 700), named=st.booleans())
    def a_court_freezes_units(self, data: st.DataObject, quantity: int, named: bool) -> None:
        """An order freezes a quantity (or the serials from a given one on) of an operator."""
        company = data.draw(st.sampled_from("ABC"))
        unit = data.draw(st.sampled_from(["DPEA-2016", "DPCER-2015-P1"]))
        first = data.draw(st.integers(1, 8_000))
        serials = ((first, first + quantity - 1),) if named else None
        outcome = freeze_units(self.engine, operator_account_code("DP", company), unit, quantity,
                               "order", "reason", "court", f"f{next(self.keys)}", self.now,
                               serials=serials)  # fmt: skip
        event(f"freeze: {outcome.result.value}")
        if outcome.freeze_id is not None:
            self.freezes.append(outcome.freeze_id)

    @rule(data=st.data())
    def a_freeze_is_lifted(self, data: st.DataObject) -> None:
        if not self.freezes:
            return
        order = data.draw(st.sampled_from(self.freezes))
        try:
            outcome = release_freeze(self.engine, order, "court", "lifted", self.now)
        except TanshiError:
            event("release: already released")
            return
        event(f"release: {outcome.result.value}")

    def _frozen_quantity(self, data: st.DataObject) -> tuple[int, int]:
        """An order, and a quantity around what it still holds (edges included)."""
        order = data.draw(st.sampled_from(self.freezes))
        found = freeze_order(self.engine, order)
        assert found is not None
        return order, data.draw(st.integers(-1, found.frozen_units + 1))

    @rule(data=st.data())
    def part_of_a_freeze_is_released(self, data: st.DataObject) -> None:
        """A release of part of an order (or more than it holds): its lowest serials go back."""
        if not self.freezes:
            return
        order, quantity = self._frozen_quantity(data)
        try:
            outcome = release_freeze(self.engine, order, "court", "partly lifted", self.now,
                                     quantity_units=quantity,
                                     idempotency_key=f"part{next(self.keys)}")  # fmt: skip
        except TanshiError:
            event("partial release: order closed")
            return
        event(f"partial release: {outcome.result.value}")

    @rule(data=st.data(), approve_it=st.booleans())
    def a_court_orders_frozen_units_transferred(
        self, data: st.DataObject, approve_it: bool
    ) -> None:
        """A court transfer of frozen units to an operator (its own: refused) or the project."""
        if not self.freezes:
            return
        order, quantity = self._frozen_quantity(data)
        target = data.draw(st.sampled_from(["DP-OH-A", "DP-OH-B", "DP-OH-C", "DP-PR-P1"]))
        try:
            proposed = propose_court_transfer(self.engine, order, target, quantity, "court 9",
                                              "enforcement", "registrar-1",
                                              f"ct{next(self.keys)}", self.now)  # fmt: skip
        except TanshiError:
            event("court transfer: order closed")
            return
        event(f"court transfer proposed: {proposed.result.value}")
        if proposed.transfer_id is not None and approve_it:
            decided = approve_court_transfer(self.engine, proposed.transfer_id, "registrar-2",
                                             self.now)  # fmt: skip
            event(f"court transfer approved: {decided.result.value}")

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

    @invariant()
    def freeze_orders_hold_exactly_the_frozen_serials(self) -> None:
        """The serials the orders still hold, together, are the frozen-units accounts' blocks,
        each serial under one order only, and an order is closed exactly when it holds none."""
        if not hasattr(self, "jurisdiction"):
            return
        by_orders: list[tuple[int, int, int]] = []
        for freeze_id in self.freezes:
            order = freeze_order(self.engine, freeze_id)
            assert order is not None
            assert (order.released_at is None) == (order.frozen_units > 0)
            assert order.frozen_units == sum(t - f + 1 for f, t in order.frozen_blocks)
            assert order.frozen_units == order.quantity_units - sum(
                r.quantity_units for r in order.reductions
            )
            with self.engine.connect() as connection:
                class_id = connection.execute(
                    text("SELECT id FROM unit_classes WHERE code = :c"), {"c": order.unit_class}
                ).scalar_one()
            by_orders += [(class_id, f, t) for f, t in order.frozen_blocks]
        with self.engine.connect() as connection:
            held = connection.execute(text(
                "SELECT unit_class_id, first_serial, last_serial FROM unit_blocks JOIN accounts "
                "ON accounts.id = unit_blocks.account_id WHERE accounts.kind = 'frozen_units'"
            )).all()  # fmt: skip
        serials = sorted((c, n) for c, f, t in by_orders for n in range(f, t + 1))
        assert len(serials) == len(set(serials)), "a serial is frozen under two orders"
        assert serials == sorted((c, n) for c, f, t in held for n in range(f, t + 1))

    @invariant()
    def received_blocks_merge_with_their_neighbours(self) -> None:
        """No account holds two adjacent blocks of a class: they would have been merged."""
        if not hasattr(self, "jurisdiction"):
            return
        with self.engine.connect() as connection:
            adjacent = connection.execute(
                text(
                    "SELECT count(*) FROM unit_blocks a JOIN unit_blocks b "
                    "ON b.account_id = a.account_id AND b.unit_class_id = a.unit_class_id "
                    "AND b.first_serial = a.last_serial + 1"
                )
            ).scalar_one()
        assert adjacent == 0

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
