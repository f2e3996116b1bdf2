"""Problems of the MRV checks read in the page's language, from their templates and params;
a problem without a Chinese template reads in English as the domain wrote it."""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

import tanshi
from tanshi.auction import AuctionTerms, Bid, check_terms, clear_auction
from tanshi.auction.book import WINDOW_SHUT
from tanshi.core.issues import Issue, Severity, Where
from tanshi.mrv.annual_report import PARAMETER_AT
from tanshi.mrv.cn_power import FACILITY_YEAR
from tanshi.mrv.cn_power_combustion import check_annual_and_monthly
from tanshi.mrv.inputs import InputValue
from tanshi.mrv.monitoring_plan import (
    MISSING,
    NOT_A_TABLE,
    NOT_ONE_OF,
    NOT_TEXT,
    NOT_WHOLE,
    NOT_YEAR,
    UNKNOWN,
    UNKNOWN_NEAR,
    UNKNOWN_PARAMETER,
    UNKNOWN_PARAMETER_NEAR,
)
from tanshi.mrv.parameters import ParameterTable
from tanshi.mrv.plugins import Resolver
from tanshi.mrv.report_inputs import FLAGS, NOT_AN_INPUT, NOT_AN_INPUT_NEAR
from tanshi.rulebook.in_force import NoRuleInForce, rule_for
from tanshi.services.allocation_desk import NO_COMPANY, NO_COMPANY_BECAUSE
from tanshi.services.trusted_list import WAIVER_BY_ANY, WAIVER_BY_APPROVER
from tanshi.web.i18n import translator
from tanshi.web.problems import detail_of, from_kept, kept, say_problem, say_where

# Where the checks of a report and of its monitoring plan make their problems (the web's
# reports page shows every one of them).
CHECKS = ("mrv/data_checks.py", "mrv/annual_report.py", "mrv/report_inputs.py",
          "mrv/monitoring_plan.py", "services/verification_submission.py",
          "mrv/findings.py")  # fmt: skip
# Where a surrender's checks make theirs (the company page's surrender form shows them).
SURRENDER = ("services/surrender_checks.py", "services/compliance.py")
# Where a step says why it cannot go ahead (core.errors.StepRefused, shown by the allocation
# page and the registry desk) and the trusted-list and transfer-limit changes their problems
# (the account controls page), and why a year has no rules or no auction terms (core.errors
# StepRefused, rulebook.NoRuleInForce); their issues made without a template carry an
# error's text.
STEPS = ("services/allocation.py", "services/allocation_desk.py", "services/unit_freezes.py",
         "services/trusted_list.py", "web/registry_desk.py", "services/trust_requests.py",
         "services/account_limits.py", "mrv/parameters.py", "mrv/methods.py", "mrv/activity.py",
         "mrv/cn_power.py", "mrv/cn_power_combustion.py", "services/auction.py",
         "rulebook/in_force.py")  # fmt: skip
# Where the bid book's auctions say why a notice, a bid or a clearing is refused (the web's
# auction pages show them as the refusal's details): Issue.of and bid_book's refuse(…); and
# the bid file of the regulator's one-step auction (its line, e.g. 第 3 行, said too); and a
# clearing's problems with the auction's terms and the bids it did not accept in full.
AUCTIONS = ("auction/book.py", "services/bid_book.py", "services/bid_book_clearing.py",
            "services/bid_book_cancel.py", "auction/bids.py", "auction/clearing.py")  # fmt: skip
# Where people, organisations and the requests to a second administrator are refused (the
# users, organisations and account pages show them as the refusal's details).
PEOPLE = ("services/identity.py", "services/user_admin.py", "services/admin_approvals.py")


