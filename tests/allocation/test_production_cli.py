"""Production files: CSV problems located by line; the CLI imports them and runs the cycle."""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from tanshi.allocation.production import parse_activity_levels, parse_unit_outputs
from tanshi.cli.main import app
from tanshi.resources import load_rulebook
from tanshi.rulebook.parse import parse_rulebook
from tanshi.services import allocation, jurisdiction, production
from tanshi.services.audit import verify_registry
from tanshi.store.engine import open_database
from tanshi.store.schema import accounts, holdings

runner = CliRunner(env={"COLUMNS": "200"})

UNITS_CSV = """\
company,unit,year,unit_class,cooling,load_factor,heat_ratio,electricity_mwh,heat_gj
A,A1,2018,coal_above_300mw,water,0.90,0,"1,000,000",0
A,A1,2019,coal_above_300mw,water,0.90,0,1100000,0
"""


def test_unit_csv_reads_exact_numbers() -> None:
    records, issues = parse_unit_outputs(UNITS_CSV, "units.csv")
    assert issues == []
    assert records[0].electricity_mwh == Decimal(1000000)
    assert records[1].load_factor == Decimal("0.90")


def test_every_bad_cell_is_located() -> None:
    text = UNITS_CSV + "A,A2,20x9,gas,water,high,0,12,0\n"
    records, issues = parse_unit_outputs(text, "units.csv")
    assert len(records) == 2
    assert {issue.where for issue in issues} == {"units.csv:4 year", "units.csv:4 load_factor"}
    _, missing = parse_unit_outputs("company,year\nA,2019\n", "short.csv")
    assert [issue.code for issue in missing] == ["missing_columns"]
    # Readable lists (no Python reprs), the columns in the format's order.
    assert missing[0].message == (
        "the header lacks the column(s) unit, unit_class, electricity_mwh; the first line names "
        "the columns company, unit, year, unit_class, cooling, load_factor, heat_ratio, "
        "electricity_mwh, heat_gj"
    )
    _, unknown = parse_activity_levels(
        "company,installation,benchmark,year,activity,colour\n", "eu.csv"
    )
    assert [issue.code for issue in unknown] == ["unknown_columns"]
    assert unknown[0].message.startswith("the column(s) colour are not part of the format; ")
    assert "[" not in unknown[0].message and "'" not in unknown[0].message
    levels, flags = parse_activity_levels(
        "company,installation,benchmark,year,activity,leakage_exposed\n"
        "A,K1,grey_clinker,2018,5,no\nA,K1,grey_clinker,2017,5,maybe\n",
        "eu.csv",
    )
    assert not levels[0].leakage_exposed
    assert [issue.where for issue in flags] == ["eu.csv:3 leakage_exposed"]


