"""TOTP secrets are sealed at rest: the column never holds the secret, logins still work,
a wrong key is named at start-up, plaintext secrets of older databases get sealed, and a
SQLite database keeps its own key file beside it."""

from __future__ import annotations

import base64
import stat
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from tanshi.api.app import make_service
from tanshi.api.settings import Settings
from tanshi.cli.main import app
from tanshi.services import authentication, identity, secret_box, user_admin
from tanshi.store.engine import make_engine, migrate
from tanshi.store.schema import users

NOW = datetime(2017, 3, 1, 2, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
OTHER_KEY = secret_box.new_key()


def _people(engine: Engine) -> str:
    identity.create_organisation(engine, "REG", "Regulator", "regulator", NOW)
    identity.create_user(engine, "reg", "Reg", "REG", "regulator", PASSWORD, NOW)
    identity.create_user(engine, "reg2", "Reg Two", "REG", "regulator", PASSWORD, NOW)
    secret = identity.totp_secret_of(engine, "reg")
    assert secret is not None
    return secret


def _stored(engine: Engine, username: str) -> str:
    with engine.connect() as connection:
        return connection.execute(
            select(users.c.totp_secret).where(users.c.username == username)).scalar_one()  # fmt: skip


def _login(engine: Engine, secret: str, at: datetime = NOW):
    return authentication.authenticate(engine, "reg", PASSWORD, pyotp.TOTP(secret).at(at), at)


def test_the_column_holds_no_secret_and_login_still_works(engine: Engine) -> None:
    secret = _people(engine)
    stored = _stored(engine, "reg")
    assert stored.startswith("tsb1:") and secret not in stored and len(stored) <= 200
    assert len(pyotp.random_base32()) == len(secret)  # a real secret came back
    principal, problem = _login(engine, secret)
    assert problem is None and principal is not None and principal.username == "reg"
    enrolment, _ = user_admin.reset_second_factor(engine, None, "reg", NOW)
    assert enrolment is not None and enrolment.secret not in _stored(engine, "reg")
    assert identity.totp_secret_of(engine, "reg") == enrolment.secret


def test_a_wrong_key_is_named_and_an_old_key_still_opens(engine: Engine, monkeypatch) -> None:
    secret = _people(engine)
    first, previous = secret_box.keyring(engine).current_id, _current_key(engine)
    monkeypatch.setenv("TANSHI_SECRET_KEY", OTHER_KEY)
    with pytest.raises(secret_box.SecretKeyMismatch, match=f"sealed with key {first}"):
        identity.totp_secret_of(engine, "reg")
    with pytest.raises(secret_box.SecretKeyMismatch, match="TANSHI_OLD_SECRET_KEYS"):
        make_service(Settings(), engine)  # the service refuses to start with the wrong key
    monkeypatch.setenv("TANSHI_OLD_SECRET_KEYS", "not base64!,")
    with pytest.raises(secret_box.SecretKeyMissing, match="TANSHI_OLD_SECRET_KEYS"):
        secret_box.keyring(engine)
    # The rotation: the old key listed, the service seals every secret with the new one.
    monkeypatch.setenv("TANSHI_OLD_SECRET_KEYS", previous)
    assert identity.totp_secret_of(engine, "reg") == secret
    make_service(Settings(), engine)
    monkeypatch.delenv("TANSHI_OLD_SECRET_KEYS")
    assert _stored(engine, "reg").split(":")[1] == secret_box.keyring(engine).current_id != first
    assert identity.totp_secret_of(engine, "reg") == secret
    assert _login(engine, secret)[1] is None


def _current_key(engine: Engine) -> str:
    """The key configured now (TANSHI_SECRET_KEY, else the database's key file)."""
    return base64.urlsafe_b64encode(secret_box.keyring(engine).current).decode()


def test_plaintext_secrets_of_an_older_database_are_sealed(engine: Engine) -> None:
    _people(engine)
    plain = pyotp.random_base32()
    with engine.begin() as connection:  # as a database before sealing held it
        connection.execute(users.update().where(users.c.username == "reg").values(
            totp_secret=plain))  # fmt: skip
    assert _login(engine, plain)[1] is None  # read as it is until sealed
    assert secret_box.reseal(engine) == 1
    assert _stored(engine, "reg").startswith("tsb1:") and plain not in _stored(engine, "reg")
    assert secret_box.reseal(engine) == 0  # nothing left to seal
    later = NOW.replace(minute=5)
    assert _login(engine, plain, later)[1] is None


def test_a_secret_copied_to_another_user_does_not_open(engine: Engine) -> None:
    _people(engine)
    copied = _stored(engine, "reg")
    with engine.begin() as connection:
        connection.execute(users.update().where(users.c.username == "reg2").values(
            totp_secret=copied))  # fmt: skip
    with pytest.raises(secret_box.SecretKeyMismatch, match="another user"):
        identity.totp_secret_of(engine, "reg2")


def test_sqlite_keeps_its_key_beside_it_and_postgresql_needs_one(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("TANSHI_SECRET_KEY", raising=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'tanshi.sqlite'}")
    migrate(engine)
    secret = _people(engine)
    key_file = tmp_path / "tanshi.sqlite.key"
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert secret_box.keyring(engine).source == str(key_file)
    assert identity.totp_secret_of(engine, "reg") == secret  # the same key, read back
    engine.dispose()
    postgres = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(secret_box.SecretKeyMissing, match="TANSHI_SECRET_KEY is not set"):
        secret_box.keyring(postgres)
    postgres.dispose()
    monkeypatch.setenv("TANSHI_SECRET_KEY", "c2hvcnQ=")
    with pytest.raises(secret_box.SecretKeyMissing, match="32 bytes"):
        secret_box.keyring(engine)


def test_the_command_line_makes_a_key_and_reseals(tmp_path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["user", "secret-key"])
    assert made.exit_code == 0 and len(made.output.strip()) == 44
    database = tmp_path / "cli.sqlite"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    _people(engine)
    with engine.begin() as connection:
        connection.execute(users.update().values(totp_secret=pyotp.random_base32()))
    engine.dispose()
    done = runner.invoke(app, ["user", "reseal-secrets", "--db", str(database)])
    assert done.exit_code == 0 and "2 TOTP secrets sealed" in done.output, done.output
