"""Benchmark B-MRV: facility-year emissions from 1,000,000 monthly coal records, exact to the kg.

tanshi's vectorised exact path (tanshi.mrv.monthly.facility_kg_frame: integer-scaled fuel ×
carbon in Int128, the missing-month rule, a group-by sum and one rational rounding step) ÷ a
plain polars group-by-sum of the same records (the ceiling), measured in the same run. The
pure-Python integer path is timed too, and every facility's kilograms are checked against
a Decimal computation of the guideline formula. Prints one JSON object.
Targets (issue #4): ratio >= 0.3 of the ceiling and >= 500,000 records/s.
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import polars as pl

from tanshi.core.quantities import t_to_kg
from tanshi.mrv.monthly import MonthlyCoal, facility_kg, facility_kg_frame

RECORDS = 1_000_000
MONTHS = 12
REPEATS = 5
CC_DEFAULT = Decimal("0.03085")  # CN-ETS 2022 default, tC/GJ
OXIDATION = Decimal("0.99")
CO2_PER_C = Fraction(44, 12)


def workload(seed: int) -> pl.DataFrame:
    """Monthly records: fuel up to 200 kt (3 decimals), C_ar measured in ~80% of months."""
    rng = random.Random(seed)
    facilities, fuel, carbon, ncv = [], [], [], []
    for index in range(RECORDS):
        facilities.append(index // MONTHS)
        fuel.append(rng.randint(1_000_000, 200_000_000))
        carbon.append(rng.randint(45_000_000, 70_000_000) if rng.random() < 0.8 else None)
        ncv.append(rng.randint(18_000, 24_000))
    return pl.DataFrame(
        {"facility": facilities, "fuel_milli": fuel, "carbon_e8": carbon, "ncv_milli": ncv},
        schema={
            "facility": pl.Int64,
            "fuel_milli": pl.Int64,
            "carbon_e8": pl.Int64,
            "ncv_milli": pl.Int64,
        },
    )


def ceiling(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.lazy().group_by("facility").agg(pl.col("fuel_milli").sum()).sort("facility").collect()
    )


def timed(function, *args) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def decimal_reference(frame: pl.DataFrame) -> dict[int, int]:
    """The guideline formula in Decimal, per record, summed per facility, rounded once to kg."""
    totals: dict[int, Decimal] = {}
    for facility, fuel, carbon, ncv in frame.iter_rows():
        c_ar = Decimal(carbon) / 10**8 if carbon is not None else Decimal(ncv) / 1000 * CC_DEFAULT
        tonnes_c = Decimal(fuel) / 1000 * c_ar
        totals[facility] = totals.get(facility, Decimal(0)) + tonnes_c
    return {key: t_to_kg(value * OXIDATION * 44 / 12) for key, value in totals.items()}


def main() -> None:
    frame = workload(7)
    ceiling_s, fast_s = [], []
    for _ in range(REPEATS):
        seconds, _ = timed(ceiling, frame)
        ceiling_s.append(seconds)
        seconds, fast = timed(facility_kg_frame, frame, CC_DEFAULT, OXIDATION, CO2_PER_C)
        fast_s.append(seconds)
    records = [
        MonthlyCoal(
            str(facility),
            Decimal(fuel) / 1000,
            None if carbon is None else Decimal(carbon) / 10**8,
            Decimal(ncv) / 1000,
        )
        for facility, fuel, carbon, ncv in frame.iter_rows()
    ]
    python_s, by_python = timed(facility_kg, records, CC_DEFAULT, OXIDATION, CO2_PER_C)
    reference = decimal_reference(frame)
    fast_kg = dict(fast.iter_rows())  # type: ignore[attr-defined]
    exact = fast_kg == reference and {int(k): v for k, v in by_python.items()} == reference
    best_ceiling, best_fast = min(ceiling_s), min(fast_s)
    print(
        json.dumps(
            {
                "benchmark": "mrv_monthly_exact",
                "records": RECORDS,
                "facilities": len(reference),
                "exact_to_kg": exact,
                "total_kg": sum(reference.values()),
                "tanshi_fast_records_per_s": round(RECORDS / best_fast),
                "tanshi_python_records_per_s": round(RECORDS / python_s),
                "ceiling_polars_groupby_sum_records_per_s": round(RECORDS / best_ceiling),
                "ratio": round(best_ceiling / best_fast, 3),
                "ratio_python_path": round(best_ceiling / python_s, 4),
                "fast_s_median": round(statistics.median(fast_s), 4),
                "ceiling_s_median": round(statistics.median(ceiling_s), 4),
                "targets": {"ratio": 0.3, "records_per_s": 500_000},
                "polars": pl.__version__,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
    )
    if not exact:
        sys.exit("the fast path differs from the Decimal reference")


if __name__ == "__main__":
    main()