def test_cli_imports_output_and_the_cycle_pre_allocates_then_trues_up(tmp_path: Path) -> None:
    """cn-national-power 2019: A1 1 000 000 MWh in 2018 × 0.877 × 70% = 613 900 pre-allocated;
    verified 2019 1 100 000 × 0.877 = 964 700, so the true-up gives 350 800 more."""
    db = str(tmp_path / "cn.sqlite")
    engine = open_database(f"sqlite:///{db}")
    rulebook, text = load_rulebook("cn-national-power")
    j = jurisdiction.open_jurisdiction(
        engine, rulebook, text, datetime(2020, 1, 1, tzinfo=UTC), is_demo=False
    )
    jurisdiction.register_company(engine, j, "A", "Alpha Power", "power")
    engine.dispose()
    bad = tmp_path / "bad.csv"
    bad.write_text(UNITS_CSV.replace("coal_above_300mw,water,0.90,0,1100000", "coal_x,water,"
                                     "0.90,0,1100000"), encoding="utf-8")  # fmt: skip
    refused = runner.invoke(app, ["allocation", "output", str(bad), "--db", db])
    assert refused.exit_code == 1
    assert ": error: " in refused.stderr and "[unknown_unit_class]" in refused.stderr
    assert refused.stderr.endswith("; nothing was recorded\n")
    base_only = tmp_path / "2018.csv"
    base_only.write_text(UNITS_CSV.splitlines(keepends=True)[0] + UNITS_CSV.splitlines()[1])
    imported = runner.invoke(app, ["allocation", "output", str(base_only), "--db", db])
    assert imported.exit_code == 0, imported.output
    assert "recorded 1 unit-years (2018)" in imported.output
    cycle = ["cycle", "run", "--rulebook", "cn-national-power", "--year", "2019", "--db", db]
    first = runner.invoke(app, [*cycle, "--at", "2020-12-30T10:00+08:00"])
    assert first.exit_code == 0, first.output
    assert "2019: allocated 613,900 t to 1 companies" in first.output
    assert "2019: the true-up waits for verified output (see stderr)" in first.stdout
    # Why, in the shared problem shape (cli/docs.md "Problems") on stderr, not the narrative.
    problem = re.compile(r"^(?:(.*?): )?(error|warning|note): (.*) \[([a-z0-9_]+)\]$")
    lines = first.stderr.splitlines()
    assert lines and all(problem.match(line) for line in lines[:-1]), first.stderr
    assert re.fullmatch(r"\d+ errors?(, \d+ warnings?)?; the 2019 true-up was not booked",
                        lines[-1])  # fmt: skip
    assert "[" not in first.stdout
    full = tmp_path / "units.csv"
    full.write_text(UNITS_CSV, encoding="utf-8")
    again = runner.invoke(app, ["allocation", "output", str(full), "--db", db])
    assert again.exit_code == 0, again.output
    second = runner.invoke(app, [*cycle, "--at", "2021-07-01T10:00+08:00"])
    assert second.exit_code == 0, second.output
    assert "2019: already allocated" in second.output
    assert "true-up booked: 350,800 t more allocated, 0 t taken back" in second.output
    twice = runner.invoke(app, ["allocation", "true-up", "--year", "2019", "--db", db])
    assert twice.exit_code == 1 and "already_trued_up" in twice.output
    shown = runner.invoke(app, ["allocation", "show", "--year", "2019", "--db", db])
    assert "A\t964700" in shown.output
    verified = runner.invoke(app, ["registry", "verify", "--db", db])
    assert verified.exit_code == 0, verified.output


SMALL_CAP = load_rulebook("eu-ets")[1].replace(
    "cap_t = 1571583007\nauction_t = 895802313", "cap_t = 1000000\nauction_t = 570000"
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["grey_clinker", "hot_metal", "heat"]),
            st.decimals(min_value=0, max_value=2_000_000, places=3),
            st.booleans(),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_stored_eu_allocation_never_exceeds_the_free_budget(items) -> None:
    """Whatever the stored activity, the year allocates at most cap − auctioned (430 000)."""
    rulebook, _ = parse_rulebook(SMALL_CAP)
    assert rulebook is not None
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(f"sqlite:///{folder}/eu.sqlite")
        moment = datetime(2021, 2, 1, tzinfo=UTC)
        j = jurisdiction.open_jurisdiction(engine, rulebook, SMALL_CAP, moment, is_demo=False)
        levels = []
        for number, (benchmark, activity, exposed) in enumerate(items):
            jurisdiction.register_company(engine, j, f"C{number}", "c", "cement")
            levels.append(
                production.ActivityLevel(
                    f"C{number}", f"I{number}", benchmark, 2018, activity, exposed
                )
            )
        assert production.record_activity_levels(engine, j, levels, moment) == []
        table = allocation.allocate_year(engine, j, 2021, moment)
        assert sum(allocation.allocated_units(engine, j, 2021).values()) == table.total_t
        assert table.total_t <= 430000
        assert verify_registry(engine).ok
        engine.dispose()


