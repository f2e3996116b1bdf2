"""A monthly report as a calculation method's inputs, taking measured values only where the
monitoring plan says measured; and the checks of report and plan against the method's inputs.

Per planned stream and month: a fuel stream's quantity is ``fuel_consumed`` (source = the
emission unit, subject = the plan's subject), an electricity stream's is
``purchased_electricity``; a parameter column named after a method input enters when the
plan says ``measured`` *and* the month says ``measured``. Otherwise it does not, and the
method takes its default for that month (the CN power method's missing-month rule: that
month's own NCV × the year's default carbon per unit heat; never another month's value).
Amounts are in the units the method declares (``tanshi mrv methods``); the activity unit of
the plan is converted to the method's unit through the project unit registry.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from tanshi.core.issues import Issue, Severity
from tanshi.mrv.activity import SourceKind
from tanshi.mrv.annual_report import AnnualReport, MonthlyValue
from tanshi.mrv.inputs import FacilityInputs, InputSpec, InputValue
from tanshi.mrv.monitoring_plan import Basis, MonitoringPlan, PlannedStream, unknown_name
from tanshi.mrv.plugins import MethodSpec
from tanshi.mrv.units import conversion_factor

# A planned parameter the year's method does not read (a warning: the plan may serve other
# years' methods), with the input it resembles when one is close.
NOT_AN_INPUT_NEAR = (
    "{method} does not read {parameter}: did you mean {suggestion}? Its inputs are {inputs} "
    "(`tanshi mrv methods`)"
)
NOT_AN_INPUT = "{method} does not read {parameter}; its inputs are {inputs} (`tanshi mrv methods`)"
QUANTITY_INPUT = {SourceKind.FUEL: "fuel_consumed", SourceKind.ELECTRICITY: "purchased_electricity"}
# months flagged per (stream's (unit, stream) key, issue code, parameter)
Flagged = dict[tuple[tuple[str, str], str, str], list[int]]


def report_inputs(
    report: AnnualReport, plan: MonitoringPlan, spec: MethodSpec
) -> tuple[FacilityInputs, list[Issue]]:
    """The method's inputs from ``report`` and every problem of report and plan against it."""
    specs = spec.input_specs()
    issues = _plan_against_method(plan, spec)
    blocked = {stream.key for stream in plan.streams if _quantity_target(stream, specs) is None}
    values: list[InputValue] = []
    flagged: Flagged = defaultdict(list)
    for month in report.months:
        stream = plan.stream(month.unit, month.stream)
        if stream is None or stream.key in blocked or month.quantity == 0:
            continue  # not planned (a data-check error), or idle: 0 × anything is 0
        target = _quantity_target(stream, specs)
        assert target is not None
        name, unit, factor = target
        values.append(_value(report, month, stream, name, month.quantity * factor, unit))
        values += _measured(report, month, stream, specs, flagged)
    for (stream_key, code, parameter), months in sorted(flagged.items()):
        issues.append(_flag(code, parameter, months, spec, stream_key))
    return FacilityInputs(report.company, report.year, tuple(values)), issues


def _plan_against_method(plan: MonitoringPlan, spec: MethodSpec) -> list[Issue]:
    specs = spec.input_specs()
    issues: list[Issue] = []
    seen: dict[tuple[str, str], str] = {}
    for stream in plan.streams:
        where = f"{stream.unit}/{stream.stream}"
        wanted = QUANTITY_INPUT[stream.kind]
        if wanted not in specs:
            issues.append(
                Issue.of(
                    "stream_kind_not_an_input",
                    "{method} has no input for {kind} ({input}); it is not counted by this "
                    "method: take the stream out of the plan or use a method that covers it",
                    where,
                    method=spec.id,
                    kind=stream.kind.value,
                    input=wanted,
                )
            )
        elif _quantity_target(stream, specs) is None:
            issues.append(
                Issue.of(
                    "activity_unit_not_accepted",
                    "{unit} cannot be converted to a unit of {input} ({units}); amend the "
                    "plan's activity_unit",
                    where,
                    unit=stream.activity_unit,
                    input=wanted,
                    units=", ".join(specs[wanted].units),
                )
            )
        if stream.kind is SourceKind.FUEL:
            other = seen.get((stream.unit, stream.subject))
            if other is not None:
                issues.append(
                    Issue.of(
                        "stream_subject_shared",
                        "streams {other} and {stream} of unit {unit} are both {subject}; the "
                        "method keeps one value per unit, subject and month, so give them "
                        "different subjects or units",
                        where,
                        other=other,
                        stream=stream.stream,
                        unit=stream.unit,
                        subject=stream.subject,
                    )
                )
            seen[(stream.unit, stream.subject)] = stream.stream
        for parameter, _ in stream.parameters:
            if parameter != "quantity" and parameter not in specs:
                issues.append(unknown_name(
                    "plan_parameter_not_an_input", (NOT_AN_INPUT_NEAR, NOT_AN_INPUT),
                    f"{where} {parameter}", parameter, tuple(specs), Severity.WARNING,
                    method=spec.id, parameter=parameter, inputs=", ".join(specs),
                ))  # fmt: skip
    return issues


