"""Registry controls on the web: a company's representatives keep its trusted list (two of
them add, one removes) and may withdraw the waiver; the regulator freezes and releases units
by order, records waivers and sees the transfers waiting for release."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import text
from test_admin_pages import _key
from test_pages import _csrf, _login

from registry_controls import CONTROLS, EU_CONTROLS, EU_TWO_TO_REMOVE
from service_world import NOW, PASSWORD, World
from tanshi.registry import Movement, TransactionRequest
from tanshi.services import identity, lifecycle, trust_requests, trusted_list
from tanshi.services.jurisdiction import account_id, load_jurisdiction, unit_class_id
from tanshi.web.account_controls import PROPOSE_KEY, WAIVER_KEY, row_key_id

PAGE = "/accounts/DP-OH-A1/controls"


def _page(world: World, username: str):
    client = _login(world, username)
    page = client.get(PAGE)
    assert page.status_code == 200, page.text
    return client, page.text, _csrf(page.text)


def _elsewhere(world: World, username: str) -> TestClient:
    """``username`` logged in on a client of their own (each may log in once per test: the
    test clock stands still and a one-time code is used once)."""
    client = TestClient(world.client.app, base_url="http://testserver")
    token = _csrf(client.get("/login").text)
    code = "" if username == "auditor" else world.code(username)  # the auditor has no TOTP
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                          "totp": code, "csrf_token": token},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    return client


def _with_rules(world: World, rules: str) -> None:
    """Append a [[registry]] rule before the service first loads the jurisdiction."""
    with world.engine.begin() as connection:
        connection.execute(text("UPDATE jurisdictions SET rulebook_text = rulebook_text || :r"),
                           {"r": rules})  # fmt: skip


def _answer(response) -> str:
    """The result's code (``data-code``)."""
    found = re.search(r'data-code="([^"]*)"', response.text)
    assert found, response.text
    return found.group(1)


def test_two_representatives_add_and_one_removes(world: World) -> None:
    client, page, token = _page(world, "officer-a")
    assert "信任账户列表" in page and "DP-OH-A1" in page
    proposed = client.post("/accounts/DP-OH-A1/trusted/propose", data={
        "trusted": "DP-OH-C1", "csrf_token": token, "form_key": _key(page, PROPOSE_KEY)})  # fmt: skip
    assert _answer(proposed) == "ok" and "须由另一名代表确认" in proposed.text, proposed.text
    assert proposed.headers["HX-Trigger"] == "controls-changed"
    [request] = trust_requests.pending(world.engine, "DP-OH-A1")
    page = client.get(PAGE).text
    assert f'id="trust-request-{request.id}"' in page and "由另一名代表确认" in page
    assert f"/trusted/{request.id}/confirm" not in page  # no confirm button for the proposer
    own = client.post(f"/accounts/DP-OH-A1/trusted/{request.id}/confirm", data={
        "csrf_token": token, "form_key": _key(page, row_key_id("request", request.id))})  # fmt: skip
    assert own.status_code == 403 and _answer(own) == "approver_must_differ_from_initiator"
    assert "四眼原则" in own.text  # the refusal explained in the visitor's language

    approver, page, token = _page(world, "approver-a")
    confirmed = approver.post(f"/accounts/DP-OH-A1/trusted/{request.id}/confirm", data={
        "csrf_token": token, "form_key": _key(page, row_key_id("request", request.id))})  # fmt: skip
    assert _answer(confirmed) == "ok"
    assert "DP-OH-C1 自 2017-03-01 10:00（UTC+08:00）" in confirmed.text  # local clock
    page = approver.get(PAGE).text
    assert "officer-a" in page and "没有待确认的变更申请" in page
    removed = approver.post("/accounts/DP-OH-A1/trusted/remove", data={
        "trusted": "DP-OH-C1", "csrf_token": token,
        "form_key": _key(page, row_key_id("entry", "DP-OH-C1"))})  # fmt: skip
    assert _answer(removed) == "ok" and "已移出信任账户列表" in removed.text
    again = approver.post("/accounts/DP-OH-A1/trusted/remove", data={
        "trusted": "DP-OH-C1", "csrf_token": token, "form_key": "again"})  # fmt: skip
    assert _answer(again) == "not_on_trusted_list" and "该账户不在信任账户列表中" in again.text


