"""Bad values on the web forms are refused with what is wrong and how to fix it, in the
page's language, never defaulted, cut or guessed (QA walk of 2026-11-25)."""

from __future__ import annotations

import html

from sqlalchemy import text
from test_pages import _csrf, _login, _login_plain
from test_verification_flows import _bodies, _submitted

from grid_site_text import REPORT_CSV, grid_site_plan
from service_world import World
from tanshi.services import identity

HTMX = {"HX-Request": "true"}


def _in_english(world: World, username: str) -> None:
    user = identity.principal_named(world.engine, username)
    assert user is not None
    identity.set_locale(world.engine, user.user_id, "en")


def _count(world: World, table: str) -> int:
    with world.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_an_unknown_side_or_time_in_force_is_refused_at_its_field(world: World) -> None:
    client = _login(world, "trader")
    token = _csrf(client.get("/trade").text)
    form = {"csrf_token": token, "product": "DPEA-2016", "account": "DP-TR-TRD", "side": "hold",
            "quantity_t": "10", "price": "24.00", "time_in_force": "bogus"}  # fmt: skip
    refused = client.post("/trade/order", data=form | {"form_key": "k1"}, headers=HTMX)
    assert refused.status_code == 422, refused.text
    assert 'data-code="invalid_side"' in refused.text
    said = html.unescape(refused.text)
    assert "请选择买入或卖出" in said
    assert "方向: “hold”不是买卖方向：请选择买入或卖出" in said, said
    assert "有效期: “bogus”不是有效期类型" in said
    _in_english(world, "trader")
    english = html.unescape(client.post("/trade/order", data=form | {"form_key": "k2"},
                                        headers=HTMX).text)  # fmt: skip
    assert "Side: 'hold' is not a side: choose buy or sell" in english
    assert "Time in force: 'bogus' is not a time in force: choose GTC" in english
    tif = client.post("/trade/order", data=form | {"side": "buy", "form_key": "k3"}, headers=HTMX)
    assert 'data-code="invalid_time_in_force"' in tif.text
    assert "choose GTC, IOC or FOK as the time in force" in html.unescape(tif.text)
    assert _count(world, "exchange_commands") == 0  # nothing placed


TRANSFER = {"from_account": "DP-OH-A1", "to_account": "DP-OH-B1", "unit_class": "DPEA-2016",
            "quantity_t": "10"}  # fmt: skip


def test_an_over_long_memo_is_refused_with_the_limit_not_cut(world: World) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/company").text)
    form = TRANSFER | {"memo": "m" * 5000, "csrf_token": token}
    refused = client.post("/transfer", data=form | {"form_key": "t1"}, headers=HTMX)
    assert refused.status_code == 422 and 'data-code="text_too_long"' in refused.text
    assert "备注：最多允许 500 个字符，此处有 5,000 个：请缩短" in refused.text
    assert _count(world, "proposals") == 0  # nothing recorded, not a cut memo
    _in_english(world, "officer-a")
    english = client.post("/transfer", data=form | {"form_key": "t2"}, headers=HTMX)
    assert "Memo: at most 500 characters are allowed and this has 5,000: shorten it" in \
        html.unescape(english.text)  # fmt: skip
    kept = client.post("/transfer", data=form | {"memo": "m" * 500, "form_key": "t3"},
                       headers=HTMX)  # fmt: skip
    assert kept.status_code == 200, kept.text  # the limit itself is allowed


def test_over_long_verification_texts_and_body_codes_are_refused(world: World) -> None:
    verifier = _login(world, "verifier")
    token = _csrf(verifier.get("/verifier").text)
    finding = verifier.post("/verifier/2016/A1/finding", headers=HTMX, data={
        "csrf_token": token, "kind": "non_conformity", "description": "d" * 2001})  # fmt: skip
    assert 'data-code="text_too_long"' in finding.text
    assert "说明：最多允许 2,000 个字符，此处有 2,001 个：请缩短" in finding.text
    regulator = _login(world, "regulator")
    token = _csrf(regulator.get("/regulator/verification?year=2016").text)
    body = regulator.post("/regulator/verification/2016/A1/assign", headers=HTMX,
                          data={"csrf_token": token, "body": "V" * 41})  # fmt: skip
    assert 'data-code="text_too_long"' in body.text
    assert "核查机构：最多允许 40 个字符，此处有 41 个：请缩短" in body.text


