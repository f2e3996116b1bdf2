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
from tanshi.core.issues import Issue, Severity
from tanshi.market import Trade
from tanshi.mrv import ActivityRecord, SourceKind
from tanshi.mrv.annual_report import AnnualReport, MonthlyValue, ParameterValue
from tanshi.mrv.monitoring_plan import Basis, MonitoringPlan, PlannedStream
from tanshi.mrv.verification_workflow import Actor
from tanshi.registry import Movement, TransactionRequest
from tanshi.reports.compliance_table import table_rows
from tanshi.resources import load_rulebook, parameter_table, verification_rules
from tanshi.rulebook import parse_rulebook
from tanshi.rulebook.in_force import rule_for
from tanshi.scenario.monthly import plan_for, report_for
from tanshi.services import (
    allocation,
    auction,
    bid_book,
    bid_book_cancel,
    bid_book_clearing,
    bid_book_reads,
    cash,
    compliance,
    jurisdiction,
    lifecycle,
    market,
    mrv,
)
from tanshi.services import verification as vf
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
        """``report 2016 on 2017-03-31``: every company with activity reports and is verified.

        Years verified by a body go through the workflow with an uneventful verifier
        (``AUTO``): plan, twelve equal months, submission, assignment, verification.
        """
        years = [int(word) for word in words[: words.index("on")]]
        day = _when(words[-1])
        for year in years:
            for code in mrv.companies_with_activity(self.engine, year):
                if rule_for(self.j.rulebook.mrv, year, "mrv").verification == "accept_reported":
                    mrv.report_and_verify(self.engine, self.j, self.table, code, year)
                    continue
                with self.engine.connect() as connection:
                    records = mrv.load_activity(connection, code, year)
                stated = mrv.calculate(self.engine, self.j, self.table, code, year).emissions_tco2
                vf.register_body(self.engine, "AUTO", "An uneventful verifier", day)
                vf.file_plan(self.engine, plan_for(code, records, year), day)
                steps = [
                    vf.submit_report(self.engine, self.j, self.table, self.rules,
                                     report_for(records, code, year, stated),
                                     Actor("company", code), day),
                    vf.assign(self.engine, self.rules, code, year, "AUTO", vf.REGULATOR, day),
                    vf.verify(self.engine, self.j, self.rules, code, year, Actor("body", "AUTO"),
                              day),
                ]  # fmt: skip
                assert all(step.ok for step in steps), steps

    # --- the verification workflow (tests/scenarios/test_verification.py) -------------

    @property
    def rules(self):
        return verification_rules(self.j.rulebook.rulebook.id)

    def do_body(self, code: str, name: str, *flags: str) -> list[Issue]:
        """``body VB01 "Name"`` or ``body VB09 "Name" unaccredited``."""
        return vf.register_body(self.engine, code, name, _when("2016-01-01"),
                                accredited="unaccredited" not in flags)  # fmt: skip

    def do_conflict(self, body: str, company: str, reason: str) -> list[Issue]:
        return vf.declare_conflict(self.engine, body, company, reason, _when("2016-01-01"))

    def do_plan(self, company: str, year: str, where: str, kind: str, subject: str,
                unit: str, *parameters: str) -> list[Issue]:  # fmt: skip
        """``plan A 2016 site/grid electricity grid MWh quantity=measured``: one stream."""
        self.streams = getattr(self, "streams", {})
        site, stream = where.split("/")
        planned = PlannedStream(site, stream, SourceKind(kind), subject, unit,
                                tuple((p.split("=")[0], Basis(p.split("=")[1]))
                                      for p in parameters))  # fmt: skip
        self.streams.setdefault((company, int(year)), []).append(planned)
        return []

    def do_months(self, company: str, year: str, where: str, amount: str, count: str,
                  *parameters: str) -> list[Issue]:  # fmt: skip
        """``months A 2016 site/grid 8000 x12|m7|m8-12 [ncv=25.1:measured]``: equal months."""
        self.months = getattr(self, "months", {})
        site, stream = where.split("/")
        values = tuple(
            ParameterValue(p.split("=")[0], Decimal(p.split("=")[1].split(":")[0]),
                           Basis(p.split(":")[1]))
            for p in parameters
        )  # fmt: skip
        rows = self.months.setdefault((company, int(year)), [])
        if count.startswith("x"):  # x12: months 1-12
            numbers = range(1, int(count[1:]) + 1)
        else:  # m7: month 7; m8-12: months 8 to 12
            first, _, last = count[1:].partition("-")
            numbers = range(int(first), int(last or first) + 1)
        rows += [MonthlyValue(site, stream, m, Decimal(amount), values) for m in numbers]
        return []

    def do_submit(self, company: str, year: str, _stated: str, stated: str, *words: str
                  ) -> list[Issue]:  # fmt: skip
        """``submit A 2016 stated 58569.6 on 2017-03-31 [total site/grid=96000]``."""
        key, day = (company, int(year)), _when(words[1])
        plan = MonitoringPlan(company, len(getattr(self, "filed", {}).get(company, [])) + 1,
                              int(year), tuple(self.streams[key]))  # fmt: skip
        self.filed = getattr(self, "filed", {})
        if self.filed.get(company) != plan.streams:
            assert not vf.file_plan(self.engine, plan, day)
            self.filed[company] = plan.streams
        months = self.months.pop(key, [])
        totals = {}
        for month in months:
            where = (month.unit, month.stream)
            totals[where] = totals.get(where, Decimal(0)) + month.quantity
        for override in words[3:]:
            where, value = override.split("=")
            totals[tuple(where.split("/"))] = Decimal(value)
        report = AnnualReport(company, int(year), tuple(months),
                              tuple((u, s, q) for (u, s), q in totals.items()), Decimal(stated))  # fmt: skip
        outcome = vf.submit_report(self.engine, self.j, self.table, self.rules, report,
                                   Actor("company", company), day)  # fmt: skip
        self.last_issues = list(outcome.issues)
        return self._step(outcome)

    def do_warnings(self, *codes: str) -> None:
        """``warnings year_on_year_change default_where_measured``: the last submission's."""
        found = sorted({issue.code for issue in self.last_issues})
        assert found == sorted(codes), f"warnings {found}, expected {sorted(codes)}"

    def do_assign(self, company: str, year: str, body: str, _on: str, day: str) -> list[Issue]:
        return self._step(vf.assign(self.engine, self.rules, company, int(year), body,
                                    vf.REGULATOR, _when(day)))  # fmt: skip

    def do_finding(self, company: str, year: str, _by: str, body: str, kind: str,
                   *words: str) -> list[Issue]:  # fmt: skip
        """``finding A 2016 by VB01 misstatement -1000 "why" on DAY`` (non_conformity: no amount)."""
        amount = Decimal(words[0]) if words[0].lstrip("-").replace(".", "").isdigit() else None
        text = words[1] if amount is not None else words[0]
        return self._step(vf.record_finding(self.engine, company, int(year), Actor("body", body),
                                            kind, text, _when(words[-1]),
                                            misstatement_tco2=amount))  # fmt: skip

    def do_verify(self, company: str, year: str, _by: str, body: str, _on: str, day: str,
                  *expect: str) -> list[Issue]:  # fmt: skip
        outcome = vf.verify(self.engine, self.j, self.rules, company, int(year),
                            Actor("body", body), _when(day))  # fmt: skip
        if expect:  # ``-> verified``
            assert str(outcome.state) == expect[-1], outcome
        return self._step(outcome)

    def do_sample(self, year: str, _seed: str, seed: str, _arrow: str, *expected: str) -> None:
        drawn = vf.recheck_sample(
            self.engine, self.j, self.rules, int(year), int(seed), _when(year + "-06-01")
        )
        assert drawn == list(expected), f"sample {drawn}, expected {list(expected)}"

    def do_recheck_assign(self, company: str, year: str, body: str, _on: str, day: str
                          ) -> list[Issue]:  # fmt: skip
        return self._step(vf.assign_recheck(self.engine, self.rules, company, int(year), body,
                                            vf.REGULATOR, _when(day)))  # fmt: skip

    def do_recheck(self, company: str, year: str, _by: str, body: str, figure: str, _on: str,
                   day: str, *expect: str) -> list[Issue]:  # fmt: skip
        outcome = vf.record_recheck(self.engine, self.rules, company, int(year),
                                    Actor("body", body), Decimal(figure), "re-check", _when(day))  # fmt: skip
        if expect:
            assert str(outcome.state) == expect[-1], outcome
        return self._step(outcome)

    def do_expect_case(self, company: str, year: str, *pairs: str) -> None:
        """``expect-case A 2016 state=verified verified=57569.600 body=VB01``."""
        case = next(c for c in vf.cases(self.engine, int(year)) if c.company == company)
        shown = {"state": str(case.state), "body": case.body or "",
                 "recheck_body": case.recheck_body or "", "reported": f"{case.reported_tco2:.3f}",
                 "verified": "" if case.verified_tco2 is None else f"{case.verified_tco2:.3f}",
                 "revisions": str(case.revisions)}  # fmt: skip
        for pair in pairs:
            name, value = pair.split("=")
            assert shown[name] == value, (
                f"{company} {name}: expected {value!r}, got {shown[name]!r}"
            )

    def do_expect_events(self, company: str, year: str, *expected: str) -> None:
        """``expect-events A 2016 submit:ok assign:rotation_limit ...``: the audit trail."""
        trail = [f"{e.action}:{e.result}" for e in vf.events(self.engine, company, int(year))]
        assert trail == list(expected), f"events {trail}"

    def do_expect_verified(self, company: str, year: str, value: str) -> None:
        """``expect-verified A 2016 61000.000``: the figure compliance runs on."""
        with self.engine.connect() as connection:
            verified = mrv.verified_emissions_t(connection, self.j, int(year)).get(company)
        shown = "" if verified is None else f"{verified:.3f}"
        assert shown == value, f"{company} verified {shown}, expected {value}"

    @staticmethod
    def _step(outcome: vf.StepOutcome) -> list[Issue]:
        errors = [issue for issue in outcome.issues if issue.severity is Severity.ERROR]
        if outcome.ok:
            return errors
        return [Issue(outcome.result.value, "refused"), *errors]

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

    # --- The bid book (tests/scenarios/test_auction_book.py) ---

    def do_issue(self, quantity: str, allowance: str, year: str, _to: str, _holding: str,
                 _on: str, day: str) -> None:  # fmt: skip
        """``issue 20000 DPEA 2016 to holding on 2017-02-01``: allowances to auction."""
        unit = jurisdiction.unit_class_id(self.engine, self.j, allowance, int(year))
        move = Movement(self.j.issuance_account, self.j.holding_account, unit, int(quantity))
        request = TransactionRequest("issuance", f"issue/{year}/{day}", (move,), _when(day))
        assert execute(self.engine, request).ok

    def do_deposit(self, company: str, amount: str, _on: str, day: str) -> list[Issue]:
        account = jurisdiction.operator_account_code(self.j.code, company)
        fen = int(Decimal(amount) * 100)
        paid = cash.transfer_with_bank(self.engine, self.j.code, "CNY", account, fen,
                                       f"deposit/{company}/{day}", _when(day), deposit=True)  # fmt: skip
        return list(paid.issues)

    def do_announce(self, code: str, _for: str, year: str, _volume: str, volume: str,
                    _window: str, opens: str, closes: str, _on: str, day: str) -> list[Issue]:  # fmt: skip
        _, issues = bid_book.announce(
            self.engine, self.j, code=code, year=int(year), auction_on=_when(closes).date(),
            opens_at=_when(opens), closes_at=_when(closes), now=_when(day), by="regulator",
            volume_t=int(volume),
        )  # fmt: skip
        self.bids: dict[str, int] = {}
        return issues

    def _bid(self, key: str, company: str, quantity: str, price: str, code: str, moment: str,
             replaces: int | None) -> list[Issue]:  # fmt: skip
        made, issues = bid_book.submit_bid(self.engine, self.j, code, company, Decimal(price),
                                           int(quantity), key=key, now=_when(moment),
                                           by=company, replaces=replaces)  # fmt: skip
        if made is not None:
            self.bids[key] = made["bid_id"]
        return issues

    def do_bid(self, key: str, company: str, quantity: str, _at: str, price: str, _in: str,
               code: str, _when_word: str, moment: str) -> list[Issue]:  # fmt: skip
        """``bid k1 A 3000 at 30.00 in 2017-A1 at 2017-03-01T10:00+08:00``"""
        return self._bid(key, company, quantity, price, code, moment, None)

    def do_revise(self, old: str, _to: str, key: str, company: str, quantity: str, _at: str,
                  price: str, _in: str, code: str, _when_word: str, moment: str) -> list[Issue]:  # fmt: skip
        """``revise k1 to k2 A 3000 at 29.00 in 2017-A1 at …``: a new bid replaces k1."""
        return self._bid(key, company, quantity, price, code, moment, self.bids[old])

    def do_withdraw(self, key: str, company: str, _in: str, code: str, _at: str,
                    moment: str) -> list[Issue]:  # fmt: skip
        return bid_book.withdraw_bid(self.engine, self.j, code, company, self.bids[key],
                                     key=f"withdraw/{key}", now=_when(moment))[1]  # fmt: skip

    def do_clear(self, code: str, _at: str, moment: str) -> list[Issue]:
        return bid_book_clearing.clear_book(self.engine, self.j, code, now=_when(moment))[1]

    def do_cancel_auction(self, code: str, _at: str, moment: str, _because: str,
                          reason: str) -> list[Issue]:  # fmt: skip
        """``cancel-auction 2017-A2 at 2017-03-10T09:00+08:00 because "an outage"``"""
        return bid_book_cancel.cancel_notice(self.engine, self.j, code, reason=reason,
                                             key=f"cancel/{code}", now=_when(moment),
                                             by="regulator")[1]  # fmt: skip

    def do_expect_carry_over(self, tonnes: str) -> None:
        """``expect-carry-over 21000``: what the next notice or auction would carry in."""
        carried = auction.carried_in_units(self.engine, self.j)
        assert carried == int(tonnes), f"carried in next: {carried}, not {tonnes}"

    def do_expect_auction(self, code: str, *pairs: str) -> None:
        """``expect-auction 2017-A1 price=22.00 sold=20000 bid=21000 cover=1.05 bidders=7``
        (also ``offered=``, ``carried=``, ``rolled=``, ``phase=``)"""
        shown = bid_book_reads.notice(self.engine, None, code, _when("2100-01-01"))
        assert shown is not None, code
        actual = {"price": bid_book_reads.price_text(shown["clearing_price_hundredths"]),
                  "sold": str(shown["sold_t"]), "bid": str(shown["bid_t"]),
                  "cover": shown["cover_ratio"], "bidders": str(shown["bidders"]),
                  "offered": str(shown["offered_t"]), "carried": str(shown["carried_in_t"]),
                  "rolled": str(shown["rolled_over_t"]), "phase": shown["phase"]}  # fmt: skip
        for pair in pairs:
            name, value = pair.split("=")
            assert actual[name] == value, f"{code} {name}: expected {value}, got {actual[name]}"

    def do_expect_cash(self, company: str, *pairs: str) -> None:
        """``expect-cash A balance=34000.00 reserved=0.00`` (CNY)."""
        account = jurisdiction.operator_account_code(self.j.code, company)
        with self.engine.connect() as connection:
            balance = cash.balances(connection)[cash.participant_cash_code(account)]
        open_fen = bid_book_reads.open_reserved_fen(self.engine, account)
        actual = {"balance": f"{Decimal(balance) / 100:.2f}",
                  "reserved": f"{Decimal(open_fen) / 100:.2f}"}  # fmt: skip
        for pair in pairs:
            name, value = pair.split("=")
            assert actual[name] == value, f"{company} cash {name}: {actual[name]}, not {value}"


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