def test_the_proposer_withdraws_and_a_colleague_turns_down(world: World) -> None:
    client, page, token = _page(world, "officer-a")
    for trusted, key in (("DP-OH-C1", "k1"), ("DP-OH-B1", "k2")):
        made = client.post("/accounts/DP-OH-A1/trusted/propose",
                           data={"trusted": trusted, "csrf_token": token, "form_key": key})  # fmt: skip
        assert _answer(made) == "ok"
    first, second = trust_requests.pending(world.engine, "DP-OH-A1")
    withdrawn = client.post(f"/accounts/DP-OH-A1/trusted/{first.id}/withdraw",
                            data={"csrf_token": token, "form_key": "w1"})  # fmt: skip
    assert _answer(withdrawn) == "ok"
    approver, page, token = _page(world, "approver-a")
    assert "驳回" in page  # turn down, for a colleague's addition
    declined = approver.post(f"/accounts/DP-OH-A1/trusted/{second.id}/withdraw",
                             data={"csrf_token": token, "form_key": "w2"})  # fmt: skip
    assert _answer(declined) == "ok"
    late = approver.post(f"/accounts/DP-OH-A1/trusted/{first.id}/confirm",
                         data={"csrf_token": token, "form_key": "c1"})  # fmt: skip
    assert _answer(late) == "request_not_pending"
    assert trust_requests.pending(world.engine, "DP-OH-A1") == []


def test_where_the_rulebook_says_so_a_removal_is_proposed_and_confirmed(world: World) -> None:
    _with_rules(world, EU_TWO_TO_REMOVE)
    j = load_jurisdiction(world.engine, "DP")
    officer_a, approver_a = (identity.principal_named(world.engine, name)
                             for name in ("officer-a", "approver-a"))  # fmt: skip
    assert officer_a is not None and approver_a is not None
    made, _ = trust_requests.propose(world.engine, "DP-OH-A1", "DP-OH-C1", officer_a, NOW)
    assert made is not None
    trust_requests.confirm(world.engine, j, "DP-OH-A1", made.id, approver_a, NOW)
    client, page, token = _page(world, "officer-a")
    assert "移除同样需要两名代表" in page and "申请移除" in page
    proposed = client.post("/accounts/DP-OH-A1/trusted/remove", data={
        "trusted": "DP-OH-C1", "csrf_token": token,
        "form_key": _key(page, row_key_id("entry", "DP-OH-C1"))})  # fmt: skip
    assert _answer(proposed) == "ok" and "已申请移除 DP-OH-C1" in proposed.text, proposed.text
    [removal] = trust_requests.pending(world.engine, "DP-OH-A1")
    assert removal.change == "remove"
    page = client.get(PAGE).text
    row = page[page.index(f'id="trust-request-{removal.id}"') :]
    assert "<td>移除</td>" in row[:300] and f"/trusted/{removal.id}/confirm" not in page
    assert [e.account for e in trusted_list.trusted_list(world.engine, "DP-OH-A1")] == [
        "DP-OH-C1"]  # fmt: skip
    approver = _elsewhere(world, "approver-a")
    page = approver.get(PAGE).text
    assert "/trusted/remove" not in page  # may approve, not initiate: proposes no removal
    confirmed = approver.post(f"/accounts/DP-OH-A1/trusted/{removal.id}/confirm", data={
        "csrf_token": _csrf(page), "form_key": _key(page, row_key_id("request", removal.id))})  # fmt: skip
    assert _answer(confirmed) == "ok" and "已移出信任账户列表" in confirmed.text
    assert trusted_list.trusted_list(world.engine, "DP-OH-A1") == []
    assert "没有待确认的变更申请" in approver.get(PAGE).text


def test_additions_are_refused_with_a_readable_reason(world: World) -> None:
    client, _, token = _page(world, "officer-a")
    itself = client.post("/accounts/DP-OH-A1/trusted/propose",
                         data={"trusted": "DP-OH-A1", "csrf_token": token, "form_key": "a"})  # fmt: skip
    assert _answer(itself) == "account_cannot_trust_itself"
    assert "账户不能加入自己的信任账户列表" in itself.text
    unknown = client.post("/accounts/DP-OH-A1/trusted/propose",
                          data={"trusted": "DP-OH-ZZ", "csrf_token": token, "form_key": "b"})  # fmt: skip
    assert _answer(unknown) == "unknown_account" and "没有要信任的账户 DP-OH-ZZ" in unknown.text
    keyless = client.post("/accounts/DP-OH-A1/trusted/propose",
                          data={"trusted": "DP-OH-C1", "csrf_token": token})  # fmt: skip
    assert _answer(keyless) == "form_key_missing"
    no_csrf = client.post("/accounts/DP-OH-A1/trusted/propose",
                          data={"trusted": "DP-OH-C1", "form_key": "c"})  # fmt: skip
    assert no_csrf.status_code == 403
    assert client.get("/accounts/DP-OH-B1/controls").status_code == 404
    hidden = client.post("/accounts/DP-OH-B1/trusted/propose",
                         data={"trusted": "DP-OH-C1", "csrf_token": token, "form_key": "d"})  # fmt: skip
    assert _answer(hidden) == "unknown_account"
    approver, _page_text, token = _page(world, "approver-a")
    no_right = approver.post("/accounts/DP-OH-A1/trusted/propose",
                             data={"trusted": "DP-OH-C1", "csrf_token": token, "form_key": "e"})  # fmt: skip
    assert _answer(no_right) == "initiator_lacks_right_on_source_account"
    assert "您无权从该账户发起" in no_right.text
    assert "approver-a 无权发起 DP-OH-A1 的事项" in no_right.text


