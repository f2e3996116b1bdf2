"""The fast exact monthly ledger: Python ints, polars Int128 and Decimal agree to the kg."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mrv_text import rows_of

from tanshi.core.quantities import t_to_kg
from tanshi.mrv.inputs import by_facility_year, read_rows
from tanshi.mrv.methods import PLUGINS, compute_all
from tanshi.mrv.monthly import MonthlyCoal, facility_kg, facility_kg_frame
from tanshi.mrv.plugins import ComputeContext
from tanshi.resources import parameter_table

CC, OF, RATIO = Decimal("0.03085"), Decimal("0.99"), Fraction(44, 12)

records_strategy = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 300_000_000),
        st.one_of(st.none(), st.integers(0, 90_000_000)),
        st.integers(0, 30_000),
    ),
    min_size=1,
    max_size=60,
)


def decimal_kg(rows: list[tuple[int, int, int | None, int]]) -> dict[str, int]:
    carbon_t: dict[str, Decimal] = {}
    for facility, fuel, carbon, ncv in rows:
        c_ar = Decimal(carbon) / 10**8 if carbon is not None else Decimal(ncv) / 1000 * CC
        carbon_t[str(facility)] = (
            carbon_t.get(str(facility), Decimal(0)) + Decimal(fuel) / 1000 * c_ar
        )
    return {key: t_to_kg(value * OF * 44 / 12) for key, value in carbon_t.items()}


def test_a_worked_month_pair() -> None:
    """50 000 t × 0.55 tC/t + 50 000 t × 20.908 × 0.03085 = 59 750.59 tC;
    × 0.99 × 44/12 = 216 894.641 6 t → 216 894 642 kg (half up)."""
    records = [
        MonthlyCoal("F", Decimal(50000), Decimal("0.55"), Decimal("20.908")),
        MonthlyCoal("F", Decimal(50000), None, Decimal("20.908")),
    ]
    assert facility_kg(records, CC, OF, RATIO) == {"F": 216_894_642}


def test_over_precise_input_is_refused_rather_than_rounded() -> None:
    with pytest.raises(ValueError, match="more decimals"):
        facility_kg([MonthlyCoal("F", Decimal("1.0001"), None, Decimal(20))], CC, OF, RATIO)


@settings(max_examples=60, deadline=None)
@given(records_strategy)
def test_all_three_paths_agree_to_the_kilogram(
    rows: list[tuple[int, int, int | None, int]],
) -> None:
    expected = decimal_kg(rows)
    records = [
        MonthlyCoal(
            str(f), Decimal(q) / 1000, None if c is None else Decimal(c) / 10**8, Decimal(n) / 1000
        )
        for f, q, c, n in rows
    ]
    assert facility_kg(records, CC, OF, RATIO) == expected
    frame = pl.DataFrame(
        rows,
        schema={
            "facility": pl.Int64,
            "fuel_milli": pl.Int64,
            "carbon_e8": pl.Int64,
            "ncv_milli": pl.Int64,
        },
        orient="row",
    )
    fast = {str(f): kg for f, kg in facility_kg_frame(frame, CC, OF, RATIO).iter_rows()}
    assert fast == expected


@settings(max_examples=40, deadline=None)
@given(records_strategy)
def test_the_product_path_and_the_integer_kernel_agree_to_the_kilogram(
    rows: list[tuple[int, int, int | None, int]],
) -> None:
    """`tanshi mrv compute` (CN-ETS:power, Decimal per unit-month) and the exact integer
    kernel give the same kilograms per facility on the same monthly records."""
    lines = []
    for index, (facility, fuel, carbon, ncv) in enumerate(rows):
        where = f"F{facility},2022,{index % 12 + 1},U{index},coal"
        lines.append(f"{where},fuel_consumed,{Decimal(fuel) / 1000},t")
        if carbon is None:
            lines.append(f"{where},ncv_ar,{Decimal(ncv) / 1000},GJ/t")
        else:
            lines.append(f"{where},carbon_content_ar,{Decimal(carbon) / 10**8},tC/t")
    method = PLUGINS["CN-ETS:power:2022"]
    values, issues = read_rows(rows_of("\n".join(lines)), "t.csv", method.spec.input_specs())
    assert issues == []
    results = compute_all(method, by_facility_year(values), ComputeContext(parameter_table()))
    product = {
        result.company.removeprefix("F"): t_to_kg(result.emissions_tco2) for result in results
    }
    assert product == decimal_kg(rows)
