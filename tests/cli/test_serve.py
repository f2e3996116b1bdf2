"""``tanshi serve``: several workers need PostgreSQL; each worker builds the app from TANSHI_…."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.web.app import app_from_environment


def test_workers_above_one_need_postgresql(tmp_path) -> None:
    result = CliRunner().invoke(
        app, ["serve", "--db", str(tmp_path / "t.sqlite"), "--workers", "2"]
    )
    assert result.exit_code == 2
    assert "needs PostgreSQL" in result.output


def test_a_worker_builds_the_service_from_the_environment(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TANSHI_DATABASE_URL", f"sqlite:///{tmp_path / 'w.sqlite'}")
    monkeypatch.setenv("TANSHI_DB_POOL_SIZE", "3")
    built = app_from_environment()
    service = built.state.service
    assert service.settings.db_pool_size == 3
    assert str(service.engine.url).endswith("w.sqlite")
    service.engine.dispose()
