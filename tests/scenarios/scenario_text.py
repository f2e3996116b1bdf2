"""Runs a compliance-year scenario written as text (see test_small_year.py) against a database."""

from __future__ import annotations

import functools
import inspect
import shlex
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import Engine

from registry_controls import CONTROLS
from tanshi.core.issues import Issue
from tanshi.market import Trade
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.registry import Movement, TransactionRequest
from tanshi.reports.compliance_table import table_rows
from tanshi.resources import load_rulebook, parameter_table
from tanshi.rulebook import parse_rulebook
from tanshi.services import allocation, compliance, jurisdiction, lifecycle, market, mrv
from tanshi.services.registry import balance, execute

FIELDS = {
    "verified": "verified_tco2", "allocated": "allocated_t", "bought": "bought_t",
    "sold": "sold_t", "allowances": "surrendered_allowances_t",
    "offsets": "surrendered_offsets_t", "shortfall": "shortfall_t", "penalty": "penalty_cny",
    "status": "status",
}  # fmt: skip


def _when(day: str) -> datetime:
    """A day (noon UTC) or an exact ISO moment such as 2017-06-30T16:30:00+00:00."""
    if "T" in day:
        return datetime.fromisoformat(day)
    return datetime.combine(date.fromisoformat(day), time(12), UTC)


