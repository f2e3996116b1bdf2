"""The command line: help texts, rulebook check, and a deterministic demo."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from tests_support import real_database
from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.resources import preset_text
from tanshi.services.demo_clock import demo_moment
from tanshi.store.engine import open_database

runner = CliRunner()


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["demo"],
        ["rulebook"],
        ["rulebook", "check"],
        ["rulebook", "show"],
        ["rulebook", "list"],
        ["db"],
        ["db", "upgrade"],
        ["registry"],
        ["registry", "verify"],
        ["registry", "report"],
        ["registry", "keygen"],
        ["registry", "checkpoint"],
        ["registry", "execute"],
        ["registry", "propose-transfer"],
        ["registry", "retire"],
        ["scenario"],
        ["scenario", "run"],
        ["cycle"],
        ["cycle", "run"],
        ["serve"],
        ["user"],
        ["user", "add"],
        ["user", "reset-password"],
        ["user", "reset-second-factor"],
    ],
)
def test_every_command_explains_itself(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    assert len(result.output.splitlines()) > 4


def test_rulebook_check_accepts_a_preset_and_a_file(tmp_path: Path) -> None:
    assert runner.invoke(app, ["rulebook", "check", "demo-province"]).exit_code == 0
    mine = tmp_path / "mine.toml"
    mine.write_text(preset_text("demo-province"), encoding="utf-8")
    result = runner.invoke(app, ["rulebook", "check", str(mine)])
    assert result.exit_code == 0
    assert "ok" in result.output


def test_rulebook_check_lists_every_problem_and_fails(tmp_path: Path) -> None:
    broken = (
        preset_text("demo-province")
        .replace("multiple = 3", "multiple = -3")
        .replace("cap_share_of_obligation = 0.10", "cap_share_of_obligation = 2")
    )
    mine = tmp_path / "mine.toml"
    mine.write_text(broken, encoding="utf-8")
    result = runner.invoke(app, ["rulebook", "check", str(mine)])
    assert result.exit_code == 1
    assert "penalty[0].multiple" in result.output
    assert "offsets[0].cap_share_of_obligation" in result.output
    assert "2 errors; " in result.stderr and "mine.toml:" in result.stderr


def test_rulebook_check_of_a_missing_file_says_so() -> None:
    result = runner.invoke(app, ["rulebook", "check", "nowhere.toml"])
    assert result.exit_code == 2
    assert "no rulebook file" in result.output


def test_rulebook_show_prints_rules_with_sources() -> None:
    result = runner.invoke(app, ["rulebook", "show", "demo-province", "--year", "2016"])
    assert result.exit_code == 0, result.output
    assert "Shenzhen" in result.output
    assert "[assumption]" in result.output
    missing = runner.invoke(app, ["rulebook", "show", "demo-province", "--year", "2030"])
    assert missing.exit_code == 1


def test_db_upgrade(tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--db", str(tmp_path / "x.sqlite")])
    assert result.exit_code == 0, result.output


def _demo(folder: Path, seed: int, db: str | None = None) -> tuple[str, str]:
    result = runner.invoke(
        app,
        [
            "demo",
            "--seed",
            str(seed),
            "--companies",
            "12",
            "--out",
            str(folder),
            "--db",
            db or str(folder / "demo.sqlite"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "non compliant" in result.output
    return (
        (folder / "compliance-2016.csv").read_text(encoding="utf-8"),
        (folder / "compliance-2016.html").read_text(encoding="utf-8"),
    )


@pytest.fixture(scope="module")
def seed_7_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, str]]:
    """One SQLite demo with seed 7, shared by the tests that compare against it."""
    folder = tmp_path_factory.mktemp("seed-7") / "one"
    return folder, _demo(folder, 7)


@pytest.mark.slow
def test_demo_is_deterministic_for_a_seed(
    tmp_path: Path, seed_7_demo: tuple[Path, tuple[str, str]]
) -> None:
    folder, first = seed_7_demo
    again = _demo(folder, 7)  # a rerun replaces the previous demo database
    other = _demo(tmp_path / "two", 7)
    different = _demo(tmp_path / "three", 8)
    assert first == again == other
    assert first[0] != different[0]
    csv_text, html = first
    header = csv_text.splitlines()[0]
    assert header.startswith("company,name,sector,verified_tco2,allocated_t,bought_t,sold_t")
    statuses = {line.rsplit(",", 1)[1] for line in csv_text.splitlines()[1:]}
    assert {"compliant", "non_compliant", "no_verified_emissions"} <= statuses
    assert "<script" not in html and "http" not in html.split("</style>")[0]


def test_demo_refuses_a_database_with_real_data(tmp_path: Path) -> None:
    path = real_database(tmp_path / "real.sqlite")
    result = runner.invoke(
        app, ["demo", "--companies", "3", "--db", str(path), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "not a demo" in result.output


def test_demo_refuses_a_database_with_tables_not_its_own(tmp_path: Path) -> None:
    path = tmp_path / "mine.sqlite"
    engine = open_database(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE my_precious (id INTEGER)"))
    engine.dispose()
    result = runner.invoke(
        app, ["demo", "--companies", "3", "--db", str(path), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "my_precious" in result.output
    assert path.exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_demo_on_postgresql_matches_sqlite(
    engine: Engine, tmp_path: Path, seed_7_demo: tuple[Path, tuple[str, str]]
) -> None:
    """The same seed gives the same table on both stores (the PostgreSQL run replaces
    the empty migrated schema the fixture made)."""
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    assert _demo(tmp_path / "pg", 7, db=url) == seed_7_demo[1]


def test_commands_on_a_demo_database_act_at_the_demo_moment(
    tmp_path: Path, seed_7_demo: tuple[Path, tuple[str, str]]
) -> None:
    """Without --at, a demo database's commands act at the demo's own moment (what
    `serve --demo-clock` starts from), not the real date; --at still wins."""
    folder, _ = seed_7_demo
    db = tmp_path / "demo.sqlite"
    shutil.copyfile(folder / "demo.sqlite", db)
    if (folder / "demo.sqlite.key").exists():  # the sealing key, when the tests make one
        shutil.copyfile(folder / "demo.sqlite.key", tmp_path / "demo.sqlite.key")
    engine = open_database(f"sqlite:///{db}")
    moment = demo_moment(engine)
    engine.dispose()
    assert moment is not None and moment.year == 2017
    flags = runner.invoke(app, ["market", "surveillance", "--db", str(db)])
    assert flags.exit_code == 0, flags.output
    days = {line.split()[0] for line in flags.output.splitlines()[:-1]}
    assert days == {f"{moment:%Y-%m-%d}"}  # large holders at least, on the demo's day
    who = ["--db", str(db)]
    proposed = runner.invoke(app, ["registry", "trusted", "propose-add", "DP-OH-C001",
                                   "DP-OH-C002", "--as", "officer1", *who])  # fmt: skip
    assert proposed.exit_code == 0, proposed.output
    confirmed = runner.invoke(app, ["registry", "trusted", "confirm", "DP-OH-C001", "1", "--as",
                                    "officer2", *who])  # fmt: skip
    assert confirmed.exit_code == 0, confirmed.output
    assert f"from {moment.isoformat()}" in confirmed.output
    at = runner.invoke(app, ["market", "deposit", "DP-OH-C002", "10.00", "d-at", *who,
                             "--at", "2017-06-21T14:00+08:00"])  # fmt: skip
    assert at.exit_code == 0, at.output
