"""A facility's monitoring plan: its emission units, source streams and how each is measured."""

from __future__ import annotations

import difflib
import enum
import re
import tomllib
from dataclasses import dataclass, fields
from typing import Any

from tanshi.core.issues import FILE_LINE, Issue, Severity, Where
from tanshi.mrv.activity import ACTIVITY_UNITS, SourceKind
from tanshi.mrv.methods import PLUGINS


class Basis(enum.StrEnum):
    """How a parameter's value is obtained: measured at the facility, or a published default."""

    MEASURED = "measured"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class PlannedStream:
    """One source stream of one emission unit, e.g. coal burnt in boiler 1.

    ``parameters`` maps each monitored parameter (``quantity``, ``ncv``, ...) to its basis.
    """

    unit: str
    stream: str
    kind: SourceKind
    subject: str
    activity_unit: str
    parameters: tuple[tuple[str, Basis], ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.unit, self.stream)

    def basis(self, parameter: str) -> Basis | None:
        return dict(self.parameters).get(parameter)


@dataclass(frozen=True, slots=True)
class MonitoringPlan:
    """What a company has committed to monitor, from ``valid_from_year`` on."""

    company: str
    version: int
    valid_from_year: int
    streams: tuple[PlannedStream, ...]

    def stream(self, unit: str, stream: str) -> PlannedStream | None:
        return next((s for s in self.streams if s.key == (unit, stream)), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "company": self.company,
            "version": self.version,
            "valid_from_year": self.valid_from_year,
            "streams": [
                {
                    "unit": s.unit,
                    "stream": s.stream,
                    "kind": s.kind.value,
                    "subject": s.subject,
                    "activity_unit": s.activity_unit,
                    "parameters": {name: basis.value for name, basis in s.parameters},
                }
                for s in self.streams
            ],
        }


# What each key of a plan looks like, shown with the problems of a plan that lacks it or
# gets it wrong (the format is in docs/verification.md, "Monitoring plan").
EXAMPLES = {
    "company": 'company = "C001"',
    "version": "version = 1",
    "valid_from_year": "valid_from_year = 2016",
    "streams": '[[streams]] unit = "boiler-1" …',
    "unit": 'unit = "boiler-1"',
    "stream": 'stream = "coal"',
    "kind": 'kind = "fuel"',
    "subject": 'subject = "other_bituminous_coal"',
    "activity_unit": 'activity_unit = "t"',
    "parameters": 'parameters = { quantity = "measured", ncv = "default" }',
}
UNKNOWN_NEAR = "{key} is not a key here: did you mean {suggestion}? The keys are {keys}"
UNKNOWN = "{key} is not a key here: remove it; the keys are {keys}"
# A plan's keys are its record's fields, in their order (the order the "keys are" lists give).
PLAN_KEYS = tuple(field.name for field in fields(MonitoringPlan))
STREAM_KEYS = tuple(field.name for field in fields(PlannedStream))
MISSING = "{key} is missing: add it, e.g. {example}"
NOT_TEXT = "{key} must be text in quotes, e.g. {example}; the plan has {found}"
NOT_WHOLE = "{key} must be a whole number from 1 up, e.g. {example}; the plan has {found}"
NOT_YEAR = "{key} must be a year of four digits, e.g. {example}; the plan has {found}"
NOT_ONE_OF = "{key} must be one of {choices}, e.g. {example}; the plan has {found}"
NOT_A_TABLE = "{key} must be a table of parameter = basis, e.g. {example}; the plan has {found}"
NOT_STREAMS = (
    "streams must be one [[streams]] table per emission unit and source stream, e.g. "
    "{example}; the plan has {found}"
)
NOT_A_STREAM = (
    "each [[streams]] entry must be a table of keys, e.g. {example}; the plan has {found}"
)
NOT_A_BASIS = (
    'parameter {name} must be "measured" or "default", e.g. quantity = "measured"; the plan '
    "has {found}"
)
UNKNOWN_PARAMETER_NEAR = (
    "no method reads a parameter {parameter}: did you mean {suggestion}? `tanshi mrv methods` "
    "lists each method's inputs"
)
UNKNOWN_PARAMETER = (
    "no method reads a parameter {parameter}: name quantity or an input of the method "
    "(`tanshi mrv methods` lists them), or remove it"
)
# Where a problem is: the plan (its file's name, or "plan"), or one of its streams.
STREAM_AT = "[[streams]] table {number}"
TOML_AT = (
    "the plan is not valid TOML at line {line}, column {column}: {detail}; correct it there "
    "(docs/verification.md shows a plan)"
)
TOML_AT_END = (
    "the plan is not valid TOML at its end: {detail}; complete the last line (docs/"
    "verification.md shows a plan)"
)
TOML_BAD = "the plan is not valid TOML: {detail}; docs/verification.md shows a plan"
BASES = frozenset(basis.value for basis in Basis)
KINDS = ", ".join(kind.value for kind in SourceKind)