class ScenarioRun:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.table = parameter_table()
        self.lines: list = []

    def run(self, text: str) -> None:
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            expected_error = None
            if " !" in line:
                line, expected_error = line.rsplit(" !", 1)
            words = shlex.split(line)
            issues = getattr(self, "do_" + words[0].replace("-", "_"))(*words[1:]) or []
            codes = [issue.code for issue in issues]
            context = f"line {number}: {raw.strip()}"
            if expected_error:
                assert expected_error in codes, f"{context}: expected {expected_error}, got {codes}"
            else:
                assert not codes, f"{context}: unexpected {issues}"

    def do_rulebook(self, preset: str, *extra: str) -> None:
        """``rulebook demo-province`` or ``rulebook demo-province +controls`` (EU-style registry)."""
        rulebook, text = load_rulebook(preset)
        if "+controls" in extra:
            text += CONTROLS
            parsed, issues = parse_rulebook(text)
            assert parsed is not None and not issues, issues
            rulebook = parsed
        self.j = jurisdiction.open_jurisdiction(
            self.engine, rulebook, text, _when("2016-01-01"), is_demo=False
        )
        self.proposals: dict[str, int] = {}

    def do_representative(self, account: str, person: str, *rights: str) -> None:
        lifecycle.add_representative(self.engine, account, person, initiate="initiate" in rights,
                                     approve="approve" in rights)  # fmt: skip

    def do_propose(self, key: str, source: str, _arrow: str, target: str, quantity: str,
                   unit_class: str, _as: str, person: str, _at: str, moment: str) -> list[Issue]:  # fmt: skip
        with self.engine.connect() as connection:
            move = Movement(jurisdiction.account_id(connection, source),
                            jurisdiction.account_id(connection, target),
                            market.unit_class_by_code(connection, unit_class) or 0, int(quantity))  # fmt: skip
        request = TransactionRequest("transfer", key, (move,), _when(moment))
        outcome = lifecycle.propose(self.engine, self.j, request, person, _when(moment))
        if outcome.proposal_id is not None:
            self.proposals[key] = outcome.proposal_id
        return self._issues(outcome)

    def do_approve(self, key: str, _as: str, person: str, _at: str, moment: str,
                   *expect: str) -> list[Issue]:  # fmt: skip
        outcome = lifecycle.approve(self.engine, self.j, self.proposals[key], person, _when(moment))
        if expect:  # e.g. ``delayed until 2017-04-10T10:00+08:00`` or ``executed``
            assert outcome.status is not None and outcome.status.value == expect[0], outcome
            if len(expect) > 2:
                assert outcome.release_at == _when(expect[2]), outcome.release_at
        return self._issues(outcome)

    def do_release(self, _at: str, moment: str, *expect: str) -> None:
        released = lifecycle.release_due(self.engine, _when(moment))
        assert [str(outcome.status) for outcome in released] == list(expect), released

    def do_cancel(self, key: str, _as: str, person: str, _at: str, moment: str) -> list[Issue]:
        return self._issues(
            lifecycle.cancel(self.engine, self.proposals[key], person, _when(moment))
        )

    @staticmethod
    def _issues(outcome: lifecycle.ProposalOutcome) -> list[Issue]:
        if outcome.result.value == "ok":
            return []
        return [Issue(outcome.result.value, "refused", str(outcome.proposal_id))]

    def do_company(self, code: str, name: str, sector: str) -> None:
        jurisdiction.register_company(self.engine, self.j, code, name, sector)

    def do_activity(
        self, company: str, year: str, kind: str, subject: str, quantity: str, unit: str
    ) -> list[Issue]:
        record = ActivityRecord(
            company, int(year), SourceKind(kind), subject, Decimal(quantity), unit
        )
        return mrv.record_activity(self.engine, [record])

    def do_report(self, *words: str) -> None:
        years = [int(word) for word in words[: words.index("on")]]
        for year in years:
            for code in mrv.companies_with_activity(self.engine, year):
                mrv.report_and_verify(self.engine, self.j, self.table, code, year)

    def do_allocate(self, year: str, _on: str, day: str) -> None:
        allocation.allocate_year(self.engine, self.j, int(year), _when(day))

    def do_expect_allocation(self, year: str, *pairs: str) -> None:
        planned = {
            line.company: line.allocated_t
            for line in allocation.plan_allocation(self.engine, self.j, int(year)).lines
        }
        for pair in pairs:
            company, value = pair.split("=")
            assert planned[company] == int(value), (
                f"{year} allocation of {company}: {planned[company]}"
            )

    def do_trade(
        self,
        seller: str,
        _arrow: str,
        buyer: str,
        quantity: str,
        unit_class: str,
        _at: str,
        price: str,
        _on: str,
        day: str,
    ) -> list[Issue]:
        trade = Trade(
            seller, buyer, unit_class, int(quantity), Decimal(price), date.fromisoformat(day)
        )
        key = f"trade/{seller}/{buyer}/{day}/{quantity}"
        return market.bilateral_trade(self.engine, self.j, trade, key, _when(day))[1]

    def do_offsets(self, project: str, vintage: str, action: str, *words: str) -> None:
        credits = jurisdiction.unit_class_id(self.engine, self.j, "DPCER", int(vintage), project)
        if action == "issue":
            self.project = jurisdiction.open_project_account(self.engine, self.j, project, project)
            quantity, day = int(words[0]), words[2]
            movement = Movement(self.j.issuance_account, self.project, credits, quantity)
            request = TransactionRequest(
                "offset_issuance", f"offsets/{project}", (movement,), _when(day)
            )
        else:
            company, quantity, day = words[0], int(words[1]), words[3]
            with self.engine.connect() as connection:
                target = jurisdiction.account_id(
                    connection, jurisdiction.operator_account_code(self.j.code, company)
                )
            request = TransactionRequest(
                "transfer",
                f"offsets/{project}/{company}",
                (Movement(self.project, target, credits, quantity),),
                _when(day),
            )
        assert execute(self.engine, request).ok

    def do_surrender(
        self, company: str, quantity: str, unit_class: str, _for: str, year: str, _on: str, day: str
    ) -> list[Issue]:
        key = f"surrender/{company}/{unit_class}/{quantity}/{day}"
        return compliance.surrender(
            self.engine, self.j, company, unit_class, int(quantity), int(year), key, _when(day)
        )[1]

    def do_compliance(self, year: str, _on: str, day: str) -> None:
        self.lines = compliance.run_compliance(self.engine, self.j, int(year), _when(day))
        self.year = int(year)

    def do_expect(self, company: str, *pairs: str) -> None:
        rows = {row["company"]: row for row in table_rows(self.lines)}
        for pair in pairs:
            name, value = pair.split("=")
            actual = rows[company][FIELDS[name]]
            assert actual == value, f"{company} {name}: expected {value!r}, got {actual!r}"

    def do_expect_holding(self, company: str, unit_class: str, value: str) -> None:
        with self.engine.connect() as connection:
            account = jurisdiction.account_id(
                connection, jurisdiction.operator_account_code(self.j.code, company)
            )
            unit = market.unit_class_by_code(connection, unit_class)
            held = balance(connection, account, unit) if unit is not None else 0
        assert held == int(value), f"{company} holds {held} {unit_class}, expected {value}"

    def do_expect_price(self, value: str) -> None:
        price = compliance.penalty_price(self.engine, self.j, self.year)
        assert price.from_trades and price.price_cny_per_t == Decimal(value), price


def run_scenario(engine: Engine, text: str) -> None:
    """Run every command of ``text``; an AssertionError names the failing line."""
    ScenarioRun(engine).run(text)


def scenario(test: Callable[[Engine], None]) -> Callable[[Engine], None]:
    """Run the test's docstring as a scenario on its ``engine``, then the test's own body."""

    @functools.wraps(test)
    def run(engine: Engine) -> None:
        run_scenario(engine, inspect.getdoc(test) or "")
        test(engine)

    return run
