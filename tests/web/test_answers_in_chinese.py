"""Refusals that reach a page from the API's layer (api/context.py, api/mrv_desk.py, the
public log's type filter, load_jurisdiction) read in the page's language, say which values
there are in plain words (no Python list), and give web users advice that fits them."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi.routing import APIRoute
from test_error_pages import _in_english
from test_pages import _csrf, _login, _login_plain
from test_trade_exchange_choice import ORDER, _second_exchange

import tanshi.web
from service_world import World
from tanshi.services import identity
from tanshi.web.errors import ADDRESS_FIELDS, is_api
from tanshi.web.i18n import translator


def _no_english_leak(text: str) -> None:
    for english in ("your organisation belongs", "in this database", "run tanshi demo",
                    "no covered company", "no transaction type", "['"):  # fmt: skip
        assert english not in text, english


def test_another_jurisdictions_exchange_is_refused_in_chinese(world: World) -> None:
    client = _login(world, "officer-a")  # walled to DP
    page = client.get("/trade?jurisdiction=ZZ")
    assert page.status_code == 403, page.text
    assert "您的机构属于 DP，而非 ZZ" in page.text
    _no_english_leak(page.text)
    _in_english(world, "officer-a")
    assert "your organisation belongs to DP, not ZZ" in client.get("/trade?jurisdiction=ZZ").text


def test_a_jurisdiction_not_there_names_those_there_without_cli_advice(world: World) -> None:
    client = _login_plain(world)  # the auditor sees every jurisdiction
    page = client.get("/trade?jurisdiction=ZZ")
    assert page.status_code == 404, page.text
    assert "本数据库中没有辖区 ZZ；现有辖区为 DP" in page.text
    _no_english_leak(page.text)
    public = world.client.get("/public/transactions?jurisdiction=XX")
    assert public.status_code == 404 and "现有辖区为 DP" in public.text
    _no_english_leak(public.text)
    api = world.client.get("/v1/public/transactions?jurisdiction=XX").json()["error"]
    assert api["code"] == "unknown_jurisdiction"
    assert api["message"] == "no jurisdiction XX in this database; the jurisdictions are DP"


def test_the_regulator_is_told_in_chinese_of_a_company_outside_its_jurisdiction(
    world: World,
) -> None:  # fmt: skip
    regulator = _login(world, "regulator")
    token = _csrf(regulator.get("/regulator/verification?year=2016").text)
    answer = regulator.post("/regulator/verification/2016/C999/recheck-assign",
                            data={"csrf_token": token, "body": "VER", "form_key": "k1"})  # fmt: skip
    assert 'data-code="unknown_company"' in answer.text, answer.text
    assert "您的辖区内没有重点排放单位 C999" in answer.text
    _no_english_leak(answer.text)


def test_an_unknown_transaction_type_lists_the_types_readably(world: World) -> None:
    page = world.client.get("/public/transactions?type=nope")
    assert page.status_code == 422, page.text
    assert "没有交易类型 nope；交易类型为 " in page.text and "allocation, " in page.text
    _no_english_leak(page.text)
    api = world.client.get("/v1/public/transactions?type=nope").json()["error"]
    assert api["message"].startswith("no transaction type nope; the types are ")
    assert "allocation, " in api["message"] and "[" not in api["message"]


def test_a_form_without_its_jurisdiction_names_those_there_readably(world: World) -> None:
    _second_exchange(world)
    client = _login(world, "trader")
    token = _csrf(client.get("/trade?jurisdiction=DP").text)
    unnamed = client.post("/trade/order", data=ORDER | {"csrf_token": token, "form_key": "o1"},
                          headers={"HX-Request": "true"})  # fmt: skip
    assert unnamed.status_code == 422 and "jurisdiction_required" in unnamed.text
    assert "请指明辖区：本数据库现有 DP, DQ" in unnamed.text, unnamed.text
    _no_english_leak(unnamed.text)


BAD_PLAN = """
company = 5