def _found(value: object) -> str:
    """A value of the plan as TOML writes it, cut short."""
    if isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, str):
        text = f'"{value}"'
    elif isinstance(value, dict):
        text = "a table"
    elif isinstance(value, list):
        text = "a list"
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def unknown_name(
    code: str, templates: tuple[str, str], where: str | Where, name: str,
    known: tuple[str, ...], severity: Severity = Severity.ERROR, /, **values: object,
) -> Issue:  # fmt: skip
    """The problem of ``name``, which is none of ``known``: the first of ``templates`` with the
    known name it is closest to as ``suggestion`` (a misspelling) when one is close, else the
    second (did you mean, for the plan's keys and its parameters alike)."""
    near = difflib.get_close_matches(name, known, n=1)
    if near:
        return Issue.of(code, templates[0], where, severity, suggestion=near[0], **values)
    return Issue.of(code, templates[1], where, severity, **values)


class _Reader:
    """The keys of one table of the plan, each read once; every problem is kept."""

    def __init__(self, data: dict[str, Any], code: str, where: Where) -> None:
        self.data, self.code, self.where = data, code, where
        self.issues: list[Issue] = []

    def _problem(self, template: str, key: str, **values: object) -> None:
        self.issues.append(Issue.of(self.code, template, self.where, key=key,
                                    example=EXAMPLES[key], **values))  # fmt: skip

    def unknown(self, known: tuple[str, ...]) -> None:
        """Each key the table has that is not one of ``known``, as its own problem, with the
        known key it is closest to (a misspelling) when one is close."""
        for key in self.data:
            if key not in known:
                self.issues.append(unknown_name("unknown_key", (UNKNOWN_NEAR, UNKNOWN), self.where,
                                                str(key), known, key=key, keys=", ".join(known)))  # fmt: skip

    def present(self, key: str) -> Any:
        if key not in self.data:
            self._problem(MISSING, key)
        return self.data.get(key)

    def text(self, key: str) -> str | None:
        value = self.present(key)
        if key in self.data and (not isinstance(value, str) or not value.strip()):
            self._problem(NOT_TEXT, key, found=_found(value))
            return None
        return value

    def whole(self, key: str, template: str, low: int, high: int) -> int | None:
        value = self.present(key)
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        if key in self.data and not ok:
            self._problem(template, key, found=_found(value))
            return None
        return value if ok else None

    def one_of(self, key: str, choices: str) -> str | None:
        value = self.present(key)
        if key in self.data and value not in choices.split(", "):
            self._problem(NOT_ONE_OF, key, choices=choices, found=_found(value))
            return None
        return value


def _parameters(read: _Reader) -> tuple[tuple[str, Basis], ...] | None:
    raw = read.present("parameters")
    if "parameters" not in read.data:
        return None
    if not isinstance(raw, dict):
        read._problem(NOT_A_TABLE, "parameters", found=_found(raw))
        return None
    parameters, ok = [], True
    for name, basis in raw.items():
        if basis not in BASES:
            read.issues.append(Issue.of("plan_stream_invalid", NOT_A_BASIS, read.where,
                                        name=name, found=_found(basis)))  # fmt: skip
            ok = False
            continue
        parameters.append((str(name), Basis(basis)))
    return tuple(parameters) if ok else None


def plan_parameters() -> tuple[str, ...]:
    """The parameters a plan may name: ``quantity`` (the stream's own amount), then every input
    an installed method reads, by name: each method declares them as data
    (``MethodSpec.inputs``, listed by ``tanshi mrv methods``)."""
    read = {spec.name for method in PLUGINS.values() for spec in method.spec.inputs}
    return ("quantity", *sorted(read - {"quantity"}))


def unknown_parameters(stream: PlannedStream, at: str | Where) -> list[Issue]:
    """Each parameter of ``stream`` no method reads, as an ``unknown_parameter`` problem at
    its key (``…: [[streams]] table 1: parameters.nvc``), with the parameter it resembles (did you mean).

    A plan does not name its method (the rulebook's ``[[mrv]]`` rule of each year does), so
    here a name must be one some installed method reads; ``report_inputs`` checks it against
    the year's method when a report is calculated (``plan_parameter_not_an_input``)."""
    known = plan_parameters()
    return [
        unknown_name("unknown_parameter", (UNKNOWN_PARAMETER_NEAR, UNKNOWN_PARAMETER),
                     Where.joined(at, f"parameters.{name}"),
                     name, known, parameter=name)
        for name, _ in stream.parameters
        if name not in known
    ]  # fmt: skip


