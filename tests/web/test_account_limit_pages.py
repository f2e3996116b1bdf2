"""An account's own limit per transfer on its controls page (EU Reg. 2019/1122 Art. 23(3b)):
one representative proposes it, another confirms it, in the visitor's language."""

from __future__ import annotations

from test_admin_pages import _key
from test_pages import _csrf
from test_registry_control_pages import PAGE, _answer, _elsewhere, _page, _with_rules

from registry_controls import EU_LIMITS, EU_LIMITS_EITHER
from service_world import NOW, World
from tanshi.services import account_limits, identity
from tanshi.services.jurisdiction import load_jurisdiction
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
    assert own.status_code == 403 and _answer(own) == "approver_must_differ_from_initiator"

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


def test_where_the_rule_says_so_the_regulator_confirms_on_the_controls_page(
    world: World,
) -> None:
    _with_rules(world, EU_LIMITS_EITHER)
    client, page, token = _page(world, "officer-a")
    assert "由一名代表申请，另一名代表或主管部门确认" in page
    limit_form = page[page.index(f'id="{LIMIT_KEY}"') :]
    assert "需由另一名代表或主管部门确认" in limit_form  # the limit form's hint
    start = page.index("/trusted/propose")
    trusted_form = page[start : page.index("</form>", start)]
    # Trusted-list additions are still confirmed by a second representative only (Art. 23(4)).
    assert "主管部门" not in trusted_form and "需由另一名代表确认" in trusted_form
    proposed = client.post("/accounts/DP-OH-A1/limit/propose", data={
        "units": "100", "csrf_token": token, "form_key": _key(page, LIMIT_KEY)})  # fmt: skip
    assert _answer(proposed) == "ok" and "须由另一名代表或主管部门确认" in proposed.text
    [request] = account_limits.pending(world.engine, "DP-OH-A1")
    assert "由另一名代表或主管部门确认" in client.get(PAGE).text  # what the proposer waits for

    regulator = _elsewhere(world, "regulator")
    page = regulator.get(PAGE).text
    assert f"/limit/{request.id}/confirm" in page and f"/limit/{request.id}/withdraw" in page
    token = _csrf(page)
    confirmed = regulator.post(f"/accounts/DP-OH-A1/limit/{request.id}/confirm", data={
        "csrf_token": token, "form_key": _key(page, row_key_id("limit", request.id))})  # fmt: skip
    assert _answer(confirmed) == "ok" and "本账户限额为每笔转让 100 个单位" in confirmed.text
    assert "由 officer-a 申请、regulator 确认" in regulator.get(PAGE).text


def test_under_two_representatives_the_regulator_gets_no_buttons(world: World) -> None:
    _with_rules(world, EU_LIMITS)
    account_limits.propose(world.engine, world_jurisdiction(world), "DP-OH-A1", 100,
                           _principal(world, "officer-a"), NOW)  # fmt: skip
    [request] = account_limits.pending(world.engine, "DP-OH-A1")
    page = _elsewhere(world, "regulator").get(PAGE).text
    assert f'id="limit-request-{request.id}"' in page
    assert (
        f"/limit/{request.id}/confirm" not in page and f"/limit/{request.id}/withdraw" not in page
    )


def world_jurisdiction(world: World):
    return load_jurisdiction(world.engine, "DP")


def _principal(world: World, username: str):
    found = identity.principal_named(world.engine, username)
    assert found is not None
    return found
