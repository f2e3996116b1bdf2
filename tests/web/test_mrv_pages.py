"""The MRV pages: a company uploads, checks and submits; the regulator assigns; the verifier
records a finding and verifies; the regulator sees the progress. CSRF on every form."""

from __future__ import annotations

from test_pages import _csrf, _login

from grid_site_text import MONTHS, REPORT_CSV, grid_site_plan
from service_world import NOW, PASSWORD, World
from tanshi.services import verification as vf

PLAN = grid_site_plan("A1")
GOOD = REPORT_CSV


def _upload(client, path: str, token: str, text: str, stated: str = "7321.2"):
    return client.post(path, data={"csrf_token": token, "year": "2016", "stated_t": stated},
                       files={"report": ("report.csv", text.encode(), "text/csv")})  # fmt: skip


def test_company_reports_page_checks_and_submits(world: World) -> None:
    assert vf.register_body(world.engine, "VER", "Verifier org", NOW) == []
    client = _login(world, "officer-a")
    page = client.get("/reports?year=2016")
    assert page.status_code == 200 and "排放报告" in page.text
    token = _csrf(page.text)
    filed = client.post("/reports/plan", data={"csrf_token": token, "toml": PLAN})
    assert filed.status_code == 200 and 'data-code="ok"' in filed.text
    checked = _upload(client, "/reports/check", token, MONTHS, stated="7000")
    # Every problem at once: the missing total row and the stated total that does not add up.
    assert "annual_total_missing" in checked.text and "emissions_total_mismatch" in checked.text
    refused = _upload(client, "/reports/submit", token, MONTHS)
    assert refused.status_code == 422 and "annual_total_missing" in refused.text
    forged = _upload(client, "/reports/submit", "not-the-token", GOOD)
    assert forged.status_code == 403
    assert 'data-code="checks_passed"' in _upload(client, "/reports/check", token, GOOD).text
    submitted = _upload(client, "/reports/submit", token, GOOD)
    assert submitted.status_code == 200 and "submitted" not in submitted.text  # translated
    assert "已提交" in submitted.text
    assert "7,321.2" in client.get("/reports?year=2016").text

    regulator = _login(world, "regulator")
    progress = regulator.get("/regulator/verification?year=2016")
    assert progress.status_code == 200 and "核查进度" in progress.text
    token = _csrf(progress.text)
    assigned = regulator.post("/regulator/verification/2016/A1/assign",
                              data={"csrf_token": token, "body": "VER"})  # fmt: skip
    assert 'data-code="ok"' in assigned.text, assigned.text

    regulator.post("/logout", data={"csrf_token": _csrf(regulator.get("/regulator").text)})
    token = _csrf(world.client.get("/login").text)
    world.client.post("/login", data={"username": "verifier", "password": PASSWORD,
                                      "totp": world.code("verifier"), "csrf_token": token})  # fmt: skip
    cases = world.client.get("/verifier?year=2016")
    assert "/verifier/2016/A1/finding" in cases.text
    token = _csrf(cases.text)
    found = world.client.post("/verifier/2016/A1/finding", data={
        "csrf_token": token, "kind": "misstatement", "amount_t": "-100",
        "description": "double-counted meter"})  # fmt: skip
    assert 'data-code="ok"' in found.text, found.text
    done = world.client.post("/verifier/2016/A1/verify", data={"csrf_token": token})
    assert 'data-code="ok"' in done.text and "已核查" in done.text
    assert world.client.post("/verifier/2016/A1/verify", data={}).status_code == 403  # no CSRF


def test_mrv_pages_refuse_other_roles(world: World) -> None:
    client = _login(world, "officer-b")
    assert client.get("/regulator/verification").status_code == 403
    token = _csrf(client.get("/reports").text)
    assigned = client.post("/regulator/verification/2016/A1/assign",
                           data={"csrf_token": token, "body": "VER"})  # fmt: skip
    assert assigned.status_code == 403
    assert client.post("/verifier/2016/A1/verify", data={"csrf_token": token}).status_code == 403


