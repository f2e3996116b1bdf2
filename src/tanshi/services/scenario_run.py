"""Running a scenario file on a store: its steps through the services, then every difference.

Each step goes through the same services the CLI and the demo use (registry transactions,
MRV, allocation, trades, surrenders, compliance), so a scenario checks tanshi as a user
runs it. The run never stops at the first surprise: it collects every step that was refused
when it should not have been (or not refused when it should) and every expected number that
came out otherwise, as ``Difference`` records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from tanshi.allocation.production import ActivityLevel, UnitOutput
from tanshi.compliance import ComplianceLine, check_choice
from tanshi.core.errors import InputRejected, TanshiError
from tanshi.core.issues import Issue, Severity, has_errors
from tanshi.market import Trade
from tanshi.mrv import ActivityRecord
from tanshi.mrv.verification_workflow import Actor
from tanshi.registry import Movement, TransactionRequest
from tanshi.resources import load_rulebook, parameter_table, verification_rules
from tanshi.rulebook import UnitKind
from tanshi.rulebook.in_force import rule_for
from tanshi.scenario.monthly import plan_for, report_for
from tanshi.scenario.spec import (
    Outcome,
    Scenario,
    Step,
    check_scenario,
    parse_scenario,
    raw_preset,
)
from tanshi.services import (
    allocation,
    compliance,
    flexibility,
    jurisdiction,
    market,
    mrv,
    production,
    verification,
    verified_entry,
)
from tanshi.services.jurisdiction import Jurisdiction
from tanshi.services.registry import execute
from tanshi.services.scenario_outcomes import (
    ALLOCATION_FIELDS,
    Difference,
    ScenarioResult,
    actual_compliance,
    staged_allocation,
)

AUTO_VERIFIER = "AUTO"


def validate_scenario(text: str, origin: str) -> tuple[Scenario | None, list[Issue]]:
    """The scenario in ``text`` and every problem at once: its schema, its preset, its
    companies' sectors and the companies its steps name (None when any is an error)."""
    scenario, issues = parse_scenario(text, origin)
    preset = scenario.preset if scenario is not None else raw_preset(text)
    sectors = None
    if preset is not None:
        try:
            rulebook, _ = load_rulebook(preset)
            sectors = frozenset(sector.code for sector in rulebook.sectors)
        except TanshiError as error:
            message = str(error).strip().splitlines()[0].rstrip(":")
            issues.append(Issue("unknown_preset", message, f"{origin} preset"))
    if scenario is not None:
        issues.extend(check_scenario(scenario, text, origin, sectors))
    return (None if has_errors(issues) else scenario), issues


def run_scenario(engine: Engine, scenario: Scenario) -> ScenarioResult:
    """Run ``scenario`` on ``engine`` (an empty store) and compare with its expectations."""
    rulebook, text = load_rulebook(scenario.preset)
    run = _Run(engine, scenario, ZoneInfo(rulebook.rulebook.timezone))
    first = scenario.steps[0]
    run.j = jurisdiction.open_jurisdiction(
        engine, rulebook, text, run.moment(first.at), is_demo=False
    )
    for company in scenario.companies:
        jurisdiction.register_company(engine, run.j, company.code, company.name, company.sector)
    for number, step in enumerate(scenario.steps):
        run.step(number, step)
    run.compare()
    return run.result


