"""A form's ``maxlength`` is the limit the API and the form's handler refuse beyond
(api/limits.py), read by the templates (``limits``), not written again in them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_pages import _login

import tanshi.web
from service_world import World
from tanshi.api import limits

TEMPLATES = Path(tanshi.web.__file__).parent / "templates"
# Each form's free-text fields and the limit each is refused beyond, by the page showing them.
FIELDS = {
    ("regulator", "/regulator/registry"): {
        "account": "ACCOUNT_CODE_CHARS", "unit_class": "UNIT_CLASS_CHARS",
        "order_reference": "ORDER_REFERENCE_CHARS", "reason": "CONTROL_REASON_CHARS",
        "declared_by": "DECLARED_BY_CHARS"},
    ("officer-a", "/company"): {
        "to_account": "ACCOUNT_CODE_CHARS", "unit_class": "UNIT_CLASS_CHARS",
        "memo": "MEMO_CHARS"},
    ("officer-a", "/reports"): {"toml": "FILE_TEXT_CHARS"},
    ("admin", "/admin/users"): {
        "display_name": "NAME_CHARS", "name": "NAME_CHARS", "account": "ACCOUNT_CODE_CHARS"},
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
    page = _login(world, username).get(path)
    assert page.status_code == 200, page.text
    for field, name in FIELDS[(username, path)].items():
        assert _maxlengths(page.text, field) == {str(getattr(limits, name))}, (path, field)


def test_every_limit_a_template_reads_is_one() -> None:
    """A misspelt limit would render an empty maxlength, and no limit at all."""
    named = {found for template in TEMPLATES.glob("*.html")
             for found in re.findall(r"limits\.(\w+)", template.read_text())}  # fmt: skip
    assert named and not {name for name in named if not hasattr(limits, name)}
