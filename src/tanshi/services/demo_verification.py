"""The demo's verification season: plans, monthly reports, bodies, findings and a re-check.

Seeded like the rest of the demo. Three companies misreport on purpose so that every path
shows up in the output:

  corrected   under-reports its electricity; the verifier's misstatement is not material,
              so the report passes with the verifier's correction
  resubmitted under-reports its main fuel by a tenth; the misstatement is material, the
              verifier asks for a correction and verifies the resubmitted report
  flagged     under-reports its main fuel and its verifier misses it; the regulator's
              re-check by another body finds a material discrepancy, and compliance uses
              the re-checked figure
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine

from tanshi.core.errors import TanshiError
from tanshi.core.quantities import round_half_up
from tanshi.mrv import METHODOLOGIES, ActivityRecord, MethodologyContext, ParameterTable, SourceKind
from tanshi.mrv.materiality import assess
from tanshi.mrv.verification_rules import VerificationRules
from tanshi.mrv.verification_workflow import Actor, ResultCode, draw_recheck_sample
from tanshi.rulebook.in_force import rule_for
from tanshi.scenario.monthly import plan_for, report_for
from tanshi.services import verification as vf
from tanshi.services.jurisdiction import Jurisdiction

BODIES = (
    ("VB01", "Yangtze Carbon Verification Centre (fictional)"),
    ("VB02", "Mountain City Energy Audit Co. (fictional)"),
    ("VB03", "Three Gorges Low-Carbon Assessment (fictional)"),
    ("VB04", "Jialing Quality Certification (fictional)"),
    ("VB05", "Western Emissions Inspection Institute (fictional)"),
)
_KG = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class SeasonResult:
    """Who misreported how, for the console summary."""

    corrected: str | None
    resubmitted: str | None
    flagged: str | None
    sample: list[str]


@dataclass
class VerificationSeason:
    engine: Engine
    jurisdiction: Jurisdiction
    table: ParameterTable
    rules: VerificationRules
    year: int
    rng: random.Random
    at: Callable[[date], datetime]
    seed: int

    def run(self, activity: dict[str, list[ActivityRecord]], silent: str | None) -> SeasonResult:
        year, day = self.year, self.at(date(self.year, 1, 5))
        for code, name in BODIES:
            vf.register_body(self.engine, code, name, day)
        reporting = sorted(code for code in activity if code != silent)
        truth = {code: [r for r in activity[code] if r.year == year] for code in reporting}
        for code in reporting:
            _must(vf.file_plan(self.engine, plan_for(code, truth[code], year), day))
        # A body declares a conflict with one company (it advised it): assignment skips it.
        conflicted = reporting[self.rng.randrange(len(reporting))]
        _must(vf.declare_conflict(self.engine, BODIES[0][0], conflicted, "advised the company "
                                  "on its monitoring plan", day))  # fmt: skip
        sample = draw_recheck_sample(reporting, self.rules.recheck_sample_share, self.seed)
        flagged = next((c for c in sample if self._material(truth[c], SourceKind.FUEL)), None)
        others = [code for code in reporting if code != flagged]
        self.rng.shuffle(others)
        corrected = next(
            (c for c in others if self._material(truth[c], SourceKind.ELECTRICITY) is False), None
        )
        resubmitted = next(
            (c for c in others if c != corrected and self._material(truth[c], SourceKind.FUEL)),
            None,
        )
        reported = {code: truth[code] for code in reporting}
        if corrected:
            reported[corrected] = _scaled(truth[corrected], SourceKind.ELECTRICITY, "0.9")
        if resubmitted:
            reported[resubmitted] = _scaled(truth[resubmitted], SourceKind.FUEL, "0.9")
        if flagged:
            reported[flagged] = _scaled(truth[flagged], SourceKind.FUEL, "0.9")
        verifier = self.submit_and_assign(reported)
        for code in reporting:
            self.verify(code, verifier[code], truth[code], reported[code], code != flagged)
            if code == resubmitted:
                self.resubmit(code, verifier[code], truth[code])
        self.recheck(sample, verifier, truth)
        return SeasonResult(corrected, resubmitted, flagged, sample)

    def emissions(self, company: str, records: Sequence[ActivityRecord]) -> Decimal:
        rule = rule_for(self.jurisdiction.rulebook.mrv, self.year, "mrv")
        context = MethodologyContext(self.table, rule.parameter_regimes, rule.grid_region)
        found = METHODOLOGIES[rule.methodology].calculate(company, self.year, records, context)
        return found.emissions_tco2

    def _material(self, records: list[ActivityRecord], kind: SourceKind) -> bool | None:
        """Is under-reporting the main line of ``kind`` by a tenth material? None: no such
        line, or a gap under a tonne (nothing to show)."""
        if not any(r.kind is kind for r in records):
            return None
        company = records[0].company
        true = self.emissions(company, records)
        told = self.emissions(company, _scaled(records, kind, "0.9"))
        if true - told < 1:
            return None
        return assess(self.rules.materiality, told, [true - told]).material

    def submit_and_assign(self, reported: dict[str, list[ActivityRecord]]) -> dict[str, str]:
        """Reports in by 31 March; the regulator spreads them over the bodies in turn."""
        verifier: dict[str, str] = {}
        for index, (code, records) in enumerate(sorted(reported.items())):
            stated = self.emissions(code, records)
            report = report_for(records, code, self.year, stated, self.rng)
            outcome = vf.submit_report(self.engine, self.jurisdiction, self.table, self.rules,
                                       report, Actor("company", code),
                                       self.at(date(self.year + 1, 3, 31)))  # fmt: skip
            _ok(outcome, f"submission of {code}")
            for turn in range(len(BODIES)):
                body = BODIES[(index + turn) % len(BODIES)][0]
                assigned = vf.assign(self.engine, self.rules, code, self.year, body,
                                     vf.REGULATOR, self.at(date(self.year + 1, 4, 10)))  # fmt: skip
                if assigned.ok:
                    verifier[code] = body
                    break
                if assigned.result is not ResultCode.CONFLICT_OF_INTEREST:
                    _ok(assigned, f"assignment of {code}")
        return verifier

    def verify(self, code: str, body: str, truth, reported, diligent: bool) -> None:
        """The verifier records the gap it finds (a diligent one finds all of it), then concludes."""
        gap = round_half_up(self.emissions(code, truth) - self.emissions(code, reported), _KG)
        actor, day = Actor("body", body), self.at(date(self.year + 1, 5, 15))
        if diligent and gap != 0:
            _ok(vf.record_finding(self.engine, code, self.year, actor, "misstatement",
                                  "activity data under-reported against invoices and meter "
                                  "readings", day, misstatement_tco2=gap), "finding")  # fmt: skip
        _ok(vf.verify(self.engine, self.jurisdiction, self.rules, code, self.year, actor, day),
            f"verification of {code}")  # fmt: skip

    def resubmit(self, code: str, body: str, truth: list[ActivityRecord]) -> None:
        report = report_for(truth, code, self.year, self.emissions(code, truth), self.rng)
        _ok(vf.submit_report(self.engine, self.jurisdiction, self.table, self.rules, report,
                             Actor("company", code), self.at(date(self.year + 1, 5, 25))),
            f"resubmission of {code}")  # fmt: skip
        _ok(vf.verify(self.engine, self.jurisdiction, self.rules, code, self.year,
                      Actor("body", body), self.at(date(self.year + 1, 6, 1))),
            f"verification of {code}")  # fmt: skip

    def recheck(self, sample: list[str], verifier: dict[str, str], truth) -> None:
        """The regulator draws the sample and sends each report to another body."""
        drawn = vf.recheck_sample(self.engine, self.jurisdiction, self.rules, self.year, self.seed,
                                  self.at(date(self.year + 1, 6, 5)))  # fmt: skip
        if drawn != sample:
            raise TanshiError(f"the re-check sample {drawn} is not the one planned {sample}")
        for index, code in enumerate(sample):
            for turn in range(1, len(BODIES)):
                body = BODIES[(index + turn) % len(BODIES)][0]
                assigned = vf.assign_recheck(self.engine, self.rules, code, self.year, body,
                                             vf.REGULATOR, self.at(date(self.year + 1, 6, 5)))  # fmt: skip
                if assigned.ok:
                    break
            figure = round_half_up(self.emissions(code, truth[code]), _KG)
            _ok(vf.record_recheck(self.engine, self.rules, code, self.year, Actor("body", body),
                                  figure, "re-check of the verified report",
                                  self.at(date(self.year + 1, 6, 15))), f"re-check of {code}")  # fmt: skip


def _scaled(records: list[ActivityRecord], kind: SourceKind, factor: str) -> list[ActivityRecord]:
    """The records with the largest line of ``kind`` scaled by ``factor`` (a misreport)."""
    lines = [r for r in records if r.kind is kind]
    if not lines:
        return records
    biggest = max(lines, key=lambda r: r.quantity)
    return [
        ActivityRecord(r.company, r.year, r.kind, r.subject,
                       (r.quantity * Decimal(factor)).quantize(_KG), r.unit)
        if r is biggest else r
        for r in records
    ]  # fmt: skip


def _must(issues) -> None:
    if issues:
        raise TanshiError("the demo's verification set-up failed: " + "; ".join(map(str, issues)))


def _ok(outcome: vf.StepOutcome, what: str) -> None:
    if not outcome.ok:
        problems = "; ".join(map(str, outcome.issues))
        raise TanshiError(f"{what} failed in the demo: {outcome.result} {problems}")
