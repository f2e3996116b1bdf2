"""The verification pages end to end: a year selector, changing a body assigned by mistake,
re-checks recorded on the web, and findings checked, listed and withdrawn (docs/verification.md)."""

from __future__ import annotations

import re

from test_pages import _csrf

from grid_site_text import REPORT_CSV, STATED_T, grid_site_plan
from service_world import NOW, PASSWORD, World
from tanshi.services import identity
from tanshi.services import verification as vf


def _write(world: World, username: str, key: str) -> dict[str, str]:
    return world.token(username) | {"Idempotency-Key": key}


def _submitted(world: World, company: str, officer: str, years=(2016,)) -> None:
    """``company``'s plan and its grid-site report for each of ``years``, through the API."""
    filed = world.client.post("/v1/monitoring-plans", json={"toml": grid_site_plan(company)},
                              headers=_write(world, officer, f"p{company}"))  # fmt: skip
    assert filed.status_code == 201, filed.json()
    for year in years:
        report = {"year": year, "stated_t": STATED_T, "csv": REPORT_CSV}
        made = world.client.post("/v1/reports", json=report,
                                 headers=_write(world, officer, f"r{company}{year}"))  # fmt: skip
        assert made.status_code == 201, made.json()


def _bodies(world: World) -> None:
    """VER (the world's verifier) and VB2, whose own verifier logs in as verifier2."""
    for code in ("VER", "VB2"):
        assert vf.register_body(world.engine, code, f"Body {code}", NOW) == []
    identity.create_organisation(world.engine, "VB2", "Body VB2", "verifier", NOW)
    _, issues = identity.create_user(world.engine, "verifier2", "Verifier2", "VB2", "verifier",
                                     PASSWORD, NOW, locale="zh")  # fmt: skip
    assert not issues, issues


def _post(client, path: str, page: str, **form: str):
    return client.post(path, data={"csrf_token": _csrf(page), **form},
                       headers={"HX-Request": "true"})  # fmt: skip


def test_a_year_selector_and_a_body_changed_before_it_started(world: World) -> None:
    _bodies(world)
    _submitted(world, "A1", "officer-a", years=(2016, 2017))
    regulator = world.browser("regulator")
    page = regulator.get("/regulator/verification?year=2016").text
    assert 'href="/regulator/verification?year=2017"' in page
    assert re.search(r'href="/regulator/verification\?year=2016" class="here"', page)
    page = regulator.get("/regulator/verification?year=2017").text
    first = _post(regulator, "/regulator/verification/2017/A1/assign", page, body="VB2")
    assert 'data-code="ok"' in first.text, first.text
    # The walkthrough's mistake: VB2 was meant to be VER. Assigning again is refused...
    again = _post(regulator, "/regulator/verification/2017/A1/assign", page, body="VER")
    assert 'data-code="invalid_state"' in again.text
    # ...but the page offers to change the body while it has recorded nothing.
    page = regulator.get("/regulator/verification?year=2017").text
    assert "/regulator/verification/2017/A1/reassign" in page and "更换核查机构" in page
    changed = _post(regulator, "/regulator/verification/2017/A1/reassign", page, body="VER")
    assert 'data-code="ok"' in changed.text, changed.text
    trail = vf.events(world.engine, "A1", 2017)
    assert (trail[-1].action, trail[-1].result) == ("reassign", "ok")
    assert trail[-1].detail == {"body": "VER", "replaces": "VB2"}
    # Once the body recorded a finding it stays, and the page says why.
    verifier = world.browser("verifier")
    cases = verifier.get("/verifier?year=2017").text
    assert "?year=2016" not in cases  # the verifier's years are those of its own cases
    found = _post(verifier, "/verifier/2017/A1/finding", cases, kind="non_conformity",
                  description="meter not calibrated")  # fmt: skip
    assert 'data-code="ok"' in found.text, found.text
    page = regulator.get("/regulator/verification?year=2017").text
    assert "/2017/A1/reassign" not in page and "核查机构已开始工作" in page
    late = _post(regulator, "/regulator/verification/2017/A1/reassign", page, body="VB2")
    assert 'data-code="invalid_state"' in late.text


