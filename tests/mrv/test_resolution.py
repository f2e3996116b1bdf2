"""Parameter resolution: exactly one official value, or an Issue — never "most recent wins"."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tanshi.core.issues import Issue
from tanshi.mrv.parameters import Parameter, ParameterStatus, ParameterTable
from tanshi.resources import parameter_table

rows = st.lists(
    st.builds(
        lambda regime, subject, start, length, status, value: Parameter(
            regime,
            "doc",
            "clause",
            "cc_default",
            subject,
            Decimal(value),
            "tC/GJ",
            start,
            start + length,
            status,
            "M",
            "test",
        ),
        st.sampled_from(["CN-ETS", "OTHER"]),
        st.sampled_from(["coal", "gas"]),
        st.integers(2015, 2025),
        st.integers(0, 5),
        st.sampled_from(list(ParameterStatus)),
        st.integers(1, 10**6),
    ),
    max_size=8,
)


@given(rows, st.integers(2014, 2031))
def test_resolution_is_exactly_one_or_an_issue(parameters: list[Parameter], year: int) -> None:
    table = ParameterTable.of(parameters)
    applicable = [
        p
        for p in parameters
        if p.regime == "CN-ETS"
        and p.subject == "coal"
        and p.status is ParameterStatus.OFFICIAL
        and p.year_from <= year <= p.year_to
    ]
    found = table.resolve(("CN-ETS",), year, "coal", "cc_default")
    if len(applicable) == 1:
        assert found == applicable[0]
    else:
        assert isinstance(found, Issue)
        assert found.code == ("parameter_not_found" if not applicable else "parameter_ambiguous")


def test_the_shipped_tables_resolve_every_year_without_ambiguity() -> None:
    table = parameter_table()
    for parameter in table.parameters:
        if parameter.status is not ParameterStatus.OFFICIAL:
            continue
        for year in {parameter.year_from, parameter.year_to, min(parameter.year_to, 2030)}:
            found = table.resolve(
                (parameter.regime,),
                year,
                parameter.subject,
                parameter.parameter,
                parameter.unit.split("/")[-1] if "/" in parameter.unit else None,
            )
            assert found == parameter, (parameter.key, year, found)
