"""Standing up a jurisdiction: its rulebook, system accounts, companies and unit classes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select

from tanshi.core.errors import InputRejected, StepRefused, TanshiError
from tanshi.core.issues import Issue, has_errors
from tanshi.core.moments import to_utc
from tanshi.registry import AccountKind, AccountStatus, allows_negative, unit_class_code
from tanshi.rulebook import Rulebook, parse_rulebook
from tanshi.services.registry import lock_journal_head
from tanshi.services.unique_keys import again_if_taken, unique_key
from tanshi.store.engine import reader
from tanshi.store.schema import (
    account_status_changes,
    accounts,
    companies,
    holdings,
    jurisdictions,
    unit_classes,
    unit_freezes,
)

SYSTEM_ACCOUNTS = (
    (AccountKind.ISSUANCE, "ISSUANCE", "issuance account"),
    (AccountKind.JURISDICTION_HOLDING, "HOLDING", "allocation holding account"),
    (AccountKind.SURRENDER, "SURRENDER", "surrender account"),
    (AccountKind.CANCELLATION, "CANCELLATION", "cancellation and retirement account"),
    (AccountKind.DELETION, "DELETION", "deletion account"),
    (AccountKind.RESERVE_NEW_ENTRANT, "RESERVE-NE", "new-entrant reserve"),
    (AccountKind.RESERVE_MARKET_STABILITY, "RESERVE-MS", "market-stability reserve"),
    (AccountKind.RESERVE_AUCTION, "RESERVE-AU", "auction reserve"),
)


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """A jurisdiction as stored: its rulebook and the ids of its system accounts."""

    id: int
    code: str
    rulebook: Rulebook
    is_demo: bool
    issuance_account: int
    holding_account: int
    surrender_account: int


def system_account_code(jurisdiction: str, suffix: str) -> str:
    return f"{jurisdiction}-{suffix}"


def operator_account_code(jurisdiction: str, company: str) -> str:
    return f"{jurisdiction}-OH-{company}"


def project_account_code(jurisdiction: str, project: str) -> str:
    return f"{jurisdiction}-PR-{project}"


@again_if_taken(unique_key(jurisdictions, "code"))
def open_jurisdiction(
    engine: Engine, rulebook: Rulebook, rulebook_text: str, now: datetime, *, is_demo: bool
) -> Jurisdiction:
    """Record the jurisdiction and open its system accounts; fails if it already exists."""
    code = rulebook.rulebook.jurisdiction
    with engine.begin() as connection:
        if connection.execute(
            select(jurisdictions.c.id).where(jurisdictions.c.code == code)
        ).first():
            raise TanshiError(f"jurisdiction {code} already exists in this database")
        place = connection.execute(
            jurisdictions.insert()
            .values(
                code=code,
                rulebook_id=rulebook.rulebook.id,
                rulebook_version=rulebook.rulebook.version,
                rulebook_sha256=hashlib.sha256(rulebook_text.encode()).hexdigest(),
                rulebook_text=rulebook_text,
                is_demo=is_demo,
                opened_at=to_utc(now),
            )
            .returning(jurisdictions.c.id)
        ).scalar_one()
        for kind, suffix, label in SYSTEM_ACCOUNTS:
            _open_account(
                connection,
                int(place),
                system_account_code(code, suffix),
                kind,
                f"{rulebook.rulebook.name}: {label}",
                None,
            )
    return load_jurisdiction(engine, code)


# What a jurisdiction code that names none is told, said for whoever reads it (a web page, an
# API client): which jurisdictions there are. The CLI says it its own way, with the commands
# that open one (cli/registry_ops.py ``open_registry``).
NO_SUCH_JURISDICTION = "no jurisdiction {code} in this database; the jurisdictions are {held}"
NO_JURISDICTION_YET = (
    "no jurisdiction {code} in this database, which holds none yet: the registry's operator "
    "opens one"
)


def unknown_jurisdiction(code: str, held: list[str]) -> Issue:
    """The problem of a jurisdiction ``code`` the database (holding ``held``) does not have."""
    if not held:
        return Issue.of("unknown_jurisdiction", NO_JURISDICTION_YET, "jurisdiction", code=code)
    return Issue.of("unknown_jurisdiction", NO_SUCH_JURISDICTION, "jurisdiction", code=code,
                    held=", ".join(held))  # fmt: skip


def load_jurisdiction(engine: Engine, code: str) -> Jurisdiction:
    """The stored jurisdiction ``code`` with its rulebook parsed from the stored text; one
    not there is refused (``StepRefused``, ``unknown_jurisdiction``, naming those there)."""
    with reader(engine).connect() as connection:
        row = connection.execute(select(jurisdictions).where(jurisdictions.c.code == code)).first()
        if row is None:
            held = connection.execute(select(jurisdictions.c.code).order_by("code")).scalars()
            raise StepRefused(unknown_jurisdiction(code, list(held)))
        rulebook, issues = parse_rulebook(row.rulebook_text, f"stored rulebook of {code}")
        if rulebook is None or has_errors(issues):
            raise TanshiError(
                f"the stored rulebook of {code} no longer validates: "
                + "; ".join(str(issue) for issue in issues)
            )
        ids = {
            suffix: account_id(connection, system_account_code(code, suffix))
            for _, suffix, _ in SYSTEM_ACCOUNTS
        }
    return Jurisdiction(
        row.id, code, rulebook, row.is_demo, ids["ISSUANCE"], ids["HOLDING"], ids["SURRENDER"]
    )


def _open_account(
    connection: Connection,
    jurisdiction_id: int,
    code: str,
    kind: AccountKind,
    holder: str,
    company_id: int | None,
) -> int:
    """Open account ``code`` in the jurisdiction ``jurisdiction_id`` (its code starts with
    the jurisdiction's: the walls of docs/security.md read the column)."""
    return connection.execute(
        accounts.insert()
        .values(
            code=code,
            jurisdiction_id=jurisdiction_id,
            kind=kind.value,
            status=AccountStatus.OPEN.value,
            holder=holder,
            company_id=company_id,
            allows_negative=allows_negative(kind),
        )
        .returning(accounts.c.id)
    ).scalar_one()


def find_account(connection: Connection, code: str) -> int | None:
    """The id of the account ``code``, or None."""
    found = connection.execute(select(accounts.c.id).where(accounts.c.code == code)).scalar()
    return None if found is None else int(found)


def operator_holding_accounts(connection: Connection, company_ids: list[int]) -> dict[int, str]:
    """Each company's operator holding account code (the first opened), by company id; a
    company without one is absent."""
    found: dict[int, str] = {}
    for company, code in connection.execute(
        select(accounts.c.company_id, accounts.c.code)
        .where(accounts.c.company_id.in_(company_ids),
               accounts.c.kind == AccountKind.OPERATOR_HOLDING.value)
        .order_by(accounts.c.id)
    ):  # fmt: skip
        found.setdefault(int(company), code)
    return found


def account_id(connection: Connection, code: str) -> int:
    """The id of the account ``code``; raises TanshiError if there is none."""
    found = find_account(connection, code)
    if found is None:
        raise StepRefused(
            Issue.of("unknown_account", "no registry account {code}", "account", code=code)
        )
    return found


def local_date(jurisdiction: Jurisdiction, moment: datetime) -> date:
    """The calendar day of ``moment`` in the jurisdiction's time zone (deadlines are local)."""
    return moment.astimezone(ZoneInfo(jurisdiction.rulebook.rulebook.timezone)).date()


COMPANY_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$")
COMPANY_CODE_KEY = unique_key(companies, "code")
ACCOUNT_CODE = unique_key(accounts, "code")


@again_if_taken(COMPANY_CODE_KEY)
def register_company(
    engine: Engine, jurisdiction: Jurisdiction, code: str, name: str, sector: str
) -> int:
    """Add a covered company with its operator holding account; returns the company id.

    Registering the same company again returns its id; a different company under a code
    already taken is refused (``StepRefused``, ``company_code_taken`` at ``code``); a company
    with problems (``company_problems``) is rejected with every one (``InputRejected``).
    """
    problems = company_problems(jurisdiction, code, name, sector)
    if problems:
        raise InputRejected(f"company {code}", problems)
    with engine.begin() as connection:
        clash = _code_clash(connection, code, name, sector)
        if clash is not None:
            raise StepRefused(clash)
        return _register_in(connection, jurisdiction, code, name, sector)


@again_if_taken(COMPANY_CODE_KEY)
def register_companies(
    engine: Engine, jurisdiction: Jurisdiction, rows: list[tuple[str, str, str, str]]
) -> list[Issue]:
    """Register companies given as (where, code, name, sector), all or none.

    Every problem of every row is returned (bad sector or code, a code given twice with
    different details, a code already registered to another company); then nothing is
    registered. Rows already registered with the same name and sector are left as they are.
    """
    issues: list[Issue] = []
    seen: dict[str, tuple[str, str, str]] = {}
    for where, code, name, sector in rows:
        issues += [replace(issue, where=where) for issue in company_problems(
            jurisdiction, code, name, sector)]  # fmt: skip
        first = seen.setdefault(code, (where, name, sector))
        if first[1:] != (name, sector):
            issues.append(Issue(
                "company_code_repeated",
                f"company code {code} is also given at {first[0]} as {first[1]} ({first[2]}); "
                "give each company its own code",
                where,
            ))  # fmt: skip
    with engine.begin() as connection:
        for where, code, name, sector in rows:
            clash = _code_clash(connection, code, name, sector)
            if clash is not None:
                issues.append(replace(clash, where=where))
        if issues:
            return issues  # nothing was written
        for _, code, name, sector in rows:
            _register_in(connection, jurisdiction, code, name, sector)
    return []


def company_problems(jurisdiction: Jurisdiction, code: str, name: str, sector: str) -> list[Issue]:
    """What is wrong with a company's code, name or sector on their own (no database)."""
    sectors = sorted(sector.code for sector in jurisdiction.rulebook.sectors)
    issues = []
    if sector not in sectors:
        issues.append(Issue(
            "unknown_sector",
            f"sector {sector!r} is not in the rulebook; use one of {', '.join(sectors)}",
        ))  # fmt: skip
    if not COMPANY_CODE.match(code):
        issues.append(Issue(
            "bad_company_code",
            f"company code {code!r} must be 1-30 letters, digits, '-' or '_', starting with a "
            "letter or digit",
        ))  # fmt: skip
    if not name.strip():
        issues.append(Issue("missing_company_name", "the company name is empty; give its name"))
    return issues


def _code_clash(connection: Connection, code: str, name: str, sector: str) -> Issue | None:
    existing = connection.execute(select(companies).where(companies.c.code == code)).first()
    if existing is None or (existing.name, existing.sector) == (name, sector):
        return None
    return Issue(
        "company_code_taken",
        f"company code {code} is already registered to {existing.name} ({existing.sector}); "
        "choose another code",
        "code",
    )


def _register_in(
    connection: Connection, jurisdiction: Jurisdiction, code: str, name: str, sector: str
) -> int:
    existing = connection.execute(
        select(companies.c.id).where(companies.c.code == code)
    ).scalar_one_or_none()
    if existing is not None:
        return int(existing)
    company_id = connection.execute(
        companies.insert()
        .values(jurisdiction_id=jurisdiction.id, code=code, name=name, sector=sector)
        .returning(companies.c.id)
    ).scalar_one()
    _open_account(
        connection,
        jurisdiction.id,
        operator_account_code(jurisdiction.code, code),
        AccountKind.OPERATOR_HOLDING,
        name,
        company_id,
    )
    return int(company_id)


@again_if_taken(ACCOUNT_CODE)
def open_project_account(
    engine: Engine, jurisdiction: Jurisdiction, project: str, holder: str
) -> int:
    """Open the account an offset project's credits are issued to; returns its id.

    Opening it again returns the same account.
    """
    code = project_account_code(jurisdiction.code, project)
    with engine.begin() as connection:
        existing = find_account(connection, code)
        if existing is not None:
            return existing
        return _open_account(
            connection,
            jurisdiction.id,
            project_account_code(jurisdiction.code, project),
            AccountKind.PROJECT,
            holder,
            None,
        )


@again_if_taken(ACCOUNT_CODE)
def open_trading_account(engine: Engine, jurisdiction: Jurisdiction, code: str, holder: str) -> int:
    """Open a trading account in ``jurisdiction`` (a participant that is not a covered
    company, e.g. a market maker); opening it again returns the same account.

    The code must start with the jurisdiction's, ``DP-TR-...``: other code reads the
    jurisdiction from it (frozen-units accounts are named after it).
    """
    if not code.startswith(f"{jurisdiction.code}-"):
        raise TanshiError(
            f"trading account {code} must be named {jurisdiction.code}-...: it is opened in "
            f"jurisdiction {jurisdiction.code}"
        )
    with engine.begin() as connection:
        existing = find_account(connection, code)
        if existing is not None:
            return existing
        return _open_account(connection, jurisdiction.id, code, AccountKind.TRADING, holder,
                             None)  # fmt: skip


@again_if_taken(unique_key(unit_classes, "code"))
def unit_class_id(
    engine: Engine,
    jurisdiction: Jurisdiction,
    unit_type: str,
    vintage: int,
    project: str | None = None,
    labels: tuple[str, ...] = (),
) -> int:
    """The id of a unit class, created on first use; the unit type must be in the rulebook.

    ``labels`` (e.g. ``CCB``, ``CORSIA``) are recorded when the class is created.
    """
    types = {unit.code: unit for unit in jurisdiction.rulebook.unit_types}
    if unit_type not in types:
        raise TanshiError(
            f"unit type {unit_type} is not in the rulebook; use one of {', '.join(sorted(types))}"
        )
    kind = types[unit_type].kind
    if kind.is_credit != (project is not None):
        raise TanshiError(
            "credits (offsets, carbon-inclusive) need a project; allowances have none"
        )
    code = unit_class_code(unit_type, vintage, project)
    with engine.begin() as connection:
        found = connection.execute(
            select(unit_classes.c.id).where(unit_classes.c.code == code)
        ).scalar()
        if found is not None:
            return int(found)
        return int(
            connection.execute(
                unit_classes.insert()
                .values(
                    code=code,
                    unit_type=unit_type,
                    kind=kind.value,
                    jurisdiction=jurisdiction.code,
                    vintage=vintage,
                    project=project,
                    labels=",".join(sorted(set(labels))),
                )
                .returning(unit_classes.c.id)
            ).scalar_one()
        )


def change_account_status(
    engine: Engine, account_code: str, status: AccountStatus, reason: str, now: datetime
) -> None:
    """Freeze, unfreeze, restrict, suspend or close an account, with the reason on record.

    Closed is final, and only an empty account can be closed (set it to closure_pending
    first, so it can send its units away but receive none). Every change is logged.
    """
    if not reason.strip():
        raise TanshiError("give the reason for the status change (e.g. the court order number)")
    with engine.begin() as connection:
        # Registry writes read account statuses: take their lock first, so a transfer
        # cannot slip out of an account that is being frozen or closed.
        lock_journal_head(connection)
        row = connection.execute(select(accounts).where(accounts.c.code == account_code)).first()
        if row is None:
            raise StepRefused(Issue.of("unknown_account", "no registry account {code}",
                                       "account", code=account_code))  # fmt: skip
        current = AccountStatus(row.status)
        if current is AccountStatus.CLOSED:
            raise TanshiError(f"{account_code} is closed; a closed account cannot be reopened")
        if status is AccountStatus.CLOSED and current is not AccountStatus.CLOSURE_PENDING:
            raise TanshiError(
                f"{account_code} must be set to closure_pending (and emptied) before it is closed"
            )
        if status is AccountStatus.CLOSED:
            held = connection.execute(
                select(holdings.c.quantity_units).where(
                    holdings.c.account_id == row.id, holdings.c.quantity_units != 0
                )
            ).first()
            if held is not None:
                raise TanshiError(f"{account_code} still holds units; transfer them before closing")
            frozen = connection.execute(
                select(unit_freezes.c.id).where(
                    unit_freezes.c.account_id == row.id, unit_freezes.c.released_at.is_(None)
                )
            ).first()
            if frozen is not None:
                raise TanshiError(
                    f"{account_code} has units frozen by order {frozen.id}; they must be "
                    "released before the account is closed"
                )
        connection.execute(
            accounts.update().where(accounts.c.id == row.id).values(status=status.value)
        )
        connection.execute(
            account_status_changes.insert().values(
                account_id=row.id, from_status=current.value, to_status=status.value,
                reason=reason, changed_at=to_utc(now),
            )
        )  # fmt: skip