def test_an_over_long_freeze_reason_is_refused(world: World) -> None:
    client = _login(world, "regulator")
    token = _csrf(client.get("/regulator/registry").text)
    refused = client.post("/regulator/registry/freeze", headers=HTMX, data={
        "csrf_token": token, "form_key": "f1", "account": "DP-OH-A1", "unit_class": "DPEA-2016",
        "quantity_t": "10", "order_reference": "court 1", "reason": "r" * 501})  # fmt: skip
    assert 'data-code="text_too_long"' in refused.text
    assert "原因：最多允许 500 个字符，此处有 501 个：请缩短" in refused.text


NOTICE = {"year": "2016", "code": "2016-Q1", "auction_on": "2017-03-01",
          "opens_at": "2017-03-01T09:00", "closes_at": "2017-03-01T11:00", "volume_t": "5000"}  # fmt: skip


def _notice(world: World, **changed: str) -> str:
    client = world.client  # the regulator, logged in
    token = _csrf(client.get("/regulator/allocation?year=2016").text)
    answer = client.post("/regulator/auction-notices", headers=HTMX,
                         data=NOTICE | changed | {"csrf_token": token})  # fmt: skip
    return html.unescape(answer.text)


def test_an_impossible_auction_day_is_refused_not_replaced(world: World) -> None:
    _login(world, "regulator")
    said = _notice(world, auction_on="2017-13-45", form_key="a1")
    assert 'data-code="invalid_date"' in said
    assert "拍卖日：“2017-13-45”不是日历上的日期：请输入日期，例如 2017-06-22" in said
    assert _count(world, "auction_notices") == 0
    _in_english(world, "regulator")
    english = _notice(world, auction_on="2017-13-45", form_key="a2")
    assert "Auction day: '2017-13-45' is not a day of the calendar: enter a date" in english
    empty = _notice(world, auction_on="", form_key="a3")  # empty: the window's closing day
    assert 'data-code="ok"' in empty, empty
    assert "empty: the day the window closes" in html.unescape(
        world.client.get("/regulator/allocation?year=2016").text
    )  # the form says so


def test_a_negative_reserve_price_and_an_over_long_code_say_what_is_allowed(
    world: World,
) -> None:
    _login(world, "regulator")
    negative = _notice(world, reserve_price="-3", form_key="r1")
    assert 'data-code="invalid_price"' in negative
    assert "底价：价格不能低于零：请输入每吨 0 或以上的价格" in negative
    fine = _notice(world, reserve_price="20.001", form_key="r2")
    assert "底价：最多保留两位小数" in fine
    long = _notice(world, code="C" * 500, form_key="r3")
    assert 'data-code="text_too_long"' in long
    assert "拍卖编号：最多允许 80 个字符，此处有 500 个：请缩短" in long
    _in_english(world, "regulator")
    english = _notice(world, reserve_price="-3", form_key="r4")
    assert "Reserve price: a price cannot be below zero: enter 0 or more per tonne" in english
    assert _count(world, "auction_notices") == 0


def test_a_verifier_acting_on_another_bodys_case_is_told_it_does_not_exist(
    world: World,
) -> None:
    _bodies(world)
    _submitted(world, "A1", "officer-a")
    assigned = world.client.post(
        "/v1/verification/2016/A1/assign",
        json={"body": "VB2"},
        headers=world.token("regulator") | {"Idempotency-Key": "as"},
    )
    assert assigned.status_code == 200, assigned.json()
    api = world.client.post(
        "/v1/verification/2016/A1/verify",
        headers=world.token("verifier") | {"Idempotency-Key": "v"},
    )
    assert api.status_code == 404 and api.json()["error"]["code"] == "unknown_case"
    verifier = _login(world, "verifier")  # VER's verifier: the case is VB2's
    token = _csrf(verifier.get("/verifier").text)
    for step, key in (("verify", "v1"), ("finding", "v2")):
        refused = verifier.post(f"/verifier/2016/A1/{step}", headers=HTMX, data={
            "csrf_token": token, "form_key": key, "kind": "non_conformity",
            "description": "x"})  # fmt: skip
        assert 'data-code="unknown_case"' in refused.text, refused.text
        assert "没有您可以处理的该核查案件" in refused.text and "not_permitted" not in refused.text
    unknown = verifier.post(
        "/verifier/2016/C1/verify", headers=HTMX, data={"csrf_token": token, "form_key": "v3"}
    )  # no case at all
    assert 'data-code="unknown_case"' in unknown.text  # the same answer: nothing to probe
    _in_english(world, "verifier")
    english = verifier.post("/verifier/2016/A1/verify", headers=HTMX,
                            data={"csrf_token": token, "form_key": "v4"})  # fmt: skip
    assert "no such verification case that you may act on" in english.text


