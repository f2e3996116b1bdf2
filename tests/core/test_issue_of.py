"""Issue.of: a message from a template, and where/severity only by position."""

import pytest

from tanshi.core.issues import Issue, Severity, Where


def test_the_message_is_the_template_formatted_and_the_record_keeps_both() -> None:
    issue = Issue.of("too_big", "{name} is over {limit} t", "row 3", Severity.WARNING,
                     name="A1", limit=5)  # fmt: skip
    assert issue == Issue("too_big", "A1 is over 5 t", "row 3", Severity.WARNING)
    assert (issue.template, issue.params) == ("{name} is over {limit} t",
                                              (("name", "A1"), ("limit", "5")))  # fmt: skip


def test_a_where_pattern_reads_as_plain_text_and_keeps_its_values() -> None:
    issue = Issue.of("gap", "month {month} is missing", Where.of("{stream} month {month}",
                     stream="site/grid", month=3), month=3)  # fmt: skip
    assert issue.where == "site/grid month 3"


@pytest.mark.parametrize("name", ["where", "severity"])
def test_where_or_severity_by_name_is_refused_rather_than_taken_as_a_value(name: str) -> None:
    with pytest.raises(TypeError, match="by position"):
        Issue.of("code", "a message", **{name: "x"})
