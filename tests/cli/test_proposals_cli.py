"""``tanshi registry proposals --as PERSON`` lists the queue the API shows that user: the same
principal (role, organisation, jurisdiction), and each proposal's outlook on its own
jurisdiction's calendar."""

from __future__ import annotations

import re

from sqlalchemy import Engine
from typer.testing import CliRunner

from service_world import build_world
from tanshi.cli.main import app
from tanshi.services import lifecycle
from two_jurisdictions import add_shenzhen

runner = CliRunner()


def _listed(url: str, person: str) -> list[int]:
    result = runner.invoke(app, ["--jurisdiction", "DP", "registry", "proposals", "--as", person,
                                 "--db", url, "--at", "2017-03-01T10:00+08:00"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return [int(n) for n in re.findall(r"^proposal (\d+): ", result.stdout, re.MULTILINE)]


def test_the_queue_of_a_user_is_the_one_the_api_shows_them(engine: Engine) -> None:
    world = build_world(engine)
    waiting = add_shenzhen(world)
    url = engine.url.render_as_string(hide_password=False)
    # A regulator of SZ who may also approve for a DP account: their SZ-bound role reads SZ
    # only, so the DP proposal is not in their queue (a bare representative would list it).
    lifecycle.add_representative(engine, "DP-OH-A1", "regulator-sz", initiate=False, approve=True)
    # An officer of a DP company who may approve for an SZ account lists both.
    lifecycle.add_representative(engine, "SZ-OH-S1", "approver-a", initiate=False, approve=True)
    # A representative who is no user of the service reads what they represent.
    lifecycle.add_representative(engine, "DP-OH-A1", "clerk", initiate=False, approve=True)
    for person in ("regulator-sz", "approver-a", "approver-s", "officer-a"):
        api = world.client.get("/v1/proposals?awaiting_my_approval=true",
                               headers=world.token(person))  # fmt: skip
        assert api.status_code == 200, api.text
        assert _listed(url, person) == [p["id"] for p in api.json()["items"]], person
    assert _listed(url, "regulator-sz") == []
    assert _listed(url, "approver-a") == [waiting["SZ"], waiting["DP"]]
    assert _listed(url, "clerk") == [waiting["DP"]]
