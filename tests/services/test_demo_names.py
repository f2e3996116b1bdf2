"""One name per demo entity: the users page, the statements and /market agree."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from tanshi.resources import load_rulebook, load_venue
from tanshi.services.demo_users import DEMO_VERIFIER_BODY, create_demo_users
from tanshi.services.demo_verification import BODIES
from tanshi.services.jurisdiction import open_jurisdiction, register_company
from tanshi.store.schema import organisations


def test_the_verifier_and_exchange_organisations_carry_their_entities_names(
    engine: Engine,
) -> None:
    """VB01's organisation is named as the verification body its statements name, and the
    exchange operator's as the venue /market shows (demo-province.toml)."""
    rulebook, text = load_rulebook("demo-province")
    moment = datetime(2016, 1, 1, tzinfo=UTC)
    jurisdiction = open_jurisdiction(engine, rulebook, text, moment, is_demo=True)
    register_company(engine, jurisdiction, "C001", "First (fictional)", "power")
    create_demo_users(engine, jurisdiction, 42, moment)
    with engine.connect() as connection:
        names = dict(connection.execute(select(organisations.c.code, organisations.c.name)).all())
    assert names[DEMO_VERIFIER_BODY] == dict(BODIES)["VB01"]
    assert names["DP-EXCHANGE"] == load_venue("demo-province").venue.name
    assert names["DP-EXCHANGE"] == "Demo Province Environment Exchange (fictional)"