[[streams]]
unit = "boiler-1"
kind = "fule"
subject = "other_bituminous_coal"
activity_unit = "t"
parameters = { quantity = "guess" }
"""


def test_a_plan_upload_lists_every_problem_with_its_key_in_chinese(world: World) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/reports").text)
    answer = client.post("/reports/plan", data={"csrf_token": token, "toml": BAD_PLAN},
                         headers={"HX-Request": "true"})  # fmt: skip
    text = answer.text.replace("&#34;", '"').replace("&quot;", '"')
    assert 'data-code="plan_field_invalid"' in text, text
    for said in ('company 须为带引号的文本，例如 company = "C001"；计划中为 5',
                 "缺少 version：请添加，例如 version = 1", "缺少 valid_from_year",
                 "第 1 个 [[streams]] 表", "缺少 stream：请添加",
                 'kind 须为 fuel, electricity 之一，例如 kind = "fuel"；计划中为 "fule"',
                 '参数 quantity 的获取方式须为 "measured"'):  # fmt: skip
        assert said in text, said
    assert "missing or bad field" not in text and "must be" not in text


def test_a_misspelt_plan_key_is_named_with_its_suggestion_in_chinese(world: World) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/reports").text)
    plan = BAD_PLAN.replace("company = 5", 'compnay = "C001"\nversion = 1\nvalid_from_year = 2016')
    answer = client.post("/reports/plan", data={"csrf_token": token, "toml": plan},
                         headers={"HX-Request": "true"})  # fmt: skip
    assert 'data-code="unknown_key"' in answer.text, answer.text
    assert "此处没有 compnay 这个键：您是否想写 company？可用的键为 company, version" in answer.text
    assert "is not a key" not in answer.text


def test_a_plan_that_is_not_toml_says_where_in_chinese(world: World) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/reports").text)
    answer = client.post("/reports/plan", data={"csrf_token": token,
                                                "toml": 'company = "A1"\nversion 1\n'},
                         headers={"HX-Request": "true"})  # fmt: skip
    assert 'data-code="plan_toml_invalid"' in answer.text, answer.text
    assert "监测计划在第 2 行第 9 列不是有效的 TOML：Expected '=' after a key" in answer.text.replace(
        "&#39;", "'")  # fmt: skip


def test_choices_of_roles_kinds_and_locales_are_listed_readably_in_chinese(world: World) -> None:
    client = _login(world, "admin")
    token = _csrf(client.get("/admin/users").text)
    user = client.post("/admin/users", data={
        "csrf_token": token, "form_key": "u1", "username": "someone", "display_name": "Some One",
        "organisation": "ORG-B", "role": "emperor", "locale": "xx"})  # fmt: skip
    assert 'data-code="unknown_role"' in user.text, user.text
    assert "角色须为 regulator, compliance_officer, " in user.text
    assert "语言须为 en, zh 之一" in user.text
    asked = client.post("/admin/users", data={
        "csrf_token": token, "form_key": "u2", "username": "someone", "display_name": "Some One",
        "organisation": "REG", "role": "regulator", "locale": "xx"})  # fmt: skip
    assert "语言须为 en, zh 之一" in asked.text, asked.text
    organisation = client.post(
        "/admin/organisations",
        data={"csrf_token": token, "form_key": "o1", "code": "ORG-X", "name": "X", "kind": "guild"},
    )
    assert "类型须为以下之一：regulator, company, " in organisation.text, organisation.text
    for text in (user.text, asked.text, organisation.text):
        assert "['" not in text and "&#39;" not in text.split('data-code="')[1].split("</div>")[0]


def test_an_unknown_account_status_lists_the_statuses_readably(world: World) -> None:
    bad = world.client.post("/v1/accounts/DP-OH-A1/status", json={"status": "exploded",
                            "reason": "x"}, headers=world.token("regulator") | {
                            "Idempotency-Key": "s1"})  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["error"]["message"] == (
        "status must be one of open, restricted, suspended, frozen, closure_pending, closed"
    )


def test_an_address_value_that_cannot_be_read_is_named_in_the_pages_language(
    world: World,
) -> None:  # fmt: skip
    client = _login(world, "verifier")
    token = _csrf(client.get("/verifier").text)
    refused = client.post("/verifier/abcd/A1/verify", data={"csrf_token": token})
    assert refused.status_code == 422, refused.text
    assert "地址中有本页无法读取的值（年度：请输入整数）" in refused.text, refused.text
    assert "(year:" not in refused.text and "（year：" not in refused.text


def test_every_value_of_a_web_address_has_a_name_in_chinese() -> None:
    """A new path or query value without a name in ADDRESS_FIELDS would show its machine
    name on the address's error page; this fails instead."""
    zh = translator("zh")
    names = set()
    routes = []
    for module in pkgutil.iter_modules(tanshi.web.__path__):
        router = getattr(importlib.import_module(f"tanshi.web.{module.name}"), "router", None)
        routes += router.routes if router is not None else []
    for route in routes:
        if not isinstance(route, APIRoute) or is_api(route.path):
            continue
        dependants = [route.dependant]
        while dependants:
            one = dependants.pop()
            names |= {p.alias or p.name for p in one.path_params + one.query_params}
            dependants += one.dependencies
    assert {"year", "company", "action"} <= names
    assert sorted(names - set(ADDRESS_FIELDS)) == []
    for name in ADDRESS_FIELDS.values():
        assert zh(name) != name, name


def test_a_user_without_a_display_name_is_refused_in_chinese(world: World) -> None:
    client = _login(world, "admin")
    token = _csrf(client.get("/admin/users").text)
    for key, organisation, role in (
        ("n1", "ORG-B", "compliance_officer"),
        ("n2", "REG", "regulator"),
    ):
        refused = client.post("/admin/users", data={
            "csrf_token": token, "form_key": key, "username": "nameless", "display_name": "  ",
            "organisation": organisation, "role": role, "locale": "zh"})  # fmt: skip
        assert 'data-code="display_name_required"' in refused.text, refused.text
        assert "请填写用户的显示名称，即页面上显示的姓名" in refused.text
    assert not identity.user_exists(world.engine, "nameless")
    api = world.client.post("/v1/users", json={
        "username": "nameless", "display_name": " ", "organisation": "ORG-B",
        "role": "auditor", "password": "a long enough password"}, headers=world.token("admin") | {"Idempotency-Key": "n3"})  # fmt: skip
    assert api.status_code == 422 and api.json()["error"]["code"] == "display_name_required"