def test_cli_imports_activity_levels_and_the_cycle_allocates_eu_2021(tmp_path: Path) -> None:
    """eu-ets 2021: K1 HAL (900 000 + 1 100 000) / 2 = 1 000 000 t × 0.693 = 693 000."""
    db = str(tmp_path / "eu.sqlite")
    engine = open_database(f"sqlite:///{db}")
    rulebook, text = load_rulebook("eu-ets")
    j = jurisdiction.open_jurisdiction(
        engine, rulebook, text, datetime(2020, 1, 1, tzinfo=UTC), is_demo=False
    )
    jurisdiction.register_company(engine, j, "C", "Ciments", "cement")
    engine.dispose()
    levels = tmp_path / "levels.csv"
    levels.write_text(
        "company,installation,benchmark,year,activity,leakage_exposed,cbam_good\n"
        "C,K1,grey_clinker,2017,900000,yes,no\nC,K1,grey_clinker,2018,1100000,yes,no\n",
        encoding="utf-8",
    )
    imported = runner.invoke(app, ["allocation", "activity", str(levels), "--db", db])
    assert imported.exit_code == 0, imported.output
    cycle = ["cycle", "run", "--rulebook", "eu-ets", "--year", "2021", "--db", db]
    ran = runner.invoke(app, [*cycle, "--at", "2021-02-26T10:00+01:00"])
    assert ran.exit_code == 0, ran.output
    assert "2021: allocated 693,000 t to 1 companies" in ran.output
    assert "true-up" not in ran.output


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["coal_above_300mw", "coal_300mw_or_less", "gas"]),
            st.integers(min_value=0, max_value=2_000_000),
            st.integers(min_value=0, max_value=2_000_000),
            st.decimals(min_value="0.5", max_value=1, places=2),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_true_up_leaves_every_company_its_final_allocation(units) -> None:
    """Without trades, after pre-allocation and true-up each operator holds exactly its
    allocation on verified output, and the units issued for the year equal their sum."""
    rulebook, text = load_rulebook("cn-national-power")
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(f"sqlite:///{folder}/cn.sqlite")
        moment = datetime(2020, 12, 30, 4, tzinfo=UTC)
        j = jurisdiction.open_jurisdiction(engine, rulebook, text, moment, is_demo=False)
        records = []
        for number, (unit_class, base, actual, load) in enumerate(units):
            jurisdiction.register_company(engine, j, f"C{number}", "c", "power")
            for year, mwh in ((2018, base), (2019, actual)):
                records.append(
                    production.UnitOutput(
                        f"C{number}",
                        "U1",
                        year,
                        unit_class,
                        "water",
                        load,
                        Decimal(0),
                        Decimal(mwh),
                        Decimal(0),
                    )
                )
        assert production.record_unit_outputs(engine, j, records, moment) == []
        allocation.allocate_year(engine, j, 2019, moment)
        result = allocation.true_up_year(engine, j, 2019, moment)
        assert result.booked, result.issues
        final = {line.company: line.final.allocated_t for line in result.lines}
        assert allocation.allocated_units(engine, j, 2019) == final
        report = publication_holdings(engine)
        assert report["operators"] == sum(final.values())
        assert report["issued"] == sum(final.values()) + report["returned"]
        assert verify_registry(engine).ok
        engine.dispose()


def publication_holdings(engine: Engine) -> dict[str, int]:
    """Operator holdings, units issued and units returned to the holding account."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(accounts.c.kind, holdings.c.quantity_units).join(
                accounts, accounts.c.id == holdings.c.account_id
            )
        ).all()
    totals: dict[str, int] = {}
    for kind, quantity in rows:
        totals[kind] = totals.get(kind, 0) + int(quantity)
    return {
        "operators": totals.get("operator_holding", 0),
        "issued": -totals.get("issuance", 0),
        "returned": totals.get("jurisdiction_holding", 0),
    }
