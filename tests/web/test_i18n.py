"""Every string the templates translate has a Chinese translation in the shipped .po."""

from __future__ import annotations

import ast
import re
from importlib.resources import files
from typing import get_args

from tanshi.market.bars import Interval
from tanshi.market.cash import CashAccountKind, CashEntryKind
from tanshi.market.orders import Phase
from tanshi.market.orders import ResultCode as MarketCode
from tanshi.market.surveillance import MESSAGES, WORDS
from tanshi.mrv.verification_workflow import CaseState
from tanshi.mrv.verification_workflow import ResultCode as MrvCode
from tanshi.registry import AccountKind, AccountStatus
from tanshi.registry import ResultCode as RegistryCode
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.rulebook.allocation_rules import (
    BenchmarkOutputRule,
    EuBenchmarkRule,
    GrandfatheringRule,
)
from tanshi.services.allocation_desk import ALLOCATION_STEPS, STAGES, TRUE_UP_STEPS
from tanshi.services.identity import ORGANISATION_KINDS
from tanshi.services.principals import Role
from tanshi.web.forms import refusal, say
from tanshi.web.i18n import catalog, translator, written_in
from tanshi.web.labels import name_of
from tanshi.web.refusals import AUDIT_ACTIONS, EXPLANATIONS
from tanshi.web.render import NAVIGATION

TEMPLATES = files("tanshi.web") / "templates"


def _template_strings() -> set[str]:
    found = set()
    for template in TEMPLATES.iterdir():
        text = template.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\("([^"]+)"\)', text)) | set(re.findall(r"_\('([^']+)'\)", text))
    return found


def test_every_template_string_and_label_is_translated() -> None:
    chinese = catalog("zh")
    labels = {label for pages in NAVIGATION.values() for _, label in pages}
    enums = {r.value for r in Role} | {s.value for s in ProposalStatus}
    enums |= {k.value for k in AccountKind} | {s.value for s in AccountStatus}
    enums |= {"compliant", "non_compliant", "no_verified_emissions"}
    enums |= {s.value for s in CaseState}
    enums |= {i.value for i in Interval} | {p.value for p in Phase} | {"settled", "pending"}
    enums |= {k.value for k in CashAccountKind} | {k.value for k in CashEntryKind}
    enums |= set(STAGES) | set(ALLOCATION_STEPS) | set(TRUE_UP_STEPS)
    enums |= {get_args(rule.model_fields["method"].annotation)[0]
              for rule in (GrandfatheringRule, BenchmarkOutputRule, EuBenchmarkRule)}  # fmt: skip
    wanted = _template_strings() | labels | {name_of(code) for code in enums}
    assert len(_template_strings()) > 50
    missing = sorted(text for text in wanted if text not in chinese)
    assert missing == []


def test_every_surveillance_alert_is_translated_with_the_same_params() -> None:
    chinese = catalog("zh")
    for text in [*MESSAGES.values(), *(w for words in WORDS.values() for w in words)]:
        assert text in chinese, text
        assert sorted(re.findall(r"{[^}]*}", chinese[text])) == sorted(
            re.findall(r"{[^}]*}", text)
        ), text


def test_english_is_the_source_and_unknown_strings_pass_through() -> None:
    assert translator("en")("Log in") == "Log in"
    assert translator("zh")("Log in") == "登录"
    assert translator("zh")("no such message") == "no such message"
    assert translator("xx")("Log in") == "Log in"


def _python_messages() -> set[str]:
    """The msgids the web modules show: Refused(code, message), render(message=…) and the
    (message, values) answers their writes return."""
    found = set()
    for module in (files("tanshi.web")).iterdir():
        if not module.name.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name == "Refused" and len(node.args) > 1:
                    found |= _text(node.args[1])
                found |= {t for k in node.keywords if k.arg == "message" for t in _text(k.value)}
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
                found |= _text(node.value.elts[0]) if node.value.elts else set()
    return found


def _text(node: ast.AST) -> set[str]:
    return {node.value} if isinstance(node, ast.Constant) and isinstance(node.value, str) else set()


def test_every_message_of_the_web_modules_is_translated() -> None:
    chinese = catalog("zh")
    wanted = _python_messages()
    assert "password changed; your other sessions were closed" in wanted  # the scan works
    assert len(wanted) > 40
    assert sorted(text for text in wanted if text not in chinese) == []


def test_every_refusal_code_is_explained_in_both_languages() -> None:
    codes = {c.value for c in RegistryCode} | {c.value for c in MarketCode}
    codes |= {c.value for c in MrvCode} - {"case_unknown", "not_permitted"}  # answered as unknown
    codes -= {"ok"}
    assert sorted(codes - set(EXPLANATIONS)) == []
    chinese = catalog("zh")
    assert sorted(text for text in EXPLANATIONS.values() if text not in chinese) == []
    assert sorted(k for k in ORGANISATION_KINDS if k not in chinese) == []
    assert sorted(t for t in AUDIT_ACTIONS.values() if t not in chinese) == []


def test_a_registry_refusal_reads_in_chinese() -> None:
    refused = refusal("insufficient_units")
    assert say("zh", refused.message, refused.values) == catalog("zh")[EXPLANATIONS[
        "insufficient_units"]]  # fmt: skip
    assert "insufficient" not in say("zh", refused.message, refused.values)
    unknown = refusal("some_new_code", "what the service said")
    assert say("en", unknown.message, unknown.values) == "refused: some_new_code"
    assert unknown.detail == "what the service said"


def test_every_action_the_audit_log_records_has_a_name() -> None:
    """The audit page shows an action by its name in AUDIT_ACTIONS, else as its code: every
    action a web form, an API write or a login writes has one (``auction`` read "auction")."""
    import pathlib  # noqa: PLC0415

    import tanshi  # noqa: PLC0415

    written: set[str] = set()
    for path in pathlib.Path(tanshi.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        written |= set(re.findall(r'web_write\(\s*request, svc, \w+, "([a-z_]+)"', text))
        written |= set(re.findall(r'idempotent_write(?:_in)?\([^"]*?, "([a-z_]+)", ', text))
        written |= set(re.findall(r'access_log\.audit\(\s*[\w.]+, [\w.]+, "([a-z_]+)"', text))
    assert {"auction", "transfer", "login"} <= written, written
    assert sorted(written - set(AUDIT_ACTIONS)) == []


def test_a_quoted_text_is_told_chinese_by_its_han_characters() -> None:
    assert written_in("《碳排放权交易管理办法（试行）》第二十条") == "zh"
    assert written_in("Demo choice: the registry publishes each year's transactions") == "en"
    assert written_in(None) == "en"
