"""docs/verification.md lists the result codes and transitions the code declares."""

from __future__ import annotations

import re
from pathlib import Path

from tanshi.mrv.verification_workflow import TRANSITIONS, ResultCode

DOC = (Path(__file__).resolve().parents[1] / "docs" / "verification.md").read_text("utf-8")


def test_result_codes_are_documented_in_precedence_order() -> None:
    section = DOC.split("## Result codes", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\d+\. `([a-z_]+)`", section, flags=re.MULTILINE)
    assert listed == [code.value for code in ResultCode]


def test_every_transition_is_in_the_table_with_its_source_states() -> None:
    rows = {
        match[0]: set(re.findall(r"`([a-z_]+)`", match[1]))
        for match in re.findall(r"^\| `([a-z_]+)`[^|]*\| [^|]+ \| ([^|]+) \|", DOC, re.MULTILINE)
    }
    for action, transition in TRANSITIONS.items():
        sources = {state.value for state in transition.sources if state is not None}
        assert rows[action.value] == sources, action
