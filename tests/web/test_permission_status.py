"""A refusal that means "you may not" is 403 on the web as in the API (it was 422 on some
forms); an unknown surveillance kind is refused with the kinds, not ignored."""

from __future__ import annotations

from test_pages import _csrf, _login, _login_plain

from service_world import World


def test_forbidden_form_writes_answer_403(world: World) -> None:
    auditor = _login_plain(world)
    token = _csrf(auditor.get("/audit").text)
    order = auditor.post("/trade/order", data={"csrf_token": token, "product": "DPEA-2016",
                                                "account": "DP-TR-TRD", "side": "buy",
                                                "quantity_t": "1", "price": "28.00"})  # fmt: skip
    assert order.status_code == 403 and 'data-code="forbidden"' in order.text
    auditor.cookies.clear()
    officer = _login(world, "officer-a")
    token = _csrf(officer.get("/company").text)
    notice = officer.post("/regulator/auction-notices",
                          data={"csrf_token": token, "code": "X", "year": "2016",
                                "form_key": "n"})  # fmt: skip
    assert notice.status_code == 403 and 'data-code="forbidden"' in notice.text
    # The same form key again: the kept refusal keeps its status.
    again = officer.post("/regulator/auction-notices",
                         data={"csrf_token": token, "code": "X", "year": "2016",
                               "form_key": "n"})  # fmt: skip
    assert again.status_code == 403


def test_an_unknown_surveillance_kind_is_refused_with_the_kinds(world: World) -> None:
    regulator = _login(world, "regulator")
    page = regulator.get("/regulator/surveillance?kind=bogus")
    assert page.status_code == 422 and "large_holder" in page.text
    assert "类型须为以下之一" in page.text
    assert regulator.get("/regulator/surveillance?kind=").status_code == 200
    api = world.client.get("/v1/exchange/surveillance?kind=bogus",
                           headers=world.token("regulator"))  # fmt: skip
    error = api.json()["error"]
    assert api.status_code == 422 and (error["code"], error["field"]) == (
        "literal_error",
        "query.kind",
    )
    assert "large_holder" in error["message"]
