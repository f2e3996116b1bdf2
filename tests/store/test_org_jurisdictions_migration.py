"""Migration 0018_org_jurisdictions places existing organisations, and does not guess."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from tanshi.resources import load_rulebook
from tanshi.services.jurisdiction import open_jurisdiction, register_company
from tanshi.store.engine import downgrade, migrate

NOW = datetime(2017, 3, 1, 2, 0, tzinfo=UTC)


def _before_0018(engine: Engine, presets: tuple[str, ...]) -> None:
    """The schema of 0016 with the presets opened, a company each and three organisations."""
    for preset, company in zip(presets, ("A1", "S1"), strict=False):
        rulebook, source = load_rulebook(preset)
        place = open_jurisdiction(engine, rulebook, source, NOW, is_demo=False)
        register_company(engine, place, company, company, "power")
    downgrade(engine, "0016_court_orders")
    with engine.begin() as connection:
        company_id = connection.execute(text("SELECT id FROM companies WHERE code = 'A1'")).scalar()
        for code, kind, company in (("REG", "regulator", None), ("ORG-A", "company", company_id),
                                    ("VER", "verifier", None)):  # fmt: skip
            connection.execute(text(
                "INSERT INTO organisations (code, name, kind, company_id, created_at) "
                "VALUES (:code, :code, :kind, :company, :at)"
            ), {"code": code, "kind": kind, "company": company, "at": NOW})  # fmt: skip
        # A user of REG: rebuilding organisations on SQLite must keep what points to it.
        connection.execute(text(
            "INSERT INTO users (username, display_name, organisation_id, role, password_hash, "
            "locale, failed_logins, active, created_at, must_change_password) SELECT 'reg', "
            "'Reg', id, 'regulator', 'x', 'en', 0, true, :at, false FROM organisations "
            "WHERE code = 'REG'"
        ), {"at": NOW})  # fmt: skip


def _placed(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT organisations.code, jurisdictions.code FROM organisations LEFT JOIN "
            "jurisdictions ON jurisdictions.id = organisations.jurisdiction_id"
        )).all()  # fmt: skip
    return {row[0]: row[1] for row in rows}


def test_with_one_jurisdiction_the_regulator_and_companies_are_placed(engine: Engine) -> None:
    _before_0018(engine, ("demo-province",))
    migrate(engine)
    assert _placed(engine) == {"REG": "DP", "ORG-A": "DP", "VER": None}


def test_with_several_the_regulator_is_left_for_the_operator(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    _before_0018(engine, ("demo-province", "cn-pilot-shenzhen"))
    with caplog.at_level(logging.WARNING):
        migrate(engine)
    assert _placed(engine) == {"REG": None, "ORG-A": "DP", "VER": None}
    assert "tanshi user organisation-jurisdiction REG JURISDICTION" in caplog.text
