"""MRV writes: plans and annual reports (companies), findings and verification (verifiers),
assignments, the re-check sample and discrepancies (the regulator)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field, StringConstraints

from tanshi.api import mrv_desk as mrv_web
from tanshi.api.context import IdempotencyKey, Reader, ServiceDep, idempotent_write, needs
from tanshi.api.errors import ApiError, ErrorDetail
from tanshi.api.limits import BODY_CODE_CHARS, FILE_TEXT_CHARS, VERIFICATION_TEXT_CHARS
from tanshi.api.models import Strict
from tanshi.core.issues import Issue, has_errors
from tanshi.mrv.verification_workflow import TRANSITIONS, Action, CaseState
from tanshi.services.principals import Principal, Role, Scope

router = APIRouter(tags=["reports"])
Year = Annotated[int, Path(ge=1990, le=2200)]
Company = Annotated[str, Path(max_length=40)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=BODY_CODE_CHARS)]
Tonnes = Annotated[Decimal, Field(ge=-(10**12), le=10**12, max_digits=20, decimal_places=6)]
Officer = Annotated[Principal, Depends(needs(Scope.MRV_REPORT))]
Verifier = Annotated[Principal, Depends(needs(Scope.MRV_VERIFY))]
Regulator = Annotated[Principal, Depends(needs(Scope.REGULATE))]


class PlanIn(Strict):
    toml: Annotated[str, StringConstraints(min_length=1, max_length=FILE_TEXT_CHARS)]


class ReportIn(Strict):
    """The annual report as the CSV of docs/verification.md, and the company's own total."""

    year: Annotated[int, Field(ge=1990, le=2200)]
    stated_t: Annotated[Decimal, Field(ge=0, le=10**12, max_digits=20, decimal_places=6)]
    csv: Annotated[str, StringConstraints(min_length=1, max_length=FILE_TEXT_CHARS)]


class BodyIn(Strict):
    body: Code


class FindingIn(Strict):
    kind: Literal["misstatement", "non_conformity"]
    description: Annotated[str, StringConstraints(min_length=1, max_length=VERIFICATION_TEXT_CHARS)]
    misstatement_t: Tonnes | None = None
    stream: Annotated[str | None, StringConstraints(max_length=80)] = None


class WithdrawalIn(Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=VERIFICATION_TEXT_CHARS)]


class RecheckIn(Strict):
    figure_t: Annotated[Decimal, Field(ge=0, le=10**12, max_digits=20, decimal_places=6)]
    note: Annotated[str, StringConstraints(max_length=VERIFICATION_TEXT_CHARS)] = ""


class SampleIn(Strict):
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)]


class IssueOut(BaseModel):
    code: str
    severity: str
    message: str
    where: str


class CheckOut(BaseModel):
    ok: bool
    issues: list[IssueOut]


class StepOut(BaseModel):
    """A workflow step that happened: the case's state after it and what was recorded."""

    company: str
    year: int
    state: str | None
    issues: list[IssueOut]
    detail: dict


class SampleOut(BaseModel):
    year: int
    seed: int
    sample: list[str]


class DiscrepancyOut(BaseModel):
    company: str
    verifier: str | None
    recheck_body: str | None
    verified_tco2: str | None
    recheck_tco2: str | None
    difference_tco2: str | None
    state: str


def _issues(issues: list[Issue] | tuple[Issue, ...]) -> list[dict]:
    return [{"code": i.code, "severity": i.severity.value, "message": i.message,
             "where": i.where} for i in issues]  # fmt: skip


def _own_company(who: Principal) -> str:
    if not who.company:
        raise ApiError(404, "unknown_company", "your organisation is not a covered company")
    return who.company


# Where each step is taken (after /v1/verification/{year}/{company}), and by whom.
STEP_ROUTES = {
    Action.SUBMIT: ("POST /v1/reports", "the company"),
    Action.RESUBMIT: ("POST /v1/reports", "the company"),
    Action.ASSIGN: ("…/assign", "the regulator"),
    Action.REASSIGN: ("…/reassign", "the regulator"),
    Action.RECORD_FINDING: ("…/findings", "the assigned body"),
    Action.WITHDRAW_FINDING: ("…/findings/{id}/withdraw", "the assigned body"),
    Action.VERIFY: ("…/verify", "the assigned body"),
    Action.ASSIGN_RECHECK: ("…/recheck-assign", "the regulator"),
    Action.RECORD_RECHECK: ("…/recheck", "the re-checking body"),
}


