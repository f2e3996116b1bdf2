"""A facility's monitoring plan: its emission units, source streams and how each is measured."""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass
from typing import Any

from tanshi.core.issues import Issue
from tanshi.mrv.activity import ACTIVITY_UNITS, SourceKind


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


def plan_from_json(
    data: dict[str, Any], where: str = "plan"
) -> tuple[MonitoringPlan | None, list[Issue]]:
    """A plan from its JSON/TOML form; every problem is returned."""
    issues: list[Issue] = []
    streams: list[PlannedStream] = []
    try:
        company, version = str(data["company"]), int(data["version"])
        valid_from = int(data["valid_from_year"])
        raw_streams = list(data["streams"])
    except (KeyError, TypeError, ValueError) as error:
        return None, [
            Issue.of("plan_field_invalid", "missing or bad field: {error}", where, error=error)
        ]
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(raw_streams):
        at = f"{where} streams[{index}]"
        try:
            kind = SourceKind(raw["kind"])
            parameters = tuple(
                (str(name), Basis(basis)) for name, basis in dict(raw["parameters"]).items()
            )
            stream = PlannedStream(
                str(raw["unit"]), str(raw["stream"]), kind, str(raw["subject"]),
                str(raw["activity_unit"]), parameters,
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as error:
            issues.append(
                Issue.of("plan_stream_invalid", "missing or bad field: {error}", at, error=error)
            )
            continue
        if stream.activity_unit not in ACTIVITY_UNITS:
            issues.append(
                Issue.of(
                    "unknown_unit",
                    "activity_unit must be one of {units}",
                    at,
                    units=sorted(ACTIVITY_UNITS),
                )
            )
        if stream.basis("quantity") is None:
            issues.append(
                Issue.of("plan_quantity_basis_missing", "say how the quantity is obtained", at)
            )
        if stream.key in seen:
            issues.append(Issue.of("plan_stream_duplicate", "unit and stream named twice", at))
        seen.add(stream.key)
        streams.append(stream)
    if not streams and not issues:
        issues.append(Issue.of("plan_empty", "a monitoring plan lists at least one stream", where))
    return MonitoringPlan(company, version, valid_from, tuple(streams)), issues


def parse_plan(text: str, origin: str) -> tuple[MonitoringPlan | None, list[Issue]]:
    """Read a monitoring plan written as TOML (format in docs/verification.md)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return None, [Issue.of("plan_toml_invalid", "{error}", origin, error=error)]
    return plan_from_json(data, origin)
