"""The shell-neutral refusal texts: one table the web, the command line and the API share."""

from __future__ import annotations

from tanshi.registry import ResultCode
from tanshi.services.refusal_texts import EXPLANATIONS, explain, unexplained
from tanshi.web import refusals


def test_the_web_says_every_shared_code_as_the_table_does() -> None:
    assert EXPLANATIONS
    assert all(refusals.EXPLANATIONS[code] == text for code, text in EXPLANATIONS.items())


def test_every_registry_result_code_but_ok_is_explained() -> None:
    missing = [r.value for r in ResultCode if r is not ResultCode.OK and explain(r.value) is None]
    assert missing == []


def test_a_code_without_an_explanation_points_to_the_registry_docs() -> None:
    assert explain("some_new_code") is None
    assert unexplained("some_new_code") == (
        "the registry refused: some new code (see docs/registry.md, Result codes)"
    )
    assert unexplained("insufficient_units", "held 5 t, needs 9 t",
                       what="the registry refused the request") == (
        "the registry refused the request: insufficient units: held 5 t, needs 9 t "
        "(see docs/registry.md, Result codes)"
    )  # fmt: skip