def _wrong_state(state: CaseState | None, action: Action, company: str, year: int) -> str:
    """invalid_state, said: the case's state, the states this step starts from, and the
    steps that do start from the case's state."""
    now = state.value if state is not None else "not submitted"
    sources = sorted(s.value if s is not None else "no case yet"
                     for s in TRANSITIONS[action].sources)  # fmt: skip
    said = (f"the case of {company} for {year} is {now}; {action.value} starts from "
            f"{' or '.join(sources)}")  # fmt: skip
    following = [t.action for t in TRANSITIONS.values()
                 if state in t.sources and t.action is not action]  # fmt: skip
    if not following:
        return f"{said}; no step starts from {now}: the case is closed"
    steps = ", ".join(f"{a.value} ({STEP_ROUTES[a][0]}, by {STEP_ROUTES[a][1]})"
                      for a in following)  # fmt: skip
    return f"{said}; from {now} the next step is {steps}"


def _issue_field(issue: Issue, body: BaseModel | None, default: str) -> str:
    """``body.<field>`` an issue is about when its ``where`` names a field of the request
    (``stated_t``), else ``default`` (``body.csv``, ``body.toml``): one field, whose place in
    the text the message says."""
    head = issue.where.split(":")[0].split(".")[0].split("[")[0].strip()
    if body is not None and head in type(body).model_fields:
        return f"body.{head}"
    return default


def _located(issues: list[Issue] | tuple[Issue, ...], body: BaseModel | None,
             default: str) -> list[ErrorDetail]:  # fmt: skip
    """Every issue, its place in the uploaded text (``csv:3``) said in its message."""
    return [ErrorDetail(code=i.code, field=_issue_field(i, body, default),
                        message=f"{i.message} (at {i.where})" if i.where else i.message)
            for i in issues]  # fmt: skip


def _refusal(outcome: mrv_web.Outcome, company: str, year: int, action: Action,
             body: BaseModel | None = None) -> ApiError:  # fmt: skip
    """A refused step: 404 for a case you may not see, 409 for the state, else 422."""
    code = outcome.result.value
    if outcome.issues:
        details = _located(outcome.issues, body, "body.csv" if isinstance(body, ReportIn)
                           else "body")  # fmt: skip
        explained = ErrorDetail(code=code, message=mrv_web.explain(code), field=details[0].field)
        return ApiError(422, code, mrv_web.explain(code), details[0].field,
                        [explained, *details])  # fmt: skip
    status = {"case_unknown": 404, "not_permitted": 404, "case_exists": 409,
              "invalid_state": 409}.get(code, 422)  # fmt: skip
    if status == 404:
        return ApiError(404, "unknown_case", mrv_web.explain("unknown_case"), "path.company")
    if code == "invalid_state":
        return ApiError(409, code, _wrong_state(outcome.state, action, company, year),
                        "path.company")  # fmt: skip
    field = {"case_exists": "body.year", "finding_unknown": "path.finding_id",
             "finding_invalid": "body.misstatement_t"}.get(code)  # fmt: skip
    if field is None and body is not None and "body" in type(body).model_fields:
        field = "body.body"  # body_unknown, body_not_accredited, conflicts, rotation
    return ApiError(status, code, mrv_web.explain(code), field)


def _step(company: str, year: int, outcome: mrv_web.Outcome, action: Action,
          body: BaseModel | None = None) -> tuple[int, dict]:  # fmt: skip
    if not outcome.ok:
        raise _refusal(outcome, company, year, action, body)
    state = outcome.state.value if outcome.state else None
    return 200, {"company": company, "year": year, "state": state,
                 "issues": _issues(outcome.issues), "detail": outcome.detail}  # fmt: skip


