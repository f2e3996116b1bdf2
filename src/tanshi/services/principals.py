"""Who may do what: roles, the scopes each role may hold, and the principal of a request.

``identity.py`` makes users, ``authentication.py`` checks their passwords and second
factors; a token or a web session (``credentials.py``) establishes the ``Principal`` every read model and write is
scoped to (docs/security.md).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """What a user does; decides which scopes they may hold and what they may read."""

    REGULATOR = "regulator"
    COMPLIANCE_OFFICER = "compliance_officer"
    VERIFIER = "verifier"
    TRADER = "trader"
    EXCHANGE_OPERATOR = "exchange_operator"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"


class Scope(enum.StrEnum):
    """What a request may do. A token carries a subset of its user's role scopes."""

    READ = "read"
    PROPOSE = "registry:propose"
    APPROVE = "registry:approve"
    SURRENDER = "compliance:surrender"
    REGULATE = "regulator:write"
    ADMIN = "admin:users"
    MRV_REPORT = "mrv:report"
    MRV_VERIFY = "mrv:verify"
    TRADE = "market:trade"  # enter, cancel and amend orders on the exchange
    CLEAR = "market:clear"  # the exchange's clearing: cash in and out, negotiated trades


ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.REGULATOR: frozenset({Scope.READ, Scope.PROPOSE, Scope.APPROVE, Scope.REGULATE}),
    Role.COMPLIANCE_OFFICER: frozenset(
        {Scope.READ, Scope.PROPOSE, Scope.APPROVE, Scope.SURRENDER, Scope.MRV_REPORT, Scope.TRADE}
    ),
    Role.VERIFIER: frozenset({Scope.READ, Scope.MRV_VERIFY}),
    Role.TRADER: frozenset({Scope.READ, Scope.PROPOSE, Scope.APPROVE, Scope.TRADE}),
    Role.EXCHANGE_OPERATOR: frozenset({Scope.READ, Scope.PROPOSE, Scope.APPROVE, Scope.CLEAR}),
    Role.AUDITOR: frozenset({Scope.READ}),
    Role.ADMINISTRATOR: frozenset({Scope.READ, Scope.ADMIN}),
}
# Roles that read every order on the exchange (the others see their accounts' orders).
READ_ALL_ORDERS_ROLES = frozenset(
    {Role.EXCHANGE_OPERATOR, Role.REGULATOR, Role.AUDITOR, Role.ADMINISTRATOR}
)
# Roles that read every account, transaction and proposal (of their jurisdiction, when their
# organisation belongs to one: docs/security.md "Jurisdictions"); the others see their own.
READ_ALL_ROLES = frozenset({Role.REGULATOR, Role.AUDITOR, Role.ADMINISTRATOR})
# Every role that can write logs in with a second factor: those that move units, manage
# users, or (verifiers) conclude the figures compliance is computed from. Only the read-only
# auditor may log in with a password alone, unless they represent an account (see
# ``authentication.needs_second_factor``).
TOTP_REQUIRED_ROLES = frozenset(
    {
        Role.REGULATOR,
        Role.COMPLIANCE_OFFICER,
        Role.VERIFIER,
        Role.TRADER,
        Role.EXCHANGE_OPERATOR,
        Role.ADMINISTRATOR,
    }
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking, as established by a token or a session, and what they may do."""

    user_id: int
    username: str
    display_name: str
    role: Role
    organisation_id: int
    organisation: str
    company: str | None
    scopes: frozenset[Scope]
    locale: str
    must_change_password: bool = False  # an administrator chose the password
    jurisdiction: str | None = None  # the organisation's; None: it serves every jurisdiction
    jurisdiction_id: int | None = None  # the id of ``jurisdiction``

    @property
    def reads_all(self) -> bool:
        """Reads every account, transaction and proposal (of its jurisdiction, if bound)."""
        return self.role in READ_ALL_ROLES

    @property
    def jurisdiction_bound(self) -> bool:
        """Whether what this user reads and does is limited to ``jurisdiction``: a regulator
        always is (one without a jurisdiction sees none), anyone else if its organisation
        belongs to one."""
        return self.jurisdiction is not None or self.role is Role.REGULATOR

    def sees_jurisdiction(self, code: str) -> bool:
        return not self.jurisdiction_bound or self.jurisdiction == code