@dataclass
class _Run:
    engine: Engine
    scenario: Scenario
    tz: ZoneInfo
    j: Jurisdiction = field(init=False)  # opened by run_scenario at the first step's moment

    def __post_init__(self) -> None:
        self.result = ScenarioResult(self.scenario)
        self.table = parameter_table()
        self.projects: dict[str, int] = {}
        self.choices: dict[int, dict[str, Decimal]] = {}

    def moment(self, at: date | datetime) -> datetime:
        if isinstance(at, datetime):
            if at.tzinfo is None:
                return at.replace(tzinfo=self.tz)
            return at
        return datetime.combine(at, time(12), self.tz)

    def step(self, number: int, step: Step) -> None:
        where = f"steps[{number}] {step.action} at {step.at}"
        try:
            issues = getattr(self, "do_" + step.action)(step)
            codes = [issue.code for issue in issues if issue.severity is Severity.ERROR]
        except InputRejected as error:
            codes = [issue.code for issue in error.issues]
        except TanshiError as error:
            codes = [f"error: {error}"]
        if step.refused is not None:
            if step.refused not in codes:
                self.differ(where, "refused", step.refused, ", ".join(codes) or "accepted")
        elif codes:
            self.differ(where, "refused", "accepted", ", ".join(codes))

    def differ(self, where: str, name: str, expected: object, actual: object) -> None:
        self.result.differences.append(Difference(where, name, str(expected), str(actual)))

    def do_activity(self, step: Step) -> list[Issue]:
        assert step.activity is not None
        records = [
            ActivityRecord(a.company, a.year, a.kind, a.subject, a.quantity, a.unit)
            for a in step.activity
        ]
        return mrv.record_activity(self.engine, records)

    def do_report(self, step: Step) -> list[Issue]:
        assert step.report is not None
        issues: list[Issue] = []
        day = self.moment(step.at)
        for year in step.report.years:
            by_body = rule_for(self.j.rulebook.mrv, year, "mrv").verification != "accept_reported"
            for code in mrv.companies_with_activity(self.engine, year):
                if not by_body:
                    calculation = mrv.report_and_verify(self.engine, self.j, self.table, code, year)
                    issues.extend(calculation.issues)
                    continue
                issues.extend(self._verified_by_a_body(code, year, day))
        return issues

    def _verified_by_a_body(self, code: str, year: int, day: datetime) -> list[Issue]:
        """The verification workflow with an uneventful verifier (``AUTO``): plan, twelve
        equal months, submission, assignment, verification without findings."""
        with self.engine.connect() as connection:
            records = mrv.load_activity(connection, code, year)
        stated = mrv.calculate(self.engine, self.j, self.table, code, year).emissions_tco2
        rules = verification_rules(self.j.rulebook.rulebook.id)
        issues = verification.register_body(
            self.engine, AUTO_VERIFIER, "An uneventful verifier", day
        )
        issues = [i for i in issues if i.code != "body_exists"]
        verification.file_plan(self.engine, plan_for(code, records, year), day)
        steps = [
            verification.submit_report(self.engine, self.j, self.table, rules,
                                       report_for(records, code, year, stated),
                                       Actor("company", code), day),
            verification.assign(self.engine, rules, code, year, AUTO_VERIFIER,
                                verification.REGULATOR, day),
            verification.verify(self.engine, self.j, rules, code, year,
                                Actor("body", AUTO_VERIFIER), day),
        ]  # fmt: skip
        for outcome in steps:
            if not outcome.ok:
                issues.append(Issue(outcome.result.value, f"verification of {code} {year}", code))
                issues += _errors(outcome.issues)
        return issues

    def do_allocate(self, step: Step) -> list[Issue]:
        assert step.allocate is not None
        allocation.allocate_year(self.engine, self.j, step.allocate, self.moment(step.at))
        return []

    def do_trade(self, step: Step) -> list[Issue]:
        t = step.trade
        assert t is not None
        day = self.moment(step.at).date()
        trade = Trade(t.seller, t.buyer, t.unit_class, t.quantity_t, t.price_per_t, day)
        key = f"scenario/trade/{t.seller}/{t.buyer}/{step.at}/{t.quantity_t}"
        return market.bilateral_trade(self.engine, self.j, trade, key, self.moment(step.at))[1]

    def do_offsets_issue(self, step: Step) -> list[Issue]:
        o = step.offsets_issue
        assert o is not None
        self.projects[o.project] = jurisdiction.open_project_account(
            self.engine, self.j, o.project, o.project
        )
        credits = self._offset_class(o.project, o.vintage, tuple(o.labels))
        movement = Movement(
            self.j.issuance_account, self.projects[o.project], credits, o.quantity_t
        )
        request = TransactionRequest(
            "offset_issuance", f"scenario/offsets/{o.project}/{o.vintage}/{step.at}",
            (movement,), self.moment(step.at),
        )  # fmt: skip
        return self._outcome(execute(self.engine, request))

    def do_offsets_transfer(self, step: Step) -> list[Issue]:
        o = step.offsets_transfer
        assert o is not None
        if o.project not in self.projects:
            return [Issue("unknown_project", f"project {o.project} has no offsets issued yet", "")]
        with self.engine.connect() as connection:
            target = jurisdiction.account_id(
                connection, jurisdiction.operator_account_code(self.j.code, o.to)
            )
        credits = self._offset_class(o.project, o.vintage)
        movement = Movement(self.projects[o.project], target, credits, o.quantity_t)
        request = TransactionRequest(
            "transfer", f"scenario/offsets/{o.project}/{o.to}/{step.at}/{o.quantity_t}",
            (movement,), self.moment(step.at),
        )  # fmt: skip
        return self._outcome(execute(self.engine, request))

    def _offset_class(self, project: str, vintage: int, labels: tuple[str, ...] = ()) -> int:
        offset_type = next(u for u in self.j.rulebook.unit_types if u.kind is UnitKind.OFFSET)
        return jurisdiction.unit_class_id(
            self.engine, self.j, offset_type.code, vintage, project, labels
        )

    @staticmethod
    def _outcome(outcome: object) -> list[Issue]:
        if getattr(outcome, "ok", False):
            return []
        result = getattr(outcome, "result", "refused")
        return [Issue(str(getattr(result, "value", result)), "refused", "")]

    def do_surrender(self, step: Step) -> list[Issue]:
        s = step.surrender
        assert s is not None
        key = f"scenario/surrender/{s.company}/{s.unit_class}/{s.quantity_t}/{step.at}"
        return compliance.surrender(
            self.engine, self.j, s.company, s.unit_class, s.quantity_t, s.year, key,
            self.moment(step.at),
        )[1]  # fmt: skip

    def do_compliance(self, step: Step) -> list[Issue]:
        assert step.compliance is not None
        year = step.compliance
        self.result.lines[year] = compliance.run_compliance(
            self.engine, self.j, year, self.moment(step.at), self.choices.get(year)
        )
        return []

    # The compliance engine's steps (services.flexibility, services.verified_entry).

    def do_verified_emissions(self, step: Step) -> list[Issue]:
        assert step.verified_emissions is not None
        return [
            issue
            for entry in step.verified_emissions
            for issue in verified_entry.enter_verified_emissions(
                self.engine, entry.company, entry.year, entry.tco2, entry.source
            )
        ]

    def do_bank(self, step: Step) -> list[Issue]:
        b = step.bank
        assert b is not None
        key = f"scenario/bank/{b.company}/{b.from_year}/{b.quantity_t}/{step.at}"
        return flexibility.bank(self.engine, self.j, b.company, b.from_year, b.quantity_t, key,
                                self.moment(step.at))[1]  # fmt: skip

    def do_borrow(self, step: Step) -> list[Issue]:
        b = step.borrow
        assert b is not None
        key = f"scenario/borrow/{b.company}/{b.year}/{b.quantity_t}/{step.at}"
        return flexibility.borrow(self.engine, self.j, b.company, b.year, b.quantity_t, key,
                                  self.moment(step.at))[1]  # fmt: skip

    def do_forced_compliance(self, step: Step) -> list[Issue]:
        f = step.forced_compliance
        assert f is not None
        return flexibility.force_compliance(
            self.engine, self.j, f.company, f.year, self.moment(step.at)
        )[1]

    def do_penalty_choice(self, step: Step) -> list[Issue]:
        c = step.penalty_choice
        assert c is not None
        rule = rule_for(self.j.rulebook.penalty, c.year, "penalty")
        issues = check_choice(rule, c.value, f"penalty of {c.company} for {c.year}")
        if not issues:
            self.choices.setdefault(c.year, {})[c.company] = c.value
        return issues

    def compare(self) -> None:
        for expected in self.scenario.expect:
            year = expected.year
            lines = {line.position.company: line for line in self.result.lines.get(year, [])}
            planned = allocation.allocation_of_year(self.engine, self.j, year)
            staged = staged_allocation(self.engine, self.j, year)
            if expected.penalty_price_per_t is not None:
                price = compliance.penalty_price(self.engine, self.j, year).price_cny_per_t
                if price != expected.penalty_price_per_t:
                    self.differ(f"expect {year}", "penalty_price_per_t",
                                expected.penalty_price_per_t, price)  # fmt: skip
            for company, outcome in expected.companies.items():
                self._compare_company(year, company, outcome, lines.get(company), planned)
                self._compare_stages(year, company, outcome, staged)

    def _compare_company(
        self,
        year: int,
        company: str,
        outcome: Outcome,
        line: ComplianceLine | None,
        planned: dict[str, int],
    ) -> None:
        where = f"expect {year} {company}"
        if outcome.allocation_t is not None and planned.get(company) != outcome.allocation_t:
            self.differ(where, "allocation_t", outcome.allocation_t, planned.get(company))
        actual = actual_compliance(line)
        for name, value in outcome.model_dump(exclude_none=True).items():
            if name in ALLOCATION_FIELDS:
                continue
            if line is None:
                self.differ(where, name, value, f"no compliance result for {year}")
                continue
            if actual[name] != value:
                self.differ(where, name, value, actual[name])

    def _compare_stages(
        self, year: int, company: str, outcome: Outcome, staged: dict[str, dict[str, int]]
    ) -> None:
        """The benchmark_output stages: the pre-allocation and the true-up's net change."""
        for name in ("preallocation_t", "true_up_t"):
            expected = getattr(outcome, name)
            actual = staged.get(company, {}).get(name)
            if expected is not None and actual != expected:
                self.differ(f"expect {year} {company}", name, expected, actual)

    def do_output(self, step: Step) -> list[Issue]:
        assert step.output is not None
        moment = self.moment(step.at)
        units = [
            UnitOutput(u.company, u.unit, u.year, u.unit_class, u.cooling, u.load_factor,
                       u.heat_ratio, u.electricity_mwh, u.heat_gj)
            for u in step.output.units
        ]  # fmt: skip
        levels = [
            ActivityLevel(i.company, i.installation, i.benchmark, i.year, i.activity,
                          i.leakage_exposed, i.cbam_good)
            for i in step.output.installations
        ]  # fmt: skip
        issues = production.record_unit_outputs(self.engine, self.j, units, moment, "scenario")
        return issues + production.record_activity_levels(
            self.engine, self.j, levels, moment, "scenario"
        )

    def do_true_up(self, step: Step) -> list[Issue]:
        assert step.true_up is not None
        result = allocation.true_up_year(self.engine, self.j, step.true_up, self.moment(step.at))
        return list(result.issues)


def _errors(issues: tuple[Issue, ...]) -> list[Issue]:
    """The errors behind a refused verification step (``ncv_missing`` under CN-ETS:power when
    a scenario's coal has no measured NCV), so the step names its cause."""
    return [issue for issue in issues if issue.severity is Severity.ERROR]
