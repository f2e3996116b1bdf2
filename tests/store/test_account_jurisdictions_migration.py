"""Migration 0019_account_jurisdictions places every account by its code, and does not guess."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text

from service_world import NOW, build_world
from tanshi.services import unit_freezes
from tanshi.services.clearing import open_exchange
from tanshi.services.jurisdiction import load_jurisdiction
from tanshi.store.engine import downgrade, migrate
from two_jurisdictions import add_shenzhen


def _placed(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT accounts.code, jurisdictions.code FROM accounts JOIN jurisdictions "
            "ON jurisdictions.id = accounts.jurisdiction_id"
        )).all()  # fmt: skip
    return {row[0]: row[1] for row in rows}


def _columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("accounts")}


@pytest.fixture
def two_worlds(engine: Engine) -> Engine:
    """DP and SZ with every kind of account: system, operator, trading, clearing, frozen."""
    world = build_world(engine)
    add_shenzhen(world)
    frozen = unit_freezes.freeze_units(engine, "SZ-OH-S1", "SZA-2016", 5, "order 1", "claim",
                                       "regulator-sz", "sz-freeze", NOW)  # fmt: skip
    assert frozen.freeze_id is not None
    open_exchange(engine, load_jurisdiction(engine, "DP"))
    return engine


def test_opened_accounts_are_in_their_jurisdiction_and_the_backfill_agrees(
    two_worlds: Engine,
) -> None:
    before = _placed(two_worlds)
    assert before["DP-TR-TRD"] == "DP" and before["SZ-OH-S1"] == "SZ"
    assert {"DP-CLEARING", "DP-ISSUANCE", "SZ-HOLDING"} <= set(before)
    assert any(code.startswith("SZ-FZ-") for code in before)
    assert all(code.startswith(f"{place}-") for code, place in before.items())
    downgrade(two_worlds, "0018_org_jurisdictions")
    assert "jurisdiction_id" not in _columns(two_worlds)
    migrate(two_worlds)
    assert _placed(two_worlds) == before
    with two_worlds.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM accounts")).scalar() == len(before)


def test_an_account_that_names_no_jurisdiction_stops_the_migration(two_worlds: Engine) -> None:
    downgrade(two_worlds, "0018_org_jurisdictions")
    with two_worlds.begin() as connection:
        connection.execute(text(
            "INSERT INTO accounts (code, kind, status, holder, company_id, allows_negative) "
            "VALUES ('HK-TR-X', 'trading', 'open', 'X', NULL, false)"
        ))  # fmt: skip
    with pytest.raises(RuntimeError, match="HK-TR-X"):
        migrate(two_worlds)
    assert "jurisdiction_id" not in _columns(two_worlds)  # nothing was changed
    with two_worlds.begin() as connection:
        connection.execute(text("UPDATE accounts SET code = 'SZ-TR-X' WHERE code = 'HK-TR-X'"))
    migrate(two_worlds)
    assert _placed(two_worlds)["SZ-TR-X"] == "SZ"