def _made(path: str) -> list[tuple[str, str | None]]:
    """Each (code, template) an ``Issue(…)`` or ``Issue.of(…)`` call in ``path`` makes; the
    template is None for ``Issue(…)``, which carries no template, or a template not written
    in place (report_inputs' FLAGS, checked below)."""
    found = []
    module = importlib.import_module("tanshi." + path.removesuffix(".py").replace("/", "."))
    tree = ast.parse((Path(tanshi.__file__).parent / path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        plain = isinstance(func, ast.Name) and func.id == "Issue"
        of = (isinstance(func, ast.Attribute) and func.attr == "of"
              and isinstance(func.value, ast.Name) and func.value.id == "Issue") or (
            isinstance(func, ast.Name) and func.id == "refuse")  # fmt: skip
        if not (plain or of):
            continue
        code = node.args[0].value if isinstance(node.args[0], ast.Constant) else "<variable>"
        template = node.args[1] if of and len(node.args) > 1 else None
        if isinstance(template, ast.Name):  # a module's constant (a parameter stays None)
            named = getattr(module, template.id, None)
            template = ast.Constant(named) if isinstance(named, str) else None
        found.append((code, template.value if isinstance(template, ast.Constant) else None))
    return found


def _fields(text: str) -> list[str]:
    return sorted(set(re.findall(r"{(\w+)}", text)))


def test_every_problem_the_checks_make_reads_in_chinese() -> None:
    """A check added with ``Issue(…)`` (no template) or a template without its Chinese
    reading would show English on a Chinese page; this fails instead."""
    zh = translator("zh")
    made = {path: _made(path) for path in (*CHECKS, *SURRENDER)}
    assert len({code for code, _ in made["mrv/data_checks.py"]}) >= 12
    assert len(made["services/surrender_checks.py"]) >= 10
    templates = [*FLAGS.values(), FLAGS["measurement_missing"] + " ({note})"]
    templates += [NOT_AN_INPUT, NOT_AN_INPUT_NEAR]
    for path, calls in made.items():
        for code, template in calls:
            if template is None:
                assert code == "<variable>", f"{path}: {code} is made without Issue.of"
                continue
            templates.append(template)
    templates += [NO_COMPANY, NO_COMPANY_BECAUSE, WAIVER_BY_ANY, WAIVER_BY_APPROVER]
    templates += [
        MISSING,
        NOT_TEXT,
        NOT_WHOLE,
        NOT_YEAR,
        NOT_ONE_OF,
        NOT_A_TABLE,  # the plan's
        UNKNOWN,
        UNKNOWN_NEAR,
        UNKNOWN_PARAMETER,
        UNKNOWN_PARAMETER_NEAR,
    ]
    for path in STEPS:
        templates += [template for _, template in _made(path) if template is not None]
    for path in (*AUCTIONS, *PEOPLE):
        for code, template in _made(path):
            assert template is not None or code == "<variable>", f"{path}: {code} has no template"
            templates += [template] if template is not None else []
    templates += WINDOW_SHUT.values()
    assert len(templates) > 100
    for template in templates:
        if not re.sub(r"{\w+}", "", template).strip():
            continue  # nothing but a field (a parser's own words): nothing to translate
        assert zh(template) != template, f"no Chinese reading of {template!r}"
        assert _fields(zh(template)) == _fields(template), template


def test_a_problem_reads_with_its_figures_or_falls_back_to_english() -> None:
    zh, en = translator("zh"), translator("en")
    missing = Issue.of("missing_months", "no data for month(s) {months}; report 0 for a month "
                       "the stream did not run", "site/grid", months="3, 4")  # fmt: skip
    assert say_problem(missing, zh) == "第 3, 4 月缺少数据；排放源流未运行的月份请报告 0"
    assert say_problem(missing, en) == missing.message
    untranslated = Issue.of("new_check", "a sentence no catalog has: {n}", n=1)
    assert say_problem(untranslated, zh) == "a sentence no catalog has: 1"
    written = Issue("some_code", "a message written directly")
    assert say_problem(written, zh) == "a message written directly"
    assert detail_of([missing, written], zh, coded=True) == (
        "missing_months: 第 3, 4 月缺少数据；排放源流未运行的月份请报告 0; "
        "some_code: a message written directly"
    )
    assert from_kept(kept([missing])) == (missing,)
    assert from_kept(kept([missing]))[0].params == (("months", "3, 4"),)
    assert Issue.of("x", "{a}", a=1) == Issue("x", "1", "", Severity.ERROR)  # params aside


def test_every_issue_of_names_the_fields_of_its_template() -> None:
    """An ``Issue.of`` whose params miss a field of its template fails when the problem is
    found (KeyError), which a check rarely reached would hide: every call in tanshi names
    exactly its template's fields."""
    root = Path(tanshi.__file__).parent
    calls = 0
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "of" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "Issue"):  # fmt: skip
                continue
            template = node.args[1]
            if not isinstance(template, ast.Constant) or any(k.arg is None for k in node.keywords):
                continue  # a template chosen at run time, or params passed on as a mapping
            calls += 1
            named = sorted(k.arg for k in node.keywords if k.arg)
            assert named == _fields(template.value), f"{path.name}:{node.lineno}"
    assert calls > 100


def _where_patterns() -> list[tuple[str, int, str, list[str]]]:
    """Each ``Where.of(pattern, **values)`` in tanshi: its file, line, pattern (written in
    place or a module's constant) and the values it names."""
    root = Path(tanshi.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        module = None
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "of" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "Where"):  # fmt: skip
                continue
            pattern = node.args[0]
            if isinstance(pattern, ast.Constant):
                text = pattern.value
            else:
                assert isinstance(pattern, ast.Name), f"{path.name}:{node.lineno}"
                name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
                module = module or importlib.import_module(name)
                text = getattr(module, pattern.id)
            found.append((path.name, node.lineno, text, sorted(k.arg for k in node.keywords
                                                               if k.arg)))  # fmt: skip
    return found


def test_every_location_pattern_reads_in_chinese() -> None:
    """A location made from a pattern (``Where.of``) without its Chinese reading, or whose
    values miss a field of the pattern, fails here rather than show English on a Chinese page
    (or fail when the problem is found)."""
    zh = translator("zh")
    patterns = _where_patterns()
    assert len({text for _, _, text, _ in patterns}) >= 3
    for name, line, text, named in patterns:
        assert named == _fields(text), f"{name}:{line}"
        assert zh(text) != text, f"{name}:{line}: no Chinese reading of {text!r}"
        assert _fields(zh(text)) == _fields(text), text


def test_a_location_reads_from_its_pattern_and_compares_as_its_text() -> None:
    zh, en = translator("zh"), translator("en")
    at = Where.of("{unit}/{stream} month {month}", unit="G1", stream="coal", month=13)
    issue = Issue.of("month_invalid", "months are numbered 1 to 12", at)
    assert issue.where == "G1/coal month 13" and str(issue).startswith("G1/coal month 13: ")
    assert say_where(issue, zh) == "G1/coal 第 13 月"
    assert say_where(issue, en) == "G1/coal month 13"
    assert issue == Issue("month_invalid", "months are numbered 1 to 12", "G1/coal month 13")
    assert from_kept(kept([issue]))[0].where_params == issue.where_params
    written = Issue.of("month_invalid", "months are numbered 1 to 12", "report.csv:3")
    assert say_where(written, zh) == "report.csv:3"


def test_a_location_within_another_reads_part_by_part() -> None:
    """A parameter the table lacks, asked for by a facility-year of the Chinese power method:
    the English location is as it was written; a Chinese page says each part in Chinese."""
    zh, en = translator("zh"), translator("en")
    resolver = Resolver(ParameterTable.of([]), ("CN-ETS",), 2022,
                        Where.of(FACILITY_YEAR, facility="P1", year=2022))  # fmt: skip
    assert resolver.get("ef_grid", "cn_national_grid", "MWh") is None
    [issue] = resolver.issues
    assert issue.where == "facility P1, 2022: ef_grid of cn_national_grid for 2022 in ['CN-ETS']"
    assert say_where(issue, en) == issue.where
    assert say_where(issue, zh) == (
        "设施 P1，2022 年: ['CN-ETS'] 中 cn_national_grid 在 2022 年的 ef_grid"
    )
    written = Resolver(ParameterTable.of([]), ("CN-ETS",), 2022, "plant {P1}")
    written.get("ef_grid", "cn_national_grid", "MWh")
    assert say_where(written.issues[0], zh).startswith("plant {P1}: ['CN-ETS'] 中 ")


def test_a_rulebook_section_reads_by_its_name() -> None:
    with pytest.raises(NoRuleInForce) as raised:
        rule_for((), 2030, "allocation")
    issue = raised.value.issue
    assert issue.message == "the rulebook has no allocation rule in force in 2030"
    assert say_problem(issue, translator("en")) == issue.message
    assert say_problem(issue, translator("zh")) == "规则手册没有 2030 年生效的配额分配规则"


def test_a_monthly_report_value_keeps_its_location_pattern_for_the_power_method() -> None:
    """A value read from a monthly report carries its location as a pattern (``at``), so a
    problem the Chinese power method finds there reads in Chinese; ``where`` is unchanged."""
    at = Where.of(PARAMETER_AT, unit="G1", stream="coal", month=3, parameter="fuel_consumed")
    value = InputValue("A", 2016, None, "G1", "coal", "fuel_consumed", Decimal(1), "t",
                       str(at), at)  # fmt: skip
    monthly = replace(value, month=3)
    months = {("G1", "coal", None): {"fuel_consumed": value},
              ("G1", "coal", 3): {"fuel_consumed": monthly}}  # fmt: skip
    issues: list[Issue] = []
    check_annual_and_monthly(months, issues)
    [issue] = issues
    assert issue.where == "G1/coal month 3 fuel_consumed" and value == replace(value, at=None)
    assert say_where(issue, translator("zh")) == "G1/coal 第 3 月 fuel_consumed"


def test_a_clearing_says_its_problems_in_chinese() -> None:
    """The terms' errors and the bids a clearing cut, from their templates: the unsold rule
    by its name (结转至下次拍卖, not roll over) and the terms' location (拍卖条件)."""
    zh, en = translator("zh"), translator("en")
    terms = AuctionTerms(1000, Decimal("-1"), Decimal(2), lot_size_t=0)
    problems = check_terms(terms)
    assert [p.code for p in problems] == ["bad_reserve_price", "bad_lot_size",
                                          "bad_purchase_limit"]  # fmt: skip
    assert problems[1].message == "the lot size must be at least 1 t, got 0; nothing was cleared"
    assert say_problem(problems[1], zh) == "每手数量至少为 1 吨，现为 0；未进行出清"
    assert say_where(problems[1], zh) == "拍卖条件" and problems[1].where == "auction terms"
    fine = AuctionTerms(1000, Decimal(20), Decimal("0.5"), unsold="roll_over")
    result = clear_auction(
        fine, [Bid("1", "A1", Decimal(19), 100), Bid("2", "B1", Decimal(21), 600)]
    )
    said = {issue.code: say_problem(issue, zh) for issue in result.issues}
    assert said == {
        "below_reserve_price": "A1 以 19 申购 100 吨的出价：低于底价 20",
        "exceeds_purchase_limit": "B1 以 21 申购 600 吨的出价：按每个竞买人 500 吨的上限削减至 500 吨",
        "undersubscribed": "不低于底价的出价合计申购 500 吨（拍卖量 1000 吨）；500 吨未售出（结转至下次拍卖）",
    }
    english = {issue.code: say_problem(issue, en) for issue in result.issues}
    assert english["undersubscribed"].endswith("500 t not sold (roll over)")
