"""Every command says problems in one shape (cli/docs.md, "Problems"): ``WHERE: SEVERITY:
MESSAGE [CODE]`` on stderr, then the count line."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from tanshi.cli.common import counted, problem_line, refused
from tanshi.core.issues import Issue, Severity

# The shape cli/docs.md gives scripts to read a problem line with.
LINE = re.compile(r"^(?:(?P<where>.*?): )?(?P<severity>error|warning|note): (?P<message>.*) "
                  r"\[(?P<code>[a-z0-9_]+)\]$")  # fmt: skip


def test_a_problem_line_carries_location_severity_message_and_code() -> None:
    bad = Issue("bad_price", "price_per_t 'abc' is not a positive number", "bids.csv:3")
    assert (
        problem_line(bad) == "bids.csv:3: error: price_per_t 'abc' is not a positive number "
        "[bad_price]"
    )
    late = Issue("late", "filed after the deadline: late", "company C1, 2016", Severity.WARNING)
    assert problem_line(late) == "company C1, 2016: warning: filed after the deadline: late [late]"
    assert problem_line(late, note=True).startswith("company C1, 2016: note: ")
    assert problem_line(bad, note=True) == problem_line(bad)  # an error stays an error
    assert problem_line(Issue("unknown_auction", "no auction B9")) == (
        "error: no auction B9 [unknown_auction]"
    )
    read = LINE.match(problem_line(late))
    assert read is not None and read.group("where", "severity", "code") == (
        "company C1, 2016",
        "warning",
        "late",
    )
    assert read.group("message") == "filed after the deadline: late"


def test_the_count_line_counts_each_severity() -> None:
    error, warning = Issue("a", "x"), Issue("b", "y", "", Severity.WARNING)
    assert counted([error]) == "1 error"
    assert counted([error, error, warning]) == "2 errors, 1 warning"
    assert counted([warning, warning]) == "0 errors, 2 warnings"
    assert counted([]) == "no problems"


@pytest.mark.parametrize("most", [None, 2])
def test_a_refusal_prints_the_problems_then_the_count_on_stderr(most: int | None) -> None:
    issues = [Issue("bad_row", f"row {n} is bad", f"f.csv:{n}") for n in range(1, 4)]
    app = typer.Typer()

    @app.command()
    def go() -> None:
        raise refused(issues, "nothing was read", 2, most=most)

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "f.csv:1: error: row 1 is bad [bad_row]"
    assert all(LINE.match(line) for line in lines[:-1])
    shown = 3 if most is None else most
    assert len(lines) == shown + 1
    hidden = "" if most is None else " (1 not shown)"
    assert lines[-1] == f"3 errors{hidden}; nothing was read"
