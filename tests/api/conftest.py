"""The API tests run on the world of tests/service_world.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from service_world import World, build_world


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)