COAL_STREAMS = """
[[streams]]
unit = "boiler"
stream = "other_bituminous_coal"
kind = "fuel"
subject = "other_bituminous_coal"
activity_unit = "t"
parameters = { quantity = "measured" }

[[streams]]
unit = "boiler"
stream = "coal-yard-2"
kind = "fuel"
subject = "anthracite"
activity_unit = "t"
parameters = { quantity = "measured" }
"""
COAL_PLAN = PLAN + COAL_STREAMS


def test_the_facilities_table_names_streams_by_their_fuel(world: World) -> None:
    """A stream the plan names by a fuel's code reads as the fuel's name in the page's
    language; a stream named otherwise stays the plan's own name."""
    client = world.browser("officer-a")
    token = _csrf(client.get("/reports").text)
    filed = client.post("/reports/plan", data={"csrf_token": token, "toml": COAL_PLAN})
    assert 'data-code="ok"' in filed.text, filed.text
    page = client.get("/company").text
    assert '<td>boiler</td><td title="other_bituminous_coal">其他烟煤</td>' in page
    assert '<td>site</td><td title="grid">电网电力</td>' in page
    assert "<code>coal-yard-2</code>" in page and "<code>grid</code>" not in page
    client.post("/lang", data={"to": "en", "csrf_token": token})
    english = client.get("/company").text
    assert '<td>boiler</td><td title="other_bituminous_coal">other bituminous coal</td>' in english


def test_report_problems_read_in_the_page_language(world: World) -> None:
    """The check lists each problem from its template with the report's own figures; the
    refused submission's details say them the same way, and so does the form sent again."""
    client = world.browser("officer-a")
    token = _csrf(client.get("/reports?year=2016").text)
    client.post("/reports/plan", data={"csrf_token": token, "toml": PLAN})
    checked = _upload(client, "/reports/check", token, MONTHS, stated="7000").text
    assert "请填报该排放源流的年度合计（月份填 total）" in checked
    assert "报告填报排放量 7000 吨二氧化碳，但按规则手册的核算方法，其数据得出 7321.200" in checked
    assert "give the stream's annual total" not in checked
    form = {"csrf_token": token, "year": "2016", "stated_t": "7321.2", "form_key": "r-1"}
    files = {"report": ("report.csv", MONTHS.encode(), "text/csv")}
    for _ in range(2):  # the second answer is the one kept under the form's key
        refused = client.post("/reports/submit", data=form, files=files)
        assert refused.status_code == 422
        assert "annual_total_missing: 请填报该排放源流的年度合计（月份填 total）" in refused.text
    client.post("/lang", data={"to": "en", "csrf_token": token})
    english = _upload(client, "/reports/check", token, MONTHS, stated="7000").text
    assert "give the stream&#39;s annual total (month &#39;total&#39;)" in english


def test_the_report_check_says_where_in_the_page_language(world: World) -> None:
    """The check's Where column says a month, a month's parameter and the company-year in
    Chinese (from their patterns), with the report's own names and figures."""
    client = world.browser("officer-a")
    token = _csrf(client.get("/reports?year=2016").text)
    client.post("/reports/plan", data={"csrf_token": token, "toml": PLAN})
    rows = "".join(f"site,grid,{m},1000,{'9' if m == 3 else ''},measured\n" for m in range(1, 13))
    text = "unit,stream,month,quantity,ncv,ncv_basis\n" + rows + "site,grid,3,1000,,measured\n"
    checked = _upload(client, "/reports/check", token, text, stated="7000").text
    assert "<code>month_duplicate</code></td><td>site/grid 第 3 月</td>" in checked
    assert "<code>parameter_not_in_plan</code></td><td>site/grid 第 3 月 ncv</td>" in checked
    assert "<code>emissions_total_mismatch</code></td><td>企业 A1，2016 年</td>" in checked
    assert " month 3" not in checked and "company A1" not in checked
    client.post("/lang", data={"to": "en", "csrf_token": token})
    english = _upload(client, "/reports/check", token, text, stated="7000").text
    assert "<code>month_duplicate</code></td><td>site/grid month 3</td>" in english
    assert "<code>emissions_total_mismatch</code></td><td>company A1, 2016</td>" in english
