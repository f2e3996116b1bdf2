"""Benchmark B-MRV: facility-year emissions from monthly coal records, exact to the kg.

Two measurements, each with a ratio against a baseline measured in the same run:

* product: what `tanshi mrv compute` runs — ``services.mrv_bulk.compute_file`` on a CSV of
  PRODUCT_RECORDS monthly coal records (two rows each: fuel, and measured C_ar or NCV), every
  row read, unit-converted and checked, every facility-year computed by ``CN-ETS:power``
  with its lines and parameter snapshot. Baseline (the ceiling): polars reading the same
  file and summing the amounts per facility.
* kernel: ``tanshi.mrv.monthly.facility_kg_frame`` (integer-scaled fuel × carbon in Int128,
  a group-by sum, one rational rounding step) on 1,000,000 records already in memory, against
  a plain polars group-by-sum of them. The product does NOT run this kernel; it is the
  arithmetic ceiling of an exact path, kept to show the gap.

The product's kilograms are checked against the kernel's, and the kernel's against a Decimal
computation of the guideline formula. Prints one JSON object.
Targets (issue #4): ratio >= 0.3 of the ceiling and >= 500,000 records/s — for the product.
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl

from tanshi.core.quantities import t_to_kg
from tanshi.mrv.monthly import MonthlyCoal, facility_kg, facility_kg_frame
from tanshi.resources import parameter_table
from tanshi.services.mrv_bulk import compute_file

RECORDS = 1_000_000
PRODUCT_RECORDS = 120_000  # 10,000 facilities x 12 months, 240,000 CSV rows
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


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """The records as `tanshi mrv compute` input: fuel, then C_ar or NCV, per unit-month."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("facility,year,month,source,subject,input,amount,unit\n")
        for index, (facility, fuel, carbon, ncv) in enumerate(frame.iter_rows()):
            where = f"F{facility},2022,{index % MONTHS + 1},U1,coal"
            handle.write(f"{where},fuel_consumed,{Decimal(fuel) / 1000},t\n")
            if carbon is None:
                handle.write(f"{where},ncv_ar,{Decimal(ncv) / 1000},GJ/t\n")
            else:
                handle.write(f"{where},carbon_content_ar,{Decimal(carbon) / 10**8},tC/t\n")


def csv_ceiling(path: Path) -> pl.DataFrame:
    """polars reading the same file and summing the amounts per facility: the ceiling."""
    return (
        pl.scan_csv(path, schema_overrides={"amount": pl.Float64})
        .group_by("facility")
        .agg(pl.col("amount").sum())
        .collect()
    )


def product(path: Path) -> dict[int, int]:
    """`tanshi mrv compute`'s path: kg CO2 per facility (full precision, then to the kg)."""
    result = compute_file(path, "CN-ETS:power", 2022, parameter_table())
    if result.issues or any(calculation.issues for calculation in result.calculations):
        sys.exit(f"the product path reported problems: {result.issues[:3]}")
    return {
        int(calculation.company.removeprefix("F")): t_to_kg(calculation.emissions_tco2)
        for calculation in result.calculations
    }


def main() -> None:
    frame = workload(7)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "monthly.csv"
        write_csv(frame.head(PRODUCT_RECORDS), path)
        product(path)  # warm: the unit registry and parameter table load once per process
        ceiling_csv_s, product_s = [], []
        for _ in range(2):
            seconds, _ = timed(csv_ceiling, path)
            ceiling_csv_s.append(seconds)
            seconds, by_product = timed(product, path)
            product_s.append(seconds)
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
    product_exact = by_product == facility_kg_frame(  # type: ignore[comparison-overlap]
        frame.head(PRODUCT_RECORDS), CC_DEFAULT, OXIDATION, CO2_PER_C
    ).pipe(lambda table: dict(table.iter_rows()))
    best_product, best_csv = min(product_s), min(ceiling_csv_s)
    best_ceiling, best_fast = min(ceiling_s), min(fast_s)
    product_rate = round(PRODUCT_RECORDS / best_product)
    print(
        json.dumps(
            {
                "benchmark": "mrv_monthly_exact",
                "product_path": "services.mrv_bulk.compute_file (tanshi mrv compute), CN-ETS:power",
                "product_records": PRODUCT_RECORDS,
                "product_csv_rows": 2 * PRODUCT_RECORDS,
                "product_records_per_s": product_rate,
                "ceiling_polars_csv_groupby_sum_records_per_s": round(PRODUCT_RECORDS / best_csv),
                "ratio": round(best_csv / best_product, 4),
                "product_exact_to_kg_vs_kernel": product_exact,
                "targets": {"ratio": 0.3, "records_per_s": 500_000},
                "targets_met": product_rate >= 500_000 and best_csv / best_product >= 0.3,
                "kernel_not_on_product_path": {
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
                },
                "polars": pl.__version__,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
    )
    if not exact or not product_exact:
        sys.exit("a path differs from the Decimal reference to the kilogram")


if __name__ == "__main__":
    main()
