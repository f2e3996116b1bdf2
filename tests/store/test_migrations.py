"""Migrations build exactly the schema the code declares, and can be undone."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SAWarning

from tanshi.store.engine import downgrade, migrate
from tanshi.store.schema import metadata


def test_migrated_schema_matches_the_tables_in_code(engine: Engine) -> None:
    with engine.connect() as connection, warnings.catch_warnings():
        # SQLAlchemy cannot reflect SQLite's expression indexes (ix_unit_blocks_take): the
        # next test checks that one directly.
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_a_holdings_blocks_are_read_in_the_split_rules_order_by_index(engine: Engine) -> None:
    # The split rule takes the largest block first (registry/serials.py); the index in that
    # order lets a transfer read only the blocks it takes.
    query = (
        "SELECT id FROM unit_blocks WHERE account_id = 1 AND unit_class_id = 1 "
        "ORDER BY first_serial - last_serial, first_serial LIMIT 1"
    )
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = " ".join(
                str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))
            )
            assert "ix_unit_blocks_take" in plan and "TEMP B-TREE" not in plan, plan
        else:
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(row[0] for row in connection.execute(text(f"EXPLAIN {query}")))
            assert "ix_unit_blocks_take" in plan and "Sort" not in plan, plan


@pytest.mark.parametrize(("reservations", "column"), [
    ("funds_reservations", "funds_reservation_id"), ("unit_reservations", "unit_reservation_id"),
])  # fmt: skip
def test_an_orders_fills_are_read_through_its_reservation_by_index(
    engine: Engine, reservations: str, column: str
) -> None:
    # The order lists read the fills of the orders shown (services/order_outcomes.py), found
    # by their reservations' keys, not every fill of the venue (migration 0034).
    query = (
        f"SELECT s.trade_id, s.quantity_units FROM settlements s JOIN {reservations} r "
        f"ON s.{column} = r.id WHERE r.idempotency_key IN ('order/X/1', 'order/X/2')"
    )
    index = f"ix_settlements_{column}"
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = " ".join(
                str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))
            )
            assert index in plan and "SCAN s" not in plan, plan
        else:
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(row[0] for row in connection.execute(text(f"EXPLAIN {query}")))
            assert index in plan and "Seq Scan on settlements" not in plan, plan


def test_the_fill_indexes_go_down_and_come_back(engine: Engine) -> None:
    names = {"ix_settlements_funds_reservation_id", "ix_settlements_unit_reservation_id"}
    downgrade(engine, "0033_roll_over_ledger")
    assert not names & {i["name"] for i in inspect(engine).get_indexes("settlements")}
    migrate(engine)
    assert names <= {i["name"] for i in inspect(engine).get_indexes("settlements")}


def test_downgrade_to_base_and_upgrade_again(engine: Engine) -> None:
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert "holdings" in inspect(engine).get_table_names()


def test_registry_functions_take_array_text_and_the_downgrade_puts_json_arrays_back(
    engine: Engine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the registry functions exist on PostgreSQL only")
    definition = text(
        "SELECT string_agg(prosrc, '') FROM pg_proc "
        "WHERE proname IN ('tanshi_registry_read', 'tanshi_registry_write')"
    )

    def unpacked_from_json_arrays() -> int:
        with engine.connect() as connection:
            return str(connection.execute(definition).scalar_one()).count("translate((")

    assert unpacked_from_json_arrays() == 0
    downgrade(engine, "0026_sqlite_notifications")
    assert unpacked_from_json_arrays() == 16 + 23  # every list of the read and the write
    migrate(engine)
    assert unpacked_from_json_arrays() == 0
