"""A user that cannot be created gets every problem at once, each with its own code."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from tanshi.services import identity, user_admin
from tanshi.store.schema import users

NOW = datetime(2017, 3, 1, 2, 0, tzinfo=UTC)


def test_a_short_password_and_an_unknown_organisation_are_both_named(engine: Engine) -> None:
    user_id, issues = identity.create_user(engine, "someone", "Some One", "NOPE", "trader",
                                           "short", NOW)  # fmt: skip
    assert user_id is None
    assert {(issue.code, issue.message) for issue in issues} >= {
        ("password_too_short", f"use at least {identity.MIN_PASSWORD_CHARS} characters"),
        ("unknown_organisation", "no organisation NOPE"),
    }
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(users)).scalar() == 0


def test_a_chosen_password_too_short_is_the_same_problem() -> None:
    (issue,) = [i for i in user_admin.password_problems("someone", "short")
                if i.code == "password_too_short"]  # fmt: skip
    assert (issue.message, issue.where) == (
        f"use at least {identity.MIN_PASSWORD_CHARS} characters",
        "new_password",
    )
