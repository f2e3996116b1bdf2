"""Dependencies the web pages share: the visitor, the year shown, guards by role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from tanshi.api.context import Service, ServiceDep
from tanshi.services import views
from tanshi.services.principals import Role
from tanshi.web.session import Visitor, visitor

# Where a user whose password an administrator set may go before choosing their own.
OPEN_BEFORE_PASSWORD_CHANGE = frozenset({"/account", "/account/password", "/logout", "/lang",
                                         "/login"})  # fmt: skip


class PasswordChangeRequired(Exception):
    """Raised for a page other than /account while the user must change their password."""

    def __init__(self, visitor: Visitor) -> None:
        super().__init__("password change required")
        self.visitor = visitor


def current(request: Request, svc: ServiceDep) -> Visitor:
    found = visitor(request, svc)
    if (
        found.principal is not None
        and found.principal.must_change_password
        and request.url.path not in OPEN_BEFORE_PASSWORD_CHANGE
    ):
        raise PasswordChangeRequired(found)
    return found


VisitorDep = Annotated[Visitor, Depends(current)]


def year_shown(svc: Service, requested: int | None) -> int | None:
    """The year a page shows: the one asked for, else the latest with data."""
    known = views.years(svc.engine)
    if requested is not None and 1990 <= requested <= 2200:
        return requested
    return known[-1] if known else None


def login_redirect(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={path}", status_code=303)


def allowed(who: Visitor, roles: set[Role]) -> bool:
    return who.principal is not None and who.principal.role in roles
