"""The README's `tanshi user` examples run as written on a database of the demo's rulebook."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests_support import real_database
from typer.testing import CliRunner

from tanshi.cli.main import app

README = Path(__file__).parents[2] / "README.md"
runner = CliRunner()


def test_the_readme_user_organisation_example_runs_on_the_demo_jurisdiction(
    tmp_path: Path,
) -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())  # examples wrap across lines
    examples = re.findall(r"`tanshi (user organisation [^`]+)`", text)
    assert examples, "the README shows how to put a regulator in a jurisdiction"
    db = str(real_database(tmp_path / "demo.sqlite"))
    for example in examples:
        result = runner.invoke(app, [*shlex.split(example), "--db", db])
        assert result.exit_code == 0, (example, result.output)
