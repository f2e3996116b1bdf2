"""Every setting of ``tanshi serve`` is in docs/api.md's configuration table, with its default."""

from __future__ import annotations

import re
from pathlib import Path

from tanshi.api.settings import Settings

API_DOC = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    rows = dict(re.findall(r"^\| `(TANSHI_[A-Z_]+)` \| ([^|]+) \|", API_DOC, flags=re.MULTILINE))
    for name, field in Settings.model_fields.items():
        variable = f"TANSHI_{name.upper()}"
        assert variable in rows, f"{variable} is not in docs/api.md"
        default = field.default
        if isinstance(default, bool):
            assert f"`{str(default).lower()}`" in rows[variable], variable
        elif isinstance(default, int | float):
            assert f"`{default:g}`" in rows[variable], variable