@router.post("/monitoring-plans", response_model=CheckOut, status_code=201)
def file_plan(body: PlanIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
              who: Officer) -> dict:  # fmt: skip
    """File your company's monitoring plan (TOML, docs/verification.md); a new version each time."""
    company = _own_company(who)

    def run() -> tuple[int, dict]:
        issues = mrv_web.file_plan(svc.engine, company, body.toml, svc.now())
        if has_errors(issues):
            located = _located(issues, None, "body.toml")
            raise ApiError(422, located[0].code, located[0].message, "body.toml", located)
        return 201, {"ok": True, "issues": _issues(issues)}

    return idempotent_write(svc, request, who, key, "plan_file", company, body.model_dump(),
                            run)[1]  # fmt: skip


@router.post("/reports/check", response_model=CheckOut)
def check_report(body: ReportIn, who: Officer, svc: ServiceDep) -> dict:
    """Run every data check on an annual report without storing it; all problems are listed."""
    company = _own_company(who)
    issues = mrv_web.check(svc, company, body.year, body.stated_t, body.csv)
    return {"ok": not has_errors(issues), "issues": _issues(issues)}


@router.post("/reports", response_model=StepOut, status_code=201)
def submit_report(body: ReportIn, request: Request, key: IdempotencyKey, svc: ServiceDep,
                  who: Officer) -> dict:  # fmt: skip
    """Submit (or, after a correction request, resubmit) your company's annual report.

    Any data-check error refuses it with every problem in ``error.details``; warnings are
    stored with the report for the verifier and returned."""
    company = _own_company(who)

    def run() -> tuple[int, dict]:
        outcome = mrv_web.submit(svc, company, body.year, body.stated_t, body.csv)
        action = Action.RESUBMIT if outcome.result.value == "invalid_state" else Action.SUBMIT
        return 201, _step(company, body.year, outcome, action, body)[1]

    payload = body.model_dump(mode="json")
    return idempotent_write(svc, request, who, key, "report_submit", f"{company}/{body.year}",
                            payload, run)[1]  # fmt: skip


@router.post("/verification/{year}/{company}/assign", response_model=StepOut)
def assign(year: Year, company: Company, body: BodyIn, request: Request, key: IdempotencyKey,
           svc: ServiceDep, who: Regulator) -> dict:  # fmt: skip
    """Assign a verification body to a submitted report (rotation and conflicts checked)."""

    def run() -> tuple[int, dict]:
        outcome = mrv_web.assign(svc, company, year, body.body, who=who)
        return _step(company, year, outcome, Action.ASSIGN, body)

    return idempotent_write(svc, request, who, key, "verification_assign", f"{company}/{year}",
                            body.model_dump(), run)[1]  # fmt: skip


@router.post("/verification/{year}/{company}/reassign", response_model=StepOut)
def reassign(year: Year, company: Company, body: BodyIn, request: Request, key: IdempotencyKey,
             svc: ServiceDep, who: Regulator) -> dict:  # fmt: skip
    """Give an assigned case to another body, before that body recorded a finding or
    concluded (the same checks as an assignment)."""

    def run() -> tuple[int, dict]:
        outcome = mrv_web.reassign(svc, company, year, body.body, who=who)
        return _step(company, year, outcome, Action.REASSIGN, body)

    return idempotent_write(svc, request, who, key, "verification_reassign",
                            f"{company}/{year}", body.model_dump(), run)[1]  # fmt: skip


@router.post("/verification/{year}/{company}/findings/{finding_id}/withdraw",
             response_model=StepOut)  # fmt: skip
def withdraw_finding(year: Year, company: Company,
                     finding_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: WithdrawalIn,
                     request: Request, key: IdempotencyKey, svc: ServiceDep,
                     who: Verifier) -> dict:  # fmt: skip
    """Withdraw one of your body's findings on the current report before you conclude: the
    finding stays recorded with its withdrawal and no longer counts."""

    def run() -> tuple[int, dict]:
        outcome = mrv_web.withdraw_finding(svc, who, company, year, finding_id, body.reason)
        return _step(company, year, outcome, Action.WITHDRAW_FINDING, body)

    return idempotent_write(svc, request, who, key, "verification_withdraw",
                            f"{company}/{year}/{finding_id}", body.model_dump(), run)[1]  # fmt: skip


