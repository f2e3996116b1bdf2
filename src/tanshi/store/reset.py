"""Emptying a database for the demo, refusing anything that holds real data."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from tanshi.core.errors import TanshiError
from tanshi.store.engine import downgrade, make_engine, printable_url
from tanshi.store.schema import jurisdictions, metadata


def reset_demo_database(url: str) -> None:
    """Make ``url`` empty: drop a previous demo, create nothing; refuse non-demo data."""
    engine = make_engine(url)
    shown = printable_url(url)
    try:
        tables = set(inspect(engine).get_table_names())
        if not tables:
            return
        foreign = tables - set(metadata.tables) - {"alembic_version"}
        if foreign or "jurisdictions" not in tables:
            raise TanshiError(
                f"{shown} holds tables that are not tanshi's ({', '.join(sorted(foreign))}); "
                "the demo will not touch them: give it its own --db"
            )
        with engine.connect() as connection:
            real = (
                connection.execute(
                    select(jurisdictions.c.code).where(jurisdictions.c.is_demo.is_(False))
                )
                .scalars()
                .all()
            )
        if real:
            raise TanshiError(
                f"{shown} holds jurisdiction(s) {', '.join(real)} that are not a demo; "
                "the demo will not overwrite them: give it its own --db"
            )
        if engine.dialect.name == "sqlite":
            database = make_url(url).database
            engine.dispose()
            if database:
                for suffix in ("", "-wal", "-shm"):
                    Path(database + suffix).unlink(missing_ok=True)
            return
        downgrade(engine, "base")
    finally:
        engine.dispose()
