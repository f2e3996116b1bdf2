"""Every string the templates translate has a Chinese translation in the shipped .po."""

from __future__ import annotations

import re
from importlib.resources import files
from typing import get_args

from tanshi.market.bars import Interval
from tanshi.market.cash import CashAccountKind, CashEntryKind
from tanshi.market.orders import Phase
from tanshi.mrv.verification_workflow import CaseState
from tanshi.registry import AccountKind, AccountStatus
from tanshi.registry.lifecycle import ProposalStatus
from tanshi.rulebook.allocation_rules import (
    BenchmarkOutputRule,
    EuBenchmarkRule,
    GrandfatheringRule,
)
from tanshi.services.allocation_desk import ALLOCATION_STEPS, STAGES, TRUE_UP_STEPS
from tanshi.services.identity import Role
from tanshi.web.i18n import catalog, translator
from tanshi.web.render import NAVIGATION

TEMPLATES = files("tanshi.web") / "templates"


def _template_strings() -> set[str]:
    found = set()
    for template in TEMPLATES.iterdir():
        found |= set(re.findall(r'_\("([^"]+)"\)', template.read_text(encoding="utf-8")))
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
    wanted = _template_strings() | labels | enums
    assert len(_template_strings()) > 50
    missing = sorted(text for text in wanted if text not in chinese)
    assert missing == []


def test_english_is_the_source_and_unknown_strings_pass_through() -> None:
    assert translator("en")("Log in") == "Log in"
    assert translator("zh")("Log in") == "登录"
    assert translator("zh")("no such message") == "no such message"
    assert translator("xx")("Log in") == "Log in"
