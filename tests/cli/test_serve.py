"""``tanshi serve``: several workers need PostgreSQL; each worker builds the app from TANSHI_…."""

from __future__ import annotations

import subprocess
import sys

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
    settled: list[bool] = []  # not frozen here: freezing would keep this test process's heap
    monkeypatch.setattr("tanshi.web.app.settle_start_up_objects", lambda: settled.append(True))
    built = app_from_environment()
    service = built.state.service
    assert service.settings.db_pool_size == 3
    assert settled == [True]  # a worker puts its start-up objects out of the collector's way
    assert str(service.engine.url).endswith("w.sqlite")
    service.engine.dispose()


def test_settling_freezes_what_start_up_built() -> None:
    """In a process of its own: the test process's heap must not be frozen."""
    code = ("import gc; from tanshi.web.app import settle_start_up_objects; "
            "settle_start_up_objects(); print(gc.get_freeze_count())")  # fmt: skip
    frozen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert int(frozen.stdout) > 10_000


def test_totp_prints_a_code_and_refuses_what_is_not_a_secret() -> None:
    good = CliRunner().invoke(app, ["totp", "jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp"])
    assert good.exit_code == 0 and good.output.strip().isdigit(), good.output
    for wrong in ("notasecret", "", "ABC!DEF", "JBSWY3DPEHPK3PXP"):  # the last too short
        refused = CliRunner().invoke(app, ["totp", wrong])
        assert refused.exit_code == 2, refused.output
        assert "is not a TOTP secret" in refused.output and "tanshi demo" in refused.output
        assert "Traceback" not in refused.output