def test_a_recheck_assigned_on_the_web_is_recorded_on_the_web(world: World) -> None:
    _bodies(world)
    _submitted(world, "A1", "officer-a")
    _submitted(world, "B1", "officer-b")
    for company, body, verifier in (("A1", "VER", "verifier"), ("B1", "VB2", "verifier2")):
        world.client.post(f"/v1/verification/2016/{company}/assign", json={"body": body},
                          headers=_write(world, "regulator", f"a{company}"))  # fmt: skip
        done = world.client.post(f"/v1/verification/2016/{company}/verify",
                                 headers=_write(world, verifier, f"v{company}"))  # fmt: skip
        assert done.json()["state"] == "verified", done.json()
    regulator = world.browser("regulator")
    page = regulator.get("/regulator/verification?year=2016").text
    # Each re-check box holds a body that is allowed: never the case's own verifier.
    boxes = dict(re.findall(r'/2016/(\w+)/recheck-assign".*?name="body"[^>]*value="(\w*)"', page,
                            flags=re.DOTALL))  # fmt: skip
    assert boxes == {"A1": "VB2", "B1": "VER"}
    assigned = _post(regulator, "/regulator/verification/2016/B1/recheck-assign", page,
                     body=boxes["B1"])  # fmt: skip
    assert 'data-code="ok"' in assigned.text, assigned.text
    verifier = world.browser("verifier")
    cases = verifier.get("/verifier?year=2016").text
    assert "待记录的复核" in cases and 'action="/verifier/2016/B1/recheck"' in cases
    negative = _post(verifier, "/verifier/2016/B1/recheck", cases, figure_t="-1")
    assert 'data-code="invalid_number"' in negative.text
    recorded = _post(verifier, "/verifier/2016/B1/recheck", cases, figure_t=STATED_T,
                     note="same meters read again")  # fmt: skip
    assert 'data-code="ok"' in recorded.text and "复核确认" in recorded.text, recorded.text
    assert 'action="/verifier/2016/B1/recheck"' not in verifier.get("/verifier?year=2016").text


def test_findings_are_checked_listed_and_withdrawn_before_the_conclusion(world: World) -> None:
    _bodies(world)
    _submitted(world, "A1", "officer-a")
    world.client.post("/v1/verification/2016/A1/assign", json={"body": "VER"},
                      headers=_write(world, "regulator", "a"))  # fmt: skip
    verifier = world.browser("verifier")
    cases = verifier.get("/verifier?year=2016").text
    assert "尚未记录核查发现" in cases
    # The walkthrough's −99,999,999 t on a 7,321.2 t report: the correct figure would be < 0.
    absurd = _post(verifier, "/verifier/2016/A1/finding", cases, kind="misstatement",
                   amount_t="-99999999", description="typo")  # fmt: skip
    assert absurd.status_code == 422 and "misstatement_exceeds_report" in absurd.text
    assert 'data-code="finding_invalid"' in absurd.text
    zero = _post(verifier, "/verifier/2016/A1/finding", cases, kind="misstatement",
                 amount_t="0", description="nothing")  # fmt: skip
    assert "misstatement_zero" in zero.text
    found = _post(verifier, "/verifier/2016/A1/finding", cases, kind="misstatement",
                  amount_t="-100", description="double-counted meter")  # fmt: skip
    assert 'data-code="ok"' in found.text and found.headers["HX-Trigger"] == "findings-changed"
    cases = verifier.get("/verifier?year=2016").text
    assert 'id="finding-1"' in cases and "double-counted meter" in cases
    assert 'action="/verifier/2016/A1/withdraw"' in cases
    unexplained = _post(verifier, "/verifier/2016/A1/withdraw", cases, finding_id="1", reason="")
    assert 'data-code="finding_invalid"' in unexplained.text
    withdrawn = _post(verifier, "/verifier/2016/A1/withdraw", cases, finding_id="1",
                      reason="the meter was counted once after all")  # fmt: skip
    assert 'data-code="ok"' in withdrawn.text, withdrawn.text
    twice = _post(verifier, "/verifier/2016/A1/withdraw", cases, finding_id="1", reason="again")
    assert 'data-code="finding_unknown"' in twice.text
    listed = verifier.get("/verifier/2016/A1/findings", headers={"HX-Request": "true"}).text
    assert 'class="withdrawn"' in listed and "已撤回" in listed and "counted once" in listed
    assert "/withdraw" not in listed  # nothing left to withdraw
    done = _post(verifier, "/verifier/2016/A1/verify", cases)
    assert 'data-code="ok"' in done.text
    case = next(c for c in vf.cases(world.engine, 2016) if c.company == "A1")
    assert str(case.verified_tco2) == STATED_T and case.misstatements == 0  # withdrawn: left out
    statement = world.client.get("/v1/verification/2016/A1/statement",
                                 headers=world.token("regulator")).json()  # fmt: skip
    assert statement["findings"] == [], statement
    trail = [(e.action, e.result) for e in vf.events(world.engine, "A1", 2016)]
    assert ("withdraw_finding", "ok") in trail and ("withdraw_finding", "finding_unknown") in trail
    other = world.browser("officer-b")
    assert other.get("/verifier/2016/A1/findings").status_code == 403
