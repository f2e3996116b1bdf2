"""Problems found in user input, kept as data so every problem can be shown at once."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Severity(enum.StrEnum):
    """How bad a problem is: errors block the step, warnings are shown and recorded."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Where:
    """A location written from a pattern (``"{unit}/{stream} month {month}"``) and its values,
    so that a page can say it in another language; ``str`` gives the English text."""

    template: str
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, template: str, /, **params: object) -> Where:
        return cls(template, tuple((name, str(value)) for name, value in params.items()))

    @classmethod
    def joined(cls, outer: str | Where, inner: str | Where, /) -> Where:
        """``inner`` within ``outer``, written ``OUTER: INNER`` (a page says each part from its
        own pattern; a part given as text stays as written)."""
        parts = [
            part if isinstance(part, Where) else cls(_literal(part)) for part in (outer, inner)
        ]
        return cls(": ".join(part.template for part in parts), parts[0].params + parts[1].params)

    def __str__(self) -> str:
        return self.template.format(**dict(self.params))


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


# A named file's line, as compilers write it (``bids.csv:3``).
FILE_LINE = "{file}:{line}"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in user input.

    Attributes:
      code: a stable snake_case identifier that API clients and tests switch on,
        e.g. ``missing_source`` or ``insufficient_units``.
      message: a sentence for people that says what is wrong and how to fix it.
      where: the location of the problem, e.g. ``demo.toml:12 allocation[0].base_years``
        or ``company DP-C001, year 2016, fuel anthracite``.
      severity: errors block the step; warnings do not.
      template: the message before its figures were put in (``Issue.of``), so that a page can
        say it in another language with the same ``params``; empty when the message was
        written directly. Neither takes part in comparisons.
      params: the figures and names ``template`` is formatted with, as (name, text) pairs.
      where_template, where_params: the same for ``where``, when ``Issue.of`` was given a
        ``Where``; neither takes part in comparisons, so ``where`` stays the plain text.
    """

    code: str
    message: str
    where: str = ""
    severity: Severity = Severity.ERROR
    template: str = field(default="", compare=False)
    params: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    where_template: str = field(default="", compare=False)
    where_params: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @classmethod
    def of(
        cls, code: str, template: str, where: str | Where = "",
        severity: Severity = Severity.ERROR, /, **params: object,
    ) -> Issue:  # fmt: skip
        """An issue whose message is ``template`` formatted with ``params`` (kept as text);
        a ``where`` given as a ``Where`` keeps its pattern too."""
        if "where" in params or "severity" in params:  # positional only: by name they'd be params
            raise TypeError("Issue.of takes where and severity by position, not by name")
        texts = tuple((name, str(value)) for name, value in params.items())
        message = template.format(**dict(texts))
        if isinstance(where, Where):
            return cls(code, message, str(where), severity, template, texts, where.template,
                       where.params)  # fmt: skip
        return cls(code, message, where, severity, template, texts)

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.severity.value}: {self.message} [{self.code}]"


def has_errors(issues: Iterable[Issue]) -> bool:
    """True when at least one issue is an error (not only warnings)."""
    return any(issue.severity is Severity.ERROR for issue in issues)
