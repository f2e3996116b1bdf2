"""Errors on web addresses are pages in the visitor's language (htmx gets the fragment); a
year without rules is a form error naming the rulebook's years; the API keeps its JSON."""

from __future__ import annotations

import pytest
from test_pages import _csrf, _login

from grid_site_text import REPORT_CSV, grid_site_plan
from service_world import World
from tanshi.resources import load_rulebook
from tanshi.rulebook import NoRuleInForce, rules_in_force
from tanshi.services import identity
from tanshi.web.forms import no_rules, say

HTMX = {"HX-Request": "true"}


def _in_english(world: World, username: str) -> None:
    user = identity.principal_named(world.engine, username)
    assert user is not None
    identity.set_locale(world.engine, user.user_id, "en")


def test_surrender_for_a_year_without_rules_names_the_years_that_have_them(world: World) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/company").text)
    form = {"unit_class": "DPEA-2016", "quantity_t": "10", "year": "2030", "form_key": "far",
            "csrf_token": token}  # fmt: skip
    refused = client.post("/surrender", data=form, headers=HTMX)
    assert refused.status_code == 422, refused.text
    assert 'data-code="no_rule_in_force"' in refused.text and "<html" not in refused.text
    assert ("规则手册没有 2030 年的规则；有规则的年份为 2016-2020：请从中选择一个年份"
            in refused.text)  # fmt: skip
    _in_english(world, "officer-a")
    again = client.post("/surrender", data=form | {"form_key": "far-en"}, headers=HTMX)
    said = ("the rulebook has no rules for 2030; it has rules for 2016-2020: choose one of "
            "those years")  # fmt: skip
    assert said in again.text and again.text.count("2030") == 1, again.text


def test_a_year_with_some_rules_names_the_kind_it_lacks_once_with_the_years_to_choose() -> None:
    with pytest.raises(NoRuleInForce) as raised:
        rules_in_force(load_rulebook("eu-ets")[0], 2019)
    refused = no_rules(raised.value)
    assert (refused.code, refused.detail, refused.issues) == ("no_rule_in_force", None, ())
    assert say("en", refused.message, refused.values) == (
        "the rulebook has no allocation rule in force in 2019; it has rules for 2021-2025: "
        "choose one of those years")  # fmt: skip
    assert say("zh", refused.message, refused.values) == (
        "规则手册没有 2019 年生效的分配规则；有规则的年份为 2021-2025：请从中选择一个年份"
    )


def test_report_check_for_a_year_without_rules_is_a_refusal_not_a_crash(world: World) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/reports").text)
    client.post("/reports/plan", data={"csrf_token": token, "toml": grid_site_plan("A1")})
    checked = client.post("/reports/check", headers=HTMX, data={
        "csrf_token": token, "year": "2099", "stated_t": "7321.2"},
        files={"report": ("r.csv", REPORT_CSV.encode(), "text/csv")})  # fmt: skip
    assert checked.status_code == 422, checked.text
    assert 'data-code="no_rule_in_force"' in checked.text and "2013-2020" in checked.text


def test_an_oversized_upload_is_a_page_in_the_users_language(world: World) -> None:
    client = _login(world, "officer-a")
    page = client.get("/reports")
    assert "64 KiB" in page.text and 'id="upload-limit"' in page.text  # said up front
    token = _csrf(page.text)
    big = {"report": ("r.csv", b"x" * (65 * 1024), "text/csv")}
    form = {"csrf_token": token, "year": "2016", "stated_t": "1"}
    whole = client.post("/reports/check", data=form, files=big)
    assert whole.status_code == 413
    assert whole.headers["content-type"].startswith("text/html")
    assert "<html" in whole.text and "<nav>" in whole.text and "/static/style.css" in whole.text
    assert "64 KiB" in whole.text and "超过" in whole.text and "payload_too_large" in whole.text
    fragment = client.post("/reports/submit", data=form, files=big, headers=HTMX)
    assert fragment.status_code == 413 and "<html" not in fragment.text
    assert 'data-code="payload_too_large"' in fragment.text
    api = client.post("/v1/reports", content=b"{" + b" " * (65 * 1024) + b"}",
                      headers={"Content-Type": "application/json"})  # fmt: skip
    assert api.status_code == 413 and api.json()["error"]["code"] == "payload_too_large"


