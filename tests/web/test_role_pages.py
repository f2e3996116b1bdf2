"""Each role's own page answers 403 to the roles it is not for, instead of an empty page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service_world import NOW, PASSWORD, World
from tanshi.services import identity

OVERSEERS = {"regulator", "auditor", "administrator"}
# The pages kept for some roles, and who may open them (the others get 403).
ROLE_PAGES = {
    "/verifier": OVERSEERS | {"verifier", "compliance_officer"},
    "/regulator/verification": OVERSEERS,
    "/regulator": OVERSEERS,
    "/regulator/allocation": OVERSEERS,
    "/regulator/registry": OVERSEERS,
    "/regulator/surveillance": OVERSEERS | {"exchange_operator"},
    "/audit": OVERSEERS,
    "/admin/users": {"administrator"},
    "/reports": {"compliance_officer"},
    "/company": {"compliance_officer"},
}
USERS = {"regulator": "regulator", "compliance_officer": "officer-a", "trader": "trader",
         "verifier": "verifier", "administrator": "admin", "exchange_operator": "exchange"}  # fmt: skip


def _exchange_operator(world: World) -> TestClient:
    identity.create_organisation(world.engine, "EXC", "Org EXC", "exchange", NOW, None)
    _, issues = identity.create_user(world.engine, "exchange", "Exchange", "EXC",
                                     "exchange_operator", PASSWORD, NOW, locale="zh")  # fmt: skip
    assert not issues
    return world.browser("exchange")


@pytest.mark.parametrize("role", sorted(USERS))
def test_role_pages_refuse_the_roles_they_are_not_for(world: World, role: str) -> None:
    browser = _exchange_operator(world) if role == "exchange_operator" else None
    browser = browser or world.browser(USERS[role])
    answers = {page: browser.get(page, follow_redirects=False).status_code for page in ROLE_PAGES}
    expected = {page: 200 if role in roles else 403 for page, roles in ROLE_PAGES.items()}
    assert answers == expected
