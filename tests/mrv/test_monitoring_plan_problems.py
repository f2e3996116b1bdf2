"""A monitoring plan's problems come all at once, each naming its key, what the key holds
and how to write it; a TOML syntax error gives its line and column."""

from __future__ import annotations

from pathlib import Path

from tanshi.mrv.methods import PLUGINS
from tanshi.mrv.monitoring_plan import parse_plan, plan_parameters

PLAN = """
company = "C001"
version = 1
valid_from_year = 2016

[[streams]]
unit = "boiler-1"
stream = "coal"
kind = "fuel"
subject = "other_bituminous_coal"
activity_unit = "t"
parameters = { quantity = "measured" }
"""


def test_every_missing_or_bad_key_is_reported() -> None:
    text = PLAN.replace('company = "C001"\n', "").replace("version = 1", 'version = "one"')
    text = text.replace('kind = "fuel"', 'kind = "fule"').replace('stream = "coal"\n', "")
    plan, issues = parse_plan(text, "plan.toml")
    assert plan is None
    said = {(i.code, i.where, i.message) for i in issues}
    assert said == {
        ("plan_field_invalid", "plan.toml", 'company is missing: add it, e.g. company = "C001"'),
        ("plan_field_invalid", "plan.toml", "version must be a whole number from 1 up, e.g. "
         'version = 1; the plan has "one"'),
        ("plan_stream_invalid", "plan.toml: [[streams]] table 1",
         'stream is missing: add it, e.g. stream = "coal"'),
        ("plan_stream_invalid", "plan.toml: [[streams]] table 1", "kind must be one of fuel, "
         'electricity, e.g. kind = "fuel"; the plan has "fule"'),
    }  # fmt: skip


def test_an_activity_unit_lists_the_units_readably() -> None:
    _, issues = parse_plan(PLAN.replace('activity_unit = "t"', 'activity_unit = "ton"'), "p")
    assert [i.message for i in issues] == ["activity_unit must be one of 10^4Nm3, MWh, t"]


def test_a_toml_syntax_error_names_its_line_and_column() -> None:
    plan, issues = parse_plan(PLAN.replace("version = 1", "version 1"), "plan.toml")
    assert plan is None and [i.code for i in issues] == ["plan_toml_invalid"]
    assert issues[0].where == "plan.toml:3"
    assert issues[0].message.startswith("the plan is not valid TOML at line 3, column 9: "
                                        "Expected '=' after a key")  # fmt: skip
    assert dict(issues[0].params)["line"] == "3"


def test_a_good_plan_still_reads() -> None:
    plan, issues = parse_plan(PLAN, "plan.toml")
    assert issues == [] and plan is not None and plan.streams[0].key == ("boiler-1", "coal")


def test_an_unknown_key_is_its_own_problem_with_the_key_it_resembles() -> None:
    text = PLAN.replace("company =", "compnay =").replace("kind =", "knid =")
    text = text.replace('activity_unit = "t"', 'activity_unit = "t"\ncolour = "red"')
    plan, issues = parse_plan(text, "plan.toml")
    assert plan is None
    unknown = {(i.where, i.message) for i in issues if i.code == "unknown_key"}
    assert unknown == {
        ("plan.toml", "compnay is not a key here: did you mean company? The keys are company, "
         "version, valid_from_year, streams"),
        ("plan.toml: [[streams]] table 1", "knid is not a key here: did you mean kind? The keys "
         "are unit, stream, kind, subject, activity_unit, parameters"),
        ("plan.toml: [[streams]] table 1", "colour is not a key here: remove it; the keys are "
         "unit, stream, kind, subject, activity_unit, parameters"),
    }  # fmt: skip
    missing = {i.message.split(" ")[0] for i in issues if i.code != "unknown_key"}
    assert missing == {"company", "kind"}


def test_the_documented_plan_reads_without_problems() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "verification.md").read_text()
    example = doc.split("## Monitoring plan")[1].split("```toml\n")[1].split("```")[0]
    plan, issues = parse_plan(example, "docs/verification.md")
    assert issues == [] and plan is not None


def test_a_parameter_no_method_reads_is_a_problem_at_its_key_with_the_one_it_resembles() -> None:
    text = PLAN.replace('quantity = "measured"',
                        'quantity = "measured", nvc = "measured", colour = "default"')  # fmt: skip
    plan, issues = parse_plan(text, "plan.toml")
    unknown = {(i.where, i.message) for i in issues if i.code == "unknown_parameter"}
    assert unknown == {
        ("plan.toml: [[streams]] table 1: parameters.nvc", "no method reads a parameter nvc: "
         "did you mean ncv? `tanshi mrv methods` lists each method's inputs"),
        ("plan.toml: [[streams]] table 1: parameters.colour", "no method reads a parameter "
         "colour: name quantity or an input of the method (`tanshi mrv methods` lists them), "
         "or remove it"),
    }  # fmt: skip
    assert [i.code for i in issues] == ["unknown_parameter"] * 2
    assert all(i.severity.value == "error" for i in issues)  # filing refuses the plan
    assert plan is not None  # a stored plan still reads (only filing is refused)


def test_the_parameters_a_plan_may_name_are_the_inputs_the_methods_declare() -> None:
    known = plan_parameters()
    assert known[0] == "quantity" and len(set(known)) == len(known)
    declared = {spec.name for method in PLUGINS.values() for spec in method.spec.inputs}
    assert set(known) == declared | {"quantity"}
    assert {"ncv", "ncv_ar", "carbon_content_ar"} <= set(known)
    for name in known[1:]:  # each of them reads without a problem
        text = PLAN.replace('quantity = "measured"', f'quantity = "measured", {name} = "default"')
        assert parse_plan(text, "plan.toml")[1] == []