def test_forbidden_and_unknown_web_pages_are_whole_pages_with_a_way_home(world: World) -> None:
    client = _login(world, "officer-a")
    forbidden = client.get("/regulator")
    assert forbidden.status_code == 403
    assert "<html" in forbidden.text and "<nav>" in forbidden.text
    assert 'href="/company"' in forbidden.text and "返回首页" in forbidden.text
    assert "<html" not in client.get("/regulator", headers=HTMX).text  # htmx: the fragment
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert 'data-code="not_found"' in missing.text and "此地址没有页面" in missing.text
    assert "<nav>" in missing.text and 'href="/company"' in missing.text
    _in_english(world, "officer-a")
    english = client.get("/no/such/page")
    assert "there is no page at this address" in english.text
    assert "Back to your home page" in english.text
    # The API's addresses keep the API's JSON.
    api = client.get("/v1/no/such/route")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_an_anonymous_visitor_gets_the_not_found_page_in_the_browsers_language(
    world: World,
) -> None:
    english = world.client.get("/nowhere", headers={"Accept-Language": "en"})
    assert english.status_code == 404 and "there is no page at this address" in english.text
    assert 'href="/public"' in english.text
    assert "此地址没有页面" in world.client.get("/nowhere").text  # Chinese by default


def test_a_query_value_a_page_cannot_read_is_a_page_not_json(world: World) -> None:
    """/public?year=abc was the API's JSON (int_parsing); the API itself keeps its JSON."""
    answer = world.client.get("/public?year=abc")
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert (
        "地址中有本页无法读取的值（年度：请输入整数）" in answer.text
        and 'href="/public"' in answer.text
    )
    assert "Input should" not in answer.text  # pydantic's English stays off a Chinese page
    english = world.client.get("/public?year=abc", headers={"Accept-Language": "en"})
    assert "(Year: enter a whole number)" in english.text
    low = world.client.get("/public?year=1200", headers={"Accept-Language": "en"})
    assert "(Year: it must be at least 1990)" in low.text
    api = world.client.get("/v1/public/compliance/abc/report.csv")
    assert api.status_code == 422 and api.json()["error"]["field"] == "path.year"


def test_every_address_value_a_page_cannot_read_is_named_in_its_language(world: World) -> None:
    """Two unreadable values: both named by their labels, not only the first."""
    address = "/public/transactions?offset=abc&type=" + "x" * 41
    answer = world.client.get(address)
    assert answer.status_code == 422, answer.text
    assert ("地址中有 2 个本页无法读取的值（类型：最多 40 个字符；列表起始位置：请输入整数）"
            in answer.text), answer.text  # fmt: skip
    english = world.client.get(address, headers={"Accept-Language": "en"})
    assert ("the address has 2 values this page cannot read (Type: it may have at most 40 "
            "characters; Position in the list: enter a whole number)") in english.text  # fmt: skip


def test_a_refused_transfer_is_listed_as_refused_not_as_pending_work(world: World) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/company").text)
    form = {"from_account": "DP-OH-A1", "to_account": "DP-OH-C1", "unit_class": "DPEA-2016",
            "quantity_t": "9999999999", "form_key": "huge", "csrf_token": token}  # fmt: skip
    refused = client.post("/transfer", data=form, headers=HTMX)
    assert refused.status_code == 422 and 'data-code="insufficient_units"' in refused.text
    page = client.get("/approvals").text
    assert "已拒绝，未转移任何单位" in page and "<code>insufficient_units</code>" in page
    assert "没有待审批的申请。" in page  # not pending work


def test_what_the_api_answers_not_found_reads_in_the_visitors_language(world: World) -> None:
    """A company, a verification statement or a jurisdiction that is not there: the page says
    the API's answer in Chinese (the API's JSON keeps its English)."""
    client = _login(world, "regulator")
    company = client.get("/regulator/companies/C999")
    assert company.status_code == 404 and "没有重点排放单位 C999" in company.text
    statement = client.get("/statements/2016/C999.html")
    assert (
        statement.status_code == 404 and "没有您可查阅的 C999 2016 年度核查报告" in statement.text
    )
    place = client.get("/public/transactions?jurisdiction=XX")
    assert place.status_code == 404 and "本数据库中没有辖区 XX" in place.text
    for text in (company.text, statement.text, place.text):
        assert "no covered company" not in text and "that you may read" not in text
        assert "in this database" not in text
    _in_english(world, "regulator")
    assert "no covered company C999" in client.get("/regulator/companies/C999").text
    assert "no jurisdiction XX in this database; the jurisdictions are DP" in client.get(
        "/public/transactions?jurisdiction=XX").text  # fmt: skip
    api = client.get("/v1/public/transactions?jurisdiction=XX")
    assert api.json()["error"]["message"] == (
        "no jurisdiction XX in this database; the jurisdictions are DP")  # fmt: skip
