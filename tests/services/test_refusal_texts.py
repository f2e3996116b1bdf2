"""The shell-neutral refusal texts: one table the web, the command line and the API share."""

from __future__ import annotations

from tanshi.api import mrv_desk
from tanshi.registry import ResultCode
from tanshi.services.refusal_texts import EXPLANATIONS, VERIFICATION, explain, unexplained
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


def test_verifications_refusals_are_in_the_shared_table_the_api_and_the_web_say() -> None:
    assert "unknown_case" in VERIFICATION and "finding_invalid" in VERIFICATION
    assert not hasattr(mrv_desk, "EXPLANATIONS")  # one table, not a copy in the API
    for code, text in VERIFICATION.items():
        assert explain(code) == mrv_desk.explain(code) == refusals.EXPLANATIONS[code] == text
    assert mrv_desk.explain("some_new_code") == "some new code"