def test_the_waiver_is_recorded_by_the_regulator_and_withdrawn_by_a_representative(
    world: World,
) -> None:
    client = _login(world, "regulator")
    desk = client.get("/regulator/registry").text
    form = {"account": "DP-OH-A1", "declared_by": "approver-a", "waived": "on",
            "csrf_token": _csrf(desk), "form_key": _key(desk, "desk-waiver-key")}  # fmt: skip
    refused = client.post("/regulator/registry/waiver", data=form)
    assert _answer(refused) == "approval_waiver_not_allowed"
    assert "规则手册不允许账户持有人豁免第二审批" in refused.text
    _, page, _ = _page(world, "officer-a")
    assert "规则手册不允许账户持有人豁免第二审批" in page and "撤销豁免" not in page


def test_with_an_eu_rule_the_waiver_goes_on_and_off(world: World) -> None:
    _with_rules(world, EU_CONTROLS)
    client = _login(world, "regulator")
    desk = client.get("/regulator/registry").text
    form = {"account": "DP-OH-A1", "declared_by": "officer-a", "waived": "on",
            "csrf_token": _csrf(desk), "form_key": "r1"}  # fmt: skip
    not_approver = client.post("/regulator/registry/waiver", data=form)
    assert _answer(not_approver) == "approval_waiver_refused"  # officer-a may not approve
    assert "officer-a 不能为 DP-OH-A1 作此声明：只有有权审批该账户的代表才可以" in not_approver.text
    recorded = client.post("/regulator/registry/waiver",
                           data=form | {"declared_by": "approver-a", "form_key": "r2"})  # fmt: skip
    assert _answer(recorded) == "ok" and "无需第二审批" in recorded.text
    officer, page, token = _page(world, "officer-a")
    assert "已豁免" in page
    withdrawn = officer.post("/accounts/DP-OH-A1/waiver/withdraw",
                             data={"csrf_token": token, "form_key": _key(page, WAIVER_KEY)})  # fmt: skip
    assert _answer(withdrawn) == "ok"
    assert "每笔转让均须第二审批" in officer.get(PAGE).text