def _quantity_target(
    stream: PlannedStream, specs: dict[str, InputSpec]
) -> tuple[str, str, Decimal] | None:
    """The input a stream's quantity feeds, its unit and the factor from the plan's unit."""
    name = QUANTITY_INPUT[stream.kind]
    if name not in specs:
        return None
    for unit in specs[name].units:
        factor = conversion_factor(stream.activity_unit, unit, stream.unit)
        if not isinstance(factor, Issue):
            return name, unit, factor
    return None


def _value(
    report: AnnualReport, month: MonthlyValue, stream: PlannedStream, name: str,
    amount: Decimal, unit: str,
) -> InputValue:  # fmt: skip
    return InputValue(
        facility=report.company,
        year=report.year,
        month=month.month,
        source=stream.unit,
        subject=stream.subject,
        name=name,
        amount=amount,
        unit=unit,
        where=str(month.at(name)),
        at=month.at(name),
    )


def _measured(
    report: AnnualReport,
    month: MonthlyValue,
    stream: PlannedStream,
    specs: dict[str, InputSpec],
    flagged: Flagged,
) -> list[InputValue]:
    """The month's parameters that enter the calculation; the others are flagged."""
    values: list[InputValue] = []
    given = {value.name: value for value in month.parameters}
    for value in month.parameters:
        spec = specs.get(value.name)
        planned = stream.basis(value.name)
        if spec is None:
            continue  # the plan check (or parameter_not_in_plan) says the method ignores it
        if spec.per != "source-month":
            flagged[stream.key, "input_not_monthly", value.name].append(month.month)
        elif planned is Basis.DEFAULT and value.basis is Basis.MEASURED:
            flagged[stream.key, "measured_where_default", value.name].append(month.month)
        elif planned is Basis.MEASURED and value.basis is Basis.MEASURED:
            values.append(
                _value(report, month, stream, value.name, value.value, _unit_for(spec, stream))
            )
    for parameter, basis in stream.parameters:
        spec = specs.get(parameter)
        if basis is not Basis.MEASURED or spec is None or parameter == "quantity":
            continue
        if spec.per == "source-month" and (
            parameter not in given or given[parameter].basis is not Basis.MEASURED
        ):
            flagged[stream.key, "measurement_missing", parameter].append(month.month)
    return values


def _unit_for(spec: InputSpec, stream: PlannedStream) -> str:
    """The input's unit that fits the stream: per its activity unit when there are several."""
    fitting = [unit for unit in spec.units if unit.endswith(f"/{stream.activity_unit}")]
    return fitting[0] if fitting else spec.units[0]


FLAGS = {
    "input_not_monthly": (
        "{parameter} is a per-unit or per-facility input of {method}; it is not taken from "
        "monthly rows yet (month(s) {months})"
    ),
    "measured_where_default": (
        "the plan says {parameter} is a default, so the measured value of month(s) {months} "
        "is kept but the method's default is used; amend the plan to use measurements"
    ),
    "measurement_missing": (
        "the plan says {parameter} is measured but month(s) {months} carry no measured "
        "value; {method} uses its default for those months"
    ),
}


def _flag(
    code: str, parameter: str, months: list[int], spec: MethodSpec, stream: tuple[str, str]
) -> Issue:
    template, note = FLAGS[code], {}
    if code == "measurement_missing" and spec.notes:
        template, note = template + " ({note})", {"note": spec.notes[0]}
    return Issue.of(code, template, f"{stream[0]}/{stream[1]} {parameter}", Severity.WARNING,
                    method=spec.id, parameter=parameter,
                    months=", ".join(map(str, sorted(set(months)))), **note)  # fmt: skip