def test_negative_or_too_fine_stated_emissions_are_refused_on_the_form(world: World) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/reports?year=2016").text)
    client.post("/reports/plan", data={"csrf_token": token, "toml": grid_site_plan("A1")})

    def sent(path: str, stated: str) -> str:
        answer = client.post(path, headers=HTMX, data={
            "csrf_token": token, "year": "2016", "stated_t": stated},
            files={"report": ("report.csv", REPORT_CSV.encode(), "text/csv")})  # fmt: skip
        assert answer.status_code == 422, answer.text
        return html.unescape(answer.text)

    for path in ("/reports/check", "/reports/submit"):
        negative = sent(path, "-5")
        assert "企业自报排放量（吨）：排放量不能低于零：请输入 0 或以上的吨数" in negative, negative
        assert "-5 tCO2" not in negative and "-5 吨" not in negative  # not passed to the checks
        assert "最多保留六位小数" in sent(path, "1.2345678")
    assert _count(world, "annual_reports") == 0
    _in_english(world, "officer-a")
    english = sent("/reports/submit", "-5")
    assert "Stated emissions (t): emissions cannot be below zero: enter 0 or more tonnes" in \
        english  # fmt: skip


def test_an_empty_to_account_is_asked_for_and_an_auditor_is_told_it_reads_only(
    world: World,
) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/company").text)
    empty = client.post("/transfer", headers=HTMX, data=TRANSFER | {
        "to_account": " ", "unit_class": "", "csrf_token": token, "form_key": "e1"})  # fmt: skip
    assert 'data-code="to_account_required"' in empty.text
    assert "转入账户: 请填写转入账户，例如 DP-OH-C002; 单位类别: 请填写单位类别" in empty.text
    assert "没有该编号" not in empty.text
    client.post("/logout", data={"csrf_token": token})
    auditor = _login_plain(world)
    token = _csrf(auditor.get("/accounts").text)
    refused = auditor.post("/transfer", headers=HTMX,
                           data=TRANSFER | {"csrf_token": token, "form_key": "a1"})  # fmt: skip
    assert 'data-code="forbidden"' in refused.text
    assert "审计员角色为只读" in refused.text and "管理员" not in refused.text
    _in_english(world, "auditor")
    english = auditor.post("/transfer", headers=HTMX,
                           data=TRANSFER | {"csrf_token": token, "form_key": "a2"})  # fmt: skip
    assert "the auditor role is read-only" in english.text
    assert "ask an administrator" not in english.text
    assert _count(world, "proposals") == 0


def test_a_waiver_with_an_empty_form_names_every_missing_field(world: World) -> None:
    client = _login(world, "regulator")
    token = _csrf(client.get("/regulator/registry").text)
    empty = {"csrf_token": token, "account": "", "declared_by": "", "waived": "on"}
    refused = client.post("/regulator/registry/waiver", headers=HTMX,
                          data=empty | {"form_key": "w1"})  # fmt: skip
    assert 'data-code="account_required"' in refused.text
    assert "账户: 请填写账户编号" in refused.text
    assert "声明人（有审批权的代表）: 请填写作出声明的代表" in refused.text
    _in_english(world, "regulator")
    english = html.unescape(client.post("/regulator/registry/waiver", headers=HTMX,
                                        data=empty | {"form_key": "w2"}).text)  # fmt: skip
    assert "Account: enter the account's code" in english
    assert "Declared by (a representative who may approve): name the representative" in english


def test_an_over_long_monitoring_plan_is_refused_not_cut(world: World) -> None:
    client = _login(world, "officer-a")
    token = _csrf(client.get("/reports").text)
    plan = grid_site_plan("A1") + "\n#" + "a" * 60_000  # within the 64 KiB a form may send
    refused = client.post("/reports/plan", headers=HTMX, data={"csrf_token": token, "toml": plan})
    assert 'data-code="text_too_long"' in refused.text
    assert "最多允许 60,000 个字符" in refused.text
    assert _count(world, "monitoring_plans") == 0