def test_the_regulator_freezes_and_releases_by_order(world: World) -> None:
    client = _login(world, "regulator")
    desk = client.get("/regulator/registry")
    assert desk.status_code == 200 and "没有依命令冻结的单位" in desk.text
    order = {"account": "DP-OH-A1", "unit_class": "DPEA-2016", "quantity_t": "100",
             "order_reference": "(2017) Hu 01 Zhi 17", "reason": "debt claim",
             "csrf_token": _csrf(desk.text), "form_key": _key(desk.text, "freeze-key")}  # fmt: skip
    frozen = client.post("/regulator/registry/freeze", data=order)
    assert _answer(frozen) == "ok" and "100 吨已冻结" in frozen.text, frozen.text
    assert frozen.headers["HX-Trigger"] == "registry-changed"
    desk = client.get("/regulator/registry").text
    assert "(2017) Hu 01 Zhi 17" in desk and 'id="freeze-1"' in desk and "1–100" in desk
    too_many = client.post("/regulator/registry/freeze",
                           data=order | {"quantity_t": "5000", "form_key": "f2"})  # fmt: skip
    assert _answer(too_many) == "insufficient_units" and "数量不足" in too_many.text
    # The figures, as the API gives them (services/refusal_figures.py), in Chinese.
    assert "DP-OH-A1" in too_many.text and "5,000" in too_many.text, too_many.text
    backwards = client.post("/regulator/registry/freeze",
                            data=order | {"quantity_t": "1", "serials": "5-1",
                                          "form_key": "f6"})  # fmt: skip
    assert _answer(backwards) == "serials_do_not_match_quantity"
    assert "所列序号段共 0 个单位，数量为 1" in backwards.text, backwards.text
    assert "序号段的结束号小于起始号（5-1）" in backwards.text
    unknown = client.post("/regulator/registry/freeze",
                          data=order | {"account": "DP-OH-ZZ", "form_key": "f3"})  # fmt: skip
    assert _answer(unknown) == "freeze_refused" and "您的辖区内没有账户 DP-OH-ZZ" in unknown.text
    no_class = client.post("/regulator/registry/freeze",
                           data=order | {"unit_class": "XX-2016", "form_key": "f5"})  # fmt: skip
    assert _answer(no_class) == "freeze_refused"
    assert "没有单位类别 XX-2016；请填写如 DPEA-2016 的代码" in no_class.text  # the service's why
    bad = client.post("/regulator/registry/freeze",
                      data=order | {"serials": "one-two", "form_key": "f4"})  # fmt: skip
    assert _answer(bad) == "invalid_serials"

    officer = _elsewhere(world, "officer-a")
    page = officer.get(PAGE).text
    assert "冻结令" in page and "(2017) Hu 01 Zhi 17" in page
    assert re.search(r"DPEA-2016</td><td class=\"n\">900</td><td class=\"n\">100</td>", page)
    assert officer.get("/regulator/registry").status_code == 403
    assert officer.post("/regulator/registry/freeze", data=order).status_code == 403

    desk = client.get("/regulator/registry").text
    part = client.post("/regulator/registry/freezes/1/release", data={
        "reason": "part paid", "quantity_t": "30", "csrf_token": _csrf(desk),
        "form_key": _key(desk, "release-key-1")})  # fmt: skip
    assert _answer(part) == "ok" and "30 吨已返还原账户" in part.text, part.text
    nonsense = client.post("/regulator/registry/freezes/1/release", data={
        "reason": "x", "quantity_t": "-3", "csrf_token": _csrf(desk), "form_key": "q"})  # fmt: skip
    assert _answer(nonsense) == "invalid_number"
    more = client.post("/regulator/registry/freezes/1/release", data={
        "reason": "x", "quantity_t": "500", "csrf_token": _csrf(desk), "form_key": "m"})  # fmt: skip
    assert _answer(more) == "insufficient_units"  # with what the order holds, in Chinese
    assert "冻结令 1 冻结的 DPEA-2016 为 70 个单位，所请求的为 500 个" in more.text, more.text
    desk = client.get("/regulator/registry").text
    assert "31–100" in desk and "/ 100" in desk  # what the order still holds, of what it froze
    released = client.post("/regulator/registry/freezes/1/release", data={
        "reason": "claim settled", "csrf_token": _csrf(desk),
        "form_key": _key(desk, "release-key-1")})  # fmt: skip
    assert _answer(released) == "ok" and "已返还原账户" in released.text
    again = client.post("/regulator/registry/freezes/1/release",
                        data={"reason": "again", "csrf_token": _csrf(desk), "form_key": "x"})  # fmt: skip
    assert _answer(again) == "freeze_order_released" and "该冻结令已解除" in again.text
    assert "冻结令 1 已解除" in again.text and "was already released" not in again.text
    missing = client.post("/regulator/registry/freezes/99/release",
                          data={"reason": "x", "csrf_token": _csrf(desk), "form_key": "y"})  # fmt: skip
    assert _answer(missing) == "freeze_order_not_found"
    assert "claim settled" in client.get("/regulator/registry").text


def test_the_regulator_sees_the_transfers_waiting_for_release(world: World) -> None:
    _with_rules(world, CONTROLS)
    jurisdiction = load_jurisdiction(world.engine, "DP")
    with world.engine.connect() as connection:
        a1, c1 = account_id(connection, "DP-OH-A1"), account_id(connection, "DP-OH-C1")
    unit = unit_class_id(world.engine, jurisdiction, "DPEA", 2016)
    request = TransactionRequest("transfer", "w/1", (Movement(a1, c1, unit, 25),), NOW)
    proposed = lifecycle.propose(world.engine, jurisdiction, request, "officer-a", NOW)
    delayed = lifecycle.approve(world.engine, jurisdiction, proposed.proposal_id, "approver-a",
                                NOW)  # fmt: skip
    assert delayed.status is not None and delayed.status.value == "delayed"
    client = _login(world, "regulator")
    desk = client.get("/regulator/registry").text
    row = desk.split("等待执行的转让")[1]
    # +26 h, on the jurisdiction's clock (04:00 UTC) with the offset in the heading
    assert "延迟执行中" in row and "approver-a" in row and "2017-03-02 12:00" in row
    assert "执行时间（UTC+08:00）" in row
    auditor = _elsewhere(world, "auditor")
    seen = auditor.get("/regulator/registry").text
    assert "延迟执行中" in seen and "freeze-key" not in seen  # read-only: no forms