def _stream(raw: object, at: Where) -> tuple[PlannedStream | None, list[Issue]]:
    """One ``[[streams]]`` table, or every problem of it."""
    if not isinstance(raw, dict):
        issue = Issue.of("plan_stream_invalid", NOT_A_STREAM, at, example=EXAMPLES["unit"],
                         found=_found(raw))  # fmt: skip
        return None, [issue]
    read = _Reader(raw, "plan_stream_invalid", at)
    read.unknown(STREAM_KEYS)
    unit, name = read.text("unit"), read.text("stream")
    kind = read.one_of("kind", KINDS)
    subject = read.text("subject")
    activity_unit = read.text("activity_unit")
    parameters = _parameters(read)
    if read.issues:
        return None, read.issues
    assert unit and name and kind and subject and activity_unit and parameters is not None
    stream = PlannedStream(unit, name, SourceKind(kind), subject, activity_unit, parameters)
    if activity_unit not in ACTIVITY_UNITS:
        read.issues.append(Issue.of("unknown_unit", "activity_unit must be one of {units}", at,
                                    units=", ".join(sorted(ACTIVITY_UNITS))))  # fmt: skip
    read.issues += unknown_parameters(stream, at)
    if stream.basis("quantity") is None:
        read.issues.append(
            Issue.of("plan_quantity_basis_missing", "say how the quantity is obtained", at)
        )
    return stream, read.issues


def plan_from_json(
    data: dict[str, Any], where: str = "plan"
) -> tuple[MonitoringPlan | None, list[Issue]]:
    """A plan from its JSON/TOML form; every problem is returned, each naming its key and
    what the key should hold (``EXAMPLES``)."""
    plan_at = Where(where.replace("{", "{{").replace("}", "}}"))  # said by the catalog: "plan"
    read = _Reader(data, "plan_field_invalid", plan_at)
    read.unknown(PLAN_KEYS)
    company = read.text("company")
    version = read.whole("version", NOT_WHOLE, 1, 10**6)
    valid_from = read.whole("valid_from_year", NOT_YEAR, 1000, 9999)
    raw_streams = read.present("streams")
    if "streams" in data and not isinstance(raw_streams, list):
        read.issues.append(Issue.of("plan_field_invalid", NOT_STREAMS, plan_at,
                                    example=EXAMPLES["streams"], found=_found(raw_streams)))  # fmt: skip
    issues = read.issues
    streams: list[PlannedStream] = []
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(raw_streams if isinstance(raw_streams, list) else []):
        at = Where.joined(where, Where.of(STREAM_AT, number=index + 1))
        stream, more = _stream(raw, at)
        issues += more
        if stream is None:
            continue
        if stream.key in seen:
            issues.append(Issue.of("plan_stream_duplicate", "unit and stream named twice", at))
        seen.add(stream.key)
        streams.append(stream)
    if isinstance(raw_streams, list) and not streams and not issues:
        issues.append(
            Issue.of("plan_empty", "a monitoring plan lists at least one stream", plan_at)
        )
    if company is None or version is None or valid_from is None or raw_streams is None:
        return None, issues
    return MonitoringPlan(company, version, valid_from, tuple(streams)), issues


def toml_problem(error: tomllib.TOMLDecodeError, origin: str) -> Issue:
    """A TOML syntax error as a problem: its line and column (where the parser stopped) and
    the parser's own detail, in a sentence a page can say in its language."""
    text = str(error)
    found = re.fullmatch(r"(?P<detail>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)",
                         text, re.DOTALL)  # fmt: skip
    if found:
        return Issue.of("plan_toml_invalid", TOML_AT,
                        Where.of(FILE_LINE, file=origin, line=found["line"]),
                        line=found["line"], column=found["column"], detail=found["detail"])  # fmt: skip
    ended = re.fullmatch(r"(?P<detail>.*) \(at end of document\)", text, re.DOTALL)
    if ended:
        return Issue.of("plan_toml_invalid", TOML_AT_END, origin, detail=ended["detail"])
    return Issue.of("plan_toml_invalid", TOML_BAD, origin, detail=text)


def parse_plan(text: str, origin: str) -> tuple[MonitoringPlan | None, list[Issue]]:
    """Read a monitoring plan written as TOML (format in docs/verification.md)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return None, [toml_problem(error, origin)]
    return plan_from_json(data, origin)
