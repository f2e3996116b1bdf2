"""An account's own limit per transfer on its controls page (EU Reg. 2019/1122 Art. 23(3b)):
one representative proposes it, another confirms it, in the visitor's language."""

from __future__ import annotations

from test_admin_pages import _key
from test_registry_control_pages import PAGE, _answer, _elsewhere, _page, _with_rules

from registry_controls import EU_LIMITS
from service_world import World
from tanshi.services import account_limits
from tanshi.web.account_controls import LIMIT_KEY, row_key_id


def test_two_representatives_set_the_limit_on_the_controls_page(world: World) -> None:
    _with_rules(world, EU_LIMITS)
    client, page, token = _page(world, "officer-a")
    assert "转让限额" in page and "本账户未自设单笔转让限额" in page
    assert "单笔转让超过 500 个单位时" in page  # the registry's threshold
    proposed = client.post("/accounts/DP-OH-A1/limit/propose", data={
        "units": "100", "csrf_token": token, "form_key": _key(page, LIMIT_KEY)})  # fmt: skip
    assert _answer(proposed) == "ok" and "须由另一名代表确认" in proposed.text, proposed.text
    assert proposed.headers["HX-Trigger"] == "controls-changed"
    [request] = account_limits.pending(world.engine, "DP-OH-A1")
    page = client.get(PAGE).text
    assert f'id="limit-request-{request.id}"' in page and "每笔转让 100 个单位" in page
    assert f"/limit/{request.id}/confirm" not in page  # no confirm button for the proposer
    assert f'id="{LIMIT_KEY}"' not in page  # one change at a time: no second proposal form
    own = client.post(f"/accounts/DP-OH-A1/limit/{request.id}/confirm", data={
        "csrf_token": token, "form_key": _key(page, row_key_id("limit", request.id))})  # fmt: skip
    assert own.status_code == 422 and _answer(own) == "approver_must_differ_from_initiator"

    approver, page, token = _page(world, "approver-a")
    confirmed = approver.post(f"/accounts/DP-OH-A1/limit/{request.id}/confirm", data={
        "csrf_token": token, "form_key": _key(page, row_key_id("limit", request.id))})  # fmt: skip
    assert _answer(confirmed) == "ok" and "本账户限额为每笔转让 100 个单位" in confirmed.text
    page = approver.get(PAGE).text
    assert "本账户自设限额：每笔转让 100 个单位，由 officer-a 申请、approver-a 确认" in page
    assert f'id="{LIMIT_KEY}"' not in page  # approver-a may not initiate: no proposal form


def test_a_change_is_withdrawn_and_a_bad_limit_refused(world: World) -> None:
    _with_rules(world, EU_LIMITS)
    client, page, token = _page(world, "officer-a")
    bad = client.post("/accounts/DP-OH-A1/limit/propose", data={
        "units": "0", "csrf_token": token, "form_key": _key(page, LIMIT_KEY)})  # fmt: skip
    assert _answer(bad) == "limit_must_be_positive" and "正整数" in bad.text
    page = client.get(PAGE).text
    client.post("/accounts/DP-OH-A1/limit/propose", data={
        "units": "7", "csrf_token": token, "form_key": _key(page, LIMIT_KEY)})  # fmt: skip
    [request] = account_limits.pending(world.engine, "DP-OH-A1")
    page = client.get(PAGE).text
    withdrawn = client.post(f"/accounts/DP-OH-A1/limit/{request.id}/withdraw", data={
        "csrf_token": token, "form_key": _key(page, row_key_id("limit", request.id))})  # fmt: skip
    assert _answer(withdrawn) == "ok"
    assert account_limits.pending(world.engine, "DP-OH-A1") == []
    outsider = _elsewhere(world, "officer-b")
    assert outsider.get(PAGE).status_code == 404


def test_without_the_rule_the_page_shows_no_limits(world: World) -> None:
    _, page, _ = _page(world, "officer-a")
    assert "转让限额" not in page and f'id="{LIMIT_KEY}"' not in page