@router.post("/verification/{year}/{company}/findings", response_model=StepOut)
def record_finding(year: Year, company: Company, body: FindingIn, request: Request,
                   key: IdempotencyKey, svc: ServiceDep, who: Verifier) -> dict:  # fmt: skip
    """Record a finding on a case assigned to your body: a misstatement in t (correct minus
    reported) or a non-conformity (no amount)."""

    def run() -> tuple[int, dict]:
        outcome = mrv_web.record_finding(svc, who, company, year, body.kind, body.description,
                                         body.misstatement_t, body.stream)  # fmt: skip
        return _step(company, year, outcome, Action.RECORD_FINDING, body)

    return idempotent_write(svc, request, who, key, "verification_finding", f"{company}/{year}",
                            body.model_dump(mode="json"), run)[1]  # fmt: skip


@router.post("/verification/{year}/{company}/verify", response_model=StepOut)
def verify(year: Year, company: Company, request: Request, key: IdempotencyKey, svc: ServiceDep,
           who: Verifier) -> dict:  # fmt: skip
    """Conclude a case assigned to your body: verified, or a correction requested (material)."""

    def run() -> tuple[int, dict]:
        return _step(company, year, mrv_web.verify(svc, who, company, year), Action.VERIFY)

    return idempotent_write(svc, request, who, key, "verification_verify", f"{company}/{year}",
                            {}, run)[1]  # fmt: skip


@router.post("/verification/{year}/{company}/recheck-assign", response_model=StepOut)
def assign_recheck(year: Year, company: Company, body: BodyIn, request: Request,
                   key: IdempotencyKey, svc: ServiceDep, who: Regulator) -> dict:  # fmt: skip
    """Send a verified report to another body for the regulator's re-check."""

    def run() -> tuple[int, dict]:
        outcome = mrv_web.assign(svc, company, year, body.body, recheck=True, who=who)
        return _step(company, year, outcome, Action.ASSIGN_RECHECK, body)

    return idempotent_write(svc, request, who, key, "verification_recheck_assign",
                            f"{company}/{year}", body.model_dump(), run)[1]  # fmt: skip


@router.post("/verification/{year}/{company}/recheck", response_model=StepOut)
def record_recheck(year: Year, company: Company, body: RecheckIn, request: Request,
                   key: IdempotencyKey, svc: ServiceDep, who: Verifier) -> dict:  # fmt: skip
    """Your body's re-check figure; a material discrepancy replaces the verified figure."""

    def run() -> tuple[int, dict]:
        outcome = mrv_web.record_recheck(svc, who, company, year, body.figure_t, body.note)
        return _step(company, year, outcome, Action.RECORD_RECHECK, body)

    return idempotent_write(svc, request, who, key, "verification_recheck", f"{company}/{year}",
                            body.model_dump(mode="json"), run)[1]  # fmt: skip


@router.post("/verification/{year}/sample", response_model=SampleOut)
def draw_sample(year: Year, body: SampleIn, request: Request, key: IdempotencyKey,
                svc: ServiceDep, who: Regulator) -> dict:  # fmt: skip
    """Draw the seeded random sample of verified reports to re-check (recorded; repeatable)."""

    def run() -> tuple[int, dict]:
        return 200, {"year": year, "seed": body.seed,
                     "sample": mrv_web.sample(svc, year, body.seed, who)}  # fmt: skip

    return idempotent_write(svc, request, who, key, "verification_sample", str(year),
                            body.model_dump(), run)[1]  # fmt: skip


@router.get("/verification/{year}/discrepancies", response_model=list[DiscrepancyOut])
def discrepancies(year: Year, who: Reader, svc: ServiceDep) -> list[dict]:
    """Each re-checked report against its verified figure (regulators and auditors)."""
    if who.role not in (Role.REGULATOR, Role.AUDITOR, Role.ADMINISTRATOR):
        raise ApiError(403, "regulators_only", "the discrepancy report is for regulators")
    return mrv_web.discrepancies(svc.engine, year, who)
