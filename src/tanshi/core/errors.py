"""Exceptions for misuse of the library; user mistakes are Issue records instead.

Our exception hierarchy:

* TanshiError
  + RulebookInvalid     a rulebook with errors was used where a valid one is needed
  + InputRejected       a step was called with input that has errors (carries the Issues)
  + StepRefused         a step cannot go ahead as things stand (carries the Issue saying why)
"""

from __future__ import annotations

from collections.abc import Sequence

from tanshi.core.issues import Issue


class TanshiError(Exception):
    """Base class of every exception tanshi raises on purpose."""


class InputRejected(TanshiError):
    """A step refused its input; ``issues`` lists every problem found."""

    def __init__(self, what: str, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        super().__init__(f"{what} was rejected:\n{lines}")


class RulebookInvalid(InputRejected):
    """A rulebook with errors was loaded where a valid one is required."""


class StepRefused(TanshiError):
    """A step cannot go ahead as things stand (data missing, already done); ``issue`` says
    why, with its template and params (``Issue.of``) so a page can say it in its language."""

    def __init__(self, issue: Issue) -> None:
        self.issue = issue
        super().__init__(issue.message)
