"""MRV writes through the API: plan, check, submit, assign, findings, verify, sample, re-check."""

from __future__ import annotations

from decimal import Decimal

from grid_site_text import MONTHS, REPORT_CSV, STATED_T, grid_site_plan
from service_world import NOW, World
from tanshi.mrv.verification_workflow import Actor
from tanshi.resources import verification_rules
from tanshi.services import verification as vf

PLAN = grid_site_plan("A1")
# 12 × 1 000 MWh × 0.6101 tCO2/MWh (the demo-province grid factor) = 7 321.2 t
REPORT = {"year": 2016, "stated_t": STATED_T, "csv": REPORT_CSV}


def _write(key: str, headers: dict[str, str]) -> dict[str, str]:
    return headers | {"Idempotency-Key": key}


def _bodies(world: World) -> None:
    """The world's verifier organisation VER is a verification body; VB2 is another."""
    assert vf.register_body(world.engine, "VER", "Verifier org", NOW) == []
    assert vf.register_body(world.engine, "VB2", "Another body", NOW) == []


def _filed(world: World) -> dict[str, str]:
    officer = world.token("officer-a")
    filed = world.client.post("/v1/monitoring-plans", json={"toml": PLAN},
                              headers=_write("p1", officer))  # fmt: skip
    assert filed.status_code == 201, filed.json()
    return officer


def test_a_report_from_upload_to_verified(world: World) -> None:
    _bodies(world)
    officer = _filed(world)
    bad = REPORT | {"stated_t": "7000", "csv": MONTHS}
    checked = world.client.post("/v1/reports/check", json=bad, headers=officer).json()
    codes = {i["code"] for i in checked["issues"]}
    assert not checked["ok"] and {"annual_total_missing", "emissions_total_mismatch"} <= codes
    refused = world.client.post("/v1/reports", json=bad, headers=_write("r0", officer))
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "report_has_errors"
    assert {"annual_total_missing", "emissions_total_mismatch"} <= {
        d["code"] for d in error["details"]}  # fmt: skip
    assert world.client.post("/v1/reports/check", json=REPORT, headers=officer).json()["ok"]
    made = world.client.post("/v1/reports", json=REPORT, headers=_write("r1", officer))
    assert made.status_code == 201, made.json()
    assert made.json()["state"] == "submitted"
    again = world.client.post("/v1/reports", json=REPORT, headers=_write("r2", officer))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "case_exists")

    regulator, verifier = world.token("regulator"), world.token("verifier")
    assigned = world.client.post("/v1/verification/2016/A1/assign", json={"body": "VER"},
                                 headers=_write("a1", regulator))  # fmt: skip
    assert assigned.json()["state"] == "assigned"
    assert [c["company"] for c in world.client.get("/v1/verification/2016",
                                                   headers=verifier).json()] == ["A1"]  # fmt: skip
    finding = {"kind": "misstatement", "description": "double-counted meter",
               "misstatement_t": "-100"}  # fmt: skip
    found = world.client.post("/v1/verification/2016/A1/findings", json=finding,
                              headers=_write("f1", verifier))  # fmt: skip
    assert found.json()["state"] == "in_verification"
    done = world.client.post("/v1/verification/2016/A1/verify", headers=_write("v1", verifier))
    # 100 / 7 321.2 = 1.4% < 5%: not material, verified at 7 321.2 − 100 = 7 221.2 t
    assert (done.json()["state"], done.json()["detail"]["verified_t"]) == ("verified", "7221.2")
    sample = world.client.post("/v1/verification/2016/sample", json={"seed": 1},
                               headers=_write("s1", regulator))  # fmt: skip
    assert sample.json()["sample"] == ["A1"]
    world.client.post("/v1/verification/2016/A1/recheck-assign", json={"body": "VB2"},
                      headers=_write("ra", regulator))  # fmt: skip
    # The world's verifier is not VB2: the re-check is not its case.
    theirs = world.client.post("/v1/verification/2016/A1/recheck", json={"figure_t": "7700"},
                               headers=_write("rc", verifier))  # fmt: skip
    assert (theirs.status_code, theirs.json()["error"]["code"]) == (404, "unknown_case")
    outcome = vf.record_recheck(world.engine, verification_rules("demo-province"), "A1", 2016,
                                Actor("body", "VB2"), Decimal("7700"), "", NOW)  # fmt: skip
    assert outcome.ok
    report = world.client.get("/v1/verification/2016/discrepancies", headers=regulator).json()
    # 7 700 − 7 221.2 = 478.8 t
    assert report[0]["difference_tco2"] == "478.8" and report[0]["state"] == "recheck_flagged"
    assert world.client.get("/v1/verification/2016/discrepancies",
                            headers=officer).status_code == 403  # fmt: skip


def test_mrv_writes_are_scoped_and_hidden_across_organisations(world: World) -> None:
    _bodies(world)
    officer = _filed(world)
    world.client.post("/v1/reports", json=REPORT, headers=_write("r1", officer))
    regulator, verifier = world.token("regulator"), world.token("verifier")
    # Another company's officer neither sees A1's case nor can act on it; its plan for A1
    # is refused.
    other = world.token("officer-b")
    assert world.client.get("/v1/verification/2016", headers=other).json() == []
    foreign = world.client.post("/v1/monitoring-plans", json={"toml": PLAN},
                                headers=_write("p2", other))  # fmt: skip
    assert foreign.json()["error"]["code"] == "plan_of_another_company"
    # A verifier sees no case before it is assigned, and cannot verify one (404, not 403).
    assert world.client.get("/v1/verification/2016", headers=verifier).json() == []
    early = world.client.post("/v1/verification/2016/A1/verify", headers=_write("v0", verifier))
    assert early.status_code == 404
    world.client.post("/v1/verification/2016/A1/assign", json={"body": "VB2"},
                      headers=_write("a1", regulator))  # fmt: skip
    assert world.client.get("/v1/verification/2016/A1/events",
                            headers=verifier).status_code == 404  # fmt: skip
    # Scopes: an officer cannot assign, a verifier cannot submit, a read-only token cannot write.
    assert world.client.post("/v1/verification/2016/A1/assign", json={"body": "VER"},
                             headers=_write("a2", officer)).status_code == 403  # fmt: skip
    assert world.client.post("/v1/reports", json=REPORT,
                             headers=_write("r3", verifier)).status_code == 403  # fmt: skip
    reader = world.token("officer-a", ["read"])
    assert world.client.post("/v1/reports/check", json=REPORT,
                             headers=reader).status_code == 403  # fmt: skip
    unknown = world.client.post("/v1/verification/2016/A1/recheck-assign",
                                json={"body": "NOPE"}, headers=_write("a3", regulator))  # fmt: skip
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (409, "invalid_state")
    bad = world.client.post("/v1/verification/2016/A1/findings",
                            json={"kind": "gossip", "description": "x"},
                            headers=_write("f0", verifier))  # fmt: skip
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "body.kind"
    missing = world.client.post("/v1/reports", json=REPORT, headers=officer)
    assert missing.json()["error"]["code"] == "idempotency_key_required"
