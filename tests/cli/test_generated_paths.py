"""Every folder a command writes by default is in .gitignore, as are the README's outputs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer

from tanshi.cli.main import app

ROOT = Path(__file__).parents[2]


def _default_paths() -> set[str]:
    found: set[str] = set()

    def walk(command: Any) -> None:
        for param in command.params:
            if isinstance(param.default, Path):
                found.add(str(param.default))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(typer.main.get_command(app))
    return found


def _readme_outputs() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"--out (\S+)", text)) - {"DIR"}


def _ignored(path: str) -> bool:
    # A folder's pattern (``tanshi-market/``) matches what is inside it, existing or not.
    inside = path if Path(path).suffix else f"{path}/file"
    done = subprocess.run(["git", "check-ignore", "-q", "--no-index", inside], cwd=ROOT,
                          check=False)  # fmt: skip
    return done.returncode == 0


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout")
def test_generated_paths_are_ignored() -> None:
    paths = _default_paths() | _readme_outputs() | {"tanshi-demo/demo.sqlite.key",
                                                    "cn.sqlite", "cn.sqlite.key"}  # fmt: skip
    assert {"tanshi-demo", "tanshi-market", "tanshi-market/trades.csv"} <= paths
    assert [p for p in sorted(paths) if not _ignored(p)] == []
