"""Correcting mistakes through the API: the regulator changes a body before it started, a
verifier withdraws a finding before concluding, and an impossible misstatement is refused."""

from __future__ import annotations

from grid_site_text import REPORT_CSV, STATED_T, grid_site_plan
from service_world import NOW, World
from tanshi.services import verification as vf


def _write(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


def _post(world: World, username: str, key: str, path: str, body: dict | None = None):
    return world.client.post(path, json=body, headers=_write(world, username, key))


def test_reassign_and_withdraw_through_the_api(world: World) -> None:
    for code in ("VER", "VB2"):
        assert vf.register_body(world.engine, code, code, NOW) == []
    world.client.post("/v1/monitoring-plans", json={"toml": grid_site_plan("A1")},
                      headers=_write(world, "officer-a", "p"))  # fmt: skip
    report = {"year": 2016, "stated_t": STATED_T, "csv": REPORT_CSV}
    assert world.client.post("/v1/reports", json=report,
                             headers=_write(world, "officer-a", "r")).status_code == 201  # fmt: skip
    assert (
        _post(
            world, "regulator", "a", "/v1/verification/2016/A1/assign", {"body": "VB2"}
        ).status_code
        == 200
    )
    assert _post(world, "verifier", "f0", "/v1/verification/2016/A1/findings", {"kind": "non_conformity",
                 "description": "x"}).status_code == 404  # not VER's case yet  # fmt: skip
    moved = _post(world, "regulator", "m", "/v1/verification/2016/A1/reassign", {"body": "VER"})
    assert moved.status_code == 200 and moved.json()["state"] == "assigned", moved.json()
    assert (
        _post(
            world, "officer-a", "m2", "/v1/verification/2016/A1/reassign", {"body": "VB2"}
        ).status_code
        == 403
    )
    absurd = _post(world, "verifier", "f1", "/v1/verification/2016/A1/findings", {"kind": "misstatement",
                   "description": "typo", "misstatement_t": "-99999999"})  # fmt: skip
    assert absurd.status_code == 422 and absurd.json()["error"]["code"] == "finding_invalid"
    assert "misstatement_exceeds_report" in str(absurd.json())
    found = _post(world, "verifier", "f2", "/v1/verification/2016/A1/findings", {"kind": "misstatement",
                  "description": "meter", "misstatement_t": "-100"})  # fmt: skip
    finding = found.json()["detail"]["finding_id"]
    late = _post(world, "regulator", "m3", "/v1/verification/2016/A1/reassign", {"body": "VB2"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "invalid_state"
    taken = _post(
        world,
        "verifier",
        "w1",
        f"/v1/verification/2016/A1/findings/{finding}/withdraw",
        {"reason": "wrong"},
    )
    assert taken.status_code == 200, taken.json()
    again = _post(
        world,
        "verifier",
        "w2",
        f"/v1/verification/2016/A1/findings/{finding}/withdraw",
        {"reason": "wrong"},
    )
    assert again.status_code == 422 and again.json()["error"]["code"] == "finding_unknown"
    done = _post(world, "verifier", "v", "/v1/verification/2016/A1/verify")
    assert done.json()["detail"]["verified_t"] == STATED_T
