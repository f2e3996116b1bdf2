"""A verified case for the API tests: A1's 2016 report verified by the body VER (the world's
verifier organisation) with one immaterial finding of -100 t; VB2 is another body."""

from __future__ import annotations

from grid_site_text import REPORT_CSV, STATED_T, grid_site_plan
from service_world import NOW, World
from tanshi.services import verification as vf

PLAN = grid_site_plan("A1")
REPORT = {"year": 2016, "stated_t": STATED_T, "csv": REPORT_CSV}


def _write(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


def verified_case(world: World) -> None:
    """A1's 2016 report verified by VER with one immaterial finding; VB2 also registered."""
    assert vf.register_body(world.engine, "VER", "Verifier org", NOW) == []
    assert vf.register_body(world.engine, "VB2", "Another body", NOW) == []
    filed = world.client.post("/v1/monitoring-plans", json={"toml": PLAN},
                              headers=_write(world, "officer-a", "p"))  # fmt: skip
    assert filed.status_code == 201, filed.json()
    made = world.client.post("/v1/reports", json=REPORT, headers=_write(world, "officer-a", "r"))
    assert made.status_code == 201, made.json()
    world.client.post("/v1/verification/2016/A1/assign", json={"body": "VER"},
                      headers=_write(world, "regulator", "a"))  # fmt: skip
    finding = {"kind": "misstatement", "description": "double-counted meter",
               "misstatement_t": "-100"}  # fmt: skip
    world.client.post("/v1/verification/2016/A1/findings", json=finding,
                      headers=_write(world, "verifier", "f"))  # fmt: skip
    done = world.client.post("/v1/verification/2016/A1/verify",
                             headers=_write(world, "verifier", "v"))  # fmt: skip
    assert done.json()["state"] == "verified", done.json()
