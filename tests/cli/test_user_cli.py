"""``tanshi user`` on the server: the first administrator, and the resets of administrators
that the web page and the API refuse; ``tanshi serve`` refuses a clock it cannot read."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from service_world import NOW, PASSWORD, build_world
from tanshi.cli.main import app
from tanshi.services import authentication
from tanshi.store.schema import audit_log, users
from two_jurisdictions import add_shenzhen

runner = CliRunner()
TEMPORARY = re.compile(r"[a-z2-9]{4}(?:-[a-z2-9]{4}){3}")


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_the_first_administrator_and_an_administrators_resets(engine: Engine) -> None:
    build_world(engine)
    db = ["--db", _url(engine)]
    made = runner.invoke(app, ["user", "add", "root", "--organisation", "ADM", "--role",
                               "administrator", "--name", "Root", *db])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert TEMPORARY.search(made.output) and "otpauth://totp/tanshi:root" in made.output
    taken = runner.invoke(app, ["user", "add", "root", "--organisation", "ADM", "--role",
                                "administrator", "--name", "Root", *db])  # fmt: skip
    assert taken.exit_code == 1 and taken.stdout == ""
    [problem, count] = taken.stderr.splitlines()  # cli/docs.md, "Problems"
    assert problem.startswith("error: ") or ": error: " in problem
    assert problem.endswith(" [username_taken]") and count == "1 error; nothing was changed"
    authentication.authenticate(engine, "admin", "wrong", None, NOW)  # one failed login
    reset = runner.invoke(app, ["user", "reset-password", "admin", *db])
    assert reset.exit_code == 0 and TEMPORARY.search(reset.output)
    assert authentication.authenticate(engine, "admin", PASSWORD, None, NOW)[0] is None  # replaced
    enrolled = runner.invoke(app, ["user", "reset-second-factor", "admin", *db])
    assert enrolled.exit_code == 0 and "otpauth://" in enrolled.output
    assert runner.invoke(app, ["user", "unlock", "admin", *db]).exit_code == 0
    missing = runner.invoke(app, ["user", "unlock", "nobody", *db])
    assert missing.exit_code == 1 and "unknown_user" in missing.output
    org = runner.invoke(app, ["user", "organisation", "ORG-C", "Company C1", "company",
                              "--company", "C1", *db])  # fmt: skip
    assert org.exit_code == 0, org.output
    with engine.connect() as connection:
        must = connection.execute(select(users.c.must_change_password)
                                  .where(users.c.username == "admin")).scalar()  # fmt: skip
        logged = connection.execute(select(audit_log.c.action, audit_log.c.username,
                                           audit_log.c.result, audit_log.c.detail)).all()  # fmt: skip
    assert must is True
    assert [(a, r) for a, _u, r, _d in logged] == [
        ("user_create", "ok"), ("user_create", "username_taken"),
        ("user_password_reset", "ok"), ("user_totp_reset", "ok"), ("user_unlock", "ok"),
        ("user_unlock", "unknown_user"), ("organisation_create", "ok")]  # fmt: skip
    assert all(d["via"] == "cli" and "os_user" in d for *_, d in logged)
    assert TEMPORARY.search(str(logged)) is None


def test_serve_refuses_a_clock_it_cannot_read(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "empty.sqlite")]
    bad = runner.invoke(app, ["serve", "--clock", "next tuesday", *db])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output
    no_demo = runner.invoke(app, ["serve", "--demo-clock", *db])
    assert no_demo.exit_code == 2 and "tanshi demo" in no_demo.output


def test_serve_runs_the_release_loop_beside_uvicorn(tmp_path: Path, monkeypatch) -> None:
    import uvicorn  # noqa: PLC0415

    seen = {}

    def run(app, host: str, port: int, log_level: str) -> None:
        seen["app"], seen["port"] = app, port
        seen["threads"] = [t.name for t in threading.enumerate()]
        seen["now"] = app.state.service.now()

    monkeypatch.setattr(uvicorn, "run", run)
    settled: list[bool] = []  # not frozen here: freezing would keep this test process's heap
    monkeypatch.setattr("tanshi.web.app.settle_start_up_objects", lambda: settled.append(True))
    served = runner.invoke(app, ["serve", "--db", str(tmp_path / "s.sqlite"), "--port", "8123",
                                 "--clock", "2017-06-21T10:00+08:00"])  # fmt: skip
    assert served.exit_code == 0, served.output
    assert "service clock: 2017-06-21 10:00 UTC+08:00" in served.output
    assert seen["port"] == 8123 and "tanshi-release" in seen["threads"]
    assert seen["now"].date().isoformat() == "2017-06-21"
    assert settled == [True]  # before serving, start-up's objects out of the collector's way
    assert "tanshi-release" not in [t.name for t in threading.enumerate()]  # stopped after


def test_an_operator_places_organisations_in_jurisdictions(engine: Engine) -> None:
    world = build_world(engine)
    add_shenzhen(world)
    db = ["--db", _url(engine)]
    unplaced = runner.invoke(app, ["user", "organisation", "REG-X", "Bureau", "regulator", *db])
    assert unplaced.exit_code == 1 and "jurisdiction_required" in unplaced.output
    placed = runner.invoke(app, ["user", "organisation", "REG-X", "Bureau", "regulator",
                                 "--jurisdiction", "SZ", *db])  # fmt: skip
    assert placed.exit_code == 0, placed.output
    moved = runner.invoke(app, ["user", "organisation-jurisdiction", "REG-X", "DP", *db])
    assert moved.exit_code == 0 and "REG-X is in jurisdiction DP" in moved.output
    wrong = runner.invoke(app, ["user", "organisation-jurisdiction", "ORG-A", "SZ", *db])
    assert wrong.exit_code == 1 and "jurisdiction_mismatch" in wrong.output
    with engine.connect() as connection:
        actions = connection.execute(select(audit_log.c.action, audit_log.c.result)
                                     .where(audit_log.c.target.in_(["REG-X", "ORG-A"]))).all()  # fmt: skip
    assert [tuple(a) for a in actions] == [
        ("organisation_create", "jurisdiction_required"), ("organisation_create", "ok"),
        ("organisation_jurisdiction", "ok"), ("organisation_jurisdiction", "jurisdiction_mismatch"),
    ]  # fmt: skip
