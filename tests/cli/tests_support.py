"""Helpers for CLI tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tanshi.resources import load_rulebook
from tanshi.services.jurisdiction import open_jurisdiction
from tanshi.store.engine import open_database


def real_database(path: Path) -> Path:
    """A database holding a non-demo jurisdiction."""
    engine = open_database(f"sqlite:///{path}")
    rulebook, text = load_rulebook("demo-province")
    open_jurisdiction(engine, rulebook, text, datetime(2016, 1, 1, tzinfo=UTC), is_demo=False)
    engine.dispose()
    return path
