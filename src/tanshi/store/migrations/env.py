"""Alembic environment: runs migrations on the connection tanshi hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from tanshi.store.schema import metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url")
        assert url, "set sqlalchemy.url or pass a connection in config.attributes"
        with create_engine(url).begin() as own:
            _configure_and_run(own)
        return
    _configure_and_run(connection)


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
