"""Every command defaults to the database `tanshi demo` wrote, as `tanshi serve` does."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests_support import real_database
from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.cli.serve import served_url
from tanshi.store.engine import ENV_DATABASE_URL, database_url

runner = CliRunner()


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    return tmp_path


def test_without_a_demo_the_default_is_tanshi_sqlite(here: Path) -> None:
    result = runner.invoke(app, ["verification", "status", "2016"])
    assert result.exit_code == 2
    assert "no database at tanshi.sqlite" in result.output
    assert database_url(None) == served_url(None) == "sqlite:///tanshi.sqlite"


def test_after_the_demo_every_command_uses_its_database(here: Path) -> None:
    (here / "tanshi-demo").mkdir()
    real_database(here / "tanshi-demo" / "demo.sqlite")
    assert database_url(None) == served_url(None) == "sqlite:///tanshi-demo/demo.sqlite"
    for command in (
        ["verification", "status", "2016"],
        ["registry", "verify"],
        ["registry", "report"],
        ["allocation", "show", "--year", "2016"],
        ["db", "upgrade"],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, (command, result.output)
        assert "tanshi.sqlite" not in result.output
    assert not (here / "tanshi.sqlite").exists()
    # --db still names another database, and the environment variable still wins.
    other = runner.invoke(app, ["verification", "status", "2016", "--db", "other.sqlite"])
    assert other.exit_code == 2 and "no database at other.sqlite" in other.output


def test_the_environment_variable_comes_before_the_demo(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (here / "tanshi-demo").mkdir()
    real_database(here / "tanshi-demo" / "demo.sqlite")
    monkeypatch.setenv(ENV_DATABASE_URL, "sqlite:///elsewhere.sqlite")
    result = runner.invoke(app, ["registry", "verify"])
    assert result.exit_code == 2 and "no database at elsewhere.sqlite" in result.output
