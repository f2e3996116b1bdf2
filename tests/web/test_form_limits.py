"""A form's ``maxlength`` is the limit the API and the form's handler refuse beyond
(api/limits.py), read by the templates (``limits``), not written again in them; a text
beyond it is refused by the handler (``text_too_long``), not only by the browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_auction_bid_pages import _open_book
from test_pages import _csrf, _login

import tanshi.web
from service_world import World
from tanshi.api import limits

TEMPLATES = Path(tanshi.web.__file__).parent / "templates"
# Each form's free-text fields and the limit each is refused beyond, by the page showing them.
FIELDS = {
    ("regulator", "/regulator/registry"): {
        "account": "ACCOUNT_CODE_CHARS", "unit_class": "UNIT_CLASS_CHARS",
        "order_reference": "ORDER_REFERENCE_CHARS", "reason": "CONTROL_REASON_CHARS",
        "declared_by": "DECLARED_BY_CHARS", "serials": "SERIALS_CHARS",
        "quantity_t": "QUANTITY_CHARS"},
    ("officer-a", "/company"): {
        "to_account": "ACCOUNT_CODE_CHARS", "unit_class": "UNIT_CLASS_CHARS",
        "memo": "MEMO_CHARS", "quantity_t": "QUANTITY_CHARS", "year": "YEAR_CHARS"},
    ("officer-a", "/reports"): {
        "toml": "FILE_TEXT_CHARS", "year": "YEAR_CHARS", "stated_t": "FIGURE_CHARS"},
    ("officer-a", "/account"): {
        "current_password": "PASSWORD_CHARS", "new_password": "PASSWORD_CHARS",
        "repeat_password": "PASSWORD_CHARS"},
    ("admin", "/admin/users"): {
        "display_name": "NAME_CHARS", "name": "NAME_CHARS", "account": "ACCOUNT_CODE_CHARS",
        "username": "USERNAME_CHARS", "code": "ORGANISATION_CODE_CHARS",
        "company": "COMPANY_CODE_CHARS"},
    ("", "/login"): {
        "username": "USERNAME_CHARS", "password": "PASSWORD_CHARS", "totp": "TOTP_CHARS"},
}  # fmt: skip


def _maxlengths(html: str, name: str) -> set[str]:
    """The maxlength of every input or textarea named ``name`` on the page."""
    tags = re.findall(rf'<(?:input|textarea)[^>]*\bname="{name}"[^>]*>', html)
    assert tags, f"no field {name}"
    return {found.group(1) if (found := re.search(r'maxlength="([^"]*)"', t)) else ""
            for t in tags}  # fmt: skip


@pytest.mark.parametrize(("username", "path"), list(FIELDS))
def test_a_forms_maxlength_is_the_limit(
    world: World, monkeypatch: pytest.MonkeyPatch, username: str, path: str
) -> None:
    # Every limit moved: a form that wrote its own figure would keep the old one.
    for name in {name for fields in FIELDS.values() for name in fields.values()}:
        monkeypatch.setattr(limits, name, getattr(limits, name) + 7)
    page = (_login(world, username) if username else world.client).get(path)
    assert page.status_code == 200, page.text
    for field, name in FIELDS[(username, path)].items():
        assert _maxlengths(page.text, field) == {str(getattr(limits, name))}, (path, field)


def test_every_limit_a_template_reads_is_one() -> None:
    """A misspelt limit would render an empty maxlength, and no limit at all."""
    named = {found for template in TEMPLATES.glob("*.html")
             for found in re.findall(r"limits\.(\w+)", template.read_text())}  # fmt: skip
    assert named and not {name for name in named if not hasattr(limits, name)}


def test_the_cancel_reason_and_the_seed_of_an_auction_on_the_desk(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _open_book(world)
    for name in ("CANCEL_REASON_CHARS", "SEED_CHARS"):
        monkeypatch.setattr(limits, name, getattr(limits, name) + 7)
    page = _login(world, "regulator").get("/regulator/allocation?year=2016").text
    assert _maxlengths(page, "reason") == {str(limits.CANCEL_REASON_CHARS)}
    assert _maxlengths(page, "seed") == {str(limits.SEED_CHARS)}


def test_no_template_writes_a_length_of_its_own() -> None:
    """Every maxlength and minlength is read from api/limits.py (or the page's context)."""
    written = {(template.name, found) for template in TEMPLATES.glob("*.html")
               for found in re.findall(r'(?:max|min)length="\s*\d+\s*"',
                                       template.read_text())}  # fmt: skip
    assert not written


def test_the_number_fields_hold_the_largest_value_the_server_takes() -> None:
    assert limits.QUANTITY_CHARS == len(f"{limits.MOST_UNITS:,}") == 17
    assert limits.SEED_CHARS == len(f"{limits.MOST_SEED:,}") == 13


def test_a_text_beyond_its_limit_is_refused_by_the_handler(world: World) -> None:
    """The browser stops at maxlength; a form posted without one is refused by the server,
    saying the limit, the same way as every other over-long text."""
    client = _login(world, "admin")
    token = _csrf(client.get("/admin/users").text)
    posts = {
        "/admin/organisations": [
            {"code": "O" * (limits.ORGANISATION_CODE_CHARS + 1), "name": "N", "kind": "trader"},
            {"code": "ORG-X", "name": "N", "kind": "company",
             "company": "C" * (limits.COMPANY_CODE_CHARS + 1)}],
        "/admin/users": [
            {"username": "u" * (limits.USERNAME_CHARS + 1), "display_name": "N",
             "organisation": "REG", "role": "auditor"}],
        "/admin/representatives": [
            {"account": "DP-OH-C1", "username": "u" * (limits.USERNAME_CHARS + 1),
             "initiate": "on"}],
    }  # fmt: skip
    for n, (path, form) in enumerate((p, f) for p, forms in posts.items() for f in forms):
        refused = client.post(path, data=form | {"csrf_token": token, "form_key": f"long{n}"})
        assert refused.status_code == 422, (path, refused.text)
        assert 'data-code="text_too_long"' in refused.text, (path, refused.text)


def test_an_over_long_cancel_reason_is_refused_as_too_long(world: World) -> None:
    _open_book(world)
    client = _login(world, "regulator")
    token = _csrf(client.get("/regulator/allocation?year=2016").text)
    refused = client.post("/regulator/auction-notices/2016-B1/cancel", data={
        "csrf_token": token, "form_key": "k1", "confirm": "on",
        "reason": "x" * (limits.CANCEL_REASON_CHARS + 1)})  # fmt: skip
    assert refused.status_code == 422 and 'data-code="text_too_long"' in refused.text
    assert f"{limits.CANCEL_REASON_CHARS:,}" in refused.text
