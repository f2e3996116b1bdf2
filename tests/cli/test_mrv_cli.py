"""``tanshi mrv``: the method list, and every shipped example file computes."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tanshi.cli.main import app
from tanshi.mrv.inputs import COLUMNS
from tanshi.mrv.methods import PLUGINS

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples" / "mrv"
MRV_DOC = (ROOT / "docs" / "mrv.md").read_text("utf-8")

# example file → (method, year, total tCO2e to 2 decimals; arithmetic in tests/mrv)
EXPECTED = {
    "cn-power-2022.csv": ("CN-ETS:power", 2022, "244247.79"),
    "ipcc-stationary.csv": ("IPCC-2006:stationary-tier1", 2022, "3252.90"),
    "co-control.csv": ("CN-COCONTROL-2017:pollution-control", 2022, "11973.62"),
    "cement-clinker.csv": ("IPCC-2006:cement-clinker", 2022, "637065.91"),
}


@pytest.mark.parametrize(
    "command", [["mrv"], ["mrv", "methods", "--help"], ["mrv", "compute", "--help"]]
)
def test_help(command: list[str]) -> None:
    result = runner.invoke(app, command)
    assert result.exit_code in {0, 2}
    assert "Usage" in result.output


def test_methods_lists_every_method_with_its_inputs() -> None:
    result = runner.invoke(app, ["mrv", "methods"])
    assert result.exit_code == 0, result.output
    for method_id, method in PLUGINS.items():
        assert method_id in result.output
        for spec in method.spec.inputs:
            assert f"    {spec.name} [" in result.output
    assert 'rulebook [[mrv]]: methodology = "CN-ETS:power"' in result.output
    assert "not nameable (monitoring plans cannot give ['clinker_produced'])" in result.output


def test_every_example_file_is_documented_and_tested() -> None:
    shipped = sorted(path.name for path in EXAMPLES.iterdir())
    assert shipped == sorted(EXPECTED)
    documented = set(re.findall(r"docs/examples/mrv/([a-z0-9-]+\.csv)", MRV_DOC))
    assert documented == set(shipped)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_example_computes(name: str, tmp_path: Path) -> None:
    method, year, total = EXPECTED[name]
    out = tmp_path / "out.json"
    args = ["mrv", "compute", str(EXAMPLES / name), "--methodology", method]
    result = runner.invoke(app, [*args, "--year", str(year), "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = json.loads(out.read_text("utf-8"))
    computed = sum(Decimal(record["emissions_tco2e"]) for record in records)
    assert computed.quantize(Decimal("0.01")) == Decimal(total)
    assert all(record["parameters"] for record in records)


def test_errors_exit_1_and_write_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "facility,year,month,source,subject,input,amount,unit\n"
        "P1,2022,,U1,coal,fuel_consumed,10,mt\n",
        "utf-8",
    )
    out = tmp_path / "out.json"
    args = ["mrv", "compute", str(bad), "--methodology", "CN-ETS:power", "--year", "2022"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 1
    # On stderr: the problem at its file line (cli/docs.md, "Problems"), then the count.
    assert result.stdout == ""
    [problem, count] = result.stderr.splitlines()
    assert problem.startswith("bad.csv:2 unit: error: 'mt' is read as tonne")
    assert problem.endswith(" [ambiguous_unit]")
    assert count == "1 error; nothing written — fix them and run again"
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--gwp", "AR9"], "unknown GWP set"),
        (["--methodology", "NOPE"], "method_not_found"),
    ],
)
def test_bad_options_are_explained(extra: list[str], message: str, tmp_path: Path) -> None:
    args = ["mrv", "compute", str(EXAMPLES / "ipcc-stationary.csv"), "--year", "2022"]
    args += ["--out", str(tmp_path / "o.json")]
    if "--methodology" not in extra:
        args += ["--methodology", "IPCC-2006:stationary-tier1"]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code != 0
    assert message in result.output


def test_malformed_units_are_row_errors_not_tracebacks(tmp_path: Path) -> None:
    units = ["kg**", "t/", "(t", "1/0", ""]
    bad = tmp_path / "u.csv"
    bad.write_text(
        "facility,year,month,source,subject,input,amount,unit\n"
        + "".join(
            f"P,2022,{month},U1,coal,fuel_consumed,1,{unit}\n"
            for month, unit in enumerate(units, start=1)
        ),
        "utf-8",
    )
    out = tmp_path / "u.json"
    args = ["mrv", "compute", str(bad), "--methodology", "CN-ETS:power", "--year", "2022"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for row in (2, 3, 4, 5):
        assert f"u.csv:{row} unit: error: unit" in result.output
    assert result.output.count("[unknown_unit]") == 4
    assert "u.csv:6 unit: error: unit is empty [input_field_missing]" in result.output
    assert not out.exists()


def _header_only_workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(list(COLUMNS))  # type: ignore[union-attr]
    book.save(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("h.csv", ",".join(COLUMNS) + "\n", "h.csv: error: no data rows, nothing to compute"),
        ("e.csv", "", "the file is empty, nothing to compute"),
        ("h.xlsx", None, "h.xlsx: error: no data rows, nothing to compute"),
    ],
)
def test_a_file_without_data_rows_says_nothing_to_compute(
    name: str, content: str | None, message: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    if content is None:
        _header_only_workbook(path)
    else:
        path.write_text(content, "utf-8")
    out = tmp_path / "o.json"
    args = ["mrv", "compute", str(path), "--methodology", "CN-ETS:power", "--year", "2022"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert message in result.output
    assert not out.exists()


def test_results_carry_no_decimal_context_noise(tmp_path: Path) -> None:
    """50 000 t × 0.55 tC/t × 0.99 × 44/12 is exactly 99 825 t, written as such (the 28-digit
    context used to leave 99825.00000000000000000000001); emissions are kept to the kg."""
    out = tmp_path / "o.json"
    args = ["mrv", "compute", str(EXAMPLES / "cn-power-2022.csv"), "--methodology"]
    result = runner.invoke(app, [*args, "CN-ETS:power", "--year", "2022", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (record,) = json.loads(out.read_text("utf-8"))
    assert record["lines"][0]["emissions_tco2"] == "99825"
    assert record["emissions_tco2e"] == "244247.794"  # 244 247.793696 to the kilogram
    assert "244247.794 tCO2e in total" in result.output
    figures = [record["emissions_tco2e"], *record["totals"].values()]
    figures += [line["emissions_tco2"] for line in record["lines"]]
    assert all(len(figure.partition(".")[2]) <= 3 for figure in figures)


def test_an_unknown_output_suffix_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "o.txt"
    args = ["mrv", "compute", str(EXAMPLES / "cn-power-2022.csv"), "--methodology"]
    result = runner.invoke(app, [*args, "CN-ETS:power", "--year", "2022", "--out", str(out)])
    assert result.exit_code == 2
    assert "end the file name in .json or .csv" in result.output
    assert not out.exists()
