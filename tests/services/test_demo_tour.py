"""The README's tour: the demo's compliance officers can surrender what their company owes."""

from __future__ import annotations

from sqlalchemy import Engine, select

from tanshi.compliance import Status
from tanshi.resources import load_rulebook, parameter_table
from tanshi.services import compliance as compliance_service
from tanshi.services import surrender_standing
from tanshi.services.compliance_report import projected_lines
from tanshi.services.demo import run_demo
from tanshi.services.demo_clock import demo_moment
from tanshi.services.demo_users import officers_company
from tanshi.services.jurisdiction import (
    account_id,
    load_jurisdiction,
    operator_account_code,
    unit_class_id,
)
from tanshi.services.registry import balance
from tanshi.store.schema import companies


def test_the_officers_company_still_owes_what_it_holds_and_surrendering_it_complies(
    engine: Engine,
) -> None:
    """The officers' company stops short of its obligation but keeps the allowances, so at
    the demo's moment the officer's surrender goes ahead and makes it compliant."""
    rulebook, text = load_rulebook("demo-province")
    result = run_demo(engine, rulebook, text, parameter_table(), seed=7, company_count=12)
    jurisdiction = load_jurisdiction(engine, rulebook.rulebook.jurisdiction)
    allowances = unit_class_id(engine, jurisdiction, "DPEA", result.year)
    with engine.connect() as connection:
        company = officers_company(connection.execute(select(companies.c.code)).scalars())
        assert company is not None
        account = account_id(connection, operator_account_code(jurisdiction.code, company))
        held = balance(connection, account, allowances)
    line = next(line for line in result.lines if line.position.company == company)
    assert line.status is Status.NON_COMPLIANT
    standing = surrender_standing.standing(engine, jurisdiction, company, result.year)
    assert standing is not None and standing.still_owed_t > 0
    assert held >= standing.still_owed_t
    moment = demo_moment(engine)
    assert moment is not None
    outcome, issues = compliance_service.surrender(
        engine, jurisdiction, company, f"DPEA-{result.year}", standing.still_owed_t,
        result.year, "test/tour", moment,
    )  # fmt: skip
    assert outcome is not None and not issues, issues
    after = surrender_standing.standing(engine, jurisdiction, company, result.year)
    assert after is not None and after.still_owed_t == 0
    lines, _ = projected_lines(engine, jurisdiction, result.year)
    assert next(line for line in lines if line.position.company == company).status is (
        Status.COMPLIANT
    )
